"""The inbox's state files, checked: `.provenance.json` (who sent each file, when) and
`.collect.json` (what collect skipped). A damaged one is never silently replaced: it is kept aside
as `NAME.damaged-YYYYMMDDTHHMMSS`, reported in one line (C019) and rebuilt from what can be read,
with every file of the inbox known at least by its name and sha256.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from pathlib import Path

from .files import write_json
from .issues import Issue, issue

PROVENANCE = ".provenance.json"    # name -> sender, received_at, message_id, ...; consolidate reads it
SKIPPED = ".collect.json"
TEXT_FIELDS = ("sha256", "project_code", "original_name", "origin", "sender", "received_at",
               "message_id", "subject")
SHA256 = re.compile(r"[0-9a-f]{64}")


def load_provenance(inbox: Path) -> tuple[dict[str, dict], list[Issue]]:
    """INBOX/.provenance.json as {file name: entry}, and the one C019 line when it was damaged (it
    is then kept aside and rewritten). Call it holding `collect.inbox_lock(inbox)`: it may write."""
    inbox = Path(inbox)
    return load_state(inbox / PROVENANCE, _provenance_entries, lambda kept: _bare_entries(inbox, kept))


def load_skipped(inbox: Path) -> tuple[list[dict], list[Issue]]:
    """INBOX/.collect.json's skipped list (each an issue as a dict with at least `code` and `file`)
    and the one C019 line when it was damaged (then kept aside and rewritten)."""
    found, problems = load_state(Path(inbox) / SKIPPED, _skipped_entries, None)
    return found.get("skipped", []), problems


def load_state(path: Path, salvage, rebuild) -> tuple[dict, list[Issue]]:
    """A state file checked by `salvage(data) -> (kept, bad)`: `kept` is what parses (a dict), `bad`
    says what did not (None when the file is whole). A damaged file is renamed aside and rewritten
    as `kept` plus `rebuild(kept)` (entries recovered from elsewhere, or None)."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return {}, []
    try:
        data = json.loads(text.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        kept, bad = {}, "not JSON"
    else:
        kept, bad = salvage(data)
    if bad is None:
        return kept, []
    recovered = rebuild(kept) if rebuild else {}
    aside = _keep_aside(path)
    write_json(path, {**kept, **recovered})
    line = issue("C019", file=str(path), name=path.name, reason=bad, aside=aside.name,
                 kept=len(kept) if rebuild else len(kept.get("skipped", [])), rebuilt=len(recovered))
    return {**kept, **recovered}, [line]


def _keep_aside(path: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    aside, n = path.with_name(f"{path.name}.damaged-{stamp}"), 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    os.replace(path, aside)
    return aside


def _provenance_entries(data) -> tuple[dict, str | None]:
    if not isinstance(data, dict):
        return {}, f"not an object but {type(data).__name__}"
    kept, wrong = {}, 0
    for name, entry in data.items():
        good = _good_entry(entry)
        if good is None or not _plain_name(name):
            wrong += 1
            continue
        wrong += good != entry
        kept[name] = good
    return kept, (f"{wrong} of {len(data)} entries of the wrong shape" if wrong else None)


def _good_entry(entry) -> dict | None:
    """The fields of an entry that have the right shape (text, or empty), or None when it is no entry."""
    if not isinstance(entry, dict):
        return None
    good = {k: v for k, v in entry.items() if k not in TEXT_FIELDS or v is None or isinstance(v, str)}
    if "sha256" in good and not (isinstance(good["sha256"], str) and SHA256.fullmatch(good["sha256"])):
        del good["sha256"]
    return good


def _plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and name not in (".", "..")


def _bare_entries(inbox: Path, kept: dict) -> dict:
    """name and sha256 of every file in the inbox that `kept` has no entry (or no sha256) for."""
    out = {}
    for path in sorted(inbox.iterdir()):
        if path.name.startswith(".") or not path.is_file() or "sha256" in kept.get(path.name, {}):
            continue
        with path.open("rb") as fh:
            sha = hashlib.file_digest(fh, "sha256").hexdigest()
        out[path.name] = {"original_name": path.name, **kept.get(path.name, {}), "sha256": sha}
    return out


def _skipped_entries(data) -> tuple[dict, str | None]:
    if not isinstance(data, dict) or not isinstance(data.get("skipped"), list):
        return {"skipped": []}, "not an object with a skipped list"
    found = data["skipped"]
    kept = [i for i in found if isinstance(i, dict) and isinstance(i.get("code"), str)
            and isinstance(i.get("file"), str)]
    bad = len(found) - len(kept)
    return {"skipped": kept}, (f"{bad} of {len(found)} entries of the wrong shape" if bad else None)
