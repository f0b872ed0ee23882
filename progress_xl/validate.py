"""validate: every rule over one Submission, in one pass; each finding is a catalogue Issue.

Rules are small functions `rule(ctx) -> Iterable[Issue]`, listed in RULES and all run (never stop
at the first). The earlier months already accepted (from the ledger, or the legacy import) come in
as `accepted`: {report k: {field key: value}}; keys 0, -1, ... are the previous fiscal year's
reports (0 = its September: `Ledger.accepted_across_years`), so October is judged against
September. A project that spans years brings its figures from the register (`funding`): progress
never below the start of the year, money against this year's allocation plus carry-over and
against the project's total. A warning on a row whose remark is filled is "explained": still
listed, no longer asking for anything.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from .fiscal import fiscal_bounds, format_be, month_bounds, month_label, month_label_en
from .issues import Issue, Severity, issue
from .read import Submission, Value
from .register import SPAN_KEYS, Funding, Project, funding
from .spec import TemplateSpec, load_spec
from .values import is_blank

FAR_BEHIND = Decimal(25)      # percentage points behind the plan while declaring "on plan"
FLAT_MONTHS = 3               # "on plan" while progress has not moved for this many months
FY_RANGE = (2400, 2800)       # a Buddhist-era fiscal year; anything else is not one (V-level already says so)
COMPARED = ("report_date", "progress", "disbursed", "plan_status", "target_status")


@dataclass
class Context:
    sub: Submission
    spec: TemplateSpec
    fy: int | None
    project: Project | None
    accepted: dict[int, dict]
    today: dt.date | None
    values: dict[int, dict] = field(default_factory=dict)    # k -> key -> value read (None when unusable)
    project_values: dict = field(default_factory=dict)        # key -> value read (None when unusable)
    before: dict[int, dict] = field(default_factory=dict)     # the previous fiscal year's accepted reports, k - 12
    span: Project = field(default_factory=lambda: Project({}))    # the figures across years, as given
    money: Funding = field(default_factory=lambda: funding(Project({})))     # ... and resolved

    def cell(self, k: int, key: str) -> Value | None:
        return self.sub.reports.get(k, {}).get(key)

    def at(self, code: str, k: int | None, key: str, **context) -> Issue:
        """An issue on the cell of `key` (in report k, or the project sheet when k is None)."""
        v = self.cell(k, key) if k else self.sub.project.get(key)
        f = self.spec.field(key)
        context.setdefault("label_th", f.th)
        context.setdefault("label_en", f.en)
        return issue(code, file=self.sub.file, sheet=v.sheet if v else None, at=v.cell if v else None,
                     k=k, **context)

    def filled(self) -> list[int]:
        return self.sub.filled_reports()

    def budget(self):
        if self.project_values.get("budget_allocated") is not None:
            return self.project_values["budget_allocated"]
        return _typed(self.spec, "budget_allocated", self.project["budget_allocated"]) if self.project else None

    def progress_series(self) -> dict[int, Decimal]:
        """Cumulative progress by report: the previous year's accepted months (k <= 0) and the start of
        the year's progress the register gives (k = 0), accepted earlier months, this workbook."""
        out = {k: row["progress"] for k, row in self.before.items() if row.get("progress") is not None}
        if self.span.stated("start_progress") and self.money.start_progress > 0:     # 0 is no floor, nor a month
            out[0] = max(out.get(0, self.money.start_progress), self.money.start_progress)
        out.update({k: row["progress"] for k, row in self.accepted.items() if row.get("progress") is not None})
        out.update({k: row["progress"] for k, row in self.values.items() if row.get("progress") is not None})
        progress = self.spec.field("progress")      # an out-of-range value is its own error, not a baseline
        return {k: v for k, v in sorted(out.items()) if progress.min <= v <= progress.max}


