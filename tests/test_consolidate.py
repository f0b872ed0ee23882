"""consolidate: ledger, master, nothing lost, nothing half-written (issue 6)."""
import datetime as dt
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from helpers import holding
from scenarios import CLEAN, mixed_inbox, row  # noqa: F401 - the shared scenarios

from progress_xl.consolidate import PLACES, consolidate
from progress_xl.fiscal import month_label, month_label_en
from progress_xl.generate import generate_workbook, workbook_filename
from progress_xl.issues import ProgressXLError, render
from progress_xl.ledger import SCHEMA_VERSION, Ledger
from progress_xl import master
from progress_xl.master import SHEETS
from progress_xl.simulate import simulate_month
from progress_xl.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def few(projects):
    return projects[:10]


@pytest.fixture
def month3(tmp_path, spec, few):
    inbox = tmp_path / "inbox"
    expected = mixed_inbox(inbox, spec, few)
    run = consolidate(inbox, projects=few, fy=2564, month=3, out_dir=tmp_path / "out")
    return inbox, expected, run


def test_every_input_ends_in_exactly_one_place(month3):
    inbox, expected, run = month3
    assert {o.name: o.place for o in run.outcomes} == expected
    wb = openpyxl.load_workbook(run.master, read_only=True)
    rows = list(wb[SHEETS["inputs"]].iter_rows(min_row=3, values_only=True))
    assert sorted(r[0] for r in rows) == sorted(expected)
    h = run.headline
    assert h["inputs"] == len(expected) == sum(h[f"inputs_{p}"] for p in PLACES)
    rejected = {r[0]: r[3] for r in wb[SHEETS["rejected"]].iter_rows(min_row=3, values_only=True)}
    assert set(rejected) == {"corrupt.xlsx", "notes.pdf", "x.xlsx"} and "not in the register" in rejected["x.xlsx"]
    assert (h["expected"], h["received"], h["missing"]) == (10, 8, 2)
    # returned workbooks go back for the files with issues (the first, since superseded, had some), never
    # for a file that is not this month's data (x.xlsx names a project not in the register)
    assert sorted(p.name for p in (run.master.parent / "returned").iterdir()) == sorted(
        n.replace(".xlsx", "_ตรวจแล้ว.xlsx") for n, place in expected.items() if place == "has_issues") + [
        "ส่งครั้งแรก_ตรวจแล้ว.xlsx"]


def test_rerun_gives_a_byte_identical_master_and_no_new_ledger_rows(month3, tmp_path, few):
    inbox, _, run = month3
    first = run.master.read_bytes()
    counts = _counts(run.ledger)
    again = consolidate(inbox, projects=few, fy=2564, month=3, out_dir=tmp_path / "out")
    assert again.master.read_bytes() == first and _counts(run.ledger) == counts


def test_the_same_output_whatever_the_number_of_workers(month3, tmp_path, few):
    """Files are read in worker processes; results come back in input order, so nothing changes."""
    inbox, _, run = month3
    parallel = consolidate(inbox, projects=few, fy=2564, month=3, out_dir=tmp_path / "two", workers=2)
    assert parallel.master.read_bytes() == run.master.read_bytes()
    assert _dump(parallel.ledger) == _dump(run.ledger)
    assert sorted(p.name for p in (tmp_path / "two" / "returned").iterdir()) == \
        sorted(p.name for p in (run.master.parent / "returned").iterdir()) != []


def _dump(ledger_path):
    with sqlite3.connect(ledger_path) as db:
        return {t: db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("submissions", "receipts", "submission_values", "findings")}


def _counts(ledger_path):
    with sqlite3.connect(ledger_path) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("submissions", "receipts", "submission_values", "findings")}


def label(key: str) -> str:
    """A field as the master names it to people: its Thai / English label, never its key."""
    return load_spec().field(key).label()


