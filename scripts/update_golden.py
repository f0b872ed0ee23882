"""Rewrite tests/golden/seed_vN/ from the seed project's workbook. Review the diff before committing.

Run: .venv/bin/python scripts/update_golden.py [VERSION...]   (default: every template version)
"""
import io
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from helpers import xml_parts  # noqa: E402

from progress_xl.generate import generate_workbook  # noqa: E402
from progress_xl.register import read_register  # noqa: E402
from progress_xl.spec import available_versions, load_spec  # noqa: E402


def main() -> None:
    for version in [int(v) for v in sys.argv[1:]] or available_versions():
        write(load_spec(version))
    if not sys.argv[1:]:
        write_master()


def write_master() -> None:
    """tests/golden/master_mixed.txt: the text of the master of the mixed test inbox."""
    import tempfile

    from helpers import text_dump
    from scenarios import mixed_inbox

    from progress_xl.consolidate import consolidate
    spec = load_spec()
    projects = read_register(ROOT / "samples" / "register.csv", spec, 2564).projects[:10]
    with tempfile.TemporaryDirectory() as tmp:
        mixed_inbox(Path(tmp) / "inbox", spec, projects)
        run = consolidate(Path(tmp) / "inbox", projects=projects, fy=2564, month=3, out_dir=Path(tmp) / "out")
        target = ROOT / "tests" / "golden" / "master_mixed.txt"
        target.write_text(text_dump(run.master), encoding="utf-8")
    print(f"wrote {target}")


def write(spec) -> None:
    seed = next(p for p in read_register(ROOT / "samples" / "register.csv", spec, 2564).projects
                if p.code == "01000000-2462")
    buf = io.BytesIO()
    generate_workbook(spec, seed, buf)
    out = ROOT / "tests" / "golden" / f"seed_v{spec.version}"
    shutil.rmtree(out, ignore_errors=True)
    for name, text in xml_parts(buf.getvalue()).items():
        target = out / (name + ".txt")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
