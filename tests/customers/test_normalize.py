"""Tests for dcrc.customers.normalize: messy real-world input and property tests.

No database is needed.  When run without pytest-django (``-p no:django``) the
module configures minimal settings so that ``gettext`` works.
"""

from __future__ import annotations

import datetime
import os
import time

import phonenumbers
import pytest
from django.conf import settings

if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
    settings.configure(USE_I18N=False)

from django.core.exceptions import ValidationError  # noqa: E402
from django.utils import translation  # noqa: E402
from hypothesis import assume, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from vininfo import Vin  # noqa: E402

from dcrc.customers.normalize import (  # noqa: E402
    PROVINCES,
    format_phone,
    id_number_birthday,
    id_number_gender,
    mask_id_number,
    mask_phone,
    name_pinyin,
    normalize_id_number,
    normalize_identity_number,
    normalize_phone,
    normalize_plate,
    normalize_text,
    normalize_uscc,
    normalize_vin,
    phone_digits_query,
    phone_kind,
    plate_key,
    plate_query,
    vin_check_digit,
)

# ------------------------------------------------------------------------ helpers


@pytest.fixture(autouse=True)
def english():
    """Assert on the English msgids even once the Chinese catalogue exists."""
    with translation.override("en"):
        yield


def fullwidth(text: str) -> str:
    """The full-width form of ASCII text, as typed with a Chinese IME."""
    return "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text
    )


def error_code(func, value, **kwargs) -> str:
    with pytest.raises(ValidationError) as info:
        func(value, **kwargs)
    return info.value.code


def revealed(masked: str) -> int:
    return sum(c != "*" for c in masked)


MOBILE_PREFIXES = ["130", "135", "138", "139", "150", "158", "166", "177", "186", "189", "199"]
AREA_CODES = ["010", "020", "021", "023", "0755", "0571", "0512", "0311", "0898"]
ID_REGIONS = ["110101", "310104", "440305", "510107", "330106", "650102", "810000"]
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
SERIAL_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"  # no I or O


