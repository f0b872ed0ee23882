"""Faults of the machine and of overlapping runs: one line naming the path, exit 1, nothing lost,
and the rerun completes. Read-only cases run as `nobody` (root ignores permission bits); disk full
on a real small tmpfs (mounted by the test as root; under CI=true a refused mount fails) and
in-process (ENOSPC injected, SQLite's max_page_count)."""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import holding

from progress_xl import consolidate as consolidate_module
from progress_xl.cli import main
from progress_xl.collect import inbox_lock
from progress_xl.consolidate import consolidate
from progress_xl.issues import ProgressXLError, render
from progress_xl.ledger import Ledger, backups_folder
from progress_xl.simulate import simulate_month

ROOT = Path(__file__).resolve().parent.parent
REGISTER = ROOT / "samples" / "register.csv"
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="module")
def inbox_src(tmp_path_factory, spec, projects):
    inbox = tmp_path_factory.mktemp("src") / "inbox"
    simulate_month(spec, projects[:8], 3, inbox)
    return inbox


@pytest.fixture
def inbox(tmp_path, inbox_src):
    target = tmp_path / "inbox"
    shutil.copytree(inbox_src, target)
    return target


def month_args(inbox: Path, out: Path, *extra) -> list[str]:
    return ["consolidate", str(inbox), "--register", str(REGISTER), "--fy", "2564", "--month", "3",
            "--out", str(out), "--workers", "1", *extra]


def cli(*args, user: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """The command line in a fresh process (optionally as another user), as a person runs it."""
    cmd = [sys.executable, "-m", "progress_xl.cli", *map(str, args)]
    if user:
        cmd = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout)