def test_a_value_in_the_master_traces_to_its_file_and_cell(month3, few):
    inbox, _, run = month3
    wb = openpyxl.load_workbook(run.master, read_only=True)
    code = few[3].code
    row = next(r for r in wb[SHEETS["projects"]].iter_rows(min_row=3, values_only=True) if r[1] == code)
    progress = row[5]
    prov = next(r for r in wb[SHEETS["provenance"]].iter_rows(min_row=3, values_only=True)
                if r[0] == code and r[1] == 3 and r[3] == label("progress"))
    file, sha, where = prov[5], prov[6], prov[7]
    assert prov[4] == progress == 30
    assert hashlib.sha256((inbox / file).read_bytes()).hexdigest() == sha
    with sqlite3.connect(run.ledger) as db:
        sheet, cell = db.execute("SELECT v.sheet, v.cell FROM submission_values v JOIN submissions s ON s.id = v.submission_id "
                                 "WHERE s.sha256=? AND v.report=3 AND v.key='progress'", (sha,)).fetchone()
    assert where == f"{sheet}!{cell}"
    assert openpyxl.load_workbook(inbox / file)[sheet][cell].value == progress


def test_provenance_holds_what_the_master_shows_and_goes_on_past_the_last_row(month3, few, monkeypatch, tmp_path):
    inbox, _, run = month3
    wb = openpyxl.load_workbook(run.master, read_only=True)
    rows = list(wb[SHEETS["provenance"]].iter_rows(min_row=3, values_only=True))
    assert {(r[1], r[3]) for r in rows if r[1] < 3} <= {(k, label(key)) for k in (1, 2) for key in ("progress", "disbursed")}
    assert {r[3] for r in rows if r[1] == 3} >= {label(k) for k in ("progress", "disbursed", "plan_status", "report_date",
                                                                     "narrative")}
    assert {r[1] for r in rows} == {1, 2, 3}                      # months after this one are never shown
    monkeypatch.setattr(master, "MAX_ROWS", 2 + 7)                # 7 rows a sheet
    again = consolidate(inbox, projects=few, fy=2564, month=3, out_dir=tmp_path / "small")
    wb = openpyxl.load_workbook(again.master, read_only=True)
    parts = [n for n in wb.sheetnames if n.startswith(SHEETS["provenance"])]
    assert parts[:2] == [SHEETS["provenance"], SHEETS["provenance"] + " (2)"] and len(parts) == -(-len(rows) // 7)
    spilled = [r for n in parts for r in wb[n].iter_rows(min_row=3, values_only=True)]
    assert spilled == rows and [wb[n]["A2"].value for n in parts] == ["Project"] * len(parts)


def test_text_from_a_submission_stays_text(month3):
    _, _, run = month3
    wb = openpyxl.load_workbook(run.master)
    cells = [c for row in wb[SHEETS["provenance"]].iter_rows(min_row=3) for c in row
             if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_superseded_file_is_kept_and_its_changes_shown(month3, few):
    _, _, run = month3
    wb = openpyxl.load_workbook(run.master, read_only=True)
    changes = list(wb[SHEETS["changes"]].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[1], r[3], r[6], r[7], r[8]) for r in changes] == [
        (few[7].code, "ส่งครั้งแรก.xlsx", "แก้ไขแล้ว.xlsx", label("budget_used"), 10**9 + 3000, 3000),   # derived, recomputed
        (few[7].code, "ส่งครั้งแรก.xlsx", "แก้ไขแล้ว.xlsx", label("disbursed"), 10**9, 0)]
    with sqlite3.connect(run.ledger) as db:
        assert db.execute("SELECT count(*) FROM submissions WHERE state='superseded'").fetchone()[0] == 1


def test_earlier_months_from_the_ledger_feed_the_cross_month_rules(tmp_path, spec, few):
    ledger = tmp_path / "ledger.sqlite"
    for month in (1, 2):
        inbox = tmp_path / f"in{month}"
        inbox.mkdir()
        generate_workbook(spec, few[0], inbox / "a.xlsx", reports={k: CLEAN[k] for k in range(1, month + 1)})
        consolidate(inbox, projects=few[:1], fy=2564, month=month, out_dir=tmp_path / f"out{month}", ledger_path=ledger)
    changed = {k: dict(v) for k, v in CLEAN.items()}
    changed[1]["progress"] = 3                                   # month 1 was accepted as 10
    inbox = tmp_path / "in3"
    inbox.mkdir()
    generate_workbook(spec, few[0], inbox / "a.xlsx", reports=changed)
    run = consolidate(inbox, projects=few[:1], fy=2564, month=3, out_dir=tmp_path / "out3", ledger_path=ledger)
    wb = openpyxl.load_workbook(run.master, read_only=True)
    codes = {r[3] for r in wb[SHEETS["issues"]].iter_rows(min_row=3, values_only=True)}
    assert "R108" in codes


def test_a_second_run_on_the_same_ledger_is_refused(tmp_path, spec, few):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with holding(tmp_path / "out" / "ledger.sqlite.lock"):       # another process runs on it
        with pytest.raises(ProgressXLError) as err:
            consolidate(inbox, projects=few, fy=2564, month=3, out_dir=tmp_path / "out")
    assert err.value.issues[0].code == "M001"
    with Ledger(tmp_path / "out" / "ledger.sqlite") as mine:       # within one process the lock is re-entrant
        mine.lock()
        consolidate(inbox, projects=few, fy=2564, month=3, out_dir=tmp_path / "out")


def test_ledger_schema_is_versioned(tmp_path):
    path = tmp_path / "l.sqlite"
    with Ledger(path) as ledger:
        assert ledger.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")
    with pytest.raises(ProgressXLError) as err:
        Ledger(path)
    assert err.value.issues[0].code == "M002" and "99" in str(err.value)


def test_killed_at_any_point_leaves_master_and_ledger_whole_and_a_rerun_completes(tmp_path, spec, projects):
    inbox = tmp_path / "inbox"
    simulate_month(spec, projects[:24], 3, inbox)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "progress_xl.cli", "consolidate", str(inbox), "--register",
           str(ROOT / "samples" / "register.csv"), "--fy", "2564", "--month", "3", "--out", str(out)]
    files = len([p for p in inbox.iterdir() if not p.name.startswith(".")])
    started = time.perf_counter()                      # how long a whole run takes here, to kill inside it
    reference = subprocess.run(cmd[:-1] + [str(tmp_path / "reference")], capture_output=True, cwd=ROOT)
    whole = time.perf_counter() - started
    assert reference.returncode == 0
    killed = 0
    for delay in (whole * f for f in (0.15, 0.35, 0.55, 0.75, 0.9)):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait()
        ledger = out / "ledger.sqlite"
        if ledger.exists():
            with sqlite3.connect(ledger) as db:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                states = dict(db.execute("SELECT state, count(*) FROM submissions GROUP BY state").fetchall())
                assert sum(states.values()) in (0, files)       # all of a run, or nothing
        for written in out.glob("master_*.xlsx"):
            openpyxl.load_workbook(written, read_only=True).close()                # whole, never half-written
    assert killed >= 2
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert not list(out.rglob(".*.tmp"))                       # what the killed runs left is cleared
    counts = _counts(out / "ledger.sqlite")
    assert counts["submissions"] == files
    wb = openpyxl.load_workbook(out / "master_2564_03.xlsx", read_only=True)
    assert len(list(wb[SHEETS["inputs"]].iter_rows(min_row=3))) == counts["receipts"]


