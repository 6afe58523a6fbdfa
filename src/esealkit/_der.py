"""A small strict DER reader: pure functions over ``bytes`` and offsets.

It exists for speed: the batch verifier reads one CMS SignedData per signature, and a
general ASN.1 library spends most of its time building objects for fields that are never
looked at.  These functions only find where each TLV (tag, length, value) starts and ends,
so callers take what they need as exact slices of the bytes received.

Only DER is accepted, because the bytes are verified as received:
- definite lengths only (an indefinite length is BER, never DER);
- lengths in their shortest form (a padded length would give two encodings of one value);
- a value never runs past the end of the structure holding it, and callers walk every
  element of the structures they read, so nothing is left over inside them;
- single-octet tags only (no structure read here uses tag numbers above 30).

One exception, :func:`ber_shell_to_der`: BouncyCastle (and so Apache PDFBox, iText 5 and
many Java e-seal systems) writes a CMS with indefinite lengths (BER) on its outer
structures, the ContentInfo, the SignedData and its certificate set, and everything inside
them in DER.  That shell is given definite lengths; what it holds is kept byte for byte
and read as DER like any other input.

Every problem raises :class:`MalformedInput`; nothing else escapes.
"""

from __future__ import annotations

import functools

from esealkit.errors import MalformedInput

__all__ = [
    "BOOLEAN",
    "INTEGER",
    "NULL",
    "OCTET_STRING",
    "OID",
    "SEQUENCE",
    "SET",
    "ber_shell_to_der",
    "children",
    "integer",
    "oid_dotted",
    "read_tlv",
    "single",
]

# First octets (class, constructed bit and tag number together) of the universal types used.
BOOLEAN = 0x01
INTEGER = 0x02
OCTET_STRING = 0x04
NULL = 0x05
OID = 0x06
SEQUENCE = 0x30
SET = 0x31

# Four length octets cover 4 GiB, far beyond any signature container; more is nonsense.
_MAX_LENGTH_OCTETS = 4


