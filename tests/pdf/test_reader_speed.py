"""The reader's faster checks give the same answers as the simple forms they replace."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from rawpdf import signature_shaped

from esealkit.pdf.reader import read_pdf, revision_ends


def _revision_ends_by_regex(data: bytes) -> tuple[int, ...]:
    # The definition revision_ends had before it used bytes.find.
    return tuple(m.end() for m in re.finditer(rb"%%EOF(\r\n|\r|\n)?", data))


@given(st.lists(st.sampled_from([b"%%EOF", b"%%EO", b"%EOF", b"\r", b"\n", b"\r\n", b"x", b"%", b"%%EOF%%EOF"]),
                max_size=30))
def test_revision_ends_matches_the_regular_expression(parts: list[bytes]) -> None:
    data = b"".join(parts)
    assert revision_ends(data) == _revision_ends_by_regex(data)


def test_revision_ends_of_a_two_revision_file() -> None:
    data = b"%PDF-1.7\n...%%EOF\r\nmore%%EOF"
    assert revision_ends(data) == (19, len(data))


def _problems(contents_hex: bytes) -> tuple[str, ...]:
    [sig] = read_pdf(signature_shaped(contents_hex)).signatures
    return sig.problems


def test_gap_of_upper_and_lower_case_digits_is_read() -> None:
    [sig] = read_pdf(signature_shaped(b"30aBcD00")).signatures
    assert sig.problems == ()
    assert sig.contents == bytes.fromhex("30abcd00")


def test_gap_with_whitespace_is_refused() -> None:
    # A hex string may hold whitespace in PDF, but the signed gap must be one unbroken string.
    assert _problems(b"3000 3000") == ("the gap in /ByteRange is not a well-formed hex string",)


def test_gap_with_an_odd_number_of_digits_is_refused() -> None:
    assert _problems(b"30003") == ("the gap in /ByteRange is not a well-formed hex string",)


def test_gap_with_a_non_hex_character_is_refused() -> None:
    assert _problems(b"3000g0") == ("the gap in /ByteRange is not a well-formed hex string",)


def test_contents_of_zero_bytes_only_is_empty() -> None:
    assert _problems(b"00" * 16) == ("/Contents is empty",)


def test_contents_starting_with_zero_bytes_is_not_empty() -> None:
    [sig] = read_pdf(signature_shaped(b"0000003000")).signatures
    assert sig.problems == ()
    assert sig.contents == b"\x00\x00\x000\x00"