# -- why a file is not (or not only) this month's data: M004 M005 M006 M008 ---------------------------
def _rows(master_path, table: str) -> list[tuple]:
    wb = openpyxl.load_workbook(master_path, read_only=True)
    try:
        return list(wb[SHEETS[table]].iter_rows(min_row=3, values_only=True))
    finally:
        wb.close()


def test_a_duplicate_and_a_superseded_file_say_which_file_they_yield_to(month3, few):
    """M004: the same bytes under a second name; M005: an older file of the same project and month."""
    _, _, run = month3
    details = {o.name: (o.detail_th, o.detail_en) for o in run.outcomes}
    first_copy = workbook_filename(few[0])
    assert details["สำเนา.xlsx"] == render("M004", name=first_copy)
    assert details["ส่งครั้งแรก.xlsx"] == render("M005", name="แก้ไขแล้ว.xlsx")
    shown = {r[0]: (r[4], r[5]) for r in _rows(run.master, "inputs")}
    assert shown["สำเนา.xlsx"] == details["สำเนา.xlsx"] and shown["ส่งครั้งแรก.xlsx"] == details["ส่งครั้งแรก.xlsx"]
    assert not any("{" in text for name in ("สำเนา.xlsx", "ส่งครั้งแรก.xlsx") for text in details[name])


