"""Buddhist-era and Thai fiscal-year arithmetic.

FY N (BE) runs from 1 October of CE year N-544 to 30 September of CE year N-543;
report k belongs to month k of the fiscal year (1 = October ... 12 = September).
"""
from __future__ import annotations

import datetime as dt

BE_OFFSET = 543
BANGKOK = dt.timezone(dt.timedelta(hours=7))     # Thailand keeps no daylight saving time
REPORTS_PER_YEAR = 12

THAI_MONTHS_ABBR = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
THAI_MONTHS_FULL = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
                    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
EN_MONTHS_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def be_year(ce_year: int) -> int:
    return ce_year + BE_OFFSET


def ce_year(be: int) -> int:
    return be - BE_OFFSET


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year (BE) a CE date belongs to."""
    return be_year(day.year + 1 if day.month >= 10 else day.year)


def fiscal_bounds(fy: int) -> tuple[dt.date, dt.date]:
    """First and last day of fiscal year `fy` (BE)."""
    year = ce_year(fy)
    return dt.date(year - 1, 10, 1), dt.date(year, 9, 30)


def report_month(fy: int, k: int) -> tuple[int, int]:
    """(CE year, month) of report `k` of fiscal year `fy`."""
    if not 1 <= k <= REPORTS_PER_YEAR:
        raise ValueError(f"report number must be 1..12, not {k}")
    month = (k + 8) % 12 + 1          # 1 -> 10, 3 -> 12, 4 -> 1
    year = ce_year(fy) - (1 if month >= 10 else 0)
    return year, month


def report_number(day: dt.date) -> tuple[int, int]:
    """(fiscal year, report number) of the month a CE date falls in."""
    return fiscal_year_of(day), (day.month - 10) % 12 + 1


def month_bounds(fy: int, k: int) -> tuple[dt.date, dt.date]:
    year, month = report_month(fy, k)
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def month_label(fy: int, k: int) -> str:
    """`ต.ค. 2563` for report 1 of FY 2564."""
    year, month = report_month(fy, k)
    return f"{THAI_MONTHS_ABBR[month - 1]} {be_year(year)}"


def month_label_en(fy: int, k: int) -> str:
    year, month = report_month(fy, k)
    return f"{EN_MONTHS_ABBR[month - 1]} {year}"


def format_be(day: dt.date) -> str:
    """DD/MM/BBBB, as the monitoring system prints dates."""
    return f"{day.day:02d}/{day.month:02d}/{be_year(day.year)}"


def format_be_long(day: dt.date) -> str:
    """`22 ต.ค. 2563`."""
    return f"{day.day} {THAI_MONTHS_ABBR[day.month - 1]} {be_year(day.year)}"
