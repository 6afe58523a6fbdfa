"""Locate PDF signatures (签名定位): every signature field, its /ByteRange and /Contents.

    >>> doc = read_pdf(data)                                      # doctest: +SKIP
    >>> [(s.field_name, s.kind, s.covers_whole_file) for s in doc.signatures]  # doctest: +SKIP
    [('Signature1', 'signature', True)]

The structure is read with qpdf (through pikepdf) with recovery off: a damaged file must
fail, not be silently repaired, because repair can hide an attack.  Byte ranges are then
checked against the raw bytes of the file, never against the parsed model.
"""

from __future__ import annotations

import binascii
import io
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pikepdf

from esealkit.errors import MalformedInput

__all__ = ["PdfDocument", "PdfLimits", "PdfSignature", "parse_pdf_date", "read_pdf", "read_pdf_open", "revision_ends"]


@dataclass(frozen=True)
class PdfLimits:
    """Resource limits for reading PDFs; a file beyond them is a FORMAT_FAILURE."""

    max_file_size: int = 512 * 1024 * 1024
    max_contents_size: int = 1024 * 1024  # decoded /Contents of one signature
    max_fields: int = 10_000
    max_field_depth: int = 32
    max_dss_stream_size: int = 16 * 1024 * 1024  # one decoded certificate, CRL or OCSP stream
    max_dss_entries: int = 10_000


DEFAULT_LIMITS = PdfLimits()


@dataclass(frozen=True)
class PdfSignature:
    """One signature dictionary found through a signature field.

    ``problems`` lists why the signature's structure is unusable (empty when it is
    sound); a signature with problems gets a FORMAT_FAILURE and nothing else is checked.
    """

    field_name: str
    kind: str  # "signature" or "timestamp" (document timestamp)
    sub_filter: str
    byte_range: tuple[int, int, int, int]
    contents: bytes
    claimed_time: datetime | None  # /M: the time the signer claims, not trusted
    reason: str | None
    docmdp_permission: int | None  # /P of a certification signature, else None
    problems: tuple[str, ...]

    @property
    def covered_end(self) -> int:
        return self.byte_range[2] + self.byte_range[3]

    def ranges(self) -> tuple[tuple[int, int], tuple[int, int]]:
        a, b, c, d = self.byte_range
        return (a, a + b), (c, c + d)


@dataclass(frozen=True)
class PdfDocument:
    """What verification needs of a PDF: its signatures and the revocation data it embeds."""

    size: int
    signatures: tuple[PdfSignature, ...]
    dss_certs: tuple[bytes, ...]
    dss_crls: tuple[bytes, ...]
    dss_ocsps: tuple[bytes, ...]
    revision_ends: tuple[int, ...]
    unreadable_objects: tuple[str, ...] = ()  # objects qpdf could not parse ("12 0"), read as null

    def covers_whole_file(self, sig: PdfSignature) -> bool:
        return sig.covered_end == self.size


_CONTENTS_KEY_RE = re.compile(rb"/Contents[\x00\t\n\x0c\r ]*\Z")
# made once: building a pikepdf name costs a microsecond or two, per field and signature
_SIG = pikepdf.Name("/Sig")
_DOC_TIMESTAMP = pikepdf.Name("/DocTimeStamp")
_DOCMDP = pikepdf.Name("/DocMDP")


_DATE_RE = re.compile(
    r"^D:(?P<Y>\d{4})(?P<m>\d{2})?(?P<d>\d{2})?(?P<H>\d{2})?(?P<M>\d{2})?(?P<S>\d{2})?"
    r"(?P<tz>Z|[+-]\d{2}'?(\d{2})?'?)?"
)


def parse_pdf_date(text: str) -> datetime | None:
    """A PDF date string (``D:YYYYMMDDHHmmSS+08'00'``) as an aware datetime, or None."""
    m = _DATE_RE.match(text.strip())
    if m is None:
        return None
    try:
        year, month, day, hour, minute, second = (
            int(m.group(k) or default) for k, default in (("Y", 0), ("m", 1), ("d", 1), ("H", 0), ("M", 0), ("S", 0))
        )
        tz_text = m.group("tz")
        tz = UTC
        if tz_text and tz_text != "Z":
            digits = tz_text.replace("'", "")
            minutes = int(digits[1:3]) * 60 + (int(digits[3:5]) if len(digits) >= 5 else 0)
            tz = timezone(timedelta(minutes=minutes if digits[0] == "+" else -minutes))
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None


