"""Load and check the template spec (`workbook_templates/progress_report.vN.toml`).

TOML in, frozen dataclasses out. Every stage reads the spec and nothing else; a spec error
fails loudly and names the key, before xlsxwriter could silently drop what Excel refuses.
"""
from __future__ import annotations

import functools
import os
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name, xl_rowcol_to_cell

TYPES = frozenset({"text", "longtext", "code", "year", "int", "date", "money", "percent",
                   "choice", "email"})
DERIVES = frozenset({"report_no", "month_label", "running_total:disbursed", "total:disbursed",
                     "self_check"})
SHEET_KEYS = ("instructions", "project", "monthly", "print", "lists", "meta", "checks")
MAX_SHEET_NAME, MAX_TITLE, MAX_MESSAGE = 31, 32, 255   # Excel's limits
SPEC_NAME = re.compile(r"progress_report\.v(\d+)\.toml$")


class SpecError(ValueError):
    """The template spec is wrong: a developer's error, named by its key."""


def rowcol(ref: str) -> tuple[int, int]:
    """`"C4"` -> zero-based (3, 2): the one place A1 meets xlsxwriter's counting."""
    return xl_cell_to_rowcol(ref)


def a1(row: int, col: int) -> str:
    return xl_rowcol_to_cell(row, col)


def column_index(letter: str) -> int:
    return xl_cell_to_rowcol(f"{letter}1")[1]


def column_letter(col: int) -> str:
    return xl_col_to_name(col)


@dataclass(frozen=True)
class Choice:
    value: str
    en: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldSpec:
    key: str
    section: str                  # "project" or "monthly"
    th: str
    en: str
    type: str
    cell: str | None = None       # project fields
    column: str | None = None     # monthly fields
    required: bool = False
    prefill: bool = False
    locked: bool = False
    derive: str | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    max_length: int | None = None
    choices: str | None = None
    title: str | None = None
    message_th: str | None = None
    message_en: str | None = None
    aliases: tuple[str, ...] = ()
    width: float | None = None    # monthly column width, in characters

    @property
    def is_input(self) -> bool:
        """Filled (or correctable) by the agency: unlocked in the workbook."""
        return self.derive is None and not self.locked

    @property
    def defined_name(self) -> str:
        return f"px_{self.key}"

    @property
    def prompt(self) -> str | None:
        if self.message_th and self.message_en:
            return f"{self.message_th}\n{self.message_en}"
        return None

    @property
    def validation_title(self) -> str:
        return self.title or self.th

    def label(self) -> str:
        return f"{self.th} / {self.en}"


@dataclass(frozen=True)
class MonthlyLayout:
    first_row: int
    header_th_row: int
    header_en_row: int
    check_cell: str
    freeze: str
    hint_row: int | None = None   # a fill hint above the headers (v2 on)
    rows: int = 12

    @property
    def last_row(self) -> int:
        return self.first_row + self.rows - 1

    @property
    def total_row(self) -> int:
        return self.last_row + 1

    def row_of(self, k: int) -> int:
        """Excel row number of report k (1-based)."""
        return self.first_row + k - 1


@dataclass(frozen=True)
class TemplateSpec:
    id: str
    version: int
    title_th: str
    title_en: str
    font: str
    font_size: int
    row_height: float
    reporting_window: tuple[int, int]
    ready_th: str
    ready_en: str
    sheets: dict[str, str]
    choices: dict[str, tuple[Choice, ...]]
    project_label_columns: tuple[str, str]
    project_fields: tuple[FieldSpec, ...]
    monthly: MonthlyLayout
    monthly_fields: tuple[FieldSpec, ...]
    source: str

    @property
    def ready(self) -> str:
        return f"{self.ready_th} / {self.ready_en}"

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        return self.project_fields + self.monthly_fields

    def field(self, key: str) -> FieldSpec:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def monthly_cell(self, key: str, k: int) -> str:
        return f"{self.field(key).column}{self.monthly.row_of(k)}"

    def choice_by_en(self, name: str, en: str) -> str | None:
        """The choice of list `name` whose English name is `en` (any case): rules name statuses so."""
        return next((c.value for c in self.choices[name] if c.en.casefold() == en.casefold()), None)

    def choice_values(self, name: str) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices[name])


_FIELD_KEYS = {f for f in FieldSpec.__dataclass_fields__ if f != "section"}


