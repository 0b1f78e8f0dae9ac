"""Identifiers of credit subjects: Unified Social Credit Codes and resident ID numbers.

USCC (GB 32100-2015): 18 characters from ``0-9 A-Z`` without I, O, Z, S, V. Character 1 is
the registering authority, 2 the category within it, 3-8 the GB/T 2260 region of the
registering office, 9-17 the organisation code (GB 11714: 8 characters and a check digit),
18 the check character (ISO 7064 MOD 31-3).

Resident ID number (GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit order
code (odd for men), check character (ISO 7064 MOD 11-2, ``X`` for 10).

Checksums come from python-stdnum (``stdnum.cn.uscc``, ``stdnum.cn.ric``). stdnum has no GB 11714
organisation-code module, so that check digit is computed here.

The validators take the text as it is: lower-case letters and full-width characters are
reported, not silently fixed. Loaders call :func:`normalize_uscc` / :func:`normalize_resident_id`
first, so a problem found after that is a problem with the number itself.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc

from creditgraph import settings
from creditgraph.exc import InputError
from creditgraph.model import regions

# The GB 32100 character set, in value order: the index of a character is its value in the
# MOD 31-3 check. stdnum keeps the same string private.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_FORBIDDEN = "IOZSV"
_USCC_CHARS = frozenset(USCC_ALPHABET)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: the weights are 3**i mod 31, so the weighted sum is a number in base 3 (mod 31), and equally
#: in base 34 (34 = 3 mod 31), where every character value 0-30 is one digit: int() computes
#: it in C. This table turns each USCC character into the base-34 digit of its value.
_USCC_TO_BASE34 = str.maketrans(USCC_ALPHABET, "0123456789abcdefghijklmnopqrstu")
#: 18 characters of the alphabet with a digit region (characters 3-8): a well-formed code
_USCC_SHAPE = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}")

SubjectLabel = Literal["Enterprise", "Organisation"]


@dataclass(frozen=True)
class _Category:
    name: str  # Chinese name as in GB 32100 table 3
    label: SubjectLabel
    kind: str | None  # Organisation.kind in model.yaml; None for enterprises and unmapped categories


@dataclass(frozen=True)
class _Authority:
    name: str  # Chinese name as in GB 32100 table 2
    categories: dict[str, _Category]


def _org(name: str, kind: str | None = None) -> _Category:
    return _Category(name, "Organisation", kind)


_ENTERPRISE = "Enterprise"

# GB 32100-2015 tables 2 and 3 with the authorities added by its amendment and later
# assignments (2 外交 … 8 工会, A, N). Blog posts often list only 1/5/9/Y; real codes such as a
# law firm's 31… or a village collective's N2… would then be rejected.
AUTHORITIES: dict[str, _Authority] = {
    "1": _Authority("机构编制", {
        "1": _org("机关", "government_body"),
        "2": _org("事业单位", "public_institution"),
        # 人民团体 such as 共青团 and 妇联: mass organisations, registered by 编办 instead of 民政
        "3": _org("中央编办直接管理机构编制的群众团体", "social_organisation"),
        "9": _org("其他"),
    }),
    "2": _Authority("外交", {"1": _org("外国常驻新闻机构"), "9": _org("其他")}),
    "3": _Authority("司法行政", {
        "1": _org("律师执业机构"),
        "2": _org("公证处"),
        "3": _org("基层法律服务所"),
        "4": _org("司法鉴定机构"),
        "5": _org("仲裁委员会"),
        "9": _org("其他"),
    }),
    "4": _Authority("文化", {"1": _org("外国在华文化中心"), "9": _org("其他")}),
    "5": _Authority("民政", {
        "1": _org("社会团体", "social_organisation"),
        "2": _org("民办非企业单位", "private_non_enterprise"),
        "3": _org("基金会", "foundation"),
        "9": _org("其他"),
    }),
    "6": _Authority("旅游", {
        "1": _org("外国旅游部门常驻代表机构"),
        "2": _org("港澳台地区旅游部门常驻内地（大陆）代表机构"),
        "9": _org("其他"),
    }),
    "7": _Authority("宗教", {"1": _org("宗教活动场所"), "2": _org("宗教院校"), "9": _org("其他")}),
    "8": _Authority("工会", {"1": _org("基层工会"), "9": _org("其他")}),
    # 工商, since 2018 市场监管 (market regulation): the market entities our model calls Enterprise.
    "9": _Authority("工商", {
        "1": _Category("企业", _ENTERPRISE, None),
        "2": _Category("个体工商户", _ENTERPRISE, None),
        "3": _Category("农民专业合作社", _ENTERPRISE, None),
    }),
    "A": _Authority("中央军委改革和编制办公室", {"1": _org("军队事业单位"), "9": _org("其他")}),
    "N": _Authority("农业", {
        "1": _org("组级集体经济组织"),
        "2": _org("村级集体经济组织"),
        "3": _org("乡镇级集体经济组织"),
        "9": _org("其他"),
    }),
    "Y": _Authority("其他", {"1": _org("其他")}),
}

#: Every Organisation kind :func:`parse_uscc` can return (the values of Organisation.kind).
ORGANISATION_KINDS = frozenset(
    c.kind for a in AUTHORITIES.values() for c in a.categories.values() if c.kind is not None
)

# GB 11714-1997 weights for the 8 body characters of an organisation code.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _describe(ch: str) -> str:
    """A character as a reader can identify it, even when it is invisible or full-width."""
    if ch.isprintable() and ch.isascii() and not ch.isspace():
        return repr(ch)
    return f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})"


# ---------------------------------------------------------------------------------------------
# USCC


def normalize_uscc(raw: str) -> str:
    """Clean a USCC as typed or exported: drop spaces and hyphens, full-width → half-width,
    upper-case. Does not validate.

    >>> normalize_uscc(" ９１５１０１０４ ma61-xxxx0x ")
    '91510104MA61XXXX0X'
    """
    if raw.isascii() and raw.isalnum():
        return raw.upper()  # nothing to normalise, drop or join: the common case, kept cheap
    text = unicodedata.normalize("NFKC", raw)
    return "".join(text.split()).replace("-", "").upper()


def organisation_code_check_digit(body: str) -> str:
    """GB 11714 check digit of an 8-character organisation-code body (``0``-``9`` or ``X``)."""
    if len(body) != 8 or not all("0" <= c <= "9" or "A" <= c <= "Z" for c in body):
        raise InputError(f"organisation code body {body!r} must be 8 digits or upper-case letters")
    # GB 11714 values letters A=10 … Z=35, i.e. base-36 digit values
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS))
    digit = 11 - total % 11
    return {10: "X", 11: "0"}.get(digit, str(digit))


# Loaders check the same codes many times (a subject's own row, then every relationship that
# names it); the checks are pure functions of the text, so a bounded cache pays for itself.
# Bounded small: at a million subjects, caches sized to hold them all cost over a gigabyte.
_CACHE = 1 << 17


@lru_cache(maxsize=_CACHE)
def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid USCC, in plain English; None if it is valid.

    Checks, in order: length, that every character is in the USCC alphabet (naming the first
    one that is not, and where), that the region part is digits, the check character, and
    that the authority and category are ones GB 32100 defines. Unlike ``stdnum.cn.uscc`` it
    does not upper-case first, and it accepts the letter authorities (A, N, Y) that stdnum's
    all-digits rule for the first 8 characters would reject.
    """
    if not isinstance(code, str):
        return f"expected text, got {type(code).__name__}"
    # The common case, a valid code, checked in C; anything else goes through the checks
    # below, which say what is wrong.
    if _USCC_SHAPE.fullmatch(code) and code[17] == _uscc_check(code):
        authority = AUTHORITIES.get(code[0])
        if authority is not None and code[1] in authority.categories:
            return None
    n = len(code)
    if n != 18:
        if n == 0:
            return "is empty"
        hint = ""
        if code.isdigit() and n in (13, 15):
            hint = " (looks like an old business registration number, 注册号, not a USCC)"
        elif n == 9 or (n == 10 and code[8] == "-"):
            hint = " (looks like a bare organisation code, 组织机构代码, not a USCC)"
        return f"has {n} characters, a USCC has 18{hint}"
    for pos, ch in enumerate(code, start=1):
        if ch in _USCC_CHARS:
            continue
        if ch.upper() in _USCC_CHARS and ch.isascii():
            return f"character {pos} is lower-case {ch!r}: USCCs use upper-case letters only"
        if ch.upper() in USCC_FORBIDDEN and ch.isascii():
            return (f"character {pos} is the letter {ch!r}, which USCCs never use "
                    f"(the alphabet excludes I, O, Z, S and V)")
        return f"character {pos} is {_describe(ch)}, not a digit or an allowed upper-case letter"
    region = code[2:8]
    if not region.isdigit():
        return f"characters 3-8 are the registration region and must be digits, found {region!r}"
    expected = _uscc_check(code)
    if code[17] != expected:
        return f"check character is {code[17]!r} but the first 17 characters give {expected!r}"
    authority = AUTHORITIES.get(code[0])
    if authority is None:
        known = ", ".join(AUTHORITIES)
        return f"character 1 {code[0]!r} is not a registration authority in GB 32100 (known: {known})"
    if code[1] not in authority.categories:
        known = ", ".join(code[0] + c for c in authority.categories)
        return (f"category {code[:2]!r} is not defined for authority {code[0]} ({authority.name}); "
                f"known: {known}")
    return None