# -- one value ---------------------------------------------------------------------------------
def read_findings(ctx: Context) -> Iterable[Issue]:
    """What the reader found: template issues, unreadable values, and its warnings and notes."""
    yield from ctx.sub.issues
    for v in ctx.sub.values():
        if v.error:
            yield v.error
        yield from (n for n in v.notes if n.code != "V012")     # V012 is already in sub.issues


def required(ctx: Context) -> Iterable[Issue]:
    for f in ctx.spec.project_fields:
        v = ctx.sub.project.get(f.key)
        if f.required and v is not None and v.cell and is_blank(v.raw):
            yield ctx.at("V001", None, f.key)
    for k in ctx.filled():
        for f in ctx.spec.monthly_fields:
            v = ctx.cell(k, f.key)
            if f.required and v is not None and v.cell and is_blank(v.raw):
                yield ctx.at("V001", k, f.key)


def ranges(ctx: Context) -> Iterable[Issue]:
    first, last = fiscal_bounds(ctx.fy) if ctx.fy else (dt.date.min, dt.date.max)    # no year known: none outside
    for k in ctx.filled():
        for f in ctx.spec.monthly_fields:
            value = ctx.values[k].get(f.key)
            if value is None:
                continue
            if f.type == "percent" and f.min is not None and not f.min <= value <= f.max:
                yield ctx.at("V003", k, f.key, value=_num(value), min=_num(f.min), max=_num(f.max))
            if f.type == "date" and not first <= value <= last:
                yield ctx.at("V009", k, f.key, value=format_be(value), min=format_be(first), max=format_be(last))
            if f.max_length and isinstance(value, str) and len(value) > f.max_length:
                yield ctx.at("V011", k, f.key, max=f.max_length)


# -- across cells ------------------------------------------------------------------------------
def budget(ctx: Context) -> Iterable[Issue]:
    """Disbursed this year within the budget; with a carry-over or an allocation apart from the
    budget column, within this year's allocation plus the carry-over (R116)."""
    allocated, total = ctx.budget(), Decimal(0)
    if allocated is None:
        return
    money = ctx.money
    plain = money.carryover == 0 and money.allocation == allocated
    limit = allocated if plain else money.available
    for k in range(1, ctx.spec.monthly.rows + 1):
        d = ctx.values.get(k, {}).get("disbursed")
        total += d or 0
        if d is not None and total > limit:
            if plain:
                yield ctx.at("R102", k, "disbursed", value=_money(total), budget=_money(allocated))
            else:
                yield ctx.at("R116", k, "disbursed", value=_money(total), allocation=_money(money.allocation),
                             carryover=_money(money.carryover), budget=_money(limit))
            return                                   # once: every later month repeats it
    if ctx.project and ctx.project["budget_allocated"] is not None and allocated != ctx.project["budget_allocated"]:
        yield ctx.at("R113", None, "budget_allocated", value=_money(allocated),
                     register=_money(ctx.project["budget_allocated"]))


def project_total(ctx: Context) -> Iterable[Issue]:
    """What was disbursed before this year and this year's running total within the project's total."""
    money, year = ctx.money, Decimal(0)
    if ctx.budget() is None or not ctx.span.stated("total_budget"):
        return
    if money.disbursed_before + money.available <= money.total:
        return                  # then beyond the total is beyond this year's money: R102/R116 say it
    for k in range(1, ctx.spec.monthly.rows + 1):
        d = ctx.values.get(k, {}).get("disbursed")
        year += d or 0
        if d is not None and money.disbursed_before + year > money.total:
            yield ctx.at("R117", k, "disbursed", value=_money(money.disbursed_before + year),
                         before=_money(money.disbursed_before), year=_money(year), total=_money(money.total))
            return


