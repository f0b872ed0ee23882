"""The template spec: loads into frozen dataclasses; a wrong spec fails loudly and names the key.

The spec checks itself: A1 syntax, no two fields on one cell or column (the hidden helper column
included), constraints only where their type honours them, no unknown keys at any level.
"""
import copy
import dataclasses
import tomllib

import pytest

from progress_xl.spec import (CONSTRAINTS, TYPES, UNCHECKED_INPUT, SpecError, all_field_keys, available_versions,
                              data_dir, load_spec, parse_spec, templates_dir)


def _raw(version):
    with (templates_dir() / f"progress_report.v{version}.toml").open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(params=available_versions(), ids=lambda v: f"v{v}")
def raw(request):
    return _raw(request.param)


def field(data, key):
    """The raw table of field `key`, project or monthly."""
    return next(f for section in ("project", "monthly") for f in data[section]["fields"] if f["key"] == key)


def test_spec_has_every_field_of_the_form(spec):
    keys = {f.key for f in spec.fields}
    assert {"project_name", "project_code", "fiscal_year", "start_date", "end_date", "budget_allocated",
            "agency", "agency_short", "division", "responsible_person", "coordinator", "rationale",
            "objectives", "targets", "strategy", "sub_strategy", "goal", "kpi"} <= keys
    assert {"report_no", "report_date", "narrative", "progress", "disbursed", "plan_status",
            "target_status", "remark"} <= keys
    assert spec.choice_values("plan_status") == ("เป็นไปตามแผน", "ล่าช้ากว่าแผน", "เร็วกว่าแผน")


def test_spec_is_frozen(spec):
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.fields[0].required = False


@pytest.mark.parametrize("mutate, names", [
    (lambda d: field(d, "report_date").update(type="datetime"), "monthly.fields[report_date].type"),
    (lambda d: d["sheets"].update(monthly="รายงานความก้าวหน้ารายเดือนของโครงการ Monthly"), "sheets.monthly"),
    (lambda d: field(d, "progress").update(title="ความก้าวหน้าสะสมของโครงการ / Progress"), "monthly.fields[progress].title"),
    (lambda d: field(d, "progress").update(message_th="ก" * 200), "monthly.fields[progress].message_th + message_en"),
    (lambda d: d["monthly"]["fields"][4].update(colour="red"), "monthly.fields[4]: unknown key"),
    (lambda d: d["sheets"].update(print="Print/Form"), "sheets.print"),
    (lambda d: field(d, "plan_status").update(choices="nope"), "monthly.fields[plan_status].choices"),
], ids=["unknown-type", "sheet-name-over-31", "title-over-32", "message-over-255", "unknown-key",
        "bad-sheet-char", "unknown-choice-list"])
def test_spec_error_names_the_key(raw, mutate, names):
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(SpecError) as err:
        parse_spec(data)
    assert names in str(err.value)


def _refused(raw, mutate, *names):
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(SpecError) as err:
        parse_spec(data)
    assert all(n in str(err.value) for n in names), str(err.value)


@pytest.mark.parametrize("column", ["k1", "a", "AAAA", "XFE", "", "1", "E 1", 5, None])
def test_a_monthly_column_that_is_not_a1_names_its_key(raw, column):
    _refused(raw, lambda d: field(d, "remark").update(column=column), "monthly.fields[remark].column", "not a column")


@pytest.mark.parametrize("cell", ["C0", "c4", "C", "4", "XFE1", "A1048577", "C4:C5", "$C$4", 4])
def test_a_project_cell_that_is_not_a1_names_its_key(raw, cell):
    _refused(raw, lambda d: field(d, "kpi").update(cell=cell), "project.fields[kpi].cell", "not an A1 cell")


@pytest.mark.parametrize("key, value", [("check_cell", "D 3"), ("freeze", "e10"), ("helper_column", "M1")])
def test_layout_cells_are_a1(raw, key, value):
    _refused(raw, lambda d: d["monthly"].update({key: value}), f"monthly.{key}")


