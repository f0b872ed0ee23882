"""The ledger on its own (scripts/mutation.py ledger): values read back as they were stored (dates,
times, amounts, text), the rollback of a failed run, transient verdicts recorded afresh, provenance
filled in but never overwritten, the history queries' month boundaries, migrations, and each kind
of SQLite failure as its one catalogue line; a reader takes no lock, a run waits for a writer, a
full disk during a backup leaves nothing."""
from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from progress_xl import ledger as ledger_module
from progress_xl.issues import ProgressXLError, Severity, issue, render
from progress_xl.ledger import (SCHEMA_VERSION, Ledger, Stored, backups_folder, decode, encode, newest_backup,
                                restore)
from progress_xl.state import State

SHA = "a" * 64


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as opened:
        yield opened


def receipts(ledger, fy, month):
    """Every arrival recorded for a month (the ledger keeps them for the record; no command reads them)."""
    return ledger.db.execute("SELECT sha256, name FROM receipts WHERE fiscal_year=? AND month=? ORDER BY name",
                             (fy, month)).fetchall()


def add(ledger, sha=SHA, *, code="P1", fy=2564, month=3, state=State.ACCEPTED, values=(), **kw) -> int:
    with ledger.transaction():
        return ledger.record(sha256=sha, name=f"{sha[:4]}.xlsx", project_code=code, fy=fy, month=month,
                             template_version=3, state=state, values=values, **kw)


# -- values read back as stored -------------------------------------------------------------------
@pytest.mark.parametrize("value", [
    dt.date(2020, 10, 22), dt.date(2021, 2, 28), dt.datetime(2021, 3, 1, 9, 30, 15),
    Decimal("2500000.50"), Decimal("0"), Decimal("-12.5"), 12.5, 7, True, "ก่อสร้าง", "", ["a", 1], None,
])
def test_encode_then_decode_gives_the_value_back(value):
    back = decode(encode(value))
    assert back == (Decimal(repr(value)) if isinstance(value, float) else value)
    assert type(back) is (Decimal if isinstance(value, float) else type(value))


def test_dates_and_times_are_stored_as_iso_text():
    assert encode(dt.date(2020, 10, 22)) == '{"date": "2020-10-22"}'
    assert encode(dt.datetime(2020, 10, 22, 8, 5)) == '{"t": "2020-10-22T08:05:00"}'
    assert encode("ไทย") == '"ไทย"' and encode(None) is None and decode(None) is None


def test_a_plain_dict_is_not_taken_for_a_typed_value():
    assert decode('{"x": 1}') == {"x": 1}


def test_values_recorded_are_read_back_with_their_provenance(ledger):
    rows = [(0, "start", dt.date(2020, 10, 1), "1/10/2563", "Project", "C5", None),
            (2, "progress", Decimal("12.5"), "12.5%", "Monthly", "D8", "[N001] th / en"),
            (2, "when", dt.datetime(2020, 11, 30, 17, 0), 44165.7, "Monthly", "E8", None)]
    sid = add(ledger, values=rows)
    got = ledger.values(sid)
    assert got[0]["start"] == {"value": dt.date(2020, 10, 1), "raw": "1/10/2563", "sheet": "Project",
                               "cell": "C5", "notes": None}
    assert got[2]["progress"]["value"] == Decimal("12.5") and got[2]["progress"]["notes"] == "[N001] th / en"
    assert got[2]["when"]["value"] == dt.datetime(2020, 11, 30, 17, 0) and got[2]["when"]["raw"] == "44165.7"


def test_findings_in_their_order(ledger):
    found = [issue("M001", file="x", sheet="S", at="A1", value=5), issue("M002", file="x", version=2, known=1)]
    sid = add(ledger, findings=found)
    assert ledger.findings(sid) == [(f.code, f.severity.value, f.sheet, f.cell, f.value, f.th, f.en) for f in found]
    assert ledger.findings(sid)[0][:5] == ("M001", Severity.ERROR.value, "S", "A1", "5")


