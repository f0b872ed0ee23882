"""collect's walk: sources (files, folders, Maildir) opened, containers (zip, MIME, mbox, Outlook
.msg) taken apart, and every spreadsheet found written to the spool (INBOX/.collecting) as it is
found, a block at a time: the walk holds names and hashes, never a whole message or attachment.
A source that cannot be read is one skipped line; a spool that cannot be written stops the run.
"""
from __future__ import annotations

import binascii
import hashlib
import mailbox
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

from .collect_kinds import kind_of_file
from .collect_mail import (Envelope, Outlook, OutlookError, Parsed, envelope, file_parts, parse_message,
                           read_outlook, write_payload)
from .issues import Issue, issue
from .safety import MAX_FILE_BYTES, MAX_MEMBERS, MAX_TOTAL_BYTES

MAX_DEPTH = 3                     # archive in archive in archive, and no deeper
BLOCK = 1 << 20                   # copied and inflated this much at a time


# -- the spool -----------------------------------------------------------------------------------
class _WriteFailed(Exception):
    """Writing into the spool failed (disk full, ...): the run stops and the OSError propagates,
    naming the inbox, whereas a source that cannot be read is one skipped line."""

    def __init__(self, error: OSError, spooled: Path):
        super().__init__(str(error))
        inbox = spooled.parent.parent
        self.error = error if error.filename else OSError(error.errno, error.strerror, str(inbox))


def _write_block(fh, data: bytes) -> None:
    fh.write(data)


class _Spooled:
    """A new file in the spool, hashed as it is written."""

    def __init__(self, path: Path):
        self.path, self.size, self.head = path, 0, b""
        self._sha = hashlib.sha256()
        try:
            self._fh = path.open("xb")
        except OSError as exc:
            raise _WriteFailed(exc, self.path) from None

    def write(self, data: bytes) -> None:
        if len(self.head) < 8:
            self.head = (self.head + data[:8])[:8]
        self._sha.update(data)
        self.size += len(data)
        try:
            _write_block(self._fh, data)
        except OSError as exc:
            self.discard()
            raise _WriteFailed(exc, self.path) from None

    def close(self) -> str:
        try:
            self._fh.close()
        except OSError as exc:
            self.discard()
            raise _WriteFailed(exc, self.path) from None
        return self._sha.hexdigest()

    def discard(self) -> None:
        try:
            self._fh.close()
        except OSError:
            pass
        self.path.unlink(missing_ok=True)


