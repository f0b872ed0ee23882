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


# -- issue "One agency's file can never break the month": what people type, read leniently ------------
import re  # noqa: E402
from decimal import Decimal  # noqa: E402

import pytest  # noqa: E402

from progress_xl.issues import CATALOG, render  # noqa: E402
from progress_xl.values import (drop_quote_prefix, is_blank, normalise_code, parse_phone, parse_typed,  # noqa: E402
                                parse_version)

FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
INVISIBLE = ["\u00a0", "\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", " ", "\u3000", "\u202f", "\u00ad"]
codes_ = st.from_regex(r"[0-9]{8}-[0-9]{4}", fullmatch=True)


def note_codes(parsed) -> list[str]:
    return [n.code for n in parsed.notes]


def test_project_code_typed_in_thai_digits_reads_as_ascii_with_a_note():
    parsed = normalise_code("๐๑๐๐๐๐๐๐-๒๔๖๒")
    assert parsed.value == "01000000-2462" and note_codes(parsed) == ["N001"]
    assert parse_typed("code", "๐๑๐๐๐๐๐๐-๒๔๖๒").value == "01000000-2462"
    assert normalise_code("01000000-2462").notes == ()


@given(codes_, st.sampled_from(["ascii", "thai", "full-width"]), st.lists(st.tuples(st.integers(0, 13), st.sampled_from(INVISIBLE)), max_size=4),
       st.sampled_from(["-", "\u2013", "\u2212", "\u2010", "\uff0d"]))
def test_any_rendering_of_a_code_normalises_to_ascii(code, digits, strays, dash):
    text = {"ascii": code, "thai": code.translate(THAI), "full-width": code.translate(FULL_WIDTH)}[digits].replace("-", dash)
    for at_, stray in sorted(strays, reverse=True):
        text = text[:at_] + stray + text[at_:]
    parsed = parse_typed("code", text)
    assert parsed.value == code
    assert (note_codes(parsed) == ["N001"]) == (text != code)


@pytest.mark.parametrize("raw, version", [(2, 2), ("2", 2), ("2.0", 2), ("v2", 2), (" V2 ", 2), (2.0, 2), ("๒", 2), (1, 1),
                                          ("0.9", None), ("2.5", None), ("abc", None), (0.9, None), (2.5, None), ("", None),
                                          (None, None), (True, None), ("-2", None), ("v", None), ("2 3", None)])
def test_template_version_strings(raw, version):
    assert parse_version(raw) == version


@given(st.integers(0, 10 ** 6), st.sampled_from(["{}", "{}.0", "v{}", " V{} ", "{}.00", "V{}.0"]))
def test_every_way_of_writing_a_whole_version_reads(n, pattern):
    assert parse_version(pattern.format(n)) == n
    assert parse_version(n) == n and parse_version(float(n)) == n


@given(st.decimals(min_value=0, max_value=1000, places=3).filter(lambda d: d != d.to_integral_value()))
def test_a_fractional_version_is_unknown_never_rounded(d):
    assert parse_version(str(d)) is None and parse_version(float(d)) is None


@given(anything)
def test_parse_version_never_raises(raw):
    assert parse_version(raw) is None or isinstance(parse_version(raw), int)


blank_text = st.text(st.sampled_from(INVISIBLE + ["\t", "\n", "\r", "\u2028", "\u200e", "\x00", "\x1f"]), max_size=12)


@given(blank_text)
def test_whitespace_and_invisible_characters_alone_are_blank(text):
    assert is_blank(text)
    for type_ in ("text", "choice", "money", "date", "percent", "code", "longtext"):
        assert parse_typed(type_, text).value is None


@given(blank_text, st.characters(categories=("L", "N", "P", "S")), blank_text)
def test_anything_visible_is_not_blank(before, visible, after):
    assert not is_blank(before + visible + after)


@pytest.mark.parametrize("raw", ["", " ", "\u00a0", "\u200b", " \u3000 "], ids=["empty", "space", "nbsp", "zwsp", "mixed"])
def test_a_choice_holding_only_spaces_reads_as_blank(raw):
    assert parse_typed("choice", raw).value is None


