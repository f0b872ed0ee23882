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
from progress_xl.fiscal import THAI_MONTHS_ABBR
from progress_xl.values import (Note, Parsed, Unreadable, cut_graphemes, drop_quote_prefix, excel_text,
                                normalise_code, parse_date, parse_field, parse_int, parse_money, parse_percent,
                                parse_phone, parse_typed, parse_version, percent_format, utf16_len)


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


# -- dates typed as text: two-digit years, the 2400 line, month-first, month names ------------------------
@pytest.mark.parametrize("text, expected", [
    ("22/10/63", dt.date(2020, 10, 22)), ("22/10/40", dt.date(1997, 10, 22)),      # 40 and above: BE
    ("22/10/39", dt.date(2039, 10, 22)), ("22/10/20", dt.date(2020, 10, 22)),      # below 40: CE
    ("1/1/2400", dt.date(2400, 1, 1)), ("1/1/2401", dt.date(1858, 1, 1)),          # past 2400: BE
    ("2563-10-22", dt.date(2020, 10, 22)), ("2020-10-22", dt.date(2020, 10, 22)),
    ("22/12/2563", dt.date(2020, 12, 22)), ("22 Oct, 2020", dt.date(2020, 10, 22)),
    ("22 ต.ค. พ.ศ. 2563", dt.date(2020, 10, 22)), ("22 ตุลาคม 63", dt.date(2020, 10, 22)),
])
def test_dates_as_text(text, expected):
    parsed = parse_date(text)
    assert parsed.value == expected
    assert parsed.notes == (Note("N001", {"raw": text, "value_th": f"{expected.day} {THAI_MONTHS_ABBR[expected.month - 1]} "
                                          f"{expected.year + 543}", "value_en": expected.isoformat()}),)


@pytest.mark.parametrize("text, code", [("10/22/2020", "V013"), ("22/13/2563", "V013"), ("22 foo 2563", "V005"),
                                        ("31/02/2563", "V005"), ("ไม่ทราบ", "V005"), ("2020-13-01", "V005")])
def test_dates_that_are_not_read(text, code):
    assert unreadable(parse_date, text) == code
    assert unreadable(parse_date, text, near=2020) == code


@pytest.mark.parametrize("text, near, expected", [
    ("22/10/63", 2020, dt.date(2020, 10, 22)), ("22/10/20", 2020, dt.date(2020, 10, 22)),
    ("22/10/20", 1998, dt.date(1977, 10, 22)), ("22/10/20", 1999, dt.date(2020, 10, 22)),   # either side of halfway
    ("22 ต.ค. 63", 2020, dt.date(2020, 10, 22)), ("22/10/79", 2036, dt.date(2036, 10, 22)),
])
def test_a_two_digit_year_is_read_nearest_the_report_with_a_note(text, near, expected):
    parsed = parse_date(text, near=near)
    assert parsed.value == expected
    assert parsed.notes == (Note("N015", {"raw": text, "value_th": f"22 ต.ค. {expected.year + 543}",
                                          "value_en": expected.isoformat(), "typed": text[-2:],
                                          "year_th": str(expected.year + 543), "year_en": str(expected.year)}),)


@pytest.mark.parametrize("text", ["22/10/2563", "2020-10-22", "22 ต.ค. 2563"])
def test_a_four_digit_year_near_the_report_is_a_plain_read(text):
    assert parse_date(text, near=2020).notes[0].code == "N001"


@pytest.mark.parametrize("year, expected", [(2563, dt.date(2020, 10, 22)), (2401, dt.date(1858, 10, 22))])
def test_a_be_year_in_a_date_cell_is_moved_back_with_a_note(year, expected):
    parsed = parse_date(dt.date(year, 10, 22))
    assert parsed.value == expected
    assert parsed.notes == (Note("N002", {"year": year, "value_th": f"22 ต.ค. {expected.year + 543}",
                                          "value_en": expected.isoformat()}),)


def test_a_date_of_year_2400_is_kept():
    assert parse_date(dt.date(2400, 1, 1)) == Parsed(dt.date(2400, 1, 1))


