"""Licence identifiers (GB/T 36904), USCC (GB 32100) and resident identity numbers (GB 11643)."""

from __future__ import annotations

import pytest
from certs_strategies import licence_ids, resident_ids, usccs
from hypothesis import given, settings
from hypothesis import strategies as st

from esealkit.certs.checkcodes import (
    ALNUM36,
    epoint_mod37_36,
    gb32100_check_char,
    iso7064_mod37_36,
)
from esealkit.certs.identifiers import (
    ROOT_CODE,
    RULES,
    LicenceId,
    check_resident_id,
    check_uscc,
    parse_licence_id,
)
from esealkit.errors import InvalidIdentifier

# STANDARDS.md §4.1: the public examples (the first one from a live government URL).
CONFORMING_EXAMPLES = [
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
]
DIVISION_CODE_EXAMPLE = "1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9"
EPOINT_EXAMPLE = (
    "1.2.156.3005.2.11100000000013661B006.113700000045046442.209FA4E88F9E4C878F3E9BED2CE7EA49.001.M"
)

# STANDARDS.md §4.1 and §5: real unified social credit codes.
REAL_USCCS = [
    "91320115MA202UKD7X",
    "11100000000013338W",
    "12100000000018032A",
    "11370306MB2867521U",
    "11330105002500287C",
    "11430000006122244L",
    "113700000045046442",
    "11100000000013661B",
    "11100000MB03271699",
]
REAL_RESIDENT_IDS = ["11010519491231002X", "440524188001010014"]


@pytest.mark.parametrize("text", CONFORMING_EXAMPLES)
def test_public_examples_validate_in_strict_mode(text: str) -> None:
    lid = parse_licence_id(text)
    assert lid.conforming and lid.note == ""
    assert str(lid) == text
    assert LicenceId.build(lid.type_code, lid.issuer_code, lid.serial, lid.version) == lid


def test_public_example_fields() -> None:
    lid = parse_licence_id(CONFORMING_EXAMPLES[1])
    assert (lid.type_code, lid.issuer_code, lid.serial, lid.version, lid.check) == (
        "11100000000013338W011",
        "11430000006122244L",
        "20230000403",
        "001",
        "U",
    )
    assert lid.body == "11100000000013338W01111430000006122244L20230000403001"


def test_division_code_issuer_is_rejected_strict_and_noted_lenient() -> None:
    with pytest.raises(InvalidIdentifier) as info:
        parse_licence_id(DIVISION_CODE_EXAMPLE)
    assert info.value.rule == "nonconforming-variant"
    assert info.value.position == DIVISION_CODE_EXAMPLE.index(".340100") + 2
    lid = parse_licence_id(DIVISION_CODE_EXAMPLE, strict=False)
    assert not lid.conforming
    assert "division code" in lid.note
    assert lid.issuer_code == "340100"
    assert lid.check == "9"


def test_epoint_variant_is_rejected_strict_and_noted_lenient() -> None:
    with pytest.raises(InvalidIdentifier) as info:
        parse_licence_id(EPOINT_EXAMPLE)
    assert info.value.rule == "iso7064-mod37-36"
    assert info.value.position == len(EPOINT_EXAMPLE)
    assert "'D'" in str(info.value)  # the conforming check character
    lid = parse_licence_id(EPOINT_EXAMPLE, strict=False)
    assert not lid.conforming
    assert "epoint" in lid.note
    assert lid.check == "M"


def test_lenient_mode_still_rejects_a_check_character_of_neither_kind() -> None:
    body = EPOINT_EXAMPLE[: -len(".M")]
    for char in ALNUM36:
        if char in ("M", "D"):
            continue
        with pytest.raises(InvalidIdentifier):
            parse_licence_id(f"{body}.{char}", strict=False)


@given(licence_ids())
def test_every_built_identifier_validates(lid: LicenceId) -> None:
    assert parse_licence_id(str(lid)) == lid
    assert iso7064_mod37_36(lid.body) == lid.check
    assert str(lid).startswith(ROOT_CODE + ".")


@settings(max_examples=15, deadline=None)
@given(licence_ids())
def test_every_single_substitution_is_caught(lid: LicenceId) -> None:
    text = str(lid)
    for index, original in enumerate(text):
        for char in ALNUM36 + ".-a ":
            if char == original:
                continue
            changed = text[:index] + char + text[index + 1 :]
            with pytest.raises(InvalidIdentifier):
                parse_licence_id(changed)


