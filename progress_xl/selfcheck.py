"""The workbook's live self-check, generated from the spec: one Excel condition per check.

Each check has a formula (for Excel and LibreOffice) and a Python twin that evaluates the same
condition on the values as written to the cells, so that the cached results xlsxwriter stores
are what a client computes. The Python validator uses the same codes (parity is tested through
LibreOffice). In v1 and v2 the self-check checks less than the validator: it asks for a plain number,
a real date and a list choice; from v3 on it reads dates and numbers typed as text as the validator
does (`sheets/typed.py`), through the hidden helper columns the spec declares.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property
from decimal import Decimal
from typing import Callable

from .fiscal import fiscal_bounds, format_be, month_bounds
from .issues import render
from .sheets import typed
from .spec import FieldSpec, TemplateSpec

SEPARATOR = "; "


@dataclass(frozen=True)
class Check:
    code: str
    field: FieldSpec
    condition: Callable[[int], str]                  # Excel row -> condition formula
    holds: Callable[[int, dict[int, dict]], bool]    # (k, written rows) -> condition true

    bounds: tuple[str, str] | None = None           # shown instead of the field's min and max

    def message(self) -> str:
        return self._message

    @cached_property
    def _message(self) -> str:                      # the same for every row: rendered once
        lo, hi = self.bounds or (_fmt(self.field.min), _fmt(self.field.max))
        ctx = {"label_th": self.field.th, "label_en": self.field.en, "min": lo, "max": hi, "value": ""}
        th, en = render(self.code, **ctx)
        strip = re.compile(r"\s*\((พบ|found)[^)]*\)")
        return f"{strip.sub('', th)} / {strip.sub('', en)}"


def _fmt(x):
    return None if x is None else (int(x) if float(x).is_integer() else x)


def _is_number(v) -> bool:
    return isinstance(v, (int, float, Decimal, dt.date)) and not isinstance(v, bool)


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def _num(v) -> Decimal:
    """A number cell's value as Excel compares and adds it: a date counts as its serial number."""
    return Decimal(_serial(v)) if isinstance(v, dt.date) else Decimal(str(v))


def _serial(v) -> float:
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, dt.date):
        return (v - dt.date(1899, 12, 30)).days
    return float(v)


def _date(d: dt.date) -> str:
    return f"DATE({d.year},{d.month},{d.day})"


def row_checks(spec: TemplateSpec, fy: int, budget_ref: str, budget) -> list[Check]:
    """Every check of one monthly row, in field order, generated from the field specs.

    From template v3 on, a date typed as text is checked through the locked column that reads it
    (`be_date:<key>`), and an amount or percentage typed as text is read through its hidden helpers as
    the validator reads it (`typed`): the self-check then agrees with the validator on the lenient
    values too."""
    checks: list[Check] = []
    for f in spec.monthly_fields:
        if f.is_input:
            checks.extend(_field_checks(spec, fy, f))
    checks.extend(_across_rows(spec, budget_ref, budget))
    return checks


def _getter(key: str) -> Callable[[int, dict[int, dict]], object]:
    return lambda k, rows: rows.get(k, {}).get(key)


def _read_as(spec: TemplateSpec, f: FieldSpec) -> FieldSpec | None:
    """The derived field that reads field f's text (v3 dates), if any."""
    return next((x for x in spec.monthly_fields if x.derive == f"be_date:{f.key}"), None)


def _field_checks(spec: TemplateSpec, fy: int, f: FieldSpec) -> list[Check]:
    col, get, out = f.at_column, _getter(f.key), []
    if f.required:
        out.append(Check("V001", f, lambda r: f"LEN(TRIM({col}{r}))=0", lambda k, rows: _blank(get(k, rows))))
    if f.type in ("percent", "money"):
        out.extend(_number_checks(spec, f))
    if f.type == "percent" and f.min is not None and f.max is not None:
        lo, hi = f.min, f.max
        read, value = read_column(spec, f.key) or col, _getter(read_key(spec, f.key))
        out.append(Check("V003", f, lambda r: f"AND(ISNUMBER({read}{r}),OR({read}{r}<{_fmt(lo)},{read}{r}>{_fmt(hi)}))",
                         lambda k, rows: _is_number(value(k, rows)) and not lo <= _num(value(k, rows)) <= hi))
    if f.type == "money" and f.min is not None:
        out.append(Check("V006", f, lambda r: f"AND(ISNUMBER({col}{r}),{col}{r}<0)",
                         lambda k, rows: _is_number(get(k, rows)) and _num(get(k, rows)) < 0))
    if f.type == "choice" and f.choices:
        values, name = spec.choice_values(f.choices), f"px_list_{f.choices}"
        allowed = {v.casefold() for v in values}
        # SUMPRODUCT of an exact comparison: COUNTIF and MATCH treat * ? ~ as wildcards.
        out.append(Check("V004", f, lambda r: f"AND(LEN(TRIM({col}{r}))>0,SUMPRODUCT(--({name}={col}{r}))=0)",
                         lambda k, rows: not _blank(get(k, rows)) and str(get(k, rows)).strip().casefold() not in allowed))
    if f.type == "date":
        out.extend(_date_checks(spec, fy, f))
    return out


