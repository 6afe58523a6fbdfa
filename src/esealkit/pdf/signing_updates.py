"""Later revisions that only add signatures (追加签名的修订), recognised on qpdf's object model.

Most documents with revisions after a signature got them from the next signer, or from
the same signer making the signature long-term (PAdES B-LT/B-LTA).  Such an update adds a
signature or document timestamp field (field and widget in one dictionary) with its
signature dictionary and perhaps an appearance, appends the field to ``/AcroForm
/Fields`` and the widget to its page's ``/Annots``; or it adds a document security store
(DSS: certificates, CRLs, OCSP responses) or appends new ones to the DSS there is; it may
rewrite the Info dictionary and the XMP metadata; and it changes nothing else.  pyHanko's
difference analysis classifies these as form filling (a signature) or validation data
(DSS, document timestamps), at about 20 ms a document in pure Python; recognising the
shapes here costs a few milliseconds at most.

This is a whitelist in front of pyHanko's analysis, not a second analysis: anything not
exactly these shapes (a certified document, any other changed, added or deleted object, a
field with kids or a lock, a DSS changed otherwise than by appending, an object number
that an older object already referred to) is left to pyHanko, and so is any file whose
structure qpdf and pyHanko's strict reader could read differently (cross-reference
sections and object streams: see :func:`_check_sections`, :func:`_check_object_streams`).  The recogniser may decline
what pyHanko accepts; it must never accept what pyHanko refuses — the tests run both on
every shape they generate.  It also recognises the plainest refusal, a page's content
redrawn.
"""

from __future__ import annotations

import bisect
import io
import itertools
import re
import zlib
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pikepdf
from asn1crypto import cms as asn1_cms
from lxml import etree  # type: ignore[import-untyped]
from pyhanko.sign.diff_analysis import ModificationLevel

from esealkit import _der, cms
from esealkit.errors import MalformedInput

__all__ = ["Additions", "header_before", "is_keyword_obj", "recognise_updates", "split_rows",
           "written_references"]

ObjGen = tuple[int, int]
# per revision (by its end), the objects whose serialisation refers to each object
# number; and the signed revisions a step looks in (each revision's Pdf, end and _xref),
# with the generations at which the signed revision's bytes refer to each object number
# the step changed or added: see _check_used_only_as
Uses = dict[int, dict[int, list[ObjGen]]]
Signed = tuple[list[tuple[pikepdf.Pdf, int, dict[ObjGen, tuple[int, int, int]]]], Uses, Callable[[int], set[int]]]

# PDF whitespace and comments, as they may stand between the tokens of "n g R"
_SEPARATOR = rb"(?:[\x00\t\n\x0b\x0c\r ]|%[^\r\n]*)+"  # \x0b: pyHanko's \s takes it
_MAX_DEPTH = 32
_MAX_FIELDS = 10_000
_LEAF_TYPES = (pikepdf.ObjectType.string, pikepdf.ObjectType.name_)
_CONTAINER_TYPES = (pikepdf.ObjectType.array, pikepdf.ObjectType.dictionary)
_MAX_ITEMS = 1_000_000
_MAX_ADDED = 10_000
_MAX_XMP = 1 << 20
_MAX_OBJECT_STREAM = 4 << 20  # decoded bytes of one object or cross-reference stream (larger: pyHanko decides)
_DATA_OID = "1.2.840.113549.1.7.1"  # id-data: a signature's encapsulated content type
_PYHANKO_SUBFILTERS = frozenset({"/adbe.pkcs7.detached", "/ETSI.CAdES.detached", "/ETSI.RFC3161", "/PBAD.PAdES"})
_CATALOG_KEYS = {"/AcroForm", "/Extensions", "/MarkInfo", "/Version"}
_DSS_KEYS = {"/Type", "/Certs", "/CRLs", "/OCSPs"}
_PLAIN = bytes([9, 10, 12, 13, *range(0x20, 0x7F)])  # deleted, what is left is not plain
# a name holding a byte outside "!"-"~" (pyHanko: "expected PDF name"; \x0b is whitespace to it)
_ODD_NAME_RE = re.compile(rb"/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*?[^\x00\t\n\x0c\r ()<>\[\]{}/%!-~]")
_ODD_ESCAPE_RE = re.compile(rb"\\[4-7][0-7][0-7]|\\[0-9]{0,2}[89]|\\(?![nrtbf()\\0-7\r\n])")  # and escapes the standard ignores
# (pyHanko takes up to three decimal digits after a backslash as an octal number: "\\08" fails there, qpdf reads \0 and 8)
# a classic cross-reference table's in-use entry (looked for anywhere: a look-alike
# elsewhere can only make the recogniser decline)
_XREF_ENTRY_RE = re.compile(rb"(?<![0-9])([0-9]{10})[ ]([0-9]{5})[ ]n")
_NULL_RE = re.compile(rb"null")
_ENDSTREAM_RE = re.compile(rb"[\x00\t\n\x0c\r ]{0,64}endstream")  # bounded: tried at every look-alike "stream"
_HEX_DIGITS = b"0123456789ABCDEFabcdef\x00\t\n\x0c\r "  # and whitespace: a hex string's bytes
# "n g R" in qpdf's serialisation of an object (qpdf 12 separates them by single spaces;
# any whitespace is taken, should that change)
_SERIALISED_REFERENCE_RE = re.compile(rb"(?<![0-9])([0-9]+)[\x00\t\n\x0c\r ]+[0-9]+[\x00\t\n\x0c\r ]+R")
_WHITESPACE = frozenset(b"\x00\t\n\x0c\r ")
_REGULAR = frozenset(range(256)) - _WHITESPACE - frozenset(b"\x0b()<>[]{}/%")  # bytes a token is made of
# "n g R" as qpdf reads it (signs, leading zeros, comments between); in the update's text
_ANY_REFERENCE_RE = re.compile(rb"(?<![0-9.])[+-]?([0-9]+)%s[+-]?([0-9]+)%sR(?![A-Za-z])" % (_SEPARATOR, _SEPARATOR))
# an object stream's object made of one or two numbers, and a reference starting there
_NUMBERS_ONLY_RE = re.compile(rb"(?:%s)?[+-]?[0-9]+(?:%s[+-]?[0-9]+)?(?:%s)?" % (_SEPARATOR, _SEPARATOR, _SEPARATOR))
_REFERENCE_AHEAD_RE = re.compile(rb"(?:%s)?[+-]?[0-9]+%s[+-]?[0-9]+%sR(?![A-Za-z])" % (_SEPARATOR, _SEPARATOR, _SEPARATOR))
_REFERENCE_ONLY_RE = re.compile(rb"[+-]?[0-9]+%s[+-]?[0-9]+%sR(?:%s)?" % (_SEPARATOR, _SEPARATOR, _SEPARATOR))
_END_OF_REVISION_RE = re.compile(rb"[\x00\t\n\x0c\r ]+[0-9]+[\x00\t\n\x0c\r ]+%%EOF")
_SPACES = b"\x00\t\n\x0b\x0c\r "  # C's isspace, and NUL
_SPACE_BYTES = frozenset(_SPACES)
_DIGIT_BYTES = frozenset(b"0123456789")
_HEADER_RE = re.compile(rb"[\t\n\r\x0c ]*([0-9]+)[\t\n\r\x0c ]+([0-9]+)[\t\n\r\x0c ]+obj\b")
# a revision's closing "startxref N %%EOF", and a classic table's parts as the standard
# writes them (entries of exactly 20 bytes): anything else declines
# (pyHanko's strict reader reads them line by line: "startxref", the offset, "%%EOF")
_STARTXREF_TAIL_RE = re.compile(rb"(?<=[\r\n])startxref(?:\r\n|\r|\n)([0-9]+)(?:\r\n|\r|\n)%%EOF(?:\r\n|\r|\n)?\Z")
_SUBSECTION_RE = re.compile(rb"[\x00\t\n\x0c\r ]*([0-9]+) ([0-9]+)[\x00\t\x0c ]*(?:\r\n|\r|\n)")
_ENTRIES_RE = re.compile(rb"(?:[0-9]{10} [0-9]{5} [fn](?: \r| \n|\r\n))*")
_TRAILER_RE = re.compile(rb"[\x00\t\n\x0c\r ]*trailer")
# /Size and /Prev with a direct number (an indirect one, "n g R", is no match: then the
# count of the key differs, which declines)
_SIZE_RE = re.compile(rb"/Size[\x00\t\n\x0c\r ]+([0-9]+)(?![0-9]|[\x00\t\n\x0c\r ]+[0-9]+[\x00\t\n\x0c\r ]+R)")
_PREV_RE = re.compile(rb"/Prev[\x00\t\n\x0c\r ]+([0-9]+)(?![0-9]|[\x00\t\n\x0c\r ]+[0-9]+[\x00\t\n\x0c\r ]+R)")
_MAX_SECTIONS = 1_000


class _Decline(Exception):
    """The update is not (only) added signatures: let pyHanko analyse it."""


class _Ambiguous(Exception):
    """The file reads differently in viewers than in qpdf and pyHanko, in a way pyHanko
    does not notice either: what the signed pages show after the update cannot be
    established, so the update is refused (its message says why)."""


@dataclass(frozen=True)
class Additions:
    """What the revisions after a signature added, as pyHanko would classify it."""

    level: ModificationLevel  # FORM_FILLING with a signature, else LTA_UPDATES
    fields: tuple[str, ...]  # the signature fields added (document timestamps are not counted)