def expired_carryover(ctx: Context) -> Iterable[Issue]:
    """After the carry-over's deadline the year has its allocation and the carry-over used by then
    (counted as spent first: carried-over funds lapse at their deadline)."""
    money = ctx.money
    deadline = money.carryover_deadline
    if not (ctx.fy and deadline and money.carryover > 0):
        return
    running, used = Decimal(0), None
    for k in range(1, ctx.spec.monthly.rows + 1):
        if used is None and month_bounds(ctx.fy, k)[0] > deadline:
            used = min(running, money.carryover)
        d = ctx.values.get(k, {}).get("disbursed")
        running += d or 0
        if used is not None and d is not None and running > money.allocation + used:
            yield ctx.at("R118", k, "disbursed", value=_money(running), deadline=format_be(deadline),
                         cap=_money(money.allocation + used), allocation=_money(money.allocation), used=_money(used))
            return


def report_dates(ctx: Context) -> Iterable[Issue]:
    if not ctx.fy:
        return
    first, last = fiscal_bounds(ctx.fy)
    lo, hi = ctx.spec.reporting_window
    for k in ctx.filled():
        day = ctx.values[k].get("report_date")
        if day is None or not first <= day <= last:
            continue
        start, end = month_bounds(ctx.fy, k)
        if not start <= day <= end:
            yield ctx.at("R103", k, "report_date", value=format_be(day), month=month_label(ctx.fy, k),
                         month_en=month_label_en(ctx.fy, k))
        elif not lo <= day.day <= hi:
            yield ctx.at("R104", k, "report_date", value=format_be(day), lo=lo, hi=hi)


def project_dates(ctx: Context) -> Iterable[Issue]:
    start, end = (ctx.project_values.get(k) for k in ("start_date", "end_date"))
    if start and end and start > end:
        yield ctx.at("R105", None, "end_date", value=format_be(end), start=format_be(start))


def future_months(ctx: Context) -> Iterable[Issue]:
    if not (ctx.today and ctx.fy):
        return
    for k in ctx.filled():
        start, _ = month_bounds(ctx.fy, k)
        if start > ctx.today:
            yield ctx.at("R106", k, "progress", month=month_label(ctx.fy, k), month_en=month_label_en(ctx.fy, k),
                         today=format_be(ctx.today))


# -- across months -----------------------------------------------------------------------------
def progress_falls(ctx: Context) -> Iterable[Issue]:
    series, best = ctx.progress_series(), None
    for k, value in series.items():
        if best is not None and value < best and k in ctx.values:
            yield ctx.at("R101", k, "progress", value=_num(value), previous=_num(best))
        best = value if best is None else max(best, value)


def disbursement_falls(ctx: Context) -> Iterable[Issue]:
    """Against accepted months: the running total may not drop below what was accepted."""
    accepted_total, ours = {}, Decimal(0)
    running = Decimal(0)
    for k in range(1, ctx.spec.monthly.rows + 1):
        row = ctx.accepted.get(k, {})
        if row.get("disbursed") is not None:
            running += row["disbursed"]
            accepted_total[k] = running
    best = None
    for k in range(1, ctx.spec.monthly.rows + 1):
        d = ctx.values.get(k, {}).get("disbursed")
        ours += d or 0
        if k in accepted_total:
            best = accepted_total[k]
        if d is not None and best is not None and ours < best:
            yield ctx.at("R107", k, "disbursed", value=_money(ours), previous=_money(best))
            return


def disbursed_across_years(ctx: Context) -> Iterable[Issue]:
    """October against September: disbursed is per year, so the project-to-date figure (disbursed
    before this year + this year's running total) may not be below the previous year's accepted money."""
    if not ctx.before or not ctx.span.stated("disbursed_before"):
        return
    last_year = sum((row.get("disbursed") or 0 for row in ctx.before.values()), Decimal(0))
    ours = ctx.money.disbursed_before
    for k in range(1, ctx.spec.monthly.rows + 1):
        d = ctx.values.get(k, {}).get("disbursed")
        ours += d or 0
        if d is not None:
            if ours < last_year:
                yield ctx.at("R107", k, "disbursed", value=_money(ours), previous=_money(last_year))
            return


