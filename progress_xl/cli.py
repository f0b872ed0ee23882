"""The command line: one subcommand per stage. Bad input gives one line per problem, never a traceback.

Exit codes: 0 the job was done (findings are results, not failures); 1 the job could not be
done (for example an unreadable register or a rejected file given to `read`); 2 usage error.
"""
from __future__ import annotations

import datetime as dt
import sys
import time
import traceback
from pathlib import Path

import click

from .issues import ProgressXLError, issue
from .fiscal import month_label
from .locale import install as install_thai_click
from .spec import data_dir, load_spec
from .state import State
from .workers import cores


WORKERS_HELP = ("จำนวนโพรเซสที่อ่านไฟล์ [ค่าตั้งต้น: เท่าจำนวนคอร์] ผลไม่ขึ้นกับค่านี้ / Processes reading the files "
                "[default: one per core]. The output does not depend on it.")


class _Boundary(click.Group):
    """The one exception boundary: a ProgressXLError is a click.ClickException (one line per issue,
    exit 1); a fault of the machine (OSError) becomes one line naming the path; an error of our own
    becomes one line naming the log that holds its detail. Never a traceback."""

    def invoke(self, ctx):
        from .faults import current_traceback, log_internal, os_issue

        def unraisable(u):      # a library's finalizer failing after a fault (a half-written zip): the log
            log_internal(ctx.meta.get("progress_xl.out"), f"ignored in {u.object!r}",
                         "".join(traceback.format_exception(u.exc_type, u.exc_value, u.exc_traceback)))
        sys.unraisablehook = unraisable
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as exc:
            raise ProgressXLError([os_issue(exc)]) from None
        except Exception:  # noqa: BLE001 - ours: the detail to the log, one line to the person
            log = log_internal(ctx.meta.get("progress_xl.out"), " ".join(sys.argv), current_traceback())
            raise ProgressXLError([issue("O007", log=log)]) from None


install_thai_click()        # click's own texts (usage, errors, help headings) in Thai with the English beside


@click.group(cls=_Boundary)
@click.version_option(package_name="progress_xl")
@click.option("--workspace", type=click.Path(file_okay=False, path_type=Path), envvar="PROGRESS_XL_WORKSPACE",
              help="พื้นที่ทำงาน (โฟลเดอร์ที่มี progress_xl.toml) [ค่าตั้งต้น: โฟลเดอร์นี้หรือโฟลเดอร์ที่อยู่เหนือขึ้นไป] "
                   "(ตัวแปร PROGRESS_XL_WORKSPACE) / The workspace (a folder holding progress_xl.toml) [default: this "
                   "folder or the first above it that has one] (env PROGRESS_XL_WORKSPACE).")
@click.pass_context
def main(ctx, workspace):
    """progress_xl: รายงานความก้าวหน้าโครงการรายเดือนผ่านไฟล์ Excel / monthly project progress through workbooks.

    ในพื้นที่ทำงาน (progress-xl init) ทุกคำสั่งใช้ค่าจาก progress_xl.toml ตัวเลือกที่พิมพ์มีผลเหนือกว่า
    เดือนหนึ่งคือคำสั่งเดียว: progress-xl month

    Inside a workspace (progress-xl init) every command takes its settings from progress_xl.toml;
    flags override them. A month is one command: progress-xl month
    """
    from .workspace import load, locate
    if ctx.invoked_subcommand == "init":
        return
    root = locate(workspace)
    if root is not None:
        ctx.obj = load(root)
        ctx.default_map = _workspace_defaults(ctx.obj)


def _workspace_defaults(ws) -> dict:
    """The settings as the other commands' defaults (click's default_map): flags and their
    environment variables still win."""
    common = {"register": ws.register, "fy": ws.fiscal_year}
    officer = {"sender": ws.sender.address, "from_name": ws.sender.name, "from_position": ws.sender.position,
               "from_unit": ws.sender.unit, "from_phone": ws.sender.phone, "reply_day": ws.reply.day,
               "reply_months": ws.reply.months_after, "smtp_host": ws.smtp.host, "smtp_port": ws.smtp.port,
               "starttls": ws.smtp.security == "starttls", "use_ssl": ws.smtp.security == "ssl",
               "smtp_user": ws.smtp.user}
    officer = {k: v for k, v in officer.items() if v not in ("", None)}
    ledger = {**common, "ledger_path": ws.ledger}
    return {"generate": {**common, "out_dir": ws.root / "workbooks", **({"ledger_path": ws.ledger} if ws.ledger.exists() else {})},
            "validate": common,
            "consolidate": ledger, "outbox": {**ledger, **officer}, "import-legacy": ledger,
            "rollover": {"ledger_path": ws.ledger, "to_fy": ws.fiscal_year + 1}}


@main.command()
@click.argument("register", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--fy", type=click.IntRange(2500, 2700), required=True, help="ปีงบประมาณ พ.ศ. (เช่น 2564) / Fiscal year, BE (e.g. 2564).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="โฟลเดอร์ของแบบฟอร์ม (โฟลเดอร์ย่อยละหน่วยงาน) / Folder for the workbooks (one sub-folder per agency).")
@click.option("--ledger", "ledger_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="สมุดบัญชี: โครงการที่เลยกำหนดสิ้นสุดแต่ยังไม่ถึง 100 % ได้แบบฟอร์มด้วย (ล่าช้า) / The ledger: a project "
                   "past its planned end is included (as delayed) while its accepted progress is below 100 %.")