@pytest.mark.parametrize("raw, type_, value", [("'=ดูเอกสารแนบ", "text", "=ดูเอกสารแนบ"), ("'0812345678", "text", "0812345678"),
                                                ("'122,800", "money", Decimal(122800)), ("'22/10/2563", "date", dt.date(2020, 10, 22)),
                                                ("'122,800 บาท", "money", Decimal(122800)), ("'01000000-2462", "code", "01000000-2462")])
def test_a_leading_apostrophe_kept_by_a_client_is_dropped_with_a_note(raw, type_, value):
    parsed = parse_typed(type_, raw)
    assert parsed.value == value and note_codes(parsed)[0] == "N009"


@given(st.text(min_size=1).filter(lambda t: t[0].isalpha()))
def test_an_apostrophe_that_opens_real_text_is_kept(text):
    assert drop_quote_prefix("'" + text).value == "'" + text
    assert parse_typed("longtext", "'" + text).value == ("'" + text).strip()


@given(st.from_regex(r"[=+@\-][^\n]*|[0-9][0-9 ,./-]*", fullmatch=True))
def test_an_apostrophe_before_a_formula_or_a_number_is_excel_s_quote_prefix(rest):
    parsed = drop_quote_prefix("'" + rest)
    assert parsed.value == rest and note_codes(parsed) == ["N009"]


@pytest.mark.parametrize("raw, value, code", [
    (21234567, "021234567", "N010"), ("21234567", "021234567", "N010"), (812345678, "0812345678", "N010"),
    (812345678.0, "0812345678", "N010"), ("912345678", "0912345678", "N010"), (612345678, "0612345678", "N010"),
    ("02-123-4567", "02-123-4567", None), ("081-234-5678", "081-234-5678", None), ("0812345678", "0812345678", None),
    ("+66 81 234 5678", "+66 81 234 5678", None), ("02-123-4567 ต่อ 12", "02-123-4567 ต่อ 12", None),
    ("'0812345678", "0812345678", "N009"), ("๐๘๑๒๓๔๕๖๗๘", "0812345678", "N001"),
    ("1555", "1555", "N011"), (12345, "12345", "N011"), ("312345678", "312345678", "N011"),
    ("02-123-4567, 081-234-5678", "02-123-4567, 081-234-5678", "N011"), ("โทร. สำนักงาน", "โทร. สำนักงาน", "N011")])
def test_phones(raw, value, code):
    parsed = parse_phone(raw)
    assert parsed.value == value
    assert note_codes(parsed)[:1] == ([code] if code else [])


@given(st.from_regex(r"2[0-9]{7}|[689][0-9]{8}", fullmatch=True), st.sampled_from(["int", "float", "text", "thai"]))
def test_a_phone_that_lost_its_leading_zero_is_restored(digits, form):
    raw = {"int": int(digits), "float": float(digits), "text": digits, "thai": digits.translate(THAI)}[form]
    parsed = parse_phone(raw)
    assert parsed.value == "0" + digits and note_codes(parsed) == ["N010"]
    th, en = render("N010", **parsed.notes[0].context)
    assert digits in en and "0" + digits in th


@given(st.from_regex(r"0[2-7][0-9]{7}|0[689][0-9]{8}", fullmatch=True))
def test_a_valid_phone_is_kept_as_typed(number):
    dashed = f"{number[:3]}-{number[3:6]}-{number[6:]}"
    for text in (number, dashed, f"{dashed} ต่อ 12"):
        assert parse_phone(text).value == text and parse_phone(text).notes == ()


@given(anything)
def test_parse_phone_never_raises_and_never_loses_the_value(raw):
    parsed = parse_phone(raw)
    assert parsed.value is None or isinstance(parsed.value, str)
    assert is_blank(raw) == (parsed.value is None)


@pytest.mark.parametrize("raw", [-122800, -122800.0, Decimal(-122800), -5])
def test_a_whole_negative_number_says_how_to_type_the_dot_dash(raw):
    with pytest.raises(Unreadable) as err:
        parse_money(raw)
    assert err.value.code == "V015"
    th, en = render("V015", label_th="งบ", label_en="Budget", **err.value.context)
    typed = f"{-int(raw):,}"
    assert f"{typed}.-" in th and f"type {typed} without '.-'" in en and f"-{typed}" in en


