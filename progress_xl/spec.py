"""Load and check the template spec (`workbook_templates/progress_report.vN.toml`).

TOML in, frozen dataclasses out. Every stage reads the spec and nothing else; a spec error
fails loudly and names the key, before xlsxwriter could silently drop what Excel refuses. The
spec checks itself (`_check_layout`, `_check_constraints`): every cell and column is A1 as Excel
writes it, no two fields share a cell or a column (nor the hidden helper column the spec declares),
and each field carries only the constraints its type honours.
"""
from __future__ import annotations

import functools
import importlib.resources
import os
import re
import tomllib
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name, xl_rowcol_to_cell

TYPES = frozenset({"text", "longtext", "code", "year", "int", "date", "money", "percent",
                   "choice", "email"})
#: derivation -> (its section, the type its field must have)
DERIVES = {"report_no": ("monthly", "int"), "month_label": ("monthly", "text"),
           "running_total:disbursed": ("monthly", "money"), "self_check": ("monthly", "text"),
           "total:disbursed": ("project", "money"),
           "be_date:report_date": ("monthly", "date")}     # v3: the typed date text, read as a date
#: type -> the constraints a field of that type may carry: each is checked by generate (data
#: validation), the self-check and the validator, or refused here rather than silently ignored.
CONSTRAINTS = {"percent": {"min", "max"}, "money": {"min"}, "int": {"min", "max"}, "year": {"min", "max"},
               "date": set(), "choice": {"choices"}, "text": {"pattern", "max_length"},
               "code": {"pattern", "max_length"}, "email": {"pattern", "max_length"}, "longtext": {"max_length"}}
#: types whose inputs the self-check and the validator do not check yet (a whole number, its bounds):
#: refused as monthly inputs, and as project inputs with bounds, rather than accepted unchecked
UNCHECKED_INPUT = frozenset({"int", "year"})
SHEET_KEYS = ("instructions", "project", "monthly", "print", "lists", "meta", "checks")
MAX_SHEET_NAME, MAX_TITLE, MAX_MESSAGE = 31, 32, 255   # Excel's limits
MAX_ROW, MAX_COLUMN = 1_048_576, 16_384                # a sheet's rows and columns (XFD)
SPEC_NAME = re.compile(r"progress_report\.v(\d+)\.toml$")
_A1_CELL = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_A1_COLUMN = re.compile(r"[A-Z]{1,3}")
#: the hidden helper columns a template may declare under [monthly.helpers] (v3), and what each holds
HELPERS = {
    "date_text": "the typed report date's text, normalised (Thai digits, era marks, month names)",
    "date_parts": "that text as day/month/year",
    "date_day": "the day of it", "date_month": "the month of it", "date_year": "the year of it (as typed)",
    "disbursed_text": "the amount typed as text, less the words and marks the validator reads past",
    "disbursed_read": "the amount read: a number, or the number in its text (what the sums add)",
    "progress_text": "the cumulative progress typed as text, less the words and marks the validator reads past",
    "progress_read": "the progress read (what the range check and the progress-fell check compare)",
}
#: helpers the formulas read together: one declared without the others is refused
HELPER_GROUPS = (("date_text", "date_parts", "date_day", "date_month", "date_year"),
                 ("disbursed_text", "disbursed_read"), ("progress_text", "progress_read"))
_SECTION_KEYS = {
    "": {"template", "sheets", "choices", "project", "monthly"},
    "template": {"id", "version", "title_th", "title_en", "font", "font_size", "row_height", "reporting_window",
                 "ready_th", "ready_en"},
    "project": {"label_th_column", "label_en_column", "fields"},
    "monthly": {"first_row", "header_th_row", "header_en_row", "check_cell", "freeze", "hint_row", "helper_column",
                "helpers", "fields"},
}


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


def cell_column(ref: str) -> str:
    """`"C4"` -> `"C"`."""
    return ref.rstrip("0123456789")


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
    example: str | None = None    # a value that matches `pattern`, what the message shows instead of it
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

    @property
    def at_cell(self) -> str:
        """A project field's cell (the spec requires it)."""
        if self.cell is None:
            raise SpecError(f"{self.section}.fields[{self.key}] has no cell")
        return self.cell

    @property
    def at_column(self) -> str:
        """A monthly field's column (the spec requires it)."""
        if self.column is None:
            raise SpecError(f"{self.section}.fields[{self.key}] has no column")
        return self.column


@dataclass(frozen=True)
class MonthlyLayout:
    first_row: int
    header_th_row: int
    header_en_row: int
    check_cell: str
    freeze: str
    helper_column: str            # hidden: each row's failing checks, read by the self-check column
    hint_row: int | None = None   # a fill hint above the headers (v2 on)
    rows: int = 12
    #: v3: the hidden columns its formulas read through, by name (HELPERS says what each holds)
    helpers: dict[str, str] = dc_field(default_factory=dict)

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


