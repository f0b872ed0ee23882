"""make bench: speed of each stage that exists, against what a user would pick instead.

Builds a corpus of filled workbooks (the sample register, filled by the generator), then times,
median of 3 runs with min and max: generate; read (ours) vs openpyxl load_workbook() in its default
mode and pandas.read_excel(engine="openpyxl") extracting the same cells. Every peer's values are
checked against ours so that no one wins by reading less. Writes bench/results.md.
Issue 9 extends this (validate, master, whole cycle, 1,000/5,000 corpora, all cores).
"""
from __future__ import annotations

import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from progress_xl.generate import generate_workbook  # noqa: E402
from progress_xl.read import read_submission  # noqa: E402
from progress_xl.register import read_register  # noqa: E402
from progress_xl.spec import load_spec  # noqa: E402

RUNS = 3


def filled(k: int) -> dict:
    return {j: {"report_date": dt.date(2020 + (j < 4 and 0 or 1), (j + 8) % 12 + 1, 22), "narrative": f"งานเดือน {j}",
                "progress": 5 * j, "disbursed": Decimal(1000 * j), "plan_status": "เป็นไปตามแผน",
                "target_status": "เป็นไปตามเป้าหมาย"} for j in range(1, k + 1)}


def timed(fn, items):
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        out = [fn(x) for x in items]
        times.append(time.perf_counter() - started)
    return out, times


def ours(path):
    sub = read_submission(path)
    return [sub.reports[k]["progress"].value for k in range(1, 13)]


def openpyxl_default(spec, path):
    import openpyxl
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[spec.sheets["monthly"]]
    return [ws[spec.monthly_cell("progress", k)].value for k in range(1, 13)]


def pandas_cells(spec, path):
    import pandas as pd
    frame = pd.read_excel(path, sheet_name=spec.sheets["monthly"], header=None, engine="openpyxl")
    col = ord(spec.field("progress").column) - ord("A")
    return [frame.iat[spec.monthly.row_of(k) - 1, col] for k in range(1, 13)]


def same(a, b) -> bool:
    norm = lambda xs: [None if x is None or x != x else float(x) for x in xs]
    return norm(a) == norm(b)


def main() -> None:
    spec = load_spec()
    projects = read_register(ROOT / "samples" / "register.csv", spec, 2564).projects
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"{i}.xlsx" for i in range(len(projects))]
        jobs = list(zip(projects, paths))
        _, gen_times = timed(lambda j: generate_workbook(spec, j[0], j[1], reports=filled(6)), jobs)
        rows.append(("generate (xlsxwriter)", len(jobs), gen_times, None))
        base, our_times = timed(ours, paths)
        rows.append(("read (progress_xl)", len(paths), our_times, None))
        for name, fn in (("openpyxl load_workbook default", lambda p: openpyxl_default(spec, p)),
                         ("pandas.read_excel openpyxl", lambda p: pandas_cells(spec, p))):
            try:
                values, times = timed(fn, paths)
            except ImportError as exc:
                print(f"skip {name}: {exc}")
                continue
            assert all(same(a, b) for a, b in zip(base, values)), f"{name} read different values"
            rows.append((name, len(paths), times, statistics.median(our_times) / statistics.median(times)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = ["| stage | files | files/s median (min-max) | ours vs peer (×, >1 = we are faster) |",
             "| --- | --- | --- | --- |"]
    for name, n, times, ratio in rows:
        rate = [n / t for t in times]
        lines.append(f"| {name} | {n} | {statistics.median(rate):.1f} ({min(rate):.1f}-{max(rate):.1f}) | "
                     f"{'' if ratio is None else f'{1 / ratio:.2f}'} |")
    lines.append(f"\npeak RSS of the bench process: {peak:.0f} MiB; {RUNS} runs each; one process.")
    table = "\n".join(lines)
    print(table)
    (ROOT / "bench" / "results.md").write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
