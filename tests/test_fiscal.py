"""Buddhist-era and fiscal-month arithmetic (issue 3: property tests over FY 2500-2600)."""
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from progress_xl.fiscal import (be_year, ce_year, fiscal_bounds, fiscal_year_of, format_be, month_bounds,
                                month_label, report_month, report_number)
from progress_xl.values import parse_date

FIRST, LAST = fiscal_bounds(2500)[0], fiscal_bounds(2600)[1]
days = st.dates(min_value=FIRST, max_value=LAST)


@given(days)
def test_be_and_ce_round_trip(day):
    assert ce_year(be_year(day.year)) == day.year
    assert parse_date(format_be(day)).value == day


@given(days)
def test_report_number_and_fiscal_month_round_trip(day):
    fy, k = report_number(day)
    assert 1 <= k <= 12
    assert report_month(fy, k) == (day.year, day.month)
    start, end = month_bounds(fy, k)
    assert start <= day <= end
    lo, hi = fiscal_bounds(fy)
    assert lo <= day <= hi


def test_every_day_of_fy_2500_to_2600():
    day, count = FIRST, 0
    while day <= LAST:
        fy, k = report_number(day)
        assert fiscal_year_of(day) == fy and report_month(fy, k) == (day.year, day.month)
        day += dt.timedelta(days=1)
        count += 1
    assert count == (LAST - FIRST).days + 1 > 36000


def test_fy_2564_is_october_2020_to_september_2021():
    assert fiscal_bounds(2564) == (dt.date(2020, 10, 1), dt.date(2021, 9, 30))
    assert [month_label(2564, k) for k in (1, 3, 4, 12)] == ["ต.ค. 2563", "ธ.ค. 2563", "ม.ค. 2564", "ก.ย. 2564"]
    assert report_number(dt.date(2020, 10, 22)) == (2564, 1)
    assert report_number(dt.date(2021, 9, 22)) == (2564, 12)
