"""collect: workbooks out of mail exports, archives and folders -> one month's inbox + provenance.

Sources: loose files, folders, `.zip` bundles (nested, to a limited depth), `.eml` messages, mbox
files, Maildir folders and Outlook `.msg` files. What a thing is comes from its bytes, never from its
name or its declared content type. Every spreadsheet found is saved into the inbox (the reader
decides later whether it is usable, and a rejected one is listed with its reason); everything else
is skipped with its reason: every input ends up in one of the two. A name from a mail or an archive
is never used as a path. The same bytes arriving twice are saved once. `.provenance.json` beside
the files says who sent each one, when, in which message; `.collect.json` lists what was skipped.

What the walk finds is written to INBOX/.collecting as it is found, a block at a time (a 50 MiB
message is not held whole, nor its attachment beside it); one run at a time fills an inbox
(INBOX/.collect.lock).
"""
from __future__ import annotations

import email.header
import hashlib
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import olefile

from .collect_kinds import SPREADSHEET_SUFFIXES, kind_of, kind_of_file
from .collect_mail import Envelope, unmangle as _unmangle
from .collect_state import PROVENANCE, SKIPPED, load_provenance, load_skipped, load_state
from .collect_walk import MAX_DEPTH, _Walk, _WriteFailed, env_label
from .files import exclusive, write_json
from .issues import Issue, ProgressXLError, issue, render
from .read import project_code_of
from .safety import is_bare_biff
from .workers import ordered_map

__all__ = ["MAX_DEPTH", "PROVENANCE", "SKIPPED", "SPOOL", "Collected", "Envelope", "collect", "env_label",
           "inbox_lock", "kind_of", "kind_of_file", "load_provenance", "load_skipped", "load_state", "safe_name"]

SPOOL = ".collecting"                 # what the walk found, until it is named and moved in
LOCK = ".collect.lock"                # held by the one collect filling the inbox
MAX_NAME_BYTES = 180              # leaves room for " (2)" and the temp-file prefix under 255 bytes
RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\.|$)", re.I)


def inbox_lock(inbox: Path) -> Path:
    """The lock a collect holds on INBOX for its whole run (`files.exclusive`); `consolidate`
    waits for it before reading the inbox."""
    return Path(inbox) / LOCK


@dataclass
class Collected:
    saved: list[dict] = field(default_factory=list)        # one dict per file written to the inbox
    duplicates: list[Issue] = field(default_factory=list)  # the same bytes seen again
    skipped: list[Issue] = field(default_factory=list)     # not a spreadsheet, unreadable source, ...
    notices: list[Issue] = field(default_factory=list)     # about the inbox itself (a damaged state file)

    def summary(self) -> tuple[str, str]:
        """What came in, Thai and English (W035)."""
        return render("W035", new=len(self.saved), duplicates=len(self.duplicates), skipped=len(self.skipped))


# -- names -------------------------------------------------------------------------------------
def safe_name(raw: str, default: str = "attachment") -> str:
    """A plain file name from whatever a sender wrote: no folders, drive letters, control characters,
    Windows-reserved names or characters, at most MAX_NAME_BYTES of UTF-8, suffix kept."""
    name = unicodedata.normalize("NFC", _unmangle(str(raw or "")))
    if "=?" in name:                                   # RFC 2047 words inside a quoted parameter
        try:
            name = str(email.header.make_header(email.header.decode_header(name)))
        except (ValueError, LookupError, UnicodeDecodeError):
            pass
    name = re.split(r"[/\\]", name)[-1]
    name = re.sub(r"^[A-Za-z]:", "", name)
    name = re.sub(r'[\x00-\x1f\x7f<>:"|?*]', "_", name)
    name = re.sub(r"\s+", " ", name).strip(" ")
    stem, dot, suffix = name.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,8}", suffix):
        stem, suffix = name, ""
    suffix = f".{suffix}" if suffix else ""
    stem = stem.strip(" .")
    if RESERVED.match(stem):
        stem = "_" + stem
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    stem = stem.rstrip(" .")
    return (stem + suffix) if stem else default + suffix


def _unique(name: str, taken: set[str]) -> str:
    stem, suffix = (name.rsplit(".", 1)[0], "." + name.rsplit(".", 1)[1]) if "." in name else (name, "")
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem} ({n}){suffix}"
    taken.add(candidate.lower())
    return candidate


# -- the inbox -----------------------------------------------------------------------------------
def _saved_name(name: str, code: str | None, head: bytes) -> str:
    """The name in the inbox: the sender's, sanitised, led by the project code found inside, with the
    suffix the bytes call for (an .xlsx sent as `report.pdf` is saved as `.xlsx`)."""
    name = safe_name(name)
    stem, suffix = (name.rsplit(".", 1)[0], "." + name.rsplit(".", 1)[1].lower()) if "." in name else (name, "")
    if suffix not in SPREADSHEET_SUFFIXES:
        stem = name
        suffix = ".xlsx" if head.startswith(b"PK") else ".xls" if head.startswith(olefile.MAGIC) or \
            is_bare_biff(head) else ".csv"
    if code and not stem.startswith(code):
        stem = f"{code}_{stem}"
    return safe_name(stem + suffix)