def test_a_stored_submission_reads_back_every_column(ledger):
    reason = issue("M001", file="x")
    sid = add(ledger, state=State.REJECTED, reason=reason, sender="a@b.th", received_at="2021-01-02T03:04:05+07:00",
              message_id="<m@b>", source="legacy")
    assert ledger.by_sha(SHA) == Stored(sid, SHA, "aaaa.xlsx", "P1", 2564, 3, 3, "legacy", "rejected", reason.th,
                                        reason.en, "a@b.th", "2021-01-02T03:04:05+07:00", "<m@b>", None)
    assert ledger.by_sha("b" * 64) is None


# -- transactions ----------------------------------------------------------------------------------
def test_a_failed_run_leaves_nothing_behind(ledger):
    with pytest.raises(RuntimeError), ledger.transaction():
        ledger.record(sha256=SHA, name="a.xlsx", project_code="P1", fy=2564, month=3, template_version=3,
                      state=State.ACCEPTED, values=[(1, "progress", Decimal(5), "5", "S", "A1", None)])
        raise RuntimeError("the run broke")
    assert ledger.by_sha(SHA) is None and not ledger.db.in_transaction
    assert ledger.db.execute("SELECT COUNT(*) FROM submission_values").fetchone() == (0,)
    add(ledger)                                            # the ledger is usable afterwards
    assert ledger.by_sha(SHA).state == "accepted"


def test_an_sqlite_failure_inside_a_run_is_rolled_back_and_one_line(ledger):
    add(ledger)
    with pytest.raises(ProgressXLError) as info, ledger.transaction():
        ledger.record_receipt("b" * 64, "b.xlsx", 2564, 3)
        add_again = ledger.db.execute
        add_again("INSERT INTO submissions (sha256, name, state) VALUES (?, ?, ?)", (SHA, "dup", "accepted"))
    assert info.value.issues[0].code == "O006" and "UNIQUE" in info.value.issues[0].en
    assert receipts(ledger, 2564, 3) == [] and not ledger.db.in_transaction


def test_a_committed_run_is_kept_after_reopening(tmp_path):
    path = tmp_path / "l.sqlite"
    with Ledger(path) as first:
        add(first, values=[(1, "d", dt.date(2020, 10, 31), None, None, None, None)])
    with Ledger(path) as again:
        assert again.values(again.by_sha(SHA).id) == {1: {"d": {"value": dt.date(2020, 10, 31), "raw": None,
                                                                 "sheet": None, "cell": None, "notes": None}}}


def test_a_transient_verdict_is_recorded_afresh_with_its_values_and_findings_gone(ledger):
    add(ledger, state=State.TRANSIENT, values=[(1, "p", 1, None, None, None, None)],
        findings=[issue("M001", file="x")])
    new = add(ledger, state=State.ACCEPTED, values=[(2, "q", 2, None, None, None, None)])
    assert ledger.by_sha(SHA).id == new and ledger.by_sha(SHA).state == "accepted"
    assert ledger.values(new) == {2: {"q": {"value": 2, "raw": None, "sheet": None, "cell": None, "notes": None}}}
    assert ledger.findings(new) == []
    assert ledger.db.execute("SELECT COUNT(*) FROM submissions").fetchone() == (1,)
    assert ledger.db.execute("SELECT COUNT(*) FROM submission_values").fetchone() == (1,)


def test_a_final_verdict_is_not_forgotten(ledger):
    add(ledger, state=State.REJECTED)
    with pytest.raises(ProgressXLError):                  # the same bytes: sha256 is unique
        add(ledger, state=State.ACCEPTED)
    assert ledger.by_sha(SHA).state == "rejected"


def test_receipts_once_per_name_and_month(ledger):
    with ledger.transaction():
        for name in ("b.xlsx", "a.xlsx", "a.xlsx"):
            ledger.record_receipt(SHA, name, 2564, 3)
        ledger.record_receipt(SHA, "a.xlsx", 2564, 4)
    assert receipts(ledger, 2564, 3) == [(SHA, "a.xlsx"), (SHA, "b.xlsx")]
    assert receipts(ledger, 2564, 4) == [(SHA, "a.xlsx")]