def test_a_file_sent_again_in_a_later_month_is_a_duplicate_and_a_resubmission_supersedes(tmp_path, spec, few):
    """M004 across months (the ledger remembers the file under its first name); M005 on the next run,
    when the corrected workbook arrives after the first was recorded."""
    ledger = tmp_path / "ledger.sqlite"
    november = tmp_path / "in2"
    november.mkdir()
    generate_workbook(spec, few[0], november / "พ.ย.xlsx", reports={k: CLEAN[k] for k in (1, 2)})
    consolidate(november, projects=few, fy=2564, month=2, out_dir=tmp_path / "out2", ledger_path=ledger)
    december = tmp_path / "in3"
    december.mkdir()
    (december / "ส่งซ้ำ.xlsx").write_bytes((november / "พ.ย.xlsx").read_bytes())
    wrong = {k: dict(v) for k, v in CLEAN.items()}
    wrong[3]["progress"] = 3
    generate_workbook(spec, few[1], december / "a.xlsx", reports=wrong)
    first = consolidate(december, projects=few, fy=2564, month=3, out_dir=tmp_path / "out3", ledger_path=ledger)
    assert {o.name: (o.place, o.detail_en) for o in first.outcomes} == {
        "ส่งซ้ำ.xlsx": ("duplicate", render("M004", name="พ.ย.xlsx")[1]), "a.xlsx": ("has_issues", "")}
    generate_workbook(spec, few[1], december / "b.xlsx", reports=CLEAN)      # the corrected one, later
    again = consolidate(december, projects=few, fy=2564, month=3, out_dir=tmp_path / "out3", ledger_path=ledger)
    outcome = {o.name: (o.place, o.detail_th, o.detail_en) for o in again.outcomes}
    assert outcome["a.xlsx"] == ("superseded", *render("M005", name="b.xlsx"))
    assert outcome["b.xlsx"][0] == "accepted"


@pytest.mark.parametrize("year", [2563, 2565], ids=["last year", "next year"])
def test_a_workbook_of_another_fiscal_year_is_rejected_naming_both_years(tmp_path, spec, few, year):
    """M006: read, but not this year's data: rejected, no returned workbook, the years as people write them."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    other = few[0].__class__({**few[0].values, "fiscal_year": year})
    generate_workbook(spec, other, inbox / "ปีอื่น.xlsx", reports={k: CLEAN[k] for k in (1, 2, 3)})
    run = consolidate(inbox, projects=few, fy=2564, month=3, out_dir=tmp_path / "out")
    [outcome] = run.outcomes
    th, en = render("M006", value=year, fy=2564)
    assert (outcome.place, outcome.detail_th, outcome.detail_en) == ("rejected", th, en)
    assert en == f"a workbook for fiscal year {year}, not 2564"
    assert [r[2:] for r in _rows(run.master, "rejected")] == [(th, en)]
    assert not (tmp_path / "out" / "returned").exists() or not any((tmp_path / "out" / "returned").iterdir())


@pytest.mark.parametrize("filled", [(), (1, 2), (1, 2, 4)], ids=["nothing", "the months before", "the month skipped"])
def test_a_workbook_without_this_months_report_is_returned_on_its_progress_cell(tmp_path, spec, few, filled):
    """M008: the month's row left empty, whatever else is filled; the issue sits on that row's progress cell."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    reports = {k: CLEAN[k] for k in filled if k in CLEAN}
    if 4 in filled:
        reports[4] = row(dt.date(2021, 1, 22), 40, 0)
    generate_workbook(spec, few[2], inbox / "ว่าง.xlsx", reports=reports)
    run = consolidate(inbox, projects=few, fy=2564, month=3, out_dir=tmp_path / "out")
    assert [o.place for o in run.outcomes] == ["has_issues"]
    found = [r for r in _rows(run.master, "issues") if r[3] == "M008"]
    th, en = render("M008", month=month_label(2564, 3), month_en=month_label_en(2564, 3), k=3)
    assert [(r[2], r[5], r[6], r[8], r[9]) for r in found] == [("ว่าง.xlsx", spec.sheets["monthly"], spec.monthly_cell("progress", 3),
                                                                   th, en)]
    assert en == "the report for Dec 2020 (report 3) is not filled in"      # the English half in English
    assert (tmp_path / "out" / "returned" / "ว่าง_ตรวจแล้ว.xlsx").is_file()