def test_two_fields_never_share_a_cell_or_a_column(raw):
    _refused(raw, lambda d: field(d, "kpi").update(cell=field(d, "goal")["cell"]), "'kpi'", "'goal'", "both on")
    _refused(raw, lambda d: field(d, "remark").update(column=field(d, "narrative")["column"]), "'remark'",
             "'narrative'")
    label = raw["project"]["label_en_column"]
    _refused(raw, lambda d: field(d, "kpi").update(cell=label + field(d, "kpi")["cell"][1:]), "label_en_column")
    _refused(raw, lambda d: field(d, "kpi").update(cell="D25"), "project.fields: the values are in one column")


def test_a_field_appended_after_the_self_check_cannot_land_on_the_helper_column(raw):
    """The trap of template v3's first draft: the new column was the hidden helper's."""
    helper = raw["monthly"]["helper_column"]
    new = {"key": "appended_note", "th": "บันทึก", "en": "Note", "type": "text", "column": helper}
    _refused(raw, lambda d: d["monthly"]["fields"].append(new), "'monthly.helper_column'", "'appended_note'",
             f"both on {helper}")


def test_an_input_the_checks_cannot_check_is_refused(raw):
    """A monthly input of a type the self-check and the validator do not check (a whole number: the
    self-check would say ready for text or -5, the validator would ignore its min) is refused, naming
    where to teach the type, until both check it; shown and locked, it is fine."""
    assert UNCHECKED_INPUT <= TYPES
    for type_ in sorted(UNCHECKED_INPUT):
        new = {"key": "appended_count", "th": "จำนวน", "en": "Count", "type": type_, "column": "Z", "min": 0}
        _refused(raw, lambda d: d["monthly"]["fields"].append(new), "fields[appended_count]",
                 "selfcheck.row_checks", "validate.ranges")
        unbounded = {k: v for k, v in new.items() if k != "min"}
        _refused(raw, lambda d: d["monthly"]["fields"].append(unbounded), "fields[appended_count]", "not checked yet")
        data = copy.deepcopy(raw)
        data["monthly"]["fields"].append({**new, "locked": True})
        assert parse_spec(data).field("appended_count").min == 0


def test_v3s_helper_columns_are_declared_known_and_free():
    """The hidden columns v3's formulas read through come from the spec: a new field on one of them, a
    helper on a field's column or on another helper, an unknown helper or a bad column are refused."""
    data = tomllib.loads((templates_dir() / "progress_report.v3.toml").read_text(encoding="utf-8"))
    helpers = data["monthly"]["helpers"]
    assert set(helpers) == {"date_text", "date_parts", "date_day", "date_month", "date_year", "disbursed_text",
                            "disbursed_read", "progress_text", "progress_read"}
    new = {"key": "appended_note", "th": "บันทึก", "en": "Note", "type": "text", "column": helpers["progress_read"]}
    _refused(data, lambda d: d["monthly"]["fields"].append(new), "'monthly.helpers.progress_read'", "'appended_note'")
    _refused(data, lambda d: d["monthly"]["helpers"].update(date_text="G"), "'monthly.helpers.date_text'", "on G")
    _refused(data, lambda d: d["monthly"]["helpers"].update(date_parts=helpers["date_text"]), "'monthly.helpers.")
    _refused(data, lambda d: d["monthly"]["helpers"].update(amount_read="Z"), "monthly.helpers", "'amount_read'")
    _refused(data, lambda d: d["monthly"]["helpers"].update(progress_read="t1"), "monthly.helpers.progress_read")
    _refused(data, lambda d: d["monthly"]["helpers"].pop("progress_text"), "progress_text missing beside progress_read")
    _refused(data, lambda d: d["monthly"]["helpers"].pop("date_year"), "date_year missing beside")
    assert parse_spec(data).monthly.helpers == helpers