def recognise_updates(data: bytes, covered_ends: Iterable[int], revision_ends: Sequence[int], *,
                      whole: tuple[pikepdf.Pdf, bool] | None = None) -> dict[int, Additions | str | None]:
    """Per signed revision (given by where it ends), what the later revisions did, when it
    is one of two plain cases: :class:`Additions`, when adding signatures, document
    timestamps and validation data is all they did; or why they must be refused, when one
    of them redrew a page's content (which no rule of pyHanko's, nor any DocMDP level,
    permits).  None otherwise: pyHanko's analysis decides.

    ``revision_ends`` are the offsets where the file's revisions end (after ``%%EOF``).
    Each revision is opened once and each pair of consecutive revisions compared once,
    however many signatures ask.  ``whole`` is qpdf's reading of the whole file when the
    caller has it open (it stays open), and whether qpdf warned there before, as
    :func:`~esealkit.pdf.reader.read_pdf_open` returns them for these very bytes: a
    warning handed out and not counted in the flag would let a damaged revision pass.
    """
    out: dict[int, Additions | str | None] = {}
    opened: dict[int, pikepdf.Pdf] = {}
    # qpdf hands out each warning once (get_warnings() empties its list) and warns about
    # an object only the first time it reads it: a revision that ever warned stays so,
    # whichever step (or the caller) read the object first
    tainted: set[int] = set()
    if whole is not None and revision_ends and revision_ends[-1] == len(data):
        opened[len(data)] = whole[0]
        if whole[1]:
            tainted.add(len(revision_ends) - 1)
    # qpdf builds a new dictionary of the whole cross-reference table each time it is
    # asked (0.1 ms for 250 objects), and most checks need it: read once per revision
    tables: dict[int, dict[ObjGen, Any]] = {}
    xrefs: dict[int, dict[ObjGen, tuple[int, int, int]]] = {}

    def table(j: int) -> dict[ObjGen, Any]:
        if j not in tables:
            tables[j] = _open(data, revision_ends[j], opened).get_xref_table()
        return tables[j]

    def xref(j: int) -> dict[ObjGen, tuple[int, int, int]]:
        if j not in xrefs:
            xrefs[j] = _xref(table(j))
        return xrefs[j]
    headers: set[tuple[ObjGen, int]] = set()  # (object, offset) found in place before its revision's end
    sections: set[int] = set()  # cross-reference sections of signed revisions checked (see _check_sections)
    section_streams: set[ObjGen] = set()  # the cross-reference streams among them
    read: dict[tuple[ObjGen, int], tuple[int, bool]] = {}  # see _check_self_contained
    uses: Uses = {}  # see _check_used_only_as
    covered = sorted(set(covered_ends))
    # the earliest signed revision: uses of a changed object are looked up from there on
    first_signed = min((revision_ends.index(e) for e in covered if e in revision_ends), default=0)
    # where "xref" is in the whole file: found once (a pass over a large file costs 0.7 ms
    # a megabyte), each step's bounds check looks in a longer prefix of it
    xref_words: list[int] | None = None

    def xref_at() -> list[int]:
        nonlocal xref_words
        if xref_words is None:
            xref_words = _occurrences(data, b"xref")
        return xref_words

    def warned(j: int) -> bool:
        if _open(data, revision_ends[j], opened).get_warnings():
            tainted.add(j)
        return j in tainted
    steps: dict[int, Additions | str | None] = {}  # revision index -> what the next revision did
    syntax = [0]  # the bytes before this offset hold nothing pyHanko's reader refuses (see _check_strict_tokens)

    def step(i: int) -> Additions | str | None:
        if i not in steps:
            try:
                old, new = (_open(data, revision_ends[j], opened) for j in (i, i + 1))
                # steps run shortest revision first (covered ends ascending, then each
                # later step), so a header found in place was found inside the shorter
                # revision too
                _check_headers(data, xref(i), revision_ends[i], headers)
                _check_headers(data, xref(i + 1), revision_ends[i + 1], headers)
                _check_one_generation(table(i))
                _check_one_generation(table(i + 1))
                xref_streams = _check_self_contained(old, xref(i), revision_ends[i], read, lambda: warned(i))
                if revision_ends[i] > syntax[0]:
                    _check_signed_text(data, syntax[0], i, revision_ends, opened, xref, table(i), headers)
                    syntax[0] = revision_ends[i]
                # the update's bytes outside stream data, and its object streams
                text = _outside_streams(data, revision_ends[i], revision_ends[i + 1], new, xref(i + 1))[0]
                texts = [text, *_update_object_streams(new, xref(i), xref(i + 1))]
                for each in texts:
                    _check_plain_syntax(each)
                _check_update_resolves(texts, table(i + 1))
                _check_xref_in_bounds(data, revision_ends[i], old, xref_streams, xref_at())
                _check_update_objects_listed(data, revision_ends[i], revision_ends[i + 1], table(i + 1))
                _check_sections(data, revision_ends[i], revision_ends[i + 1], old, new, xref(i + 1),
                                sections, section_streams)
                _check_object_streams(old, table(i))
                _check_object_streams(new, table(i + 1))
                try:
                    signed = [(_open(data, revision_ends[j], opened), revision_ends[j], xref(j))
                              for j in range(min(first_signed, i), i + 1)]
                    steps[i] = _added_fields(old, new, data, revision_ends[i], xref(i), xref(i + 1), signed, uses)
                except _Decline:
                    steps[i] = _content_redrawn(old, new, xref(i), xref(i + 1))
                if warned(i) or warned(i + 1):
                    # qpdf tolerated something (a bad token read as a string, a catalog
                    # /Type set for it...): what it saw may not be what the file says
                    steps[i] = None
            except _Ambiguous as exc:
                steps[i] = str(exc)
            except Exception:  # qpdf on a damaged object, or _Decline: pyHanko decides either way
                steps[i] = None
        return steps[i]

    if not revision_ends or len(data) - revision_ends[-1] > 512:
        # pyHanko looks for the last %%EOF in the file's last 1024 bytes only
        return {end: None for end in covered}
    try:
        for end in covered:  # shortest first: see the header check in step()
            if end not in revision_ends or end == revision_ends[-1]:
                out[end] = None
                continue
            done = [step(i) for i in range(revision_ends.index(end), len(revision_ends) - 1)]
            refused = [d for d in done if isinstance(d, str)]
            if refused:
                out[end] = refused[0]
            elif any(d is None for d in done):
                out[end] = None
            else:
                additions = [d for d in done if isinstance(d, Additions)]
                out[end] = Additions(max((a.level for a in additions), key=lambda level: level.value),
                                     tuple(sorted(name for a in additions for name in a.fields)))
    finally:
        for pdf in opened.values():
            if whole is None or pdf is not whole[0]:
                pdf.close()
    return out


def _check_plain_syntax(text: bytes) -> None:
    """The update's bytes, outside stream data, are plain printable ASCII without octal
    escapes beyond a byte or escapes of ordinary characters.  qpdf reads some sloppy syntax silently (a control byte in a
    name, ``\\656`` in a string) that stricter readers, pyHanko's among them, refuse or
    read otherwise: a parser differential is for pyHanko to judge, not this whitelist.
    (A stream whose data holds "endstream" leaves binary bytes in view: declined too.)
    ``text`` is the update's bytes with stream data left out."""
    if text.translate(None, _PLAIN) or _ODD_ESCAPE_RE.search(text):
        raise _Decline("bytes a strict reader would refuse")


def _check_signed_text(data: bytes, start: int, i: int, revision_ends: Sequence[int], opened: dict[int, pikepdf.Pdf],
                       xref: Callable[[int], dict[ObjGen, tuple[int, int, int]]], table: dict[ObjGen, Any],
                       headers: set[tuple[ObjGen, int]]) -> None:
    """The signed revision's bytes from ``start`` to its end (``revision_ends[i]``; its
    objects all read cleanly by qpdf before), outside stream data, hold nothing pyHanko's
    strict reader refuses (:func:`_check_strict_tokens`) and no reference to an object it
    lacks (``table``: :func:`_check_references_resolve`).  The streams are those the
    revision's table places there; where that leaves a ``stream`` in view (an update
    before signing replaced a stream), each revision's part is read with the streams its
    own table places there."""
    end = revision_ends[i]
    text, leftover, regions = _outside_streams(data, start, end, opened[end], xref(i))
    if leftover:
        texts = []
        regions = []
        at = start
        for k in range(i + 1):
            if revision_ends[k] <= at:
                continue
            try:
                part = _open(data, revision_ends[k], opened)
            except Exception:
                if k < i:  # not a revision qpdf reads alone (a linearized file's first page): with the next
                    continue
                raise
            _check_headers(data, xref(k), revision_ends[k], headers)  # before qpdf reads its objects
            more, _, found = _outside_streams(data, at, revision_ends[k], part, xref(k))
            texts.append(more)
            regions += found
            if part.get_warnings():
                raise _Decline("qpdf could not read a revision before signing cleanly")
            at = revision_ends[k]
        text = b"".join(texts)
    _check_strict_tokens(text)
    _check_references_resolve([text], table)
    _check_no_hidden_headers(data, start, end, regions, xref(i))


def header_before(data: bytes, at: int, start: int) -> tuple[ObjGen, int] | None:
    """The object ``n g`` whose header ends with the ``obj`` at ``at`` (whitespace, digits,
    whitespace, digits before it, from ``start`` on: the digits whatever their number,
    forty leading zeros are still object 4) and where its digits begin; None when the
    bytes before ``obj`` are no header.  (Whitespace as C's isspace, and NUL.)"""
    generation_end = _back_over(data, at, start, _SPACE_BYTES)
    generation_start = _back_over(data, generation_end, start, _DIGIT_BYTES) if generation_end >= 0 else -1
    number_end = _back_over(data, generation_start, start, _SPACE_BYTES) if generation_start >= 0 else -1
    number_start = _back_over(data, number_end, start, _DIGIT_BYTES) if number_end >= 0 else -1
    if number_start < 0 or number_start == number_end or number_end == generation_start or generation_start == generation_end \
            or number_end - number_start > 20 or generation_end - generation_start > 20:
        return None  # (digits beyond any object number: no header, and int() would refuse 4,300)
    return (int(data[number_start:number_end]), int(data[generation_start:generation_end])), number_start


def is_keyword_obj(data: bytes, at: int) -> bool:
    """Whether the ``obj`` at ``at`` stands as a keyword of its own (not inside a name or a
    word such as ``endobj``): what a reader scanning the file for objects may take as the
    end of an object header, whatever comes before it."""
    before = data[at - 1] if at else 0x20
    after = data[at + 3] if at + 3 < len(data) else 0x20
    return before not in _REGULAR and after not in _REGULAR


def _back_over(data: bytes, at: int, start: int, allowed: frozenset[int]) -> int:
    """Where the run of ``allowed`` bytes that ends at ``at`` begins (not before ``start``),
    looking back 64 bytes at most: a longer run ends nowhere (no header has one, and a
    hostile megabyte of spaces before "obj" must not cost a walk in Python)."""
    stop = max(start, at - 64)
    while at > stop and data[at - 1] in allowed:
        at -= 1
    return at if at > stop or at == start or data[at - 1] not in allowed else -1


def _check_no_hidden_headers(data: bytes, start: int, end: int, regions: list[tuple[int, int]],
                             xref: dict[ObjGen, tuple[int, int, int]]) -> None:
    """No ``n g obj`` in ``data[start:end]`` that a viewer rebuilding the revision's
    cross-reference by scanning the file (poppler and Ghostscript do when they find it
    broken) would take for an object the revision's table (``xref``) does not give: none
    inside stream data (``regions``, ascending), none of an object the table places in an
    object stream or nowhere, and none after the place the table gives (the scan keeps
    the last of a number; an earlier copy is what an update before signing replaced)."""
    at = data.find(b"obj", start, end)
    while at != -1:
        found = header_before(data, at, start) if data[at - 3:at] != b"end" else None
        if found is None and is_keyword_obj(data, at):
            raise _Decline("an obj keyword after something that is no plain object header (a comment, say)")
        if found is not None:
            og, first = found
            k = bisect.bisect_right(regions, (first, end)) - 1
            if k >= 0 and regions[k][0] <= first < regions[k][1]:
                raise _Decline("an object header inside a stream's data")
            entry = xref.get(og)
            if entry is None or entry[0] != 1 or (entry[1] < first and data[entry[1]:first].strip(_SPACES)):
                raise _Decline(f"object {og[0]} {og[1]} where a scan of the file would take it and no table puts it")
        at = data.find(b"obj", at + 3, end)