@given(licence_ids(), st.data())
def test_substitution_in_the_body_is_caught_by_the_check_character(
    lid: LicenceId, data: st.DataObject
) -> None:
    body = lid.body
    index = data.draw(st.integers(0, len(body) - 1))
    char = data.draw(st.sampled_from(ALNUM36).filter(lambda c: c != body[index]))
    assert iso7064_mod37_36(body[:index] + char + body[index + 1 :]) != lid.check


@given(licence_ids())
def test_epoint_checked_identifiers_pass_only_leniently(lid: LicenceId) -> None:
    epoint = epoint_mod37_36(lid.body)
    text = str(lid)[:-1] + epoint
    if epoint == lid.check:
        assert parse_licence_id(text).conforming
        return
    with pytest.raises(InvalidIdentifier):
        parse_licence_id(text)
    lenient = parse_licence_id(text, strict=False)
    assert not lenient.conforming and "epoint" in lenient.note


@given(st.text(max_size=120))
def test_parse_never_raises_anything_but_invalid_identifier(text: str) -> None:
    try:
        parse_licence_id(text, strict=False)
    except InvalidIdentifier as exc:
        assert exc.rule in RULES
        assert exc.position is None or 1 <= exc.position <= len(text) + 1


@given(st.text(ALNUM36 + ".", max_size=80))
def test_parse_of_plausible_tails_never_raises_anything_else(tail: str) -> None:
    text = ROOT_CODE + "." + tail
    for strict in (True, False):
        try:
            parse_licence_id(text, strict=strict)
        except InvalidIdentifier as exc:
            assert exc.rule in RULES
            assert exc.position is None or 1 <= exc.position <= len(text) + 1


GOOD = CONFORMING_EXAMPLES[0]
TYPE_START = len(ROOT_CODE) + 2
ISSUER_START = TYPE_START + 22
SERIAL_START = ISSUER_START + 19


@pytest.mark.parametrize(
    ("text", "position", "rule"),
    [
        pytest.param("1.2.156.3005.3" + GOOD[14:], 14, "root-code", id="root"),
        pytest.param("", 1, "root-code", id="empty"),
        pytest.param(GOOD.replace("W009", "W09"), TYPE_START, "length", id="type-length"),
        pytest.param(
            GOOD.replace("13338W009", "13338X009"), TYPE_START + 17, "gb32100-check", id="type-uscc"
        ),
        pytest.param(GOOD.replace("W009", "W0A9"), TYPE_START + 19, "charset", id="type-digits"),
        pytest.param(GOOD.replace("W009", "W0009"), TYPE_START, "length", id="type-too-long"),
        pytest.param(
            GOOD.replace("0287C", "0287D"), ISSUER_START + 17, "gb32100-check", id="issuer-check"
        ),
        pytest.param(
            GOOD.replace("11330105", "1133O105"), ISSUER_START + 4, "charset", id="issuer-letter-O"
        ),
        pytest.param(
            GOOD.replace("11330105", "113301A5"),
            ISSUER_START + 6,
            "division-code",
            id="issuer-division",
        ),
        pytest.param(
            GOOD.replace("2025052201", "20250522b1"), SERIAL_START + 8, "charset", id="serial-lower"
        ),
        pytest.param(GOOD.replace("2025052201", ""), SERIAL_START, "length", id="serial-empty"),
        pytest.param(GOOD.replace(".002.", ".02."), SERIAL_START + 11, "version", id="version"),
        pytest.param(GOOD[:-1] + "1", len(GOOD), "iso7064-mod37-36", id="check"),
        pytest.param(GOOD + ".1", len(GOOD) + 1, "structure", id="extra-field"),
        pytest.param(GOOD[:-2], len(GOOD) - 1, "structure", id="missing-field"),
        pytest.param(GOOD + "1", len(GOOD), "length", id="check-two-chars"),
    ],
)
def test_error_names_position_and_rule(text: str, position: int, rule: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        parse_licence_id(text)
    assert (info.value.position, info.value.rule) == (position, rule)
    if position is not None:
        assert f"character {position}" in str(info.value)


def test_build_rejects_bad_fields_with_their_position() -> None:
    with pytest.raises(InvalidIdentifier) as info:
        LicenceId.build("11100000000013338W009", "11330105002500287C", "AB-1")
    assert info.value.position == SERIAL_START + 2
    assert info.value.rule == "charset"
    with pytest.raises(InvalidIdentifier) as info:
        LicenceId.build("11100000000013338W009", "11330105002500287C", "AB1", "1")
    assert info.value.rule == "version"


def test_with_version_recomputes_the_check() -> None:
    lid = parse_licence_id(GOOD)
    newer = lid.with_version("003")
    assert newer.version == "003" and newer.serial == lid.serial
    assert parse_licence_id(str(newer)) == newer


def test_non_str_is_rejected_with_a_clear_error() -> None:
    with pytest.raises(InvalidIdentifier) as info:
        parse_licence_id(b"1.2.156")  # type: ignore[arg-type]
    assert info.value.rule == "type"


# --- USCC (GB 32100) -------------------------------------------------------------------


@pytest.mark.parametrize("code", REAL_USCCS)
def test_real_usccs_validate(code: str) -> None:
    assert check_uscc(code) == code


@given(usccs())
def test_every_generated_uscc_validates(code: str) -> None:
    assert check_uscc(code) == code


@given(usccs(), st.data())
def test_every_single_substitution_in_a_uscc_is_caught(code: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, 17))
    char = data.draw(st.sampled_from(ALNUM36 + "ab-").filter(lambda c: c != code[index]))
    changed = code[:index] + char + code[index + 1 :]
    with pytest.raises(InvalidIdentifier) as info:
        check_uscc(changed)
    assert info.value.position is not None and 1 <= info.value.position <= 18


