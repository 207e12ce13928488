"""The catalogue and NLU are built once per process for the same files, and again after an edit."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sevadwar.catalogue.loader import CatalogueError, default_catalogue_dir
from sevadwar.runtime import load_services


def test_the_same_files_give_the_same_objects_and_an_edit_is_read_again(tmp_path: Path) -> None:
    folder = tmp_path / "catalogue"
    shutil.copytree(default_catalogue_dir(), folder)
    catalogue, understanding = load_services(folder)
    assert load_services(folder) == (catalogue, understanding)  # cached: no second build
    income = folder / "income.yaml"
    text = income.read_text(encoding="utf-8")
    income.write_text(text + "\n# reviewed by the department\n", encoding="utf-8")
    os.utime(income, ns=(income.stat().st_atime_ns, income.stat().st_mtime_ns + 1_000_000))
    edited, _ = load_services(folder)
    assert edited is not catalogue  # read again (the same services, so equal content)
    assert edited["income"] == catalogue["income"]
    income.write_text("id: income\nthis is: [not a service", encoding="utf-8")
    with pytest.raises(CatalogueError):  # an invalid catalogue is never served from the cache
        load_services(folder)
