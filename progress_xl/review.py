"""review: one received file -> read, validate, and the agency's returned workbook.

The unit of work of `validate` and `consolidate`; small and picklable, so it runs in worker
processes. A file ends in exactly one state: accepted, has issues, or rejected.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .files import atomic_write
from .issues import Issue, Severity, render
from .read import Rejection, Submission, read_submission
from .register import Project
from .returned import returned_name, write_returned
from .state import State
from .validate import is_accepted, validate

ACCEPTED, HAS_ISSUES, REJECTED, TRANSIENT = State.ACCEPTED, State.HAS_ISSUES, State.REJECTED, State.TRANSIENT


@dataclass
class Review:
    file: str
    sha256: str | None
    state: str
    findings: list[Issue]
    submission: Submission | None = None
    returned: Path | None = None
    counts: dict = field(default_factory=dict)
    detail: str | None = None          # the traceback of an error of ours (TRANSIENT), for the log

    @property
    def project_code(self) -> str | None:
        return self.submission.project_code if self.submission else None

    def summary(self) -> str:
        """One line for the terminal."""
        c = self.counts
        if self.state in (REJECTED, TRANSIENT):
            return str(self.findings[0])
        tail = f" → {self.returned}" if self.returned else ""
        counted = render("W029", errors=c["error"], warnings=c["warning"], explained=c["explained"])
        return f"{self.file}: {State(self.state).label} · {self.project_code} · {' / '.join(counted)}{tail}"

    def as_dict(self) -> dict:
        return {"file": self.file, "sha256": self.sha256, "state": self.state, "project_code": self.project_code,
                "template_version": self.submission.template_version if self.submission else None,
                "counts": self.counts, "returned": self.returned.name if self.returned else None,
                "findings": [f.as_dict() for f in self.findings]}


def review_file(path: Path, *, name: str | None = None, projects: dict[str, Project] | None = None,
                accepted: dict[int, dict] | Callable[[str], dict] | None = None, today: dt.date | None = None,
                returned_dir: Path | None = None, extra: Callable[[Submission], list[Issue]] | None = None,
                refuse: Callable[[Submission], list[Issue]] | None = None,
                returned_for: tuple[str, ...] = (ACCEPTED, HAS_ISSUES)) -> Review:
    """Read and validate one file; write its returned workbook into `returned_dir` when given and the
    file ends in one of the states `returned_for`.

    `accepted` is the earlier accepted months, or a function of the project code giving them;
    `extra` adds findings of the caller's own (the consolidation's month check); what `refuse` finds
    (another fiscal year, a project not in the register) makes the file rejected, read but not data."""
    path = Path(path)
    name = name or path.name
    result = read_submission(path, name=name)
    if isinstance(result, Rejection):
        return Review(name, result.sha256, TRANSIENT if result.transient else REJECTED, [result.issue],
                      counts=_counts([result.issue]), detail=result.detail)
    try:
        return _review(result, path, name, projects, accepted, today, returned_dir, extra, refuse, returned_for)
    except Exception:  # noqa: BLE001 - an error of ours after the file was read: never the sender's fault
        from .faults import current_traceback
        from .read import internal_error
        found = internal_error(name)
        return Review(name, result.sha256, TRANSIENT, [found], result, counts=_counts([found]),
                      detail=current_traceback())


def _review(result: Submission, path: Path, name: str, projects, accepted, today, returned_dir, extra, refuse,
            returned_for) -> Review:
    code = result.project_code if isinstance(result.project_code, str) else None
    project = (projects or {}).get(code) if code else None
    if callable(accepted):
        accepted = accepted(code) if code else {}
    findings = validate(result, project=project, accepted=accepted, today=today)
    refused = refuse(result) if refuse else []
    if refused:
        return Review(name, result.sha256, REJECTED, refused + findings, result, counts=_counts(refused + findings))
    if extra:
        findings = extra(result) + findings
    review = Review(name, result.sha256, ACCEPTED if is_accepted(findings) else HAS_ISSUES, findings, result,
                    counts=_counts(findings))
    if returned_dir is not None and review.state in returned_for:
        target = Path(returned_dir) / returned_name(name)
        with atomic_write(target) as fh:
            write_returned(result, findings, fh)
        review.returned = target
    return review


def _counts(findings: list[Issue]) -> dict:
    return {s.value: sum(1 for f in findings if f.severity is s) for s in Severity}