# -- provenance and states -------------------------------------------------------------------------
def test_provenance_filled_in_never_overwritten(ledger):
    sid = add(ledger, sender="first@x.th")
    with ledger.transaction():
        assert ledger.fill_provenance(sid, "second@x.th", "2021-01-01", None) is True
    stored = ledger.by_sha(SHA)
    assert (stored.sender, stored.received_at, stored.message_id) == ("first@x.th", "2021-01-01", None)
    with ledger.transaction():
        assert ledger.fill_provenance(sid, "third@x.th", "2022-02-02", None) is False
        assert ledger.fill_provenance(sid, None, None, "<id>") is True
        assert ledger.fill_provenance(sid, None, None, None) is False
    assert ledger.by_sha(SHA).message_id == "<id>" and ledger.by_sha(SHA).received_at == "2021-01-01"


def test_set_state_and_what_is_current(ledger):
    first = add(ledger, "1" * 64)
    second = add(ledger, "2" * 64)
    add(ledger, "3" * 64, code="P2", state=State.HAS_ISSUES)
    add(ledger, "4" * 64, code="P3", state=State.REJECTED)
    add(ledger, "5" * 64, code="P4", state=State.TRANSIENT)
    add(ledger, "6" * 64, code=None, state=State.ACCEPTED)
    add(ledger, "7" * 64, code="P5", month=4)
    with ledger.transaction():
        ledger.set_state(first, State.SUPERSEDED, superseded_by=second)
    assert ledger.by_sha("1" * 64).state == "superseded" and ledger.by_sha("1" * 64).superseded_by == second
    current = ledger.current(2564, 3)
    assert sorted(current) == ["P1", "P2"] and current["P1"].id == second
    assert [s.id for s in ledger.submissions(2564)] == sorted(s.id for s in ledger.submissions(2564))
    assert len(ledger.submissions(2564)) == 7 and len(ledger.submissions(2564, 4)) == 1


# -- history across months and years -----------------------------------------------------------------
def report(k, **values):
    return [(k, key, value, None, None, None, None) for key, value in values.items()]


def test_history_takes_earlier_accepted_months_only(ledger):
    add(ledger, "1" * 64, month=1, values=report(1, progress=Decimal(5)))
    add(ledger, "2" * 64, month=2, values=report(1, progress=Decimal(6)) + report(2, progress=Decimal(10)))
    add(ledger, "3" * 64, month=3, values=report(3, progress=Decimal(20)))
    add(ledger, "4" * 64, month=2, state=State.HAS_ISSUES, values=report(2, progress=Decimal(99)))
    assert ledger.accepted_history("P1", 2564, 3) == {1: {"progress": Decimal(6)}, 2: {"progress": Decimal(10)}}
    assert ledger.accepted_history("P1", 2564, 2) == {1: {"progress": Decimal(5)}}
    assert ledger.accepted_history("P1", 2564, 1) == {}
    assert ledger.accepted_history("P2", 2564, 13) == {}


def test_history_ignores_later_reports_project_fields_and_empty_months(ledger):
    add(ledger, "1" * 64, month=2, values=report(0, start=dt.date(2020, 10, 1)) + report(2, progress=Decimal(10))
        + report(3, progress=Decimal(50)) + report(1, progress=None))
    assert ledger.accepted_history("P1", 2564, 13) == {2: {"progress": Decimal(10)}}


