"""workspace: one folder per coordinator, its settings (`progress_xl.toml`) and its folders.

In: a folder (the current one or a parent holding the settings, as git finds its repository, or one
named by --workspace / PROGRESS_XL_WORKSPACE); out: a Workspace with checked settings and the paths
of the ledger, the mail and one folder per month (`months/2564-03/`), never shared between months.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .files import atomic_write
from .fiscal import fiscal_year_of
from .imap import SECURITY, ImapSettings
from .issues import Issue, ProgressXLError, issue
from .letters import ReplyRule, Sender, calendar_period

SETTINGS_NAME = "progress_xl.toml"
ENV = "PROGRESS_XL_WORKSPACE"
TEMPLATE = Path(__file__).with_name("workspace_template.toml")
PLACEHOLDER_SENDER = "coordinator@progress-xl.invalid"
SMTP_SECURITY = ("starttls", "ssl", "plain")


@dataclass(frozen=True)
class Key:
    """One setting: its kind (str, int, list, date), its default (None: required), what it allows."""
    kind: str
    default: object = None
    allowed: tuple | None = None


SCHEMA: dict[str, dict[str, Key]] = {
    "": {"register": Key("str"), "fiscal_year": Key("int", allowed=(2500, 2700)),
         "ledger": Key("str", "ledger.sqlite")},
    "mail": {"folders": Key("list", [])},
    "imap": {"host": Key("str", ""), "user": Key("str", ""), "port": Key("int", 0, (0, 65535)),
             "security": Key("str", "ssl", SECURITY), "folder": Key("str", "INBOX"), "ca_file": Key("str", ""),
             "since": Key("date", "")},
    "smtp": {"host": Key("str", ""), "port": Key("int", 587, (1, 65535)),
             "security": Key("str", "starttls", SMTP_SECURITY), "user": Key("str", "")},
    "sender": {k: Key("str", "") for k in ("address", "name", "position", "unit", "phone")},
    "reply": {"day": Key("int", 25, (1, 31)), "months_after": Key("int", 1, (0, 12))},
}
KINDS = {"str": ("ข้อความในเครื่องหมายคำพูด", "text in double quotes"), "int": ("จำนวนเต็ม", "a whole number"),
         "list": ('รายการข้อความ เช่น ["a", "b"]', 'a list of texts, like ["a", "b"]'),
         "date": ("วันที่ เช่น 2020-10-01", "a date, like 2020-10-01")}


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str
    user: str

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Workspace:
    """A loaded workspace: checked settings, paths resolved against its folder."""
    root: Path
    register: Path
    fiscal_year: int
    ledger: Path
    mail_folders: tuple[Path, ...]
    imap: ImapSettings | None
    smtp: Smtp
    sender: Sender
    reply: ReplyRule

    @property
    def settings(self) -> Path:
        return self.root / SETTINGS_NAME

    @property
    def mail(self) -> Path:
        """Saved mail of any month (dropped here by hand, or by `fetch` in mail/imap/)."""
        return self.root / "mail"

    @property
    def fetched(self) -> Path:
        return self.mail / "imap"

    @property
    def imap_state(self) -> Path:
        return self.mail / ".imap.json"         # hidden: collect does not take it

    @property
    def sent_log(self) -> Path:
        """One sent.json for every month: nothing goes twice, whichever month wrote it."""
        return self.root / "sent.json"

    def month_dir(self, fy: int, month: int) -> Path:
        """`months/2564-03/` for report 6 of FY 2564: inbox, returned, master, outbox; the month's own mail."""
        return self.root / "months" / calendar_period(fy, month)


# -- finding and loading ---------------------------------------------------------------------------
def locate(explicit: Path | None = None, start: Path | None = None) -> Path | None:
    """The workspace folder: `explicit` (which must hold the settings), else the first of `start`
    (the current folder) and its parents that holds them; None when there is none."""
    if explicit is not None:
        explicit = Path(explicit).resolve()
        if not (explicit / SETTINGS_NAME).is_file():
            raise ProgressXLError([issue("W024", file=str(explicit), path=explicit)])
        return explicit
    start = Path(start or Path.cwd()).resolve()
    return next((folder for folder in (start, *start.parents) if (folder / SETTINGS_NAME).is_file()), None)


def load(root: Path) -> Workspace:
    """The workspace at `root`, its settings checked: every unknown key, wrong type, value out of
    range or missing register is one line naming the key, the file and the line."""
    root = Path(root).resolve()
    path = root / SETTINGS_NAME
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or str(exc)
        raise ProgressXLError([issue("W001", file=str(path), line=found[1] if found else "?", reason=reason)]) from None
    values, problems = _checked(data, text, str(path))
    name = values[""]["register"]           # None when missing or not text: _checked said so
    if name is not None and not name.strip():
        problems.append(issue("W004", file=str(path), key="register"))
    elif name is not None and not (root / name).is_file():
        problems.append(issue("W005", file=str(path), line=_line(text, "", "register"), path=root / name,
                              key="register"))
    if problems:
        raise ProgressXLError(problems)
    return _workspace(root, root / name, values)