def _sync(path: Path) -> None:
    """A kept file whole on disk before it can be moved into the inbox (what is looked at and
    thrown away is not synced)."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _WriteFailed(exc, path) from None


@dataclass(frozen=True)
class _Thing:
    """Something found: a file on disk (a source, or one the walk wrote into the spool)."""
    path: Path
    name: str
    env: Envelope
    depth: int
    label: str
    spooled: tuple[str, bytes] | None = None       # (sha256, first bytes) when the walk wrote it


# -- the walk ------------------------------------------------------------------------------------
class _Walk:
    """Every spreadsheet found is written to `spool` as it is found (once per content), so that the
    walk holds names and hashes, not the files: a month of mail is not held in memory."""

    def __init__(self, spool: Path):
        self.spool = spool
        self.items: list[tuple[str, str, Envelope]] = []           # (sha256, name, envelope), in order
        self.spooled: dict[str, tuple[Path, bytes]] = {}           # sha256 -> (spooled file, first bytes)
        self.skipped: list[Issue] = []
        self._count = 0

    def skip(self, code: str, origin: str, **context):
        self.skipped.append(issue(code, file=origin, **context))

    def new_file(self) -> _Spooled:
        self._count += 1
        return _Spooled(self.spool / f"t{self._count:06d}")

    def spool_bytes(self, data: bytes, name: str, env: Envelope, depth: int, label: str):
        out = self.new_file()
        out.write(data)
        self.take(_Thing(out.path, name, env, depth, label, (out.close(), out.head)))

    # -- sources -------------------------------------------------------------------------------
    def source(self, path: Path):
        try:
            mode = path.stat().st_mode                      # follows links: a loop or a dead link raises
        except FileNotFoundError as exc:
            if path.is_symlink():
                return self.skip("C007", str(path), reason=exc.strerror or "broken link")
            return self.skip("C022", str(path))
        except OSError as exc:
            return self.skip("C007", str(path), reason=exc.strerror or type(exc).__name__)
        if stat.S_ISDIR(mode):
            if (path / "cur").is_dir() and (path / "new").is_dir():
                return self.maildir(path)
            return self.folder(path)
        if not stat.S_ISREG(mode):
            return self.skip("C001", str(path), kind="not a regular file")
        self.take(_Thing(path, path.name, Envelope(str(path)), 0, str(path)))

    def folder(self, path: Path):
        """Every entry under `path` (hidden ones, our spool among them, left out): a file is taken, a link
        to a folder or one that leads nowhere listed, an empty folder named like a file (`report.xlsx`)
        listed; an empty plain subfolder (`mail/imap/` before anything was fetched) is no input."""
        found = False
        for child in sorted(path.rglob("*")):
            if any(p.startswith(".") for p in child.relative_to(path).parts):
                continue
            found = True
            if child.is_symlink() and child.is_dir():
                self.skip("C001", str(child), kind="a link to a folder, not followed")
            elif child.is_dir():
                if child.suffix:
                    self.empty_folder(child)
            else:
                self.source(child)
        if not found:
            self.skip("C023", str(path))

    def empty_folder(self, path: Path):
        try:
            if not any(not c.name.startswith(".") for c in path.iterdir()):
                self.skip("C023", str(path))
        except OSError as exc:
            self.skip("C007", str(path), reason=exc.strerror or type(exc).__name__)

    def mbox(self, thing: _Thing):
        try:
            box = mailbox.mbox(thing.path, create=False)
            keys = box.keys()
        except Exception as exc:  # noqa: BLE001 - a damaged mail export: one line
            return self.skip("C007", thing.label, reason=f"mbox: {exc}"[:120])
        for n, key in enumerate(keys, 1):
            self.message(lambda key=key: box.get_file(key), f"{thing.label} › {n}", thing.env, thing.depth, boxed=True)
        box.close()

    def maildir(self, path: Path):
        try:
            box = mailbox.Maildir(path, factory=None, create=False)
            keys = sorted(box.keys())
        except Exception as exc:  # noqa: BLE001
            return self.skip("C007", str(path), reason=f"Maildir: {exc}"[:120])
        for key in keys:
            self.message(lambda key=key: box.get_file(key), f"{path} › {key}", Envelope(str(path)), 0, boxed=True)

    # -- one thing -------------------------------------------------------------------------------
    def take(self, thing: _Thing):
        """Whatever `thing` is, into the spool or the skipped list; a source that cannot be read (or
        vanished) is one line, and the walk goes on."""
        try:
            self._take(thing)
        except FileNotFoundError:
            self.skip("C022", thing.label)
        except OSError as exc:
            self.skip("C007", thing.label, reason=exc.strerror or type(exc).__name__)
        finally:
            if thing.spooled:
                thing.path.unlink(missing_ok=True)          # looked at and done with (a kept one has moved)

    def _take(self, thing: _Thing):
        size = thing.path.stat().st_size
        if size > MAX_TOTAL_BYTES:
            return self.skip("C005", thing.label, reason=f"{size} bytes")
        kind = kind_of_file(thing.path, thing.name)
        if kind in ("workbook", "spreadsheet"):
            self.keep(thing)
        elif kind == "archive":
            self.archive(thing)
        elif kind == "message":
            if thing.depth >= MAX_DEPTH:
                return self.skip("C003", thing.label, depth=MAX_DEPTH)
            self.message(lambda: thing.path.open("rb"), thing.label, thing.env, thing.depth)
        elif kind == "mbox":
            self.mbox(thing)
        elif kind == "outlook":
            self.outlook(thing)
        else:
            self.skip("C001", thing.label, kind=kind)

    def keep(self, thing: _Thing):
        if thing.spooled:
            (sha, head), path = thing.spooled, thing.path
        else:
            sha, head, path = self.copy(thing.path)
        if sha in self.spooled:
            if path != thing.path:
                path.unlink(missing_ok=True)
        else:
            self._count += 1
            kept = self.spool / f"{self._count:06d}"
            os.replace(path, kept)
            _sync(kept)
            self.spooled[sha] = (kept, head)
        self.items.append((sha, thing.name, replace(thing.env, origin=thing.label)))

    def copy(self, path: Path) -> tuple[str, bytes, Path]:
        with path.open("rb") as fh:
            out = self.new_file()
            try:
                while block := fh.read(BLOCK):
                    out.write(block)
            except OSError:
                out.discard()               # the source failed; a failed write has discarded already
                raise
        return out.close(), out.head, out.path

    # -- containers --------------------------------------------------------------------------------
    def archive(self, thing: _Thing):
        depth = thing.depth + 1
        if depth > MAX_DEPTH:
            return self.skip("C003", thing.label, depth=MAX_DEPTH)
        try:
            zf = zipfile.ZipFile(thing.path)
            infos = [i for i in zf.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
            return self.skip("C005", thing.label, reason=str(exc)[:80])
        with zf:
            if not infos:
                return self.skip("C021", thing.label)
            if len(infos) > MAX_MEMBERS:
                return self.skip("C005", thing.label, reason=f"{len(infos)} files")
            budget = MAX_TOTAL_BYTES
            for info in infos:
                budget -= self.member(zf, info, thing, depth, budget)

    def member(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, thing: _Thing, depth: int, budget: int) -> int:
        """One member inflated into the spool, capped while inflating; the bytes it took."""
        name = _member_name(info)
        where = f"{thing.label} › {name}"
        if info.flag_bits & 0x1:
            self.skip("C004", where)
            return 0
        cap = min(MAX_FILE_BYTES, budget)
        out = self.new_file()
        try:
            with zf.open(info) as fh:
                while block := fh.read(BLOCK):
                    if out.size + len(block) > cap:
                        out.discard()
                        self.skip("C005", where, reason=f"> {cap // (1024 * 1024)} MiB")
                        return 0
                    out.write(block)
        except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, zlib.error) as exc:
            out.discard()
            self.skip("C005", where, reason=str(exc)[:80])
            return 0
        sha = out.close()
        env = replace(thing.env, origin=where)
        self.take(_Thing(out.path, name.rsplit("/", 1)[-1], env, depth, where, (sha, out.head)))
        return out.size

    def message(self, opener, label: str, outer: Envelope, depth: int, *, boxed: bool = False):
        """A MIME message parsed from its file; each attachment decoded into the spool. One of an
        mbox or a Maildir (`boxed`) labels its files with its own sender and subject."""
        try:
            with opener() as fh:
                parsed = parse_message(fh, self.new_file)
        except _WriteFailed:
            raise
        except FileNotFoundError:
            return self.skip("C022", label)
        except OSError as exc:
            return self.skip("C007", label, reason=exc.strerror or type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 - a message the parser cannot take: one line
            return self.skip("C007", label, reason=f"{type(exc).__name__}: {exc}"[:120])
        try:
            self.attachments(parsed, label, outer, depth, boxed)
        finally:
            parsed.discard()

    def attachments(self, parsed: Parsed, label: str, outer: Envelope, depth: int, boxed: bool):
        try:
            own = envelope(parsed.msg, label)
            parts = list(file_parts(parsed.msg))
        except Exception as exc:  # noqa: BLE001 - a structure the email package cannot walk: one line
            return self.skip("C007", label, reason=f"{type(exc).__name__}: {exc}"[:120])
        env = outer if outer.sender else own
        inside = env_label(own) if boxed else label
        if not parts:
            return self.skip("C002", inside)
        for part, name in parts:
            where = f"{inside} › {name}"
            out = self.new_file()
            try:
                write_payload(parsed, part, out)
            except (ValueError, TypeError, LookupError, binascii.Error) as exc:
                out.discard()
                self.skip("C007", where, reason=f"{type(exc).__name__}: {exc}"[:120])
                continue
            sha = out.close()
            self.take(_Thing(out.path, name, env, depth + 1, where, (sha, out.head)))

    def outlook(self, thing: _Thing):
        if thing.depth >= MAX_DEPTH:
            return self.skip("C003", thing.label, depth=MAX_DEPTH)
        try:
            found = read_outlook(str(thing.path), thing.label)
        except OutlookError as exc:
            return self.skip("C020", thing.label, reason=str(exc))
        self.outlook_items(found, thing.env, thing.depth, thing.label)

    def outlook_items(self, found: Outlook, outer: Envelope, depth: int, label: str):
        env = outer if outer.sender else found.envelope
        for name, data in found.files:
            self.spool_bytes(data, name, env, depth + 1, f"{label} › {name}")
        for name in found.links:
            self.skip("C001", f"{label} › {name}", kind="a link to a file, not the file itself")
        for item in found.items:
            if depth + 1 >= MAX_DEPTH:
                self.skip("C003", item.envelope.origin, depth=MAX_DEPTH)
            else:
                self.outlook_items(item, env, depth + 1, item.envelope.origin)
        if not (found.files or found.links or found.items):
            self.skip("C002", env_label(found.envelope))


def _member_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")          # zipfile decoded it as cp437; take the bytes back
    for encoding in ("utf-8", "cp874"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename




def env_label(env: Envelope) -> str:
    return env.origin + (f" ({env.sender}, {env.subject})" if env.sender or env.subject else "")