def test_history_across_years_and_the_last_accepted(ledger):
    add(ledger, "1" * 64, fy=2563, month=12, values=report(12, progress=Decimal(40), disbursed=Decimal(100)))
    add(ledger, "2" * 64, fy=2563, month=11, values=report(11, progress=Decimal(30), disbursed=Decimal(50)))
    add(ledger, "3" * 64, fy=2564, month=1, values=report(1, progress=Decimal(45), disbursed="n/a"))
    assert ledger.accepted_across_years("P1", 2564, 2) == {
        0: {"progress": Decimal(40), "disbursed": Decimal(100)}, -1: {"progress": Decimal(30), "disbursed": Decimal(50)},
        1: {"progress": Decimal(45), "disbursed": "n/a"}}
    assert ledger.last_accepted("P1", 2563) == (12, {"progress": Decimal(40), "disbursed": Decimal(100)})
    assert ledger.last_accepted("P1", 2565) is None
    assert ledger.year_figures("P1", 2563) == (Decimal(40), Decimal(150), 2)
    assert ledger.year_figures("P1", 2564) == (Decimal(45), Decimal(0), 1)
    assert ledger.year_figures("P1", 2562) == (None, Decimal(0), 0)
    assert ledger.last_progress("P1", 2564) == (2564, Decimal(45))
    assert ledger.last_progress("P1", 2563) == (2563, Decimal(40))
    assert ledger.last_progress("P1", 2562) is None


def test_last_progress_skips_a_year_without_a_number(ledger):
    add(ledger, "1" * 64, fy=2563, month=5, values=report(5, progress=Decimal("12.5")))
    add(ledger, "2" * 64, fy=2564, month=5, values=report(5, progress="?", disbursed=True))
    assert ledger.last_progress("P1", 2565) == (2563, Decimal("12.5"))
    assert ledger.year_figures("P1", 2564) == (None, Decimal(0), 1)


def test_numbers_of_every_stored_kind_and_non_numbers():
    number = ledger_module._number
    assert number(5) == Decimal(5) and number(2.5) == Decimal("2.5") and number(Decimal("1.10")) == Decimal("1.10")
    assert number(True) is None and number("5") is None and number(None) is None
    assert number(float("nan")) is None and number(Decimal("Infinity")) is None


# -- schema, damage, backups -----------------------------------------------------------------------
def test_a_new_ledger_is_at_the_current_schema(ledger):
    assert ledger.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 1
    assert ledger.db.execute("PRAGMA foreign_keys").fetchone() == (1,)


def test_a_ledger_newer_than_the_program_is_refused(tmp_path):
    path = tmp_path / "l.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(ProgressXLError) as info:
        Ledger(path)
    assert (info.value.issues[0].th, info.value.issues[0].en) == render(
        "M002", file="l.sqlite", version=SCHEMA_VERSION + 1, known=SCHEMA_VERSION)
    assert info.value.issues[0].file == "l.sqlite"


def test_a_ledger_at_the_current_version_is_not_migrated_again(tmp_path):
    path = tmp_path / "l.sqlite"
    Ledger(path).close()
    with Ledger(path) as again:                           # CREATE TABLE again would fail
        assert again.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_damaged_ledger_without_a_backup_is_m011(tmp_path):
    path = tmp_path / "l.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ProgressXLError) as info:
        Ledger(path)
    assert info.value.issues[0].code == "M011"


def test_a_damaged_ledger_with_a_backup_names_the_restore_command_and_restore_brings_it_back(tmp_path):
    path = tmp_path / "l.sqlite"
    with Ledger(path) as good:
        assert good.backup() is None                     # an empty ledger is not worth a copy
        add(good, values=report(1, d=dt.date(2020, 10, 5)))
        copy = good.backup()
    assert copy.parent == backups_folder(path) and newest_backup(path) == copy
    path.write_bytes(b"garbage" * 1000)
    with pytest.raises(ProgressXLError) as info:
        Ledger(path)
    assert info.value.issues[0].code == "M010"
    assert info.value.issues[0].context["command"] == f"progress-xl restore-ledger {path}"
    used, aside = restore(path)
    assert used == copy and aside.read_bytes() == b"garbage" * 1000
    with Ledger(path) as back:
        assert back.values(back.by_sha(SHA).id)[1]["d"]["value"] == dt.date(2020, 10, 5)


def test_only_the_last_backups_are_kept(ledger):
    add(ledger)
    made = [ledger.backup() for _ in range(ledger_module.BACKUPS_KEPT + 2)]
    kept = sorted(backups_folder(ledger.path).glob("*.sqlite"))
    assert kept == made[-ledger_module.BACKUPS_KEPT:]