def _check_strict_tokens(text: bytes) -> None:
    """No name with a byte outside ``!``-``~`` and no string escape beyond a byte or of an
    ordinary character: qpdf reads them, pyHanko's strict reader refuses them.  For the
    signed revision's bytes outside stream data and the object streams of every revision
    (a binary string is nothing odd there; a look-alike in one can only decline)."""
    if _ODD_NAME_RE.search(text) or _ODD_ESCAPE_RE.search(text):
        raise _Decline("a name or a string escape pyHanko's strict reader refuses")


def _outside_streams(data: bytes, start: int, end: int, pdf: pikepdf.Pdf,
                     xref: dict[ObjGen, tuple[int, int, int]]) -> tuple[bytes, bool, list[tuple[int, int]]]:
    """``data[start:end]`` with the data of each stream that qpdf reads there left out;
    whether a ``stream`` keyword is left in view besides those of the streams left out
    (a stream no table of ``pdf`` places there, one an update superseded, or a look-alike);
    and where the data left out is, (start, end) each.

    The streams are the stream objects the revision (``pdf``, its :func:`_xref`) places
    in that range, each read by qpdf without a warning (the caller makes sure); each
    one's data is found where qpdf reads it: after ``stream`` and an end of line (CR LF
    or LF: qpdf warns about any other), its /Length of bytes, then ``endstream``, inside
    the object's own range, in exactly one place.  Anything else declines: a look-alike
    ``stream`` in a comment must not hide the bytes that follow it from the checks."""
    placed = sorted((offset, og) for og, (kind, offset, _) in xref.items() if kind == 1 and start <= offset < end)
    parts = []
    regions: list[tuple[int, int]] = []
    containers = {entry[1] for entry in xref.values() if entry[0] == 2}
    done = start
    for k, (offset, og) in enumerate(placed):
        obj = pdf.get_object(og)
        if not isinstance(obj, pikepdf.Stream):
            continue
        stop = placed[k + 1][0] if k + 1 < len(placed) else end
        length = obj.stream_dict.get("/Length")
        if not isinstance(length, int) or isinstance(length, bool) or length < 0:
            raise _Decline("a stream without a plain /Length")
        found = []
        at = data.find(b"stream", offset, stop)
        while at != -1:
            eol = at + 8 if data.startswith(b"\r\n", at + 6) else at + 7 if data.startswith(b"\n", at + 6) else -1
            if eol != -1 and data[at - 3:at] != b"end" and _ENDSTREAM_RE.match(data, eol + length, stop):
                found.append(eol)
            at = data.find(b"stream", at + 6, stop)
        if len(found) != 1 or found[0] < done:
            raise _Decline("a stream whose data is not where qpdf reads it, or not there alone")
        parts.append(data[done:found[0]])
        done = found[0] + length
        regions.append((found[0], done))
        if obj.stream_dict.get("/Type") == "/ObjStm" and og[0] not in containers:
            # viewers that rebuild a cross-reference by scanning the file read object
            # streams they find too: objects no entry names would come to life
            raise _Decline("an object stream no cross-reference entry takes objects from")
    text = b"".join([*parts, data[done:end]])
    return text, text.count(b"stream") != 2 * len(parts), regions


def _update_object_streams(new: pikepdf.Pdf, old_xref: dict[ObjGen, tuple[int, int, int]],
                           new_xref: dict[ObjGen, tuple[int, int, int]]) -> list[bytes]:
    """The decoded object streams holding objects the update writes (new or changed)."""
    containers = {entry[1] for og, entry in new_xref.items() if entry[0] == 2 and old_xref.get(og) != entry}
    return [_object_stream_data(new.get_object((number, 0))) for number in sorted(containers)]


def _check_update_resolves(texts: list[bytes], table: dict[ObjGen, Any]) -> None:
    """The update writes no ``null`` and no reference to an object its revision does not
    have at that generation.  qpdf leaves out a dictionary key whose value is either, so
    on qpdf's objects a key added that way is no change; other readers take ``n 1 R`` as
    object ``n``, and pyHanko sees the key.  (A look-alike inside a string can only make
    the recogniser decline.)  ``texts`` are the update's bytes with stream data left out
    and its decoded object streams."""
    for text in texts:
        if _NULL_RE.search(text):
            raise _Decline("the update writes a null")
    _check_references_resolve(texts, table)


def _check_references_resolve(texts: list[bytes], table: dict[ObjGen, Any]) -> None:
    """Every ``n g R`` in ``texts`` names an object the revision (its cross-reference
    ``table``) has at that generation.  qpdf reads any other as null (and leaves out a
    dictionary key holding it); poppler and Ghostscript, fetching it while drawing, find
    the cross-reference broken and rebuild it by scanning the file, which brings to light
    objects no section lists (hidden in a stream's data, say).  A look-alike in a
    string can only make the recogniser decline."""
    for text in texts:
        # hex strings hold no references: out first (a signature's 10 KB of digits would
        # cost the reference search a millisecond)
        for m in _ANY_REFERENCE_RE.finditer(_without_hex_strings(text)):
            if (int(m.group(1)), int(m.group(2))) not in table:
                raise _Decline("a reference to an object the revision does not have")


def _without_hex_strings(text: bytes) -> bytes:
    """``text`` with every hex string (``<``, hex digits and whitespace, ``>``) emptied to
    ``<>``.  bytes' own search and translation, each byte looked at once or twice: a
    regular expression is tried at every digit of a signature's 10-20 KB of them."""
    parts = []
    done = 0
    at, close = text.find(b"<"), -1
    while at != -1:
        if close < at:
            close = text.find(b">", at + 1)
            if close == -1:
                break
        after = text.find(b"<", at + 1)
        if after == -1 or after > close:
            if not text[at + 1:close].translate(None, _HEX_DIGITS):
                parts += [text[done:at], b"<>"]
                done = close + 1
            after = text.find(b"<", close + 1)
        at = after  # a "<" before the ">" ends no hex string begun at ``at``
    return b"".join([*parts, text[done:]]) if parts else text


def _check_headers(data: bytes, xref: dict[ObjGen, tuple[int, int, int]], end: int,
                   checked: set[tuple[ObjGen, int]]) -> None:
    """Every object the cross-reference table (``xref``, see :func:`_xref`) of the revision
    ending at ``end`` places there starts, inside that revision, with its own ``n g obj``.  Before any object is
    read: qpdf 12 has been seen to crash the process (not raise) on a catalog whose
    metadata entry led to another object's header; and an entry pointing past its own
    revision would let a later update supply the object's bytes."""
    for (number, generation), (kind, offset, _) in xref.items():
        if kind != 1 or ((number, generation), offset) in checked:
            continue
        m = _HEADER_RE.match(data, offset, end)
        if m is None or (int(m.group(1)), int(m.group(2))) != (number, generation):
            raise _Decline(f"object {number} {generation} is not where the cross-reference table says")
        checked.add(((number, generation), offset))


def _check_one_generation(table: dict[ObjGen, Any]) -> None:
    """No object number is in the table at two generations: readers differ on which one
    ``n g R`` names (some ignore the generation)."""
    if len({number for number, _ in table}) != len(table):
        raise _Decline("an object number at two generations")


def _check_xref_in_bounds(data: bytes, end: int, old: pikepdf.Pdf, xref_streams: list[ObjGen],
                          xref_words: Sequence[int]) -> None:
    """No cross-reference entry of the signed revision points at or past its end.  Where
    qpdf (12.4) drops such an entry (for an object number above a third of the file's
    size) the object reads as null in the signed revision, while in the whole file, and
    in other readers, it is whatever bytes a later update puts there; where qpdf keeps
    it, the header check declines.  ``xref_words`` are where "xref" is in ``data``,
    ascending."""
    for at in xref_words:  # classic tables: from each "xref" to its "trailer"
        if at + 4 > end:
            break
        # The "xref" of a revision's closing "startxref N %%EOF" is not a table: scanning
        # on from it to the next revision's trailer would read a whole revision (its
        # 10 KB hex /Contents) for nothing.  Any other "startxref" (in a comment, say) may
        # be where a startxref points: scanned like every table.
        if data[max(0, at - 5):at] != b"start" or _END_OF_REVISION_RE.match(data, at + 4, end) is None:
            stop = data.find(b"trailer", at, end)
            for m in _XREF_ENTRY_RE.finditer(data, at, stop if stop != -1 else end):
                if int(m.group(1)) >= end:
                    raise _Decline("a cross-reference entry points past the signed revision")
    for og in xref_streams:
        if any(kind == 1 and offset >= end for kind, offset, _ in _xref_stream_rows(old.get_object(og))):
            raise _Decline("a cross-reference entry points past the signed revision")


def _xref_stream_rows(stream: Any) -> list[tuple[int, int, int]]:
    """The rows of a cross-reference stream: (type, second field, third field) each."""
    widths = [int(w) for w in stream.stream_dict.get("/W", [])]
    if len(widths) != 3 or min(widths) < 0 or sum(widths) == 0:
        raise _Decline("a cross-reference stream qpdf tolerated")
    if widths[0] > 1 or widths[1] > 8 or widths[2] > 8:
        # Ghostscript reads no type field over a byte, poppler no field over eight:
        # both rebuild the cross-reference by scanning the file
        raise _Decline("a cross-reference stream with fields wider than viewers read")
    _check_predictor(stream, _inflated(stream), sum(widths))
    rows = stream.read_bytes()
    if len(rows) % sum(widths):
        raise _Decline("a cross-reference stream qpdf tolerated")
    return split_rows(rows, widths)


def split_rows(rows: bytes, widths: list[int]) -> list[tuple[int, int, int]]:
    """Decoded cross-reference stream data cut into rows of the three field ``widths``
    (a whole number of them): (type, second field, third field) each, type 1 when its
    width is 0."""
    w0, w1, w2 = widths
    return [(int.from_bytes(rows[at:at + w0], "big") if w0 else 1,
             int.from_bytes(rows[at + w0:at + w0 + w1], "big"),
             int.from_bytes(rows[at + w0 + w1:at + w0 + w1 + w2], "big"))
            for at in range(0, len(rows), sum(widths))]


def _check_predictor(stream: Any, inflated: bytes, columns: int) -> None:
    """A cross-reference stream has no predictor, or the PNG one over rows of its width
    with each row filtered by None or Up: pyHanko decodes no other (Average, Paeth, the
    TIFF predictor), and decodes Sub otherwise than qpdf (from the raw bytes)."""
    parameters = stream.stream_dict.get("/DecodeParms")
    if parameters is None:
        return
    if isinstance(parameters, pikepdf.Array) and len(parameters) == 1:
        parameters = parameters[0]
    if not isinstance(parameters, pikepdf.Dictionary) or set(parameters.keys()) != {"/Predictor", "/Columns"}:
        raise _Decline("a cross-reference stream with decoding parameters other than a PNG predictor")
    predictor, width = parameters.get("/Predictor"), parameters.get("/Columns")
    if predictor not in range(10, 16) or width != columns or len(inflated) % (columns + 1):
        raise _Decline("a cross-reference stream with a predictor pyHanko may read otherwise")
    if not set(inflated[::columns + 1]) <= {0, 2}:
        raise _Decline("a cross-reference stream whose rows are filtered otherwise than None or Up")


def _occurrences(data: bytes, word: bytes) -> list[int]:
    """Where ``word`` (which cannot overlap itself) is in ``data``, ascending."""
    found = []
    at = data.find(word)
    while at != -1:
        found.append(at)
        at = data.find(word, at + len(word))
    return found


