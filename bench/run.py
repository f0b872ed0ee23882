"""make bench: speed and memory of every stage, against what a user would pick instead.

Each measurement runs in a fresh process (so its peak RSS is its own); stages are timed RUNS times
(median, min, max). Peers extract the same cells from the same files, and their values are checked
against ours, so that no one wins by reading less. Writes the table to bench/results.md.

    BENCH_N="1000 5000 10000"  cycle sizes (above 5,000: all cores only)   BENCH_SAMPLE=300  files per stage run
    BENCH_RUNS=3         runs per stage                        BENCH_MASTER=10000 projects in the master
    BENCH_TEMPLATE=2     the template version of the corpus (default: the newest, what generate writes)
"""
from __future__ import annotations

import datetime as dt
import io
import os
import resource
import shutil
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402
from progress_xl.workers import cores  # noqa: E402

WORK = ROOT / "out" / "bench"
RUNS = int(os.environ.get("BENCH_RUNS", 3))
SAMPLE = int(os.environ.get("BENCH_SAMPLE", 300))
SIZES = [int(x) for x in os.environ.get("BENCH_N", "1000 5000 10000").split()]
ONE_PROCESS_UP_TO = 5000          # larger cycles run on all cores only (the bench stays under 10 minutes)
MASTER_PROJECTS = int(os.environ.get("BENCH_MASTER", 10000))
GENERATE = 100
TODAY = dt.date(2021, 3, 31)
CORES = cores()


# -- the cells everyone must read ----------------------------------------------------------------
def cells_wanted(spec) -> list[tuple[str, str]]:
    wanted = [(spec.sheets["project"], spec.field("project_code").cell)]
    for f in spec.monthly_fields:
        if f.is_input:
            wanted += [(spec.sheets["monthly"], spec.monthly_cell(f.key, k)) for k in range(1, spec.monthly.rows + 1)]
    return wanted


def norm(v):
    if v is None or (isinstance(v, float) and v != v) or v == "":
        return None
    if hasattr(v, "to_pydatetime"):
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return round(float(v), 6)
    return str(v)


def rc(ref: str) -> tuple[int, int]:
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string
    col, row = coordinate_from_string(ref)
    return row, column_index_from_string(col)


def from_grid(grids: dict, wanted) -> list:
    out = []
    for sheet, ref in wanted:
        r, c = rc(ref)
        rows = grids.get(sheet, [])
        out.append(norm(rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else None))
    return out


# -- read + validate: ours and the peers ---------------------------------------------------------
def ours(path, ctx):
    from progress_xl.read import read_submission
    from progress_xl.validate import validate
    spec, register, wanted = ctx
    sub = read_submission(path)
    validate(sub, project=register.get(sub.project_code), accepted={}, today=TODAY)
    by_cell = {(v.sheet, v.cell): v.raw for row in [sub.project, *sub.reports.values()] for v in row.values()}
    return [norm(by_cell.get(w)) for w in wanted]


def pandas_peer(path, ctx):
    import pandas as pd
    spec, _, wanted = ctx
    frames = pd.read_excel(path, sheet_name=[spec.sheets["project"], spec.sheets["monthly"]], header=None,
                           engine="openpyxl")
    return from_grid({k: f.values.tolist() for k, f in frames.items()}, wanted)


def openpyxl_default(path, ctx):
    import openpyxl
    wb = openpyxl.load_workbook(path, data_only=True)
    grids = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    return from_grid(grids, ctx[2])


def openpyxl_read_only(path, ctx):
    """The bare pass: read-only mode, just the rows and columns that hold the cells."""
    import openpyxl
    wanted = ctx[2]
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    grids = {}
    for sheet in {s for s, _ in wanted}:
        refs = [rc(ref) for s, ref in wanted if s == sheet]
        max_r, max_c = max(r for r, _ in refs), max(c for _, c in refs)
        grids[sheet] = [list(r) for r in wb[sheet].iter_rows(min_row=1, max_row=max_r, max_col=max_c, values_only=True)]
    wb.close()
    return from_grid(grids, wanted)


