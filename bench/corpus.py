"""The benchmark corpus: N projects made from the sample register, filled for month 6 the way the
demo's simulated agencies fill them (typing variants, real mistakes, the odd project stalled),
written over all cores. Deterministic: the same N gives the same files."""
from __future__ import annotations

from pathlib import Path

from progress_xl.generate import generate_workbook
from progress_xl.register import Project, read_register
from progress_xl.simulate import fill
from progress_xl.spec import load_spec
from progress_xl.workers import cores, ordered_map

ROOT = Path(__file__).resolve().parent.parent
MONTH = 6


def projects(n: int) -> list[Project]:
    """n distinct projects: the sample register's, cycled, each with a code of its own."""
    sample = read_register(ROOT / "samples" / "register.csv", load_spec(), 2564).projects
    out = []
    for i in range(n):
        p = sample[i % len(sample)]
        out.append(Project({**p.values, "project_code": f"{p.agency_code}-{i:04d}"}, p.planned, i + 2))
    return out


def _write(job) -> str:
    project, path = job
    spec = load_spec()
    generate_workbook(spec, project, path, reports=fill(project, spec, MONTH))
    return path


def build(n: int, folder: Path, workers: int | None = None) -> list[Path]:
    """The corpus of n filled workbooks in `folder` (kept between runs when already complete)."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(p, folder / f"{p.code}.xlsx") for p in projects(n)]
    todo = [j for j in jobs if not j[1].exists()]
    list(ordered_map(_write, todo, workers or cores()))
    return [path for _, path in jobs]