def _check_sections(data: bytes, start: int, end: int, old: pikepdf.Pdf, new: pikepdf.Pdf,
                    new_xref: dict[ObjGen, tuple[int, int, int]], checked: set[int], streams: set[ObjGen]) -> None:
    """The update (``data[start:end]``) is one cross-reference section of its own, whose
    /Prev is the signed revision's section, and every section on the chain is one
    pyHanko's strict reader reads as qpdf does (see :func:`_check_section`), no /Size
    grows going back, and no section lists an older cross-reference stream again.  qpdf
    takes the first of two entries for an object in one section, pyHanko the last; both
    follow /Prev, and pyHanko counts revisions by sections and refuses hybrid files, freed
    objects, new generations and a cross-reference stream listed again: whatever it
    refuses, this whitelist must leave to it.  ``checked`` holds the sections of signed
    revisions already found sound (from earlier steps), ``streams`` the cross-reference
    streams among them.

    The /Prev read from a classic trailer's bytes must be qpdf's (its trailer is the
    newest section's) for the update's and the signed revision's newest sections.  A
    trailer with a string or a comment declines (either could hold a look-alike /Prev or
    "startxref"); further down the chain a look-alike in a nested dictionary or array can
    only add a section to check (a real /Prev beside it makes two, which declines)."""
    at = _startxref(data, end)
    if not start <= at < end:
        raise _Decline("the update has no cross-reference section of its own")
    update = _check_section(data, at, end, new, new_xref)
    if update.prev != _startxref(data, start) or update.prev != _trailer_prev(new):
        raise _Decline("the update's cross-reference section does not continue the signed revision's")
    prev: int | None = update.prev
    newest = True
    newer, size = list(update.ranges), update.size  # what the sections after the one at hand list
    for _ in range(_MAX_SECTIONS):
        if prev is None or prev in checked:
            break
        if prev >= start:
            raise _Decline("a signed revision's cross-reference chain runs into a later revision")
        section = _check_section(data, prev, start, new, new_xref)
        if newest and section.prev != _trailer_prev(old):
            raise _Decline("a signed revision's /Prev read otherwise than qpdf reads it")
        if section.size > size:
            raise _Decline("a cross-reference section with a larger /Size than a later one")
        if section.stream is not None:
            if any(first <= section.stream[0] < stop for first, stop in newer):
                raise _Decline("a cross-reference stream listed again by a later section")
            streams.add(section.stream)
        newest = False
        checked.add(prev)
        newer += section.ranges
        size, prev = section.size, section.prev
    else:
        raise _Decline("too many cross-reference sections")
    if any(first <= number < stop for number, _ in streams for first, stop in update.ranges):
        raise _Decline("the update lists a cross-reference stream of the signed revision again")


def _trailer_prev(pdf: pikepdf.Pdf) -> int | None:
    """qpdf's /Prev of a revision's newest cross-reference section."""
    prev = pdf.trailer.get("/Prev")
    if prev is not None and (not isinstance(prev, int) or isinstance(prev, bool)):
        raise _Decline("a /Prev that is not a number")
    return prev


def _check_object_streams(pdf: pikepdf.Pdf, table: dict[ObjGen, Any]) -> None:
    """Every object stream a revision takes objects from lists each object number once,
    and at the index its cross-reference entry gives, the object that entry is for.  qpdf
    reads the last object of a number in a stream whatever the index says; pyHanko,
    poppler and Ghostscript read the one at the index: with a number twice, each reader
    shows a different object."""
    by_stream: dict[int, list[tuple[int, int]]] = {}
    for (number, _), entry in table.items():
        if entry.type == 2:
            by_stream.setdefault(entry.obj_stream_number, []).append((entry.obj_stream_index, number))
    for stream_number, entries in by_stream.items():
        stream = pdf.get_object((stream_number, 0))
        count, first = stream.stream_dict.get("/N"), stream.stream_dict.get("/First")
        if not isinstance(count, int) or not isinstance(first, int) or not 0 <= count <= _MAX_ITEMS:
            raise _Decline("an object stream without a plain /N and /First")
        decoded = _object_stream_data(stream)
        if b"\x0b" in decoded:
            raise _Decline("an object stream with a vertical tab (whitespace to qpdf, not to pyHanko)")
        if 0 < first < len(decoded) and decoded[first - 1] in _REGULAR and decoded[first] in _REGULAR:
            # a header token cut by /First: poppler reads the header up to /First, qpdf
            # and pyHanko read the token whole (another offset, another object); a
            # delimiter or whitespace on either side cuts no token
            raise _Ambiguous(f"object stream {stream_number} reads differently in viewers (its /First falls inside "
                             f"its header): what the signed pages show after the update cannot be established")
        header = decoded[:first].split()
        if len(header) < 2 * count or not all(token.isdigit() for token in header[:2 * count]):
            raise _Decline("an object stream whose header qpdf tolerated")
        numbers = [int(token) for token in header[0:2 * count:2]]
        if len(set(numbers)) != len(numbers):
            raise _Decline("an object stream that holds an object number twice")
        if any(index >= count or numbers[index] != number for index, number in entries):
            raise _Decline("an object stream entry that names another object than its index holds")
        _check_strict_tokens(decoded)
        _check_references_resolve([decoded[first:]], table)
        if decoded.find(b"stream", first) != -1:
            raise _Decline("an object stream holding the word stream (a stream inside is for pyHanko to refuse)")
        _check_not_cut(decoded, first, [int(token) for token in header[1:2 * count:2]])


def _object_stream_data(stream: Any) -> bytes:
    """An object stream's decoded data, when it is unfiltered or Flate without parameters
    and decodes to its end (see :func:`_inflated`), as qpdf decodes it."""
    if "/DecodeParms" in stream.stream_dict:
        raise _Decline("an object stream with decoding parameters")
    decoded = _inflated(stream)
    if decoded != stream.read_bytes():
        raise _Decline("an object stream qpdf decodes otherwise")
    return decoded


def _inflated(stream: Any) -> bytes:
    """A stream's data unfiltered or inflated (before any predictor), when it has no filter
    or Flate alone, and the Flate data ends.  qpdf decodes leniently (hex without its
    ``>``, ASCII85 without ``~>``, Flate cut before its checksum) what pyHanko cannot
    read at all: object and cross-reference streams are held to what both read."""
    filters = stream.stream_dict.get("/Filter")
    if isinstance(filters, pikepdf.Array) and len(filters) == 1:
        filters = filters[0]
    raw = bytes(stream.read_raw_bytes())
    if filters is None:
        return raw
    if filters != "/FlateDecode":
        raise _Decline("an object or cross-reference stream with a filter other than Flate")
    inflater = zlib.decompressobj()
    try:
        decoded = inflater.decompress(raw, _MAX_OBJECT_STREAM)
    except zlib.error as exc:
        raise _Decline("an object or cross-reference stream that does not inflate") from exc
    if not inflater.eof or inflater.unconsumed_tail:
        raise _Decline("an object or cross-reference stream whose Flate data does not end (or is too large)")
    return decoded


def _check_not_cut(decoded: bytes, first: int, offsets: list[int]) -> None:
    """No object of an object stream is a number that the next object's bytes would make
    a reference: qpdf reads each object only up to the next one's offset ("5" of
    "5 0 R", a number), pyHanko and poppler read on (a reference)."""
    starts = [first + offset for offset in offsets]
    if starts != sorted(starts) or (starts and starts[-1] > len(decoded)):
        raise _Decline("an object stream whose offsets are out of order")
    for start, stop in zip(starts, [*starts[1:], len(decoded)], strict=True):
        if start == stop or decoded[start] in _WHITESPACE or decoded[start] == 0x25:
            # pyHanko reads an object from its first byte on, without skipping anything
            raise _Decline("an object stream object that starts with whitespace or a comment")
        if _NUMBERS_ONLY_RE.fullmatch(decoded, start, stop) and _REFERENCE_AHEAD_RE.match(decoded, start):
            raise _Decline("an object stream object cut short by the next one's offset")
        if _REFERENCE_ONLY_RE.fullmatch(decoded, start, stop):
            # qpdf and the viewers read a number, pyHanko refuses a reference there
            raise _Decline("an object stream object that is a reference")


@dataclass(frozen=True)
class _Section:
    prev: int | None  # its /Prev
    size: int  # its /Size
    ranges: list[tuple[int, int]]  # the object numbers it lists, [first, stop) each
    stream: ObjGen | None  # the cross-reference stream it is, if not a classic table


def _startxref(data: bytes, end: int) -> int:
    """Where the ``startxref`` closing the revision that ends at ``end`` points."""
    # only the last "startxref" can be followed by nothing but its offset and %%EOF: found
    # with bytes' own search (a pattern opening with a lookbehind is tried at every byte)
    at = data.rfind(b"startxref", max(0, end - 1024), end)
    m = _STARTXREF_TAIL_RE.match(data, at, end) if at != -1 else None
    if m is None:
        raise _Decline("a revision that does not end with startxref, its offset and %%EOF on lines of their own")
    return int(m.group(1))


def _check_section(data: bytes, at: int, limit: int, new: pikepdf.Pdf,
                   new_xref: dict[ObjGen, tuple[int, int, int]]) -> _Section:
    """The cross-reference section at ``at`` (before ``limit``) lists each object once, in
    order, below its /Size, frees nothing (but object 0), lists generation 0 only and is
    not hybrid (pyHanko's strict reader checks frees, generations and sizes across the
    whole file; a document that freed objects before it was signed is left to it).  A
    classic table is read from the bytes, strictly (as the standard writes it); a
    cross-reference stream through qpdf, which must list it."""
    if data.startswith(b"xref", at):
        pos = at + 4
        ranges: list[tuple[int, int]] = []
        while (trailer := _TRAILER_RE.match(data, pos, limit)) is None:
            m = _SUBSECTION_RE.match(data, pos, limit)
            if m is None or len(ranges) > _MAX_SECTIONS:
                raise _Decline("a cross-reference table not written as the standard writes it")
            first, count = int(m.group(1)), int(m.group(2))
            pos = m.end() + 20 * count
            if pos > limit or _ENTRIES_RE.fullmatch(data, m.end(), pos) is None:
                raise _Decline("a cross-reference table not written as the standard writes it")
            for k, entry in enumerate(range(m.end(), pos, 20)):
                row = data[entry:entry + 18]
                if row != (b"0000000000 65535 f" if first + k == 0 else row[:10] + b" 00000 n"):
                    raise _Decline("a cross-reference section frees an object or uses a generation but 0")
            ranges.append((first, first + count))
        _check_ascending(ranges)
        stop = data.find(b"startxref", trailer.end(), limit)
        if stop == -1 or data[stop - 1:stop] not in (b"\r", b"\n"):
            raise _Decline("a trailer that is not followed by startxref on a line of its own")
        text = data[trailer.end():stop]
        if any(mark in text for mark in (b"#", b"(", b"%", b"/XRefStm")):
            raise _Decline("a hybrid file, or a trailer with strings, comments or escaped names")
        prevs, sizes = _PREV_RE.findall(text), _SIZE_RE.findall(text)
        if len(prevs) != text.count(b"/Prev") or len(prevs) > 1 or len(sizes) != 1 or text.count(b"/Size") != 1:
            raise _Decline("a trailer whose /Prev or /Size is not one plain number")
        return _Section(int(prevs[0]) if prevs else None, _below_size(ranges, int(sizes[0])), ranges, None)
    listed = [og for og, (kind, offset, _) in new_xref.items() if kind == 1 and offset == at]
    if len(listed) != 1:
        raise _Decline("a cross-reference stream that no table lists")
    stream = new.get_object(listed[0])
    if not isinstance(stream, pikepdf.Stream) or stream.stream_dict.get("/Type") != "/XRef":
        raise _Decline("a cross-reference section that is neither a table nor a stream")
    info = stream.stream_dict
    if "/XRefStm" in info:
        raise _Decline("a hybrid file")
    index = info.get("/Index", pikepdf.Array([0, info.get("/Size", 0)]))
    numbers = [int(x) for x in index] if isinstance(index, pikepdf.Array) else []
    if not numbers or len(numbers) % 2:
        raise _Decline("a cross-reference stream with an odd /Index")
    ranges = [(numbers[k], numbers[k] + numbers[k + 1]) for k in range(0, len(numbers), 2)]
    _check_ascending(ranges)
    _check_stream_rows(stream, [n for first, stop in ranges for n in range(first, stop)])
    prev, size = info.get("/Prev"), info.get("/Size")
    if (prev is not None and (not isinstance(prev, int) or isinstance(prev, bool))) or \
            not isinstance(size, int) or isinstance(size, bool):
        raise _Decline("a cross-reference stream whose /Prev or /Size is not a number")
    return _Section(prev, _below_size(ranges, size), ranges, listed[0])


