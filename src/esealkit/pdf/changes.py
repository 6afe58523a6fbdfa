"""What changed after each PDF signature (签名后修改分析), by pyHanko's difference analysis.

Only documents with revisions after a signature get here: a signature that covers the
whole file cannot have been followed by changes.  Revisions that only add the next
signatures, and revisions that redraw a page, are recognised first
(:mod:`esealkit.pdf.signing_updates`, strict, declining anything else); pyHanko compares the signed revision with every later one
and classifies the changes in all other cases; this module decides, per signature,
whether they were allowed.
"""

from __future__ import annotations

import io
import logging
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pikepdf
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    DiffResult,
    FormUpdatingRule,
    ModificationLevel,
    StandardDiffPolicy,
    SuspiciousModification,
)
from pyhanko.sign.diff_analysis.constants import ACROFORM_EXEMPT_STRICT_COMPARISON
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel

from esealkit.pdf._pyhanko_speedups import faster_pyhanko_reading
from esealkit.pdf.linearization import declared_lengths
from esealkit.pdf.reader import revision_ends
from esealkit.pdf.signing_updates import (
    Additions,
    header_before,
    is_keyword_obj,
    recognise_updates,
    split_rows,
    written_references,
)
from esealkit.report import Check, SubIndication

__all__ = ["ChangeResult", "analyse_changes", "changes_check", "linearized_problem", "tail_problem"]

# pyHanko logs every suspicious revision with a traceback; here that is a verdict, not an error.
logging.getLogger("pyhanko.sign.diff_analysis").setLevel(logging.CRITICAL)

_LEVEL_WORDS = {
    ModificationLevel.NONE: "no changes",
    ModificationLevel.LTA_UPDATES: "validation data and document timestamps added",
    ModificationLevel.FORM_FILLING: "form fields filled or signed",
    ModificationLevel.ANNOTATIONS: "annotations added or changed",
    ModificationLevel.OTHER: "other changes",
}


@dataclass(frozen=True)
class ChangeResult:
    """pyHanko's verdict on the revisions after one signature."""

    level: ModificationLevel | None  # None when the changes are suspicious
    suspicious: str  # why, when they are
    changed_fields: tuple[str, ...]
    docmdp: int | None  # the signature's DocMDP permission (1-3), if any
    refilled: tuple[str, ...] = ()  # fields that had a value when signed and were changed later


# pyHanko parses the hostile bytes again here, and its parser raises more than PdfError on
# garbage (KeyError, IndexError, decimal.InvalidOperation from a malformed number, ...):
# whatever it raises, the verdict is the same, the revisions cannot be read.
_READ_ERRORS = (PdfError, SignatureValidationError, ArithmeticError, LookupError, ValueError, TypeError,
                AttributeError, RuntimeError, OSError, EOFError, AssertionError, zlib.error)

_STARTXREF_RE = re.compile(rb"startxref[\x00\s]+(\d+)[\x00\s]*%%EOF")  # NUL is whitespace in PDF
_TRAILING_FILLER = b"\x00\t\n\x0c\r "
_MAX_FIELD_DEPTH = 32


def tail_problem(data: bytes, covered_end: int, ends: tuple[int, ...] | None = None) -> str | None:
    """Why the bytes after a signed revision are not proper incremental updates, or None.

    A strict reader (qpdf, pyHanko) follows the last ``startxref``; bytes it never reaches
    are invisible to this verifier but not to a viewer that repairs or scans the file,
    which is how the incremental saving attack's variants without a new xref section or
    trailer work.  So every byte after the signature must be reached: the file ends at a
    ``%%EOF`` (only whitespace or NUL after it) and the last ``startxref`` points past the
    signed bytes (the last revision has its own cross-reference section).
    """
    if not data[covered_end:].strip(_TRAILING_FILLER):
        return None  # nothing but line ends or padding after the signed bytes
    if ends is None:
        ends = revision_ends(data)
    if not ends or data[ends[-1]:].strip(_TRAILING_FILLER):
        return "bytes after the last %%EOF: content appended after signing that no cross-reference section lists"
    pointers = [int(m.group(1)) for m in _STARTXREF_RE.finditer(data, covered_end)]
    if not pointers or pointers[-1] < covered_end:
        return ("the bytes appended after signing have no cross-reference section of their own: a strict reader "
                "ignores them, a repairing viewer shows them (incremental saving attack)")
    return None


def linearized_problem(data: bytes, lengths: Iterable[int]) -> str | None:
    """Why the file, or a signed revision of it, may read as linearized in a viewer, or None.

    A viewer that takes a file as linearized (poppler does when its first object's /L is
    the file's length) reads the cross-reference section after that object and what it
    chains to, never the incremental updates: a document prepared so that /L is the
    length the file will have after a later update shows that viewer another document
    than the one verified (and than pyHanko analyses); one whose /L is a signed
    revision's length showed its signer another one.  ``lengths`` are those of the whole
    file and of its signed revisions that have revisions after them.
    """
    declared = declared_lengths(data)
    if declared is None:
        return "the file's first object is too large to tell whether viewers take the file as linearized"
    hit = declared & set(lengths)
    if hit:
        return (f"the file's first object declares the length {min(hit)} (/L), that of the file or of a signed "
                f"revision with later ones: a viewer that then takes it as linearized shows the pages of its "
                f"first revision and ignores the later ones, so what the signed pages show cannot be established")
    return None