@pytest.mark.parametrize("raw", ["-5,000", "(500)", "500-", -1500.5])
def test_other_negatives_are_plain_v006(raw):
    with pytest.raises(Unreadable) as err:
        parse_money(raw)
    assert err.value.code == "V006"


@pytest.mark.parametrize("raw", ["500)", "(500", "(1,000 บาท", "฿500)", "((500)"])
def test_a_parenthesis_without_its_pair_is_no_number(raw):
    """`(500)` is an accountant's negative; `500)` alone is not guessed to be 500."""
    with pytest.raises(Unreadable) as err:
        parse_money(raw)
    assert err.value.code == "V002"


@pytest.mark.parametrize("raw, value", [("1.5 ล้านบาท", 1500000), ("1.5 ล้าน", 1500000), ("๑.๕ ล้านบาท", 1500000),
                                         ("2ล้าน", 2000000), ("฿1.25 ล้าน", 1250000), ("0.5 ล้าน บาท", 500000),
                                         ("1,200 ล้านบาท", 1200000000)])
def test_millions(raw, value):
    parsed = parse_money(raw)
    assert parsed.value == value and note_codes(parsed) == ["N012"]
    th, en = render("N012", **parsed.notes[0].context)
    assert f"{value:,} บาท" in th and f"{value:,} baht" in en


@given(st.decimals(min_value=0, max_value=10 ** 6, places=6, allow_nan=False), st.sampled_from(["{} ล้านบาท", "{}ล้าน", "thai"]))
def test_any_amount_in_millions_reads_back(amount, pattern):
    text = f"{amount} ล้านบาท".translate(THAI) if pattern == "thai" else pattern.format(amount)
    parsed = parse_money(text)
    assert parsed.value == amount * 10 ** 6
    assert "E" not in str(parsed.value) and "E" not in render("N012", **parsed.notes[0].context)[1]


@pytest.mark.parametrize("raw, code", [("หนึ่งแสนบาท", "V002"), ("หนึ่งล้านบาท", "V002"), ("ล้านบาท", "V002"),
                                        ("-1.5 ล้าน", "V006"), ("1,5 ล้าน", "V013")])
def test_words_are_never_guessed(raw, code):
    with pytest.raises(Unreadable) as err:
        parse_money(raw)
    assert err.value.code == code


@given(st.integers(0, 10 ** 14))
def test_whole_amounts_are_written_as_people_write_them(n):
    for raw in (float(n), n, f"{n:,}"):
        assert str(parse_money(raw).value) == str(n)


def test_every_new_code_is_in_the_catalogue_and_renders_both_languages():
    for code in ("N009", "N010", "N011", "N012", "N013", "N014", "V015", "P006", "P007", "P008", "P009"):
        th, en = render(code, raw="x", text="y", value_th="1", value_en="1", count=1, length="2", limit="1",
                        label_th="ก", label_en="A", value="-1", typed="1", row=2, column="c", note_th="ข", note_en="b")
        assert th and en and not re.search(r"\{\w+\}", th + en), code
        assert code in CATALOG


@given(st.integers(min_value=-10 ** 14, max_value=-1), st.sampled_from([int, float, Decimal]))
def test_any_whole_negative_number_gets_the_dot_dash_hint(n, kind):
    with pytest.raises(Unreadable) as err:
        parse_money(kind(n))
    assert err.value.code == "V015" and err.value.context["typed"] == f"{-n:,}" and err.value.context["value"] == f"{n:,}"


@given(st.decimals(min_value=1, max_value=10 ** 9, places=2), st.sampled_from(["-{:,}", "({:,})", "{:,}-", "-{} บาท"]))
def test_a_negative_typed_as_text_is_v006_shown_as_typed(amount, pattern):
    with pytest.raises(Unreadable) as err:
        parse_money(pattern.format(amount))
    assert err.value.code == "V006"


def test_parse_field_reads_phones_by_key_and_everything_else_by_type(spec):
    from progress_xl.values import parse_field
    assert parse_field(spec.field("responsible_phone"), 812345678).value == "0812345678"
    assert parse_field(spec.field("project_name"), 812345678).value == "812345678"
    assert parse_field(spec.field("budget_allocated"), "1.5 ล้าน").value == 1500000
    assert parse_field(spec.field("plan_status"), "'เป็นไปตามแผน").value == "เป็นไปตามแผน"    # a choice never opens with '
