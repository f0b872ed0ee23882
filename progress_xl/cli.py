"""The command line: one subcommand per stage. Bad input gives one line per problem, never a traceback.

Exit codes: 0 the job was done (findings are results, not failures); 1 the job could not be
done (for example an unreadable register or a rejected file given to `read`); 2 usage error.
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import click

from .issues import ProgressXLError
from .spec import load_spec


def _fail(exc: ProgressXLError):
    for line in exc.issues:
        click.echo(str(line), err=True)
    raise SystemExit(1)


@click.group()
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
    try:
        result = read_register(register, spec, fy)
    except ProgressXLError as exc:
        _fail(exc)
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


def expand(inputs) -> list[tuple[Path, str]]:
    """(path, name) of the files given and of every file inside the folders given (sorted, hidden
    files skipped); a file in a folder is named by its path inside it, so names stay distinct."""
    out = []
    for p in map(Path, inputs):
        if p.is_dir():
            out.extend((x, x.relative_to(p).as_posix()) for x in sorted(p.rglob("*")) if x.is_file() and not any(
                part.startswith(".") for part in x.relative_to(p).parts))
        else:
            out.append((p, p.name))
    return out


def _projects(register: Path | None, fy: int | None) -> dict:
    if register is None:
        return {}
    from .register import read_register
    if fy is None:
        raise click.UsageError("--register ต้องระบุ --fy ด้วย / --register needs --fy")
    try:
        result = read_register(register, load_spec(), fy)
    except ProgressXLError as exc:
        _fail(exc)
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

    from .files import atomic_write
    from .review import review_file
    projects = _projects(register, fy)
    today = today or dt.date.today()
    reviews = []
    for path, name in expand(files):
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


def _show(value) -> str:
    if hasattr(value, "isoformat"):
        from .fiscal import format_be
        return format_be(value)
    return "-" if value is None else str(value)


SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out/demo"),
              show_default=True, help="Folder for everything the demo writes.")
def demo(out_dir: Path):
    """Run the monthly cycle on the bundled sample register (FY 2564)."""
    from .generate import generate_all
    from .register import read_register
    spec = load_spec()
    result = read_register(SAMPLES / "register.csv", spec, 2564)
    started = time.perf_counter()
    paths = generate_all(spec, result.projects, out_dir / "workbooks")
    seconds = time.perf_counter() - started
    click.echo(f"1. สร้างแบบฟอร์ม {len(paths)} ไฟล์ / generated {len(paths)} workbooks in {seconds:.1f} s "
               f"({len(paths) / seconds:.0f}/s): {(out_dir / 'workbooks').resolve()}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