def _wide_cross_reference_streams(data: bytes, after: int, opened: tuple[pikepdf.Pdf, bool] | None,
                                  ) -> tuple[list[int], int, tuple[pikepdf.Pdf, bool] | None]:
    """Where the cross-reference streams from ``after`` on with fields too wide for viewers
    are (a type field over one byte, another over eight: Ghostscript and poppler cannot
    read them), read with qpdf (the newest is the trailer; the others are in its table);
    the highest object number qpdf's table lists; and ``opened`` with any warning reading them gave added to
    its flag.  None found when qpdf cannot read the file (nor can the reader, which
    reported it)."""
    pdf = opened[0] if opened is not None else None
    highest = 0
    try:
        if pdf is None:
            pdf = pikepdf.open(io.BytesIO(data), attempt_recovery=False, suppress_warnings=True,
                               inherit_page_attributes=False)
        trailer = pdf.trailer
        found = [] if _readable_widths(trailer) else [len(data) - 1]
        table = pdf.get_xref_table()
        highest = max((number for number, _ in table), default=0)
        for og, entry in table.items():
            if entry.type == 1 and entry.offset >= after:
                obj = pdf.get_object(og)
                if isinstance(obj, pikepdf.Stream) and obj.stream_dict.get("/Type") == "/XRef" and \
                        not _readable_widths(obj.stream_dict):
                    found.append(entry.offset)
    except (pikepdf.PdfError, ValueError, TypeError, RuntimeError):
        return [], highest, opened
    finally:
        if opened is None and pdf is not None:
            pdf.close()
    if opened is None:
        return found, highest, None
    return found, highest, (opened[0], opened[1] or bool(opened[0].get_warnings()))


_TABLE_RE = re.compile(rb"(?<![A-Za-z])xref(?![A-Za-z])")
# a classic table as every reader reads it without repair: "xref", an end of line,
# subsections "first count" at the start of their lines, entries of exactly 20 bytes
_STRICT_TABLE_RE = re.compile(rb"xref(?:\r\n|\n|\r)(?:[0-9]+ [0-9]+(?:\r\n|\n|\r)"
                              rb"(?:[0-9]{10} [0-9]{5} [fn](?: \r| \n|\r\n))*)+trailer")


def _repair_problem(data: bytes, after: int, opened: tuple[pikepdf.Pdf, bool] | None,
                    hidden_once: list[str | None], sections: list[tuple[int, str, bytes]] | None) -> str | None:
    """Why a viewer that repairs the file may show objects the tables do not give after
    the revisions from ``after`` on, or None.

    MuPDF and Ghostscript repair a file they find damaged (a table line that begins with
    whitespace, a classic table continuing a cross-reference stream, a row pointing past
    the file, ...: the list is long and not theirs alone), and poppler rebuilds its
    cross-reference by scanning the file; repairing, they take objects from object
    streams over those in the file, and the last copy of a number in the file.  Where
    the file holds no such object the tables do not give, repairing shows the same
    document; where it does (a copy an object stream holds and no entry takes, or a copy
    later than the one the table gives), everything after signing must be written as
    every reader reads it without repair: strict classic tables, none continuing a
    cross-reference stream, cross-reference streams whose rows all point at objects.
    ``hidden_once`` keeps :func:`_hidden_objects` for the other signatures of the file;
    ``sections`` is the file's chain of cross-reference sections (:func:`_sections`)."""
    try:
        pdf = opened[0] if opened is not None else pikepdf.open(
            io.BytesIO(data), attempt_recovery=False, suppress_warnings=True, inherit_page_attributes=False)
    except (pikepdf.PdfError, ValueError, TypeError, RuntimeError):
        return None  # the reader reported it
    try:
        if not hidden_once:
            hidden_once.append(_hidden_objects(data, pdf))
        hidden = hidden_once[0]
        if hidden is None:
            return None
        streams_before = False
        tables = [m.start() for m in _TABLE_RE.finditer(data, after) if data[max(0, m.start() - 5):m.start()] != b"start"]
        for at in tables:
            if not _STRICT_TABLE_RE.match(data, at):
                return (f"a cross-reference table after signing is not written as readers read it without "
                        f"repairing the file, and a repaired file shows {hidden}")
        table = pdf.get_xref_table()
        for og, entry in table.items():
            if entry.type != 1:
                continue
            obj = pdf.get_object(og)
            if not isinstance(obj, pikepdf.Stream) or obj.stream_dict.get("/Type") != "/XRef":
                continue
            if entry.offset < after:
                streams_before = True
            elif not _rows_point_at_objects(data, obj, table):
                return (f"a cross-reference stream after signing has rows that point at no object, which makes "
                        f"viewers repair the file, and a repaired file shows {hidden}")
        if tables and not streams_before:
            # a stream section written after signing and continued by a classic table is one
            # too, listed or not, wherever it lies in the file (reviews 25, 26): the sections
            # as the /Prev chain gives them
            chain = sections
            if chain is None:
                return (f"the file's chain of cross-reference sections cannot be told, and a repaired file "
                        f"shows {hidden}")
            streams_before = any(kind == "table" and at >= after and any(k == "stream" for _, k, _ in chain[n + 1:])
                                 for n, (at, kind, _) in enumerate(chain))
        if streams_before and tables:
            return (f"a classic cross-reference table after signing continues a cross-reference stream, which "
                    f"makes Ghostscript repair the file, and a repaired file shows {hidden}")
        return None
    except (pikepdf.PdfError, ValueError, TypeError, RuntimeError, zlib.error) as exc:
        # an object qpdf cannot read while looking: what a repairing viewer shows is unknown
        return f"the file's objects could not be read to tell what a viewer repairing it would show: {exc}"
    finally:
        if opened is None:
            pdf.close()


