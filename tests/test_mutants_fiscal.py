"""Fiscal arithmetic where mutation testing found no test: every month's last day (leap years too),
the English labels of all twelve reports, the long Thai date of every month, report numbers outside
1..12 (scripts/mutation.py fiscal)."""
import calendar
import datetime as dt

import pytest

from progress_xl.fiscal import (EN_MONTHS_ABBR, THAI_MONTHS_ABBR, format_be_long, month_bounds, month_label_en,
                                report_month)

# a leap fiscal year (February 2020 has 29 days, FY 2563) and a common one (FY 2564)
FISCAL_YEARS = [2563, 2564]


@pytest.mark.parametrize("fy", FISCAL_YEARS)
@pytest.mark.parametrize("k", range(1, 13))
def test_month_bounds_are_the_first_and_the_last_day_of_the_month(fy, k):
    year, month = report_month(fy, k)
    first, last = month_bounds(fy, k)
    assert first == dt.date(year, month, 1)
    assert last == dt.date(year, month, calendar.monthrange(year, month)[1])


def test_february_of_a_leap_fiscal_year_ends_on_the_29th():
    assert month_bounds(2563, 5) == (dt.date(2020, 2, 1), dt.date(2020, 2, 29))
    assert month_bounds(2564, 5) == (dt.date(2021, 2, 1), dt.date(2021, 2, 28))


@pytest.mark.parametrize("k", range(1, 13))
def test_english_label_names_the_report_month_and_ce_year(k):
    year, month = report_month(2564, k)
    assert month_label_en(2564, k) == f"{EN_MONTHS_ABBR[month - 1]} {year}"


def test_english_labels_of_a_whole_fiscal_year():
    labels = [month_label_en(2564, k) for k in range(1, 13)]
    assert labels[0] == "Oct 2020" and labels[2] == "Dec 2020"
    assert labels[3] == "Jan 2021" and labels[11] == "Sep 2021"


@pytest.mark.parametrize("month", range(1, 13))
def test_long_thai_date_names_the_month(month):
    assert format_be_long(dt.date(2021, month, 9)) == f"9 {THAI_MONTHS_ABBR[month - 1]} 2564"


def test_long_thai_date_examples():
    assert format_be_long(dt.date(2020, 10, 22)) == "22 ต.ค. 2563"
    assert format_be_long(dt.date(2021, 1, 1)) == "1 ม.ค. 2564"


@pytest.mark.parametrize("k", [0, 13, -1])
def test_report_number_outside_1_to_12_is_refused_naming_it(k):
    with pytest.raises(ValueError, match=f"1..12, not {k}$"):
        report_month(2564, k)


@pytest.mark.parametrize("k", [1, 12])
def test_report_numbers_1_and_12_are_accepted(k):
    assert report_month(2564, k) == ((2020, 10) if k == 1 else (2021, 9))