def accepted_changed(ctx: Context) -> Iterable[Issue]:
    for k, row in sorted(ctx.accepted.items()):
        if k not in ctx.values:
            continue
        for key in COMPARED:
            before, now = row.get(key), ctx.values[k].get(key)
            if before is not None and now is not None and _comparable(before) != _comparable(now):
                month, month_en = (month_label(ctx.fy, k), month_label_en(ctx.fy, k)) if ctx.fy else (f"#{k}", f"#{k}")
                yield ctx.at("R108", k, key, value=_shown(now), previous=_shown(before), month=month, month_en=month_en)


def flat_while_on_plan(ctx: Context) -> Iterable[Issue]:
    on_plan, series = ctx.spec.choice_by_en("plan_status", "on plan"), ctx.progress_series()
    for k in ctx.filled():
        value = series.get(k)
        if value is None or value >= 100 or ctx.values[k].get("plan_status") != on_plan:
            continue
        since = k
        while since - 1 in series and series[since - 1] == value:
            since -= 1
        if k - since >= FLAT_MONTHS:
            shown_since = since if since >= 1 else f"{since + 12}/{ctx.fy - 1 if ctx.fy else '-'}"
            yield ctx.at("R109", k, "plan_status", value=_num(value), months=k - since, since=shown_since)


def done_without_money(ctx: Context) -> Iterable[Issue]:
    series = ctx.progress_series()
    total = sum((row.get("disbursed") or 0 for row in ctx.values.values()), Decimal(0)) + sum(
        (r["disbursed"] for j, r in ctx.accepted.items() if j not in ctx.values and r.get("disbursed") is not None),
        Decimal(0))
    earlier = sum((row.get("disbursed") or 0 for row in ctx.before.values()), Decimal(0))
    total += max(ctx.money.disbursed_before, earlier)      # a multi-year project's money of earlier years
    done = [k for k, v in series.items() if v >= 100 and k in ctx.values]
    if done and total == 0 and (ctx.budget() or 0) > 0:
        yield ctx.at("R110", done[0], "progress", budget=_money(ctx.budget()))


def behind_at_full(ctx: Context) -> Iterable[Issue]:
    behind = ctx.spec.choice_by_en("plan_status", "behind plan")
    for k in ctx.filled():
        p = ctx.values[k].get("progress")
        if p is not None and p >= 100 and ctx.values[k].get("plan_status") == behind:
            yield ctx.at("R111", k, "plan_status", value=behind)


def behind_elapsed_time(ctx: Context) -> Iterable[Issue]:
    on_plan = ctx.spec.choice_by_en("plan_status", "on plan")
    start, end = (ctx.project_values.get(x) for x in ("start_date", "end_date"))
    if not (start and end and end > start and ctx.fy):
        return
    planned = ctx.project.planned if ctx.project and ctx.project.planned else None
    for k in ctx.filled():
        row = ctx.values[k]
        p = row.get("progress")
        if p is None or row.get("plan_status") != on_plan:
            continue
        if planned:
            expected, basis_th, basis_en = planned[k - 1], "แผนในทะเบียน", "the register's plan"
        else:
            month = month_bounds(ctx.fy, k)
            day = row.get("report_date")
            day = day if day and month[0] <= day <= month[1] else month[1]      # a wrong date is its own error
            share = (min(max(day, start), end) - start) / (end - start)
            expected = (Decimal(share) * 100).quantize(Decimal(1))
            basis_th, basis_en = "เวลาที่ผ่านไป", "the time elapsed"
        if expected - p >= FAR_BEHIND:
            yield ctx.at("R112", k, "progress", value=_num(p), expected=_num(expected),
                         basis_th=basis_th, basis_en=basis_en)


RULES = (read_findings, required, ranges, budget, project_total, expired_carryover, report_dates, project_dates,
         future_months, progress_falls, disbursement_falls, disbursed_across_years, accepted_changed,
         flat_while_on_plan, done_without_money, behind_at_full, behind_elapsed_time)