def revision_ends(data: bytes) -> tuple[int, ...]:
    """Offsets just after each ``%%EOF`` marker and its end-of-line: where revisions end."""
    # bytes.find rather than a regular expression: several times faster on large files.
    ends: list[int] = []
    i = data.find(b"%%EOF")
    while i >= 0:
        end = i + 5
        if data[end : end + 2] == b"\r\n":
            end += 2
        elif data[end : end + 1] in (b"\r", b"\n"):
            end += 1
        ends.append(end)
        i = data.find(b"%%EOF", end)
    return tuple(ends)


def read_pdf(data: bytes, *, limits: PdfLimits = DEFAULT_LIMITS) -> PdfDocument:
    """Read the signatures of a PDF.  Raises :class:`MalformedInput` when the file is not
    a readable, unencrypted PDF."""
    doc, pdf, _ = read_pdf_open(data, limits=limits)
    pdf.close()
    return doc


def read_pdf_open(data: bytes, *, limits: PdfLimits = DEFAULT_LIMITS) -> tuple[PdfDocument, pikepdf.Pdf, bool]:
    """:func:`read_pdf`, leaving qpdf's reading of the file open for the caller, who closes
    it: the revision analysis reads the same file (opening it again and reading the same
    signature dictionaries would cost a fifth of its time on a small document).  Also
    says whether qpdf warned while reading: qpdf hands each warning out once.
    """
    if len(data) > limits.max_file_size:
        raise MalformedInput(f"file is larger than the limit of {limits.max_file_size} bytes")
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise MalformedInput("not a PDF file (no %PDF- header)")
    try:
        # Signatures are found through the form, not the pages: qpdf need not walk (and
        # rewrite in memory) the whole page tree at open, which costs milliseconds on a
        # long document.
        pdf = pikepdf.open(io.BytesIO(data), attempt_recovery=False, suppress_warnings=True,
                           inherit_page_attributes=False)
    except pikepdf.PasswordError as exc:
        raise MalformedInput("the PDF is encrypted; esealkit verifies only unencrypted PDFs") from exc
    except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
        raise MalformedInput(f"the PDF structure is damaged: {_qpdf_message(exc)}") from exc
    try:
        if pdf.is_encrypted:
            raise MalformedInput("the PDF is encrypted; esealkit verifies only unencrypted PDFs")
        root = pdf.Root
        docmdp_sig = _docmdp_signature(root)
        signatures = tuple(
            _read_signature(data, name, value, docmdp_sig, limits)
            for name, value in _signature_fields(root, limits)
        )
        certs, crls, ocsps = _dss(root, limits)
        warnings = [str(w) for w in pdf.get_warnings()]
        # qpdf reads an object it cannot parse as null and only warns: such an object
        # may have been a signature, so the document must say so.
        unreadable = sorted({f"{m[0]} {m[1]}" for w in warnings for m in re.findall(r"\(object (\d+) (\d+),", w)
                             if any(says in w for says in _UNREADABLE)})
    except MalformedInput:
        pdf.close()
        raise
    except (pikepdf.PdfError, ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
        pdf.close()
        raise MalformedInput(f"the PDF structure is damaged: {_qpdf_message(exc)}") from exc
    except BaseException:
        pdf.close()
        raise
    doc = PdfDocument(
        size=len(data),
        signatures=signatures,
        dss_certs=certs,
        dss_crls=crls,
        dss_ocsps=ocsps,
        revision_ends=revision_ends(data),
        unreadable_objects=tuple(unreadable),
    )
    return doc, pdf, bool(warnings)


# how qpdf's warnings say it read an object as null (qpdf 11 and 12 word it differently)
_UNREADABLE = ("reading object", "giving up", "treating object as null")


def _qpdf_message(exc: BaseException) -> str:
    """qpdf's message without the in-memory stream's repr it names the file by."""
    return re.sub(r"(stream )?<_io\.BytesIO object at 0x[0-9a-f]+>:?\s*", "", str(exc)).strip() or type(exc).__name__


def _signature_fields(root: Any, limits: PdfLimits) -> list[tuple[str, Any]]:
    """(full field name, /V dictionary) of every signed signature field, in field order."""
    acroform = root.get("/AcroForm")
    if not isinstance(acroform, pikepdf.Dictionary):
        return []
    fields = acroform.get("/Fields")
    if not isinstance(fields, pikepdf.Array):
        return []
    found: list[tuple[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    count = 0

    def walk(node: Any, parent_name: str, inherited_ft: Any, depth: int) -> None:
        nonlocal count
        if depth > limits.max_field_depth:
            raise MalformedInput("form fields are nested too deeply")
        if not isinstance(node, pikepdf.Dictionary):
            return
        if node.is_indirect:
            if node.objgen in seen:
                return  # a cycle or a field listed twice
            seen.add(node.objgen)
        count += 1
        if count > limits.max_fields:
            raise MalformedInput(f"more than {limits.max_fields} form fields")
        partial = node.get("/T")
        name = str(partial) if partial is not None else ""
        full = f"{parent_name}.{name}" if parent_name and name else (name or parent_name)
        ft = node.get("/FT", inherited_ft)
        kids = node.get("/Kids")
        if isinstance(kids, pikepdf.Array):
            for kid in kids:
                walk(kid, full, ft, depth + 1)
        if ft == _SIG and "/V" in node:
            # A /V that is not a dictionary is a damaged signature: report it, never drop it.
            found.append((full or f"(unnamed field {len(found) + 1})", node.get("/V")))

    for f in fields:
        walk(f, "", None, 0)
    return found


def _docmdp_signature(root: Any) -> Any:
    perms = root.get("/Perms")
    if isinstance(perms, pikepdf.Dictionary):
        sig = perms.get("/DocMDP")
        if isinstance(sig, pikepdf.Dictionary):
            return sig
    return None


def _docmdp_permission(value: Any) -> int | None:
    refs = value.get("/Reference")
    if not isinstance(refs, pikepdf.Array):
        return None
    for ref in refs:
        if isinstance(ref, pikepdf.Dictionary) and ref.get("/TransformMethod") == _DOCMDP:
            params = ref.get("/TransformParams")
            p = params.get("/P", 2) if isinstance(params, pikepdf.Dictionary) else 2
            return int(p) if int(p) in (1, 2, 3) else 2
    return None


def _read_signature(data: bytes, name: str, value: Any, docmdp_sig: Any, limits: PdfLimits) -> PdfSignature:
    problems: list[str] = []
    if not isinstance(value, pikepdf.Dictionary):
        return PdfSignature(field_name=name, kind="signature", sub_filter="", byte_range=(0, 0, 0, 0), contents=b"",
                            claimed_time=None, reason=None, docmdp_permission=None,
                            problems=("the signature value (/V) is not a dictionary",))
    sig_type = value.get("/Type")
    sub_filter = str(value.get("/SubFilter", "")).lstrip("/")
    kind = "timestamp" if sig_type == _DOC_TIMESTAMP or sub_filter == "ETSI.RFC3161" else "signature"
    byte_range = _byte_range(value.get("/ByteRange"), problems)
    contents = b""
    if not problems:
        contents = _contents(data, value, byte_range, problems, limits)
    permission = None
    if docmdp_sig is not None and value.is_indirect and docmdp_sig.is_indirect and docmdp_sig.objgen == value.objgen:
        permission = _docmdp_permission(value)
    m = value.get("/M")
    reason = value.get("/Reason")
    return PdfSignature(
        field_name=name,
        kind=kind,
        sub_filter=sub_filter,
        byte_range=byte_range,
        contents=contents,
        claimed_time=parse_pdf_date(str(m)) if m is not None else None,
        reason=str(reason) if reason is not None else None,
        docmdp_permission=permission,
        problems=tuple(problems),
    )


def _byte_range(raw: Any, problems: list[str]) -> tuple[int, int, int, int]:
    if raw is None:
        problems.append("the signature has no /ByteRange")
        return (0, 0, 0, 0)
    if not isinstance(raw, pikepdf.Array) or len(raw) != 4:
        problems.append("/ByteRange must be an array of exactly four integers (two ranges)")
        return (0, 0, 0, 0)
    values: list[int] = []
    for item in raw:
        if not isinstance(item, int) or isinstance(item, bool):  # pikepdf gives integers as int; reals, names, refs are refused
            problems.append("/ByteRange holds a value that is not an integer")
            return (0, 0, 0, 0)
        values.append(item)
    a, b, c, d = values
    return (a, b, c, d)


def _contents(data: bytes, value: Any, br: tuple[int, int, int, int], problems: list[str], limits: PdfLimits) -> bytes:
    a, b, c, d = br
    size = len(data)
    if a != 0:
        problems.append("/ByteRange does not start at offset 0")
    if min(b, c, d) < 0:
        problems.append("/ByteRange holds a negative value")
    if c <= b + 1:
        problems.append("/ByteRange ranges overlap or leave no room for /Contents")
    if c + d > size:
        problems.append("/ByteRange points past the end of the file")
    if problems:
        return b""
    if (c - b - 2) > 2 * limits.max_contents_size:
        problems.append(f"/Contents is larger than the limit of {limits.max_contents_size} bytes")
        return b""
    if data[b : b + 1] != b"<" or data[c - 1 : c] != b">":
        problems.append("the gap in /ByteRange is not a hex string")
        return b""
    try:
        # unhexlify accepts exactly an even number of hex digits and nothing else (not even
        # whitespace): the gap must be one unbroken hex string.  Several times faster than
        # a regular expression over the (often 10-20 KB) gap.
        gap = binascii.unhexlify(data[b + 1 : c - 1])
    except binascii.Error:
        problems.append("the gap in /ByteRange is not a well-formed hex string")
        return b""
    if _CONTENTS_KEY_RE.search(data, max(0, b - 64), b) is None:
        problems.append("the gap in /ByteRange is not the value of a /Contents key")
        return b""
    raw_contents = value.get("/Contents")
    if raw_contents is None:
        problems.append("the signature has no /Contents")
        return b""
    if not isinstance(raw_contents, pikepdf.String):
        problems.append("/Contents is not a string")
        return b""
    contents = bytes(raw_contents)
    if contents != gap:
        problems.append("the gap in /ByteRange is not this signature's /Contents")
        return b""
    if not contents.lstrip(b"\x00"):  # returns at once unless /Contents starts with a zero byte
        problems.append("/Contents is empty")
        return b""
    return contents


def _dss(root: Any, limits: PdfLimits) -> tuple[tuple[bytes, ...], tuple[bytes, ...], tuple[bytes, ...]]:
    dss = root.get("/DSS")
    if not isinstance(dss, pikepdf.Dictionary):
        return (), (), ()

    def streams(key: str) -> tuple[bytes, ...]:
        arr = dss.get(key)
        if not isinstance(arr, pikepdf.Array):
            return ()
        if len(arr) > limits.max_dss_entries:
            raise MalformedInput(f"/DSS {key} has more than the limit of {limits.max_dss_entries} entries")
        return tuple(_bounded_stream(s, limits.max_dss_stream_size) for s in arr if isinstance(s, pikepdf.Stream))

    return streams("/Certs"), streams("/CRLs"), streams("/OCSPs")


def _bounded_stream(stream: pikepdf.Stream, limit: int) -> bytes:
    """A stream's decoded bytes, decoding at most ``limit`` bytes: a compression bomb stops
    at the limit instead of filling memory.  Only unfiltered and Flate streams (what DSS
    writers use) are accepted."""
    raw = bytes(stream.read_raw_bytes())
    filters = stream.get("/Filter")
    if filters is None:
        data = raw
    elif filters == pikepdf.Name.FlateDecode or (
        isinstance(filters, pikepdf.Array) and len(filters) == 1 and filters[0] == pikepdf.Name.FlateDecode
    ):
        if stream.get("/DecodeParms") is not None:
            raise MalformedInput("a /DSS stream uses Flate with predictor parameters, which DSS data never needs")
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(raw, limit + 1)
        except zlib.error as exc:
            raise MalformedInput(f"a /DSS stream does not decompress: {exc}") from exc
    else:
        raise MalformedInput(f"a /DSS stream uses the filter {filters}, which esealkit does not decode there")
    if len(data) > limit:
        raise MalformedInput(f"a /DSS stream is larger than the limit of {limit} bytes once decoded")
    return data