def _below_size(ranges: list[tuple[int, int]], size: int) -> int:
    if any(stop > size for _, stop in ranges):
        raise _Decline("a cross-reference section lists objects beyond its /Size")
    return size


def _check_stream_rows(stream: Any, numbers: list[int]) -> None:
    """The rows of a cross-reference stream free nothing (but object 0) and give objects
    in the file generation 0."""
    rows = _xref_stream_rows(stream)
    if len(rows) != len(numbers):
        raise _Decline("a cross-reference stream qpdf tolerated")
    for number, (kind, _, third) in zip(numbers, rows, strict=True):
        if (kind == 0 and number != 0) or (kind == 1 and third != 0) or kind not in (0, 1, 2):
            raise _Decline("a cross-reference stream frees an object or uses a generation but 0")


def _check_ascending(ranges: list[tuple[int, int]]) -> None:
    """A section's subsections in ascending order, none listing an object another does
    (pyHanko asserts the order of a stream's /Index)."""
    if any(a[1] > b[0] for a, b in itertools.pairwise(ranges)):
        raise _Decline("a cross-reference section lists an object twice or out of order")


def _check_update_objects_listed(data: bytes, start: int, end: int, table: dict[ObjGen, Any]) -> None:
    """Every ``n g obj`` in the update's bytes is an object its cross-reference ``table``
    places exactly there.  An unlisted one is invisible to qpdf but found by readers that
    scan the file for objects, as poppler and Ghostscript do when they find the
    cross-reference broken (a dangling reference of the signed revision would come to
    life in them).  The digits before ``obj`` are read back whatever their number (forty
    leading zeros are still object 4)."""
    at = data.find(b"obj", start, end)
    while at != -1:
        found = header_before(data, at, start)
        if found is None and is_keyword_obj(data, at):
            raise _Decline("an obj keyword after something that is no plain object header (a comment, say)")
        if found is not None:
            og, first = found
            entry = table.get(og)
            if entry is None or entry.type != 1 or not start <= entry.offset <= first or \
                    data[entry.offset:first].strip(_SPACES):
                raise _Decline(f"object {og[0]} {og[1]} in the update is not in its cross-reference table")
        at = data.find(b"obj", at + 3, end)


def _check_self_contained(old: pikepdf.Pdf, xref: dict[ObjGen, tuple[int, int, int]], end: int,
                          read: dict[tuple[ObjGen, int], tuple[int, bool]],
                          warned: Callable[[], bool]) -> list[ObjGen]:
    """qpdf reads every object of the signed revision (as cut at its end) without a
    complaint: an object whose stream data ran on past the revision would be read from
    the later bytes in the whole file, where the comparison below takes it as unchanged.
    Returns the revision's cross-reference streams.

    ``read`` holds the objects read cleanly before, by (object, offset): the shortest
    revision end they were read in, and whether they are cross-reference streams.  Such
    an object, at the same offset in a revision as long or longer, is the same bytes and
    reads the same (its parse ended before the shorter revision's end, which is after
    ``%%EOF``): it is not read again.  Only objects whose reading looks at nothing but
    their own bytes are remembered: not those in object streams, nor streams whose
    /Length is another object (which a later revision may have changed).  ``warned``
    says whether qpdf ever warned while reading this revision (in any step).
    """
    streams = []
    clean = []
    for og, (kind, offset, _) in xref.items():
        known = read.get((og, offset)) if kind == 1 else None
        if known is not None and known[0] <= end:
            if known[1]:
                streams.append(og)
            continue
        obj = old.get_object(og)  # reading an object checks that its stream ends where it says
        xref_stream = isinstance(obj, pikepdf.Stream) and obj.stream_dict.get("/Type") == "/XRef"
        if xref_stream:
            streams.append(og)
        if kind == 1 and (not isinstance(obj, pikepdf.Stream) or not _indirect_length(obj)):
            clean.append(((og, offset), xref_stream))
    if warned():
        raise _Decline("qpdf could not read the signed revision cleanly")
    for key, xref_stream in clean:
        if key not in read or read[key][0] > end:
            read[key] = (end, xref_stream)
    return streams


def _indirect_length(stream: Any) -> bool:
    """Whether a stream's /Length is a reference (to an object a later revision may change).
    ``get_raw``: pikepdf hands out an indirect number as a plain Python int otherwise."""
    length = stream.stream_dict.get_raw("/Length")
    return length is not None and length.is_indirect


def _open(data: bytes, end: int, opened: dict[int, pikepdf.Pdf]) -> pikepdf.Pdf:
    # Page attributes stay where the file puts them: a change to an inherited one is a
    # change to the page tree node, which the whitelist refuses (and qpdf opens faster).
    if end not in opened:
        opened[end] = pikepdf.open(io.BytesIO(data[:end]), attempt_recovery=False, suppress_warnings=True,
                                   inherit_page_attributes=False)
    return opened[end]


def _added_fields(old: pikepdf.Pdf, new: pikepdf.Pdf, data: bytes, old_end: int,
                  old_xref: dict[ObjGen, tuple[int, int, int]], new_xref: dict[ObjGen, tuple[int, int, int]],
                  revisions: list[tuple[pikepdf.Pdf, int, dict[ObjGen, tuple[int, int, int]]]], uses: Uses) -> Additions:
    """What ``new`` adds to ``old`` (the file ``data[:old_end]``; ``old_xref`` and
    ``new_xref`` are their :func:`_xref`; ``revisions`` and ``uses`` see
    :func:`_check_used_only_as`); raises _Decline unless adding signatures, document
    timestamps and validation data is all it does."""
    _same_document(old, new)
    _check_signed_fields(old)
    added, changed = _diff(old, new, old_xref, new_xref)
    if not added or len(added) > _MAX_ADDED:
        raise _Decline("nothing or too much added")
    new_numbers = {number for number, _ in new_xref.keys() - old_xref.keys()}
    if _written_generations(old, old_xref, data, old_end, new_numbers):
        # such a dangling reference reads as null when signing and as the new object
        # after (in readers that ignore the generation, even at another), changing the
        # old object's meaning without changing its bytes
        raise _Decline("an earlier object refers to a new one")
    written: dict[int, set[int]] = {}

    def generations(number: int) -> set[int]:
        # one search of the bytes per number: a search for several numbers that start
        # with different digits is not done in C and costs ten times as much
        if number not in written:
            written[number] = _written_generations(old, old_xref, data, old_end, [number]).get(number, set())
        return written[number]
    signed: Signed = (revisions, uses, generations)

    old_fields, old_form = _fields(old.Root)
    new_fields, new_form = _fields(new.Root)
    if new_fields[: len(old_fields)] != old_fields:
        raise _Decline("/Fields is not the earlier list with fields appended")
    old_names = {_name(new.get_object(og)) for og in old_fields}
    fresh = new_fields[len(old_fields):]
    names: list[str] = []
    signatures: list[str] = []
    widgets_by_page: dict[ObjGen, list[ObjGen]] = {}
    for og in fresh:
        field = added.get(og)
        if field is None:
            raise _Decline("an appended field is not a new object")
        name, timestamp = _signature_field(field, added, old_xref)
        if name in old_names or name in names:
            raise _Decline("a field name is used twice")
        names.append(name)
        if not timestamp:
            signatures.append(name)
        widgets_by_page.setdefault(field.P.objgen, []).append(og)

    roots = _check_changes(old, new, changed, added, old_form, new_form, widgets_by_page, signed)
    if not fresh and not roots:
        raise _Decline("no field and no validation data added")
    _check_reachable(added, [*fresh, *roots])
    return Additions(ModificationLevel.FORM_FILLING if signatures else ModificationLevel.LTA_UPDATES, tuple(signatures))


def _diff(old: pikepdf.Pdf, new: pikepdf.Pdf, old_xref: dict[ObjGen, tuple[int, int, int]],
          new_xref: dict[ObjGen, tuple[int, int, int]]) -> tuple[dict[ObjGen, Any], dict[ObjGen, tuple[Any, Any]]]:
    """The objects ``new`` adds, and those it changes (before, after)."""
    if not old_xref.keys() <= new_xref.keys():
        raise _Decline("an object of the earlier revision is gone")
    structure = _structure(new, new_xref, old_xref)
    added: dict[ObjGen, Any] = {}
    changed: dict[ObjGen, tuple[Any, Any]] = {}
    for og, entry in new_xref.items():
        if old_xref.get(og) == entry:
            # The same place in the same bytes: the same object.  (A stream whose /Length
            # is another object read differently only if that object changed, which the
            # whitelist below refuses.)
            continue
        obj = new.get_object(og)
        if og not in old_xref:
            if og not in structure:
                added[og] = obj
            continue
        prev = old.get_object(og)
        if not _same(prev, obj):
            changed[og] = (prev, obj)
    # the update's object and cross-reference streams are structure only while nothing
    # refers to them (a stream merely labelled so, and used, is content)
    if structure and any(not _references(obj).isdisjoint(structure)
                         for obj in [*added.values(), *(after for _, after in changed.values())]):
        raise _Decline("an object refers to what passes for the update's structure")
    return added, changed