def validate(sub: Submission, *, project: Project | None = None, accepted: dict[int, dict] | None = None,
             today: dt.date | None = None) -> list[Issue]:
    """Every finding of every rule, in rule order; a remark on the row explains its warnings."""
    spec = load_spec(sub.template_version) if sub.template_version else load_spec()
    fy = sub.fiscal_year if isinstance(sub.fiscal_year, int) else (int(project["fiscal_year"]) if project else None)
    fy = fy if isinstance(fy, int) and FY_RANGE[0] <= fy <= FY_RANGE[1] else None
    ctx = Context(sub, spec, fy, project, dict(accepted or {}), today)
    ctx.values = {k: {key: _typed(spec, key, v.value if v.ok else None) for key, v in row.items()}
                  for k, row in sub.reports.items() if k in sub.filled_reports()}
    ctx.project_values = {key: _typed(spec, key, v.value if v.ok else None) for key, v in sub.project.items()}
    typed = {k: {key: _typed(spec, key, v) for key, v in row.items()} for k, row in ctx.accepted.items()
             if isinstance(row, dict)}
    ctx.before = {k: row for k, row in typed.items() if isinstance(k, int) and k <= 0}
    ctx.accepted = {k: row for k, row in typed.items() if k not in ctx.before}
    ctx.span, ctx.money = _span(ctx)
    found: list[Issue] = []
    seen = set()
    for rule in RULES:
        for finding in rule(ctx):
            key = (finding.code, finding.sheet, finding.cell, finding.value)
            if key not in seen:
                seen.add(key)
                found.append(_explained(ctx, finding))
    return found


def _span(ctx: Context) -> tuple[Project, Funding]:
    """The figures across years as given: the register's (not its defaults), under the workbook's
    own where it shows them; resolved against the workbook's budget."""
    given = {k: v for k, v in ctx.project.values.items() if k not in ctx.project.defaulted} if ctx.project else {}
    for key in SPAN_KEYS:       # a workbook showing the register's default (template v3 prefills them) states nothing
        shown = ctx.project_values.get(key)
        if shown is not None and (ctx.project is None or shown != ctx.project[key]):
            given[key] = shown
    given["budget_allocated"] = ctx.budget()
    span = Project(given)
    return span, funding(span)


def _explained(ctx: Context, finding: Issue) -> Issue:
    k = finding.context.get("k") or _report_of(ctx, finding)
    if finding.severity is Severity.WARNING and k:
        remark = ctx.values.get(k, {}).get("remark")
        if remark and str(remark).strip():
            return finding.with_severity(Severity.EXPLAINED)
    return finding


def _report_of(ctx: Context, finding: Issue) -> int | None:
    for k, row in ctx.sub.reports.items():
        if any(v.cell == finding.cell and v.sheet == finding.sheet for v in row.values()):
            return k
    return None


def _typed(spec: TemplateSpec, key: str, value):
    """The value as its field's type, or None: rules never meet a str where they expect a number."""
    try:
        f = spec.field(key)
    except KeyError:
        return value
    if f.type in ("percent", "money"):
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            return None
        d = Decimal(str(value))
        return d if d.is_finite() else None
    if f.type == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        return value if isinstance(value, dt.date) else None
    if f.type in ("choice", "text", "longtext"):
        return value if isinstance(value, str) else None
    return value


def is_accepted(findings: Iterable[Issue]) -> bool:
    return not any(f.severity is Severity.ERROR for f in findings)


def _num(v) -> str:
    d = Decimal(str(v))
    return format(d.normalize(), "f") if d != d.to_integral() else str(int(d))


def _money(v) -> str:
    """Baht as people write them: `39,352,533`, or `1,500.50` when there are satang."""
    d = Decimal(str(v))
    return f"{d:,.0f}" if d == d.to_integral_value() else f"{d:,.2f}"


def _comparable(v):
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return Decimal(str(v)).normalize()
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return v.strip()
    return v


def _shown(v) -> str:
    v = _comparable(v)
    if isinstance(v, dt.date):
        return format_be(v)
    return _num(v) if isinstance(v, Decimal) else str(v)
