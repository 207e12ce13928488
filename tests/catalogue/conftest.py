"""A small valid catalogue to bend in tests: one department, one service."""

from __future__ import annotations

from pathlib import Path

import pytest

DEPARTMENTS_YAML = """\
departments:
  - id: revenue
    order: 10
    name:
      en: Revenue Department
      hi: राजस्व विभाग
    description:
      en: Certificates
      hi: प्रमाण पत्र
"""

SERVICE_YAML = """\
id: sample
department: revenue
kind: certificate
name:
  en: Sample certificate
  hi: नमूना प्रमाण पत्र
description:
  en: A certificate for tests.
  hi: परीक्षण के लिए प्रमाण पत्र।
office:
  en: Sub-Divisional Magistrate (SDM)
  hi: उप-मंडल मजिस्ट्रेट (एसडीएम)
fee:
  kind: zero
sla_days: 7
fields:
  - id: full_name
    type: name
    label:
      en: What is your full name?
      hi: आपका पूरा नाम क्या है?
  - id: category
    type: choice
    label:
      en: Your category?
      hi: आपकी श्रेणी?
    options:
      - id: general
        label:
          en: General
          hi: सामान्य
      - id: sc
        label:
          en: Scheduled Caste
          hi: अनुसूचित जाति
workflow:
  stages:
    - id: scrutiny
      name:
        en: Scrutiny
        hi: जाँच
      role: dealing_assistant
      days: 3
    - id: approval
      name:
        en: Approval
        hi: स्वीकृति
      role: approving_officer
      days: 4
certificate:
  template: sample
  title:
    en: Sample certificate
    hi: नमूना प्रमाण पत्र
recognition:
  synonyms: [sample, namuna]
"""


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    """An empty catalogue directory with a one-department ``_departments.yaml``."""
    directory = tmp_path / "catalogue"
    directory.mkdir()
    (directory / "_departments.yaml").write_text(DEPARTMENTS_YAML, encoding="utf-8")
    return directory


@pytest.fixture
def service_yaml() -> str:
    """The text of a valid service file (id ``sample``) to change in a test."""
    return SERVICE_YAML