def _content_redrawn(old: pikepdf.Pdf, new: pikepdf.Pdf, old_xref: dict[ObjGen, tuple[int, int, int]],
                     new_xref: dict[ObjGen, tuple[int, int, int]]) -> str | None:
    """Why ``new`` must be refused when it redraws a page of ``old``: the page's /Contents
    changed, or one of its content streams was rewritten.  None when neither happened."""
    _, changed = _diff(old, new, old_xref, new_xref)
    streams: dict[ObjGen, int] | None = None
    for og, (prev, obj) in changed.items():
        if isinstance(prev, pikepdf.Stream):
            if streams is None:
                streams = _content_streams(old)
            if og in streams and _drawing_changed(prev, obj):
                return f"the content stream of page {streams[og]} (object {og[0]}) was rewritten after signing"
        elif isinstance(prev, pikepdf.Dictionary) and prev.get("/Type") == "/Page":
            if _value_text(prev.get("/Contents")) != _value_text(obj.get("/Contents")):
                return f"the content of a page (object {og[0]}) was redrawn after signing"
    return None


def _drawing_changed(prev: Any, obj: Any) -> bool:
    """Whether a content stream draws something else: its decoded data differs (as
    pyHanko compares it; a number respelled in its dictionary is not a redrawing)."""
    if not isinstance(obj, pikepdf.Stream):
        return True
    if prev.read_raw_bytes() == obj.read_raw_bytes() and prev.stream_dict.get("/Filter") == obj.stream_dict.get("/Filter"):
        return False
    try:
        return bool(prev.read_bytes() != obj.read_bytes())
    except pikepdf.PdfError:
        return False  # a stream qpdf cannot decode: pyHanko decides


def _content_streams(pdf: pikepdf.Pdf) -> dict[ObjGen, int]:
    """Each page's content streams, by object, with the page's number (from 1)."""
    out: dict[ObjGen, int] = {}
    for number, page in enumerate(pdf.pages, start=1):
        contents = page.obj.get("/Contents")
        items = contents if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []
        for item in items:
            if isinstance(item, pikepdf.Object) and item.is_indirect:
                out.setdefault(item.objgen, number)
    return out


def _same_document(old: pikepdf.Pdf, new: pikepdf.Pdf) -> None:
    if "/Encrypt" in new.trailer or "/Encrypt" in old.trailer:
        raise _Decline("encrypted")
    for key in ("/Root", "/Info"):
        a, b = old.trailer.get(key), new.trailer.get(key)
        if (a is None) != (b is None) or (a is not None and (not a.is_indirect or a.objgen != b.objgen)):
            raise _Decline(f"the trailer's {key} changed")
    for pdf in (old, new):
        if "/Perms" in pdf.Root:
            raise _Decline("certified (DocMDP) or with usage rights: pyHanko applies the permissions")


def _xref(table: dict[ObjGen, Any]) -> dict[ObjGen, tuple[int, int, int]]:
    """Where each object of qpdf's cross-reference ``table`` is: (1, offset, 0) in the
    file, (2, object stream, index) in one.  An entry inside an object stream also names
    the stream's own entry, so that a rewritten object stream does not pass for an
    unchanged one."""
    out: dict[ObjGen, tuple[int, int, int]] = {}
    for og, e in table.items():
        if e.type == 1:
            out[og] = (1, e.offset, 0)
        elif e.type == 2:
            stream = table.get((e.obj_stream_number, 0))
            where = stream.offset if stream is not None and stream.type == 1 else -1
            out[og] = (2, e.obj_stream_number, e.obj_stream_index * (1 << 40) + where)
    return out


def _check_signed_fields(old: pikepdf.Pdf) -> None:
    """No field of the signed revision carries a transform or a lock (DocMDP, FieldMDP):
    pyHanko knows what those permit."""
    form = old.Root.get("/AcroForm")
    fields = form.get("/Fields") if isinstance(form, pikepdf.Dictionary) else None
    todo = [(f, 0) for f in fields] if isinstance(fields, pikepdf.Array) else []
    seen = 0
    while todo:
        field, depth = todo.pop()
        seen += 1
        if depth > _MAX_DEPTH or seen > _MAX_FIELDS:
            raise _Decline("too many or too deep fields")
        if not isinstance(field, pikepdf.Dictionary):
            continue
        value = field.get("/V")
        if "/Lock" in field or (isinstance(value, pikepdf.Dictionary) and "/Reference" in value):
            raise _Decline("a signature with a transform or a lock: pyHanko applies it")
        kids = field.get("/Kids")
        if isinstance(kids, pikepdf.Array):
            todo.extend((k, depth + 1) for k in kids)


def _written_generations(old: pikepdf.Pdf, old_xref: dict[ObjGen, tuple[int, int, int]], data: bytes, end: int,
                         numbers: Collection[int]) -> dict[int, set[int]]:
    """The generations at which the signed revision ``data[:end]``, or the object streams
    its objects are in (decoded: qpdf has decoded them to read those objects already),
    refers to each of the object ``numbers`` it refers to at all.  Every reference is in
    one of the two as ``n g R`` (with whitespace or comments between, leading zeros and
    plus signs allowed: see :func:`_reference_starts`); a look-alike in a stream's data
    can only make the recogniser decline.  qpdf reads a reference to an object its
    revision does not have (at that generation) as null and gives nothing to walk: it is
    looked for in the bytes."""
    objects = [(number, -1) for number in numbers]
    found: dict[int, set[int]] = {}
    for number, generation in ([og for _, og in _reference_starts(data, end, objects)]
                               + _compressed_references(old, old_xref, objects)):
        found.setdefault(number, set()).add(generation)
    return found


def written_references(data: bytes, end: int, numbers: Collection[int]) -> set[int]:
    """Which of the object ``numbers`` the revision ``data[:end]`` refers to (``n g R`` in
    its bytes, or in its object streams decoded when qpdf reads the revision; a look-alike
    in a string or in stream data counts too)."""
    if not numbers:
        return set()
    try:
        with pikepdf.open(io.BytesIO(data[:end]), attempt_recovery=False, suppress_warnings=True,
                          inherit_page_attributes=False) as pdf:
            return set(_written_generations(pdf, _xref(pdf.get_xref_table()), data, end, numbers))
    except Exception:  # qpdf cannot read the revision alone: its bytes are all there is to look in
        return {og[0] for _, og in _reference_starts(data, end, [(number, -1) for number in numbers])}


def _compressed_references(pdf: pikepdf.Pdf, xref: dict[ObjGen, tuple[int, int, int]],
                           objects: Collection[ObjGen]) -> list[ObjGen]:
    """The references to ``objects`` written in the object streams a revision's objects
    are in (decoded: qpdf has decoded them to read those objects already)."""
    found = []
    for number in sorted({entry[1] for entry in xref.values() if entry[0] == 2}):
        decoded = pdf.get_object((number, 0)).read_bytes()
        found += [og for _, og in _reference_starts(decoded, len(decoded), objects)]
    return found


def _check_used_only_as(signed: Signed, og: ObjGen, key: str, may_hold: Callable[[ObjGen, Any], bool]) -> None:
    """In every signed revision (``signed``: the revisions from the earliest signed one to
    the step's, ``uses`` and the generations the step's signed revision refers to each
    changed object at) that has it, the object ``og`` is used for nothing but ``key`` of
    the objects ``may_hold(number, object)`` accepts: the catalog's /Metadata, /DSS or
    /AcroForm, the /Annots of pages, the /Info of a cross-reference stream (a classic
    trailer is no object and is never drawn).  No other object refers to it, and those
    refer to it under no other key.  (pyHanko compares every later revision with the
    signed one: a use dropped by an allowed change in between still counts.)

    Where an object refers to it cannot be told from the bytes (a key can be faked in a
    comment, a nested dictionary or an array can hold it): every object of the revision
    is looked at, in qpdf's serialisation, where a reference is ``n g R``; and a reference
    at another generation (which qpdf does not serialise) declines.  ``og`` must be a
    dictionary, array or stream wherever it is: pikepdf hands out an indirect number as a
    Python int, and the check of a holder's other keys would not see it."""
    revisions, uses, written = signed
    # qpdf reads "n 1 R" as null when the object is "n 0", and drops it from what it
    # serialises; other readers take the object: any such reference declines
    if not written(og[0]) <= {og[1]}:
        raise _Decline(f"object {og[0]} is referred to at another generation")
    for pdf, end, xref in revisions:
        if og not in xref:
            continue  # added later: no earlier object referred to its number (see _added_fields)
        held = pdf.get_object(og)
        if not isinstance(held, pikepdf.Object) or held._type_code not in (*_CONTAINER_TYPES, pikepdf.ObjectType.stream):
            raise _Decline(f"object {og[0]} {og[1]} is not a dictionary, array or stream")
        if any(found != og for found in _compressed_references(pdf, xref, [(og[0], -1)])):
            raise _Decline(f"object {og[0]} is referred to at another generation")
        for other in _referrers(pdf, end, xref, uses).get(og[0], ()):
            obj = pdf.get_object(other)
            holder = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
            value = holder.get(key) if may_hold(other, obj) else None
            if not (isinstance(value, pikepdf.Object) and value.is_indirect and value.objgen == og) or any(
                    og[0] in {ref[0] for ref in _value_references(v)} for k, v in holder.items() if k != key):
                raise _Decline(f"object {og[0]} {og[1]} is used as more than {key}")


def _referrers(pdf: pikepdf.Pdf, end: int, xref: dict[ObjGen, tuple[int, int, int]], uses: Uses) -> dict[int, list[ObjGen]]:
    """The objects of the revision ending at ``end`` whose serialisation by qpdf has
    ``n g R`` in it, by ``n`` (a look-alike in a string can only make the recogniser
    decline); made once per revision, kept in ``uses``.  qpdf serialises a reference to
    an object the revision does not have as null: each revision's own."""
    index = uses.get(end)
    if index is None:
        index = {}
        for other in xref:
            text = _own_text(pdf.get_object(other))
            if not _may_refer(text):
                continue  # most objects refer to nothing
            if len(text) > 256:
                text = _without_hex_strings(text)  # a signature's 10 KB of digits
            for number in {int(n) for n in _SERIALISED_REFERENCE_RE.findall(text)}:
                index.setdefault(number, []).append(other)
        uses[end] = index
    return index


def _may_refer(text: bytes) -> bool:
    """Whether a serialisation has an ``R`` after whitespace, as every reference ends.
    bytes' own search for the letter: a regular expression over a signature's 10 KB of
    hex digits (which hold no ``R``) costs more than the rest of the object."""
    at = text.find(b"R")
    while at > 0:
        if text[at - 1] in _WHITESPACE:
            return True
        at = text.find(b"R", at + 1)
    return False


def _value_references(value: Any) -> set[ObjGen]:
    """The objects a dictionary value refers to (itself when indirect)."""
    if not isinstance(value, pikepdf.Object) or value._type_code in _LEAF_TYPES:
        return set()
    if value.is_indirect:
        return {value.objgen}
    return _references(value) if value._type_code in _CONTAINER_TYPES else set()