def one_line(result, code: str) -> str:
    """The run failed with exit 1 and exactly one line on stderr, with `code`, and no traceback."""
    err = result.stderr if isinstance(result, subprocess.CompletedProcess) else result.stderr
    exit_code = result.returncode if isinstance(result, subprocess.CompletedProcess) else result.exit_code
    assert exit_code == 1, (exit_code, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert f"[{code}]" in lines[0] and "Traceback" not in err and "Error:" not in err, err
    return lines[0]


def rows(ledger: Path) -> int:
    with contextlib.closing(sqlite3.connect(ledger)) as db:
        return db.execute("SELECT count(*) FROM submissions").fetchone()[0]


def world_readable(*paths: Path) -> None:
    for p in paths:
        for q in [p, *p.rglob("*")]:
            q.chmod(0o777 if q.is_dir() else 0o666)


# -- the ledger ------------------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_ledger_is_one_line_with_the_command_that_restores_it(runner, tmp_path, inbox, damage):
    out = tmp_path / "out"
    assert runner.invoke(main, month_args(inbox, out)).exit_code == 0
    assert runner.invoke(main, month_args(inbox, out)).exit_code == 0           # a backup taken before writing
    ledger = out / "ledger.sqlite"
    good = rows(ledger)
    with contextlib.closing(sqlite3.connect(ledger)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = ledger.read_bytes()
    ledger.write_bytes(os.urandom(len(data)) if damage == "garbage" else data[: len(data) // 3])
    line = one_line(runner.invoke(main, month_args(inbox, out)), "M010")
    assert str(ledger) in line and f"progress-xl restore-ledger {ledger}" in line
    restored = runner.invoke(main, ["restore-ledger", str(ledger)])
    assert restored.exit_code == 0 and "[M013]" in restored.output
    assert list(out.glob("ledger.sqlite.damaged-*"))                           # kept aside, not deleted
    assert rows(ledger) == good
    assert runner.invoke(main, month_args(inbox, out)).exit_code == 0


def test_a_damaged_ledger_without_a_backup_says_so(runner, tmp_path, inbox):
    out = tmp_path / "out"
    out.mkdir()
    (out / "ledger.sqlite").write_bytes(b"not a database at all" * 100)
    one_line(runner.invoke(main, month_args(inbox, out)), "M011")
    assert not backups_folder(out / "ledger.sqlite").exists()


def test_a_future_ledger_is_refused_in_one_line(runner, tmp_path, inbox):
    out = tmp_path / "out"
    assert runner.invoke(main, month_args(inbox, out)).exit_code == 0
    with contextlib.closing(sqlite3.connect(out / "ledger.sqlite")) as db:
        db.execute("PRAGMA user_version=99")
    one_line(runner.invoke(main, month_args(inbox, out)), "M002")


@pytest.fixture
def open_tmp(inbox_src):
    """A folder an ordinary user can reach (pytest's own is root's alone), with a copy of the inbox."""
    import tempfile
    folder = Path(tempfile.mkdtemp(prefix="px-faults-"))
    try:
        shutil.copytree(inbox_src, folder / "inbox")
        yield folder
    finally:
        for q in [folder, *folder.rglob("*")]:
            with contextlib.suppress(OSError):
                q.chmod(0o777 if q.is_dir() else 0o666)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("where", ["file", "folder"])
def test_a_read_only_ledger_is_one_line_as_an_ordinary_user(open_tmp, where):
    inbox, out = open_tmp / "inbox", open_tmp / "out"
    assert cli(*month_args(inbox, out)).returncode == 0
    world_readable(open_tmp)
    before = rows(out / "ledger.sqlite")
    (out / "ledger.sqlite").chmod(0o444)
    if where == "folder":
        out.chmod(0o555)
    result = cli(*month_args(inbox, out), user="nobody")
    line = one_line(result, "O002")
    assert "ledger" in line or str(out) in line
    out.chmod(0o777)
    (out / "ledger.sqlite").chmod(0o666)
    assert rows(out / "ledger.sqlite") == before


def test_a_folder_where_the_lock_goes_is_one_line(runner, tmp_path, inbox):
    out = tmp_path / "out"
    (out / "ledger.sqlite.lock").mkdir(parents=True)
    line = one_line(runner.invoke(main, month_args(inbox, out)), "O004")
    assert "ledger.sqlite.lock" in line


def test_two_first_runs_on_a_new_ledger_at_once_never_traceback(tmp_path, inbox):
    for attempt in range(4):
        ledger = tmp_path / f"ledger{attempt}.sqlite"
        procs = [subprocess.Popen([sys.executable, "-m", "progress_xl.cli", *month_args(
            inbox, tmp_path / f"out{attempt}{i}", "--ledger", ledger)], cwd=ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True) for i in range(2)]
        results = [(p.wait(120), p.stderr.read()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        for code, err in results:
            assert "Traceback" not in err and (code == 0 or (code == 1 and "[M001]" in err)), err
        assert any(code == 0 for code, _ in results)
        assert rows(ledger) == len([f for f in inbox.iterdir() if not f.name.startswith(".")])


# -- outputs in the way, disk full -------------------------------------------------------------------
def test_out_under_a_file_is_one_line_naming_the_file(runner, tmp_path, inbox):
    blocker = tmp_path / "taken"
    blocker.write_text("a file")
    line = one_line(runner.invoke(main, month_args(inbox, blocker / "out")), "O003")
    assert str(blocker) in line


def test_a_folder_in_the_masters_place_then_the_next_run_writes_the_committed_month(runner, tmp_path, inbox):
    out = tmp_path / "out"
    (out / "master_2564_03.xlsx").mkdir(parents=True)
    line = one_line(runner.invoke(main, month_args(inbox, out)), "O004")
    assert "master_2564_03.xlsx" in line
    committed = rows(out / "ledger.sqlite")
    assert committed == len([f for f in inbox.iterdir() if not f.name.startswith(".")])
    (out / "master_2564_03.xlsx").rmdir()
    assert runner.invoke(main, month_args(inbox, out)).exit_code == 0
    assert (out / "master_2564_03.xlsx").is_file() and rows(out / "ledger.sqlite") == committed


def test_disk_full_while_writing_the_master_leaves_the_ledger_as_it_was(runner, tmp_path, inbox, monkeypatch):
    out = tmp_path / "out"
    real = os.fsync

    def full(fd):
        if Path(os.readlink(f"/proc/self/fd/{fd}")).name.startswith(".master_"):
            raise OSError(errno.ENOSPC, "No space left on device", str(out / "master_2564_03.xlsx"))
        return real(fd)
    monkeypatch.setattr(os, "fsync", full)
    line = one_line(runner.invoke(main, month_args(inbox, out)), "O001")
    assert "master_2564_03.xlsx" in line
    assert rows(out / "ledger.sqlite") == 0                 # the master failed before the ledger committed
    assert not list(out.glob("master_*")) and not list(out.glob(".*.tmp"))
    monkeypatch.setattr(os, "fsync", real)
    assert runner.invoke(main, month_args(inbox, out)).exit_code == 0


def test_disk_full_in_the_ledger_is_one_line_not_a_rollback_error(tmp_path, inbox, projects, monkeypatch):
    ledger_path = tmp_path / "out" / "ledger.sqlite"
    with Ledger(ledger_path):
        pass
    real = Ledger.transaction

    @contextlib.contextmanager
    def small(self):
        self.db.execute(f"PRAGMA max_page_count={self.db.execute('PRAGMA page_count').fetchone()[0] + 2}")
        with real(self) as db:
            yield db
    monkeypatch.setattr(Ledger, "transaction", small)
    with pytest.raises(ProgressXLError) as err:
        consolidate(inbox, projects=projects[:8], fy=2564, month=3, out_dir=tmp_path / "out")
    assert [i.code for i in err.value.issues] == ["O001"] and "ledger.sqlite" in str(err.value)
    assert "rollback" not in str(err.value)
    monkeypatch.setattr(Ledger, "transaction", real)
    consolidate(inbox, projects=projects[:8], fy=2564, month=3, out_dir=tmp_path / "out")
    assert rows(ledger_path) == len([f for f in inbox.iterdir() if not f.name.startswith(".")])


@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        if IN_CI:
            pytest.fail(f"could not mount a tmpfs for the disk-full test: {mounted.stderr}")
        pytest.skip(f"no tmpfs here ({mounted.stderr.strip()})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.mark.parametrize("what", ["out", "ledger"])
def test_a_real_full_disk_is_one_line_and_nothing_is_lost(tmp_path, inbox, what):
    out = tmp_path / "out"
    with tmpfs(tmp_path / "small", "600k") as small:
        (small / "filler").write_bytes(b"\0" * (400_000 if what == "out" else 570_000))
        args = month_args(inbox, small / "out") if what == "out" else month_args(inbox, out, "--ledger",
                                                                                    small / "ledger.sqlite")
        result = cli(*args)
        line = one_line(result, "O001")
        assert str(small) in line
        (small / "filler").unlink()
        assert cli(*args).returncode == 0                  # space freed: the rerun completes
        ledger = small / ("out/ledger.sqlite" if what == "out" else "ledger.sqlite")
        assert rows(ledger) == len([f for f in inbox.iterdir() if not f.name.startswith(".")])


def test_created_files_follow_the_umask(runner, tmp_path, inbox):
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        assert runner.invoke(main, month_args(inbox, out)).exit_code == 0
    finally:
        os.umask(old)
    assert (out / "master_2564_03.xlsx").stat().st_mode & 0o777 == 0o644


# -- the moment, not the file ---------------------------------------------------------------------
def test_a_file_vanishing_mid_run_is_not_processed_and_is_read_when_back(tmp_path, inbox, projects, monkeypatch):
    victim = sorted(p for p in inbox.iterdir() if not p.name.startswith("."))[0]
    real = Path.read_bytes

    def vanishing(self):
        if self == victim:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(self))
        return real(self)
    monkeypatch.setattr(Path, "read_bytes", vanishing)
    run = consolidate(inbox, projects=projects[:8], fy=2564, month=3, out_dir=tmp_path / "out")
    missing = [o for o in run.outcomes if o.name == victim.name]
    assert [o.place for o in missing] == ["transient"]
    monkeypatch.setattr(Path, "read_bytes", real)
    again = consolidate(inbox, projects=projects[:8], fy=2564, month=3, out_dir=tmp_path / "out")
    assert next(o for o in again.outcomes if o.name == victim.name).place in ("accepted", "has_issues")


def test_an_error_of_ours_is_logged_not_blamed_and_read_again(tmp_path, inbox, projects, monkeypatch):
    import progress_xl.review as review_module
    real = review_module.validate

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug of ours")
    monkeypatch.setattr(review_module, "validate", broken)
    out = tmp_path / "out"
    run = consolidate(inbox, projects=projects[:8], fy=2564, month=3, out_dir=out)
    read = [o for o in run.outcomes if o.place != "rejected"]           # the reader's refusals stand
    assert read and {o.place for o in read} == {"transient"}
    assert {o.detail_en for o in read} == {render("M009", log="progress_xl.log")[1]}
    assert "ZeroDivisionError: a bug of ours" in (out / "progress_xl.log").read_text(encoding="utf-8")
    assert not list((out / "returned").glob("*.xlsx"))      # nothing written to the sender as their fault
    monkeypatch.setattr(review_module, "validate", real)
    again = consolidate(inbox, projects=projects[:8], fy=2564, month=3, out_dir=out)
    assert "transient" not in {o.place for o in again.outcomes}
    with contextlib.closing(sqlite3.connect(out / "ledger.sqlite")) as db:
        assert db.execute("SELECT count(*) FROM submissions WHERE state='transient'").fetchone()[0] == 0


def test_consolidate_waits_for_a_collect_then_refuses_in_one_line(tmp_path, inbox, projects, monkeypatch):
    monkeypatch.setattr(consolidate_module, "INBOX_WAIT", 1)
    with holding(inbox_lock(inbox)):
        started = time.monotonic()
        with pytest.raises(ProgressXLError) as err:
            consolidate(inbox, projects=projects[:8], fy=2564, month=3, out_dir=tmp_path / "out")
        assert time.monotonic() - started >= 1
    assert [i.code for i in err.value.issues] == ["M012"]
    consolidate(inbox, projects=projects[:8], fy=2564, month=3, out_dir=tmp_path / "out")


def test_a_sender_learnt_after_the_first_run_is_filled_in(tmp_path, inbox, projects):
    provenance = inbox / ".provenance.json"
    full = provenance.read_text(encoding="utf-8") if provenance.exists() else None
    name = sorted(p.name for p in inbox.iterdir() if not p.name.startswith("."))[0]
    provenance.unlink(missing_ok=True)
    out = tmp_path / "out"
    consolidate(inbox, projects=projects[:8], fy=2564, month=3, out_dir=out)
    import json
    provenance.write_text(json.dumps({name: {"sender": "staff@agency.go.th", "received_at": "2021-03-24T10:00:00+07:00"}}),
                          encoding="utf-8")
    consolidate(inbox, projects=projects[:8], fy=2564, month=3, out_dir=out)
    with contextlib.closing(sqlite3.connect(out / "ledger.sqlite")) as db:
        got = db.execute("SELECT sender, received_at FROM submissions WHERE name=?", (name,)).fetchone()
    assert got == ("staff@agency.go.th", "2021-03-24T10:00:00+07:00"), full


# -- nothing left running ------------------------------------------------------------------------------
def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for child in Path(f"/proc/{parent}/task/{parent}/children").read_text().split() if Path(
                f"/proc/{parent}/task/{parent}/children").exists() else []:
            found.add(int(child))
            todo.append(int(child))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_killing_the_main_process_leaves_no_worker_behind(tmp_path, spec, projects):
    inbox = tmp_path / "inbox"
    simulate_month(spec, projects[:48], 3, inbox)
    cmd = [sys.executable, "-m", "progress_xl.cli", *month_args(inbox, tmp_path / "out")[:-2], "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len([c for c in _descendants(proc.pid)]) < 4:
        time.sleep(0.05)                                  # the forkserver, the tracker and the workers are up
    children = _descendants(proc.pid)
    assert proc.poll() is None and len(children) >= 3, children
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(c) for c in children):
        time.sleep(0.1)
    assert not [c for c in children if _alive(c)]


def test_a_read_only_inbox_is_read_and_cannot_be_collected_into(open_tmp):
    inbox, out = open_tmp / "inbox", open_tmp / "out"
    world_readable(open_tmp)
    for f in inbox.rglob("*"):
        f.chmod(0o444)
    inbox.chmod(0o555)
    out.mkdir()
    out.chmod(0o777)
    done = cli(*month_args(inbox, out), user="nobody")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert (out / "master_2564_03.xlsx").is_file()
    line = one_line(cli("collect", ROOT / "samples" / "register.csv", "--into", inbox, user="nobody"), "O002")
    assert str(inbox) in line


@pytest.mark.parametrize("code, errno_, expected", [
    ("ENOSPC", errno.ENOSPC, "O001"), ("EDQUOT", errno.EDQUOT, "O001"), ("EACCES", errno.EACCES, "O002"),
    ("EPERM", errno.EPERM, "O002"), ("EISDIR", errno.EISDIR, "O004"), ("ENOENT", errno.ENOENT, "O005"),
    ("EROFS", errno.EROFS, "O008"), ("EIO", errno.EIO, "O006")])
def test_each_fault_of_the_machine_has_its_line(tmp_path, code, errno_, expected):
    from progress_xl.faults import os_issue
    found = os_issue(OSError(errno_, os.strerror(errno_), str(tmp_path / "x")))
    assert found.code == expected and str(tmp_path / "x") in str(found) and code not in str(found)
    assert "Errno" not in str(found) and "{" not in str(found)


def test_a_file_in_the_way_is_named_not_the_path_below_it(tmp_path):
    from progress_xl.faults import os_issue
    (tmp_path / "taken").write_text("x")
    found = os_issue(OSError(errno.ENOTDIR, "Not a directory", str(tmp_path / "taken" / "a" / "b.xlsx")))
    assert found.code == "O003" and found.file == str(tmp_path / "taken")


def test_a_read_only_file_system_is_one_line(tmp_path, inbox):
    with tmpfs(tmp_path / "ro", "1m") as ro:
        subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
        line = one_line(cli(*month_args(inbox, ro / "out")), "O008")
        assert str(ro) in line


def test_an_error_of_ours_at_the_command_line_is_one_line_and_a_log(runner, tmp_path, inbox, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug of ours")
    monkeypatch.setattr(consolidate_module, "consolidate", broken)
    out = tmp_path / "out"
    line = one_line(runner.invoke(main, month_args(inbox, out)), "O007")
    assert str(out / "progress_xl.log") in line and "ZeroDivisionError" not in line
    assert "ZeroDivisionError: a bug of ours" in (out / "progress_xl.log").read_text(encoding="utf-8")