def _hidden_objects(data: bytes, pdf: pikepdf.Pdf) -> str | None:
    """What a viewer repairing the file would take that qpdf's table does not give, or
    None: an object an object stream holds and no entry takes from it at that index, or
    a copy of an object in the file later than the one the table gives (or of one the
    table places in an object stream or nowhere)."""
    table = pdf.get_xref_table()
    # where the headers the table gives end, when written plainly ("n g obj"): nothing to check there
    plain = set()
    for (number, generation), entry in table.items():
        if entry.type == 1:
            spelled = b"%d %d obj" % (number, generation)
            if data.startswith(spelled, entry.offset):
                plain.add(entry.offset + len(spelled) - 3)
    at = data.find(b"obj")
    while at != -1:
        if at in plain:
            at = data.find(b"obj", at + 3)
            continue
        found = header_before(data, at, 0) if data[at - 3:at] != b"end" else None
        if found is None and is_keyword_obj(data, at):
            return f"what a scan takes for an object before offset {at} (a header with a comment in it, say)"
        if found is not None:
            og, first = found
            entry = table.get(og)
            if entry is None or entry.type != 1 or (entry.offset < first and data[entry.offset:first].strip()):
                return f"object {og[0]} {og[1]} at offset {first}, which no table gives there"
        at = data.find(b"obj", at + 3)
    if not _FIRST_RE.search(data):
        return None  # no stream dictionary has a /First: no reader takes any for an object stream
    budget = [_HEADER_BUDGET]
    for (number, generation), entry in table.items():
        stream = pdf.get_object((number, generation)) if entry.type == 1 else None
        if not _may_be_object_stream(stream):
            continue
        header = _object_stream_header(stream, budget)
        if header is None:
            return f"object stream {number}, whose members cannot be told (its /N, /First or filter)"
        for index, token in enumerate(header[0::2]):
            member = table.get((int(token), 0)) if token.isdigit() and len(token) <= 20 else None
            if member is None or member.type != 2 or member.obj_stream_number != number or \
                    member.obj_stream_index != index:
                told = token[:20].decode(errors="replace") + ("..." if len(token) > 20 else "")
                return f"object {told} in object stream {number}, which no entry takes from it"
    return None


def _may_be_object_stream(obj: Any) -> bool:
    """A stream some reader may take for an object stream: typed so (directly or not:
    pikepdf resolves it), or with a /First (Ghostscript keeps the first of two /Type keys,
    qpdf the last).  Not merely an /N: ICC profiles have one."""
    if not isinstance(obj, pikepdf.Stream):
        return False
    info = obj.stream_dict
    return info.get("/Type") == "/ObjStm" or "/First" in info


def _object_stream_header(stream: Any, budget: list[int]) -> list[bytes] | None:
    """The tokens before /First of an object stream, decoding no more than that (a stream
    that inflates a thousandfold must not be inflated whole to read its header); None
    when they cannot be told as every reader tells them: /N and /First not plain
    numbers, /First 0 with members, a filter but Flate, fewer than /N pairs."""
    info = stream.stream_dict
    count, first = info.get("/N"), info.get("/First")
    if not isinstance(count, int) or not isinstance(first, int) or isinstance(count, bool) or \
            isinstance(first, bool) or count < 0 or first < 0 or (count and not first) or first > budget[0]:
        return None
    budget[0] -= max(first, 1)  # all the headers of a file share one budget of decoded bytes
    if not first:
        return []  # no members (and zlib takes a max_length of 0 for no limit at all)
    filters = info.get("/Filter")
    if isinstance(filters, pikepdf.Array) and len(filters) == 1:
        filters = filters[0]
    raw = bytes(stream.read_raw_bytes())
    if filters is None and "/DecodeParms" not in info:
        head = raw[:first]
    elif filters == "/FlateDecode" and "/DecodeParms" not in info:
        try:
            head = zlib.decompressobj().decompress(raw, first)
        except zlib.error:
            return None
    else:
        return None
    tokens = head.replace(b"\x00", b" ").split()  # NUL is whitespace to readers, not to bytes.split
    if len(tokens) < 2 * count or not all(token.isdigit() for token in tokens):
        return None  # a comment or anything but numbers before /First: readers may pair them otherwise
    return tokens


_HEADER_BUDGET = 16 << 20
# /First, its letters perhaps escaped: stream dictionaries are never in object streams, so
# a stream with a /First has it spelled in the file's bytes
_FIRST_RE = re.compile(rb"/(?:F|#46)(?:i|#69)(?:r|#72)(?:s|#73)(?:t|#74)(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")


