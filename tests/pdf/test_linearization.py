"""The /L a PDF's first object declares, read as poppler reads it (see esealkit.pdf.linearization)."""

from __future__ import annotations

import random

import pytest

from esealkit.pdf.changes import linearized_problem
from esealkit.pdf.linearization import declared_lengths

HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


@pytest.mark.parametrize(("first", "lengths"), [
    (b"1 0 obj << /Linearized 1 /L 1375 /H [ 582 139 ] /O 6 /E 1118 /N 1 /T 1189 >> endobj", {1375}),
    (b"1 0 obj<</Linearized 1/L 1375>>endobj", {1375}),
    (b"1 0 obj << /Linearized 1 /#4c 1375 >>", {1375}),  # a name spelled with an escape
    (b"1 0 obj << /L 001375 >>", {1375}),
    (b"1 0 obj << /L +1375 >>", {1375}),
    (b"1 0 obj << /L 1375abc >>", {1375}),  # poppler ends a number at the first non-digit
    (b"1 0 obj << /L 7 /L 1375 >>", {7, 1375}),  # twice: both are looked at
    (b"% a comment\n 1 0 obj % another\n << /L 1375 >>", {1375}),
    (b"1 0 obj << 12 /L 1375 >>", {1375}),  # a key that is not a name is skipped
    (b"1 0 obj << /L 1375.0 >>", set()),  # a real
    (b"1 0 obj << /L 5 0 R >>", set()),  # a reference
    (b"1 0 obj << /X << /L 1375 >> /Y [ /L 1375 ] /Z (/L 1375) /W <1375> >>", set()),  # not at the top
    (b"1 0 obj [ /L 1375 ]", set()),
    (b"1 0 R << /L 1375 >>", set()),
    (b"1 0 obj << /L 1375", set()),  # never closed: no dictionary
    (b"", set()),
])
def test_declared_lengths(first, lengths):
    assert declared_lengths(HEAD + first) == lengths


def test_a_first_object_too_large_to_read_is_said_so():
    assert declared_lengths(HEAD + b"1 0 obj << /A [" + b"0 " * 200_000 + b"] /L 9 >>") is None
    assert declared_lengths(HEAD + b"1 0 obj << /A " + b"[" * 5000 + b"]" * 5000 + b" /L 9 >>") is None
    assert linearized_problem(HEAD + b"1 0 obj << /A [" + b"0 " * 200_000 + b"] >>", [10]) is not None


def test_numbers_elsewhere_are_not_taken_for_l():
    # an earlier rule looked for the length anywhere in the file and refused honest
    # files whose signature's hex digits happened to spell it
    data = HEAD + b"1 0 obj << /Type /Catalog /X (12345) >> endobj 2 0 obj << /Contents <0012345000> /L 12345 >>"
    assert linearized_problem(data, [12345]) is None
    assert linearized_problem(HEAD + b"1 0 obj << /L 12345 >>", [12345, 99]) is not None


def test_garbage_never_raises():
    rng = random.Random(7)
    alphabet = b"<>[](){}/%#\\ \n0123456789+-.LR obj"
    for _ in range(3000):
        noise = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        found = declared_lengths(HEAD + b"1 0 obj " + noise)
        assert found is None or isinstance(found, set)