def _reference_starts(data: bytes, end: int, objects: Collection[ObjGen]) -> list[tuple[int, ObjGen]]:
    """Where ``number generation R`` (any spelling qpdf reads) of any of ``objects``
    starts in ``data[:end]``, and which object it refers to.  A generation of -1 stands
    for any: the one found is returned.

    Candidates are the numbers' digits followed by a separator, one search for all of
    them whose pattern starts with a digit of a few, which the regex engine looks for in
    C (a regex tried at every byte of a large file costs tens of milliseconds); hex
    strings, where digits are everywhere, hold no separators.  In a run of digits the
    search finds only the longest of the numbers that ends the run; a shorter one ending
    it is no reference, as a digit 1-9 stands before it (a number has no leading zeros).
    """
    generations: dict[int, list[int]] = {}
    for number, generation in objects:
        generations.setdefault(number, []).append(generation)
    if not generations:
        return []
    candidates = re.compile(rb"(?:%s)(?=[\x00\t\n\x0b\x0c\r %%])" % b"|".join(b"%d" % n for n in sorted(generations)))
    rests = {g: re.compile(rb"%s[+-]?0*%s%sR" % (_SEPARATOR, b"%d" % g if g >= 0 else rb"([0-9]+)", _SEPARATOR))
             for gens in generations.values() for g in gens}
    starts: list[tuple[int, ObjGen]] = []
    for m in candidates.finditer(data, 0, end):
        number = int(m.group())
        before = m.start()
        while before > 0 and data[before - 1] == 0x30:  # leading zeros
            before -= 1
        if before > 0 and data[before - 1] in (0x2B, 0x2D):  # a sign
            before -= 1
        if before == 0 or not data[before - 1:before].isdigit():
            for g in generations[number]:
                rest = rests[g].match(data, m.end(), end)
                if rest is not None:
                    starts.append((before, (number, g if g >= 0 else int(rest.group(1)))))
    return starts


def _structure(new: pikepdf.Pdf, new_xref: dict[ObjGen, tuple[int, int, int]],
               old_xref: dict[ObjGen, tuple[int, int, int]]) -> set[ObjGen]:
    """The new objects that are the update's own structure, not content: the object
    streams its compressed entries live in, and its cross-reference streams.  A stream
    merely labelled /ObjStm or /XRef is content like any other (a viewer draws a content
    stream whatever its /Type)."""
    containers = {(e[1], 0) for og, e in new_xref.items() if e[0] == 2 and og not in old_xref}
    out = set()
    for og in new_xref.keys() - old_xref.keys():
        obj = new.get_object(og)
        if not isinstance(obj, pikepdf.Stream):
            continue
        kind = obj.stream_dict.get("/Type")
        if (kind == "/ObjStm" and og in containers) or (kind == "/XRef" and og not in containers and _unreferenced(obj)):
            out.add(og)
    return out


def _unreferenced(stream: Any) -> bool:
    # a cross-reference stream refers to nothing but (in /Root, /Info) the catalog and Info
    return not any(key not in ("/Root", "/Info", "/Encrypt") and isinstance(value, pikepdf.Object) and value.is_indirect
                   for key, value in stream.stream_dict.items())


def _same(prev: Any, obj: Any) -> bool:
    """Equal serialisations (references as ``n g R``), and equal raw data for streams."""
    if isinstance(prev, pikepdf.Stream) or isinstance(obj, pikepdf.Stream):
        return (isinstance(prev, pikepdf.Stream) and isinstance(obj, pikepdf.Stream)
                and _own_text(prev) == _own_text(obj) and prev.read_raw_bytes() == obj.read_raw_bytes())
    return _own_text(prev) == _own_text(obj)


def _fields(root: Any) -> tuple[list[ObjGen], Any]:
    """The /AcroForm /Fields entries (all indirect) and the form dictionary."""
    form = root.get("/AcroForm")
    if form is None:
        return [], None
    if not isinstance(form, pikepdf.Dictionary):
        raise _Decline("/AcroForm is not a dictionary")
    fields = form.get("/Fields")
    if fields is None:
        return [], form
    if not isinstance(fields, pikepdf.Array) or fields.is_indirect:
        raise _Decline("/Fields is not a direct array")
    out = []
    for item in fields:
        if not item.is_indirect:
            raise _Decline("a field is not an indirect object")
        out.append(item.objgen)
    return out, form


def _name(field: Any) -> str:
    title = field.get("/T") if isinstance(field, pikepdf.Dictionary) else None
    return str(title) if isinstance(title, pikepdf.String) else ""


def _signature_field(field: Any, added: dict[ObjGen, Any], before: dict[ObjGen, tuple[int, int, int]]) -> tuple[str, bool]:
    """The name of a new, signed, merged signature field and widget, and whether it holds
    a document timestamp; _Decline otherwise."""
    if not isinstance(field, pikepdf.Dictionary) or isinstance(field, pikepdf.Stream):
        raise _Decline("a new field is not a dictionary")
    if field.get("/FT") != "/Sig" or field.get("/Subtype") != "/Widget":
        raise _Decline("a new field is not a signature widget")
    if any(key in field for key in ("/Kids", "/Parent", "/Lock", "/SV")):
        raise _Decline("a new field has kids, a parent, a lock or seed values")
    name = _name(field)
    if not name or "." in name:
        raise _Decline("a new field has no plain name")
    value, page = field.get("/V"), field.get("/P")
    if value is None or not value.is_indirect or value.objgen not in added:
        raise _Decline("a new field is not signed by a new signature dictionary")
    kind = value.get("/Type") if isinstance(value, pikepdf.Dictionary) else None
    if kind not in ("/Sig", "/DocTimeStamp") or "/Reference" in value:
        raise _Decline("a new field's value is not a plain signature dictionary")
    _check_pyhanko_reads(value)
    if page is None or not page.is_indirect or page.objgen not in before or page.get("/Type") != "/Page":
        raise _Decline("a new widget is not on a page of the earlier revision")
    if field.get("/Type", "/Annot") != "/Annot":
        raise _Decline("a new widget is typed as something else than an annotation")
    # As pyHanko: new objects may hang off the widget's appearance (/AP) only, and the
    # signature dictionary (/V) itself is new but refers to nothing new.
    if any(not _value_references(v).isdisjoint(added) for k, v in field.items() if k not in ("/AP", "/V")) or \
            not _references(value).isdisjoint(added):
        raise _Decline("a new field brings new objects elsewhere than in its appearance")
    # pyHanko counts a document timestamp as validation data only when it is invisible
    # (no appearance, an empty /Rect); otherwise it is a field filled in like any other
    return name, kind == "/DocTimeStamp" and "/AP" not in field and _empty_rect(field.get("/Rect"))


def _check_pyhanko_reads(value: Any) -> None:
    """pyHanko reads every signature of a file (whose /SubFilter it knows) when it
    analyses any one: a later signature whose CMS it cannot load makes its analysis of the
    earlier ones fail too.  The CMS must be one SignerInfo in a PKCS#7 SignedData that
    esealkit's strict DER reading takes (which asn1crypto's lenient one, pyHanko's, then
    takes too; a tenth of its cost); a document timestamp's token is read as pyHanko reads
    it.  _Decline otherwise."""
    if value.get("/SubFilter") not in _PYHANKO_SUBFILTERS or "/ByteRange" not in value:
        raise _Decline("a new signature pyHanko would skip or could not read")
    contents = value.get("/Contents")
    if not isinstance(contents, pikepdf.String):
        raise _Decline("a new signature without a string /Contents")
    raw = bytes(contents)
    try:
        info = cms.parse_signed_data(raw)
        _, start, end = _der.read_tlv(raw, 0, len(raw))
        _, oid_start, oid_end = _der.read_tlv(raw, start, end)
    except MalformedInput as exc:
        raise _Decline("a new signature whose CMS pyHanko could not read") from exc
    if _der.oid_dotted(raw[oid_start:oid_end]) != cms.PKCS7_SIGNED_DATA_OID or info.signer_count != 1:
        raise _Decline("a new signature whose CMS pyHanko could not read")
    if info.content_type != _DATA_OID:
        try:
            signed = asn1_cms.ContentInfo.load(raw)["content"]
            encapsulated = signed["encap_content_info"]
            _ = encapsulated["content"].parsed["message_imprint"]["hash_algorithm"]["algorithm"].native
        except Exception as exc:  # asn1crypto raises what the bytes make it raise: pyHanko fails alike
            raise _Decline("a new document timestamp whose token pyHanko could not read") from exc


def _empty_rect(rect: Any) -> bool:
    """A /Rect of zero width or height (an invisible widget)."""
    if not isinstance(rect, pikepdf.Array) or len(rect) != 4:
        return False
    numbers = [item for item in rect if isinstance(item, int | Decimal) and not isinstance(item, bool)]
    return len(numbers) == 4 and (numbers[0] == numbers[2] or numbers[1] == numbers[3])


