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
from .spec import load_spec
from .workers import cores


WORKERS_HELP = "Processes reading the files [default: one per core]. The output does not depend on it."


def _fail(exc: ProgressXLError):
    raise exc       # kept while the outbox command still calls it: ProgressXLError is the boundary now


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


@click.group(cls=_Boundary)
@click.version_option(package_name="progress_xl")
def main():
    """progress_xl: รายงานความก้าวหน้าโครงการรายเดือนผ่านไฟล์ Excel / monthly project progress through workbooks."""


@main.command()
@click.argument("register", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--fy", type=click.IntRange(2500, 2700), required=True, help="Fiscal year, BE (e.g. 2564).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the workbooks (one sub-folder per agency).")
def generate(register: Path, fy: int, out_dir: Path):
    """Write one workbook per project of REGISTER (.xlsx or .csv)."""
    from .generate import generate_all
    from .register import read_register
    spec = load_spec()
    result = read_register(register, spec, fy)
    for problem in result.issues:
        click.echo(str(problem), err=True)
    started = time.perf_counter()
    paths = generate_all(spec, result.projects, out_dir)
    seconds = time.perf_counter() - started
    agencies = len({p.parent for p in paths})
    click.echo(f"สร้าง {len(paths)} ไฟล์ ใน {agencies} หน่วยงาน ที่ {out_dir} / wrote {len(paths)} workbooks "
               f"for {agencies} agencies to {out_dir} ({seconds:.1f} s)")
    if result.issues:
        click.echo(f"ข้ามแถวที่มีปัญหา {len(result.issues)} แถว / skipped {len(result.issues)} bad register row(s)")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--notes/--no-notes", default=True, show_default=True, help="Show how each value was read.")
def read(files: tuple[Path, ...], notes: bool):
    """Read filled workbooks back and print what was read, with every coercion note.

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
        click.echo(f"== {result.file}  {result.project_code}  ปีงบ/FY {result.fiscal_year}  "
                   f"แบบฟอร์ม/template v{result.template_version}  sha256 {result.sha256[:12]}")
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
            self.fail(f"'{value}' ไม่ใช่วันที่ / is not a date (e.g. 2021-03-31 or 31/03/2564)", param, ctx)
        return parsed


def _projects(register: Path | None, fy: int | None) -> dict:
    if register is None:
        return {}
    from .register import read_register
    if fy is None:
        raise click.UsageError("--register ต้องระบุ --fy ด้วย / --register needs --fy")
    result = read_register(register, load_spec(), fy)
    for problem in result.issues:
        click.echo(str(problem), err=True)
    return {p.code: p for p in result.projects}


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the returned workbooks and validate.json.")
@click.option("--register", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The project register: budgets and planned curves to check against.")
@click.option("--fy", type=click.IntRange(2500, 2700), help="Fiscal year of the register, BE.")
@click.option("--today", type=DateParam(), default=None, help="Reports for months after this date are errors "
              "[default: today].")
def validate(files, out_dir: Path, register: Path | None, fy: int | None, today):
    """Check filled workbooks; write each agency its workbook back with the problems on the cells.

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
    click.echo(f"ตรวจ {len(reviews)} ไฟล์: รับ {states.count('accepted')} มีปัญหา {states.count('has_issues')} "
               f"ไม่รับ {states.count('rejected')} / checked {len(reviews)} files: {states.count('accepted')} accepted, "
               f"{states.count('has_issues')} with issues, {states.count('rejected')} rejected → {out_dir}")


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
    h = run.headline
    return [
        f"   ได้รับรายงาน {h['received']}/{h['expected']} โครงการ ({h['reporting_rate']:.0%}) รับแล้ว {h['accepted']} "
        f"มีปัญหา {h['has_issues']} ยังไม่ส่ง {h['missing']} ส่งช้า {h['late']} / reported {h['received']} of "
        f"{h['expected']} ({h['reporting_rate']:.0%}): {h['accepted']} accepted, {h['has_issues']} with issues, "
        f"{h['missing']} missing, {h['late']} late",
        f"   ไฟล์ {h['inputs']} = รับ {h['inputs_accepted']} + มีปัญหา {h['inputs_has_issues']} + ถูกแทนที่ "
        f"{h['inputs_superseded']} + ไม่รับ {h['inputs_rejected']} + ซ้ำ {h['inputs_duplicate']} / files {h['inputs']} = "
        f"{h['inputs_accepted']} accepted + {h['inputs_has_issues']} with issues + {h['inputs_superseded']} superseded + "
        f"{h['inputs_rejected']} rejected + {h['inputs_duplicate']} duplicates",
        f"   เบิกจ่าย {h['disbursed']:,.0f} จาก {h['allocated']:,.0f} บาท; ล่าช้ากว่าแผน {h['behind']} โครงการ; "
        f"แจ้งตามแผนแต่ตัวเลขไม่สอดคล้อง {h['claims']} / disbursed {h['disbursed']:,.0f} of {h['allocated']:,.0f} baht; "
        f"{h['behind']} behind plan; {h['claims']} say 'on plan' against their numbers",
    ]


@main.command()
@click.argument("inbox", type=click.Path(exists=True, path_type=Path))
@click.option("--register", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="The project register (.xlsx or .csv): who is expected to report.")
@click.option("--fy", type=click.IntRange(2500, 2700), required=True, help="Fiscal year, BE (e.g. 2564).")
@click.option("--month", type=click.IntRange(1, 12), required=True, help="Report number: 1 = October ... 12 = September.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the master workbook, the returned workbooks and (by default) the ledger.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The SQLite ledger [default: OUT/ledger.sqlite].")
@click.option("--today", type=DateParam(), help="Reports for later months are errors [default: the month's end].")
@click.option("--pdf", is_flag=True, help="Also print the summary board to PDF (LibreOffice).")
@click.option("--workers", type=click.IntRange(1, 256), default=None, help=WORKERS_HELP)
def consolidate(inbox: Path, register: Path, fy: int, month: int, out_dir: Path, ledger_path, today, pdf, workers):
    """Read, validate, return and record every file of INBOX; write the month's master workbook.

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
    for line in run.notices:
        click.echo(str(line), err=True)
    click.echo(f"สรุปรายงาน / master: {run.master.resolve()}")
    for line in _headline(run):
        click.echo(line)


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--into", "inbox", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The month's inbox folder (what `consolidate` reads).")
@click.option("--quiet", is_flag=True, help="Only the summary line, not one line per file.")
@click.option("--workers", type=click.IntRange(1, 256), default=None, help=WORKERS_HELP)
def collect(sources: tuple[Path, ...], inbox: Path, quiet: bool, workers):
    """Take every spreadsheet out of SOURCES (files, folders, .zip, .eml, mbox, Maildir, Outlook .msg)
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
    click.echo(f"{result.summary()} → {inbox}")


@main.command()
@click.option("--register", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="The project register: agencies and their e-mail addresses.")
@click.option("--fy", type=click.IntRange(2500, 2700), required=True, help="Fiscal year, BE.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the .eml files (one sub-folder per kind).")
@click.option("--workbooks", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Kickoff: the generated workbooks to send each agency.")
@click.option("--month", type=click.IntRange(1, 12), help="Returned workbooks and reminders for this report month.")
@click.option("--run", "run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The month's consolidate --out folder (returned workbooks, and the ledger by default).")
@click.option("--ledger", "ledger_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The SQLite ledger [default: RUN/ledger.sqlite].")
@click.option("--from", "sender", envvar="PROGRESS_XL_FROM", default="coordinator@progress-xl.invalid",
              show_default=True, help="Sender address (env PROGRESS_XL_FROM); --send refuses a placeholder "
              "(empty, *.invalid, example.*).")
@click.option("--from-name", envvar="PROGRESS_XL_FROM_NAME", default="",
              help="The officer who signs the letters [default: ผู้ประสานงาน สยป.] (env PROGRESS_XL_FROM_NAME).")
@click.option("--from-position", envvar="PROGRESS_XL_FROM_POSITION", default="",
              help="The officer's position (env PROGRESS_XL_FROM_POSITION).")
@click.option("--from-unit", envvar="PROGRESS_XL_FROM_UNIT", default="",
              help="The officer's unit [default: สำนักยุทธศาสตร์และประเมินผล] (env PROGRESS_XL_FROM_UNIT).")
@click.option("--from-phone", envvar="PROGRESS_XL_FROM_PHONE", default="",
              help="The officer's phone (env PROGRESS_XL_FROM_PHONE).")
@click.option("--reply-day", envvar="PROGRESS_XL_REPLY_DAY", type=click.IntRange(1, 31), default=25,
              show_default=True, help="Replies are asked for by this day of the month...")
@click.option("--reply-months", envvar="PROGRESS_XL_REPLY_MONTHS", type=click.IntRange(0, 12), default=1,
              show_default=True, help="...this many months after the report month (never before the writing "
              "day: then a week after it).")
@click.option("--date", "date", type=DateParam(), help="Date on the messages, Bangkok time [default: now].")
@click.option("--send", is_flag=True, help="Deliver over SMTP; without it, a dry run that lists what would go.")
@click.option("--smtp-host", envvar="PROGRESS_XL_SMTP_HOST", default="localhost", show_default=True)
@click.option("--smtp-port", envvar="PROGRESS_XL_SMTP_PORT", type=int, default=587, show_default=True)
@click.option("--starttls/--no-starttls", envvar="PROGRESS_XL_SMTP_STARTTLS", default=True, show_default=True)
@click.option("--ssl", "use_ssl", is_flag=True, help="SMTP over TLS from the start (port 465).")
@click.option("--smtp-user", envvar="PROGRESS_XL_SMTP_USER", help="SMTP login; the password is read only from "
              "the environment variable PROGRESS_XL_SMTP_PASSWORD.")
def outbox(register, fy, out_dir, workbooks, month, run_dir, ledger_path, sender, from_name, from_position,
           from_unit, from_phone, reply_day, reply_months, date, send, smtp_host, smtp_port, starttls, use_ssl,
           smtp_user):
    """Write each agency its letters as .eml: the kickoff (--workbooks), or a month's returned workbooks,
    reminders and receipts (--month --run); --send delivers them over SMTP.

    Exit code 0 when every message was written (and, with --send, delivered to every recipient); 1 otherwise.
    """
    from .fiscal import BANGKOK
    from .issues import issue, render
    from .outbox import ReplyRule, Sender, is_placeholder, kickoff_letters, letters_of_month, listing, \
        send as deliver, workbooks_by_code, write_outbox
    projects = list(_projects(register, fy).values())
    if not workbooks and not month:
        raise click.UsageError("ระบุ --workbooks หรือ --month กับ --run / give --workbooks, or --month with --run")
    if month and not run_dir:
        raise click.UsageError("--month ต้องระบุ --run ด้วย / --month needs --run")
    officer = Sender(sender, from_name, from_position, from_unit, from_phone).completed()
    if is_placeholder(sender):
        if send:
            _fail(ProgressXLError([issue("S016", file="--from", address=sender)]))
        click.echo(str(issue("S017", file="--from", address=sender)), err=True)
    when = dt.datetime.combine(date, dt.time(9, 0), tzinfo=BANGKOK) if date else dt.datetime.now(BANGKOK)
    letters = kickoff_letters(projects, workbooks_by_code(workbooks), fy, officer=officer) if workbooks else []
    if month:
        try:
            letters += letters_of_month(projects, fy=fy, month=month, run_dir=run_dir, ledger_path=ledger_path,
                                        out_dir=out_dir, written=when.date(), rule=ReplyRule(reply_day, reply_months),
                                        officer=officer)
        except ProgressXLError as exc:
            _fail(exc)
    written, problems = write_outbox(letters, out_dir, sender=officer, date=when)
    for line in listing(written):
        click.echo(line)
    for line in problems:
        click.echo(str(line), err=True)
    if not send:
        click.echo(" / ".join(render("S018", count=len(written), out=out_dir)))
        raise SystemExit(1 if problems else 0)
    result = deliver([w.path for w in written], host=smtp_host, port=smtp_port, starttls=starttls,
                     user=smtp_user, use_ssl=use_ssl, log=out_dir / "sent.json")
    for line in result.problems:
        click.echo(str(line), err=True)
    click.echo(" / ".join(render("S019", sent=len(result.sent), partly=len(result.partly), unsent=len(result.unsent),
                                 earlier=len(result.earlier), count=len(written), server=f"{smtp_host}:{smtp_port}")))
    raise SystemExit(1 if problems or not result.complete else 0)


@main.command("import-legacy")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The SQLite ledger to record the history in.")
@click.option("--register", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The project register, to link each print-out's project (a project not in it is reported).")
@click.option("--fy", type=click.IntRange(2500, 2700), help="Fiscal year of the register, BE.")
def import_legacy(files, ledger_path: Path, register, fy):
    """Parse print-outs of the old monitoring system into the ledger as accepted earlier months.

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
            click.echo(f"{path.name}: {printout.code} ปีงบ/FY {printout.project.get('fiscal_year')} · รายงาน "
                       f"{len(printout.reports)} ครั้ง ถึงครั้งที่ {last} / {len(printout.reports)} reports up to "
                       f"report {last} → {ledger_path}")
            for finding in findings:
                click.echo(f"  {finding}")
    raise SystemExit(1 if failed else 0)


@main.command("restore-ledger")
@click.argument("ledger_path", metavar="LEDGER", type=click.Path(dir_okay=False, path_type=Path))
def restore_ledger(ledger_path: Path):
    """Put the newest good backup copy in place of a damaged LEDGER; the damaged file is kept aside.

    consolidate keeps the last copies in LEDGER.backups/ before it writes.
    """
    from .ledger import restore
    backup, aside = restore(ledger_path)
    click.echo(str(issue("M013", file=str(ledger_path), path=ledger_path, backup=backup, aside=aside)))


def _show(value) -> str:
    if hasattr(value, "isoformat"):
        from .fiscal import format_be
        return format_be(value)
    return "-" if value is None else str(value)


SAMPLES = Path(__file__).resolve().parent.parent / "samples"
DEMO_MONTHS = 6


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out/demo"),
              show_default=True, help="Folder for everything the demo writes (cleared first).")
@click.option("--months", type=click.IntRange(1, 12), default=DEMO_MONTHS, show_default=True,
              help="How many months of FY 2564 to simulate.")
def demo(out_dir: Path, months: int):
    """The monthly cycle on the bundled sample register (FY 2564): generate and the kickoff messages;
    then month by month the simulated agencies reply by e-mail, collect, consolidate, and the outbox
    (returned workbooks, reminders); the master workbook at the end."""
    import shutil

    from .collect import collect
    from .consolidate import consolidate as run_month
    from .fiscal import BANGKOK, month_bounds
    from .generate import generate_all
    from .ledger import Ledger
    from .outbox import kickoff_letters, month_letters, sender_address, write_outbox
    from .register import read_register
    from .simulate import simulate_month
    spec = load_spec()
    projects = read_register(SAMPLES / "register.csv", spec, 2564).projects
    if out_dir.exists():
        shutil.rmtree(out_dir)
    started = time.perf_counter()
    paths = generate_all(spec, projects, out_dir / "workbooks")
    click.echo(f"1. สร้างแบบฟอร์ม {len(paths)} ไฟล์ / generated {len(paths)} workbooks "
               f"({time.perf_counter() - started:.1f} s): {(out_dir / 'workbooks').resolve()}")
    sender = sender_address("ผู้ประสานงาน สยป.", "coordinator@bangkok.go.th")
    kickoff, _ = write_outbox(kickoff_letters(projects, {p.code: path for p, path in zip(projects, paths)}, 2564),
                              out_dir / "outbox" / "00", sender=sender, date=dt.datetime(2020, 10, 1, 9, 0, tzinfo=BANGKOK))
    click.echo(f"   ส่งแบบฟอร์มให้ {len(kickoff)} หน่วยงาน / kickoff messages for {len(kickoff)} agencies: "
               f"{(out_dir / 'outbox' / '00').resolve()}")
    for month in range(1, months + 1):
        tick = time.perf_counter()
        mail, inbox = out_dir / "mail" / f"2564-{month:02d}", out_dir / "inbox" / f"2564-{month:02d}"
        simulate_month(spec, projects, month, inbox, mail=mail)
        collected = collect(mail.glob("*.eml"), inbox, workers=cores())
        step, done = _progress_bar(f"   เดือน / month {month}")
        month_dir = out_dir / "months" / f"{month:02d}"
        try:
            run = run_month(inbox, projects=projects, fy=2564, month=month, out_dir=month_dir,
                            ledger_path=out_dir / "ledger.sqlite", progress=step, workers=cores())
        finally:
            done()
        with Ledger(out_dir / "ledger.sqlite") as ledger:
            letters = month_letters(projects, ledger=ledger, fy=2564, month=month, returned_dir=month_dir / "returned")
        end = month_bounds(2564, month)[1]
        sent, _ = write_outbox(letters, out_dir / "outbox" / f"{month:02d}", sender=sender,
                               date=dt.datetime(end.year, end.month, end.day, 9, 0, tzinfo=BANGKOK))
        h = run.headline
        click.echo(f"2.{month} {month_label(2564, month)}: อีเมล {len(list(mail.glob('*.eml')))} ฉบับ → ไฟล์ "
                   f"{len(collected.saved)} (ข้าม {len(collected.skipped)}) · รับ {h['accepted']} มีปัญหา {h['has_issues']} "
                   f"ถูกแทนที่ {h['inputs_superseded']} ไม่รับ {h['inputs_rejected']} · ยังไม่ส่ง {h['missing']} · "
                   f"ตอบกลับ {len(sent)} ฉบับ / {len(list(mail.glob('*.eml')))} messages → {len(collected.saved)} files "
                   f"({len(collected.skipped)} skipped): {h['accepted']} accepted, {h['has_issues']} with issues, "
                   f"{h['inputs_superseded']} superseded, {h['inputs_rejected']} rejected; {h['missing']} projects "
                   f"missing; {len(sent)} messages out ({time.perf_counter() - tick:.1f} s)")
    click.echo(f"3. สรุปรายงาน / master workbook: {run.master.resolve()}")
    click.echo(f"   แบบฟอร์มที่ส่งคืนหน่วยงาน / returned workbooks: {(run.master.parent / 'returned').resolve()}")
    click.echo(f"   อีเมลส่งออก (ยังไม่ได้ส่ง) / outgoing messages (not sent): {(out_dir / 'outbox').resolve()}")
    click.echo(f"   สมุดบัญชี / ledger: {(out_dir / 'ledger.sqlite').resolve()}")
    for line in _headline(run):
        click.echo(line)
    click.echo(f"   ทั้งหมด / total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