def generate(register: Path, fy: int, out_dir: Path, ledger_path: Path | None):
    """สร้างแบบฟอร์ม / write the workbooks: หนึ่งไฟล์ต่อโครงการในทะเบียน REGISTER (.xlsx หรือ .csv)

    Write one workbook per project of REGISTER (.xlsx or .csv) active in the fiscal year.

    A project that ended before the year (with nothing outstanding) or starts after it gets no
    workbook, one line each; a delayed or carried-over one is included, one line each.
    """
    import contextlib

    from .generate import generate_all
    from .ledger import Ledger
    from .register import read_register
    from .rollover import activity_summary, year_activity
    spec = load_spec()
    result = read_register(register, spec, fy)
    for problem in result.issues:
        click.echo(str(problem), err=True)
    with Ledger(ledger_path) if ledger_path else contextlib.nullcontext() as ledger:
        standings = year_activity(result.projects, fy, ledger, register.name)
    for line in [issue("P016", file=register.name, row=p.row, value=p.code, other=p["fiscal_year"], fy=fy)
                 for p in result.other_years] + [s.line for s in standings if s.line]:
        click.echo(str(line))
    started = time.perf_counter()
    paths = generate_all(spec, [s.project for s in standings if s.included], out_dir)
    agencies = len({p.parent for p in paths})
    click.echo(" / ".join(_render("W026", count=len(paths), agencies=agencies, out=out_dir, seconds=_since(started))))
    click.echo(str(activity_summary(standings, fy, register.name)))
    if result.skipped_rows:
        click.echo(" / ".join(_render("W027", rows=result.skipped_rows)))


@main.command()
@click.argument("register", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "to_fy", type=click.IntRange(2501, 2701), required=True,
              help="ปีงบประมาณใหม่ พ.ศ. (เช่น 2565) / The new fiscal year, BE (e.g. 2565): REGISTER is the year before's.")
@click.option("--ledger", "ledger_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="สมุดบัญชีที่มีรายงานที่รับแล้วของปี / The ledger holding the year's accepted reports.")
@click.option("--add", "added", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="ทะเบียนโครงการใหม่ที่จะเพิ่ม (ระบุได้หลายครั้ง) / A register of the new year's projects to add (may be given more than once).")
@click.pass_context
def rollover(ctx, register: Path | None, to_fy: int, ledger_path: Path, added: tuple[Path, ...]):
    """ร่างทะเบียนปีงบประมาณถัดไป / draft next year's register: จาก REGISTER และสมุดบัญชี (ไม่เขียนทับ)

    Draft the next fiscal year's register from REGISTER and the ledger, beside REGISTER (never over it).

    Unfinished projects are carried with their progress and spending, finished ones closed, the
    projects of --add registers added; one line per project and a report (CSV) of what was
    carried and why. Exit code 0 when the draft was written.
    """
    from .rollover import rollover as draft_year
    register = register or (ctx.obj.register if ctx.obj else None)      # inside a workspace: its register
    if register is None:
        raise click.UsageError(" / ".join(_render("W042")))
    done = draft_year(register, to_fy, ledger_path, added=added)
    for problem in done.problems:
        click.echo(str(problem), err=True)
    for decision in done.decisions:
        click.echo(str(decision.line))
    click.echo(str(done.summary))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--notes/--no-notes", default=True, show_default=True, help="แสดงว่าอ่านแต่ละค่าอย่างไร / Show how each value was read.")
def read(files: tuple[Path, ...], notes: bool):
    """อ่านแบบฟอร์ม / read filled workbooks: แสดงค่าที่อ่านได้และวิธีที่อ่านแต่ละค่า

    Read filled workbooks back and print what was read, with every coercion note.

    Exit code 1 when any file was rejected (one line each on stderr), else 0.
    """
    from .read import Rejection, read_submission
    rejected = 0
    for path in files:
        result = read_submission(path)
        if isinstance(result, Rejection):
            click.echo(str(result.issue), err=True)
            rejected += 1
            continue
        version = " / ".join(_render("W036", fy=result.fiscal_year, version=result.template_version))
        click.echo(f"== {result.file}  {result.project_code}  {version}  sha256 {result.sha256[:12]}")
        for k in result.filled_reports():
            row = result.reports[k]
            cells = "  ".join(f"{key}={_show(v.value)}" for key, v in row.items() if v.raw is not None)
            click.echo(f"  {k:>2}: {cells}")
            for v in row.values():
                for line in ((v.error,) if v.error else ()) + (v.notes if notes else ()):
                    click.echo(f"      {line}")
        for line in result.issues:
            if notes or line.severity.value != "note":
                click.echo(f"  {line}")
    raise SystemExit(1 if rejected else 0)


class DateParam(click.ParamType):
    """A date as people write it: 2021-03-31, 31/03/2564 or 31 มี.ค. 2564."""
    name = "date"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        from .values import Unreadable, parse_date
        try:
            parsed = parse_date(value).value
        except Unreadable:
            parsed = None
        if parsed is None:
            self.fail(" / ".join(_render("W043", value=value)), param, ctx)
        return parsed


def _projects(register: Path | None, fy: int | None) -> dict:
    if register is None:
        return {}
    from .register import read_register
    if fy is None:
        raise click.UsageError(" / ".join(_render("W044")))
    result = read_register(register, load_spec(), fy)
    for problem in result.issues:
        click.echo(str(problem), err=True)
    return {p.code: p for p in result.projects}


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="โฟลเดอร์ของแบบฟอร์มที่ส่งคืนและ validate.json / Folder for the returned workbooks and validate.json.")
@click.option("--register", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="ทะเบียนโครงการ: งบประมาณและแผนที่ใช้ตรวจ / The project register: budgets and planned curves to check against.")
@click.option("--fy", type=click.IntRange(2500, 2700), help="ปีงบประมาณของทะเบียน พ.ศ. / Fiscal year of the register, BE.")
@click.option("--today", type=DateParam(), default=None, help="รายงานของเดือนหลังวันนี้ถือว่าผิด [ค่าตั้งต้น: วันนี้] / Reports for months "
              "after this date are errors [default: today].")