def test_restore_without_a_backup_is_m011(tmp_path):
    with pytest.raises(ProgressXLError) as info:
        restore(tmp_path / "l.sqlite")
    assert info.value.issues[0].code == "M011"


@pytest.mark.parametrize("text, code", [
    ("database or disk is full", "O001"), ("attempt to write a readonly database", "O002"),
    ("unable to open database file", "O002"), ("database is locked", "M001"), ("database is busy", "M001"),
    ("no such table: x", "O006"), ("file is not a database", "M011"), ("database disk image is malformed", "M011"),
])
def test_each_sqlite_failure_is_its_one_line(ledger, text, code):
    found = ledger.fault(sqlite3.OperationalError(text)).issues
    assert [f.code for f in found] == [code]


def test_a_second_locked_run_is_refused(tmp_path):
    path = tmp_path / "l.sqlite"
    first = Ledger(path, lock=True)
    try:
        first.lock()                                     # re-entrant within one process
        assert first._lock is not None
    finally:
        first.close()
    assert first._lock is None
    with Ledger(path, lock=True) as again:               # released on close
        assert again._lock is not None


# -- rows written for a submission, and the lock seen from a second run --------------------------------
def test_value_rows_project_at_0_reports_by_number_notes_and_errors():
    from progress_xl.read import Submission, Value
    note, error = issue("M001", file="x"), issue("M002", file="x", version=2, known=1)
    sub = Submission("f.xlsx", SHA, 3, {"b": Value("b", None, None, "P", "C6"), "a": Value("a", "x", "x", "P", "C5")},
                     {2: {"p": Value("p", "5", Decimal(5), "M", "G9", (note,), error), "q": Value("q", None, None, "M", "H9")},
                      1: {"p": Value("p", None, Decimal(1), "M", "G8")}})
    assert ledger_module.value_rows(sub) == [
        (0, "a", "x", "x", "P", "C5", None), (0, "b", None, None, "P", "C6", None),
        (1, "p", Decimal(1), None, "M", "G8", None),
        (2, "p", Decimal(5), "5", "M", "G9", f"[M001] {note.th} / {note.en}\n[M002] {error.th} / {error.en}")]