def _number_checks(spec: TemplateSpec, f: FieldSpec) -> list[Check]:
    """V002 (no number in it) and, from v3 on, V013 (a number written in a way not guessed): v1 and v2
    ask for a plain number; v3 reads text as the validator does, through the field's `_text` helper."""
    col, get = f.at_column, _getter(f.key)
    text = spec.monthly.helpers.get(f"{f.key}_text")
    if text is None:
        return [Check("V002", f, lambda r: f"AND(LEN(TRIM({col}{r}))>0,NOT(ISNUMBER({col}{r})))",
                      lambda k, rows: not _blank(get(k, rows)) and not _is_number(get(k, rows)))]
    kind = f.type
    return [Check("V002", f, lambda r: typed.unreadable_number_condition(f"{col}{r}", f"{text}{r}", kind),
                  lambda k, rows: typed.unreadable_number(get(k, rows), kind)),
            Check("V013", f, lambda r: typed.ambiguous_number_condition(f"{col}{r}", f"{text}{r}", kind),
                  lambda k, rows: typed.ambiguous_number(get(k, rows), kind))]


def _date_checks(spec: TemplateSpec, fy: int, f: FieldSpec) -> list[Check]:
    """V005 (not a date), V009 (outside the fiscal year), R103 (outside the report's month): on the
    cell itself, or from v3 on, on the column that reads its text; v3 also V013 (a month past 12)."""
    first, last = fiscal_bounds(fy)
    first_s, last_s = _serial(first), _serial(last)
    parsed = _read_as(spec, f)
    typed_col, get = f.at_column, _getter(f.key)
    col, value = (parsed.at_column, _getter(parsed.key)) if parsed else (f.at_column, get)
    helpers = spec.monthly.helpers
    ambiguous: list[Check] = []
    if parsed and "date_day" in helpers:          # v3: a month past 12 is V013, as the validator says
        s, d, m, y = (helpers[k] for k in ("date_parts", "date_day", "date_month", "date_year"))
        amb = lambda r: typed.ambiguous_date_condition(f"{typed_col}{r}", f"{col}{r}", f"{s}{r}", f"{d}{r}",  # noqa: E731
                                                      f"{m}{r}", f"{y}{r}")
        ambiguous.append(Check("V013", f, amb, lambda k, rows: typed.ambiguous_date(get(k, rows))))
        v005 = Check("V005", f, lambda r: f"AND(LEN(TRIM({typed_col}{r}))>0,NOT(ISNUMBER({col}{r})),NOT({amb(r)}))",
                     lambda k, rows: not _blank(get(k, rows)) and not _is_number(value(k, rows))
                     and not typed.ambiguous_date(get(k, rows)))
    elif parsed:
        v005 = Check("V005", f, lambda r: f"AND(LEN(TRIM({typed_col}{r}))>0,NOT(ISNUMBER({col}{r})))",
                     lambda k, rows: not _blank(get(k, rows)) and not _is_number(value(k, rows)))
    else:
        v005 = Check("V005", f, lambda r: f"AND(LEN(TRIM({col}{r}))>0,NOT(ISNUMBER({col}{r})))",
                     lambda k, rows: not _blank(get(k, rows)) and not _is_number(get(k, rows)))
    v009 = Check("V009", f, lambda r: f"AND(ISNUMBER({col}{r}),OR({col}{r}<{_date(first)},{col}{r}>{_date(last)}))",
                 lambda k, rows: _is_number(value(k, rows)) and not first_s <= _serial(value(k, rows)) <= last_s,
                 (format_be(first), format_be(last)))
    r103 = Check("R103", f, lambda r: _month_condition(spec, fy, col, r),
                 lambda k, rows: _is_number(value(k, rows)) and first_s <= _serial(value(k, rows)) <= last_s
                 and not _in_month(fy, k, value(k, rows)))
    return [v005, *ambiguous, v009, r103]


def _across_rows(spec: TemplateSpec, budget_ref: str, budget) -> list[Check]:
    """R101 (cumulative progress fell) and R102 (disbursed to date over the budget)."""
    progress, disbursed = spec.field("progress"), spec.field("disbursed")
    p, d, top = read_column(spec, "progress") or progress.column, amount_column(spec) or disbursed.column, spec.monthly.first_row
    key, pk = amount_key(spec), read_key(spec, "progress")
    r101 = Check("R101", progress,
                 lambda r: "FALSE" if r == top else f"AND(ISNUMBER({p}{r}),COUNT({p}${top}:{p}{r - 1})>0,{p}{r}<MAX({p}${top}:{p}{r - 1}))",
                 lambda k, rows: _is_number(rows.get(k, {}).get(pk)) and any(
                     _is_number(rows.get(j, {}).get(pk)) and _num(rows[j][pk]) > _num(rows[k][pk])
                     for j in range(1, k)))
    r102 = Check("R102", disbursed,
                 lambda r: f"AND(ISNUMBER({budget_ref}),SUM({d}${top}:{d}{r})>{budget_ref})",
                 lambda k, rows: _is_number(budget) and sum(
                     (_num(rows.get(j, {}).get(key)) for j in range(1, k + 1)
                      if _is_number(rows.get(j, {}).get(key))), Decimal(0)) > _num(budget))
    return [r101, r102]


