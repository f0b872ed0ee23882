"""The template spec: loads into frozen dataclasses; a wrong spec fails loudly and names the key."""
import copy
import dataclasses
import tomllib

import pytest

from progress_xl.spec import SpecError, available_versions, load_spec, parse_spec, templates_dir


@pytest.fixture
def raw():
    with (templates_dir() / "progress_report.v1.toml").open("rb") as fh:
        return tomllib.load(fh)


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
    (lambda d: d["monthly"]["fields"][2].update(type="datetime"), "monthly.fields[report_date].type"),
    (lambda d: d["sheets"].update(monthly="รายงานความก้าวหน้ารายเดือนของโครงการ Monthly"), "sheets.monthly"),
    (lambda d: d["monthly"]["fields"][4].update(title="ความก้าวหน้าสะสมของโครงการ / Progress"), "monthly.fields[progress].title"),
    (lambda d: d["monthly"]["fields"][4].update(message_th="ก" * 200), "monthly.fields[progress].message_th + message_en"),
    (lambda d: d["monthly"]["fields"][4].update(colour="red"), "monthly.fields[4]: unknown key"),
    (lambda d: d["sheets"].update(print="Print/Form"), "sheets.print"),
    (lambda d: d["monthly"]["fields"][7].update(choices="nope"), "monthly.fields[plan_status].choices"),
], ids=["unknown-type", "sheet-name-over-31", "title-over-32", "message-over-255", "unknown-key",
        "bad-sheet-char", "unknown-choice-list"])
def test_spec_error_names_the_key(raw, mutate, names):
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(SpecError) as err:
        parse_spec(data)
    assert names in str(err.value)


def test_load_spec_picks_the_newest_version():
    assert available_versions() == (1, 2) and load_spec().version == 2 and load_spec(1).version == 1


def test_every_version_keeps_the_schema_keys_of_the_one_before():
    """A newer version may add fields, never drop or retype one: older workbooks map by key."""
    for old, new in zip(available_versions(), available_versions()[1:]):
        before, after = load_spec(old), load_spec(new)
        assert {f.key: f.type for f in before.fields}.items() <= {f.key: f.type for f in after.fields}.items()
