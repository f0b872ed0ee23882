"""read: one filled workbook -> Submission (every value with its cell, raw form and notes) or Rejection.

Safe open first (safety.py); then the template is identified from its custom properties, `_meta`
(hidden or veryHidden, and untrusted) and defined names; each field is located by its defined
name, else by `_meta` coordinates, else by its label, and the route is recorded. Only the
template's own cells are read, in bounded boxes: never a sheet's used range.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.workbook.defined_name import DefinedName

from .book import Book, Cell
from .fiscal import format_be, report_month
from .issues import Issue, issue
from .safety import Rejected, open_book, parse_errors, read_capped, time_limit
from .selfcheck import running_total_formula, same_formula
from .spec import FieldSpec, SpecError, TemplateSpec, a1, available_versions, load_spec
from .values import (Note, Parsed, Unreadable, clean_text, is_blank, normalise_code, parse_field,
                     parse_version)

LABEL_SCAN_ROWS, LABEL_SCAN_COLS = 200, 16
ERROR_VALUES = ("#REF!", "#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#VALUE!", "#SPILL!", "#CALC!")


@dataclass(frozen=True)
class Value:
    key: str
    raw: object
    value: object
    sheet: str | None
    cell: str | None
    notes: tuple[Issue, ...] = ()
    error: Issue | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.value is not None


@dataclass
class Submission:
    file: str
    sha256: str
    template_version: int
    project: dict[str, Value]
    reports: dict[int, dict[str, Value]]
    issues: list[Issue] = field(default_factory=list)
    routes: dict[str, str] = field(default_factory=dict)
    saved_by: str | None = None

    @property
    def project_code(self) -> str | None:
        v = self.project.get("project_code")
        return v.value if v and isinstance(v.value, str) else None

    @property
    def fiscal_year(self) -> int | None:
        v = self.project.get("fiscal_year")
        return v.value if v and isinstance(v.value, int) else None

    def values(self):
        yield from self.project.values()
        for k in sorted(self.reports):
            yield from self.reports[k].values()

    def filled_reports(self) -> list[int]:
        return [k for k, row in sorted(self.reports.items())
                if any(v.raw is not None and not is_blank(v.raw) for key, v in row.items())]


#: Verdicts about the moment, not the file: not found or unreadable, out of time, an error of ours.
#: Kept in the ledger as "transient" and read again on the next run, never told to the sender.
TRANSIENT_CODES = frozenset({"F001", "F012", "M009"})


@dataclass
class Rejection:
    file: str
    sha256: str | None
    issue: Issue
    detail: str | None = None          # the traceback of an error of ours, for progress_xl.log

    @property
    def transient(self) -> bool:
        return self.issue.code in TRANSIENT_CODES


def internal_error(file: str) -> Issue:
    """progress_xl could not process `file` because of an error of its own (detail in the log)."""
    from .faults import LOG_NAME
    return issue("M009", file=file, log=LOG_NAME)


# -- identification ---------------------------------------------------------------------------
def _identity(book: Book, spec_id: str, *, trust_properties: bool = False) -> tuple[int | None, dict, list[str]]:
    """(template version, `_meta`'s key -> value, disagreements between the two). With
    `trust_properties`, a version named by the custom properties is taken without reading `_meta`."""
    props = book.custom_properties
    meta: dict[str, str] = {}
    settled = trust_properties and props.get("progress_xl_template") == spec_id and _int(props.get("progress_xl_version"))
    if "_meta" in book.sheets and not settled:
        cells = book.cells("_meta", 200)
        for row in range(1, 201):
            key, value = cells.get((row, 1)), cells.get((row, 2))
            if key is not None and key.value is not None:
                meta[str(key.value).strip()] = "" if value is None or value.value is None else str(value.value).strip()
    disagreements = []
    version = None
    if props.get("progress_xl_template") == spec_id:
        version = _int(props.get("progress_xl_version"))
    if meta.get("template_id") == spec_id:
        meta_version = _int(meta.get("template_version"))
        if version is not None and meta_version is not None and meta_version != version:
            disagreements.append(f"version {meta_version} != {version}")
        if version is None:
            version = meta_version
    if version is None and any(n.startswith("px_") for n in book.defined_names):
        version = _infer_version(book)
    return version, meta, disagreements


def _int(v):
    """A version as written (2, "2.0", "v2") -> 2; text that is no version stays text (refused as T002,
    never guessed); blank -> None."""
    version = parse_version(v)
    return version if version is not None or is_blank(v) else str(v).strip()


def _infer_version(book: Book) -> int | None:
    """No properties and no _meta (both stripped by some tools): match the names to a spec layout."""
    for version in sorted(available_versions(), reverse=True):
        spec = load_spec(version)
        dest = _name_destination(book, spec.field("progress").defined_name)
        if dest and dest[1].replace("$", "").startswith(f"{spec.field('progress').column}{spec.monthly.first_row}"):
            return version
    return None


def _name_destination(book: Book, name: str) -> tuple[str, str] | None:
    text = book.defined_names.get(name)
    return None if text is None else _destination(text)


@functools.lru_cache(maxsize=1024)
def _destination(text: str) -> tuple[str, str] | None:
    """(sheet, range) of a name's text when it points at one range; every workbook of a template
    version carries the same texts, so each is tokenised once."""
    try:
        with parse_errors():
            dests = list(DefinedName("x", attr_text=text).destinations)
    except Exception:  # noqa: BLE001 - a name whose text openpyxl cannot tokenise (#REF!, formulas): unusable
        return None
    return dests[0] if len(dests) == 1 else None


# -- location ---------------------------------------------------------------------------------
#: field key -> (sheet, cell) of a project field; -> (sheet, column letter, first row) of a monthly field
Places = dict[str, tuple[str, str]]
Columns = dict[str, tuple[str, str, int]]


@dataclass
class _Locator:
    spec: TemplateSpec
    book: Book
    meta: dict
    routes: dict = field(default_factory=dict)

    def sheet_names(self):
        return self.book.sheets

    def project_cell(self, f: FieldSpec) -> tuple[str, str] | None:
        dest = _name_destination(self.book, f.defined_name)
        if dest and dest[0] in self.sheet_names():
            self.routes[f.key] = "name"
            return dest[0], dest[1].replace("$", "").split(":")[0]
        meta = self.meta.get(f"field.{f.key}")
        if meta and "!" in meta:
            sheet, ref = meta.rsplit("!", 1)
            if sheet in self.sheet_names():
                min_col, row, _, _ = range_boundaries(ref)
                label_col = _col_number(f"{self.spec.project_label_columns[0]}1")
                if _label_key(self.book.cell(sheet, row, label_col)).rstrip("*") != _label_key(f.th):
                    return None
                self.routes[f.key] = "meta"
                return sheet, ref
        return None

    def monthly_column(self, f: FieldSpec) -> tuple[str, str, int] | None:
        """(sheet, column letter, first row) of a monthly field."""
        dest = _name_destination(self.book, f.defined_name)
        if dest and dest[0] in self.sheet_names():
            min_col, min_row, _, _ = range_boundaries(dest[1].replace("$", ""))
            self.routes[f.key] = "name"
            return dest[0], a1(0, min_col - 1)[:-1], min_row
        meta = self.meta.get(f"field.{f.key}")
        if meta and "!" in meta:
            sheet, ref = meta.rsplit("!", 1)
            if sheet in self.sheet_names():
                try:
                    min_col, min_row, _, _ = range_boundaries(ref)
                except ValueError:
                    return None
                header = min_row - (self.spec.monthly.first_row - self.spec.monthly.header_th_row)
                if header < 1 or _label_key(self.book.cell(sheet, header, min_col)) != _label_key(f.th):
                    return None          # stale: rows were inserted or columns moved; labels decide
                self.routes[f.key] = "meta"
                return sheet, a1(0, min_col - 1)[:-1], min_row
        return None


def _scan(book: Book, title: str) -> dict[tuple[int, int], object]:
    return {(r, c): cell.value for (r, c), cell in sorted(book.cells(title, LABEL_SCAN_ROWS).items())
            if r <= LABEL_SCAN_ROWS and c <= LABEL_SCAN_COLS and cell.value is not None}


def _label_key(text) -> str:
    return re.sub(r"[\s*:]+", "", clean_text(str(text))).casefold()


def _locate_by_labels(loc: _Locator, project_missing: list[FieldSpec], monthly_missing: list[FieldSpec],
                      places: Places, columns: Columns) -> None:
    if not project_missing and not monthly_missing:
        return                                  # every field found by its name: nothing to scan
    spec = loc.spec
    scans = {title: _scan(loc.book, title) for title in loc.book.titles if loc.book.state(title) == "visible"}
    th_col, en_col = (_col_number(f"{c}1") for c in spec.project_label_columns)
    for f in project_missing:
        # the value keeps its place right of the label found (Thai or English), wherever columns were inserted
        hit = _find_label(scans, {_label_key(f.th): th_col, _label_key(f.en): en_col})
        if hit:
            title, row, col, label_col = hit
            places[f.key] = (title, a1(row - 1, col + _col_number(f.at_cell) - label_col - 1))
            loc.routes[f.key] = "label"
    monthly = spec.monthly
    for f in monthly_missing:
        hit = _find_label(scans, {_label_key(f.th): monthly.header_th_row, _label_key(f.en): monthly.header_en_row})
        if hit:
            title, row, col, header_row = hit
            columns[f.key] = (title, a1(0, col - 1)[:-1], row + monthly.first_row - header_row)
            loc.routes[f.key] = "label"


def _find_label(scans: dict[str, dict[tuple[int, int], object]], labels: dict[str, int]
                ) -> tuple[str, int, int, int] | None:
    """(sheet, row, column, what the label stands for) of the first cell holding one of `labels`."""
    for title, cells in scans.items():
        for (row, col), v in cells.items():
            if isinstance(v, str) and (key := _label_key(v)) in labels:
                return title, row, col, labels[key]
    return None


def _col_number(ref: str) -> int:
    return range_boundaries(ref)[0]


# -- values -----------------------------------------------------------------------------------
def _choice(spec: TemplateSpec, f: FieldSpec, text: object, raw) -> Parsed:
    """A list choice from what was typed: exact, or cleaned (NBSP, zero-width, เเ) or an alias, with a note."""
    assert f.choices is not None            # a choice field names its list (the spec loader checks)
    wanted = clean_text(str(text)).casefold()
    for c in spec.choices[f.choices]:
        if wanted in {a.casefold() for a in (c.value, c.en, *c.aliases)}:
            notes = () if raw == c.value else (Note("N001", {"raw": raw, "value_th": c.value, "value_en": c.en}),)
            return Parsed(c.value, notes)
    raise Unreadable("V004")


def _value(spec: TemplateSpec, f: FieldSpec, cell, sheet: str, ref: str, file: str, date1904: bool,
           near: int | None = None) -> Value:
    raw = None if cell is None else cell.value
    ctx = {"label_th": f.th, "label_en": f.en, "field": f.key}
    if raw is None or is_blank(raw):
        return Value(f.key, raw, None, sheet, ref)
    dtype = getattr(cell, "data_type", None)
    if dtype == "f" or (isinstance(raw, str) and raw.startswith("=") and dtype != "s"):
        code = "V014" if re.search(r"\[\d+\]|\.xls[xmb]?\b", str(raw), re.I) else "V007"
        return Value(f.key, raw, None, sheet, ref, error=_at(code, file, sheet, ref, raw, ctx))
    if dtype == "e" or (isinstance(raw, str) and raw.strip() in ERROR_VALUES):
        return Value(f.key, raw, None, sheet, ref, error=_at("V008", file, sheet, ref, raw, ctx))
    try:
        parsed = parse_field(f, raw, number_format=getattr(cell, "number_format", None), date1904=date1904,
                             near=near)
        if f.type == "choice" and parsed.value is not None:
            parsed = _choice(spec, f, parsed.value, raw)
    except Unreadable as exc:
        return Value(f.key, raw, None, sheet, ref, error=_at(exc.code, file, sheet, ref, raw, {**ctx, **exc.context}))
    notes = tuple(_at(n.code, file, sheet, ref, raw, {**ctx, **n.context}) for n in parsed.notes
                  if not _as_asked(n, raw, parsed.value, cell))
    return Value(f.key, raw, parsed.value, sheet, ref, notes)


def _as_asked(note: Note, raw, value, cell) -> bool:
    """`22/10/2563` in a text cell (a v3 report date) is what the workbook asks for: no note to tell."""
    return (note.code == "N001" and getattr(cell, "number_format", None) == "@" and isinstance(value, dt.date)
            and isinstance(raw, str) and raw.strip() == format_be(value))


def _at(code: str, file: str, sheet: str, ref: str, raw, context: dict) -> Issue:
    context = dict(context)
    shown = context.pop("value", raw)        # a parser may say how to show the value
    return issue(code, file=file, sheet=sheet, at=ref, value=shown, **context)


def _resolve_fractions(spec, reports, file, history: dict[int, Decimal]) -> list[Issue]:
    """A progress of 0 < x <= 1 in a plain cell may be a fraction typed as `5%`: never guess silently."""
    found = []
    f = spec.field("progress")
    for k in sorted(reports):
        v = reports[k].get("progress")
        if not v or not v.ok or not (0 < v.value <= 1) or any(n.code == "N003" for n in v.notes):
            continue
        earlier = [row["progress"].value for j, row in reports.items() if j < k and row.get("progress")
                   and row["progress"].ok] + [p for j, p in history.items() if j < k]
        best = max(earlier, default=None)
        scaled = (v.value * 100).normalize()
        value = scaled if best is not None and best > v.value and scaled >= best else v.value
        warning = issue("V012", file=file, sheet=v.sheet, at=v.cell, value=v.raw, label_th=f.th, label_en=f.en,
                        percent=f"{scaled:f}")
        reports[k]["progress"] = Value(v.key, v.raw, value, v.sheet, v.cell, v.notes + (warning,))
        found.append(warning)
    return found


# -- the reader -------------------------------------------------------------------------------
def _merged(book: Book, title: str) -> list[str]:
    data = book.part(title)
    tail = data[data.rfind(b"<mergeCells"):]          # none: rfind gives -1, the last byte, no range
    return re.findall(r'<mergeCell ref="([A-Z]+\d+:[A-Z]+\d+)"', tail.decode("utf-8", "replace"))


def _read_box(book: Book, title: str, refs: list[str]) -> dict[str, Cell]:
    """The cells `refs` of one sheet, read in one pass down to the lowest of them."""
    if not refs:
        return {}
    places = {ref: coordinate_to_tuple(ref) for ref in refs}
    cells = book.cells(title, max(row for row, _ in places.values()))
    return {ref: cells[rc] for ref, rc in places.items() if rc in cells}


def read_submission(path: Path, *, name: str | None = None, history: dict[int, Decimal] | None = None
                    ) -> Submission | Rejection:
    """Read one workbook; never raises for anything the file contains."""
    path = Path(path)
    name = name or path.name
    try:
        data = read_capped(path)
    except Rejected as exc:
        return Rejection(name, _digest(path), issue(exc.code, file=name, **exc.context))
    sha = hashlib.sha256(data).hexdigest()
    try:
        with time_limit():
            book = open_book(data)          # the parsers' refusals are the file's (Rejected: F008, F010)
            try:
                return _read(book, name, sha, history or {})
            finally:
                book.close()
    except Rejected as exc:
        return Rejection(name, sha, issue(exc.code, file=name, **exc.context))
    except Exception:  # noqa: BLE001 - anything else is ours: never the sender's fault, read again next run
        from .faults import current_traceback
        return Rejection(name, sha, internal_error(name), current_traceback())


def _digest(path: Path) -> str | None:
    """The sha256 of a file too big to read whole (or None when it cannot be read at all)."""
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def project_code_of(source: Path | bytes) -> str | None:
    """The project code written inside a workbook (a path or its bytes), read cheaply (one cell), or
    None when it is not one of ours or cannot be read. `collect` names what it saves by it;
    `read_submission` decides."""
    try:
        with time_limit(), parse_errors():
            book = open_book(source if isinstance(source, bytes) else read_capped(Path(source)))
            try:
                base = load_spec()
                version, meta, _ = _identity(book, base.id, trust_properties=True)
                spec = load_spec(version) if version in available_versions() else None
                place = _Locator(spec, book, meta).project_cell(spec.field("project_code")) if spec else None
                if place is None:
                    return None
                col, row, _, _ = range_boundaries(place[1])
                value = book.cell(place[0], row, col)
                if isinstance(value, str) and value.startswith("="):
                    return None                 # a formula, not a code (read_submission says so)
                code = normalise_code(value).value
                return code if isinstance(code, str) else None
            finally:
                book.close()
    except Rejected:
        return None
    except Exception:  # noqa: BLE001 - naming is a courtesy; read_submission gives the reason later
        return None


def _read(book: Book, file: str, sha: str, history: dict[int, Decimal]) -> Submission | Rejection:
    base = load_spec()
    known = _template(book, file, sha, base.id)
    if isinstance(known, Rejection):
        return known
    spec, meta, issues = known
    loc = _Locator(spec, book, meta)
    located = _locate(loc, file, sha)
    if isinstance(located, Rejection):
        return located
    places, columns, found = located
    issues += found
    by_sheet = _boxes(spec, places, columns)
    cells = {sheet: _read_box(book, sheet, refs) for sheet, refs in by_sheet.items()}
    project, reports = _fields(spec, places, columns, cells, file, book.date1904)
    _into_current_schema(base, project, reports)
    issues += _derived_checks(spec, columns, places, cells, file)
    issues += _resolve_fractions(spec, reports, file, history)
    issues += _merged_inputs(book, by_sheet, file)
    return Submission(file, sha, spec.version, project, reports, issues, loc.routes, book.saved_by)


def _template(book: Book, file: str, sha: str, spec_id: str) -> tuple[TemplateSpec, dict, list[Issue]] | Rejection:
    """The workbook's template version and its spec, or why it has none we know; with what the
    identification found to tell (disagreements, hidden sheets that are not the template's)."""
    version, meta, disagreements = _identity(book, spec_id)
    if version is None:
        return Rejection(file, sha, issue("T001", file=file))
    try:
        if not isinstance(version, int):
            raise SpecError(version)
        spec = load_spec(version)
    except SpecError:
        return Rejection(file, sha, issue("T002", file=file, version=version))
    issues = [issue("T007", file=file, detail=d) for d in disagreements]
    ours = set(spec.sheets.values())
    issues += [issue("T005", file=file, sheet=title) for title in book.titles
               if book.state(title) != "visible" and title not in ours]
    return spec, meta, issues


def _locate(loc: _Locator, file: str, sha: str) -> tuple[Places, Columns, list[Issue]] | Rejection:
    """Where each field is (by name, `_meta` or label, each route other than the name told), or a
    rejection when the project code or most of the fields cannot be found."""
    spec = loc.spec
    places = {f.key: p for f in spec.project_fields if (p := loc.project_cell(f))}
    columns = {f.key: c for f in spec.monthly_fields if (c := loc.monthly_column(f))}
    _locate_by_labels(loc, [f for f in spec.project_fields if f.key not in places],
                      [f for f in spec.monthly_fields if f.key not in columns], places, columns)
    issues = [issue("T003", file=file, field=key, route={"meta": " _meta", "label": "ป้ายชื่อ / label"}[route])
              for key, route in loc.routes.items() if route != "name"]
    missing = [f.key for f in spec.project_fields if f.key not in places and (f.required or f.is_input)] + \
              [f.key for f in spec.monthly_fields if f.key not in columns and f.is_input]
    if "project_code" in missing or len(missing) > len(spec.fields) // 2:
        return Rejection(file, sha, issue("T004", file=file, field=", ".join(missing[:5])))
    issues += [issue("T004", file=file, field=k) for k in missing]
    return places, columns, issues


def _boxes(spec: TemplateSpec, places: Places, columns: Columns) -> dict[str, list[str]]:
    """sheet -> the cells of the fields located on it (a monthly field's cells of every report)."""
    by_sheet: dict[str, list[str]] = {}
    for sheet, ref in places.values():
        by_sheet.setdefault(sheet, []).append(ref)
    for sheet, col, first in columns.values():
        by_sheet.setdefault(sheet, []).extend(f"{col}{first + i}" for i in range(spec.monthly.rows))
    return by_sheet


def _fields(spec: TemplateSpec, places: Places, columns: Columns, cells: dict[str, dict[str, Cell]], file: str,
            date1904: bool) -> tuple[dict[str, Value], dict[int, dict[str, Value]]]:
    """The project's values and each report's, from the cells read; derived ones recomputed."""
    project: dict[str, Value] = {}
    for f in spec.project_fields:
        if f.key in places and f.derive is None:
            sheet, ref = places[f.key]
            project[f.key] = _value(spec, f, cells[sheet].get(ref), sheet, ref, file, date1904)
    reports: dict[int, dict[str, Value]] = {}
    for k in range(1, spec.monthly.rows + 1):
        reports[k] = {}
        for f in spec.monthly_fields:
            if f.key in columns and f.derive is None:
                sheet, col, first = columns[f.key]
                ref = f"{col}{first + k - 1}"
                reports[k][f.key] = _value(spec, f, cells[sheet].get(ref), sheet, ref, file, date1904,
                                           _near(project, k) if f.type == "date" else None)
    for f in spec.project_fields:           # derived: recomputed from the inputs, never read
        if f.derive == "total:disbursed":
            project[f.key] = _total_disbursed(f, places, cells, reports)
    return project, reports


def _total_disbursed(f: FieldSpec, places: Places, cells: dict[str, dict[str, Cell]],
                     reports: dict[int, dict[str, Value]]) -> Value:
    amounts = [row["disbursed"].value for row in reports.values() if "disbursed" in row]
    total = sum((a for a in amounts if isinstance(a, Decimal)), Decimal(0))     # an amount read is a Decimal
    if f.key not in places:
        return Value(f.key, None, total, None, None)
    sheet, ref = places[f.key]
    cell = cells[sheet].get(ref)
    return Value(f.key, None if cell is None else cell.value, total, sheet, ref)


def _merged_inputs(book: Book, by_sheet: dict[str, list[str]], file: str) -> list[Issue]:
    """A merged range over any cell the reader reads (the title rows' own merges aside)."""
    found = []
    for sheet, refs in by_sheet.items():
        merged = [rng for rng in _merged(book, sheet) if not rng.startswith(("A1:", "A2:"))]
        ours = [range_boundaries(ref)[:2] for ref in refs] if merged else []
        found += [issue("T006", file=file, sheet=sheet, range=rng) for rng in merged if _covers(rng, ours)]
    return found


def _near(project: dict, k: int) -> int | None:
    """The CE year of report k's month, from the workbook's fiscal year (reads two-digit years)."""
    fy = project.get("fiscal_year")
    year = fy.value if fy is not None and fy.ok else None
    if not isinstance(year, int) or not 2400 < year < 2800:
        return None
    return report_month(year, k)[0]


def _into_current_schema(current: TemplateSpec, project: dict, reports: dict) -> None:
    """An older version's workbook lacks the fields added since: they read as empty, with no cell."""
    for f in current.project_fields:
        project.setdefault(f.key, Value(f.key, None, None, None, None))
    for row in reports.values():
        for f in current.monthly_fields:
            if f.derive is None:
                row.setdefault(f.key, Value(f.key, None, None, None, None))


def _covers(rng: str, cells: list[tuple[int, int]]) -> bool:
    """Does the merged range `rng` (more than one cell) cover any of `cells` (column, row)?"""
    c0, r0, c1, r1 = range_boundaries(rng)
    return (c0, r0) != (c1, r1) and any(c0 <= c <= c1 and r0 <= r <= r1 for c, r in cells)


def _derived_checks(spec, columns, places, cells, file) -> list[Issue]:
    """A derived cell typed over, or whose formula was changed, is flagged (its value is recomputed)."""
    found = []
    for f in spec.monthly_fields:
        if f.derive in ("running_total:disbursed", "self_check") and f.key in columns:
            sheet, col, first = columns[f.key]
            for k in range(1, spec.monthly.rows + 1):
                ref = f"{col}{first + k - 1}"
                cell = cells.get(sheet, {}).get(ref)
                if cell is None or cell.value is None:
                    continue
                typed_over = getattr(cell, "data_type", None) != "f"
                # the running total's formula is known exactly (when the block has not moved)
                changed = (not typed_over and f.derive == "running_total:disbursed" and first == spec.monthly.first_row
                           and not same_formula(cell.value, running_total_formula(spec, spec.monthly.row_of(k))))
                if typed_over or changed:
                    found.append(issue("T008", file=file, sheet=sheet, at=ref, field=f.key))
    for f in spec.project_fields:
        if f.derive and f.key in places:
            sheet, ref = places[f.key]
            cell = cells.get(sheet, {}).get(ref)
            if cell is not None and getattr(cell, "data_type", None) != "f":
                found.append(issue("T008", file=file, sheet=sheet, at=ref, field=f.key))
    return found
