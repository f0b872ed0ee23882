"""Parsing where mutation testing found no test (scripts/mutation.py values): date serials in a plain
cell (1900 and 1904 systems, the ends of Excel's range), a two-digit BE year a client turned into
1930-1999 (both ends), whole numbers, phone numbers kept as typed, the messages' text (each note
renders what was typed), cutting exactly at the limit, and every field type reaching its parser."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from progress_xl.issues import render
from progress_xl.values import (Note, Parsed, Unreadable, cut_graphemes, drop_quote_prefix, excel_text,
                                normalise_code, parse_date, parse_field, parse_int, parse_phone, parse_typed,
                                parse_version, utf16_len)


def message(note: Note) -> tuple[str, str]:
    return render(note.code, **note.context)


def unreadable(fn, *args, **kw) -> str:
    with pytest.raises(Unreadable) as info:
        fn(*args, **kw)
    return info.value.code


# -- date serials -----------------------------------------------------------------------------------
@pytest.mark.parametrize("serial", [44126, 44126.0])
def test_a_raw_serial_in_a_plain_cell_is_read_with_a_note(serial):
    parsed = parse_date(serial)
    assert parsed.value == dt.date(2020, 10, 22)
    assert parsed.notes == (Note("N001", {"raw": str(serial), "value_th": "22 ต.ค. 2563", "value_en": "2020-10-22"}),)
    assert message(parsed.notes[0])[1] == f"read '{serial}' as 2020-10-22"


def test_a_1904_serial_is_counted_from_1904():
    assert parse_date(42664, date1904=True).value == dt.date(2020, 10, 22)
    assert parse_date(0.0 + 1, date1904=True).value == dt.date(1904, 1, 2)
    assert parse_date(1).value == dt.date(1899, 12, 31)


@pytest.mark.parametrize("serial, expected", [(1, dt.date(1899, 12, 31)), (2958465, dt.date(9999 - 543, 12, 31))])
def test_serials_at_both_ends_of_excels_range(serial, expected):
    assert parse_date(serial).value == expected          # the last is 31/12/9999, a BE year as ever past 2400


@pytest.mark.parametrize("serial", [0, -1, 2958466, 44126.5, 0.5])
def test_serials_outside_the_range_or_with_a_time_are_unreadable(serial):
    assert unreadable(parse_date, serial) == "V005"


def test_a_serial_of_a_be_year_is_read_as_its_ce_date():
    serial = (dt.date(2563, 10, 22) - dt.date(1899, 12, 30)).days
    parsed = parse_date(serial)
    assert parsed.value == dt.date(2020, 10, 22) and parsed.notes[0].code == "N002"


def test_a_datetime_is_its_date():
    assert parse_date(dt.datetime(2020, 10, 22, 13, 45)) == Parsed(dt.date(2020, 10, 22))


# -- a two-digit BE year a client turned into 1930-1999 ------------------------------------------------
@pytest.mark.parametrize("year, near", [(1963, 2020), (1963, 2019), (1963, 2021), (1930, 1987), (1999, 2056)])
def test_a_short_be_year_in_a_date_cell_is_read_near_the_report(year, near):
    parsed = parse_date(dt.date(year, 10, 22), near=near)
    fixed = dt.date(year - 1900 + 2500 - 543, 10, 22)
    assert parsed.value == fixed
    assert parsed.notes == (Note("N016", {"year": year, "typed": f"{year % 100:02d}",
                                          "value_th": f"22 ต.ค. {fixed.year + 543}", "value_en": fixed.isoformat()}),)


@pytest.mark.parametrize("year, near", [(1963, 2018), (1963, 2022), (1929, 1986), (2000, 2057), (1963, None)])
def test_a_date_outside_the_short_year_window_is_kept(year, near):
    assert parse_date(dt.date(year, 10, 22), near=near) == Parsed(dt.date(year, 10, 22))


def test_the_short_year_reaches_a_date_field_through_its_type():
    field = SimpleNamespace(key="start", type="date")
    assert parse_field(field, dt.date(1963, 10, 22), near=2020).value == dt.date(2020, 10, 22)
    assert parse_field(field, "22/10/63", near=2020).notes[0].code == "N015"
    assert parse_field(field, 42664, date1904=True).value == dt.date(2020, 10, 22)
    assert parse_typed("date", 42664, date1904=True).value == dt.date(2020, 10, 22)
    assert parse_typed("date", dt.date(1963, 10, 22), near=2020).value == dt.date(2020, 10, 22)


# -- whole numbers and versions ------------------------------------------------------------------------
@pytest.mark.parametrize("raw, expected", [(5.0, 5), (7, 7), (0, 0), ("12", 12), (" ๑๒ ", 12), ("１２", 12),
                                           (None, None), ("  ", None)])
def test_whole_numbers(raw, expected):
    assert parse_int(raw) == Parsed(expected)


@pytest.mark.parametrize("raw", [2.5, True, False, "12a", "1,200", "-3", "x"])
def test_not_whole_numbers(raw):
    assert unreadable(parse_int, raw) == "V002"


@pytest.mark.parametrize("type_", ["int", "year"])
def test_int_and_year_fields_are_whole_numbers(type_):
    assert parse_typed(type_, "๒๕๖๔") == Parsed(2564)
    assert unreadable(parse_typed, type_, "2564.5") == "V002"


@pytest.mark.parametrize("raw", [True, False, "", "   ", None])
def test_a_version_that_is_a_boolean_or_blank_is_none(raw):
    assert parse_version(raw) is None


# -- codes, quotes, phones: each note says what was typed ----------------------------------------------
def test_a_code_read_as_a_float_is_its_digits():
    assert normalise_code(1000000.0) == Parsed("1000000")
    assert normalise_code(12.5) == Parsed("12.5")


def test_a_code_changed_says_what_was_typed():
    parsed = normalise_code("๐๑๐๐๐๐๐๐–๒๔๖๒")
    assert parsed.value == "01000000-2462"
    assert message(parsed.notes[0]) == render("N001", raw="๐๑๐๐๐๐๐๐–๒๔๖๒", value_th="01000000-2462",
                                              value_en="01000000-2462")


@pytest.mark.parametrize("always", [False, True])
def test_text_without_a_quote_is_kept_whatever_always_says(always):
    assert drop_quote_prefix("abc", always=always) == Parsed("abc")
    assert drop_quote_prefix("", always=always) == Parsed("")


def test_a_dropped_quote_says_what_is_kept():
    parsed = drop_quote_prefix("'0812345678")
    assert parsed == Parsed("0812345678", (Note("N009", {"raw": "'0812345678", "text": "0812345678"}),))
    assert drop_quote_prefix("'ดูเอกสาร") == Parsed("'ดูเอกสาร")
    assert drop_quote_prefix("'ดูเอกสาร", always=True).value == "ดูเอกสาร"


@pytest.mark.parametrize("raw, value, code", [
    (812345678, "0812345678", "N010"), (21234567.0, "021234567", "N010"), ("812345678", "0812345678", "N010"),
])
def test_a_phone_that_lost_its_zero(raw, value, code):
    parsed = parse_phone(raw)
    assert parsed.value == value and [n.code for n in parsed.notes] == [code]
    assert message(parsed.notes[-1]) == render("N010", raw=str(raw) if isinstance(raw, str) else str(int(raw)),
                                               text=value)


@pytest.mark.parametrize("raw", [812345678.5, 0, 12345, "abc", "0812"])
def test_what_is_not_a_phone_is_kept_as_typed_and_said(raw):
    parsed = parse_phone(raw)
    assert parsed.value == str(raw) and parsed.notes == (Note("N011", {"raw": str(raw)}),)


def test_a_valid_phone_with_spaces_is_read_with_a_note_naming_it():
    parsed = parse_phone(" 02\u00a0123 4567 ")
    assert parsed.value == "02 123 4567"
    assert parsed.notes == (Note("N001", {"raw": " 02\u00a0123 4567 ", "value_th": "02 123 4567",
                                          "value_en": "02 123 4567"}),)
    assert parse_phone("021234567") == Parsed("021234567")


def test_a_phone_field_by_its_key():
    field = SimpleNamespace(key="responsible_phone", type="text")
    assert parse_field(field, 812345678).value == "0812345678"


# -- text: lengths and cutting exactly at the limit ----------------------------------------------------
def test_utf16_length_is_a_whole_number():
    assert utf16_len("ab😀") == 4 and isinstance(utf16_len("ab😀"), int)


def test_a_cut_note_shows_lengths_as_people_write_them():
    text, notes = excel_text("a" * 40000)
    assert len(text) == 32767 and text.endswith("…")
    assert notes == [Note("N014", {"length": "40,000", "limit": "32,767"})]


def test_a_text_exactly_at_the_limit_is_not_cut():
    assert excel_text("a" * 32767) == ("a" * 32767, [])
    assert cut_graphemes("abc", 3, ellipsis="…") == "abc"


def test_a_limit_with_room_only_for_the_ellipsis_is_the_ellipsis():
    assert cut_graphemes("abcdef", 1, ellipsis="…") == "…"
    assert cut_graphemes("abcdef", 0, ellipsis="…") == ""
    assert cut_graphemes("abcdef", 2, ellipsis="…") == "a…"


def test_vertical_tab_and_form_feed_become_line_breaks_other_controls_go():
    assert excel_text("a\x0bb\x0cc\x01d") == ("a\nb\ncd", [Note("N013", {"count": 3})])


# -- every field type reaches its parser with what it needs ------------------------------------------
def test_a_percent_field_passes_the_cells_number_format():
    field = SimpleNamespace(key="progress", type="percent")
    assert parse_field(field, 0.05, number_format="0%").value == Decimal(5)
    assert parse_field(field, 0.05).value == Decimal("0.05")
    assert parse_typed("percent", 0.05, number_format="0.0%").value == Decimal(5)


@pytest.mark.parametrize("type_, raw, expected", [
    ("text", 5.0, "5"), ("text", 2.5, "2.5"), ("text", 7, "7"), ("longtext", 7.0, "7"),
    ("longtext", "  a  b  ", "a  b"), ("text", "  a  b  ", "a b"), ("email", 3.0, "3"),
])
def test_numbers_in_text_fields_are_shown_as_people_write_them(type_, raw, expected):
    assert parse_typed(type_, raw) == Parsed(expected)


def test_a_boolean_in_a_text_field_is_its_name():
    assert parse_typed("text", True) == Parsed("True")