def _rows_point_at_objects(data: bytes, stream: Any, table: dict[tuple[int, int], Any]) -> bool:
    """Every row of a cross-reference stream frees only object 0, places an object at its
    own header inside the file, or in an object stream the table has."""
    info = stream.stream_dict
    try:
        widths = [int(w) for w in info.get("/W", [])]
        index = [int(n) for n in info.get("/Index", [0, info.get("/Size", 0)])]
        rows = bytes(stream.read_bytes())
    except (pikepdf.PdfError, TypeError, ValueError):
        return False
    if len(widths) != 3 or sum(widths) <= 0 or len(index) % 2 or len(rows) % sum(widths):
        return False
    step = sum(widths)
    if sum(index[1::2]) != len(rows) // step or min(index, default=0) < 0:
        return False  # (checked before the numbers are listed: /Index may claim billions)
    numbers = [n for k in range(0, len(index), 2) for n in range(index[k], index[k] + index[k + 1])]
    for number, (kind, second, _) in zip(numbers, split_rows(rows, widths), strict=True):
        if kind == 0:
            if number != 0:
                return False
        elif kind == 1:
            found = _HEADER_AT_RE.match(data, second) if second < len(data) else None
            if found is None or int(found.group(1)) != number:
                return False
        elif kind == 2:
            holder = table.get((second, 0))
            if holder is None or holder.type != 1:
                return False
        else:
            return False
    return True


_HEADER_AT_RE = re.compile(rb"[\x00\t\n\x0c\r ]*0*([0-9]+)[\x00\t\n\x0c\r ]+[0-9]+[\x00\t\n\x0c\r ]+obj")


# /Size, its letters perhaps escaped, and the token that follows it
_SIZE_RE = re.compile(rb"/(?:S|#53)(?:i|#69)(?:z|#7[aA])(?:e|#65)(?=[\x00\t\n\x0c\r ()<>\[\]{}/%])"
                      rb"[\x00\t\n\x0c\r ]*([+-]?[0-9]*\.?[0-9]*)")


def _oversized(data: bytes, after: int, highest: int) -> bytes | None:
    """A /Size after ``after`` that is no plain number or far beyond the ``highest`` object
    number (a writer gives one more than it), or None.  Read from the bytes, where every
    section's trailer is (qpdf keeps the newest only); a /Size elsewhere (none is usual)
    can only refuse."""
    for m in _SIZE_RE.finditer(data, after):
        value = m.group(1)
        if not value.lstrip(b"+-").isdigit():
            if value:  # a real: no size (a reference "n g R" is read as its number, small)
                return value
            continue
        if int(value) > 2 * highest + 1024:
            return value
    return None


def _readable_widths(info: Any) -> bool:
    widths = info.get("/W")
    if widths is None:
        return True  # a classic trailer
    return (isinstance(widths, pikepdf.Array) and len(widths) == 3 and all(isinstance(w, int) for w in widths)
            and widths[0] <= 1 and widths[1] <= 8 and widths[2] <= 8)


def analyse_changes(data: bytes, byte_ranges: list[tuple[int, int, int, int]], *,
                    quick: bool = True, opened: tuple[pikepdf.Pdf, bool] | None = None,
                    ) -> dict[tuple[int, int, int, int], ChangeResult | str]:
    """Analyse the revisions after each signature given by its byte range.

    Returns, per byte range, a :class:`ChangeResult`, or a string saying why the file could
    not be analysed (pyHanko could not read it, or found no such signature).  With
    ``quick=False`` pyHanko analyses every signature, even when the later revisions only
    add signatures (for comparing the two).  ``opened`` is qpdf's reading of the whole
    file when the caller has one open: exactly as :func:`~esealkit.pdf.reader.read_pdf_open`
    returned it for these very bytes, nothing read from it since (qpdf hands each warning
    out once, and the flag must cover them all).
    """
    out: dict[tuple[int, int, int, int], ChangeResult | str] = {}
    ends = revision_ends(data)
    pending = []
    linearized = linearized_problem(data, [len(data), *(br[2] + br[3] for br in byte_ranges)]) if byte_ranges else None
    for br in byte_ranges:
        problem = tail_problem(data, br[2] + br[3], ends)
        if problem is None and data[br[2] + br[3]:].strip(_TRAILING_FILLER):
            problem = linearized
        if problem is not None:
            out[br] = ChangeResult(None, problem, (), None)
        else:
            pending.append(br)
    if not pending:
        return out
    wide, highest, opened = _wide_cross_reference_streams(data, min(br[2] + br[3] for br in pending), opened)
    hidden: list[str | None] = []  # _hidden_objects, once a file, when a signature needs it
    sections = _sections(data)  # read once: the /XRefStm rule and the repair rule use it
    xrefstm = _has_xrefstm(data, sections)
    for br in pending:
        if any(at >= br[2] + br[3] for at in wide):
            out[br] = ChangeResult(None, "a cross-reference stream after signing has fields wider than viewers read "
                                         "(Ghostscript and poppler then rebuild the cross-reference by scanning the "
                                         "file and may show objects no section lists)", (), None)
        elif xrefstm:
            # pyHanko refuses hybrid files; MuPDF follows an /XRefStm after any section, qpdf
            # and pyHanko only after a classic trailer: one on a section qpdf's table does not
            # list escaped the stream check (review 25), one written before signing pointed
            # past the signed bytes at a section added later (review 26)
            out[br] = ChangeResult(None, "the file has an /XRefStm, which MuPDF follows to a section qpdf and "
                                         "pyHanko may never read", (), None)
        elif (size := _oversized(data, br[2] + br[3], highest)) is not None:
            out[br] = ChangeResult(None, f"a cross-reference section after signing gives /Size {size!r} for a file "
                                         f"whose highest object is {highest}: poppler cannot make room for it and "
                                         f"rebuilds the cross-reference by scanning the file, which may show objects "
                                         f"no section lists", (), None)
        elif (repair := _repair_problem(data, br[2] + br[3], opened, hidden, sections)) is not None:
            out[br] = ChangeResult(None, repair, (), None)
    if opened is not None:  # warnings reading object streams above count as the reader's
        opened = (opened[0], opened[1] or bool(opened[0].get_warnings()))
    pending = [br for br in pending if br not in out]
    if not pending:
        return out
    if quick:  # most later revisions add signatures or validation data, a few redraw a page: no pyHanko needed
        recognised = recognise_updates(data, [br[2] + br[3] for br in pending], ends, whole=opened)
        for br in pending:
            seen = recognised.get(br[2] + br[3])
            if isinstance(seen, Additions):
                out[br] = ChangeResult(seen.level, "", seen.fields, None)
            elif isinstance(seen, str):
                out[br] = ChangeResult(None, seen, (), None)
        pending = [br for br in pending if br not in out]
        if not pending:
            return out
    with faster_pyhanko_reading():
        try:
            reader = PdfFileReader(io.BytesIO(data), strict=True)
            embedded = {tuple(int(x) for x in e.byte_range): e for e in reader.embedded_signatures}
        except _READ_ERRORS as exc:
            out.update({br: f"the revisions after signing could not be read: {exc}" for br in pending})
            return out
        policy = _DiffPolicy(data)
        for br in pending:
            emb = embedded.get(br)
            out[br] = _analyse_one(emb, policy) if emb is not None else \
                "the revision analysis found no signature with this byte range"
            result = out[br]
            if emb is not None and isinstance(result, ChangeResult) and result.level is not None:
                shadowed = _signed_references_to_later_objects(data, br[2] + br[3], reader, emb.signed_revision)
                if shadowed:
                    out[br] = ChangeResult(None, (
                        f"the signed revision refers to object {min(shadowed)}, which it did not have and a later "
                        f"revision brings: viewers resolve the reference to the new object (pyHanko counts it as "
                        f"an orphan), so what the signed pages show may change"), (), None)
    return out


