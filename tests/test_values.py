"""What people type, read back (issue 4 property tests): the value, or a clear Unreadable; never a crash."""
import datetime as dt
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from progress_xl.fiscal import THAI_MONTHS_ABBR, THAI_MONTHS_FULL, be_year
from progress_xl.read import _value
from progress_xl.values import Parsed, Unreadable, parse_date, parse_money, parse_percent

THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
days = st.dates(min_value=dt.date(1960, 1, 1), max_value=dt.date(2100, 12, 31))


@given(days, st.sampled_from(["be-slash", "ce-slash", "iso", "thai-abbr", "thai-full", "thai-digits", "be-dash"]))
def test_dates_typed_any_way_read_back(day, style):
    be = be_year(day.year)
    text = {"be-slash": f"{day.day:02d}/{day.month:02d}/{be}", "ce-slash": f"{day.day}/{day.month}/{day.year}",
            "iso": day.isoformat(), "thai-abbr": f"{day.day} {THAI_MONTHS_ABBR[day.month - 1]} {be}",
            "thai-full": f"{day.day} {THAI_MONTHS_FULL[day.month - 1]} พ.ศ. {be}",
            "thai-digits": f"{day.day}/{day.month}/{be}".translate(THAI), "be-dash": f"{day.day}-{day.month}-{be}"}[style]
    assert parse_date(text).value == day


@given(days)
def test_be_year_stored_in_a_date_cell_maps_back(day):
    try:
        stored = dt.datetime(be_year(day.year), day.month, day.day)
    except ValueError:        # 29 February of a CE leap year that is not a leap year 543 years on
        return
    parsed = parse_date(stored)
    assert parsed.value == day and parsed.notes[0].code == "N002"


amounts = st.decimals(min_value=0, max_value=10 ** 10, places=2, allow_nan=False, allow_infinity=False)


@given(amounts, st.sampled_from(["{:,}", "{:,} บาท", "฿{:,}.-", "{}", "thai", " {:,}\u00a0บาท "]))
def test_amounts_typed_any_way_read_back(amount, pattern):
    text = f"{amount:,}".translate(THAI) if pattern == "thai" else pattern.format(amount)
    assert parse_money(text).value == amount


@given(st.decimals(min_value=0, max_value=100, places=2), st.sampled_from(["{}", "{}%", "{} %", "ร้อยละ {}"]))
def test_percents_typed_any_way_read_back(value, pattern):
    assert parse_percent(pattern.format(value)).value == value


anything = st.one_of(st.none(), st.text(max_size=40), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                     st.booleans(), st.datetimes(min_value=dt.datetime(1, 1, 1)), st.decimals(allow_nan=False),
                     st.sampled_from(["#REF!", "=SUM(A1)", "๑,๒", "1.2.3", "--5", "฿", "ร้อยละ", "31/02/2564", "0/0/0"]))


@given(anything)
def test_parsers_never_raise_anything_but_unreadable(raw):
    for parse in (parse_date, parse_money, parse_percent):
        try:
            assert isinstance(parse(raw), Parsed)
        except Unreadable:
            pass


@given(anything, st.sampled_from(["General", "0.00%", '0.00" %"', "[$-107041E]d mmmm yyyy", "#,##0.00"]),
       st.sampled_from(["s", "n", "d", "f", "e", "b"]))
def test_reading_a_cell_never_raises(spec, raw, number_format, data_type):
    cell = SimpleNamespace(value=raw, number_format=number_format, data_type=data_type)
    for f in spec.monthly_fields + spec.project_fields:
        if f.derive is None:
            v = _value(spec, f, cell, "S", "A1", "f.xlsx", False)
            assert v.error is None or v.value is None
