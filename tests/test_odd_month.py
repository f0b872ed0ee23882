"""A month whose mail holds every kind of damaged, hostile, odd and good file we can make: collect
and consolidate complete with no traceback, every input ends in exactly one place on the master
(or on its Rejected sheet when collect skipped it), and the master is byte-identical whatever
Python's hash seed (nothing written depends on set or dict order)."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from test_any_cell import via_openpyxl
from test_collect_kinds import _odd_folder
from test_read import _hostile

from progress_xl.collect import PROVENANCE, SKIPPED
from progress_xl.generate import generate_workbook
from progress_xl.master import SHEETS
from progress_xl.simulate import simulate_month
from progress_xl.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
REGISTER = ROOT / "samples" / "register.csv"
HOSTILE = ["empty", "pdf", "html", "csv", "truncated", "ods", "docx", "xls", "encrypted", "macro", "strict",
           "zip-bomb", "billion-laughs", "external-entity", "not-ours", "unknown-version"]
ODD_CELLS = [
    {("project", "budget_allocated"): ("formula", "=122800+0")},
    {("project", "budget_allocated"): ("text", "หนึ่งแสนบาท")},
    {("project", "budget_allocated"): ("error", "#REF!")},
    {("project", "fiscal_year"): ("formula", "=2564")},
    {("project", "project_code"): ("text", "๐๑๐๐๐๐๐๐-๒๔๖๒")},
    {("monthly", ("plan_status", 6)): ("text", " ")},
    {("monthly", ("remark", 6)): ("text", "'=ดูเอกสารแนบ\x07 _x000D_")},
    {("monthly", ("disbursed", 6)): ("number", -122800)},
]


def cli(*args, seed: str = "0") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run([sys.executable, "-m", "progress_xl.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=600)


def _cell(spec, where) -> tuple[str, str]:
    sheet, key = where
    if sheet == "project":
        return "project", spec.field(key).cell
    return "monthly", spec.monthly_cell(*key)


@pytest.fixture(scope="module")
def mail(tmp_path_factory, spec, projects, seed_project) -> Path:
    """The month's sources: simulated agencies' replies, hostile files, odd kinds, odd cells."""
    root = tmp_path_factory.mktemp("odd-month")
    simulate_month(spec, projects[:20], 6, root / "good")
    blank_path = root / "blank.xlsx"
    generate_workbook(spec, seed_project, blank_path)
    hostile = root / "hostile"
    hostile.mkdir()
    for kind in HOSTILE:
        _hostile(kind, hostile, blank_path)
    base = blank_path.read_bytes()
    _odd_folder(root / "kinds", base, base)
    cells = root / "cells"
    cells.mkdir()
    for i, filling in enumerate(ODD_CELLS):
        data = via_openpyxl(base, spec.version, {_cell(spec, k): v for k, v in filling.items()})
        (cells / f"odd_{i}.xlsx").write_bytes(data)
    blank_path.unlink()
    return root


def test_every_input_of_an_odd_month_ends_in_exactly_one_place(tmp_path, mail):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    collected = cli("collect", *sorted(p for p in mail.iterdir()), "--into", inbox, "--workers", "1")
    assert collected.returncode == 0 and "Traceback" not in collected.stderr, collected.stderr
    run = cli("consolidate", inbox, "--register", REGISTER, "--fy", "2564", "--month", "6", "--out", out,
              "--workers", "2")
    assert run.returncode == 0 and "Traceback" not in run.stderr + run.stdout, run.stderr
    files = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*")
                   if p.is_file() and not any(part.startswith(".") for part in p.relative_to(inbox).parts))
    skipped = json.loads((inbox / SKIPPED).read_text(encoding="utf-8"))["skipped"]
    wb = openpyxl.load_workbook(out / "master_2564_06.xlsx", read_only=True)
    inputs = [r for r in wb[SHEETS["inputs"]].iter_rows(min_row=3, values_only=True) if r[0]]
    assert sorted(r[0] for r in inputs) == files                       # each inbox file once on Inputs
    places = {r[0]: r[2] for r in inputs}
    assert not [name for name, place in places.items() if "not processed" in str(place)], places
    rejected = [r for r in wb[SHEETS["rejected"]].iter_rows(min_row=3, values_only=True) if r[0]]
    listed = [str(r[0]) for r in rejected]
    for item in skipped:                                              # collect's skips on the Rejected sheet
        assert sum(1 for name in listed if name == item["file"]) == 1, item["file"]
    refused = [name for name, place in places.items() if "rejected" in str(place)]
    assert sorted(refused) == sorted(n for n in listed if n in places)  # each refused file with its reason
    assert len(files) >= 40 and len(refused) >= 20


def test_the_master_does_not_depend_on_the_hash_seed(tmp_path, mail):
    inbox = tmp_path / "inbox"
    assert cli("collect", *sorted(p for p in mail.iterdir()), "--into", inbox, "--workers", "1").returncode == 0
    masters = []
    for seed in ("1", "2", "3"):
        out = tmp_path / f"out{seed}"
        run = cli("consolidate", inbox, "--register", REGISTER, "--fy", "2564", "--month", "6", "--out", out,
                  "--workers", "1", seed=seed)
        assert run.returncode == 0, run.stderr
        masters.append((out / "master_2564_06.xlsx").read_bytes())
    assert masters[0] == masters[1] == masters[2]
