"""Any cell can hold anything: a formula, an error value, words, text where a number belongs, a
number where text belongs, an empty string, control characters, text at the cell limit, Thai or
full-width digits, a date serial, a boolean, a rich-text run. Reading, validating, the returned
workbook, the ledger and the master never raise, and never end in the internal-error code (M009):
every odd value is a finding on its cell, not a catch-all.

Each example fills many of the input and prefilled cells of a real generated workbook of each
template version at once, written as openpyxl stores a value (formulas, errors and rich text
included) or as xlsxwriter does (through our own writer), then runs the whole month.
`make test` runs the CI profile (derandomized, bounded); the long run is
`.venv/bin/python -m pytest tests/test_any_cell.py --hypothesis-profile=long`.
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.exceptions import IllegalCharacterError

from progress_xl.consolidate import consolidate
from progress_xl.generate import generate_workbook
from progress_xl.ledger import Ledger
from progress_xl.read import Submission, read_submission
from progress_xl.register import Project
from progress_xl.review import TRANSIENT, review_file
from progress_xl.spec import available_versions, load_spec

EXAMPLES = 500 if settings().max_examples >= 1000 else 30        # per version and writer (CI: 4 x 30)

FORMULAS = ["=1+1", "=A1", "=#REF!", "=122800+0", "='[1]Sheet1'!A1", "=SUM(1,2)", '="2564"', "=NOW()", "=1/0"]
ERRORS = ["#REF!", "#N/A", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"]
WORDS = ["หนึ่งแสนบาท", "ดูเอกสารแนบ", "'=ดูเอกสารแนบ", "เป็นไปตามแผน", "on plan", "122,800 บาท", "122,800.-",
         "๑๒๒,๘๐๐", "１２２８００", "22/10/2563", "22/10/63", "23 ต.ค. 2569", "0812345678", "2.0", "v2", "0.9",
         "๐๑๐๐๐๐๐๐-๒๔๖๒", " 01000000-2462 ", "_x000D_", "a_x005F_x000D_b", "ร้อยละ 5", "5 %", "1.5 ล้านบาท",
         "\u00a0", "\u200b", "เเผน", "-5,000", "NaN", "inf", "1e400", "TRUE"]
CONTROL = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), min_size=1, max_size=4)
TEXT = st.text(alphabet=st.sampled_from("กขคงจฉ่้๊๋ำะา abc0123456789๐๑๒๓,.-%/:=_'\n\t\r"), max_size=60)


def values():
    return st.one_of(
        st.sampled_from(FORMULAS).map(lambda f: ("formula", f)),
        st.sampled_from(ERRORS).map(lambda e: ("error", e)),
        st.sampled_from(WORDS).map(lambda w: ("text", w)),
        TEXT.map(lambda t: ("text", t)),
        st.tuples(TEXT, CONTROL, TEXT).map(lambda t: ("text", "".join(t))),
        st.sampled_from([("text", ""), ("text", " "), ("long", 32767), ("long", 40000)]),   # at and over the limit
        st.integers(-10**15, 10**15).map(lambda i: ("number", i)),
        st.floats(allow_nan=False, allow_infinity=False, width=64).map(lambda f: ("number", f)),
        st.floats(min_value=1, max_value=2958465).map(lambda f: ("number", f)),          # date serials
        st.booleans().map(lambda b: ("bool", b)),
        st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)).map(lambda d: ("date", d)),
        st.tuples(TEXT, TEXT).map(lambda t: ("rich", t)),
    )


def cells(version: int) -> list[tuple[str, str]]:
    """(sheet key, cell) of every input and prefilled cell of a template version."""
    spec = load_spec(version)
    found = [("project", f.cell) for f in spec.project_fields if f.derive is None]
    found += [("monthly", spec.monthly_cell(f.key, k)) for f in spec.monthly_fields if f.derive is None
              for k in range(1, spec.monthly.rows + 1)]
    return found


def fillings(version: int):
    return st.dictionaries(st.sampled_from(cells(version)), values(), min_size=3, max_size=24)


def _expand(kind: str, value):
    """A long text is drawn as its length (a short repr for hypothesis's report)."""
    return ("text", "ก่" * (value // 2) + "x" * (value % 2)) if kind == "long" else (kind, value)


def _openpyxl_value(kind: str, value):
    if kind == "rich":
        return CellRichText([TextBlock(InlineFont(b=True), value[0] or "a"), value[1] or "b"])
    return value


def via_openpyxl(base: bytes, version: int, filling: dict) -> bytes:
    """The generated workbook with values put in as openpyxl stores them (formulas, errors, rich text)."""
    spec = load_spec(version)
    wb = openpyxl.load_workbook(io.BytesIO(base), rich_text=True)
    for (sheet, ref), drawn in filling.items():
        kind, value = _expand(*drawn)
        ws = wb[spec.sheets[sheet]]
        ws.protection.sheet = False
        try:
            ws[ref].value = _openpyxl_value(kind, value)
        except IllegalCharacterError:              # control characters: stored escaped, as Excel stores them
            ws[ref].value = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: f"_x{ord(m.group()):04X}_", value)
        except (ValueError, TypeError):            # what openpyxl itself refuses to store cannot be in a file
            ws[ref].value = str(value)[:32767]
        if kind == "error":
            ws[ref].data_type = "e"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def via_xlsxwriter(version: int, project: Project, filling: dict) -> bytes:
    """The workbook written by our own writer with the values as xlsxwriter stores them (text,
    numbers, dates, booleans as text; its string cells hold formulas and errors as text)."""
    spec = load_spec(version)
    values = dict(project.values)
    reports: dict[int, dict] = {}
    by_cell = {f.cell: f.key for f in spec.project_fields}
    by_monthly = {spec.monthly_cell(f.key, k): (f.key, k) for f in spec.monthly_fields for k in range(1, 13)}
    for (sheet, ref), drawn in filling.items():
        kind, value = _expand(*drawn)
        plain = "".join(value) if kind == "rich" else value
        if sheet == "project":
            values[by_cell[ref]] = plain
        else:
            key, k = by_monthly[ref]
            reports.setdefault(k, {})[key] = plain
    out = io.BytesIO()
    generate_workbook(spec, Project(values), out, reports=reports, fy=2564)   # the year cell holds what was drawn
    return out.getvalue()


@pytest.fixture(scope="module")
def bases(seed_project):
    out = {}
    for version in available_versions():
        buf = io.BytesIO()
        generate_workbook(load_spec(version), seed_project, buf)
        out[version] = buf.getvalue()
    return out


def run_month(tmp: Path, data: bytes, project: Project) -> None:
    """Read, validate, return, record and consolidate one file: nothing may be an error of ours."""
    shutil.rmtree(tmp, ignore_errors=True)
    inbox = tmp / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "filled.xlsx").write_bytes(data)
    review = review_file(inbox / "filled.xlsx", projects={project.code: project}, today=dt.date(2021, 9, 30),
                         returned_dir=tmp / "returned")
    assert review.state != TRANSIENT and "M009" not in {f.code for f in review.findings}, review.detail
    if review.returned:                                     # the returned workbook reads back, never ours either
        back = read_submission(review.returned)
        assert isinstance(back, Submission) or back.issue.code != "M009", back.detail
    run = consolidate(inbox, projects=[project], fy=2564, month=12, out_dir=tmp / "out", workers=1)
    assert [o.place for o in run.outcomes] != [TRANSIENT], run.outcomes
    assert run.master.is_file()
    with Ledger(run.ledger) as ledger:
        assert not [s for s in ledger.submissions(2564) if s.state == TRANSIENT]


@pytest.mark.parametrize("version", available_versions())
@pytest.mark.parametrize("writer", ["openpyxl", "xlsxwriter"])
def test_any_value_in_any_cell_ends_in_a_finding_never_in_our_error(tmp_path, bases, seed_project, version, writer):
    counter = itertools.count()

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(filling=fillings(version))
    def check(filling):
        data = (via_openpyxl(bases[version], version, filling) if writer == "openpyxl"
                else via_xlsxwriter(version, seed_project, filling))
        run_month(tmp_path / f"case{next(counter)}", data, seed_project)
    check()


def test_the_examples_of_the_issue(tmp_path, bases, seed_project):
    """A formula, words or an error value in the budget; a formula in the fiscal year."""
    spec = load_spec()
    budget, year = spec.field("budget_allocated").cell, spec.field("fiscal_year").cell
    for filling in ({("project", budget): ("formula", "=122800+0")}, {("project", budget): ("text", "หนึ่งแสนบาท")},
                    {("project", budget): ("formula", "=#REF!")}, {("project", year): ("formula", "=2564")}):
        data = via_openpyxl(bases[spec.version], spec.version, filling)
        run_month(tmp_path / "case", data, seed_project)
        found = read_submission_of(tmp_path / "case" / "inbox" / "filled.xlsx")
        cell = next(iter(filling))[1]
        assert any(f.cell == cell for f in found), found


def read_submission_of(path: Path):
    sub = read_submission(path)
    assert isinstance(sub, Submission)
    from progress_xl.validate import validate
    return [*sub.issues, *validate(sub, today=dt.date(2021, 9, 30))] + [
        v.error for v in sub.values() if v.error is not None]


def test_numbers_stay_decimal(seed_project):
    assert isinstance(seed_project["budget_allocated"], (int, Decimal))