def validate(files, out_dir: Path, register: Path | None, fy: int | None, today):
    """ตรวจแบบฟอร์ม / check workbooks: ส่งแบบฟอร์มคืนแต่ละหน่วยงานพร้อมจุดที่ต้องแก้บนช่อง

    Check filled workbooks; write each agency its workbook back with the problems on the cells.

    One line per file; validate.json beside the returned workbooks. Exit code 0 when the run
    completed, whatever it found.
    """
    import json

    from .files import atomic_write, input_files
    from .review import review_file
    projects = _projects(register, fy)
    today = today or dt.date.today()
    reviews = []
    for path, name in input_files(files):
        review = review_file(path, name=name, projects=projects, today=today, returned_dir=out_dir)
        reviews.append(review)
        click.echo(review.summary())
    report = {"today": today.isoformat(), "files": [r.as_dict() for r in reviews]}
    with atomic_write(Path(out_dir) / "validate.json") as fh:
        fh.write(json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8"))
    states = [r.state for r in reviews]
    accepted, has_issues, rejected = (states.count(s) for s in (State.ACCEPTED, State.HAS_ISSUES, State.REJECTED))
    counted = " / ".join(_render("W028", count=len(reviews), accepted=accepted, has_issues=has_issues, rejected=rejected))
    click.echo(f"{counted} → {out_dir}")


def _progress_bar(label: str):
    """A bar on a terminal; nothing when output goes to a file or a pipe."""
    if not sys.stdout.isatty():
        return None, lambda: None
    state = {}

    def step(i, total, name):
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label=label, file=sys.stdout)
            state["bar"].__enter__()
        state["bar"].update(1)

    def done():
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
    return step, done


def _headline(run) -> list[str]:
    """The master's headline in three lines: who reported, where every file went, the money."""
    h = run.headline
    files = {"inputs": h["inputs"], "accepted": h["inputs_accepted"], "has_issues": h["inputs_has_issues"],
             "superseded": h["inputs_superseded"], "rejected": h["inputs_rejected"], "duplicates": h["inputs_duplicate"]}
    transient = h.get("inputs_transient")
    lines = [_render("W030", received=h["received"], expected=h["expected"], rate=round(h["reporting_rate"] * 100),
                     accepted=h["accepted"], has_issues=h["has_issues"], missing=h["missing"], late=h["late"]),
             _render("W032", **files, transient=transient) if transient else _render("W031", **files),
             _render("W033", disbursed=h["disbursed"], allocated=h["allocated"], behind=h["behind"], claims=h["claims"])]
    return ["   " + " / ".join(line) for line in lines]


@main.command()
@click.argument("inbox", type=click.Path(exists=True, path_type=Path))
@click.option("--register", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="ทะเบียนโครงการ (.xlsx หรือ .csv): ใครต้องรายงาน / The project register (.xlsx or .csv): who is expected to report.")
@click.option("--fy", type=click.IntRange(2500, 2700), required=True,
              help="ปีงบประมาณ พ.ศ. (เช่น 2564) / Fiscal year, BE (e.g. 2564).")
@click.option("--month", type=click.IntRange(1, 12), required=True, help="รายงานครั้งที่ 1 = ต.ค. ... 12 = ก.ย. / Report number: 1 = October ... 12 = September.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="โฟลเดอร์ของสรุปรายงาน แบบฟอร์มที่ส่งคืน และสมุดบัญชี / Folder for the master workbook, the returned workbooks and (by default) the ledger.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path),
              help="สมุดบัญชี SQLite [ค่าตั้งต้น: OUT/ledger.sqlite] / The SQLite ledger [default: OUT/ledger.sqlite].")