def _signed_references_to_later_objects(data: bytes, end: int, reader: PdfFileReader, signed: int) -> set[int]:
    """The object numbers that revisions after the signed one (pyHanko's revision
    ``signed``) bring, in use or as their cross-reference streams, that the signed revision
    did not have in use and yet refers to (the twenty-fourth review: a reference to
    nothing, harmless when signing, which a later revision fills; pyHanko's orphan rule
    passes such an object, and MuPDF takes a cross-reference stream's own number for the
    stream whatever its rows say)."""
    xrefs = reader.xrefs
    had: set[int] = set()
    for revision in range(signed + 1):
        section = xrefs.get_xref_data(revision)
        had |= section.standard_xrefs.keys() | section.xrefs_in_objstm.keys()
    brought: set[int] = set()
    for revision in range(signed + 1, xrefs.total_revisions):
        section = xrefs.get_xref_data(revision)
        brought |= section.standard_xrefs.keys() | section.xrefs_in_objstm.keys()
        stream = xrefs.get_xref_container_info(revision).stream_ref
        if stream is not None:
            brought.add(stream.idnum)
    return written_references(data, end, brought - had)


class _SigFlagsMayGainBits(FormUpdatingRule):  # type: ignore[misc]
    """pyHanko's form rule, except that ``/SigFlags`` in the form dictionary may gain bits
    (SignaturesExist 1, AppendOnly 2): pyHanko's writer, and Acrobat's, set it to 3 with
    every signature they add, and a first signer that wrote 1 or 2 (endesive writes its
    ``sigflags`` option there, which is also its DocMDP permission: 2 for a P=2
    certification) made pyHanko's strict comparison refuse every later signature.
    Flags that are lost, or other values, stay suspicious."""

    def __init__(self, rule: FormUpdatingRule) -> None:
        super().__init__(rule.field_rules, ACROFORM_EXEMPT_STRICT_COMPARISON | {"/SigFlags"})

    def apply(self, old: Any, new: Any) -> Any:
        old_flags, new_flags = (_sig_flags(revision) for revision in (old, new))
        gained = isinstance(new_flags, int) and new_flags in (1, 2, 3) and (
            old_flags is None or (isinstance(old_flags, int) and not old_flags & ~new_flags))
        if _NOT_READ in (old_flags, new_flags) or (old_flags != new_flags and not gained):
            raise SuspiciousModification(f"/SigFlags changed from {old_flags} to {new_flags}")
        return (yield from super().apply(old, new))


_NOT_READ = object()


def _sig_flags(revision: Any) -> Any:
    """The form dictionary's /SigFlags: a number, None when absent, the object itself when
    it is no number (compared as it is), _NOT_READ when the form cannot be read."""
    try:
        form = revision.root.get("/AcroForm")
        form = form.get_object() if form is not None else None
        if not isinstance(form, generic.DictionaryObject) or "/SigFlags" not in form:
            return None
        value = form["/SigFlags"]
        return int(value) if isinstance(value, generic.NumberObject) else value
    except _READ_ERRORS:
        return _NOT_READ


