"""The benchmark corpus: N projects made from the sample register, filled for month 6 the way the
demo's simulated agencies fill them (typing variants, real mistakes, the odd project stalled),
written over all cores. Deterministic: the same N gives the same files. BENCH_TEMPLATE=2 makes the
corpus (and the generate stage) of an older template version, as agencies may still send."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from progress_xl.generate import generate_workbook
from progress_xl.register import Project, read_register
from progress_xl.simulate import fill
from progress_xl.spec import load_spec, templates_dir
from progress_xl.workers import cores, ordered_map

ROOT = Path(__file__).resolve().parent.parent
MONTH = 6
VERSION = int(os.environ["BENCH_TEMPLATE"]) if os.environ.get("BENCH_TEMPLATE") else None


def spec():
    """The template the bench writes and reads: BENCH_TEMPLATE's version, else the newest."""
    return load_spec(VERSION)


def projects(n: int) -> list[Project]:
    """n distinct projects: the sample register's, cycled, each with a code of its own."""
    sample = read_register(ROOT / "samples" / "register.csv", spec(), 2564).projects
    out = []
    for i in range(n):
        p = sample[i % len(sample)]
        out.append(Project({**p.values, "project_code": f"{p.agency_code}-{i:04d}"}, p.planned, i + 2))
    return out


def _write(job) -> str:
    project, path = job
    template = spec()
    generate_workbook(template, project, path, reports=fill(project, template, MONTH))
    return path


def folder(work: Path) -> Path:
    """Where the corpus of the bench's template version lives under `work`."""
    return work / f"corpus_v{spec().version}"


def build(n: int, folder: Path, workers: int | None = None) -> list[Path]:
    """The corpus of n filled workbooks in `folder`, kept between runs while the template file and the
    code that fills it are unchanged (a stamp of both; otherwise made again)."""
    package = ROOT / "progress_xl"
    makers = [templates_dir() / f"progress_report.v{spec().version}.toml", *(package / "sheets").glob("*.py"),
              *(package / name for name in ("generate.py", "simulate.py", "selfcheck.py", "layout.py"))]
    stamp = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(makers))).hexdigest()
    if (folder / ".stamp").is_file() and (folder / ".stamp").read_text() != stamp:
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".stamp").write_text(stamp)
    jobs = [(p, folder / f"{p.code}.xlsx") for p in projects(n)]
    todo = [j for j in jobs if not j[1].exists()]
    list(ordered_map(_write, todo, workers or cores()))
    return [path for _, path in jobs]
