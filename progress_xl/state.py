"""Where a received file (or a project, in a month) ends: the one list of run states and their labels.

A `State` is a `str` (StrEnum): the ledger stores it and JSON writes it as its value, and it
compares equal to the plain strings of ledgers written before the enum existed.
"""
from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    ACCEPTED = "accepted"            # read, no error
    HAS_ISSUES = "has_issues"        # read, at least one error: returned to the agency
    SUPERSEDED = "superseded"        # a newer file for the same project and month arrived
    REJECTED = "rejected"            # not a workbook of ours, or not this month's data
    DUPLICATE = "duplicate"          # the same bytes as a file already received
    MISSING = "missing"              # a project of the register that sent nothing (the master's rows only)
    TRANSIENT = "transient"          # not processed this time (a time-out, an error of ours): read again

    @property
    def label(self) -> str:
        """Thai / English, as the terminal, the master and the returned workbook's readers see it."""
        th, en = LABELS[self]
        return f"{th} / {en}"


LABELS: dict[State, tuple[str, str]] = {
    State.ACCEPTED: ("รับแล้ว", "accepted"),
    State.HAS_ISSUES: ("มีปัญหา", "has issues"),
    State.SUPERSEDED: ("ถูกแทนที่", "superseded"),
    State.REJECTED: ("ไม่รับ", "rejected"),
    State.DUPLICATE: ("ไฟล์ซ้ำ", "duplicate"),
    State.MISSING: ("ไม่ส่ง", "missing"),
    State.TRANSIENT: ("ยังไม่ได้ประมวลผล", "not processed"),
}
