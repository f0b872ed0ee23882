"""The master's projects table as CSV (`consolidate --csv FILE`): for Excel, and for whatever loads it next.

UTF-8 with a BOM, so that Excel shows Thai; one header row (`Thai / English`). Numbers stay numbers,
dates are ISO (`2020-10-22`, which Excel reads as a date), and a text cell that a spreadsheet would
take for a formula (starting with `= + - @`, a tab or a carriage return: a file name from mail may
well begin with `=`) is escaped with a leading `'` (OWASP's advice against CSV injection).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from .files import atomic_write
from .ledger import Ledger
from .master_data import MasterData, Table
from .register import Project

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """One value as CSV text: a number as a number, a text never as a formula."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_table(table: Table, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_cell(f"{th} / {en}") for th, en in table.headers)
    for row in table.rows:
        writer.writerow(csv_cell(v) for v in row)


def write_csv(table: Table, path: Path) -> Path:
    """`table` into `path`, atomically."""
    with atomic_write(Path(path)) as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
        write_table(table, text)
        text.flush()
        text.detach()             # the binary file stays open for atomic_write to sync and rename
    return Path(path)


def projects_csv(path: Path, *, ledger_path: Path, projects: list[Project], fy: int, month: int,
                 outcomes: Iterable = ()) -> Path:
    """The projects table of the month's master (as the ledger now holds the month) into `path`."""
    with Ledger(Path(ledger_path)) as ledger:
        return write_csv(MasterData(ledger, projects, fy, month, outcomes).projects_table(), path)