# -- one field -----------------------------------------------------------------------------------
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
    place, other = ("cell", "column") if section == "project" else ("column", "cell")
    if place not in raw:
        raise SpecError(f"{where}: missing '{place}'")
    if other in raw:
        raise SpecError(f"{where}.{other}: a {section} field has a {place}, not a {other}")
    _check_a1(f"{where}.{place}", raw[place], cell=place == "cell")
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    spec = FieldSpec(section=section, **values)
    _check_derive(where, spec)
    _check_constraints(where, spec)
    if spec.is_input or spec.prompt:
        _check_len(f"{where}.title", spec.validation_title, MAX_TITLE)
        _check_len(f"{where}.message_th + message_en", spec.prompt or "", MAX_MESSAGE)
    return spec


def _check_a1(where: str, ref, *, cell: bool) -> None:
    """An A1 cell (`C4`) or column (`C`) as Excel writes it, inside a sheet."""
    if cell:
        m = _A1_CELL.fullmatch(ref) if isinstance(ref, str) else None
        ok = m is not None and column_index(m[1]) < MAX_COLUMN and int(m[2]) <= MAX_ROW
    else:
        ok = isinstance(ref, str) and _A1_COLUMN.fullmatch(ref) is not None and column_index(ref) < MAX_COLUMN
    if not ok:
        what = "an A1 cell such as 'C4'" if cell else "a column from 'A' to 'XFD'"
        raise SpecError(f"{where}: {ref!r} is not {what}")


def _check_derive(where: str, f: FieldSpec) -> None:
    if f.derive is None:
        return
    if f.derive not in DERIVES:
        raise SpecError(f"{where}.derive: unknown derivation '{f.derive}' (known: {', '.join(sorted(DERIVES))})")
    section, type_ = DERIVES[f.derive]
    if (f.section, f.type) != (section, type_):
        raise SpecError(f"{where}.derive: '{f.derive}' is a {section} field of type '{type_}'")
    if f.required or f.prefill:
        raise SpecError(f"{where}: a derived field is neither required nor prefilled")


def _check_constraints(where: str, f: FieldSpec) -> None:
    """Only the constraints the field's type honours, and sound ones."""
    given = {c for c in ("min", "max", "pattern", "max_length", "choices") if getattr(f, c) is not None}
    wrong = given - CONSTRAINTS[f.type]
    if wrong:
        raise SpecError(f"{where}: {', '.join(sorted(wrong))} not allowed for type '{f.type}' "
                        f"(allowed: {', '.join(sorted(CONSTRAINTS[f.type])) or 'none'})")
    if f.is_input and f.type in UNCHECKED_INPUT and (f.section == "monthly" or given & {"min", "max"}):
        raise SpecError(f"{where}: an input of type '{f.type}' is not checked yet (the self-check would say "
                        f"ready for text or a negative number, the validator ignores min and max): teach "
                        f"selfcheck.row_checks and validate.ranges the type, then remove it from spec.UNCHECKED_INPUT")
    if f.type == "choice" and f.choices is None:
        raise SpecError(f"{where}.choices: a choice field names its choice list")
    if f.type == "percent" and f.derive is None and (f.min is None or f.max is None):
        raise SpecError(f"{where}: a percent field has both min and max")
    if f.type == "money" and f.min not in (None, 0):
        raise SpecError(f"{where}.min: an amount's only minimum is 0 (the readers refuse negative amounts)")
    if f.min is not None and f.max is not None and f.min > f.max:
        raise SpecError(f"{where}: min {f.min} is above max {f.max}")
    if f.max_length is not None and not (isinstance(f.max_length, int) and 0 < f.max_length <= 32_767):
        raise SpecError(f"{where}.max_length: {f.max_length!r} is not 1 to 32,767 (a cell's limit)")
    if f.pattern:
        try:
            re.compile(f.pattern)
        except re.error as exc:
            raise SpecError(f"{where}.pattern: {exc}") from None
    if bool(f.pattern) != bool(f.example) or (f.pattern and not re.fullmatch(f.pattern, str(f.example))):
        raise SpecError(f"{where}.example: a pattern comes with an example that matches it (people are shown "
                        f"the example, not the pattern)")


def _check_len(where: str, text: str, limit: int) -> None:
    # Excel counts UTF-16 code units; Thai is all in the BMP, so len() is that count.
    size = len(text.encode("utf-16-le")) // 2
    if size > limit:
        raise SpecError(f"{where}: {size} characters, Excel allows {limit}: '{text}'")


# -- the whole spec ------------------------------------------------------------------------------
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


def _check_sections(data: dict) -> None:
    for section, known in _SECTION_KEYS.items():
        raw = data.get(section, {}) if section else data
        unknown = set(raw) - known if isinstance(raw, dict) else set()
        if unknown:
            raise SpecError(f"{section or 'top level'}: unknown key(s) {sorted(unknown)}")