def collect(sources, inbox: Path, workers: int = 1) -> Collected:
    """Every spreadsheet in `sources` into `inbox`, once, named by the project code inside it
    (looked up in `workers` processes). One collect at a time per inbox (C018 for a second one).

    Raises OSError when the inbox cannot be written (disk full): what was moved in by then has its
    provenance, and a rerun completes."""
    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    busy = lambda: ProgressXLError([issue("C018", file=str(inbox))])  # noqa: E731
    with exclusive(inbox_lock(inbox), busy):
        try:
            return _collect(list(sources), inbox, workers)
        except _WriteFailed as exc:
            raise exc.error from None


class _Inbox:
    """What the inbox already holds: its provenance (checked), and the hashes of its files."""

    def __init__(self, inbox: Path):
        self.path = inbox
        self.provenance, self.notices = load_provenance(inbox)
        self.skipped_before, notices = load_skipped(inbox)
        self.notices += notices
        self.known = {meta["sha256"]: name for name, meta in self.provenance.items() if meta.get("sha256")}
        present = [p for p in inbox.iterdir() if not p.name.startswith(".") and p.is_file()]
        self.taken = {p.name.lower() for p in present}
        self.on_disk = {}              # saved by a run that stopped before its provenance was written
        for p in present:
            if "sha256" not in self.provenance.get(p.name, {}):
                with p.open("rb") as fh:
                    self.on_disk[hashlib.file_digest(fh, "sha256").hexdigest()] = p.name
        self.changed = not (inbox / PROVENANCE).exists()

    def recorded(self, sha: str) -> str | None:
        """The file these bytes were saved as, when its provenance is whole (a rebuilt entry, name and
        sha256 only, is filled in when its file is met again)."""
        name = self.known.get(sha)
        return name if name is not None and self.provenance.get(name, {}).get("origin") else None

    def record(self, name: str, entry: dict) -> None:
        self.provenance[name] = entry
        self.known[entry["sha256"]] = name
        self.changed = True

    def save_provenance(self) -> None:
        if self.changed:
            write_json(self.path / PROVENANCE, self.provenance)
            self.changed = False

    def save_skipped(self, skipped: list[Issue]) -> None:
        merged = {(i.get("code"), i.get("file")): i for i in self.skipped_before}
        merged.update({(i.code, i.file): i.as_dict() for i in skipped})    # a second run lists nothing twice
        write_json(self.path / SKIPPED, {"skipped": list(merged.values())})


def _collect(sources: list, inbox: Path, workers: int) -> Collected:
    state = _Inbox(inbox)
    result = Collected(notices=state.notices)
    spool = inbox / SPOOL
    shutil.rmtree(spool, ignore_errors=True)     # left by a run that was killed or stopped during its walk
    spool.mkdir()
    try:
        walk = _Walk(spool)
        for source in sources:
            walk.source(Path(source))
        result.skipped = walk.skipped
        _move_in(walk, state, result, workers)
    finally:
        shutil.rmtree(spool, ignore_errors=True)
        state.save_provenance()             # every file moved in has its entry, whatever stopped the run
    state.save_skipped(result.skipped)
    return result


def _move_in(walk: _Walk, state: _Inbox, result: Collected, workers: int) -> None:
    new = [sha for sha, (_, head) in walk.spooled.items()
           if sha not in state.known and sha not in state.on_disk and head.startswith(b"PK")]
    # the codes arrive in the order of `new`, the order in which the loop meets each new file
    # first, so that files are moved in while the workers are still looking
    codes = ordered_map(project_code_of, [walk.spooled[sha][0] for sha in new], workers)
    looked_up = set(new)
    for sha, name, env in walk.items:
        recorded = state.recorded(sha)
        if recorded is not None:
            result.duplicates.append(issue("C006", file=env_label(env), name=recorded))
            continue
        target = state.known.get(sha) or state.on_disk.get(sha)
        code = state.provenance.get(target, {}).get("project_code") if target else None
        if target is None:
            code = next(codes) if sha in looked_up else None
            spooled, head = walk.spooled[sha]
            target = _unique(_saved_name(name, code, head), state.taken)
            os.replace(spooled, state.path / target)
        entry = {"sha256": sha, "project_code": code, "original_name": name, "origin": env.origin,
                 "sender": env.sender, "received_at": env.received_at, "message_id": env.message_id,
                 "subject": env.subject}
        state.record(target, entry)
        result.saved.append({"name": target, **entry})