def calamine_peer(path, ctx):
    from python_calamine import CalamineWorkbook
    wanted = ctx[2]
    wb = CalamineWorkbook.from_path(str(path))
    grids = {s: wb.get_sheet_by_name(s).to_python(skip_empty_area=False) for s in {s for s, _ in wanted}}
    return from_grid(grids, wanted)


_CTX = None


def _context(n):
    spec = corpus.spec()
    return spec, {p.code: p for p in corpus.projects(n)}, cells_wanted(spec)


def _start_reader():
    global _CTX
    _CTX = _context(max(SIZES))


def _ours_in_worker(path):
    return ours(path, _CTX)


def stage_read(kind: str, paths: list[Path]) -> dict:
    ctx = _context(max(SIZES))
    fn = {"ours": ours, "pandas": pandas_peer, "openpyxl default": openpyxl_default,
          "openpyxl read-only": openpyxl_read_only, "calamine": calamine_peer}.get(kind)
    times, values, startup = [], None, None
    pool = None
    if kind == "ours all cores":          # steady state: the pool's start is timed apart (once a month, not per file)
        started = time.perf_counter()
        pool = ProcessPoolExecutor(CORES, mp_context=get_context("forkserver"), initializer=_start_reader)
        list(pool.map(_ours_in_worker, paths[:2], chunksize=1))
        startup = time.perf_counter() - started
    for _ in range(RUNS):
        started = time.perf_counter()
        if pool:
            values = list(pool.map(_ours_in_worker, paths, chunksize=max(1, len(paths) // 16)))
        else:
            values = [fn(p, ctx) for p in paths]
        times.append(time.perf_counter() - started)
    if pool:
        pool.shutdown()
    return {"times": times, "values": values, "startup": startup}


# -- generate ------------------------------------------------------------------------------------
def openpyxl_plan(data: bytes):
    """What an openpyxl writer has to produce to make our workbook: every cell with its value and
    style, merges, validations, conditional formats, sizes, protection, comments, names, properties,
    as openpyxl objects made in advance (as a good writer defines its styles once). Not timed."""
    import copy

    import openpyxl
    src = openpyxl.load_workbook(io.BytesIO(data))
    sheets = []
    for ws in src.worksheets:
        cells = [c for row in ws.iter_rows() for c in row if c.value is not None or c.has_style]
        sheets.append({
            "title": ws.title, "state": ws.sheet_state, "protected": ws.protection.sheet, "freeze": ws.freeze_panes,
            "cells": [(c.row, c.column, c.value, copy.copy(c.font), copy.copy(c.fill), copy.copy(c.border),
                       copy.copy(c.alignment), copy.copy(c.protection), c.number_format)
                      for c in cells if not isinstance(c, openpyxl.cell.cell.MergedCell)],
            "comments": [(c.row, c.column, c.comment.text, c.comment.author) for c in cells if c.comment],
            "merged": [str(r) for r in ws.merged_cells.ranges],
            "validations": [copy.copy(dv) for dv in ws.data_validations.dataValidation],
            "conditional": [(str(cf.sqref), [copy.copy(r) for r in rules])
                            for cf, rules in ws.conditional_formatting._cf_rules.items()],
            "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height}})
    names = [(n, d.attr_text) for n, d in src.defined_names.items()]
    props = [copy.copy(p) for p in src.custom_doc_props.props]
    return sheets, names, props


def openpyxl_write(plan) -> bytes:
    """The openpyxl writer: build the workbook of the plan and save it."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.workbook.defined_name import DefinedName
    sheets, names, props = plan
    wb = Workbook()
    wb.remove(wb.active)
    for s in sheets:
        ws = wb.create_sheet(s["title"])
        ws.sheet_state = s["state"]
        for r, c, value, font, fill, border, alignment, protection, fmt in s["cells"]:
            cell = ws.cell(row=r, column=c, value=value)
            cell.font, cell.fill, cell.border, cell.alignment = font, fill, border, alignment
            cell.protection, cell.number_format = protection, fmt
        for r, c, text, author in s["comments"]:
            ws.cell(row=r, column=c).comment = Comment(text, author)
        for rng in s["merged"]:
            ws.merge_cells(rng)
        for dv in s["validations"]:
            ws.add_data_validation(dv)
        for sqref, rules in s["conditional"]:
            for rule in rules:
                ws.conditional_formatting.add(sqref, rule)
        for k, width in s["widths"].items():
            ws.column_dimensions[k].width = width
        for k, height in s["heights"].items():
            ws.row_dimensions[k].height = height
        ws.protection.sheet, ws.freeze_panes = s["protected"], s["freeze"]
    for name, text in names:
        wb.defined_names[name] = DefinedName(name, attr_text=text)
    for prop in props:
        wb.custom_doc_props.append(prop)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet_values(data: bytes) -> dict:
    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def stage_generate(kind: str, n: int) -> dict:
    from progress_xl.generate import generate_workbook
    from progress_xl.simulate import fill
    spec = corpus.spec()
    projects = corpus.projects(n)
    filled = [fill(p, spec, corpus.MONTH) for p in projects]
    plans, same = [], None
    if kind == "openpyxl writer":                 # what each workbook holds, as openpyxl objects (not timed)
        for p, reports in zip(projects, filled):
            buf = io.BytesIO()
            generate_workbook(spec, p, buf, reports=reports)
            plans.append(openpyxl_plan(buf.getvalue()))
            if same is None:                      # the peer's workbook holds what ours holds
                same = sheet_values(openpyxl_write(plans[0])) == sheet_values(buf.getvalue())
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        if plans:
            for plan in plans:
                openpyxl_write(plan)
        else:
            for p, reports in zip(projects, filled):
                generate_workbook(spec, p, io.BytesIO(), reports=reports)
        times.append(time.perf_counter() - started)
    return {"times": times, "same": same}


# -- the master for many projects ------------------------------------------------------------------
def build_master_ledger(n: int, path: Path) -> None:
    """A ledger holding n projects' month-6 submissions, as consolidate would have recorded them."""
    from progress_xl.ledger import Ledger
    from progress_xl.simulate import ledger_rows, received_at
    spec = corpus.spec()
    path.unlink(missing_ok=True)
    with Ledger(path) as ledger, ledger.transaction():
        for i, p in enumerate(corpus.projects(n)):
            rows = ledger_rows(p, spec, corpus.MONTH)
            ledger.record(sha256=f"{i:064x}", name=f"{p.code}.xlsx", project_code=p.code, fy=2564, month=corpus.MONTH,
                          template_version=spec.version, state="accepted", sender=p["responsible_email"],
                          received_at=received_at(p, corpus.MONTH, 2564), values=rows)
            ledger.record_receipt(f"{i:064x}", f"{p.code}.xlsx", 2564, corpus.MONTH)


def stage_master(kind: str, n: int, ledger_path: Path) -> dict:
    from progress_xl.consolidate import Outcome
    from progress_xl.ledger import Ledger
    from progress_xl.master import write_master
    projects = corpus.projects(n)
    target = WORK / f"master_{n}.xlsx"
    outcomes = [Outcome(f"{p.code}.xlsx", f"{i:064x}", "accepted", p.code) for i, p in enumerate(projects)]
    grids = None
    if kind == "bare xlsxwriter":                 # the cells of our master, written plainly (reading not timed)
        import openpyxl
        wb = openpyxl.load_workbook(target, read_only=True)
        grids = [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]
        wb.close()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        if grids is not None:
            import xlsxwriter
            wb = xlsxwriter.Workbook(str(WORK / f"bare_{n}.xlsx"))
            for title, rows in grids:
                ws = wb.add_worksheet(title)
                for r, row in enumerate(rows):
                    ws.write_row(r, 0, row)
            wb.close()
        else:
            with Ledger(ledger_path) as ledger:
                write_master(target, ledger=ledger, projects=projects, fy=2564, month=corpus.MONTH, outcomes=outcomes)
        times.append(time.perf_counter() - started)
    return {"times": times, "size": target.stat().st_size}


# -- the whole monthly cycle -------------------------------------------------------------------------
def stage_cycle(n: int, workers: int, sources: list[Path]) -> dict:
    from progress_xl.collect import collect
    from progress_xl.consolidate import consolidate
    folder = WORK / f"cycle_{n}_{workers}"
    shutil.rmtree(folder, ignore_errors=True)
    projects = corpus.projects(n)
    started = time.perf_counter()
    collect(sources, folder / "inbox", workers=workers)
    collected = time.perf_counter() - started
    run = consolidate(folder / "inbox", projects=projects, fy=2564, month=corpus.MONTH, out_dir=folder / "out",
                      workers=workers)
    total = time.perf_counter() - started
    import hashlib
    return {"times": [total], "collect": collected, "master_sha": hashlib.sha256(run.master.read_bytes()).hexdigest(),
            "headline": {k: run.headline[k] for k in ("inputs", "accepted", "has_issues", "missing")}}


# -- running each measurement in a fresh process ---------------------------------------------------
def _child(fn, args):
    result = fn(*args)
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result["rss"] = max(self_peak, kids_peak)
    return result


def isolated(fn, *args) -> dict:
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_child, fn, args).result()


def rate(n: int, times: list[float]) -> tuple[float, float, float]:
    rates = sorted(n / t for t in times)
    return statistics.median(rates), rates[0], rates[-1]


def main() -> None:
    began = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    rows, notes = [], []

    def add(stage, n, result, peer_of=None, unit="workbooks/s"):
        med, lo, hi = rate(n, result["times"])
        rows.append([stage, n, med, lo, hi, result.get("rss"), peer_of, unit])
        print(f"  {stage}: {med:.1f} {unit} ({lo:.1f}-{hi:.1f}), peak RSS {result.get('rss', 0):.0f} MiB", flush=True)
        return med

    biggest = max(SIZES)
    print(f"corpus: {biggest} filled workbooks of template v{corpus.spec().version} (month {corpus.MONTH}) in "
          f"{corpus.folder(WORK)}", flush=True)
    started = time.perf_counter()
    paths = corpus.build(biggest, corpus.folder(WORK))
    notes.append(f"corpus of {biggest} built in {time.perf_counter() - started:.0f} s on {CORES} cores "
                 f"(kept in {corpus.folder(WORK).relative_to(ROOT)} for the next run)")
    sample = paths[:: max(1, len(paths) // SAMPLE)][:SAMPLE]

    print(f"read + validate, {len(sample)} workbooks, {RUNS} runs", flush=True)
    base = isolated(stage_read, "ours", sample)
    ours_rate = add("read + validate: progress_xl, 1 process", len(sample), base)
    for kind, label in (("pandas", "pandas.read_excel(engine=openpyxl), same cells"),
                        ("openpyxl default", "openpyxl load_workbook() default, walking the sheets"),
                        ("openpyxl read-only", "openpyxl read-only, bare pass over the same cells"),
                        ("calamine", "python-calamine, same cells")):
        result = isolated(stage_read, kind, sample)
        bad = sum(a != b for a, b in zip(base["values"], result["values"]))
        if bad:
            notes.append(f"{label}: {bad} of {len(sample)} workbooks gave other values than ours")
        add(label, len(sample), result, peer_of=ours_rate)
    two = isolated(stage_read, "ours all cores", sample)
    assert two["values"] == base["values"], "2 cores read other values"
    med = add(f"read + validate: progress_xl, {CORES} processes", len(sample), two)
    rows[-1][6] = ("cores", med / ours_rate)
    notes.append(f"read on {CORES} processes: steady-state rate; starting the pool (processes, imports, the "
                 f"register) took {two['startup']:.2f} s once, apart from the runs")

    print(f"generate, {GENERATE} workbooks", flush=True)
    gen = add("generate: progress_xl (xlsxwriter)", GENERATE, isolated(stage_generate, "ours", GENERATE))
    peer = isolated(stage_generate, "openpyxl writer", GENERATE)
    add("openpyxl writer building the same workbooks", GENERATE, peer, peer_of=gen)
    notes.append("generate: the openpyxl writer's workbook holds " + ("the same values as ours on every sheet"
                 if peer["same"] else "OTHER VALUES than ours") + "; it sets every cell's value and style, merges, "
                 "validations, conditional formats, sizes, protection, comments, names and properties from "
                 "objects made in advance (not timed), then saves")

    print(f"master for {MASTER_PROJECTS} projects", flush=True)
    ledger_path = WORK / f"ledger_{MASTER_PROJECTS}.sqlite"
    started = time.perf_counter()
    build_master_ledger(MASTER_PROJECTS, ledger_path)
    notes.append(f"ledger of {MASTER_PROJECTS} projects for the master built in {time.perf_counter() - started:.0f} s")
    result = isolated(stage_master, "ours", MASTER_PROJECTS, ledger_path)
    ours_master = add(f"master: progress_xl, {MASTER_PROJECTS} projects", MASTER_PROJECTS, result, unit="projects/s")
    notes.append(f"master for {MASTER_PROJECTS} projects: {result['size'] / 1e6:.1f} MB")
    add("bare xlsxwriter, the same cells", MASTER_PROJECTS, isolated(stage_master, "bare xlsxwriter",
                                                                     MASTER_PROJECTS, ledger_path),
        peer_of=ours_master, unit="projects/s")

    shas, scaling = {}, []
    for n in SIZES:
        for workers in sorted({1, CORES} if n <= ONE_PROCESS_UP_TO else {CORES}):
            print(f"whole cycle, {n} workbooks, {workers} process(es)", flush=True)
            result = isolated(stage_cycle, n, workers, paths[:n])
            add(f"whole cycle {n}: collect + consolidate, {workers} process(es)", n, result)
            rows[-1].append(f"{result['times'][0]:.0f} s (collect {result['collect']:.0f} s)")
            shas.setdefault(n, set()).add(result["master_sha"])
            if workers == CORES:
                scaling.append(f"{n}: {n / result['times'][0]:.1f}/s")
            notes.append(f"cycle {n}, {workers} process(es): {result['times'][0]:.1f} s, of which collect "
                         f"{result['collect']:.1f} s; {result['headline']}")
    for n, found in shas.items():
        if n <= ONE_PROCESS_UP_TO:
            notes.append(f"cycle {n}: the master is {'byte-identical' if len(found) == 1 else 'DIFFERENT'} "
                         f"whatever the number of processes")
    notes.append(f"scaling of the whole cycle on {CORES} cores (workbooks/s, flat = linear): " + ", ".join(scaling))

    lines = [f"# make bench — {dt.date.today().isoformat()}, {CORES} cores, Python {sys.version.split()[0]}",
             "", f"Median of {RUNS} runs (min-max) for each stage; the whole cycle runs once per size. "
             f"Ratio: ours / peer throughput (>1: we are faster); for {CORES} processes: {CORES} / 1.", "",
             "| stage | n | median | min | max | unit | peak RSS MiB | ratio | wall |",
             "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |"]
    for stage, n, med, lo, hi, rss, peer_of, unit, *wall in rows:
        if isinstance(peer_of, tuple):
            ratio = f"{peer_of[1]:.2f}× vs 1"
        else:
            ratio = f"{peer_of / med:.2f}" if peer_of else ""
        lines.append(f"| {stage} | {n} | {med:.1f} | {lo:.1f} | {hi:.1f} | {unit} | {rss or 0:.0f} | {ratio} | "
                     f"{wall[0] if wall else ''} |")
    lines += ["", *[f"- {n}" for n in notes], f"- bench wall time {time.perf_counter() - began:.0f} s"]
    table = "\n".join(lines)
    print("\n" + table)
    (ROOT / "bench" / "results.md").write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
