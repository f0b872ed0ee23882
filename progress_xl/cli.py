"""The command line: one subcommand per stage. Bad input gives one line per problem, never a traceback.

Exit codes: 0 the job was done (findings are results, not failures); 1 the job could not be
done (for example an unreadable register or a rejected file given to `read`); 2 usage error.
"""
from __future__ import annotations

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
