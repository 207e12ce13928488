"""The loader reports every problem at the line an author must change.

Each bad file marks the line the problem must point at with ``#!``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sevadwar.catalogue.loader import (
    CatalogueError,
    Problem,
    Severity,
    load_catalogue,
    load_services,
    validate_catalogue,
)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def marked_line(text: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if "#!" in line]
    assert len(lines) == 1, "mark exactly one line with #!"
    return lines[0]


def change(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once"
    return text.replace(old, new)


def the_error(directory: Path) -> Problem:
    errors = [p for p in validate_catalogue(directory) if p.is_error]
    assert len(errors) == 1, "\n".join(map(str, errors))
    return errors[0]


def check(directory: Path, text: str, fragment: str, name: str = "sample.yaml") -> Problem:
    """Write ``text``; exactly one error, on the marked line, mentioning ``fragment``."""
    path = write(directory, name, text)
    error = the_error(directory)
    assert (error.path, error.line) == (path, marked_line(text)), str(error)
    assert fragment in error.message
    return error


def test_a_valid_service_has_no_problems(catalogue_dir: Path, service_yaml: str) -> None:
    write(catalogue_dir, "sample.yaml", service_yaml)

    assert validate_catalogue(catalogue_dir) == []
    catalogue = load_catalogue(catalogue_dir)
    assert catalogue.ids() == ("sample",)
    assert [s.id for s in load_services(catalogue_dir)] == ["sample"]


def test_problem_reads_like_a_compiler_message() -> None:
    error = Problem(Path("catalogue/x.yaml"), 12, "fields[0].label: 'en' is required")
    warning = Problem(Path("catalogue/x.yaml"), 3, "no examples", Severity.WARNING)

    assert str(error) == "catalogue/x.yaml:12: fields[0].label: 'en' is required"
    assert str(warning) == "catalogue/x.yaml:3: warning: no examples"
    assert error.is_error
    assert not warning.is_error


def test_yaml_syntax_error_points_at_its_line(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "sla_days: 7\n", "sla_days: 7\n  bad: indent: here  #!\n")

    error = check(catalogue_dir, text, "YAML syntax")
    assert "mapping values are not allowed" in error.message


def test_unclosed_quote_names_where_it_opened(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "  en: A certificate for tests.", '  en: "A certificate  #!')
    path = write(catalogue_dir, "sample.yaml", text)

    error = the_error(catalogue_dir)

    assert error.path == path
    assert error.message.startswith(
        f"YAML syntax: while scanning a quoted scalar (line {marked_line(text)}); "
    )


def test_id_must_equal_file_name(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "id: sample\n", "id: sampel  #!\n")

    check(catalogue_dir, text, "differs from the file name 'sample'")


def test_duplicate_ids_name_the_other_file(catalogue_dir: Path, service_yaml: str) -> None:
    write(catalogue_dir, "sample.yaml", service_yaml)
    write(catalogue_dir, "zz-copy.yaml", service_yaml)

    errors = [p for p in validate_catalogue(catalogue_dir) if p.is_error]

    assert [(p.path.name, p.line) for p in errors] == [("zz-copy.yaml", 1), ("zz-copy.yaml", 1)]
    assert any("already used by sample.yaml" in p.message for p in errors)
    assert any("differs from the file name" in p.message for p in errors)


def test_unknown_department(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "department: revenue\n", "department: revnue  #!\n")

    error = check(catalogue_dir, text, "unknown department 'revnue'")
    assert "social-welfare" in error.message


def test_department_missing_from_departments_file(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "department: revenue\n", "department: mcd  #!\n")

    check(catalogue_dir, text, "'mcd' is not in _departments.yaml")


def test_repeated_option_id_points_at_the_repeat(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "      - id: sc\n", "      - id: general  #!\n")

    check(catalogue_dir, text, "option ids repeat")


def test_unknown_key_suggests_the_right_one(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "    type: name\n    label:", "    type: name\n    lable:  #!")

    error = check(catalogue_dir, text, "unknown key 'lable' (did you mean 'label'?)")
    assert error.message.startswith("fields[0]: ")


def test_missing_nested_key_points_at_its_parent(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(
        service_yaml,
        "office:\n  en: Sub-Divisional Magistrate (SDM)\n",
        "office:  #!\n",
    )

    error = check(catalogue_dir, text, "'en' is required")
    assert error.message.startswith("office: ")


def test_missing_top_level_key(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "id: sample\n", "id: sample  #!\n")
    text = change(text, "sla_days: 7\n", "")
    text = change(text, "      days: 3\n", "      days: 0\n")
    text = change(text, "      days: 4\n", "      days: 0\n")

    check(catalogue_dir, text, "'sla_days' is required")


def test_bad_enum_in_a_list_item(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "    type: name\n", "    type: nmae  #!\n")

    error = check(catalogue_dir, text, "fields[0].type")
    assert "'text'" in error.message


def test_condition_on_a_later_field(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(
        service_yaml,
        "    type: name\n",
        "    type: name\n    when:\n      field: category  #!\n      equals: sc\n",
    )

    check(catalogue_dir, text, "depends on 'category', which is not asked before it")


def test_condition_value_must_be_an_option(catalogue_dir: Path, service_yaml: str) -> None:
    text = service_yaml.replace(
        "workflow:",
        "documents:\n"
        "  - id: caste_proof\n"
        "    label:\n      en: Caste proof\n      hi: जाति का प्रमाण\n"
        "    when:\n      field: category\n"
        "      in: [sc, st]  #!\n"
        "workflow:",
    )

    error = check(catalogue_dir, text, "'st' is not an option of 'category'")
    assert error.message.startswith("documents[0].when.in[1]: ")


def test_yes_no_condition_needs_a_boolean(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(
        service_yaml,
        "workflow:",
        "  - id: married\n    type: yes_no\n    label:\n      en: Married?\n      hi: विवाहित?\n"
        "  - id: spouse\n    type: name\n    label:\n      en: Spouse?\n      hi: पति/पत्नी?\n"
        "    when:\n      field: married\n      equals: 'yes'  #!\n"
        "workflow:",
    )

    check(catalogue_dir, text, "'married' is yes/no: compare with true or false")


def test_yes_read_as_boolean_gets_a_hint(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "      - id: sc\n", "      - id: yes  #!\n")

    check(catalogue_dir, text, "put the text in quotes")


def test_waiver_on_an_unknown_field(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(
        service_yaml,
        "fee:\n  kind: zero\n",
        "fee:\n  kind: fixed\n  amount: 10\n  waivers:\n    - when:\n"
        "        field: is_bpl  #!\n        equals: true\n"
        "      reason:\n        en: BPL\n        hi: बीपीएल\n",
    )

    check(catalogue_dir, text, "the fee refers to unknown field 'is_bpl'")


def test_stage_days_must_add_up(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "  stages:\n", "  stages:  #!\n")
    text = change(text, "      days: 4\n", "      days: 5\n")

    check(catalogue_dir, text, "add up to 8, but sla_days is 7")


def test_slabs_out_of_order(catalogue_dir: Path, service_yaml: str) -> None:
    slab_fee = (
        "fee:\n  kind: slab\n  basis_field: born_on\n  measure: days_since\n  slabs:\n"
        "    - upto: 30\n      amount: 0\n"
        "    - upto: 21  #!\n      amount: 2\n"
        "    - amount: 10\n"
    )
    text = change(service_yaml, "fee:\n  kind: zero\n", slab_fee)
    text = change(
        text,
        "fields:\n",
        "fields:\n  - id: born_on\n    type: date\n    label:\n      en: Born on?\n"
        "      hi: जन्म तिथि?\n",
    )

    check(catalogue_dir, text, "strictly increasing order")


def test_fee_basis_must_fit_the_measure(catalogue_dir: Path, service_yaml: str) -> None:
    slab_fee = (
        "fee:\n  kind: slab\n  basis_field: full_name  #!\n  measure: days_since\n  slabs:\n"
        "    - upto: 21\n      amount: 0\n    - amount: 10\n"
    )
    text = change(service_yaml, "fee:\n  kind: zero\n", slab_fee)

    check(catalogue_dir, text, "needs a date field; 'full_name' is a name field")


def test_bad_language_code(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "  hi: नमूना प्रमाण पत्र\ndescription", "  HI: x  #!\ndescription")

    error = check(catalogue_dir, text, "'HI' is not a language code")
    assert error.message.startswith("name.HI: ")


def test_repeated_yaml_key(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "  hi: परीक्षण के लिए प्रमाण पत्र।\n", "  hi: एक\n  hi: दो  #!\n")

    check(catalogue_dir, text, "key 'hi' repeats (first on line")


def test_invalid_pattern_and_date_bound(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "    type: name\n", "    type: text\n    pattern: '[a-z'  #!\n")

    check(catalogue_dir, text, "not a regular expression")

    text = change(service_yaml, "    type: name\n", "    type: date\n    max_date: tomorrow  #!\n")

    check(catalogue_dir, text, "use 'today', 'today-30d'")


def test_missing_hindi_is_an_error_at_the_text(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(
        service_yaml,
        "      name:\n        en: Scrutiny\n        hi: जाँच\n",
        "      name:  #!\n        en: Scrutiny\n",
    )

    error = check(catalogue_dir, text, "no 'hi' text")
    assert error.message.startswith("workflow.stages[0].name: ")


def test_partial_language_warns_and_is_not_offered(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(
        service_yaml, "  hi: नमूना प्रमाण पत्र\ndescription", "  hi: नमूना\n  pa: ਨਮੂਨਾ\ndescription"
    )
    write(catalogue_dir, "sample.yaml", text)

    problems = validate_catalogue(catalogue_dir)

    assert not any(p.is_error for p in problems)
    warnings = [p for p in problems if "'pa'" in p.message]
    assert len(warnings) == 2  # one for the service, one for the department
    assert all(p.severity == Severity.WARNING for p in warnings)
    assert load_catalogue(catalogue_dir).languages() == {"en", "hi"}


def test_files_starting_with_underscore_are_not_services(
    catalogue_dir: Path, service_yaml: str
) -> None:
    write(catalogue_dir, "sample.yaml", service_yaml)
    write(catalogue_dir, "_notes.yaml", "this: [is not: a service\n")
    write(catalogue_dir, "README.md", "# not YAML\n")

    assert validate_catalogue(catalogue_dir) == []


def test_yml_and_empty_files_are_errors(catalogue_dir: Path) -> None:
    write(catalogue_dir, "other.yml", "id: other\n")
    write(catalogue_dir, "empty.yaml", "# nothing\n")

    errors = [p for p in validate_catalogue(catalogue_dir) if p.is_error]

    assert [(p.path.name, p.line) for p in errors] == [("empty.yaml", 1), ("other.yml", 1)]
    assert "empty" in errors[0].message
    assert ".yml" in errors[1].message


def test_missing_departments_file(tmp_path: Path, service_yaml: str) -> None:
    write(tmp_path, "sample.yaml", service_yaml)

    error = the_error(tmp_path)

    assert error.path == tmp_path / "_departments.yaml"
    assert "missing" in error.message


def test_department_text_too_long_for_a_menu(catalogue_dir: Path, service_yaml: str) -> None:
    departments = (catalogue_dir / "_departments.yaml").read_text(encoding="utf-8")
    departments = change(
        departments,
        "      en: Revenue Department\n",
        "      en: The Revenue Department of Delhi  #!\n",
    )
    write(catalogue_dir, "sample.yaml", service_yaml)

    error = check(catalogue_dir, departments, "24 characters", name="_departments.yaml")
    assert "add a 'short' name" in error.message


def test_load_catalogue_raises_with_every_problem(catalogue_dir: Path, service_yaml: str) -> None:
    write(catalogue_dir, "sample.yaml", change(service_yaml, "id: sample", "id: other"))
    write(catalogue_dir, "broken.yaml", "id: [\n")

    with pytest.raises(CatalogueError) as caught:
        load_catalogue(catalogue_dir)

    assert {p.path.name for p in caught.value.problems if p.is_error} == {
        "broken.yaml",
        "sample.yaml",
    }
    assert "broken.yaml:" in str(caught.value)


def test_problems_are_in_file_and_line_order(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "id: sample", "id: samp")
    text = change(text, "    type: name\n", "    type: nmae\n")
    write(catalogue_dir, "sample.yaml", text)
    write(catalogue_dir, "a.yaml", "- not a mapping\n")

    problems = validate_catalogue(catalogue_dir)

    places = [(p.path.name, p.line) for p in problems]
    assert places == sorted(places)
    assert [name for name, _ in places] == ["a.yaml", "sample.yaml", "sample.yaml"]


def test_years_since_must_count_from_a_date_asked_before(
    catalogue_dir: Path, service_yaml: str
) -> None:
    years = (
        "  - id: years_here\n    type: number\n    since: {since}  #!\n"
        "    label:\n      en: Years here?\n      hi: कितने वर्ष से?\n"
    )
    text = change(
        service_yaml, "  - id: category\n", years.format(since="full_name") + "  - id: category\n"
    )

    error = check(catalogue_dir, text, "counts years since 'full_name', which is not a date")
    assert error.message.startswith("fields[1].since: ")


def test_only_a_number_counts_years_since_a_date(catalogue_dir: Path, service_yaml: str) -> None:
    text = change(service_yaml, "    type: name\n", "    type: name\n    since: category  #!\n")

    error = check(catalogue_dir, text, "only number fields count years since a date")
    assert error.message.startswith("fields[0].since: ")


PLACES = "districts:\n  sc: [Trilokpuri, त्रिलोकपुरी]\n  general: [Rohini]\n"


def test_a_choice_understands_the_places_of_its_options(
    catalogue_dir: Path, service_yaml: str
) -> None:
    write(catalogue_dir, "_places.yaml", PLACES)
    write(
        catalogue_dir,
        "sample.yaml",
        change(service_yaml, "    type: choice\n", "    type: choice\n    places: districts\n"),
    )

    assert validate_catalogue(catalogue_dir) == []
    options = {o.id: o for o in load_catalogue(catalogue_dir)["sample"].field("category").options}
    assert options["sc"].synonyms == ["Trilokpuri", "त्रिलोकपुरी"]
    assert options["general"].synonyms == ["Rohini"]


def test_places_from_a_list_that_does_not_exist(catalogue_dir: Path, service_yaml: str) -> None:
    write(catalogue_dir, "_places.yaml", PLACES)
    text = change(service_yaml, "    type: choice\n", "    type: choice\n    places: nowhere  #!\n")

    check(catalogue_dir, text, "no list 'nowhere' in _places.yaml")


def test_only_a_choice_takes_places(catalogue_dir: Path, service_yaml: str) -> None:
    write(catalogue_dir, "_places.yaml", PLACES)
    text = change(service_yaml, "    type: name\n", "    type: name\n    places: districts  #!\n")

    check(catalogue_dir, text, "only choice fields take places")


def test_a_place_belongs_to_one_option(catalogue_dir: Path, service_yaml: str) -> None:
    write(catalogue_dir, "sample.yaml", service_yaml)
    places = write(
        catalogue_dir, "_places.yaml", "districts:\n  sc: [Rohini]\n  general: [rohini]\n"
    )

    error = the_error(catalogue_dir)
    assert (error.path, error.line) == (places, 3)
    assert "'rohini' is already a place of 'sc'" in error.message