@click.option("--today", type=DateParam(), help="รายงานของเดือนหลังจากนี้ถือว่าผิด [ค่าตั้งต้น: สิ้นเดือน] / Reports for later months are errors [default: the month's end].")
@click.option("--pdf", is_flag=True, help="พิมพ์หน้าสรุปเป็น PDF ด้วย (LibreOffice) / Also print the summary board to PDF (LibreOffice).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="ตารางโครงการเป็น CSV ด้วย (UTF-8 มี BOM) / Also the projects table as CSV (UTF-8 with BOM, for Excel).")
@click.option("--workers", type=click.IntRange(1, 256), default=None, help=WORKERS_HELP)
def consolidate(inbox: Path, register: Path, fy: int, month: int, out_dir: Path, ledger_path, today, pdf, workers,
                csv_path=None):
    """รวมข้อมูลของเดือน / consolidate a month: อ่าน ตรวจ ส่งคืน และบันทึกทุกไฟล์ใน INBOX แล้วเขียนสรุปรายงาน

    Read, validate, return and record every file of INBOX; write the month's master workbook.

    Exit code 0 when the master was written, whatever the files held; 1 when the run could not be
    done (an unreadable register, another run going on the same ledger).
    """
    from .consolidate import consolidate as run_month
    projects = list(_projects(register, fy).values())
    click.get_current_context().meta["progress_xl.out"] = out_dir
    step, done = _progress_bar("อ่านไฟล์ / reading")
    try:
        run = run_month(inbox, projects=projects, fy=fy, month=month, out_dir=out_dir, ledger_path=ledger_path,
                        today=today, progress=step, pdf=pdf, workers=workers or cores())
    finally:
        done()
    for notice in run.notices:
        click.echo(str(notice), err=True)
    click.echo(" / ".join(_render("W018", path=run.master.resolve())))
    if csv_path:
        from .export import projects_csv
        projects_csv(csv_path, ledger_path=run.ledger, projects=projects, fy=fy, month=month, outcomes=run.outcomes)
        click.echo(" / ".join(_render("W034", path=csv_path.resolve())))
    for line in _headline(run):
        click.echo(line)


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--into", "inbox", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="โฟลเดอร์รับไฟล์ของเดือน (ที่ consolidate อ่าน) / The month's inbox folder (what `consolidate` reads).")
@click.option("--quiet", is_flag=True, help="แสดงเฉพาะบรรทัดสรุป / Only the summary line, not one line per file.")
@click.option("--workers", type=click.IntRange(1, 256), default=None, help=WORKERS_HELP)
def collect(sources: tuple[Path, ...], inbox: Path, quiet: bool, workers):
    """รับไฟล์จากอีเมล / collect from mail: ดึงไฟล์ตารางทุกไฟล์จาก SOURCES (ไฟล์ โฟลเดอร์ .zip .eml mbox Maildir
    Outlook .msg) เข้า INBOX

    Take every spreadsheet out of SOURCES (files, folders, .zip, .eml, mbox, Maildir, Outlook .msg)
    into INBOX.

    Each file is named by the project code inside it; who sent it, when and in which message goes
    to INBOX/.provenance.json. Anything else (images, PDFs, signatures) is skipped and listed.
    Exit code 0 when the run completed, whatever it skipped; 1 when another collect is filling INBOX.
    """
    from .collect import collect as run_collect
    result = run_collect(sources, inbox, workers=workers or cores())
    for notice in result.notices:
        click.echo(str(notice), err=True)
    if not quiet:
        for saved in result.saved:
            click.echo(f"+ {saved['name']}  ← {saved['origin']}" + (f"  ({saved['sender']})" if saved["sender"] else ""))
        for line in result.duplicates + result.skipped:
            click.echo(f"- {line}")
    click.echo(f"{' / '.join(result.summary())} → {inbox}")


@main.command()
@click.option("--register", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="ทะเบียนโครงการ: หน่วยงานและอีเมล / The project register: agencies and their e-mail addresses.")
@click.option("--fy", type=click.IntRange(2500, 2700), required=True, help="ปีงบประมาณ พ.ศ. / Fiscal year, BE.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="โฟลเดอร์ของไฟล์ .eml (โฟลเดอร์ย่อยตามชนิด) / Folder for the .eml files (one sub-folder per kind).")
@click.option("--workbooks", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="จดหมายส่งแบบฟอร์ม: แบบฟอร์มที่สร้างไว้ / Kickoff: the generated workbooks to send each agency.")
@click.option("--month", type=click.IntRange(1, 12), help="แบบฟอร์มส่งคืนและจดหมายทวงถามของรายงานครั้งนี้ / Returned workbooks and reminders for this report month.")
@click.option("--run", "run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="โฟลเดอร์ --out ของ consolidate เดือนนั้น / The month's consolidate --out folder (returned workbooks, and the ledger by default).")
@click.option("--ledger", "ledger_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="สมุดบัญชี SQLite [ค่าตั้งต้น: RUN/ledger.sqlite] / The SQLite ledger [default: RUN/ledger.sqlite].")
@click.option("--from", "sender", envvar="PROGRESS_XL_FROM", default="coordinator@progress-xl.invalid",
              show_default=True, help="ที่อยู่ผู้ส่ง (ตัวแปร PROGRESS_XL_FROM) ที่อยู่สมมติส่งจริงไม่ได้ / Sender address "
              "(env PROGRESS_XL_FROM); --send refuses a placeholder (empty, *.invalid, example.*).")
@click.option("--from-name", envvar="PROGRESS_XL_FROM_NAME", default="",
              help="ผู้ลงนามในจดหมาย [ค่าตั้งต้น: ผู้ประสานงาน สยป.] / The officer who signs the letters (env PROGRESS_XL_FROM_NAME).")
@click.option("--from-position", envvar="PROGRESS_XL_FROM_POSITION", default="",
              help="ตำแหน่งผู้ลงนาม / The officer's position (env PROGRESS_XL_FROM_POSITION).")
@click.option("--from-unit", envvar="PROGRESS_XL_FROM_UNIT", default="",
              help="หน่วยงานผู้ลงนาม [ค่าตั้งต้น: สำนักยุทธศาสตร์และประเมินผล] / The officer's unit (env PROGRESS_XL_FROM_UNIT).")
@click.option("--from-phone", envvar="PROGRESS_XL_FROM_PHONE", default="",
              help="โทรศัพท์ผู้ลงนาม / The officer's phone (env PROGRESS_XL_FROM_PHONE).")
@click.option("--reply-day", envvar="PROGRESS_XL_REPLY_DAY", type=click.IntRange(1, 31), default=25,
              show_default=True, help="ขอให้ตอบภายในวันที่นี้ของเดือน... / Replies are asked for by this day of the month...")
@click.option("--reply-months", envvar="PROGRESS_XL_REPLY_MONTHS", type=click.IntRange(0, 12), default=1,
              show_default=True, help="...ถัดจากเดือนที่รายงานเท่านี้เดือน (ไม่ก่อนวันที่เขียน) / ...this many months "
              "after the report month (never before the writing day: then a week after it).")
@click.option("--date", "date", type=DateParam(), help="วันที่ในจดหมาย เวลากรุงเทพฯ [ค่าตั้งต้น: ตอนนี้] / Date on the messages, Bangkok time [default: now].")
@click.option("--send", is_flag=True, help="ส่งทางอีเมล (ไม่ระบุ = เขียนไว้เท่านั้น) / Deliver over SMTP; without it, a dry run that lists what would go.")
@click.option("--smtp-host", envvar="PROGRESS_XL_SMTP_HOST", default="localhost", show_default=True,
              help="เซิร์ฟเวอร์ส่งอีเมล / The mail server.")
@click.option("--smtp-port", envvar="PROGRESS_XL_SMTP_PORT", type=int, default=587, show_default=True,
              help="พอร์ต / Its port.")
@click.option("--starttls/--no-starttls", envvar="PROGRESS_XL_SMTP_STARTTLS", default=True, show_default=True,
              help="เข้ารหัสด้วย STARTTLS / Encrypt with STARTTLS.")
@click.option("--ssl", "use_ssl", is_flag=True, help="เข้ารหัส TLS ตั้งแต่ต้น (พอร์ต 465) / SMTP over TLS from the start (port 465).")
@click.option("--smtp-user", envvar="PROGRESS_XL_SMTP_USER", help="ชื่อผู้ใช้ SMTP รหัสผ่านอ่านจากตัวแปร PROGRESS_XL_SMTP_PASSWORD เท่านั้น / SMTP "
              "login; the password is read only from the environment variable PROGRESS_XL_SMTP_PASSWORD.")
def outbox(register, fy, out_dir, workbooks, month, run_dir, ledger_path, sender, from_name, from_position,
           from_unit, from_phone, reply_day, reply_months, date, send, smtp_host, smtp_port, starttls, use_ssl,
           smtp_user):
    """เขียนจดหมาย / write the letters: จดหมายส่งแบบฟอร์ม หรือจดหมายส่งคืน ทวงถาม และตอบรับของเดือน
    เป็นไฟล์ .eml (--send ส่งทางอีเมล)

    Write each agency its letters as .eml: the kickoff (--workbooks), or a month's returned workbooks,
    reminders and receipts (--month --run); --send delivers them over SMTP.

    Exit code 0 when every message was written (and, with --send, delivered to every recipient); 1 otherwise.
    """
    from .outbox import ReplyRule, Sender, SmtpServer, run_outbox
    projects = list(_projects(register, fy).values())
    _letters_asked(workbooks, month, run_dir)
    officer = Sender(sender, from_name, from_position, from_unit, from_phone).completed()
    server = SmtpServer(smtp_host, smtp_port, starttls=starttls, use_ssl=use_ssl, user=smtp_user) if send else None
    done = run_outbox(projects, fy=fy, out_dir=out_dir, officer=officer, echo=click.echo, date=date,
                      workbooks=workbooks, month=month, run_dir=run_dir, ledger_path=ledger_path,
                      rule=ReplyRule(reply_day, reply_months), server=server)
    raise SystemExit(0 if done else 1)


def _letters_asked(workbooks: Path | None, month: int | None, run_dir: Path | None) -> None:
    if not workbooks and not month:
        raise click.UsageError(" / ".join(_render("W045")))
    if month and not run_dir:
        raise click.UsageError(" / ".join(_render("W046")))


@main.command("import-legacy")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="สมุดบัญชีที่บันทึกประวัติ / The SQLite ledger to record the history in.")
@click.option("--register", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="ทะเบียนโครงการ / The project register, to link each print-out's project (a project not in it is reported).")
@click.option("--fy", type=click.IntRange(2500, 2700), help="ปีงบประมาณของทะเบียน พ.ศ. / Fiscal year of the register, BE.")
def import_legacy(files, ledger_path: Path, register, fy):
    """นำเข้าเอกสารพิมพ์ระบบเดิม / import the old system's print-outs: บันทึกเป็นเดือนก่อนหน้าที่รับแล้ว

    Parse print-outs of the old monitoring system into the ledger as accepted earlier months.

    One line per file, then what the validator says about its history. Exit code 1 when a file was
    not such a print-out, else 0.
    """
    from .ledger import Ledger
    from .legacy import import_printout
    projects = _projects(register, fy) if register else None
    failed = 0
    with Ledger(ledger_path) as ledger:
        ledger.lock()
        for path in files:
            printout, findings = import_printout(path, ledger=ledger, projects=projects)
            if printout is None:
                failed += 1
                click.echo(str(findings[0]), err=True)
                continue
            last = max(printout.reports)
            told = _render("W037", fy=printout.project.get("fiscal_year"), reports=len(printout.reports), last=last)
            click.echo(f"{path.name}: {printout.code} {' / '.join(told)} → {ledger_path}")
            for finding in findings:
                click.echo(f"  {finding}")
    raise SystemExit(1 if failed else 0)


@main.command("restore-ledger")
@click.argument("ledger_path", metavar="LEDGER", type=click.Path(dir_okay=False, path_type=Path))
def restore_ledger(ledger_path: Path):
    """กู้คืนสมุดบัญชี / restore the ledger: ใช้สำเนาล่าสุดที่ยังดีแทน LEDGER ที่เสีย เก็บฉบับที่เสียไว้

    Put the newest good backup copy in place of a damaged LEDGER; the damaged file is kept aside.

    consolidate keeps the last copies in LEDGER.backups/ before it writes.
    """
    from .ledger import restore
    backup, aside = restore(ledger_path)
    click.echo(str(issue("M013", file=str(ledger_path), path=ledger_path, backup=backup, aside=aside)))


# -- the workspace: init, month, fetch -------------------------------------------------------------
def _workspace(ctx: click.Context):
    ws = ctx.find_root().obj
    if ws is None:
        raise ProgressXLError([issue("W006", file=str(Path.cwd()))])
    return ws


@main.command(short_help="สร้างพื้นที่ทำงาน / make a workspace")
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--register", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="ทะเบียนโครงการ (.xlsx หรือ .csv) / The project register (.xlsx or .csv).")
@click.option("--fy", type=click.IntRange(2500, 2700),
              help="ปีงบประมาณ พ.ศ. [ค่าตั้งต้น: ปีงบประมาณของวันนี้] / Fiscal year, BE [default: today's].")
@click.option("--from", "sender", default="", help="ที่อยู่อีเมลผู้ส่ง / The sender's e-mail address.")
def init(folder: Path, register, fy, sender):
    """สร้างพื้นที่ทำงานใน DIR: ไฟล์ตั้งค่า progress_xl.toml (มีคำอธิบายไทยและอังกฤษ) และโฟลเดอร์ mail/ months/
    ไม่เขียนทับไฟล์ตั้งค่าที่มีอยู่

    Make a workspace in DIR: the settings progress_xl.toml (commented in Thai and English) and the
    folders mail/ and months/. Settings already there are never overwritten.
    """
    from .issues import render
    from .workspace import init as make
    settings = make(folder, register=register, fy=fy, sender=sender)
    click.echo(" / ".join(render("W015", settings=settings)))


def _which_month(ws, month_text, report, fy, today) -> tuple[int, int]:
    from .month import check_begun, default_month, parse_month
    if month_text is not None and report:
        raise click.UsageError(" / ".join(_render("W023")))
    if report:
        chosen = (fy or ws.fiscal_year, report)
    else:
        chosen = parse_month(month_text) if month_text is not None else default_month(today)
    check_begun(*chosen, today)
    return chosen


def _render(code: str, **context) -> tuple[str, str]:
    from .issues import render
    return render(code, **context)


@main.command("month", short_help="ทั้งเดือนในคำสั่งเดียว / the whole month in one command")
@click.argument("month_text", metavar="[MONTH]", required=False)
@click.option("--report", type=click.IntRange(1, 12),
              help="แทน MONTH: รายงานครั้งที่ 1 = ต.ค. ... 12 = ก.ย. / Instead of MONTH: the report number, "
                   "1 = October ... 12 = September.")
@click.option("--fy", type=click.IntRange(2500, 2700),
              help="ปีงบประมาณของ --report [ค่าตั้งต้น: ในไฟล์ตั้งค่า] / The fiscal year of --report [default: "
                   "the settings'].")
@click.option("--send", is_flag=True, help="ส่งจดหมายทางอีเมล (ไม่ระบุ = เขียนไว้เท่านั้น) / Deliver the letters "
              "over SMTP; without it they are only written.")
@click.option("--no-fetch", is_flag=True, help="ไม่ดึงอีเมลจากกล่องอีเมล / Do not read the mailbox this time.")
@click.option("--today", type=DateParam(), help="วันนี้ (สำหรับทดสอบ) [ค่าตั้งต้น: วันนี้ เวลากรุงเทพฯ] / Today, "
              "for tests [default: today, Bangkok time].")
@click.option("--workers", type=click.IntRange(1, 256), default=None, help=WORKERS_HELP)
@click.pass_context
def month_command(ctx, month_text, report, fy, send, no_fetch, today, workers):
    """ทั้งเดือนในคำสั่งเดียว: ดึงอีเมล รับไฟล์ รวมข้อมูล เขียนจดหมาย (ส่งเมื่อระบุ --send) แล้วสรุปสถานะของเดือน
    MONTH เขียนได้เช่น มี.ค. 2564, 03/2564, 2564-03 (ปีปฏิทิน พ.ศ.) ไม่ระบุ = เดือนที่เพิ่งสิ้นสุด
    สั่งซ้ำได้ปลอดภัย: รับเฉพาะไฟล์ใหม่ ไฟล์ที่ส่งใหม่แทนที่ไฟล์เดิม ไม่มีจดหมายใดส่งซ้ำ

    The whole month: fetch the mail, collect, consolidate, write the letters (sent with --send) and
    print the month's status. MONTH as people write it: มี.ค. 2564, 03/2564, 2564-03 (calendar year,
    BE); without it, the month that has just ended. Running it again is safe: new files are added,
    resubmissions supersede, nothing is sent twice. Exit code 1 when a letter could not be written
    or delivered.
    """
    import datetime as _dt

    from .fiscal import BANGKOK
    ws = _workspace(ctx)
    today = today or _dt.datetime.now(BANGKOK).date()
    fy, k = _which_month(ws, month_text, report, fy, today)
    complete = _run_month(ws, fy, k, today=today, send=send, fetch_mail=not no_fetch, workers=workers or cores())
    raise SystemExit(0 if complete else 1)


def _run_month(ws, fy: int, k: int, *, today, send: bool, fetch_mail: bool, workers: int, stamp=None) -> bool:
    """`progress-xl month` for one month: run it and print its status; True when every letter went."""
    from .fiscal import month_label_en
    from .month import now_at, run_month
    from .register import read_register
    from .workspace import advance_fiscal_year
    click.echo(" / ".join(_render("W017", month=month_label(fy, k), month_en=month_label_en(fy, k), k=k, fy=fy,
                                  path=ws.root)))
    register = read_register(ws.register, load_spec(), fy)
    if not register.projects:           # nobody to hear from: the register's lines say why (P005, P001...)
        raise ProgressXLError(register.issues)
    for problem in register.issues:
        click.echo(str(problem), err=True)
    click.get_current_context().meta["progress_xl.out"] = ws.month_dir(fy, k)
    step, done = _progress_bar("อ่านไฟล์ / reading")
    try:
        result = run_month(ws, fy, k, projects=register.projects, today=today, now=stamp or now_at(today),
                           send=send, fetch_mail=fetch_mail, workers=workers, progress=step)
    finally:
        done()
    _month_status(ws, result, send)
    old = advance_fiscal_year(ws, fy)
    if old is not None:
        click.echo(" / ".join(_render("W022", old=old, fy=fy)))
    return result.complete


def _month_status(ws, result, send: bool) -> None:
    """What the month came to: mail in, the master, the letters, what needs the coordinator."""
    from .outbox import is_placeholder
    if result.fetched is not None:
        for line in result.fetched.skipped:
            click.echo(str(line), err=True)
        summary = result.fetched.summary()
        click.echo(f"{summary.th} / {summary.en}")
    c, run = result.collected, result.run
    for line in [*c.notices, *run.notices]:
        click.echo(str(line), err=True)
    for line in result.held:
        click.echo(str(line))
    held = sum(1 for _ in (result.folder / "inbox").glob(".other/*")) + sum(
        1 for _ in (result.folder / "inbox").glob(".later/*"))
    click.echo(" / ".join(_render("W021", new=len(c.saved), duplicates=len(c.duplicates), skipped=len(c.skipped),
                                  held=held, inbox=result.folder / "inbox")))
    click.echo(" / ".join(_render("W018", path=run.master.resolve())))
    for line in _headline(run):
        click.echo(line)
    kinds = [w.letter.kind for w in result.written]
    click.echo(" / ".join(_render("W019", count=len(kinds), returned=kinds.count("returned"),
                                  reminder=kinds.count("reminder"), receipt=kinds.count("receipt"), out=result.outbox)))
    for line in result.problems:
        click.echo(str(line), err=True)
    _delivery_status(ws, result, send, is_placeholder(ws.sender.address))
    h = run.headline
    click.echo(" / ".join(_render("W020", issues=h["has_issues"], missing=h["missing"], rejected=h["inputs_rejected"])))


def _delivery_status(ws, result, send: bool, placeholder: bool) -> None:
    if not send:
        if placeholder:
            click.echo(str(issue("W014", file=str(ws.settings), address=ws.sender.address)), err=True)
        click.echo(" / ".join(_render("S018", count=len(result.written), out=result.outbox)))
        return
    d = result.delivery
    if d is None:
        return
    for line in d.problems:
        click.echo(str(line), err=True)
    click.echo(" / ".join(_render("S019", sent=len(d.sent), partly=len(d.partly), unsent=len(d.unsent),
                                  earlier=len(d.earlier), count=len(result.written), server=ws.smtp.server)))


@main.command(short_help="ดึงอีเมลใหม่จากกล่องอีเมล / fetch new mail from the mailbox")
@click.pass_context
def fetch(ctx):
    """ดึงอีเมลใหม่จากกล่องอีเมล (IMAP ในหมวด [imap] ของไฟล์ตั้งค่า) ไว้ที่ mail/imap/ ของพื้นที่ทำงาน
    อ่านอย่างเดียว แต่ละฉบับดึงครั้งเดียว progress-xl month ทำขั้นนี้ให้เองอยู่แล้ว

    Fetch the new messages of the mailbox ([imap] in the settings) into the workspace's mail/imap/:
    read only, each message once. `progress-xl month` does this itself; this looks before it.
    """
    from .month import fetch_mailbox
    result = fetch_mailbox(_workspace(ctx))
    for line in result.skipped:
        click.echo(str(line), err=True)
    summary = result.summary()
    click.echo(f"{summary.th} / {summary.en}")


def _show(value) -> str:
    if hasattr(value, "isoformat"):
        from .fiscal import format_be
        return format_be(value)
    return "-" if value is None else str(value)


SAMPLES = data_dir("samples")          # package data in a wheel, the top-level folder in a checkout
DEMO_MONTHS = 6


@main.command(short_help="ทั้งรอบงานกับทะเบียนตัวอย่าง / the whole cycle on the sample register")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out/demo"),
              show_default=True, help="พื้นที่ทำงานของการสาธิต (ล้างก่อนเริ่ม) / The demo's workspace (cleared first).")
@click.option("--months", type=click.IntRange(1, 12), default=DEMO_MONTHS, show_default=True,
              help="จำนวนเดือนของปีงบประมาณ 2564 ที่จำลอง / How many months of FY 2564 to simulate.")
def demo(out_dir: Path, months: int):
    """สาธิตทั้งรอบงานกับทะเบียนตัวอย่าง (ปีงบประมาณ 2564): สร้างพื้นที่ทำงาน (init) แบบฟอร์ม และจดหมายส่งแบบฟอร์ม
    แล้วทุกเดือนหน่วยงานจำลองตอบทางอีเมลลงใน months/<เดือน>/mail/ และสั่ง progress-xl month ของเดือนนั้น

    The whole cycle on the bundled sample register (FY 2564): a workspace (init), the workbooks and
    the kickoff letters; then month by month the simulated agencies reply by e-mail into
    months/<month>/mail/ and the month runs as `progress-xl month` runs it.
    """
    import shutil

    from .fiscal import BANGKOK, month_bounds
    from .generate import generate_all
    from .month import now_at, run_month
    from .outbox import kickoff_letters, write_outbox
    from .register import read_register
    from .simulate import simulate_month
    from .workspace import init as make_workspace, load
    spec = load_spec()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    started = time.perf_counter()
    make_workspace(out_dir, register=SAMPLES / "register.csv", fy=2564, sender="coordinator@bangkok.go.th")
    ws = load(out_dir)
    click.echo(f"$ progress-xl init {out_dir} --register {SAMPLES / 'register.csv'} --fy 2564")
    projects = read_register(ws.register, spec, 2564).projects
    paths = generate_all(spec, projects, out_dir / "workbooks")
    kickoff, _ = write_outbox(kickoff_letters(projects, {p.code: path for p, path in zip(projects, paths)}, 2564,
                                              officer=ws.sender.completed()), out_dir / "outbox",
                              sender=ws.sender.completed(), date=dt.datetime(2020, 10, 1, 9, 0, tzinfo=BANGKOK))
    made = _render("W038", workbooks=len(paths), agencies=len(kickoff), seconds=_since(started))
    click.echo(f"1. {' / '.join(made)}: {(out_dir / 'outbox' / 'kickoff').resolve()}")
    for k in range(1, months + 1):
        tick = time.perf_counter()
        folder, end = ws.month_dir(2564, k), month_bounds(2564, k)[1]
        simulate_month(spec, projects, k, folder / "inbox", mail=folder / "mail")
        result = run_month(ws, 2564, k, projects=projects, today=end, now=now_at(end), workers=cores())
        h, kinds = result.run.headline, [w.letter.kind for w in result.written]
        ran = _render("W039", mails=len(list((folder / "mail").glob("*.eml"))), new=len(result.collected.saved),
                      accepted=h["accepted"], has_issues=h["has_issues"], superseded=h["inputs_superseded"],
                      rejected=h["inputs_rejected"], missing=h["missing"], letters=len(kinds), seconds=_since(tick))
        click.echo(f"2.{k} $ progress-xl month {month_label(2564, k)}: {' / '.join(ran)}")
    click.echo(f"3. {' / '.join(_render('W040'))} (cd {out_dir} && progress-xl month '{month_label(2564, months)}'):")
    _month_status(ws, result, send=False)
    click.echo("   " + " / ".join(_render("W041", ledger=ws.ledger, seconds=_since(started))))
    click.echo(" / ".join(_render("W018", path=result.run.master.resolve())))


def _since(started: float) -> float:
    """Seconds since a time.perf_counter() reading, to a tenth (as a message shows it)."""
    return round(time.perf_counter() - started, 1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
