"""Licence identifiers (证照标识, GB/T 36904) and the codes inside them (GB 32100, GB 11643).

::

    >>> lid = parse_licence_id(
    ...     "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0")
    >>> lid.type_code, lid.issuer_code, lid.serial, lid.version, lid.check
    ('11100000000013338W009', '11330105002500287C', '2025052201', '002', '0')
    >>> str(LicenceId.build("11100000000013338W009", "11330105002500287C", "2025052201", "002"))
    '1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0'
    >>> check_uscc("91320115MA202UKD7X")
    '91320115MA202UKD7X'
    >>> check_resident_id("11010519491231002X")
    '11010519491231002X'

Every function raises :class:`esealkit.errors.InvalidIdentifier` on a bad value; its
``position`` is the 1-based character position in the text given (``None`` when no single
character is to blame) and its ``rule`` is one of the short names in :data:`RULES`.

``parse_licence_id(text, strict=False)`` also accepts the known non-conforming variants
found in deployed systems, and says so in :attr:`LicenceId.note` with
``conforming=False``: a 6-digit administrative division code instead of the issuer's
18-character USCC, and the check character computed by the epoint ``CertCheckUtil`` variant
(:func:`esealkit.certs.checkcodes.epoint_mod37_36`).  Lenient mode weakens the check: a
mistyped identifier has a 1 in 36 chance of passing as the vendor variant.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from esealkit.certs.checkcodes import (
    ALNUM36,
    GB32100_ALPHABET,
    epoint_mod37_36,
    gb11643_check_char,
    gb11714_check_char,
    gb32100_check_char,
    iso7064_mod37_36,
)
from esealkit.errors import InvalidIdentifier

__all__ = [
    "ROOT_CODE",
    "RULES",
    "LicenceId",
    "check_resident_id",
    "check_uscc",
    "parse_licence_id",
]

#: The e-licence root code (电子证照根代码) every identifier starts with.
ROOT_CODE = "1.2.156.3005.2"

#: The rule names :class:`InvalidIdentifier` carries, with what each one checks.
RULES: dict[str, str] = {
    "type": "the value is a str",
    "length": "the value or field has the required length",
    "charset": "every character is allowed at its place",
    "root-code": "a licence identifier starts with 1.2.156.3005.2 (GB/T 36904)",
    "structure": "a licence identifier has five dot-separated fields after the root code",
    "nonconforming-variant": "a known vendor variant, accepted only with strict=False",
    "version": "the version field is three digits",
    "iso7064-mod37-36": "the licence identifier check character (ISO/IEC 7064 MOD 37,36)",
    "gb32100-check": "the USCC check character, position 18 (GB 32100)",
    "gb11714-check": "the organisation code check character, USCC position 17 (GB 11714)",
    "division-code": "an administrative division code is 6 digits (GB/T 2260)",
    "gb11643-check": "the resident identity number check character (ISO 7064 MOD 11-2)",
    "province": "a resident identity number starts with a known province code",
    "birth-date": "positions 7-14 of a resident identity number are a real date",
}

_DIGITS = "0123456789"
_SERIAL_MAX = 64  # GB/T 36904 leaves the serial to the producer; real ones have 9-32 chars.
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)


def _fail(what: str, message: str, position: int | None, rule: str) -> InvalidIdentifier:
    where = f" at character {position}" if position is not None else ""
    return InvalidIdentifier(f"{what}{where}: {message} [{rule}]", position=position, rule=rule)


def _describe(char: str) -> str:
    if char.isascii() and char.isalpha() and char.islower():
        return f"{char!r} is lower case; use upper case"
    return f"{char!r} is not allowed here"


def _require_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _fail(what, f"expected a str, got {type(value).__name__}", None, "type")
    return value


@dataclass(frozen=True)
class LicenceId:
    """A parsed GB/T 36904 licence identifier: ``ROOT.type.issuer.serial.version.check``.

    ``conforming`` is False only for identifiers accepted by lenient parsing, and ``note``
    then says which non-conforming variant was recognised.
    """

    type_code: str  # 证照类型代码: defining authority's USCC + 3 digits
    issuer_code: str  # 颁发机构代码: issuing authority's USCC
    serial: str  # 流水号
    version: str  # 版本号, "001" for a first issue
    check: str  # 校验位
    conforming: bool = True
    note: str = ""

    def __str__(self) -> str:
        return ".".join(
            (ROOT_CODE, self.type_code, self.issuer_code, self.serial, self.version, self.check)
        )

    @property
    def text(self) -> str:
        """The dotted identifier, as printed and stored."""
        return str(self)

    @property
    def body(self) -> str:
        """The characters the check character covers (no root code, no dots)."""
        return self.type_code + self.issuer_code + self.serial + self.version

    @classmethod
    def build(
        cls, type_code: str, issuer_code: str, serial: str, version: str = "001"
    ) -> LicenceId:
        """Make a conforming identifier, computing its check character.

        Raises :class:`InvalidIdentifier` (positions counted in the resulting identifier)
        when a field does not conform.
        """
        fields = [
            _require_str(v, "licence identifier field")
            for v in (type_code, issuer_code, serial, version)
        ]
        start = len(ROOT_CODE) + 2
        for field in fields:
            for index, char in enumerate(field):
                if char not in ALNUM36:
                    raise _fail("licence identifier", _describe(char), start + index, "charset")
            start += len(field) + 1
        body = "".join(fields)
        text = ".".join((ROOT_CODE, *fields, iso7064_mod37_36(body)))
        return parse_licence_id(text)

    def with_version(self, version: str) -> LicenceId:
        """The same licence at another version (换发/变更), with a fresh check character."""
        return LicenceId.build(self.type_code, self.issuer_code, self.serial, version)


def _uscc_problem(code: str, offset: int, what: str) -> InvalidIdentifier | None:
    """Why ``code`` is not a USCC, with positions shifted by ``offset``; None when it is one."""
    if len(code) != 18:
        return _fail(
            what,
            f"a USCC has 18 characters, got {len(code)}",
            None if offset == 0 else offset + 1,
            "length",
        )
    for index, char in enumerate(code):
        if char not in GB32100_ALPHABET:
            hint = " (a USCC never uses I, O, Z, S or V)" if char in "IOZSV" else ""
            return _fail(what, _describe(char) + hint, offset + index + 1, "charset")
    for index in range(2, 8):
        if code[index] not in _DIGITS:
            return _fail(
                what,
                f"{code[index]!r}: positions 3-8 are the division code, digits only",
                offset + index + 1,
                "division-code",
            )
    expected = gb32100_check_char(code[:17])
    if code[17] != expected:
        return _fail(
            what,
            f"check character {code[17]!r} does not match the code, expected {expected!r}",
            offset + 18,
            "gb32100-check",
        )
    org_check = gb11714_check_char(code[8:16])
    if code[16] != org_check:
        return _fail(
            what,
            f"organisation code check character {code[16]!r} does not match, expected {org_check!r}",
            offset + 17,
            "gb11714-check",
        )
    return None


def check_uscc(text: str) -> str:
    """Validate a unified social credit code (统一社会信用代码, GB 32100) and return it.

    Checks the length, the 31-symbol alphabet, the digits of the division code, the
    check character (position 18) and the organisation code's own check (position 17).
    """
    problem = _uscc_problem(_require_str(text, "USCC"), 0, "USCC")
    if problem is not None:
        raise problem
    return text


def check_resident_id(text: str) -> str:
    """Validate an 18-character resident identity number (公民身份号码, GB 11643) and return it."""
    what = "resident identity number"
    _require_str(text, what)
    if len(text) != 18:
        extra = " (15-digit first-generation numbers are not accepted)" if len(text) == 15 else ""
        raise _fail(what, f"must have 18 characters, got {len(text)}{extra}", None, "length")
    for index, char in enumerate(text[:17]):
        if char not in _DIGITS:
            raise _fail(what, _describe(char) + "; positions 1-17 are digits", index + 1, "charset")
    if text[17] not in "0123456789X":
        raise _fail(what, _describe(text[17]) + "; position 18 is a digit or X", 18, "charset")
    if text[:2] not in _PROVINCES:
        raise _fail(what, f"{text[:2]!r} is not a province code", 1, "province")
    try:
        birth = _dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        birth = None
    if birth is None or birth.year < 1800:
        raise _fail(what, f"{text[6:14]!r} is not a birth date (YYYYMMDD)", 7, "birth-date")
    expected = gb11643_check_char(text[:17])
    if text[17] != expected:
        raise _fail(
            what,
            f"check character {text[17]!r} does not match, expected {expected!r}",
            18,
            "gb11643-check",
        )
    return text


_DIVISION_CODE = re.compile(r"[0-9]{6}")
_VERSION = re.compile(r"[0-9]{3}")


def _check_charset(field: str, start: int, name: str, what: str) -> None:
    if not field:
        raise _fail(what, f"the {name} is empty", start, "length")
    for index, char in enumerate(field):
        if char not in ALNUM36:
            raise _fail(what, f"the {name}: {_describe(char)}", start + index, "charset")


def parse_licence_id(text: str, *, strict: bool = True) -> LicenceId:
    """Parse and validate a GB/T 36904 licence identifier (see the module docstring)."""
    what = "licence identifier"
    _require_str(text, what)
    root = ROOT_CODE + "."
    for index, expected_char in enumerate(root):
        if index >= len(text) or text[index] != expected_char:
            raise _fail(what, f"must start with the root code {root!r}", index + 1, "root-code")
    fields = text[len(root) :].split(".")
    starts = [len(root) + 1]
    for field in fields[:-1]:
        starts.append(starts[-1] + len(field) + 1)
    if len(fields) != 5:
        position = starts[5] - 1 if len(fields) > 5 else len(text) + 1
        raise _fail(
            what,
            f"{len(fields)} fields after the root code, expected 5 (type code, issuer code, serial, version, check)",
            position,
            "structure",
        )
    type_code, issuer_code, serial, version, check = fields
    notes: list[str] = []

    if len(type_code) != 21:
        raise _fail(
            what,
            f"the licence type code has 21 characters, got {len(type_code)}",
            starts[0],
            "length",
        )
    problem = _uscc_problem(
        type_code[:18], starts[0] - 1, f"{what} (type code: defining authority's USCC)"
    )
    if problem is not None:
        raise problem
    for index in range(18, 21):
        if not type_code[index].isdigit():
            raise _fail(what, "the type code ends with 3 digits", starts[0] + index, "charset")

    problem = _uscc_problem(issuer_code, starts[1] - 1, f"{what} (issuer code)")
    if problem is not None:
        if _DIVISION_CODE.fullmatch(issuer_code):
            if strict:
                raise _fail(
                    what,
                    "the issuer code is a 6-digit division code, not the issuer's USCC "
                    "(a known non-conforming variant; parse with strict=False to accept it)",
                    starts[1],
                    "nonconforming-variant",
                )
            notes.append("issuer code is a 6-digit administrative division code, not a USCC")
        else:
            raise problem

    _check_charset(serial, starts[2], "serial", what)
    if len(serial) > _SERIAL_MAX:
        raise _fail(
            what,
            f"the serial has more than {_SERIAL_MAX} characters",
            starts[2] + _SERIAL_MAX,
            "length",
        )
    if not _VERSION.fullmatch(version):
        raise _fail(what, f"the version is 3 digits, got {version!r}", starts[3], "version")
    if len(check) != 1:
        raise _fail(what, f"the check is one character, got {len(check)}", starts[4], "length")
    _check_charset(check, starts[4], "check character", what)

    body = type_code + issuer_code + serial + version
    expected = iso7064_mod37_36(body)
    if check != expected:
        if strict or check != epoint_mod37_36(body):
            raise _fail(
                what,
                f"check character {check!r} does not match, expected {expected!r}",
                starts[4],
                "iso7064-mod37-36",
            )
        notes.append(
            "check character follows the epoint CertCheckUtil vendor variant, "
            f"not ISO/IEC 7064 MOD 37,36 (which gives {expected!r})"
        )
    return LicenceId(
        type_code, issuer_code, serial, version, check, conforming=not notes, note="; ".join(notes)
    )