def _uscc_check(code: str) -> str:
    """The MOD 31-3 check character of a code already known to be 18 USCC characters: the same
    as ``stdnum.cn.uscc.calc_check_digit(code[:17])`` without its cleaning, which loaders pay
    for millions of times."""
    total = int(code[16::-1].translate(_USCC_TO_BASE34), 34)
    return USCC_ALPHABET[(31 - total) % 31]


def is_valid_uscc(code: str) -> bool:
    """Whether ``code`` is a valid USCC exactly as given (see :func:`uscc_problem`)."""
    return uscc_problem(code) is None


@dataclass(frozen=True)
class USCCInfo:
    """What a valid USCC says about its holder."""

    code: str
    #: character 1 and its Chinese name, e.g. "9", "工商"
    authority: str
    authority_name: str
    #: characters 1-2 and the category's Chinese name, e.g. "91", "企业"
    category: str
    category_name: str
    #: the node label this implies in our graph
    subject_label: SubjectLabel
    #: for an Organisation, its kind (one of ORGANISATION_KINDS, as Organisation.kind in
    #: model.yaml); None for an Enterprise, and for categories the model has no kind for
    #: (31 律师执业机构, 71 宗教活动场所, N2 村级集体经济组织 …): the loader decides those
    organisation_kind: str | None
    #: characters 3-8: the GB/T 2260 code of the registering office's region
    region_code: str
    #: its name if it is a Sichuan division, current or retired; else None
    region_name: str | None
    #: whether region_code is a current Sichuan division
    region_current: bool
    #: characters 9-17 as XXXXXXXX-X
    organisation_code: str
    #: whether character 17 is the GB 11714 check digit of characters 9-16. A few real,
    #: issued codes fail this (the USCC check still passes), so it does not affect validity.
    organisation_code_ok: bool
    check_character: str