# -- percent and money: the cell's format, the notes ---------------------------------------------------
@pytest.mark.parametrize("fmt, percent", [("0%", True), ("0.00%", True), ('0.0"%"', False), ("0\\%", False),
                                          ("General", False), ("", False), (None, False), ('"x"0%', True)])
def test_a_percent_format_is_a_percent_sign_outside_quotes(fmt, percent):
    assert percent_format(fmt) is percent


def test_a_fraction_in_a_percent_cell_is_scaled_with_a_note():
    parsed = parse_percent(0.125, "0.0%")
    assert parsed == Parsed(Decimal("12.5"), (Note("N003", {"raw": "0.125", "value": "12.5 %"}),))
    assert parse_percent(12.5, "General") == Parsed(Decimal("12.5"))
    assert parse_percent(7) == Parsed(Decimal(7))


def test_a_percent_typed_as_text_says_what_it_read():
    assert parse_percent("ร้อยละ ๕.๐") == Parsed(Decimal(5), (Note("N001", {"raw": "ร้อยละ ๕.๐", "value_th": "5 %",
                                                                           "value_en": "5 %"}),))
    assert unreadable(parse_percent, "ห้า") == "V002"


@pytest.mark.parametrize("text, value", [("122,800 บาท", "122800"), ("122,800 BAHT", "122800"),
                                         ("122,800 THB.", "122800"), ("฿1,500.-", "1500"), ("1.5 ล้านบาท", "1500000")])
def test_money_typed_as_text_with_its_note(text, value):
    parsed = parse_money(text)
    shown = f"{Decimal(value):,}"
    assert parsed.value == Decimal(value)
    assert parsed.notes == (Note("N012" if "ล้าน" in text else "N001",
                                 {"raw": text, "value_th": f"{shown} บาท", "value_en": f"{shown} baht"}),)


def test_a_negative_amount_typed_as_text_is_shown_as_typed():
    with pytest.raises(Unreadable) as info:
        parse_money("(1,500.50)")
    assert info.value.code == "V006" and info.value.context == {"value": "-1,500.50"}
    assert str(info.value) == "V006"


def test_the_largest_amount_excel_keeps_and_one_past_it():
    assert parse_money(Decimal(10) ** 15 - 1).value == Decimal(10) ** 15 - 1
    assert unreadable(parse_money, Decimal(10) ** 15) == "V013"


@pytest.mark.parametrize("type_, raw, expected", [
    ("percent", "5%", Decimal(5)), ("int", 3.0, 3), ("year", "2564", 2564), ("money", "1,000", Decimal(1000)),
    ("code", " 0100-2462 ", "0100-2462"), ("date", "22/10/2563", dt.date(2020, 10, 22)),
])
def test_each_type_reaches_its_parser(type_, raw, expected):
    assert parse_typed(type_, raw).value == expected


def test_thai_typed_twice_is_folded():
    from progress_xl.values import clean_text
    assert clean_text("เเดง") == "แดง"                  # two sara e typed for sara ae
    assert clean_text("น\u0e4d\u0e32") == "นำ"          # nikhahit + sara aa typed for sara am


def test_money_typed_with_satang_is_shown_as_typed():
    assert parse_money("1,500.50 บาท").notes[0].context["value_th"] == "1,500.50 บาท"


def test_a_named_date_with_a_two_digit_year_is_read_near_the_report():
    assert parse_date("22 ต.ค. 30", near=1987).value == dt.date(1987, 10, 22)
    assert parse_date("22 ต.ค. 30").value == dt.date(2030, 10, 22)


@pytest.mark.parametrize("day, expected, code", [
    (dt.date(2400, 6, 1), dt.date(2400, 6, 1), "N001"), (dt.date(2401, 1, 1), dt.date(1858, 1, 1), "N002")])
def test_a_serial_either_side_of_the_2400_line(day, expected, code):
    parsed = parse_date((day - dt.date(1899, 12, 30)).days)
    assert parsed.value == expected and [n.code for n in parsed.notes] == [code]