def _field(raw: dict, section: str, where: str) -> FieldSpec:
    unknown = set(raw) - _FIELD_KEYS
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {sorted(unknown)}")
    for key in ("key", "th", "en", "type"):
        if key not in raw:
            raise SpecError(f"{where}: missing '{key}'")
    where = f"{section}.fields[{raw['key']}]"
    if raw["type"] not in TYPES:
        raise SpecError(f"{where}.type: unknown type '{raw['type']}' (known: {', '.join(sorted(TYPES))})")
    if raw.get("derive") and raw["derive"] not in DERIVES:
        raise SpecError(f"{where}.derive: unknown derivation '{raw['derive']}'")
    place = "cell" if section == "project" else "column"
    if place not in raw:
        raise SpecError(f"{where}: missing '{place}'")
    spec = FieldSpec(section=section, **{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})
    if spec.is_input or spec.prompt:
        _check_len(f"{where}.title", spec.validation_title, MAX_TITLE)
        _check_len(f"{where}.message_th + message_en", spec.prompt or "", MAX_MESSAGE)
    if spec.pattern:
        try:
            re.compile(spec.pattern)
        except re.error as exc:
            raise SpecError(f"{where}.pattern: {exc}") from None
    return spec


def _check_len(where: str, text: str, limit: int) -> None:
    # Excel counts UTF-16 code units; Thai is all in the BMP, so len() is that count.
    size = len(text.encode("utf-16-le")) // 2
    if size > limit:
        raise SpecError(f"{where}: {size} characters, Excel allows {limit}: '{text}'")


def _sheets(raw: dict) -> dict[str, str]:
    missing = [k for k in SHEET_KEYS if k not in raw]
    if missing:
        raise SpecError(f"sheets: missing {missing}")
    for key, name in raw.items():
        _check_len(f"sheets.{key}", name, MAX_SHEET_NAME)
        if re.search(r"[\[\]:*?/\\]", name) or name.startswith("'") or name.endswith("'"):
            raise SpecError(f"sheets.{key}: '{name}' has a character Excel refuses in sheet names")
    if len({n.lower() for n in raw.values()}) != len(raw):
        raise SpecError("sheets: two sheets share a name")
    return dict(raw)


def parse_spec(data: dict, source: str = "<spec>") -> TemplateSpec:
    try:
        t, m = data["template"], data["monthly"]
        choices = {name: tuple(Choice(c["value"], c["en"], tuple(c.get("aliases", ()))) for c in items)
                   for name, items in data["choices"].items()}
        project = tuple(_field(f, "project", f"project.fields[{i}]")
                        for i, f in enumerate(data["project"]["fields"]))
        monthly = tuple(_field(f, "monthly", f"monthly.fields[{i}]")
                        for i, f in enumerate(m["fields"]))
        spec = TemplateSpec(
            id=t["id"], version=int(t["version"]), title_th=t["title_th"], title_en=t["title_en"],
            font=t["font"], font_size=t["font_size"], row_height=t["row_height"],
            reporting_window=tuple(t["reporting_window"]), ready_th=t["ready_th"], ready_en=t["ready_en"],
            sheets=_sheets(data["sheets"]), choices=choices,
            project_label_columns=(data["project"]["label_th_column"], data["project"]["label_en_column"]),
            project_fields=project,
            monthly=MonthlyLayout(m["first_row"], m["header_th_row"], m["header_en_row"],
                                  m["check_cell"], m["freeze"], m.get("hint_row")),
            monthly_fields=monthly, source=source)
    except KeyError as exc:
        raise SpecError(f"{source}: missing key {exc}") from None
    keys = [f.key for f in spec.fields]
    if len(set(keys)) != len(keys):
        raise SpecError(f"{source}: duplicate field keys {sorted({k for k in keys if keys.count(k) > 1})}")
    for f in spec.fields:
        if f.type == "choice" and f.choices not in spec.choices:
            raise SpecError(f"{f.section}.fields[{f.key}].choices: no choice list '{f.choices}'")
    return spec


def templates_dir() -> Path:
    """workbook_templates/: beside the package in a checkout, or installed as data files."""
    candidates = [os.environ.get("PROGRESS_XL_TEMPLATES"),
                  Path(__file__).resolve().parent.parent / "workbook_templates",
                  Path(sys.prefix) / "share" / "progress_xl" / "workbook_templates"]
    for c in candidates:
        if c and Path(c, "progress_report.v1.toml").is_file():
            return Path(c)
    raise SpecError("workbook_templates/ not found (set PROGRESS_XL_TEMPLATES)")


def available_versions() -> tuple[int, ...]:
    return tuple(sorted(int(m[1]) for p in templates_dir().iterdir() if (m := SPEC_NAME.search(p.name))))


@functools.cache
def load_spec(version: int | None = None) -> TemplateSpec:
    """The spec of `version`, or of the newest version (what `generate` writes)."""
    version = version or max(available_versions())
    path = templates_dir() / f"progress_report.v{version}.toml"
    if not path.is_file():
        raise SpecError(f"no template spec for version {version}")
    with path.open("rb") as fh:
        spec = parse_spec(tomllib.load(fh), path.name)
    if spec.version != version:
        raise SpecError(f"{path.name}: template.version is {spec.version}")
    return spec