def read_tlv(buf: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """The TLV starting at ``pos``, which must lie within ``buf[:end]``.

    Returns ``(tag octet, start of the value, end of the value)``; the next TLV, if any,
    starts at the end of the value.
    """
    if pos + 2 > end:
        raise MalformedInput("DER: truncated (a tag and a length were expected)")
    tag = buf[pos]
    if tag & 0x1F == 0x1F:
        raise MalformedInput("DER: multi-octet tags are not used in these structures")
    first = buf[pos + 1]
    if first < 0x80:
        start = pos + 2
        stop = start + first
    else:
        count = first & 0x7F
        if count == 0:
            raise MalformedInput("DER: indefinite length (BER) is not allowed")
        if count > _MAX_LENGTH_OCTETS:
            raise MalformedInput(f"DER: a length of {count} octets is too large")
        start = pos + 2 + count
        if start > end:
            raise MalformedInput("DER: truncated length")
        length = int.from_bytes(buf[pos + 2:start], "big")
        # Shortest form: lengths below 128 use the short form, and no leading zero octet.
        if length < 0x80 or buf[pos + 2] == 0:
            raise MalformedInput("DER: length not in its shortest form")
        stop = start + length
    if stop > end:
        raise MalformedInput("DER: a value runs past the end of its container")
    return tag, start, stop


_MAX_BER_DEPTH = 16  # BouncyCastle's shell is four deep; a hostile nest must not recurse on


def ber_shell_to_der(buf: bytes, pos: int, end: int) -> tuple[bytes, int]:
    """The element at ``pos`` (within ``buf[:end]``) with its indefinite lengths made
    definite, and where the element ends in ``buf``.

    Only the shell is rewritten: an element with an indefinite length must be constructed
    and may hold more such elements, down to the end-of-contents octets ``00 00``; an
    element with a definite length is copied as it is (its parents' lengths are all that
    change), and must be DER, which :func:`read_tlv` checks when the caller walks it.
    """
    return _ber_shell(buf, pos, end, 0)


def _ber_shell(buf: bytes, pos: int, end: int, depth: int) -> tuple[bytes, int]:
    if pos + 2 > end:
        raise MalformedInput("BER: truncated (a tag and a length were expected)")
    if buf[pos + 1] != 0x80:
        _, _, stop = read_tlv(buf, pos, end)
        return buf[pos:stop], stop
    tag = buf[pos]
    if tag & 0x1F == 0x1F:
        raise MalformedInput("BER: multi-octet tags are not used in these structures")
    if not tag & 0x20:
        raise MalformedInput("BER: an indefinite length on a primitive element")
    if depth >= _MAX_BER_DEPTH:
        raise MalformedInput("BER: indefinite lengths nested too deeply")
    parts = []
    at = pos + 2
    while True:
        if at + 2 > end:
            raise MalformedInput("BER: an indefinite length without its end-of-contents octets")
        if buf[at] == 0 and buf[at + 1] == 0:
            at += 2
            break
        part, at = _ber_shell(buf, at, end, depth + 1)
        parts.append(part)
    body = b"".join(parts)
    return bytes([tag]) + _length_octets(len(body)) + body, at


def _length_octets(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def children(buf: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """Every TLV in ``buf[start:end]``, as ``(tag, TLV start, value start, value end)``.

    The TLVs must fill the range exactly: a stray byte at the end is not a TLV and raises.
    """
    out = []
    pos = start
    while pos < end:
        tag, vstart, vend = read_tlv(buf, pos, end)
        out.append((tag, pos, vstart, vend))
        pos = vend
    return out


def single(buf: bytes, start: int, end: int, tag: int, what: str) -> tuple[int, int]:
    """The value range of the one TLV filling ``buf[start:end]``, which must have ``tag``."""
    found, vstart, vend = read_tlv(buf, start, end)
    if found != tag:
        raise MalformedInput(f"{what} has tag 0x{found:02x}, expected 0x{tag:02x}")
    if vend != end:
        raise MalformedInput(f"{what} is followed by extra bytes")
    return vstart, vend


def integer(buf: bytes, start: int, end: int) -> int:
    """The value of INTEGER contents ``buf[start:end]``.

    A redundant leading octet is tolerated: serial numbers are compared by value, as the
    certificates' own (parsed leniently elsewhere) are, so a producer's padding must not
    make a matching signer unfindable.
    """
    if start == end:
        raise MalformedInput("DER: an INTEGER with no content octets")
    return int.from_bytes(buf[start:end], "big", signed=True)


def oid_dotted(raw: bytes) -> str:
    """The dotted form of OBJECT IDENTIFIER contents (memoised: a batch sees few OIDs;
    only short ones, so that hostile megabyte OIDs cannot fill the memory of a long run)."""
    return _oid_dotted_cached(raw) if len(raw) <= _CACHED_OID_SIZE else _oid_dotted(raw)


def _oid_dotted(raw: bytes) -> str:
    if not raw:
        raise MalformedInput("DER: an OBJECT IDENTIFIER with no content octets")
    if raw[-1] & 0x80:
        raise MalformedInput("DER: an OBJECT IDENTIFIER ends inside an arc")
    arcs: list[int] = []
    value = 0
    fresh = True  # at the first octet of an arc
    for octet in raw:
        if fresh and octet == 0x80:
            raise MalformedInput("DER: an OBJECT IDENTIFIER arc is not in its shortest form")
        value = (value << 7) | (octet & 0x7F)
        fresh = not octet & 0x80
        if fresh:
            arcs.append(value)
            value = 0
    # The first arc packs the first two: 40 * X + Y, with X at most 2.
    first = arcs[0]
    head = (0, first) if first < 40 else (1, first - 40) if first < 80 else (2, first - 80)
    return ".".join(map(str, (*head, *arcs[1:])))


_CACHED_OID_SIZE = 64
_oid_dotted_cached = functools.lru_cache(maxsize=1024)(_oid_dotted)