def uscc_subject_label(code: str) -> str | None:
    """The node label ("Enterprise" or "Organisation") a *valid* code's category implies.

    Cheaper than :func:`parse_uscc` for loaders, which have already validated the code.
    """
    authority = AUTHORITIES.get(code[:1])
    category = authority.categories.get(code[1:2]) if authority else None
    return category.label if category else None


def parse_uscc(code: str) -> USCCInfo:
    """Split a valid USCC into its parts; raises :class:`InputError` saying why if it is invalid."""
    problem = uscc_problem(code)
    if problem is not None:
        raise InputError(f"USCC {code!r} {problem}", field="uscc")
    authority = AUTHORITIES[code[0]]
    category = authority.categories[code[1]]
    region = code[2:8]
    body = code[8:16]
    name = regions.region_name(region)
    return USCCInfo(
        code=code,
        authority=code[0],
        authority_name=authority.name,
        category=code[:2],
        category_name=category.name,
        subject_label=category.label,
        organisation_kind=category.kind,
        region_code=region,
        region_name=name if name is not None else regions.former_region_name(region),
        region_current=name is not None,
        organisation_code=f"{body}-{code[16]}",
        organisation_code_ok=organisation_code_check_digit(body) == code[16],
        check_character=code[17],
    )


def make_uscc(authority_category: str, region: str, org_body: str) -> str:
    """Build a valid USCC, e.g. ``make_uscc("91", "510104", "MA61ABCD")``.

    ``org_body`` is the 8-character organisation-code body; its GB 11714 check digit and the
    final USCC check character are computed. A 9-character ``org_body`` (with or without the
    hyphen) is accepted if its check digit is right. For synthetic data and tests.
    """
    if (len(authority_category) != 2 or authority_category[0] not in AUTHORITIES
            or authority_category[1] not in AUTHORITIES[authority_category[0]].categories):
        raise InputError(f"{authority_category!r} is not an authority and category from GB 32100")
    if len(region) != 6 or not region.isdigit():
        raise InputError(f"region {region!r} must be a 6-digit GB/T 2260 code")
    body = org_body.replace("-", "")
    if len(body) not in (8, 9) or any(c not in _USCC_CHARS for c in body):
        raise InputError(f"organisation code {org_body!r} must be 8 characters from {USCC_ALPHABET}")
    check = organisation_code_check_digit(body[:8])
    if len(body) == 9 and body[8] != check:
        raise InputError(f"organisation code {org_body!r} has check digit {body[8]!r}, expected {check!r}")
    head = f"{authority_category}{region}{body[:8]}{check}"
    return head + _uscc.calc_check_digit(head)