def hold_lock(path):
    """Another process holding the lock file at `path` until its stdin closes."""
    import subprocess
    import sys
    return subprocess.Popen(
        [sys.executable, "-c", ("import fcntl, sys; f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); "
                                "print('held', flush=True); sys.stdin.read()"), str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def test_a_second_run_is_refused_while_another_process_holds_the_lock(tmp_path):
    path = tmp_path / "l.sqlite"
    with Ledger(path, lock=True) as first:
        add(first)
        first.backup()
        assert (tmp_path / "l.sqlite.lock").exists()
    holder = hold_lock(tmp_path / "l.sqlite.lock")
    try:
        assert holder.stdout.readline() == "held\n"
        for attempt in (lambda: restore(path), lambda: Ledger(path, lock=True)):
            with pytest.raises(ProgressXLError) as info:
                attempt()
            assert [(i.code, i.file) for i in info.value.issues] == [("M001", "l.sqlite")]
            assert (info.value.issues[0].th, info.value.issues[0].en) == render("M001", file="l.sqlite")
    finally:
        holder.communicate("", timeout=10)


def test_restore_moves_the_damaged_ledger_aside_with_its_journal(tmp_path):
    import re
    path = tmp_path / "l.sqlite"
    with Ledger(path) as good:
        add(good)
        good.backup()
    for suffix, data in (("", b"bad"), ("-wal", b"wal"), ("-shm", b"shm")):
        (tmp_path / f"l.sqlite{suffix}").write_bytes(data)
    _, aside = restore(path)
    assert re.fullmatch(r"l\.sqlite\.damaged-\d{8}T\d{6}", aside.name)
    assert [(tmp_path / f"{aside.name}{s}").read_bytes() for s in ("", "-wal", "-shm")] == [b"bad", b"wal", b"shm"]
    assert not (tmp_path / "l.sqlite-wal").exists() or (tmp_path / "l.sqlite-wal").read_bytes() != b"wal"
    assert sorted(p.name for p in tmp_path.iterdir() if "restoring" in p.name) == []


def test_the_newest_good_backup_is_chosen(tmp_path):
    path = tmp_path / "l.sqlite"
    with Ledger(path) as good:
        add(good)
        older = good.backup()
        newer = good.backup()
    assert newest_backup(path) == newer
    newer.write_bytes(b"damaged" * 100)
    assert newest_backup(path) == older


def test_the_damaged_messages_name_the_file_and_the_reason(tmp_path):
    path = tmp_path / "l.sqlite"
    with pytest.raises(ProgressXLError) as info:
        restore(path)
    assert (info.value.issues[0].file, info.value.issues[0].en) == (
        str(path), render("M011", file=str(path), path=path, reason="no backup")[1])
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ProgressXLError) as info:
        Ledger(path)
    found = info.value.issues[0]
    assert found.file == str(path) and str(path) in found.en and "not a database" in found.en


def test_year_money_is_a_decimal_even_when_nothing_was_spent(ledger):
    add(ledger, values=report(3, progress=Decimal(5)))
    assert type(ledger.year_figures("P1", 2564)[1]) is Decimal


def test_a_ledger_in_a_folder_not_made_yet(tmp_path):
    with Ledger(tmp_path / "a" / "b" / "l.sqlite") as made:
        add(made)
        assert made.by_sha(SHA).source == "workbook"           # the default source


def test_backups_are_named_by_the_ledger_and_the_time(ledger):
    import re
    add(ledger)
    copy = ledger.backup()
    assert copy.parent.name == "ledger.sqlite.backups" and re.fullmatch(r"ledger-\d{8}T\d{12}\.sqlite", copy.name)
    assert [p.name for p in copy.parent.iterdir()] == [copy.name]          # no temporary copy left


@pytest.mark.parametrize("text, code", [("database or disk is full", "O001"), ("attempt to write a read-only x", "O002"),
                                        ("attempt to write a readonly database", "O002"), ("no such table: x", "O006")])
def test_each_failure_names_the_ledgers_path(ledger, text, code):
    found = ledger.fault(sqlite3.OperationalError(text)).issues[0]
    assert (found.code, found.file) == (code, str(ledger.path)) and str(ledger.path) in found.en
    if code == "O006":
        assert found.en == render("O006", path=ledger.path, reason=text)[1]


def test_a_damaged_ledger_with_a_backup_says_why_and_what_to_run(ledger):
    add(ledger)
    ledger.backup()
    found = ledger.fault(sqlite3.DatabaseError("database disk image is malformed")).issues[0]
    assert (found.code, found.file) == ("M010", str(ledger.path))
    assert found.en == render("M010", path=ledger.path, reason="database disk image is malformed",
                              command=f"progress-xl restore-ledger {ledger.path}")[1]


# -- what mutation testing found untested (scripts/mutation.py ledger) ----------------------------------
def test_values_of_one_report_and_of_the_others_only_the_keys_named(ledger):
    sid = add(ledger, values=report(0, budget=Decimal(100)) + report(1, progress=Decimal(5), remark="ก")
              + report(2, progress=Decimal(9), remark="ข", disbursed=Decimal(3)))
    got = ledger.values(sid, report=2, every_report=("progress",))
    assert {k: sorted(row) for k, row in got.items()} == {1: ["progress"], 2: ["disbursed", "progress", "remark"]}
    assert got[1]["progress"]["value"] == Decimal(5) and got[2]["remark"]["value"] == "ข"
    both = ledger.values(sid, report=1, every_report=("progress", "budget"))
    assert {k: sorted(row) for k, row in both.items()} == {0: ["budget"], 1: ["progress", "remark"], 2: ["progress"]}
    assert {k: sorted(row) for k, row in ledger.values(sid, report=2).items()} == {
        2: ["disbursed", "progress", "remark"]}                 # no key named: that report alone
    assert ledger.values(sid, report=7) == {} and sorted(ledger.values(sid)) == [0, 1, 2]


def test_a_write_outside_a_run_is_not_left_pending(ledger):
    """Explicit transactions only: a statement outside one is committed at once, never held open."""
    ledger.record_receipt(SHA, "a.xlsx", 2564, 3)
    assert not ledger.db.in_transaction
    with sqlite3.connect(ledger.path) as other:
        assert other.execute("SELECT name FROM receipts").fetchall() == [("a.xlsx",)]
    other.close()


def test_a_run_waits_half_a_minute_for_another_writer(ledger):
    assert ledger.db.execute("PRAGMA busy_timeout").fetchone() == (30_000,)


def test_a_ledger_that_cannot_be_opened_is_one_line_with_the_reason(tmp_path):
    (tmp_path / "l.sqlite").mkdir()                          # a folder where the file should be
    with pytest.raises(ProgressXLError) as info:
        Ledger(tmp_path / "l.sqlite")
    assert [(i.code, i.file) for i in info.value.issues] == [("O002", str(tmp_path / "l.sqlite"))]


def test_a_ledger_failing_its_check_is_damaged_with_the_check_as_reason(tmp_path):
    import struct
    path = tmp_path / "l.sqlite"
    with Ledger(path) as made:
        add(made, values=report(1, text="ก" * 2000))
        with made.transaction():
            made.db.execute("DELETE FROM submission_values")   # pages to the freelist
        made.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    free = struct.unpack(">I", data[36:40])[0]
    assert free > 0
    data[36:40] = struct.pack(">I", free + 3)                # the header's freelist count no longer adds up
    path.write_bytes(bytes(data))
    with pytest.raises(ProgressXLError) as info:
        Ledger(path)
    found = info.value.issues[0]
    assert found.code == "M011" and found.context["reason"].startswith("quick_check: ")
    assert "freelist" in found.context["reason"]


def test_each_failure_of_a_busy_ledger_names_it(ledger):
    for text in ("database is locked", "database table is busy"):
        found = ledger.fault(sqlite3.OperationalError(text)).issues
        assert [(f.code, f.file) for f in found] == [("M001", "ledger.sqlite")]
        assert (found[0].th, found[0].en) == render("M001", file="ledger.sqlite")


def test_a_backup_on_a_full_disk_is_one_line_and_leaves_nothing(ledger, monkeypatch):
    add(ledger, values=report(1, text="ก" * 5000))
    connect = sqlite3.connect

    def full(target, *args, **kw):                           # a copy may grow to one page: the disk is full
        db = connect(target, *args, **kw)
        if backups_folder(ledger.path) in Path(target).parents:
            db.execute("PRAGMA max_page_count=1")
        return db
    monkeypatch.setattr(ledger_module.sqlite3, "connect", full)
    with pytest.raises(ProgressXLError) as info:
        ledger.backup()
    assert [(i.code, i.file) for i in info.value.issues] == [("O001", str(ledger.path))]
    assert list(backups_folder(ledger.path).iterdir()) == []
    monkeypatch.undo()
    assert ledger.backup().parent == backups_folder(ledger.path)       # room again: the next copy is made


def test_reading_takes_no_lock_and_a_refused_lock_can_be_taken_later(tmp_path):
    path = tmp_path / "l.sqlite"
    with Ledger(path) as made:
        add(made)
    assert not (tmp_path / "l.sqlite.lock").exists()          # a reader leaves no lock behind
    holder = hold_lock(tmp_path / "l.sqlite.lock")
    try:
        assert holder.stdout.readline() == "held\n"
        reader = Ledger(path)                                # reads while a run holds the lock
        assert reader.by_sha(SHA).state == "accepted"
        with pytest.raises(ProgressXLError) as info:
            reader.lock()
        assert info.value.issues[0].code == "M001" and reader._lock is None
    finally:
        holder.communicate("", timeout=10)
    reader.lock()                                           # the other run ended: this one may write now
    assert reader._lock is not None
    reader.close()
    assert reader._lock is None
    again = hold_lock(tmp_path / "l.sqlite.lock")           # released: another process can take it
    try:
        assert again.stdout.readline() == "held\n"
    finally:
        again.communicate("", timeout=10)
