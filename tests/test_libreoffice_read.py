"""A workbook re-saved by LibreOffice reads to the same Submission as the original (issue 4)."""
import datetime as dt
import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from test_generate import FILLED

from progress_xl.fiscal import format_be
from progress_xl.generate import generate_workbook
from progress_xl.office import convert
from progress_xl.read import Submission, read_submission

pytestmark = pytest.mark.soffice


def _values(sub):
    return {(k, key): (v.value, v.error.code if v.error else None) for k, row in sub.reports.items()
            for key, v in row.items()} | {key: (v.value, v.error.code if v.error else None)
                                           for key, v in sub.project.items()}


def test_libreoffice_resave_reads_the_same(tmp_path, spec, seed_project):
    original = tmp_path / "filled.xlsx"
    generate_workbook(spec, seed_project, original, reports=FILLED)
    resaved, = convert([original], "xlsx", tmp_path / "resaved")
    a, b = read_submission(original), read_submission(resaved)
    assert isinstance(a, Submission) and isinstance(b, Submission), getattr(b, "issue", b)
    assert _values(b) == _values(a)
    assert b.template_version == a.template_version and set(b.routes.values()) == {"name"}
    assert {i.code for i in b.issues} <= {i.code for i in a.issues} | {"T005"}


# -- typing as a person types, through LibreOffice's input line ----------------------------------
LO_TYPE = Path(__file__).resolve().parent / "lo_type.py"


def lo_type(src, dst, cells: dict, locale: str) -> dict:
    cmd = ["/usr/bin/python3", str(LO_TYPE), "--locale", locale, str(src), str(dst)]
    cmd += [f"{ref}={text}" for ref, text in cells.items()]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert run.returncode in (0, 3), run.stderr     # 3: saved, and some cell refused its input
    return json.loads(run.stdout.strip().splitlines()[-1])


#: (report, field, what the person types, what they meant, a note is expected whatever the locale)
TYPED = [
    (1, "report_date", "22/10/2563", dt.date(2020, 10, 22), True),
    (2, "report_date", "22 ต.ค. 2563", dt.date(2020, 10, 22), True),
    (3, "report_date", "2020-12-22", dt.date(2020, 12, 22), False),
    (1, "disbursed", "๑๒๒,๘๐๐", Decimal(122800), None),       # a number under th-TH, text under en-US
    (2, "disbursed", "122,800 บาท", Decimal(122800), True),
    (3, "disbursed", "1,500.50", Decimal("1500.5"), False),
    (1, "progress", "5", Decimal(5), False),
    (2, "progress", "10%", Decimal(10), True),                # stored 0.1: resolved from report 1, asked
    (3, "progress", "45", Decimal(45), False),
    (1, "plan_status", "เป็นไปตามแผน", "เป็นไปตามแผน", False),
    (2, "plan_status", "on plan", "เป็นไปตามแผน", True),
    (3, "plan_status", "ล่าช้ากว่าเเผน", "ล่าช้ากว่าแผน", True),  # เ typed twice for แ
    (1, "stage", "ดำเนินการ", "ดำเนินการ", False),
]


@pytest.mark.parametrize("locale", ["th-TH", "en-US"])
def test_typed_in_libreoffice_reads_as_meant(tmp_path, spec, seed_project, locale):
    blank, typed = tmp_path / "blank.xlsx", tmp_path / "typed.xlsx"
    generate_workbook(spec, seed_project, blank)
    monthly, project = spec.sheets["monthly"], spec.sheets["project"]
    cells = {f"{monthly}!{spec.monthly_cell(key, k)}": text for k, key, text, _, _ in TYPED}
    name_cell = f"{project}!{spec.field('project_name').cell}"
    cells[name_cell] = "แก้ชื่อโครงการ"                          # a locked, prefilled cell
    result = lo_type(blank, typed, cells, locale)
    assert [r["cell"] for r in result["refused"]] == [name_cell]
    sub = read_submission(typed)
    assert isinstance(sub, Submission), getattr(sub, "issue", sub)
    assert sub.project["project_name"].value == seed_project["project_name"]
    for k, key, text, meant, noted in TYPED:
        v = sub.reports[k][key]
        assert v.error is None and v.value == meant, (locale, text, v)
        if key == "report_date" and spec.version >= 3:   # v3: a text cell; only the form it asks for needs no note
            noted = text != format_be(meant)
        if noted is not None:
            assert bool(v.notes) == noted, (locale, text, [str(n) for n in v.notes])
    # what LibreOffice's locale did: th-TH parses Thai digits into a number; en-US leaves text
    raw = sub.reports[1]["disbursed"].raw
    assert (raw == 122800) if locale == "th-TH" else (raw == "๑๒๒,๘๐๐")