def id_check_digit(body: str) -> str:
    """GB 11643 check digit, computed independently of the code under test."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


mobiles = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(MOBILE_PREFIXES),
    st.text("0123456789", min_size=8, max_size=8),
)
landlines = st.builds(
    lambda area, first, rest: area + first + rest,
    st.sampled_from(AREA_CODES),
    st.sampled_from("2345678"),
    st.text("0123456789", min_size=7, max_size=7),
).filter(  # not every block is allocated, e.g. Beijing 8000 xxxx
    lambda digits: phonenumbers.is_valid_number(phonenumbers.parse("+86" + digits[1:]))
)
phones = st.one_of(mobiles, landlines)


@st.composite
def messy_phones(draw) -> tuple[str, str]:
    """(canonical digits, the same number as someone might type or export it)."""
    digits = draw(phones)
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "+86(0)"]))
    # After a country prefix a landline loses its trunk zero ("+86(0)" keeps it in brackets).
    national = digits.removeprefix("0") if prefix else digits
    separators = st.sampled_from(["", "", " ", "-", "  ", ".", "\u3000", "－"])
    typed = "".join(c + draw(separators) for c in national).strip("-. \u3000－")
    text = prefix + typed
    if draw(st.booleans()):
        text = fullwidth(text)
    return digits, "  " + text + " "


@st.composite
def vins(draw) -> str:
    chars = draw(st.lists(st.sampled_from(VIN_CHARS), min_size=17, max_size=17))
    vin = "".join(chars)
    return vin[:8] + vin_check_digit(vin) + vin[9:]


@st.composite
def id_numbers(draw) -> tuple[str, datetime.date, str]:
    """(valid ID number, birthday, gender)."""
    region = draw(st.sampled_from(ID_REGIONS))
    birthday = draw(st.dates(datetime.date(1900, 1, 1), datetime.date.today()))
    sequence = draw(st.integers(0, 999))
    body = f"{region}{birthday:%Y%m%d}{sequence:03d}"
    return body + id_check_digit(body), birthday, "male" if sequence % 2 else "female"


@st.composite
def plates(draw) -> str:
    province = draw(st.sampled_from(PROVINCES))
    letter = draw(st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ"))
    serial_char = st.sampled_from(SERIAL_CHARS)
    digit = st.sampled_from("0123456789")
    kind = draw(st.sampled_from(["ordinary", "special", "small_nev", "large_nev"]))
    if kind == "ordinary":
        serial = "".join(draw(serial_char) for _ in range(5))
    elif kind == "special":
        serial = "".join(draw(serial_char) for _ in range(4)) + draw(st.sampled_from("挂学警港澳"))
    elif kind == "small_nev":
        serial = (
            draw(st.sampled_from("ABCDEFGHJK"))
            + draw(serial_char)
            + "".join(draw(digit) for _ in range(4))
        )
    else:
        serial = "".join(draw(digit) for _ in range(5)) + draw(st.sampled_from("DF"))
    return province + letter + serial


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  张三  ", "张三"),
        ("张\u3000三", "张 三"),
        ("ＡＢＣ汽车\u3000４Ｓ店", "ABC汽车 4S店"),
        ("line one\r\n\tline two", "line one line two"),
        ("\ufeff比亚迪\u200b汽车", "比亚迪汽车"),
        ("（北京）有限公司", "(北京)有限公司"),
        ("a\u00a0\u00a0b", "a b"),
    ],
)
def test_it_normalises_text(raw: str | None, expected: str) -> None:
    assert normalize_text(raw) == expected


@given(st.text())
def test_it_normalises_text_idempotently(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert once == once.strip()
    assert "  " not in once


# -------------------------------------------------------------------------- phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("013812345678", "13812345678"),  # old "0" for out-of-town mobiles
        ("１３８１２３４５６７８", "13812345678"),
        ("１３８－１２３４－５６７８", "13812345678"),
        ("  199 0000 1111 ", "19900001111"),
        ("（010）1234-5678", "01012345678"),
        ("(010)12345678", "01012345678"),
        ("010 12345678", "01012345678"),
        ("010-1234 5678", "01012345678"),
        ("01012345678", "01012345678"),
        ("0755-8888 8888", "075588888888"),
        ("0755-88888888", "075588888888"),
        ("+86 755 8888 8888", "075588888888"),
        ("+86 (0)755 8888 8888", "075588888888"),
        ("0086-10-12345678", "01012345678"),
        ("86 10 12345678", "01012345678"),
        ("021.6666.7777", "02166667777"),
        ("010-12345678转123", "01012345678"),
        ("010-12345678 分机 8001", "01012345678"),
        ("0755-8888 8888 ext. 12", "075588888888"),
        ("0755 88888888 x12", "075588888888"),
        ("010-1234-5678-123", "01012345678"),
        ("010-12345678-1", "01012345678"),
        ("010—1234—5678", "01012345678"),
    ],
)
def test_it_normalises_messy_phone_numbers(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "1381234567",  # one digit short
        "138123456789",  # one digit too many
        "14012345678",  # unallocated mobile prefix
        "12345678",  # landline without area code
        "1012345678",  # landline without trunk zero is more likely a typo
        "010-1234567",  # Beijing numbers have 8 digits
        "4008123123",  # service numbers are not a customer's phone
        "800-810-8888",
        "95588",
        "+852 9123 4567",  # Hong Kong
        "+1 415 555 0100",
        "138abc45678",
        "1381234567８a",
        "13812345678 / 13912345678",  # two numbers in one field
        "手机13812345678",
        "13812345678-123",  # mobiles have no extensions
        "\u0661\u0663\u0668\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",  # Arabic digits
    ],
)
def test_it_rejects_invalid_phone_numbers(raw: str) -> None:
    assert error_code(normalize_phone, raw) == "invalid_phone"


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_it_requires_a_phone_number(raw: str) -> None:
    assert error_code(normalize_phone, raw) == "required"


def test_it_explains_invalid_phone_numbers_in_english() -> None:
    with pytest.raises(ValidationError) as info:
        normalize_phone("12345")
    assert info.value.messages == ["Enter a valid mainland China mobile or landline number."]


@pytest.mark.parametrize(
    ("digits", "kind", "display", "masked"),
    [
        ("13812345678", "mobile", "138 1234 5678", "138****5678"),
        ("01012345678", "landline", "010-1234 5678", "010****5678"),
        ("02166667777", "landline", "021-6666 7777", "021****7777"),
        ("075588888888", "landline", "0755-8888 8888", "0755****8888"),
        ("08511234567", "landline", "0851-123 4567", "0851****4567"),
    ],
)
def test_it_formats_and_masks_phone_numbers(
    digits: str, kind: str, display: str, masked: str
) -> None:
    assert phone_kind(digits) == kind
    assert format_phone(digits) == display
    assert mask_phone(digits) == masked
    assert normalize_phone(display) == digits


def test_it_masks_an_empty_phone_as_empty() -> None:
    assert mask_phone("") == ""


@given(messy_phones())
def test_it_normalises_any_messy_form_of_a_valid_phone(case: tuple[str, str]) -> None:
    digits, messy = case
    assert normalize_phone(messy) == digits
    assert normalize_phone(digits) == digits
    assert normalize_phone(format_phone(digits)) == digits
    assert phone_kind(digits) == ("mobile" if digits.startswith("1") else "landline")


@given(phones)
def test_it_normalises_full_width_phones_like_half_width(digits: str) -> None:
    formatted = format_phone(digits)
    assert normalize_phone(fullwidth(formatted)) == normalize_phone(formatted) == digits


@given(st.text(alphabet="0123456789 -+()（）", max_size=20))
def test_it_normalises_phones_idempotently(text: str) -> None:
    try:
        once = normalize_phone(text)
    except ValidationError:
        return
    assert normalize_phone(once) == once


@given(phones)
def test_it_masks_phones_revealing_only_prefix_and_last_four(digits: str) -> None:
    masked = mask_phone(digits)
    area_code = digits[:3] if digits[1] in "12" else digits[:4]
    head = digits[:3] if digits.startswith("1") else area_code
    assert masked == head + "****" + digits[-4:]
    assert revealed(masked) == len(head) + 4 <= 8


@given(st.one_of(st.text(max_size=30), st.text("0123456789", max_size=14)))
def test_it_never_reveals_more_than_eight_characters_of_any_phone(text: str) -> None:
    shown = revealed(mask_phone(text))
    assert shown <= 8
    assert shown <= max(len(text) - 3, 0)  # at least 3 characters are always hidden


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("００８６１３８１２３４５６７８", "13812345678"),
        ("5678", "5678"),
        ("138 1234", "1381234"),
        ("010-1234 5678", "01012345678"),
        ("86 10 12345678", "861012345678"),  # only mobile numbers lose the prefix
        ("张三", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_it_reads_phone_digits_from_search_input(raw: str | None, expected: str) -> None:
    assert phone_digits_query(raw) == expected


@given(st.text())
def test_it_reads_phone_digits_from_any_search_input_without_raising(text: str) -> None:
    digits = phone_digits_query(text)
    assert digits == "" or (digits.isascii() and digits.isdigit())


# ---------------------------------------------------------------------------- VIN


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("LSVAM4187C2184847", "LSVAM4187C2184847"),
        ("lsvam4187c2184847", "LSVAM4187C2184847"),
        (" LSV AM418 7C218 4847 ", "LSVAM4187C2184847"),
        ("LSV-AM4187-C2184847", "LSVAM4187C2184847"),
        ("ＬＳＶＡＭ４１８７Ｃ２１８４８４７", "LSVAM4187C2184847"),
        ("1M8GDM9AXKP042788", "1M8GDM9AXKP042788"),  # check digit X
        ("11111111111111111", "11111111111111111"),
    ],
)
def test_it_normalises_messy_vins(raw: str, expected: str) -> None:
    assert normalize_vin(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        (
            "LSVAM4187C218484",
            "invalid_vin_length",
            "A VIN has 17 characters; this one has 16.",
        ),
        (
            "LSVAM4187C21848470",
            "invalid_vin_length",
            "A VIN has 17 characters; this one has 18.",
        ),
        ("", "invalid_vin_length", "A VIN has 17 characters; this one has 0."),
        (
            "LSVAM4187C2184B4O",
            "invalid_vin_letters",
            "A VIN never contains the letters I, O or Q.",
        ),
        (
            "LSVAM4187Q2184847",
            "invalid_vin_letters",
            "A VIN never contains the letters I, O or Q.",
        ),
        (
            "LSVAM4188C2184847",
            "invalid_vin_check_digit",
            "The VIN check digit (9th character) does not match; please check the VIN.",
        ),
        ("LSVAM4187C218484*", "invalid_vin_chars", "A VIN consists of letters and digits only."),
        ("LSVAM4187C218484号", "invalid_vin_chars", "A VIN consists of letters and digits only."),
    ],
)
def test_it_rejects_invalid_vins_with_specific_messages(raw: str, code: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_vin(raw)
    assert info.value.code == code
    assert info.value.messages == [message]


@pytest.mark.parametrize(
    ("vin", "digit"),
    [("LSVAM4187C2184847", "7"), ("1M8GDM9AXKP042788", "X"), ("11111111111111111", "1")],
)
def test_it_computes_the_vin_check_digit(vin: str, digit: str) -> None:
    assert vin_check_digit(vin) == digit


@given(vins())
def test_it_accepts_a_vin_with_the_computed_check_digit(vin: str) -> None:
    assert normalize_vin(vin) == vin
    assert normalize_vin(normalize_vin(vin)) == vin
    assert normalize_vin(vin.lower()) == vin
    assert normalize_vin(fullwidth(vin)) == vin
    # vininfo's independent implementation agrees (for makers it knows to use check digits).
    if getattr(Vin(vin).assembler, "uses_sae_checkdigit", True):
        assert Vin(vin).verify_checksum(check_year=False)


@given(vins(), st.sampled_from(VIN_CHARS))
def test_it_rejects_a_vin_with_any_other_check_digit(vin: str, other: str) -> None:
    assume(other != vin[8])
    assert error_code(normalize_vin, vin[:8] + other + vin[9:]) == "invalid_vin_check_digit"


# -------------------------------------------------------------------------- plate


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("京A12345", "京A12345"),
        ("京a12345", "京A12345"),
        ("京A·12345", "京A12345"),
        ("京A•12345", "京A12345"),
        ("京A.12345", "京A12345"),
        ("京 A-123 45", "京A12345"),
        ("沪ＡＢ１２３４", "沪AB1234"),  # full width
        ("粤B 8H9K7", "粤B8H9K7"),
        ("粤BD12345", "粤BD12345"),  # small new-energy, pure electric
        ("粤BFA1234", "粤BFA1234"),  # small new-energy, second serial char a letter
        ("京AK12345", "京AK12345"),  # small new-energy, A-K extension
        ("粤B12345D", "粤B12345D"),  # large new-energy
        ("苏E12345F", "苏E12345F"),
        ("鲁B1234挂", "鲁B1234挂"),
        ("川A1234学", "川A1234学"),
        ("粤Z1234港", "粤Z1234港"),
        ("粤Z1234澳", "粤Z1234澳"),
        ("京A1234警", "京A1234警"),
    ],
)
def test_it_normalises_messy_plates(raw: str, expected: str) -> None:
    assert normalize_plate(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "A12345",  # province missing
        "京12345",  # issuing authority letter missing
        "京A1234",  # too short
        "京A123456",  # ordinary plates have 5 serial characters
        "京AI2345",  # no I in serial numbers
        "京A1O345",  # no O in serial numbers
        "京AL12345",  # new-energy third character is A-K
        "京AD1234A",  # small new-energy ends in 4 digits
        "京A1234D5",
        "京A12345E",  # large new-energy ends in D or F
        "台A12345",  # not a mainland province abbreviation
        "京A1234领",
        "京A1234\u0665",  # an Arabic-Indic digit
        "京A12345挂",
    ],
)
def test_it_rejects_invalid_plates(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_plate(raw)
    assert info.value.code == "invalid_plate"
    assert info.value.messages == ["Enter a valid plate number, e.g. 京A12345 or 粤BD12345."]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("京A12345", "A12345"),
        ("a12345", "A12345"),
        ("京 a·123 45", "A12345"),
        ("ＢＤ１２３", "BD123"),
        ("粤", ""),
        ("", ""),
        (None, ""),
        ("12345", "12345"),
    ],
)
def test_it_cleans_plate_search_input(raw: str | None, expected: str) -> None:
    assert plate_query(raw) == expected


@given(plates())
def test_it_accepts_generated_plates_and_keys_them_without_province(plate: str) -> None:
    assert normalize_plate(plate) == plate
    assert normalize_plate(normalize_plate(plate)) == plate
    assert normalize_plate(fullwidth(plate[0] + " " + plate[1:].lower())) == plate
    key = plate_key(normalize_plate(plate))
    assert key == plate[1:]
    assert plate_query(plate) == key
    assert plate_query(plate[1:]) == key
    assert plate_query(plate[:2] + "·" + plate[2:].lower()) == key


@given(st.text())
def test_it_cleans_any_plate_search_input_without_raising(text: str) -> None:
    assert isinstance(plate_query(text), str)


PLATE_TYPING = st.text(
    alphabet=st.sampled_from(PROVINCES + "挂学警港澳 ·•.-\u3000abcxyzABCXYZ019０９ＡＺａｚ"),
    max_size=12,
)


@given(PLATE_TYPING)
def test_it_cleans_plate_search_input_idempotently(text: str) -> None:
    query = plate_query(text)
    assert plate_query(query) == query or query[:1] in PROVINCES
    assert not any(c in query for c in " ·•.-")


# --------------------------------------------------------------------- ID numbers


@pytest.mark.parametrize(
    ("raw", "expected", "birthday", "gender"),
    [
        ("11010519491231002X", "11010519491231002X", datetime.date(1949, 12, 31), "female"),
        ("11010519491231002x", "11010519491231002X", datetime.date(1949, 12, 31), "female"),
        ("110105 19491231 002x", "11010519491231002X", datetime.date(1949, 12, 31), "female"),
        (
            "１１０１０５１９４９１２３１００２Ｘ",
            "11010519491231002X",
            datetime.date(1949, 12, 31),
            "female",
        ),
        ("360426199101010071", "360426199101010071", datetime.date(1991, 1, 1), "male"),
        ("440305-20000229-1232", "440305200002291232", datetime.date(2000, 2, 29), "male"),
    ],
)
def test_it_normalises_messy_id_numbers(
    raw: str, expected: str, birthday: datetime.date, gender: str
) -> None:
    number = normalize_id_number(raw)
    assert number == expected
    assert id_number_birthday(number) == birthday
    assert id_number_gender(number) == gender


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105491231002", "invalid_id_number_old"),
        ("1101051949123100", "invalid_id_number_length"),
        ("11010519491231002X1", "invalid_id_number_length"),
        ("", "invalid_id_number_length"),
        ("1101051949123100XX", "invalid_id_number_chars"),
        ("11010519491231002Y", "invalid_id_number_chars"),
        ("\u0661\u0661010519491231002X", "invalid_id_number_chars"),
        ("00010519491231002X", "invalid_id_number_region"),
        ("110105194913310020", "invalid_id_number_date"),  # month 13
        ("110105190002290020", "invalid_id_number_date"),  # 1900 was not a leap year
        ("110105189912310020", "invalid_id_number_date"),  # before 1900
        ("110105299912310020", "invalid_id_number_date"),  # in the future
        ("110105194912310021", "invalid_id_number_checksum"),
    ],
)
def test_it_rejects_invalid_id_numbers_with_distinct_codes(raw: str, code: str) -> None:
    assert error_code(normalize_id_number, raw) == code


def test_it_explains_old_15_digit_id_numbers() -> None:
    with pytest.raises(ValidationError) as info:
        normalize_id_number("110105491231002")
    assert "15-digit" in info.value.messages[0]


@given(id_numbers())
def test_it_accepts_generated_id_numbers_and_reads_birthday_and_gender(
    case: tuple[str, datetime.date, str],
) -> None:
    number, birthday, gender = case
    assert normalize_id_number(number) == number
    assert normalize_id_number(number.lower()) == number
    assert normalize_id_number(fullwidth(number.lower())) == number
    assert normalize_id_number(normalize_id_number(number)) == number
    assert id_number_birthday(number) == birthday
    assert id_number_gender(number) == gender


@given(id_numbers(), st.sampled_from("0123456789X"))
def test_it_rejects_generated_id_numbers_with_a_changed_check_digit(
    case: tuple[str, datetime.date, str], other: str
) -> None:
    number = case[0]
    assume(other != number[-1])
    assert error_code(normalize_id_number, number[:-1] + other) == "invalid_id_number_checksum"


@given(id_numbers())
def test_it_masks_id_numbers_keeping_first_six_and_last_four(
    case: tuple[str, datetime.date, str],
) -> None:
    number = case[0]
    masked = mask_id_number(number)
    assert masked == number[:6] + "********" + number[-4:]
    assert mask_id_number(number, is_company=False) == masked
    assert revealed(masked) == 10


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91110000600037341L", "91110000600037341L"),
        ("9111 0000 6000 37341l", "91110000600037341L"),
        ("9111-0000-6000-37341L", "91110000600037341L"),
        ("９１１１００００６０００３７３４１Ｌ", "91110000600037341L"),
    ],
)
def test_it_normalises_messy_social_credit_codes(raw: str, expected: str) -> None:
    assert normalize_uscc(raw) == expected
    assert normalize_identity_number(raw, is_company=True) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("91110000600037341A", "invalid_uscc_checksum"),
        ("A1110000600037341L", "invalid_uscc_chars"),
        ("9111000060003734IL", "invalid_uscc_chars"),
        ("9111000060003734", "invalid_uscc_length"),
        ("", "invalid_uscc_length"),
    ],
)
def test_it_rejects_invalid_social_credit_codes(raw: str, code: str) -> None:
    assert error_code(normalize_uscc, raw) == code


def test_it_dispatches_identity_numbers_by_customer_kind() -> None:
    assert normalize_identity_number("11010519491231002x", is_company=False) == (
        "11010519491231002X"
    )
    assert error_code(normalize_identity_number, "91110000600037341L", is_company=False)
    assert error_code(normalize_identity_number, "11010519491231002X", is_company=True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002X", "110105********002X"),
        ("91110000600037341L", "9111**********341L"),
        ("", ""),
        ("12345", "*****"),
        ("E12345678", "*****5678"),  # a passport number keeps its last 4
    ],
)
def test_it_masks_identity_numbers(raw: str, expected: str) -> None:
    assert mask_id_number(raw) == expected


def test_it_masks_a_social_credit_code_as_told() -> None:
    assert mask_id_number("91110000600037341L", is_company=True) == "9111**********341L"
    assert mask_id_number("11010519491231002X", is_company=True) == "1101**********002X"


@given(st.text(max_size=30))
def test_it_never_reveals_more_than_ten_characters_of_an_identity_number(text: str) -> None:
    for masked, most in ((mask_id_number(text), 10), (mask_id_number(text, is_company=True), 8)):
        shown = revealed(masked)
        assert shown <= most
        assert len(masked) - shown >= min(len(masked), 5)  # at least 5 characters hidden


# ------------------------------------------------------------------------- pinyin


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("张三", "zhangsan", "zs"),
        ("曾小明", "zengxiaoming", "zxm"),
        ("单田芳", "shantianfang", "stf"),
        ("解缙", "xiejin", "xj"),
        ("仇英", "qiuying", "qy"),
        ("区志强", "ouzhiqiang", "ozq"),
        ("查良镛", "zhaliangyong", "zly"),
        ("朴树", "piaoshu", "ps"),
        ("乐嘉", "yuejia", "yj"),
        ("缪杰", "miaojie", "mj"),
        ("翟志刚", "zhaizhigang", "zzg"),
        ("覃海", "qinhai", "qh"),
        ("阚兵", "kanbing", "kb"),
        ("尉迟恭", "yuchigong", "ycg"),
        ("万俟卨", "moqixie", "mqx"),
        ("长孙无忌", "zhangsunwuji", "zswj"),
        ("令狐冲", "linghuchong", "lhc"),
        ("澹台灭明", "tantaimieming", "ttmm"),
        ("欧阳娜娜", "ouyangnana", "oynn"),
        ("吕布", "lvbu", "lb"),
        ("张 三", "zhangsan", "zs"),
        ("ＬＩ Ｍｉｎｇ", "liming", "liming"),
        ("Tom李", "tomli", "toml"),
        ("李雷2号", "lilei2hao", "ll2h"),
        ("王·小明", "wangxiaoming", "wxm"),
        ("比亚迪汽车", "biyadiqiche", "bydqc"),
        ("解放汽车", "jiefangqiche", "jfqc"),  # a company: no surname reading
        ("曾经", "cengjing", "cj"),  # an ordinary word
        ("ABC汽车4S店", "abcqiche4sdian", "abcqc4sd"),
        ("", "", ""),
        ("!!!", "", ""),
    ],
)
def test_it_converts_names_to_pinyin(name: str, full: str, initials: str) -> None:
    assert name_pinyin(name) == (full, initials)


def test_it_lets_callers_say_whether_a_name_is_a_persons() -> None:
    assert name_pinyin("乐视", person=False) == ("leshi", "ls")
    assert name_pinyin("乐乐", person=True) == ("yuele", "yl")
    assert name_pinyin("曾", person=True) == ("zeng", "z")


@given(st.text(max_size=12))
def test_it_produces_lowercase_ascii_pinyin_for_any_text(text: str) -> None:
    full, initials = name_pinyin(text)
    for value in (full, initials):
        assert value == "" or (value.isascii() and value.isalnum() and value == value.lower())
    assert len(initials) <= len(full)


def test_it_converts_names_to_pinyin_quickly() -> None:
    name_pinyin("预热")  # load pypinyin's dictionaries
    names = [chr(0x4E00 + i) + chr(0x4E00 + i + 1) + chr(0x4E00 + i + 2) for i in range(0, 6000, 3)]
    name_pinyin.cache_clear()
    start = time.perf_counter()
    for name in names:
        name_pinyin(name)
    uncached = (time.perf_counter() - start) / len(names)
    start = time.perf_counter()
    for name in names:
        name_pinyin(name)
    cached = (time.perf_counter() - start) / len(names)
    # Typically ~20 µs uncached and well under 1 µs cached; generous bounds for busy CI.
    assert uncached < 250e-6
    assert cached < 10e-6