def test_every_single_substitution_in_real_usccs_is_caught_exhaustively() -> None:
    for code in REAL_USCCS:
        for index in range(18):
            for char in ALNUM36:
                if char != code[index]:
                    with pytest.raises(InvalidIdentifier):
                        check_uscc(code[:index] + char + code[index + 1 :])


@pytest.mark.parametrize(
    ("code", "position", "rule"),
    [
        ("91320115MA202UKD7Y", 18, "gb32100-check"),
        ("91320115MA202UKD7", None, "length"),
        ("9132O115MA202UKD7X", 5, "charset"),
        ("91320115Ma202UKD7X", 10, "charset"),
        ("913201A5MA202UKD7X", 7, "division-code"),
        # a right GB 32100 check over a wrong organisation code check
        ("91320115MA202UKD8" + gb32100_check_char("91320115MA202UKD8"), 17, "gb11714-check"),
    ],
)
def test_uscc_errors_name_position_and_rule(code: str, position: int | None, rule: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        check_uscc(code)
    assert (info.value.position, info.value.rule) == (position, rule)


# --- resident identity number (GB 11643) ----------------------------------------------


@pytest.mark.parametrize("number", REAL_RESIDENT_IDS)
def test_real_resident_ids_validate(number: str) -> None:
    assert check_resident_id(number) == number


@given(resident_ids())
def test_every_generated_resident_id_validates(number: str) -> None:
    assert check_resident_id(number) == number


@given(resident_ids(), st.data())
def test_every_single_substitution_in_a_resident_id_is_caught(
    number: str, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, 17))
    char = data.draw(st.sampled_from("0123456789Xx ").filter(lambda c: c != number[index]))
    with pytest.raises(InvalidIdentifier):
        check_resident_id(number[:index] + char + number[index + 1 :])


@pytest.mark.parametrize(
    ("number", "position", "rule"),
    [
        ("110105194912310021", 18, "gb11643-check"),
        ("11010519491231002x", 18, "charset"),
        ("1101051949123100", None, "length"),
        ("110105491231002", None, "length"),
        ("99010519491231002X", 1, "province"),
        ("110105194913310029", 7, "birth-date"),
        ("1101051949123A002X", 14, "charset"),
    ],
)
def test_resident_id_errors_name_position_and_rule(
    number: str, position: int | None, rule: str
) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        check_resident_id(number)
    assert (info.value.position, info.value.rule) == (position, rule)


@given(st.text(max_size=30))
def test_check_functions_never_raise_anything_but_invalid_identifier(text: str) -> None:
    for check in (check_uscc, check_resident_id):
        try:
            check(text)
        except InvalidIdentifier as exc:
            assert exc.rule in RULES