def test_a_pattern_comes_with_an_example_that_matches_it(raw):
    """People are shown the example, never the regular expression."""
    _refused(raw, lambda d: field(d, "project_code").pop("example"), "fields[project_code].example")
    _refused(raw, lambda d: field(d, "project_code").update(example="0100-2462"), "fields[project_code].example")
    _refused(raw, lambda d: field(d, "project_name").update(example="x"), "fields[project_name].example")


def test_the_helper_column_is_declared(raw):
    _refused(raw, lambda d: d["monthly"].pop("helper_column"), "missing key 'helper_column'")


@pytest.mark.parametrize("key, change, names", [
    ("narrative", {"min": 0}, "min not allowed for type 'longtext'"),
    ("disbursed", {"max": 10}, "max not allowed for type 'money'"),
    ("disbursed", {"min": 5}, "an amount's only minimum is 0"),
    ("progress", {"max": None}, "a percent field has both min and max"),
    ("progress", {"min": 50, "max": 10}, "min 50 is above max 10"),
    ("report_date", {"pattern": "x"}, "pattern not allowed for type 'date'"),
    ("remark", {"choices": "plan_status"}, "choices not allowed for type 'longtext'"),
    ("plan_status", {"choices": None}, "a choice field names its choice list"),
    ("remark", {"max_length": 0}, "max_length: 0 is not 1 to 32,767"),
    ("project_code", {"pattern": "("}, "project_code].pattern"),
    ("cumulative", {"derive": "report_no"}, "'report_no' is a monthly field of type 'int'"),
    ("check", {"derive": "total:disbursed"}, "'total:disbursed' is a project field of type 'money'"),
    ("cumulative", {"required": True}, "a derived field is neither required nor prefilled"),
    ("cumulative", {"derive": "running_total:progress"}, "unknown derivation"),
    ("remark", {"cell": "C4"}, "a monthly field has a column, not a cell"),
])
def test_constraints_are_valid_for_their_type(raw, key, change, names):
    def mutate(d):
        f = field(d, key)
        f.update({k: v for k, v in change.items() if v is not None})
        for k in [k for k, v in change.items() if v is None]:
            f.pop(k, None)
    _refused(raw, mutate, f"fields[{key}]", names)


def test_every_type_says_which_constraints_it_takes():
    assert set(CONSTRAINTS) == TYPES


@pytest.mark.parametrize("section, key", [("template", "colour"), ("monthly", "helper"), ("project", "label_column"),
                                          (None, "monthy")])
def test_unknown_keys_at_every_level(raw, section, key):
    _refused(raw, lambda d: (d[section] if section else d).update({key: 1}), "unknown key", key)


def test_one_self_check_column(raw):
    _refused(raw, lambda d: field(d, "check").pop("derive"), "one self_check field")


def test_load_spec_picks_the_newest_version():
    versions = available_versions()
    assert {1, 2} <= set(versions) and load_spec().version == max(versions)
    assert all(load_spec(v).version == v for v in versions)


def test_every_version_keeps_the_schema_keys_of_the_one_before():
    """A newer version may add fields, never drop or retype one: older workbooks map by key."""
    for old, new in zip(available_versions(), available_versions()[1:]):
        before, after = load_spec(old), load_spec(new)
        assert {f.key: f.type for f in before.fields}.items() <= {f.key: f.type for f in after.fields}.items()


def test_the_specs_are_found_as_package_data_or_in_the_checkout(monkeypatch, tmp_path):
    assert templates_dir() == data_dir("workbook_templates") and (templates_dir() / "letters.toml").is_file()
    assert (data_dir("samples") / "register.csv").is_file()
    monkeypatch.setenv("PROGRESS_XL_TEMPLATES", str(tmp_path))
    with pytest.raises(SpecError, match="no template spec"):
        templates_dir()


def test_all_field_keys_cover_every_version():
    assert all_field_keys() == {f.key for v in available_versions() for f in load_spec(v).fields}
    assert {"stage", "progress", "project_code"} <= all_field_keys()