class _DiffPolicy(StandardDiffPolicy):  # type: ignore[misc]
    """pyHanko's default policy (with :class:`_SigFlagsMayGainBits`), except that the entry
    by which a revision's cross-reference stream lists its own number as free is not taken
    for an object freed, when that changes nothing any reader resolves (see
    :func:`_own_free_entry`).  iText 5 writes every cross-reference stream so; pyHanko
    refuses the freeing, and every signature followed by an iText update of a file with
    cross-reference streams failed."""

    def __init__(self, data: bytes) -> None:
        super().__init__(DEFAULT_DIFF_POLICY.global_rules, _SigFlagsMayGainBits(DEFAULT_DIFF_POLICY.form_rule))
        self.data = data

    def apply(self, old, new, field_mdp_spec=None, doc_mdp=None):  # type: ignore[no-untyped-def]
        own = _own_free_entry(self.data, new)
        if own is None:
            return super().apply(old, new, field_mdp_spec, doc_mdp)
        # pyHanko asks the revision for what it freed and wrote: the entry is left out of
        # both answers while the rules run (eagerly, inside apply), then put back
        freed, written = new.refs_freed_in_revision, new.explicit_refs_in_revision
        new.refs_freed_in_revision = lambda: freed() - {own}
        new.explicit_refs_in_revision = lambda: written() - {own}
        try:
            return super().apply(old, new, field_mdp_spec, doc_mdp)
        finally:
            del new.refs_freed_in_revision, new.explicit_refs_in_revision


