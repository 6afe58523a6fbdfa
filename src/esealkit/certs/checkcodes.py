"""Check-character algorithms (校验码算法) behind the Chinese identifiers.

Pure functions over the body of a code (without its check character) that return the
check character a conforming code carries::

    >>> iso7064_mod37_36("11100000000013338W00911330105002500287C2025052201002")
    '0'
    >>> gb32100_check_char("11100000000013338")
    'W'
    >>> gb11643_check_char("11010519491231002")
    'X'

Every function raises :class:`ValueError` on a character outside its alphabet; the callers
in :mod:`esealkit.certs.identifiers` validate the alphabet first, so that their errors can
name the position.
"""

from __future__ import annotations

__all__ = [
    "ALNUM36",
    "GB32100_ALPHABET",
    "epoint_mod37_36",
    "gb11643_check_char",
    "gb11714_check_char",
    "gb32100_check_char",
    "iso7064_mod37_36",
]

#: ISO/IEC 7064 alphanumeric alphabet: ``0``-``9`` are 0-9, ``A``-``Z`` are 10-35.
ALNUM36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

#: GB 32100 alphabet (31 symbols, no I, O, Z, S, V), valued 0-30.
GB32100_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# GB 32100 weights for positions 1-17 (3**i mod 31).
_GB32100_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714 organisation-code weights for positions 1-8.
_GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# GB 11643 weights for positions 1-17 (2**(17-i) mod 11).
_GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_GB11643_CHECK = "10X98765432"


_ALNUM36_VALUES = {char: value for value, char in enumerate(ALNUM36)}
_GB32100_VALUES = {char: value for value, char in enumerate(GB32100_ALPHABET)}
_DIGIT_VALUES = {char: value for value, char in enumerate("0123456789")}


def _value(values: dict[str, int], char: str) -> int:
    value = values.get(char)
    if value is None:
        raise ValueError(f"{char!r} is not in the alphabet {''.join(values)!r}")
    return value


def iso7064_mod37_36(body: str) -> str:
    """ISO/IEC 7064 MOD 37,36 (hybrid) check character over ``0-9A-Z`` — GB/T 36904.

    The check value x makes the running product end at 1: ``(p + x) mod 36 == 1``.
    It detects every single substitution.
    """
    p = 36
    values = _ALNUM36_VALUES
    for char in body:
        value = values.get(char)
        if value is None:
            raise ValueError(f"{char!r} is not in the alphabet {ALNUM36!r}")
        p = (2 * ((p + value) % 36 or 36)) % 37
    return ALNUM36[(1 - p) % 36]


def epoint_mod37_36(body: str) -> str:
    """The check character of the epoint ``CertCheckUtil`` vendor variant (non-conforming).

    Deployed identifiers carry it (STANDARDS.md §4.1, fourth example).  It differs from
    :func:`iso7064_mod37_36` in three ways: letters count one more (``A`` = 11 … ``Z`` = 36),
    the running sum is reduced by 37 after a letter and by 36 after a digit, and the final
    character is taken one place off (``ALNUM36[36 - p]`` instead of ``(1 - p) mod 36``).
    Only lenient parsing uses it, to recognise such identifiers, never to make new ones.
    """
    p = 0
    for index, char in enumerate(body):
        value = _value(_ALNUM36_VALUES, char)
        if value >= 10:
            value += 1
        r = (36 if index == 0 else p) + value
        if value > 10 and r > 37:
            r %= 37
        elif value < 10 and r > 36:
            r %= 36
        r = r % 36 or 36
        p = (2 * r) % 37
    # p is never 0 because 37 is prime, so the index is in 0..35.
    return ALNUM36[36 - p]


def gb32100_check_char(body: str) -> str:
    """Check character (position 18) of a unified social credit code; ``body`` = positions 1-17."""
    if len(body) != 17:
        raise ValueError("a USCC body has 17 characters")
    total = sum(_value(_GB32100_VALUES, c) * w for c, w in zip(body, _GB32100_WEIGHTS, strict=True))
    return GB32100_ALPHABET[(31 - total % 31) % 31]


def gb11714_check_char(body: str) -> str:
    """Check character of a GB 11714 organisation code (组织机构代码); ``body`` = its first 8."""
    if len(body) != 8:
        raise ValueError("an organisation code body has 8 characters")
    total = sum(_value(_ALNUM36_VALUES, c) * w for c, w in zip(body, _GB11714_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def gb11643_check_char(body: str) -> str:
    """ISO 7064 MOD 11-2 check character of a resident identity number (GB 11643)."""
    if len(body) != 17:
        raise ValueError("a resident identity number body has 17 digits")
    total = sum(_value(_DIGIT_VALUES, c) * w for c, w in zip(body, _GB11643_WEIGHTS, strict=True))
    return _GB11643_CHECK[total % 11]