def _check_changes(old: pikepdf.Pdf, new: pikepdf.Pdf, changed: dict[ObjGen, tuple[Any, Any]],
                   added: dict[ObjGen, Any], old_form: Any, new_form: Any,
                   widgets_by_page: dict[ObjGen, list[ObjGen]],
                   signed: Signed) -> list[ObjGen]:
    """Every changed earlier object is one a signer changes, changed only as a signer does.

    As pyHanko's rules: the pages that get widgets (``/Annots`` only), the form (``/Fields``
    only; it is in the catalog when direct), the catalog's ``/Extensions``, ``/MarkInfo``
    and ``/Version``, the Info dictionary and the XMP metadata stream (neither is drawn, as
    long as nothing but the trailer and the catalog refers to them: looked up in the
    signed revision, ``signed``, see :func:`_check_used_only_as`);
    the catalog's ``/DSS`` when there was none; and the DSS when it only gets new
    validation data appended.  Returns the new objects the catalog itself refers to (a
    new DSS or metadata stream) and the new streams appended to the DSS.
    """
    if old_form is None or new_form is None:
        raise _Decline("the form dictionary appeared or vanished")
    if old_form.is_indirect != new_form.is_indirect or (old_form.is_indirect and old_form.objgen != new_form.objgen):
        raise _Decline("the form dictionary was replaced")
    root = new.Root.objgen
    form = new_form.objgen if new_form.is_indirect else root
    info = new.trailer.get("/Info")
    metadata = new.Root.get("/Metadata")
    if metadata is not None:
        # pyHanko checks the document's metadata on every update, changed or not
        if not isinstance(metadata, pikepdf.Object) or not metadata.is_indirect:
            raise _Decline("the metadata is not a stream object of its own")
        _check_xmp(metadata)
    signed_dss = old.Root.get("/DSS")
    dss = signed_dss.objgen if isinstance(signed_dss, pikepdf.Object) and signed_dss.is_indirect else None
    pages, annots = _annotation_lists(new, widgets_by_page)
    for og in [*pages, *annots, *([form] if widgets_by_page else [])]:
        if og not in changed:
            raise _Decline("a page or the form did not get the new field")
    if widgets_by_page and not widgets_by_page.keys() <= {p.objgen for p in old.pages}:
        raise _Decline("a new widget is on a page that is not in the page tree")

    def is_catalog(number: ObjGen, obj: Any) -> bool:
        return bool(number == root)

    def is_page(number: ObjGen, obj: Any) -> bool:
        return isinstance(obj, pikepdf.Dictionary) and not isinstance(obj, pikepdf.Stream) and obj.get("/Type") == "/Page"

    def is_xref_stream(number: ObjGen, obj: Any) -> bool:
        return isinstance(obj, pikepdf.Stream) and obj.stream_dict.get("/Type") == "/XRef"

    roots: list[ObjGen] = []
    for og, (prev, obj) in changed.items():
        if og in pages:
            _only_keys_differ(prev, obj, {"/Annots"})
            _appended(prev.get("/Annots"), obj.get("/Annots"), pages[og])
        elif og in annots:
            _appended(prev, obj, annots[og])
            _check_used_only_as(signed, og, "/Annots", is_page)
        elif og == root:
            _only_keys_differ(prev, obj, _CATALOG_KEYS | {"/Metadata", "/DSS"})
            for key in ("/Metadata", "/DSS"):
                if key in prev and _value_text(prev[key]) != _value_text(obj.get(key)):
                    raise _Decline(f"{key} replaced")
                if key in obj and key not in prev:
                    if not obj[key].is_indirect or obj[key].objgen not in added:
                        raise _Decline(f"the new {key} is not a new object")
                    if key == "/Metadata":
                        _check_xmp(obj[key])
                    else:
                        _check_dss(obj[key], added)
                    roots.append(obj[key].objgen)
            for key in _CATALOG_KEYS - {"/AcroForm"}:
                if isinstance(obj.get(key), pikepdf.Object) and obj.get(key).is_indirect:
                    raise _Decline(f"the catalog's {key} is indirect")
            if form == root:
                _only_keys_differ(old_form, new_form, {"/Fields"})
            elif prev.get("/AcroForm").objgen != obj.get("/AcroForm").objgen:
                raise _Decline("the form dictionary was replaced")
        elif og == form:
            _only_keys_differ(prev, obj, {"/Fields"})
            _check_used_only_as(signed, og, "/AcroForm", is_catalog)
        elif info is not None and og == info.objgen:
            if not isinstance(obj, pikepdf.Dictionary) or isinstance(obj, pikepdf.Stream):
                raise _Decline("the Info dictionary is not a dictionary")
            _check_used_only_as(signed, og, "/Info", is_xref_stream)
        elif dss is not None and og == dss:
            # the catalog still names it (a /DSS replaced is refused above), and in the
            # signed revision nothing but the catalog used it: not drawn, only data
            roots += _check_dss_extended(prev, obj, added)
            _check_used_only_as(signed, og, "/DSS", is_catalog)
        elif metadata is not None and metadata.is_indirect and og == metadata.objgen:
            if old.Root.get("/Metadata") is None or old.Root.Metadata.objgen != og:
                raise _Decline("/Metadata replaced")
            _check_xmp(prev)  # and obj, the catalog's /Metadata, was checked above
            _check_used_only_as(signed, og, "/Metadata", is_catalog)
        else:
            raise _Decline(f"object {og[0]} {og[1]} changed")
    return roots


def _dss_lists(dss: Any) -> dict[str, list[Any]]:
    """The certificate, CRL and OCSP lists of a document security store that holds only
    those (no per-signature /VRI: pyHanko knows what those may hold), each a direct array
    of indirect objects; _Decline for any other DSS."""
    if not isinstance(dss, pikepdf.Dictionary) or isinstance(dss, pikepdf.Stream) or not set(dss.keys()) <= _DSS_KEYS:
        raise _Decline("a DSS with more than certificates, CRLs and OCSP responses")
    if dss.get("/Type", "/DSS") != "/DSS":
        raise _Decline("a DSS of another type")
    lists: dict[str, list[Any]] = {}
    for key in sorted(_DSS_KEYS - {"/Type"}):
        items = dss.get(key)
        if items is None:
            continue
        if not isinstance(items, pikepdf.Array) or items.is_indirect:
            raise _Decline(f"the DSS's {key} is not a direct array")
        lists[key] = list(items)
        if not all(isinstance(item, pikepdf.Object) and item.is_indirect for item in lists[key]):
            raise _Decline(f"the DSS's {key} holds a direct object")
    return lists


def _new_streams(items: list[Any], added: dict[ObjGen, Any], key: str) -> list[ObjGen]:
    if not all(isinstance(item, pikepdf.Stream) and item.objgen in added for item in items):
        raise _Decline(f"the DSS's {key} holds something else than new streams")
    return [item.objgen for item in items]


def _check_dss(dss: Any, added: dict[ObjGen, Any]) -> None:
    """A new document security store holding only new certificates, CRLs and OCSP
    responses."""
    for key, items in _dss_lists(dss).items():
        _new_streams(items, added, key)


def _check_dss_extended(prev: Any, obj: Any, added: dict[ObjGen, Any]) -> list[ObjGen]:
    """An existing document security store given more validation data, as a second
    signer making its signature long-term (B-LT) does: each list it held, with new
    streams appended, and nothing else changed.  Returns the new streams."""
    before, after = _dss_lists(prev), _dss_lists(obj)
    if _value_text(prev.get("/Type")) != _value_text(obj.get("/Type")) or not before.keys() <= after.keys():
        raise _Decline("the DSS changed otherwise than by more validation data")
    appended = []
    for key, items in after.items():
        kept = [item.objgen for item in before.get(key, [])]
        if [item.objgen for item in items[:len(kept)]] != kept:
            raise _Decline(f"the DSS's {key} is not the earlier list with new items appended")
        if not all(isinstance(item, pikepdf.Stream) for item in items[:len(kept)]):
            raise _Decline(f"the DSS's {key} held something else than streams")
        appended += _new_streams(items[len(kept):], added, key)
    if not appended:
        raise _Decline("the DSS was rewritten with nothing added")
    return appended


def _check_xmp(stream: Any) -> None:
    """Well-formed XMP without entities, as pyHanko requires of a rewritten metadata
    stream, in a plain metadata stream (nothing that would make it drawable)."""
    if not isinstance(stream, pikepdf.Stream) or not set(stream.stream_dict.keys()) <= {"/Type", "/Subtype", "/Length"}:
        raise _Decline("metadata is not a plain stream")
    if stream.stream_dict.get("/Type") != "/Metadata" or stream.stream_dict.get("/Subtype") != "/XML":
        raise _Decline("metadata is not a plain stream")
    data = stream.read_raw_bytes()
    if len(data) > _MAX_XMP:
        raise _Decline("metadata too large")
    try:
        # as pyHanko reads it: UTF-8, whatever the document declares or a byte order mark says
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                                                             encoding="utf-8"))
    except etree.XMLSyntaxError as exc:
        raise _Decline("metadata is not XML") from exc
    if root.tag != "{adobe:ns:meta/}xmpmeta" or any(True for _ in root.iter(etree.Entity)):
        raise _Decline("metadata is not plain XMP")


def _only_keys_differ(prev: Any, obj: Any, free: set[str]) -> None:
    if isinstance(prev, pikepdf.Stream) or isinstance(obj, pikepdf.Stream):
        raise _Decline("a changed object is a stream")
    if not isinstance(prev, pikepdf.Dictionary) or not isinstance(obj, pikepdf.Dictionary):
        raise _Decline("a changed object is not a dictionary")
    keys = (set(prev.keys()) | set(obj.keys())) - free
    for k in keys:
        a, b = prev.get(k), obj.get(k)
        if a is None or b is None or _value_text(a) != _value_text(b):
            raise _Decline(f"{k} changed")


def _value_text(value: Any) -> bytes:
    """A dictionary value's serialisation (pikepdf hands out numbers and booleans as Python's)."""
    if isinstance(value, pikepdf.Object):
        return bytes(value.unparse())
    return repr(value).encode()


def _annotation_lists(new: pikepdf.Pdf, widgets_by_page: dict[ObjGen, list[ObjGen]],
                      ) -> tuple[dict[ObjGen, list[ObjGen]], dict[ObjGen, list[ObjGen]]]:
    """Where each page's new widgets were appended: the page itself when its /Annots is a
    direct array, else the /Annots array object (then the page must stay as it was)."""
    pages: dict[ObjGen, list[ObjGen]] = {}
    arrays: dict[ObjGen, list[ObjGen]] = {}
    for og, widgets in widgets_by_page.items():
        annots = new.get_object(og).get("/Annots")
        if isinstance(annots, pikepdf.Array) and annots.is_indirect:
            arrays[annots.objgen] = widgets
        else:
            pages[og] = widgets
    if not pages.keys().isdisjoint(arrays):
        raise _Decline("a page is its own /Annots")
    return pages, arrays


def _appended(before: Any, after: Any, widgets: list[ObjGen]) -> None:
    """``after`` is the array ``before`` (or nothing) with exactly ``widgets`` appended;
    both direct in their page, or both the same array object."""
    old = _refs(before) if before is not None else []
    if after is None or not isinstance(after, pikepdf.Array):
        raise _Decline("/Annots is not an array")
    if before is not None and (not isinstance(before, pikepdf.Array) or before.is_indirect != after.is_indirect
                               or (before.is_indirect and before.objgen != after.objgen)):
        raise _Decline("/Annots was replaced")
    new = _refs(after)
    if new[: len(old)] != old or sorted(new[len(old):]) != sorted(widgets):
        raise _Decline("/Annots is not the earlier list with the new widgets appended")


def _refs(array: Iterable[Any]) -> list[ObjGen]:
    out = []
    for item in array:
        if not item.is_indirect:
            raise _Decline("a direct annotation")
        out.append(item.objgen)
    return out


def _check_reachable(added: dict[ObjGen, Any], fresh: list[ObjGen]) -> None:
    """Every new object belongs to a new field: its signature, appearance and resources."""
    seen: set[ObjGen] = set()
    todo = list(fresh)
    while todo:
        og = todo.pop()
        if og in seen:
            continue
        seen.add(og)
        todo.extend(ref for ref in _references(added[og]) if ref in added and ref not in seen)
    if len(seen) != len(added):
        raise _Decline("new objects that no new field uses")


def _references(obj: Any) -> set[ObjGen]:
    """The objects an object refers to, from its dictionary and arrays (a stream's data
    holds no references)."""
    refs: set[ObjGen] = set()
    if not isinstance(obj, pikepdf.Object) or not (isinstance(obj, pikepdf.Stream) or obj._type_code in _CONTAINER_TYPES):
        return refs  # a number, boolean, null, name or string refers to nothing
    todo = [obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj]
    seen = 0
    while todo:
        container = todo.pop()
        items = container.values() if isinstance(container, pikepdf.Dictionary) else container
        for value in items:
            seen += 1
            if not isinstance(value, pikepdf.Object) or value._type_code in _LEAF_TYPES:
                continue
            if value.is_indirect:
                refs.add(value.objgen)
            elif value._type_code in _CONTAINER_TYPES:
                todo.append(value)
        if seen > _MAX_ITEMS:
            raise _Decline("an object too large to follow")
    return refs


def _own_text(obj: Any) -> bytes:
    """Where an object's references are: its dictionary (a stream's data has none).
    (pikepdf hands out an indirect number, boolean or null as Python's own.)"""
    if isinstance(obj, pikepdf.Stream):
        return bytes(obj.stream_dict.unparse())
    if not isinstance(obj, pikepdf.Object):
        return repr(obj).encode()
    return bytes(obj.unparse(resolved=True))
