"""Normalisation and validation of the identifiers a dealership CRM deals with.

Input comes from staff typing and from legacy DMS exports, so it arrives with
full-width characters, stray spaces, dashes, country prefixes and the like.
Everything here cleans such input into one canonical form (so that equal
values compare equal in the database) and rejects what cannot be repaired with
a ``django.core.exceptions.ValidationError`` whose message is an English msgid
(translated in the .po file).

All functions are pure and need neither the database nor settings at import
time; messages are translated when the error is raised.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT
from stdnum.cn import ric, uscc

__all__ = [
    "PROVINCES",
    "format_phone",
    "id_number_birthday",
    "id_number_gender",
    "mask_id_number",
    "mask_phone",
    "name_pinyin",
    "normalize_id_number",
    "normalize_identity_number",
    "normalize_phone",
    "normalize_plate",
    "normalize_text",
    "normalize_uscc",
    "normalize_vin",
    "phone_digits_query",
    "phone_kind",
    "plate_key",
    "plate_query",
    "vin_check_digit",
]

# --------------------------------------------------------------------------- text

# Zero-width characters and the BOM survive NFKC and sneak in from Excel/CSV exports.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def normalize_text(value: str | None) -> str:
    """NFKC-normalise (full-width → half-width), strip and collapse whitespace; None → ""."""
    if not value:
        return ""
    # Imports call this for every cell, often twice: plain ASCII, which NFKC leaves as it is
    # and which holds no invisibles, skips the Unicode work.
    if not value.isascii():
        # Drop invisibles first: removing them after NFKC could leave text that NFKC changes
        # again. (Searching first is much cheaper than translate() on text without them.)
        if _INVISIBLE_RE.search(value):
            value = value.translate(_INVISIBLE)
        value = unicodedata.normalize("NFKC", value)
        # NFKC already maps the ideographic space U+3000 to " "; be explicit anyway.
        value = value.replace("\u3000", " ")
    # str.split() splits at exactly the characters r"\s" matches: the same as
    # re.sub(r"\s+", " ", value).strip(), in a fraction of the time.
    return " ".join(value.split())


_COMPACT_RE = re.compile(r"[\s\-_]+")


def _compact(value: str | None) -> str:
    """NFKC, uppercase and drop whitespace and dashes (for codes such as VINs and IDs)."""
    return _COMPACT_RE.sub("", normalize_text(value)).upper()


# -------------------------------------------------------------------------- phone

# An extension written after the number: "转123", "分机 123", "ext. 123", "x123", "#123".
_PHONE_EXTENSION_RE = re.compile(
    r"\s*(?:转|轉|分机|分機|内线|ext\.?|extension|x|#)\s*\d{1,6}\s*$", re.IGNORECASE | re.ASCII
)
# Characters people put between digits; anything else (letters, a second number
# separated by "/" or "、", ...) makes the value invalid rather than guessed at.
# (re.ASCII everywhere: NFKC leaves e.g. Arabic-Indic digits alone, and \d would match them.)
_PHONE_ALLOWED_RE = re.compile(r"^\+?[\d\s\-\u2010-\u2015().]*$", re.ASCII)
_MOBILE_RE = re.compile(r"^1\d{10}$", re.ASCII)
_DIGIT_GROUPS_RE = re.compile(r"[0-9]+")
_LANDLINE_RE = re.compile(r"^0[1-9]\d{8,10}$", re.ASCII)


def _invalid_phone() -> ValidationError:
    return ValidationError(
        gettext("Enter a valid mainland China mobile or landline number."), code="invalid_phone"
    )


def _phone_national_digits(digits: str, *, international: bool) -> str | None:
    """Turn the digits of a phone number into canonical national digits, or None.

    ``international`` says whether the value started with "+"; then the digits
    must start with the country code 86.  Without "+", a "0086"/"86" prefix is
    recognised too.  Landlines need their trunk zero unless a country prefix was
    given: "1012345678" is more likely a mistyped mobile than Beijing.
    """
    if international:
        if not digits.startswith("86"):
            return None  # another country
        digits = digits[2:]
    elif digits.startswith("0086"):
        digits, international = digits[4:], True
    elif digits.startswith("86") and len(digits) >= 12:
        # "8613812345678", "86 755 8888 8888": no national number starts with 86.
        digits, international = digits[2:], True
    if international:
        # "+86 (0)755 ..." – drop a redundant trunk zero.
        nsn = digits[1:] if digits.startswith("0") else digits
    elif digits.startswith("0"):
        nsn = digits[1:]
    elif _MOBILE_RE.match(digits):
        nsn = digits
    else:
        return None
    if nsn.startswith("0") or not 7 <= len(nsn) <= 11:
        return None
    try:
        number = phonenumbers.parse("+86" + nsn)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.MOBILE or (
        kind == phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE and nsn.startswith("1")
    ):
        return nsn
    if kind in (
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return "0" + nsn
    # 400/800 service numbers, premium rate, ...: not a customer's own phone.
    return None


def normalize_phone(value: str) -> str:
    """Return canonical digits of a mainland China mobile or landline number.

    Mobile: "13812345678".  Landline: trunk zero + area code + subscriber number,
    "01012345678" / "075588888888".  Accepts full-width digits, spaces, dashes,
    brackets, "+86"/"0086"/"86" prefixes and an old-style "0" before a mobile.

    Extensions ("转123", "ext 123", "x123", or "-123" after a complete landline)
    are dropped: the CRM stores one dialable number per field and the extension
    rarely stays valid for long.  400/800 service numbers are rejected.
    Empty input raises a ``required`` error; callers handle optional fields.
    """
    text = normalize_text(value)
    if not text:
        raise ValidationError(gettext("Enter a phone number."), code="required")
    text = _PHONE_EXTENSION_RE.sub("", text)
    if not _PHONE_ALLOWED_RE.match(text):
        raise _invalid_phone()
    international = text.startswith("+")
    groups = _DIGIT_GROUPS_RE.findall(text)
    result = _phone_national_digits("".join(groups), international=international)
    if result is None and len(groups) >= 2 and len(groups[-1]) <= 6:
        # "010-1234 5678-123": a trailing group after a complete landline is an extension.
        landline = _phone_national_digits("".join(groups[:-1]), international=international)
        if landline is not None and landline.startswith("0"):
            result = landline
    if result is None:
        raise _invalid_phone()
    return result


def phone_kind(digits: str) -> str:
    """Return "mobile" or "landline" for canonical digits from :func:`normalize_phone`."""
    return "mobile" if _MOBILE_RE.match(digits) else "landline"


def _split_landline(digits: str) -> tuple[str, str] | None:
    """(area code with trunk zero, 7- or 8-digit local number), or None.

    Beijing (010) and the 02x cities have two-digit area codes; all others three.
    """
    if not _LANDLINE_RE.match(digits):
        return None
    split = 3 if digits[1] in "12" else 4
    area, local = digits[:split], digits[split:]
    return (area, local) if len(local) in (7, 8) else None


def format_phone(digits: str) -> str:
    """Display form: "138 1234 5678", "010-1234 5678", "0755-8888 8888".

    Anything that is not canonical is returned unchanged.
    """
    if _MOBILE_RE.match(digits):
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if landline := _split_landline(digits):
        area, local = landline
        return f"{area}-{local[:-4]} {local[-4:]}"
    return digits


def mask_phone(digits: str) -> str:
    """Mask a phone number for display to users without the reveal permission.

    Mobile "138****5678"; landline keeps its area code and last 4 digits,
    "010****5678"; anything else keeps at most its last 4 characters.
    """
    if not digits:
        return ""
    if _MOBILE_RE.match(digits):
        return f"{digits[:3]}****{digits[-4:]}"
    if landline := _split_landline(digits):
        return f"{landline[0]}****{digits[-4:]}"
    if len(digits) > 8:
        return "****" + digits[-4:]
    return "****"


def phone_digits_query(value: str | None) -> str:
    """Digits to search phone numbers with; never raises.

    Drops everything but digits and removes a leading 86/0086 country prefix
    when what remains is a mobile number.  Partial input ("5678") stays as is.
    """
    digits = "".join(c for c in unicodedata.normalize("NFKC", value or "") if c in "0123456789")
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and _MOBILE_RE.match(rest):
            return rest
    return digits


# ---------------------------------------------------------------------------- VIN

# ISO 3779 / GB 16735 transliteration of letters to values (I, O and Q are not used).
_VIN_VALUES = {str(digit): digit for digit in range(10)} | {
    letter: value
    for letters, first in (("ABCDEFGH", 1), ("JKLMN", 1), ("P", 7), ("R", 9), ("STUVWXYZ", 2))
    for value, letter in enumerate(letters, start=first)
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_VIN_CHARS_RE = re.compile(r"[0-9A-Z]*")


def vin_check_digit(vin: str) -> str:
    """The check digit (position 9) that a 17-character VIN should have.

    The 9th character itself has weight 0, so it may be anything.
    Raises ValueError if the VIN has the wrong length or illegal characters.
    """
    if len(vin) != 17:
        raise ValueError("A VIN has 17 characters.")
    try:
        total = sum(
            _VIN_VALUES[char] * weight
            for char, weight in zip(vin, _VIN_WEIGHTS, strict=True)
            if weight
        )
    except KeyError as error:
        raise ValueError(f"Character {error} is not allowed in a VIN.") from None
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalize_vin(value: str) -> str:
    """NFKC, uppercase, drop spaces/dashes; validate length, letters and check digit.

    The check digit is mandatory: GB 16735 requires it for every vehicle sold in
    China, imported ones included.
    """
    vin = _compact(value)
    if not _VIN_CHARS_RE.fullmatch(vin):
        raise ValidationError(
            gettext("A VIN consists of letters and digits only."), code="invalid_vin_chars"
        )
    if len(vin) != 17:
        raise ValidationError(
            gettext("A VIN has 17 characters; this one has %(count)d."),
            code="invalid_vin_length",
            params={"count": len(vin)},
        )
    if not _VIN_RE.match(vin):
        raise ValidationError(
            gettext("A VIN never contains the letters I, O or Q."), code="invalid_vin_letters"
        )
    if vin[8] != vin_check_digit(vin):
        raise ValidationError(
            gettext("The VIN check digit (9th character) does not match; please check the VIN."),
            code="invalid_vin_check_digit",
        )
    return vin


# -------------------------------------------------------------------------- plate

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_SEPARATORS_RE = re.compile(r"[\s·•・‧∙.\-_]+")
_SERIAL = "[A-HJ-NP-Z0-9]"  # letters I and O are never used in serial numbers
_PLATE_RE = re.compile(
    rf"""^[{PROVINCES}][A-Z](?:
        {_SERIAL}{{5}}                      # ordinary: 京A12345
      | {_SERIAL}{{4}}[挂学警港澳]          # trailer, learner, police, HK/Macau: 粤Z1234港
      | [A-HJK]{_SERIAL}\d{{4}}             # small new-energy, D/F, now A-K: 京AD12345
      | \d{{5}}[DF]                         # large new-energy: 粤B12345D
    )$""",
    re.VERBOSE | re.ASCII,
)


def _clean_plate(value: str | None) -> str:
    text = unicodedata.normalize("NFKC", value or "").translate(_INVISIBLE)
    return _PLATE_SEPARATORS_RE.sub("", text).upper()


def normalize_plate(value: str) -> str:
    """Validate a mainland plate number (GA 36-2018) and return it without separators.

    The province character is required; see :func:`plate_query` for search input.
    """
    plate = _clean_plate(value)
    if not _PLATE_RE.match(plate):
        raise ValidationError(
            gettext("Enter a valid plate number, e.g. 京A12345 or 粤BD12345."), code="invalid_plate"
        )
    return plate


def plate_key(plate: str) -> str:
    """A normalised plate without its province character.

    Staff and exports often leave the province out, so plates are indexed and
    searched by this key; ``plate_key(p) == plate_query(p)`` for every plate.
    """
    return plate_query(plate)


def plate_query(value: str | None) -> str:
    """Search input cleaned like a plate, with a leading province character dropped.

    Never raises.
    """
    plate = _clean_plate(value)
    return plate[1:] if plate[:1] and plate[0] in PROVINCES else plate


# -------------------------------------------------------------- resident ID / USCC

# First two digits of resident ID numbers: provinces, plus 81/82/83 for the
# residence permits of Hong Kong, Macau and Taiwan residents.  Numbers starting
# with 9 are the 2023 foreigners' permanent residence cards, which share the layout.
_ID_PROVINCES = frozenset(
    ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37")
    + ("41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64")
    + ("65", "71", "81", "82", "83")
)
_ID_RE = re.compile(r"^\d{17}[\dX]$", re.ASCII)
_EARLIEST_BIRTHDAY = datetime.date(1900, 1, 1)


def _invalid_id(message: str, code: str, **params: int) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def normalize_id_number(value: str) -> str:
    """Validate an 18-digit PRC resident ID number; return it with an uppercase X.

    Uses stdnum.cn.ric for the check digit and birth date but checks the region
    only at province level: stdnum's county table rejects real numbers whose
    county code is younger than the holder (codes are assigned at issue time).
    First-generation 15-digit numbers are rejected with their own message:
    stdnum cannot convert them, and first-generation cards expired in 2013.
    """
    number = _compact(value)
    if len(number) == 15 and number.isdigit():
        raise _invalid_id(
            gettext(
                "This is an old 15-digit ID number, which is no longer valid; "
                "enter the 18-digit number."
            ),
            "invalid_id_number_old",
        )
    if len(number) != 18:
        raise _invalid_id(
            gettext("A resident ID number has 18 characters; this one has %(count)d."),
            "invalid_id_number_length",
            count=len(number),
        )
    if not _ID_RE.match(number):
        raise _invalid_id(
            gettext(
                "A resident ID number consists of 17 digits followed by a digit or the letter X."
            ),
            "invalid_id_number_chars",
        )
    if number[:2] not in _ID_PROVINCES and number[0] != "9":
        raise _invalid_id(
            gettext("The first 6 digits of this ID number are not a valid region code."),
            "invalid_id_number_region",
        )
    try:
        birthday = ric.get_birth_date(number)
    except ric.ValidationError:
        birthday = None
    today = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=1)
    if birthday is None or not _EARLIEST_BIRTHDAY <= birthday <= today:
        raise _invalid_id(
            gettext("The birth date in this ID number (digits 7 to 14) is not a valid date."),
            "invalid_id_number_date",
        )
    if number[-1] != ric.calc_check_digit(number):
        raise _invalid_id(
            gettext(
                "The ID number check digit (last character) does not match; "
                "please check the number."
            ),
            "invalid_id_number_checksum",
        )
    return number


def _checked_id(id_number: str) -> str:
    number = _compact(id_number)
    if not _ID_RE.match(number):
        raise ValueError(f"Not an 18-digit resident ID number: {id_number!r}")
    return number


def id_number_birthday(id_number: str) -> datetime.date:
    """Birth date encoded in a (validated) resident ID number; ValueError if malformed."""
    number = _checked_id(id_number)
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def id_number_gender(id_number: str) -> str:
    """Return "male" or "female" from the parity of the 17th digit (odd = male)."""
    return "male" if int(_checked_id(id_number)[16]) % 2 else "female"


def normalize_uscc(value: str) -> str:
    """Validate an 18-character unified social credit code (统一社会信用代码)."""
    code = _compact(value)
    try:
        return uscc.validate(code)
    except uscc.InvalidLength:
        message = gettext("A unified social credit code has 18 characters; this one has %(count)d.")
        raise _invalid_id(message, "invalid_uscc_length", count=len(code)) from None
    except uscc.InvalidChecksum:
        message = gettext(
            "The check character (last character) of this unified social credit code "
            "does not match; please check the code."
        )
        raise _invalid_id(message, "invalid_uscc_checksum") from None
    except uscc.ValidationError:
        message = gettext(
            "A unified social credit code starts with 8 digits followed by digits or letters "
            "other than I, O, S, V and Z."
        )
        raise _invalid_id(message, "invalid_uscc_chars") from None


def normalize_identity_number(value: str, *, is_company: bool) -> str:
    """Resident ID number for people, unified social credit code for companies."""
    return normalize_uscc(value) if is_company else normalize_id_number(value)


def mask_id_number(value: str, *, is_company: bool | None = None) -> str:
    """Mask an ID number: "110101********1234"; a USCC keeps first and last 4.

    Without ``is_company`` the kind is guessed from the shape and check digit;
    anything unrecognised keeps at most its last 4 characters.
    """
    number = _compact(value)
    if not number:
        return ""
    if len(number) == 18:
        if is_company is None:
            is_company = not (_ID_RE.match(number) and ric.calc_check_digit(number) == number[-1])
        keep = 4 if is_company else 6
        return number[:keep] + "*" * (14 - keep) + number[-4:]
    if len(number) > 8:
        return "*" * (len(number) - 4) + number[-4:]
    return "*" * len(number)


# ------------------------------------------------------------------------- pinyin

# Readings of characters used as surnames that differ from their everyday
# reading (pypinyin has no surname mode; see mozillazg/python-pinyin#297).
_SURNAMES: dict[str, tuple[str, ...]] = {
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"),
    "令狐": ("ling", "hu"),
    "澹台": ("tan", "tai"),
    "曾": ("zeng",),
    "单": ("shan",),
    "解": ("xie",),
    "仇": ("qiu",),
    "区": ("ou",),
    "查": ("zha",),
    "朴": ("piao",),
    "盖": ("ge",),
    "乐": ("yue",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "覃": ("qin",),
    "秘": ("bi",),
    "华": ("hua",),
    "任": ("ren",),
    "沈": ("shen",),
    "宓": ("mi",),
    "召": ("shao",),
    "员": ("yun",),
    "繁": ("po",),
    "种": ("chong",),
    "折": ("she",),
    "黑": ("he",),
    "句": ("gou",),
    "阚": ("kan",),
    "纪": ("ji",),
    "燕": ("yan",),
    "祭": ("zhai",),
    "薄": ("bo",),
    "卜": ("bu",),
    "重": ("chong",),
    "冼": ("xian",),
    "隗": ("wei",),
    "粘": ("nian",),
    "佴": ("nai",),
    "乜": ("nie",),
    "能": ("nai",),
}
_HAN_RE = re.compile(r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
# Words that make a name a company's, whose first character must not get a
# surname reading ("解放汽车" is jiefang, "乐视网络" is leshi).
_COMPANY_WORDS = re.compile(
    r"公司|集团|汽车|有限|股份|中心|科技|实业|贸易|物流|运输|租赁|工程|建设|银行|保险|"
    r"政府|学校|医院|大学|协会|工作室|黑龙江|[厂店局院所社部行站馆]$"
)


def _looks_like_person(name: str) -> bool:
    """Guess whether ``name`` is a person's.

    2 to 4 Chinese characters that are neither an ordinary word known to
    pypinyin ("解放", "繁荣") nor contain company words.
    """
    hans = "".join(_HAN_RE.findall(name))
    return 2 <= len(hans) <= 4 and hans not in PHRASES_DICT and not _COMPANY_WORDS.search(name)


def _ascii_alnum(text: str) -> str:
    if text.isascii():  # NFKD leaves ASCII as it is; mostly "" or a pinyin syllable here
        return text.lower() if text.isalnum() else "".join(c for c in text.lower() if c.isalnum())
    decomposed = unicodedata.normalize("NFKD", text).lower()
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())


@lru_cache(maxsize=8192)
def _syllables(hans: str) -> tuple[str, ...]:
    """The non-empty ASCII syllables of a run of Chinese characters (without the surname).

    Cached by run: a run is mostly a given name, and given names repeat far more than
    whole names do (~35 µs a run for pypinyin's segmentation and conversion).
    """
    syllables = (_ascii_alnum(syllable) for syllable in lazy_pinyin(hans))
    return tuple(syllable for syllable in syllables if syllable)


def name_pinyin(name: str, *, person: bool | None = None) -> tuple[str, str]:
    """(full pinyin, initials) in lowercase ASCII without separators, for search.

    "张三" → ("zhangsan", "zs"); "曾小明" → ("zengxiaoming", "zxm").  Latin
    letters and digits pass through lowercased (in the initials too); other
    characters are dropped.  A leading surname gets its surname reading when
    ``person`` is true; ``None`` guesses from the name (pass ``person=False``
    for companies when known).
    """
    if person is None:
        # Resolved before the cache, so that a guess and an explicit ``person`` share it.
        person = _looks_like_person(normalize_text(name))
    return _name_pinyin(name, person)


def _name_pinyin_cache_clear() -> None:
    _name_pinyin.cache_clear()
    _syllables.cache_clear()


name_pinyin.cache_clear = _name_pinyin_cache_clear  # type: ignore[attr-defined]


@lru_cache(maxsize=8192)
def _name_pinyin(name: str, person: bool) -> tuple[str, str]:
    text = normalize_text(name)
    full: list[str] = []
    initials: list[str] = []
    position = 0
    for match in _HAN_RE.finditer(text):
        other = _ascii_alnum(text[position : match.start()])
        full.append(other)
        initials.append(other)
        hans = match.group()
        syllables: list[str] = []
        if person and match.start() == 0:
            for surname in (hans[:2], hans[:1]):
                if surname in _SURNAMES:
                    syllables.extend(_SURNAMES[surname])
                    hans = hans[len(surname) :]
                    break
        syllables = [s for s in map(_ascii_alnum, syllables) if s]  # unknown rare characters
        syllables.extend(_syllables(hans) if hans else ())  # come back as themselves
        for syllable in syllables:
            full.append(syllable)
            initials.append(syllable[0])
        position = match.end()
    other = _ascii_alnum(text[position:])
    full.append(other)
    initials.append(other)
    return "".join(full), "".join(initials)