_PLAIN_HEADER_RE = re.compile(rb"([0-9]+)[\x00\t\n\x0c\r ]+([0-9]+)[\x00\t\n\x0c\r ]+obj")
_MAX_OWN_ROWS = 100_000  # a cross-reference stream with more rows is left to pyHanko's policy
# /XRefStm and /Type /ObjStm, their letters perhaps escaped (#xx)
_XREFSTM_RE = re.compile(rb"/(?:X|#58)(?:R|#52)(?:e|#65)(?:f|#66)(?:S|#53)(?:t|#74)(?:m|#6[dD])(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
# /Prev and its number, its letters perhaps escaped; a reference "n g R" after it is no
# plain number (then the chain is not told)
_PREV_KEY_RE = re.compile(rb"/(?:P|#50)(?:r|#72)(?:e|#65)(?:v|#76)(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"
                          rb"[\x00\t\n\x0c\r ]*([0-9]+)(?![0-9]|[\x00\t\n\x0c\r ]+[0-9]+[\x00\t\n\x0c\r ]+R)")
_PREV_NAME_RE = re.compile(rb"/(?:P|#50)(?:r|#72)(?:e|#65)(?:v|#76)(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
_MAX_CHAIN = 1_000


def _sections(data: bytes) -> list[tuple[int, str, bytes]] | None:
    """The cross-reference sections as the last ``startxref`` and the ``/Prev`` keys chain
    them, newest first: (offset, "table" or "stream", the trailer or stream dictionary's
    bytes); None when that cannot be told from the bytes (no section where a pointer
    points, a dictionary that does not end, a /Prev that is not one plain number, a loop).
    A /Prev or /XRefStm spelled inside a string or comment of the dictionary counts (so
    two /Prev make it untold): that can only refuse."""
    last = data.rfind(b"startxref")  # the last pointer, without a pass over a large file
    pointer = _STARTXREF_RE.match(data, last) if last != -1 else None
    if pointer is None:
        pointer = next(reversed(list(_STARTXREF_RE.finditer(data))), None)
        if pointer is None:
            return None
    at = int(pointer.group(1))
    seen: set[int] = set()
    out: list[tuple[int, str, bytes]] = []
    while True:
        if at in seen or len(out) >= _MAX_CHAIN or not 0 <= at < len(data):
            return None
        seen.add(at)
        start = at + len(data[at:at + 64]) - len(data[at:at + 64].lstrip(_SECTION_SPACE))  # as qpdf, past whitespace
        if data.startswith(b"xref", start):
            trailer = data.find(b"trailer", start)
            opening = _dictionary_start(data, trailer + len(b"trailer")) if trailer != -1 else -1
            kind = "table"
        else:
            header = _PLAIN_HEADER_RE.match(data, start)
            opening = _dictionary_start(data, header.end()) if header is not None else -1
            kind = "stream"
        end = _dictionary_end(data, opening) if opening != -1 else None
        if end is None:
            return None
        window = data[opening:end]
        out.append((at, kind, window))
        names, prevs = _PREV_NAME_RE.findall(window), _PREV_KEY_RE.findall(window)
        if not names:
            return out
        if len(names) != 1 or len(prevs) != 1:
            return None
        at = int(prevs[0])


_SECTION_SPACE = b"\x00\t\n\x0c\r "
# whitespace and comments, then the dictionary's opening (a "<<" in a comment is none:
# the twenty-eighth review)
_DICTIONARY_START_RE = re.compile(rb"(?:[\x00\t\n\x0c\r ]|%[^\r\n]*)*<<")


def _dictionary_start(data: bytes, at: int) -> int:
    """Where the dictionary after ``at`` opens, whitespace and comments stepped over; -1
    when anything else comes first."""
    found = _DICTIONARY_START_RE.match(data, at)
    return found.end() - 2 if found is not None else -1


_DICTIONARY_TOKENS_RE = re.compile(rb"<<|>>|[(%<]")


def _dictionary_end(data: bytes, opening: int) -> int | None:
    """Where the dictionary opening at ``opening`` (its ``<<``) ends (after its ``>>``), as a
    PDF lexer finds it: literal strings (nested parentheses, backslash escapes), hex
    strings and comments stepped over, nested dictionaries counted; None when it does not
    end (within 1 MB)."""
    depth, at, limit = 0, opening, min(len(data), opening + (1 << 20))
    while (m := _DICTIONARY_TOKENS_RE.search(data, at, limit)) is not None:
        token, at = m.group(), m.end()
        if token == b"<<":
            depth += 1
        elif token == b">>":
            depth -= 1
            if depth == 0:
                return at
        elif token == b"%":
            line = _COMMENT_END_RE.search(data, at, limit)
            at = line.start() if line is not None else limit
        elif token == b"<":
            close = data.find(b">", at, limit)
            if close == -1:
                return None
            at = close + 1
        else:  # a literal string
            nesting = 1
            while nesting and at < limit:
                byte = data[at]
                at += 2 if byte == 0x5C else 1
                nesting += 1 if byte == 0x28 else -1 if byte == 0x29 else 0
            if nesting:
                return None
    return None


_COMMENT_END_RE = re.compile(rb"[\r\n]")


def _has_xrefstm(data: bytes, chain: list[tuple[int, str, bytes]] | None) -> bool:
    """Whether a cross-reference section's dictionary has an /XRefStm (any spelling), the
    chain as :func:`_sections` reads it; anywhere in the file when the chain cannot be
    told (text in a content stream or a string elsewhere is no key)."""
    if chain is None:
        return _XREFSTM_RE.search(data) is not None
    return any(_XREFSTM_RE.search(window) for _, _, window in chain)


_OBJECT_STREAM_TYPE_RE = re.compile(rb"/Type[\x00\t\n\x0c\r ]*/ObjStm(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")


def _own_free_entry(data: bytes, new: Any) -> generic.Reference | None:
    """The reference pyHanko reads as freed when the revision ``new``'s cross-reference
    stream lists its own number N as free for good (``N 0 65535``), if passing it over
    changes nothing: the section frees nothing else and is no hybrid; no earlier section
    has N at all (in use, in an object stream or freed), so nothing any revision wrote
    resolved N to an object (the twenty-third review freed a number an allowed revision
    had used, which every viewer then read as null while pyHanko still saw the object);
    and every row in use points at its object's plain header inside the file, every
    compressed one at an object stream placed so, since a row viewers cannot follow makes
    them repair the file and take objects no table gives (the same review).  None
    otherwise: pyHanko's policy then refuses the freeing."""
    xrefs = new.reader.xrefs
    stream = xrefs.get_xref_container_info(new.revision).stream_ref
    section = xrefs.get_xref_data(new.revision)
    if stream is None or stream.generation != 0 or section.freed != {stream.idnum: 0xFFFF} or \
            section.hybrid is not None or len(section.standard_xrefs) + len(section.xrefs_in_objstm) > _MAX_OWN_ROWS:
        return None
    earlier = [xrefs.get_xref_data(revision) for revision in range(new.revision)]
    if any(stream.idnum in s.standard_xrefs or stream.idnum in s.xrefs_in_objstm or stream.idnum in s.freed
           or s.hybrid is not None for s in earlier):
        return None
    # the stream is where its section starts, and nothing in the file (its bytes or its
    # object streams) refers to its number: MuPDF takes a stream section's own number for
    # the stream, whatever its rows say (the twenty-fourth review).  (An /XRefStm in its
    # dictionary was refused before pyHanko's analysis: _has_xrefstm.)
    start = xrefs.get_xref_container_info(new.revision).start_location
    header = _PLAIN_HEADER_RE.match(data, start) if isinstance(start, int) and 0 <= start < len(data) else None
    if header is None or header.groups() != (b"%d" % stream.idnum, b"0") or \
            written_references(data, len(data), [stream.idnum]):
        return None

    def placed(number: int, generation: int, offset: int) -> bool:
        found = _PLAIN_HEADER_RE.match(data, offset) if 0 <= offset < len(data) else None
        return found is not None and found.groups() == (b"%d" % number, b"%d" % generation)

    if not all(placed(number, generation, offset) for number, (generation, offset) in section.standard_xrefs.items()):
        return None
    # object streams: placed, and typed so (looked up once each: a million rows into a
    # thousand sections must not cost rows x sections)
    containers: dict[int, tuple[int, int]] = {}
    for older in (*earlier, section):  # later sections override earlier ones
        containers.update(older.standard_xrefs)
    for container in {ref.obj_stream_id for ref in section.xrefs_in_objstm.values()}:
        found = containers.get(container)
        if found is None or found[0] != 0 or not placed(container, 0, found[1]) or \
                not _OBJECT_STREAM_TYPE_RE.search(data, found[1], data.find(b"stream", found[1])):
            return None
    return generic.Reference(stream.idnum, 0xFFFE, pdf=new.reader)


def _analyse_one(emb: EmbeddedPdfSignature, policy: _DiffPolicy) -> ChangeResult | str:
    try:
        emb.compute_integrity_info(diff_policy=policy)
        docmdp = emb.docmdp_level
    except _READ_ERRORS as exc:
        return f"the revisions after signing could not be analysed: {exc}"
    permission = int(docmdp.value) if docmdp is not None else None
    if emb.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return ChangeResult(None, "the signature does not cover a whole revision of the file", (), permission)
    result = emb.diff_result
    if isinstance(result, DiffResult):
        changed = tuple(sorted(result.changed_form_fields))
        try:
            refilled = _refilled(emb, changed)
            overlays = _unsigned_overlays(emb, changed)
        except _READ_ERRORS as exc:
            return f"the form fields of the signed revision could not be read: {exc}"
        if overlays:
            return ChangeResult(None, f"unsigned signature field(s) {', '.join(overlays)} added after signing "
                                      "draw over the page (sneaky signature)", changed, permission)
        return ChangeResult(result.modification_level, "", changed, permission, refilled)
    return ChangeResult(None, str(result) if result is not None else "unknown changes", (), permission)


def _entry(container: Any, key: str) -> Any:
    """``container[key]`` resolved, or None (pyHanko's ``get`` does not resolve references)."""
    if not isinstance(container, generic.DictionaryObject) or key not in container:
        return None
    return container[key]


def _form_fields(root: Any) -> dict[str, tuple[Any, list[Any]]]:
    """Every terminal form field of a catalog: full name -> (field type, its dictionaries
    from the field down to its widgets)."""
    form = _entry(root, "/AcroForm")
    fields = _entry(form, "/Fields")
    found: dict[str, tuple[Any, list[Any]]] = {}
    if not isinstance(fields, generic.ArrayObject):
        return found

    def walk(node: Any, parent: str, inherited_ft: Any, depth: int) -> None:
        if depth > _MAX_FIELD_DEPTH:
            return
        obj = node.get_object()
        if not isinstance(obj, generic.DictionaryObject):
            return
        partial = _entry(obj, "/T")
        name = str(partial) if partial is not None else ""
        full = f"{parent}.{name}" if parent and name else (name or parent)
        ft = _entry(obj, "/FT") or inherited_ft
        kids = _entry(obj, "/Kids")
        named_kids = [k for k in kids if _entry(k.get_object(), "/T") is not None] if isinstance(kids, generic.ArrayObject) else []
        for kid in named_kids:
            walk(kid, full, ft, depth + 1)
        if not named_kids:
            widgets = [k.get_object() for k in kids] if isinstance(kids, generic.ArrayObject) else []
            found[full] = (ft, [obj, *widgets])

    for ref in fields:
        walk(ref, "", None, 0)
    return found


def _refilled(emb: EmbeddedPdfSignature, changed: tuple[str, ...]) -> tuple[str, ...]:
    """The changed fields that already showed a value in the signed revision.

    Filling an empty field is what form filling means; changing a value the signer saw is
    the shadow attacks' "replace" (the value or only its appearance is swapped after
    signing).  Signature fields are left to pyHanko (their /V is the signature).
    """
    if not changed:
        return ()
    signed = _form_fields(emb.reader.get_historical_root(emb.signed_revision))
    refilled = []
    for name in changed:
        ft, parts = signed.get(name, (None, []))
        value = _entry(parts[0], "/V") if parts else None
        if ft != "/Sig" and value is not None and str(value) not in ("", "/Off"):
            refilled.append(name)
    return tuple(refilled)


def _unsigned_overlays(emb: EmbeddedPdfSignature, changed: tuple[str, ...]) -> tuple[str, ...]:
    """Signature fields added or changed after signing that stay unsigned but draw something.

    A later signature's appearance is its signer's to answer for; an unsigned signature
    field answers to nobody, yet its appearance can cover the signed content (the
    "sneaky signature" attack without even a signature).
    """
    if not changed:
        return ()
    latest = _form_fields(emb.reader.root)
    overlays = []
    for name in changed:
        ft, parts = latest.get(name, (None, []))
        if ft != "/Sig" or not parts or _entry(parts[0], "/V") is not None:
            continue
        for part in parts:
            normal = _entry(_entry(part, "/AP"), "/N")
            if isinstance(normal, generic.StreamObject) and normal.data.strip():
                overlays.append(name)
                break
    return tuple(overlays)


def changes_check(result: ChangeResult | str) -> Check:
    """Turn a :class:`ChangeResult` into the ``modifications`` check of a signature.

    Allowed after an approval signature: later signatures, validation data (DSS),
    document timestamps and filling form fields; not annotations, which can change what
    the page shows (the "evil annotation" and shadow attacks).  A certification
    signature's DocMDP permission decides instead: P=1 allows only validation data and
    timestamps, P=2 form filling and signing, P=3 also annotations.
    """
    if isinstance(result, str):
        return Check.failed("modifications", SubIndication.FORMAT_FAILURE, result)
    if result.level is None:
        return Check.failed("modifications", SubIndication.MODIFIED_AFTER_SIGNING,
                            "the document was changed after signing in a way no signature permits "
                            "(see details.analysis)", analysis=result.suspicious)
    if result.refilled:
        return Check.failed("modifications", SubIndication.MODIFIED_AFTER_SIGNING,
                            f"form field(s) {', '.join(result.refilled)} showed a value when signed that was "
                            "changed later", refilled=list(result.refilled), changed_fields=list(result.changed_fields))
    allowed = ModificationLevel(result.docmdp) if result.docmdp is not None else ModificationLevel.FORM_FILLING
    details = {"level": result.level.name, "changed_fields": list(result.changed_fields)}
    if result.level.value > allowed.value:
        why = f"certification (DocMDP P={result.docmdp}) allows up to" if result.docmdp else "an approval signature allows up to"
        return Check.failed("modifications", SubIndication.MODIFIED_AFTER_SIGNING,
                            f"later revisions: {_LEVEL_WORDS[result.level]}; {why} {_LEVEL_WORDS[allowed]}", **details)
    return Check.passed("modifications", f"later revisions are allowed changes: {_LEVEL_WORDS[result.level]}", **details)