def _monthly_layout(m: dict) -> MonthlyLayout:
    layout = MonthlyLayout(first_row=m["first_row"], header_th_row=m["header_th_row"], header_en_row=m["header_en_row"],
                           check_cell=m["check_cell"], freeze=m["freeze"], helper_column=m["helper_column"],
                           hint_row=m.get("hint_row"), helpers=dict(m.get("helpers", {})))
    for key in ("check_cell", "freeze"):
        _check_a1(f"monthly.{key}", getattr(layout, key), cell=True)
    _check_a1("monthly.helper_column", layout.helper_column, cell=False)
    unknown = set(layout.helpers) - set(HELPERS)
    if unknown:
        raise SpecError(f"monthly.helpers: unknown key(s) {sorted(unknown)} (known: {sorted(HELPERS)})")
    for name, column in layout.helpers.items():
        _check_a1(f"monthly.helpers.{name}", column, cell=False)
    for group in HELPER_GROUPS:                   # the formulas read each group whole
        given = [name for name in group if name in layout.helpers]
        if given and len(given) != len(group):
            raise SpecError(f"monthly.helpers: {', '.join(sorted(set(group) - set(given)))} missing beside "
                            f"{', '.join(given)} (declared together)")
    rows = [r for r in (layout.hint_row, layout.header_th_row, layout.header_en_row, layout.first_row) if r is not None]
    if not all(isinstance(r, int) and r > 0 for r in rows) or rows != sorted(set(rows)):
        raise SpecError(f"monthly: rows {rows} are not hint_row < header_th_row < header_en_row < first_row")
    if layout.total_row > MAX_ROW or rowcol(layout.check_cell)[0] + 1 >= (layout.hint_row or layout.header_th_row):
        raise SpecError(f"monthly.check_cell: {layout.check_cell} is not above the monthly block")
    return layout


def _check_layout(spec: TemplateSpec) -> None:
    """No two fields on one cell or column; project values beside their labels; the helper column free."""
    for i, c in enumerate(spec.project_label_columns):
        _check_a1(f"project.{('label_th_column', 'label_en_column')[i]}", c, cell=False)
    _unique("project", [(f.key, f.at_cell) for f in spec.project_fields]
            + [(k, f"{c}{rowcol(f.at_cell)[0] + 1}") for f in spec.project_fields
               for k, c in zip(("label_th_column", "label_en_column"), spec.project_label_columns)])
    columns = {cell_column(f.at_cell) for f in spec.project_fields}
    if len(columns) != 1:
        raise SpecError(f"project.fields: the values are in one column, not in {sorted(columns)}")
    _unique("monthly", [(f.key, f.at_column) for f in spec.monthly_fields]
            + [("monthly.helper_column", spec.monthly.helper_column)]
            + [(f"monthly.helpers.{name}", column) for name, column in spec.monthly.helpers.items()])
    checks = [f.key for f in spec.monthly_fields if f.derive == "self_check"]
    if len(checks) != 1:
        raise SpecError(f"monthly.fields: one self_check field, not {checks}")


def _unique(section: str, places: list[tuple[str, str]]) -> None:
    seen: dict[str, str] = {}
    for key, place in places:
        if place in seen:
            raise SpecError(f"{section}: '{key}' and '{seen[place]}' are both on {place}")
        seen[place] = key


def parse_spec(data: dict, source: str = "<spec>") -> TemplateSpec:
    _check_sections(data)
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
            project_fields=project, monthly=_monthly_layout(m), monthly_fields=monthly, source=source)
    except KeyError as exc:
        raise SpecError(f"{source}: missing key {exc}") from None
    keys = [f.key for f in spec.fields]
    if len(set(keys)) != len(keys):
        raise SpecError(f"{source}: duplicate field keys {sorted({k for k in keys if keys.count(k) > 1})}")
    for f in spec.fields:
        if f.type == "choice" and f.choices not in spec.choices:
            raise SpecError(f"{f.section}.fields[{f.key}].choices: no choice list '{f.choices}'")
    _check_layout(spec)
    return spec


# -- where the specs are -------------------------------------------------------------------------
def data_dir(name: str) -> Path:
    """A folder shipped with the program: `progress_xl/<name>` inside an installed wheel (package data,
    mapped from the top-level folder by setup.cfg's package_dir), else the checkout's top-level folder
    (a source tree, or an editable install)."""
    packaged = importlib.resources.files("progress_xl") / name
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / name


def templates_dir() -> Path:
    """workbook_templates/: PROGRESS_XL_TEMPLATES when set, else the one shipped with the program."""
    folder = Path(os.environ.get("PROGRESS_XL_TEMPLATES") or data_dir("workbook_templates"))
    if not any(SPEC_NAME.search(p.name) for p in folder.glob("progress_report.v*.toml")):
        raise SpecError(f"{folder}: no template spec progress_report.vN.toml (set PROGRESS_XL_TEMPLATES)")
    return folder


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


@functools.cache
def all_field_keys() -> frozenset[str]:
    """Every field key of every template version: what a project's values may be asked for."""
    return frozenset(f.key for v in available_versions() for f in load_spec(v).fields)