# ---------------------------------------------------------------------------------------------
# Resident ID numbers

_EARLIEST_BIRTH_YEAR = 1880  # anyone older has no ID card; an earlier year is a typo


def normalize_resident_id(raw: str) -> str:
    """Clean a resident ID number: drop spaces, full-width → half-width, ``x`` → ``X``.
    Does not validate."""
    if raw.isascii() and raw.isalnum():
        return raw.upper()  # nothing to normalise or drop: the common case, kept cheap
    text = unicodedata.normalize("NFKC", raw)
    return "".join(text.split()).upper()


def resident_id_problem(id_number: str, *, today: date | None = None) -> str | None:
    """Why ``id_number`` is not a valid 18-digit resident ID number; None if it is valid.

    Checks the length, the characters (a lower-case ``x`` is reported, not accepted), the birth
    date (a real date, not in the future, not before 1880), the check character, and that the
    address code is one GB/T 2260 has ever assigned. Unlike ``stdnum.cn.ric`` it does not require
    the address code to have existed in the birth year: numbers are for life and some are first
    issued years after birth, when the county may have a newer code.
    """
    if today is None and isinstance(id_number, str):
        return _resident_id_problem_today(id_number, date.today())
    return _resident_id_problem(id_number, today=today)


@lru_cache(maxsize=_CACHE)
def _resident_id_problem_today(id_number: str, today: date) -> str | None:
    return _resident_id_problem(id_number, today=today)


def _resident_id_problem(id_number: str, *, today: date | None = None) -> str | None:
    """The checks behind :func:`resident_id_problem`."""
    if not isinstance(id_number, str):
        return f"expected text, got {type(id_number).__name__}"
    n = len(id_number)
    if n != 18:
        if n == 0:
            return "is empty"
        hint = " (an old first-generation 15-digit number)" if n == 15 and id_number.isdigit() else ""
        return f"has {n} characters, a resident ID number has 18{hint}"
    if "*" in id_number:
        return "is masked (contains '*')"
    head = id_number[:17]
    if not (head.isascii() and head.isdigit()):
        for pos, ch in enumerate(head, start=1):
            if not ("0" <= ch <= "9"):
                return f"character {pos} is {_describe(ch)}; the first 17 characters must be digits"
    last = id_number[17]
    if last == "x":
        return "character 18 is lower-case 'x'; the check character is a digit or upper-case 'X'"
    if not ("0" <= last <= "9" or last == "X"):
        return f"character 18 is {_describe(last)}; the check character is a digit or 'X'"
    try:
        # What stdnum.cn.ric.get_birth_date does, minus its cleaning: the digits are checked.
        birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return f"characters 7-14 {id_number[6:14]!r} are not a real date (YYYYMMDD)"
    if birth > (today or date.today()):
        return f"birth date {birth.isoformat()} is in the future"
    if birth.year < _EARLIEST_BIRTH_YEAR:
        return f"birth year {birth.year} is implausible (before {_EARLIEST_BIRTH_YEAR})"
    checksum = (1 - 2 * int(id_number[:17], 13)) % 11  # stdnum.cn.ric.calc_check_digit
    expected = "X" if checksum == 10 else str(checksum)
    if last != expected:
        return f"check character is {last!r} but the first 17 digits give {expected!r}"
    if not _address_code_known(id_number[:6]):
        return f"characters 1-6 {id_number[:6]!r} are not an address code GB/T 2260 has ever assigned"
    return None