def _workspace(root: Path, register: Path, v: dict) -> Workspace:
    imap, smtp = v["imap"], v["smtp"]
    mailbox = None
    if imap["host"]:
        mailbox = ImapSettings(host=imap["host"], user=imap["user"], port=imap["port"] or None,
                               security=imap["security"], folder=imap["folder"],
                               ca_file=root / imap["ca_file"] if imap["ca_file"] else None,
                               since=imap["since"] or None)
    return Workspace(root, register, v[""]["fiscal_year"], root / v[""]["ledger"],
                     tuple(root / Path(f).expanduser() for f in v["mail"]["folders"]), mailbox,
                     Smtp(smtp["host"], smtp["port"], smtp["security"], smtp["user"]),
                     Sender(**v["sender"]), ReplyRule(v["reply"]["day"], v["reply"]["months_after"]))


def _checked(data: dict, text: str, file: str) -> tuple[dict, list[Issue]]:
    """Every section's values with their defaults filled in, and one issue per bad key."""
    values = {section: {k: key.default for k, key in keys.items()} for section, keys in SCHEMA.items()}
    problems = []
    tables = {k: v for k, v in data.items() if k in SCHEMA and k and isinstance(v, dict)}
    top = {k: v for k, v in data.items() if k not in tables}
    for section, given in [("", top), *tables.items()]:
        for name, value in given.items():
            found = _check_one(section, name, value, text, file)
            if isinstance(found, Issue):
                problems.append(found)
            else:
                values[section][name] = found
    for section, keys in SCHEMA.items():
        for name, key in keys.items():
            if key.default is None and name not in (top if not section else tables.get(section, {})):
                problems.append(issue("W004", file=file, key=_dotted(section, name)))
    return values, problems


def _check_one(section: str, name: str, value, text: str, file: str):
    """The value when it fits its key, else the issue that says why."""
    key = SCHEMA[section].get(name)
    line = _line(text, section, name)
    if key is None:
        known = ", ".join(_dotted(section, k) for k in SCHEMA[section]) if section else \
            ", ".join([*SCHEMA[""], *(f"[{s}]" for s in SCHEMA if s)])
        if not section and isinstance(value, dict):         # a table of its own: [name]
            return issue("W002", file=file, line=_line(text, name, None), key=f"[{name}]", known=known)
        return issue("W002", file=file, line=line, key=_dotted(section, name), known=known)
    if not _fits(key.kind, value):
        th, en = KINDS[key.kind]
        return issue("W003", file=file, line=line, key=_dotted(section, name), type_th=th, type_en=en,
                     value=json.dumps(value, ensure_ascii=False, default=str))
    if key.allowed and not _allowed(key.kind, key.allowed, value):
        allowed = " | ".join(key.allowed) if key.kind == "str" else f"{key.allowed[0]}-{key.allowed[1]}"
        return issue("W010", file=file, line=line, key=_dotted(section, name), allowed=allowed, value=str(value))
    return value


def _fits(kind: str, value) -> bool:
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list) and all(isinstance(x, str) for x in value)
    if kind == "date":
        return value == "" or (isinstance(value, dt.date) and not isinstance(value, dt.datetime))
    return isinstance(value, str)


def _allowed(kind: str, allowed: tuple, value) -> bool:
    if kind == "str":
        return value in allowed
    return allowed[0] <= value <= allowed[1]


def _dotted(section: str, name: str) -> str:
    return f"{section}.{name}" if section else name


def _line(text: str, section: str, name: str | None) -> str:
    """The line where `name` is set in `[section]`, or of the `[section]` header itself when `name`
    is None ("-" when it is not written)."""
    current = ""
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if header := re.fullmatch(r"\[\s*([^\]]+?)\s*\]\s*(#.*)?", line):
            current = header[1]
            if name is None and current == section:
                return str(n)
        elif name is not None and current == section and re.match(rf'(?:{re.escape(name)}|"{re.escape(name)}")\s*=', line):
            return str(n)
    return "-"


# -- making one ------------------------------------------------------------------------------------
def init(root: Path, *, register: Path | None = None, fy: int | None = None, sender: str = "",
         today: dt.date | None = None) -> Path:
    """Write the commented settings and the folders (mail/, months/) in `root`; never overwrite
    settings that are there. Returns the settings file."""
    root = Path(root).resolve()
    settings = root / SETTINGS_NAME
    if settings.exists():
        raise ProgressXLError([issue("W007", file=str(settings))])
    fy = fy or fiscal_year_of(today or dt.date.today())
    text = string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        register=_toml_text(_relative(register, root) if register else "register.xlsx"),
        fiscal_year=fy, address=_toml_text(sender or PLACEHOLDER_SENDER))
    for folder in ("mail", "months"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    with atomic_write(settings) as fh:
        fh.write(text.encode("utf-8"))
    return settings


def _relative(path: Path, root: Path) -> str:
    path = Path(path).resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _toml_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)        # a JSON string is a TOML basic string


def advance_fiscal_year(ws: Workspace, fy: int) -> int | None:
    """Move the settings' fiscal year on to `fy` when `fy` is later (the turn of the year), keeping
    every comment; the year it was, or None when nothing changed."""
    if fy <= ws.fiscal_year:
        return None
    text = ws.settings.read_text(encoding="utf-8-sig")
    head, sep, rest = text.partition("\n[")         # the top-level keys come before the first table
    new, count = re.subn(r"(?m)^(\s*fiscal_year\s*=\s*)\d+", rf"\g<1>{fy}", head, count=1)
    if not count:
        return None
    with atomic_write(ws.settings) as fh:
        fh.write((new + sep + rest).encode("utf-8"))
    return ws.fiscal_year