def _month_condition(spec: TemplateSpec, fy: int, col: str, r: int) -> str:
    k = r - spec.monthly.first_row + 1
    start, end = month_bounds(fy, k)
    first, last = fiscal_bounds(fy)
    return (f"AND(ISNUMBER({col}{r}),{col}{r}>={_date(first)},{col}{r}<={_date(last)},"
            f"OR({col}{r}<{_date(start)},{col}{r}>{_date(end)}))")


def _in_month(fy: int, k: int, value) -> bool:
    start, end = month_bounds(fy, k)
    return _serial(start) <= _serial(value) <= _serial(end)


def _literal(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def started_condition(spec: TemplateSpec, r: int) -> str:
    cells = ",".join(f"{f.column}{r}" for f in spec.monthly_fields if f.is_input)
    return f"COUNTA({cells})>0"


def problems_formula(checks: list[Check], r: int) -> str:
    """Every failing check's message, each followed by "; " (a hidden helper column)."""
    parts = [f"IF({cond},{_literal(c.message() + SEPARATOR)},\"\")" for c in checks
             if (cond := c.condition(r)) != "FALSE"]
    return "=" + "&".join(parts)


def read_column(spec: TemplateSpec, key: str) -> str | None:
    """v3: the hidden column holding the number read from field `key` (typed as a number or as text such
    as `2,000 บาท`); None before v3, where only typed numbers count."""
    return spec.monthly.helpers.get(f"{key}_read")


def read_key(spec: TemplateSpec, key: str) -> str:
    """The key of the written rows that holds what read_column holds (the field's own before v3)."""
    return f"{key}_read" if read_column(spec, key) else key


def amount_column(spec: TemplateSpec) -> str | None:
    """The column the sums of the amounts add (v3: the amount read; None: the typed amounts)."""
    return read_column(spec, "disbursed")


def amount_key(spec: TemplateSpec) -> str:
    """The key of the written rows that holds the amount the sums add (see amount_column)."""
    return read_key(spec, "disbursed")


def running_total_formula(spec: TemplateSpec, r: int) -> str:
    """Disbursed to date in row r: blank until a first amount is typed."""
    d, first = amount_column(spec) or spec.field("disbursed").at_column, spec.monthly.first_row
    return f'=IF(COUNT({d}${first}:{d}{r})=0,"",SUM({d}${first}:{d}{r}))'


def same_formula(a: str, b: str) -> bool:
    """Equal up to what clients rewrite on save: `$`, quotes, spaces, case, the leading `=`."""
    norm = lambda f: "".join(str(f).lstrip("=").replace("$", "").replace("'", "").split()).casefold()  # noqa: E731
    return norm(a) == norm(b)


def row_formula(spec: TemplateSpec, r: int, helper: str) -> str:
    """`=IF(row empty,"",IF(no problem,"พร้อมส่ง / Ready",problems))`, reading the helper cell.

    The problems live in their own cell because Excel refuses formulas over 8,192 characters.
    """
    h = f"{helper}{r}"
    return (f'=IF(NOT({started_condition(spec, r)}),"",IF(LEN({h})=0,{_literal(spec.ready)},'
            f'LEFT({h},LEN({h})-{len(SEPARATOR)})))')


def problems_value(checks: list[Check], k: int, rows: dict[int, dict]) -> str:
    return "".join(c.message() + SEPARATOR for c in checks if c.holds(k, rows))


def row_value(spec: TemplateSpec, checks: list[Check], k: int, rows: dict[int, dict]) -> str:
    """The Python twin of row_formula for report k."""
    written = rows.get(k, {})
    if all(_blank(written.get(f.key)) for f in spec.monthly_fields if f.is_input):
        return ""
    found = [c.message() for c in checks if c.holds(k, rows)]
    return SEPARATOR.join(found) if found else spec.ready


def workbook_formula(spec: TemplateSpec, check_range: str) -> str:
    """The whole workbook: how many rows are started, how many have problems."""
    ready = _literal(spec.ready)
    bad = f'SUMPRODUCT(({check_range}<>"")*({check_range}<>{ready}))'
    started = f'SUMPRODUCT(--({check_range}<>""))'
    return (f'=IF({started}=0,"ยังไม่มีรายงาน / No report yet",IF({bad}=0,{ready},'
            f'"มีปัญหา "&{bad}&" แถว ดูคอลัมน์ผลตรวจ / "&{bad}&" row(s) with problems, see the check column"))')


def workbook_value(row_values: list[str], spec: TemplateSpec) -> str:
    started = sum(1 for v in row_values if v)
    bad = sum(1 for v in row_values if v and v != spec.ready)
    if started == 0:
        return "ยังไม่มีรายงาน / No report yet"
    if bad == 0:
        return spec.ready
    return f"มีปัญหา {bad} แถว ดูคอลัมน์ผลตรวจ / {bad} row(s) with problems, see the check column"
