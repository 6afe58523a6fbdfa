"""Faster reading for pyHanko's PDF parser, only while esealkit analyses revisions.

pyHanko's reader parses hex strings, names and bare tokens one byte per call; on a signed
PDF with later revisions its difference analysis spends most of its time there (the large
hex ``/Contents`` of every signature).  The replacements below read the same bytes a
block at a time and give the same results; whatever they are not sure of (comments in hex
strings, truncated input, ``#`` escapes in names, a length limit) goes to pyHanko's own
function.  They are installed by :func:`faster_pyhanko_reading` for the duration of one
analysis and removed afterwards, so pyHanko behaves as shipped everywhere else (signing,
the caller's own use of pyHanko).
"""

from __future__ import annotations

import binascii
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyhanko.pdf_utils import generic, misc

__all__ = ["faster_pyhanko_reading"]

_lock = threading.Lock()
_depth = 0
_originals: dict[str, Any] = {}


@contextmanager
def faster_pyhanko_reading() -> Iterator[None]:
    """Install the faster readers for the ``with`` block (re-entrant, thread-safe)."""
    global _depth
    with _lock:
        if _depth == 0:
            _originals.update(hex=generic.read_hex_string_from_stream, until=misc._read_until_class,
                              name=generic._decode_name)
            generic.read_hex_string_from_stream = _hex_string_reader(_originals["hex"])
            misc._read_until_class = _token_reader(_originals["until"])
            generic._decode_name = _name_decoder(_originals["name"])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                generic.read_hex_string_from_stream = _originals["hex"]
                misc._read_until_class = _originals["until"]
                generic._decode_name = _originals["name"]


def _hex_string_reader(original: Any) -> Any:
    """A hex string reader: one regex instead of a byte at a time.

    pyHanko's reader spends most of a multi-revision document's analysis decoding the
    large hex ``/Contents`` of signatures one byte per call.  This replacement reads the
    same bytes and gives the same result (whitespace ignored, an odd last digit padded
    with 0, an error for anything else); a string with a comment marker in it, which
    pyHanko skips as a comment, is left to pyHanko's own reader.
    """
    not_hex = re.compile(rb"[^0-9A-Fa-f]")
    whitespace = b" \n\r\t\f\x00"

    def read_hex_string_from_stream(stream: Any) -> Any:
        start = stream.tell()
        stream.read(1)
        parts: list[bytes] = []
        while True:
            block = stream.read(65536)
            if not block:
                stream.seek(start)
                return original(stream)  # truncated: let pyHanko report it its way
            end = block.find(b">")
            if end < 0:
                parts.append(block)
                continue
            parts.append(block[:end])
            stream.seek(end + 1 - len(block), 1)
            break
        digits = b"".join(parts).translate(None, whitespace)
        if not_hex.search(digits):
            stream.seek(start)
            return original(stream)  # comments or bad characters: pyHanko's own way
        if len(digits) % 2:
            digits += b"0"
        return generic.pdf_string(binascii.unhexlify(digits))

    return read_hex_string_from_stream


def _token_reader(original_read: Any) -> Any:
    """A token reader: names and bare tokens a block at a time, not a byte at a time.

    ``_read_until_class`` (behind every name, number and keyword pyHanko reads) reads
    until a character of a class and consumes it; this does the same with one regex
    search per block and one seek.  A name without ``#`` escapes is the ASCII name
    itself, which pyHanko would build byte by byte.  Anything else takes pyHanko's own
    path, so results are the same, only sooner.
    """
    patterns: dict[bytes, re.Pattern[bytes]] = {}

    def _read_until_class(class_chars: bytes, stream: Any, maxchars: int | None = None) -> tuple[bytes, bool]:
        if maxchars is not None:
            return original_read(class_chars, stream, maxchars=maxchars)  # type: ignore[no-any-return]
        pattern = patterns.get(class_chars)
        if pattern is None:
            pattern = patterns[class_chars] = re.compile(
                b"[" + b"".join(re.escape(bytes((c,))) for c in class_chars) + b"]")
        start = stream.tell()
        parts: list[bytes] = []
        consumed = 0
        while True:
            block = stream.read(256)
            if not block:
                return b"".join(parts), True
            found = pattern.search(block)
            if found is not None:
                parts.append(block[:found.start()])
                stream.seek(start + consumed + found.start() + 1)
                return b"".join(parts), False
            parts.append(block)
            consumed += len(block)

    return _read_until_class


def _name_decoder(original_name: Any) -> Any:
    """Names without ``#`` escapes decoded in one step (pyHanko builds them byte by byte)."""
    plain_name = re.compile(rb"[!\x22\x24-\x24\x26-\x27\x2a-\x2e\x30-\x3b\x3d\x3f-\x5a\x5c\x5e-\x7a\x7c\x7e]*")

    def _decode_name(name_bytes: bytes) -> Any:
        if plain_name.fullmatch(name_bytes):
            return generic.NameObject("/" + name_bytes.decode("ascii"))
        return original_name(name_bytes)

    return _decode_name