def is_valid_resident_id(id_number: str) -> bool:
    """Whether ``id_number`` is a valid 18-digit resident ID number (see :func:`resident_id_problem`)."""
    return resident_id_problem(id_number) is None


@lru_cache(maxsize=1 << 13)  # a few thousand codes were ever assigned; numdb is slow to ask
def _address_code_known(code: str) -> bool:
    if regions.is_sichuan(code):
        return True
    from stdnum import numdb

    parts = numdb.get("cn/loc").info(code)
    # a full match has a county entry for the last 4 digits; a province-only match does not
    return len(parts) >= 2 and "county" in parts[-1][1]


def mask_resident_id(id_number: str) -> str:
    """Hide the birth date and order code: ``510104********123X`` (first 6 and last 4 kept).

    Works on anything: short strings are masked entirely, so nothing leaks from a malformed value.
    """
    n = len(id_number)
    if n <= 10:
        return "*" * n
    return id_number[:6] + "*" * (n - 10) + id_number[-4:]


def make_resident_id(region: str, birth: date, seq: int) -> str:
    """Build a valid resident ID number from an address code, birth date and order code 0-999
    (odd for men, even for women). For synthetic data and tests."""
    if not (isinstance(seq, int) and 0 <= seq <= 999):
        raise InputError(f"order code {seq!r} must be a whole number from 0 to 999")
    if len(region) != 6 or not region.isdigit():
        raise InputError(f"region {region!r} must be a 6-digit GB/T 2260 code")
    head = f"{region}{birth:%Y%m%d}{seq:03d}"
    number = head + _ric.calc_check_digit(head + "0")  # stdnum ignores the placeholder check
    problem = resident_id_problem(number)
    if problem is not None:
        raise InputError(f"cannot make a resident ID number: {number} {problem}")
    return number


def person_pid(id_number: str, key: str | bytes | None = None) -> str:
    """The person id stored in the graph instead of the ID number: HMAC-SHA256 of the
    normalised number under ``key`` (default ``settings.PID_KEY``), as 32 lower-case hex digits.

    A keyed hash rather than a plain one because the space of ID numbers is small enough to
    hash exhaustively: without the key, nobody can turn a pid back into a number.
    """
    number = normalize_resident_id(id_number)
    if not number:
        raise InputError("cannot make a pid from an empty ID number")
    return _pid(_pid_key(key), number)


def person_pids(numbers: list[str], key: str | bytes | None = None) -> list[str]:
    """:func:`person_pid` of many numbers already normalised (a first load's column of them:
    no cache, which would miss nearly every time there)."""
    key_bytes = _pid_key(key)
    digest = hmac.digest
    return [digest(key_bytes, n.encode("utf-8"), "sha256").hex()[:32] for n in numbers]


def _pid_key(key: str | bytes | None) -> bytes:
    if key is None:
        key = settings.PID_KEY  # read at call time so a changed key takes effect
    return key.encode("utf-8") if isinstance(key, str) else key


@lru_cache(maxsize=_CACHE)
def _pid(key: bytes, number: str) -> str:
    # hmac.digest: the same HMAC, computed in one call (several times faster than hmac.new);
    # person_pids computes it the same way
    return hmac.digest(key, number.encode("utf-8"), "sha256").hex()[:32]
