"""The recogniser of revisions that only add signatures never says more than pyHanko.

Two kinds of tests: real documents signed several times (and changed in other ways), where
whatever the recogniser accepts must be exactly pyHanko's verdict; and hand-written
incremental updates that look like an added signature but also do one other thing, which
the recogniser must decline (pyHanko then decides).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from typing import NamedTuple

import pikepdf
import pytest
from asn1crypto import cms as asn1_cms
from pyhanko.sign.diff_analysis import ModificationLevel

from esealkit.pdf.changes import ChangeResult, analyse_changes
from esealkit.pdf.reader import read_pdf, read_pdf_open, revision_ends
from esealkit.pdf.seal import _add_dss
from esealkit.pdf.sign import sign_pdf, timestamp_pdf
from esealkit.pdf.signing_updates import Additions, recognise_updates
from esealkit.report import Indication
from esealkit.testing import add_annotation, add_page_text, simple_pdf, timestamper

# ---------------------------------------------------------------- real signers, both analyses


def _sign(pki, pdf: bytes, name: str, kind: str = "ecdsa-p256", **kwargs) -> bytes:
    signer = pki.signers[kind]
    return sign_pdf(pdf, key=signer.key, cert_der=signer.der, chain=pki.chain, field_name=name, **kwargs)


def _both(data: bytes) -> tuple[dict, dict]:
    doc = read_pdf(data)
    ranges = [s.byte_range for s in doc.signatures if not doc.covers_whole_file(s)]
    return analyse_changes(data, ranges), analyse_changes(data, ranges, quick=False)


def _shapes(pki) -> dict[str, bytes]:
    base = simple_pdf(["Contract", "Amount: 1000 CNY"], title="contract")
    one = _sign(pki, base, "Signature1", "rsa")
    two = _sign(pki, one, "Signature2")
    return {
        "second signature": two,
        "third signature": _sign(pki, two, "Signature3", "rsa"),
        "visible second signature": _sign(pki, one, "Visible", box=(50, 50, 250, 120)),
        "second signature on page 2": _sign(pki, _sign(pki, simple_pdf(["a"], pages=2), "A"), "B", page=1),
        "text drawn after signing": add_page_text(one, "PAID"),
        "annotation after signing": add_annotation(one, "PAID"),
        "text drawn, then signed": _sign(pki, add_page_text(one, "PAID"), "Signature2"),
        "signed, then annotated": add_annotation(two, "VOID"),
        "certified, then signed": _sign(pki, _sign(pki, base, "Cert", certify=2), "Signature2"),
        "object streams, second signature": _sign(pki, _sign(pki, _with_object_streams(base), "A"), "B"),
        "object streams, text drawn": add_page_text(_sign(pki, _with_object_streams(base), "A"), "PAID"),
        # PAdES B-LT and B-LTA: validation data and document timestamps after the signature
        "validation data": _dss(pki, one),
        "document timestamp": _timestamp(pki, one),
        "validation data, then document timestamp": _timestamp(pki, _dss(pki, one)),
        "document timestamp, then second signature": _sign(pki, _timestamp(pki, one), "Signature2"),
        "validation data twice": _dss(pki, _timestamp(pki, _dss(pki, one))),
    }


def _dss(pki, pdf: bytes) -> bytes:
    signer = pki.signers["ecdsa-p256"]
    return _add_dss(pdf, [signer.der, *pki.chain], list(pki.crls()), [])


def _timestamp(pki, pdf: bytes) -> bytes:
    return timestamp_pdf(pdf, timestamper=timestamper(pki.tsa, chain=pki.chain))


def _with_object_streams(pdf: bytes) -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        doc.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


@pytest.fixture(scope="module")
def shapes(pki) -> dict[str, bytes]:
    return _shapes(pki)


@pytest.mark.parametrize("shape", [
    "second signature", "third signature", "visible second signature", "second signature on page 2",
    "text drawn after signing", "annotation after signing", "text drawn, then signed", "signed, then annotated",
    "certified, then signed", "object streams, second signature", "object streams, text drawn",
    "validation data", "document timestamp", "validation data, then document timestamp",
    "document timestamp, then second signature", "validation data twice",
])
def test_quick_verdict_is_pyhankos(shapes, shape):
    quick, full = _both(shapes[shape])
    assert quick.keys() == full.keys() and quick
    assert {br: _verdict(r) for br, r in quick.items()} == {br: _verdict(r) for br, r in full.items()}


def _verdict(result: ChangeResult | str) -> object:
    """All of a result but the words explaining a refusal (pyHanko's are its own)."""
    if isinstance(result, str):
        return result
    return (result.level, bool(result.suspicious), result.changed_fields, result.docmdp, result.refilled)


@pytest.mark.parametrize(("shape", "recognised", "level"), [
    ("second signature", {"Signature2"}, ModificationLevel.FORM_FILLING),
    ("third signature", {"Signature2", "Signature3"}, ModificationLevel.FORM_FILLING),
    ("visible second signature", {"Visible"}, ModificationLevel.FORM_FILLING),
    ("second signature on page 2", {"B"}, ModificationLevel.FORM_FILLING),
    # (not "object streams, second signature": when the second signer rewrites Info or the
    # XMP metadata, whether anything else in the compressed objects uses them is not in
    # view, so the recogniser leaves it to pyHanko; whether it does depends on the clock)
    ("validation data", set(), ModificationLevel.LTA_UPDATES),
    ("document timestamp", set(), ModificationLevel.LTA_UPDATES),
    ("validation data, then document timestamp", set(), ModificationLevel.LTA_UPDATES),
    ("document timestamp, then second signature", {"Signature2"}, ModificationLevel.FORM_FILLING),
    ("validation data twice", set(), ModificationLevel.LTA_UPDATES),
])
def test_signature_additions_are_recognised(shapes, shape, recognised, level):
    data = shapes[shape]
    doc = read_pdf(data)
    ends = [s.covered_end for s in doc.signatures if not doc.covers_whole_file(s)]
    found = recognise_updates(data, ends, revision_ends(data))[min(ends)]
    assert isinstance(found, Additions) and set(found.fields) == recognised and found.level is level


@pytest.mark.parametrize("shape", ["text drawn after signing", "text drawn, then signed", "object streams, text drawn"])
def test_redrawn_pages_are_refused(shapes, shape):
    data = shapes[shape]
    first = read_pdf(data).signatures[0]
    found = recognise_updates(data, [first.covered_end], revision_ends(data))[first.covered_end]
    assert isinstance(found, str) and "page" in found and "after signing" in found


@pytest.mark.parametrize("shape", ["annotation after signing", "signed, then annotated", "certified, then signed"])
def test_other_changes_are_left_to_pyhanko(shapes, shape):
    data = shapes[shape]
    first = read_pdf(data).signatures[0]
    assert recognise_updates(data, [first.covered_end], revision_ends(data)) == {first.covered_end: None}


def test_signature_additions_are_form_filling(shapes):
    data = shapes["third signature"]
    first = read_pdf(data).signatures[0]
    result = analyse_changes(data, [first.byte_range])[first.byte_range]
    assert result == ChangeResult(ModificationLevel.FORM_FILLING, "", ("Signature2", "Signature3"), None)


# ------------------------------------------------ hand-written updates: one thing too many

# a CMS SignedData that pyHanko loads (it reads every signature of a file when it analyses
# any), not signed by anyone: a stand-in for a late signature's value
_DUMMY_CONTENTS = b"<%s>" % asn1_cms.ContentInfo({
    "content_type": "signed_data",
    "content": asn1_cms.SignedData({
        "version": "v1", "digest_algorithms": [{"algorithm": "sha256"}], "encap_content_info": {"content_type": "data"},
        "signer_infos": [asn1_cms.SignerInfo({
            "version": "v3", "sid": asn1_cms.SignerIdentifier({"subject_key_identifier": bytes(20)}),
            "digest_algorithm": {"algorithm": "sha256"}, "signature_algorithm": {"algorithm": "rsassa_pkcs1v15"},
            "signature": bytes(8)})]})}).dump().hex().encode()
_SIG = (b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 0 0 0] /Contents %s >>"
        % _DUMMY_CONTENTS)


def _written(pdf: bytes, objects: dict[int, bytes]) -> tuple[bytearray, dict[int, int], int]:
    """``pdf`` with ``objects`` written after it (an update without its cross-reference
    section yet), where each object is, and where the last cross-reference section was."""
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    out = bytearray(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    offsets = {}
    for number, body in sorted(objects.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    return out, offsets, prev


def _update(pdf: bytes, objects: dict[int, bytes], *, free: tuple[int, ...] = ()) -> bytes:
    """``pdf`` with an incremental update (classic cross-reference table) that (re)defines
    ``objects`` and frees the object numbers in ``free``."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        trailer = doc.trailer
        root, size = trailer.Root.objgen[0], int(trailer.Size)
        info = trailer.get("/Info")
        info_ref = b" /Info %d 0 R" % info.objgen[0] if info is not None else b""
    out, offsets, prev = _written(pdf, objects)
    xref = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for number in sorted([*offsets, *free]):
        line = b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 00001 f \n"
        out += b"%d 1\n" % number + line
    size = max([size, *(n + 1 for n in objects)])
    out += b"trailer\n<< /Size %d /Root %d 0 R%s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, info_ref, prev, xref)
    return bytes(out)


class _Signed:
    """A signed one-page document and the numbers of its objects."""

    def __init__(self, pdf: bytes):
        self.pdf = pdf
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            self.size = int(doc.trailer.Size)
            self.catalog = doc.Root.objgen[0]
            form = doc.Root.AcroForm
            assert form.is_indirect, "pyHanko keeps the form in its own object"
            self.form = form.objgen[0]
            self.form_text = bytes(form.unparse(resolved=True))
            page = doc.pages[0].obj
            self.page = page.objgen[0]
            self.page_text = bytes(page.unparse(resolved=True))
            annots = page.get("/Annots")
            # pyHanko keeps a page's /Annots in an array object of its own
            self.annots = annots.objgen[0] if annots is not None and annots.is_indirect else None
            self.annots_text = bytes(annots.unparse(resolved=True)) if self.annots else b""
            self.catalog_text = bytes(doc.Root.unparse(resolved=True))

    def honest(self, field_extra: bytes = b"", value: bytes = _SIG, name: bytes = b"Late") -> dict[int, bytes]:
        """The objects of an update that adds one signed signature field, as a signer does."""
        field, sig = self.size, self.size + 1
        return {
            field: b"<< /FT /Sig /T (%s) /V %d 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 /P %d 0 R%s >>"
                   % (name, sig, self.page, field_extra),
            sig: value,
            self.form: self.form_text.replace(b"] ", b" %d 0 R] " % field, 1),
            **({self.annots: self.annots_text.replace(b"]", b" %d 0 R ]" % field)} if self.annots else
               {self.page: _with_annot(self.page_text, field)}),
        }


class _Page(NamedTuple):
    number: int  # the first page's object
    contents: int  # its content stream's
    size: int  # the trailer's /Size: the next free number
    info: int  # the Info dictionary's
    text: bytes  # the page dictionary, serialised
    drawing: bytes  # the content stream's data


def _first_page(pdf: bytes) -> _Page:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0].obj
        return _Page(page.objgen[0], page.Contents.objgen[0], int(doc.trailer.Size), doc.trailer.Info.objgen[0],
                     bytes(page.unparse(resolved=True)), bytes(page.Contents.read_bytes()))


def _with_annot(page_text: bytes, ref: int) -> bytes:
    if b"/Annots [" in page_text:
        return re.sub(rb"/Annots \[([^\]]*)\]", lambda m: m.group(0)[:-1] + b" %d 0 R ]" % ref, page_text, count=1)
    return page_text.replace(b"<<", b"<< /Annots [ %d 0 R ]" % ref, 1)


@pytest.fixture(scope="module")
def signed(pki) -> _Signed:
    return _Signed(_sign(pki, simple_pdf(["Contract"], title="contract"), "Signature1"))


def _recognised(signed: _Signed, objects: dict[int, bytes], **kwargs) -> tuple[str, ...] | None:
    """The fields the recogniser says ``objects`` add to ``signed``, or None when it declines."""
    data = _update(signed.pdf, objects, **kwargs)
    end = revision_ends(signed.pdf)[-1]
    assert end in revision_ends(data)
    found = recognise_updates(data, [end], revision_ends(data))[end]
    assert not isinstance(found, str)
    return found.fields if found is not None else None


def test_hand_written_signature_update_is_recognised(signed):
    assert _recognised(signed, signed.honest()) == ("Late",)


def test_info_dictionary_update_is_allowed(signed):
    objects = signed.honest()
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        info = doc.trailer.Info.objgen[0]
    objects[info] = b"<< /Producer (another signer) /ModDate (D:20260101000000Z) >>"
    assert _recognised(signed, objects) == ("Late",)


def test_declines_a_change_to_the_page_content(signed):
    objects = signed.honest()
    objects[signed.page] = signed.page_text.replace(b"/MediaBox", b"/Rotate 90 /MediaBox", 1)
    assert _recognised(signed, objects) is None


def test_declines_a_new_catalog_action(signed):
    objects = signed.honest()
    objects[signed.catalog] = signed.catalog_text.replace(b"<<", b"<< /OpenAction [ %d 0 R /Fit ]" % signed.page, 1)
    assert _recognised(signed, objects) is None


def test_declines_an_orphan_object(signed):
    objects = signed.honest()
    objects[signed.size + 2] = b"<< /Length 0 >>\nstream\n\nendstream"
    assert _recognised(signed, objects) is None


@pytest.mark.parametrize("spelling", [b"%d 0 R", b"%d 0 %%comment\n R", b"00%d\n0\r\nR", b"+%d +0 R", b"%d -0 R",
                                      b"%d 1 R"])  # (readers that ignore the generation find it too)
def test_declines_a_new_object_an_earlier_one_already_referred_to(pki, spelling):
    # Before signing, the page draws a content stream that does not exist (null: nothing);
    # an update that only adds a signature must not also bring that stream to life.
    base = simple_pdf(["Contract"], title="contract")
    with pikepdf.open(io.BytesIO(base)) as doc:
        page = doc.pages[0].obj
        number, contents = page.objgen[0], page.Contents.objgen[0]
        size = int(doc.trailer.Size)
        text = bytes(page.unparse(resolved=True))
    array, dangling = size, size + 40  # in an array object of its own, which the signer does not rewrite
    text = text.replace(b"/Contents %d 0 R" % contents, b"/Contents %d 0 R" % array)
    base = _update(base, {number: text, array: b"[ %d 0 R " % contents + spelling % dangling + b" ]"})
    signed = _Signed(_sign(pki, base, "Signature1"))
    stream = b"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Length 26 >>\nstream\nBT 72 700 Td (VOID) Tj ET\nendstream"
    # not under the number the signed page already drew, nor under a fresh one: a signed
    # revision with a reference to nothing makes poppler and Ghostscript rebuild its
    # cross-reference by scanning the file (see test_a_signed_revision_referring_to_nothing_declines)
    for number in (dangling, signed.size + 2):
        objects = {**signed.honest(b" /AP << /N %d 0 R >>" % number), number: stream}
        assert _recognised(signed, objects) is None


def test_declines_a_new_object_an_earlier_one_in_an_object_stream_already_referred_to(pki):
    # The same, with the dangling reference inside a compressed object: qpdf reads it as
    # null and has nothing to show for it; the object stream's decoded bytes do.
    base = simple_pdf(["Contract"], title="contract")
    number, contents, size, _, text, _ = _first_page(base)
    array, stm, dangling = size, size + 1, size + 40
    text = text.replace(b"/Contents %d 0 R" % contents, b"/Contents %d 0 R" % array)
    body = b"[ %d 0 R %d 0 R ]" % (contents, dangling)
    head = b"%d 0 " % array
    data = head + body
    stream = b"<< /Type /ObjStm /N 1 /First %d /Length %d >>\nstream\n%s\nendstream" % (len(head), len(data), data)
    unsigned = _xref_stream_update(base, {number: text, stm: stream}, {array: (stm, 0)})
    with pikepdf.open(io.BytesIO(unsigned)) as doc:
        assert doc.get_object((array, 0))[1] is None  # the dangling reference: null
    signed = _Signed(_sign(pki, unsigned, "Signature1"))
    xobject = b"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Length 26 >>\nstream\nBT 72 700 Td (VOID) Tj ET\nendstream"
    # under the number the signed page drew or a fresh one: the reference to nothing, in an
    # object stream too, makes poppler rebuild the cross-reference (a sixteenth review
    # found it passed there while the same reference outside object streams declined)
    for number in (dangling, signed.size + 2):
        assert _recognised(signed, {**signed.honest(b" /AP << /N %d 0 R >>" % number), number: xobject}) is None


def test_declines_a_freed_object(signed):
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        info = doc.trailer.Info.objgen[0]
    assert _recognised(signed, signed.honest(), free=(info,)) is None


@pytest.mark.parametrize(("what", "field_extra", "value"), [
    ("a field with kids", b" /Kids [ 1 0 R ]", _SIG),
    ("a locked field", b" /Lock << /Action /All >>", _SIG),
    ("a value that is not a signature", b"", b"<< /Type /Annot >>"),
    ("a signature with a DocMDP transform", b"", _SIG.replace(b"/Type /Sig", b"/Type /Sig /Reference []")),
])
def test_declines_a_field_that_is_more_than_a_signature(signed, what, field_extra, value):
    assert _recognised(signed, signed.honest(field_extra, value)) is None, what


def test_declines_an_unsigned_signature_field(signed):
    objects = signed.honest()
    field = signed.size
    objects[field] = re.sub(rb" /V \d+ 0 R", b"", objects[field])
    del objects[signed.size + 1]
    assert _recognised(signed, objects) is None


def test_declines_a_field_name_used_twice(signed):
    assert _recognised(signed, signed.honest(name=b"Signature1")) is None


def test_declines_a_widget_put_on_another_page_than_its_own(pki):
    signed = _Signed(_sign(pki, simple_pdf(["a"], pages=2), "Signature1"))
    objects = signed.honest()
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        other = doc.pages[1].obj.objgen[0]
    objects[signed.size] = objects[signed.size].replace(b"/P %d 0 R" % signed.page, b"/P %d 0 R" % other)
    assert _recognised(signed, objects) is None


def _metadata(signed: _Signed) -> int:
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        return doc.Root.Metadata.objgen[0]  # pyHanko writes XMP metadata when it signs


def _xmp(body: bytes) -> bytes:
    return b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream" % (len(body), body)


def test_accepts_xmp_metadata_rewritten_in_place_as_pyhanko_does(signed):
    objects = signed.honest()
    objects[_metadata(signed)] = _xmp(b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><later/></x:xmpmeta>')
    assert _recognised(signed, objects) == ("Late",)


@pytest.mark.parametrize("body", [
    b"not xml!!",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&e;</x:xmpmeta>',
    b"<html/>",
])
def test_declines_metadata_that_is_not_plain_xmp(signed, body):
    objects = signed.honest()
    objects[_metadata(signed)] = _xmp(body)
    assert _recognised(signed, objects) is None


def test_declines_metadata_replaced_by_a_new_object(signed):
    objects = signed.honest()
    meta = signed.size + 2
    objects[meta] = _xmp(b'<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>')
    objects[signed.catalog] = signed.catalog_text.replace(b"/Metadata %d 0 R" % _metadata(signed), b"/Metadata %d 0 R" % meta)
    assert _recognised(signed, objects) is None


def test_damaged_later_revision_is_left_to_pyhanko(signed):
    data = _update(signed.pdf, signed.honest())
    broken = data[: data.rindex(b"\nxref\n")] + b"\nxref\n0 1\ngarbage\n" + data[data.rindex(b"trailer"):]
    end = revision_ends(signed.pdf)[-1]
    assert recognise_updates(broken, [end], revision_ends(broken)) == {end: None}


def test_hand_written_updates_it_accepts_pyhanko_accepts_too(signed):
    info_update = signed.honest()
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        info_update[doc.trailer.Info.objgen[0]] = b"<< /Producer (another signer) >>"
    xmp_update = signed.honest()
    xmp_update[_metadata(signed)] = _xmp(b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><later/></x:xmpmeta>')
    first_signature = read_pdf(signed.pdf).signatures[0]
    first = first_signature.byte_range
    # pyHanko parses every signature's CMS: the late one borrows the first one's
    late = _SIG.replace(_DUMMY_CONTENTS, b"<" + first_signature.contents.hex().encode() + b">").replace(b"[0 0 0 0]", b"[0 1 2 1]")
    for objects in (signed.honest(), info_update, xmp_update):
        data = _update(signed.pdf, {**objects, signed.size + 1: late})
        quick = analyse_changes(data, [first])[first]
        assert quick == ChangeResult(ModificationLevel.FORM_FILLING, "", ("Late",), None)
        assert analyse_changes(data, [first], quick=False)[first] == quick


def test_a_content_stream_rewritten_in_place_is_refused(signed):
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        contents = doc.pages[0].obj.Contents.objgen[0]
    drawn = b"BT /F1 40 Tf 72 400 Td (VOID) Tj ET"
    objects = {contents: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(drawn), drawn)}
    data = _update(signed.pdf, objects)
    end = revision_ends(signed.pdf)[-1]
    found = recognise_updates(data, [end], revision_ends(data))[end]
    assert isinstance(found, str) and "content stream of page 1" in found
    first = read_pdf(signed.pdf).signatures[0].byte_range
    assert analyse_changes(data, [first], quick=False)[first].level is None  # pyHanko refuses it too


def _with_dss(signed: _Signed, dss: bytes, extra: dict[int, bytes]) -> dict[int, bytes]:
    number = signed.size + 10
    return {number: dss, **extra,
            signed.catalog: signed.catalog_text.replace(b"<<", b"<< /DSS %d 0 R" % number, 1)}


def test_new_validation_data_is_recognised(signed):
    cert = signed.size + 11
    objects = _with_dss(signed, b"<< /Certs [ %d 0 R ] >>" % cert, {cert: b"<< /Length 3 >>\nstream\nabc\nendstream"})
    data = _update(signed.pdf, objects)
    end = revision_ends(signed.pdf)[-1]
    assert recognise_updates(data, [end], revision_ends(data))[end] == Additions(ModificationLevel.LTA_UPDATES, ())


_STREAM = b"<< /Length 3 >>\nstream\nabc\nendstream"


def _with_a_dss(signed: _Signed) -> tuple[bytes, int, int]:
    """``signed`` with a DSS (holding one certificate) added after the signature; the DSS's
    number and the certificate's."""
    dss, cert = signed.size + 10, signed.size + 11
    return _update(signed.pdf, _with_dss(signed, b"<< /Certs [ %d 0 R ] >>" % cert, {cert: _STREAM})), dss, cert


def _extended(signed: _Signed, dss_text: bytes, extra: dict[int, bytes]) -> Additions | str | None:
    """What the recogniser says of ``signed``, a DSS added, then the DSS rewritten as
    ``dss_text`` (``%(cert)d``: the first certificate, ``%(new)d``/``%(other)d``: new
    objects, ``%(page)d``: the page) with the ``extra`` new objects."""
    base, dss, cert = _with_a_dss(signed)
    numbers = {b"cert": cert, b"new": signed.size + 20, b"other": signed.size + 21, b"page": signed.page}
    data = _update(base, {dss: dss_text % numbers, **{numbers[k]: v for k, v in extra.items()}})
    end = revision_ends(signed.pdf)[-1]
    return recognise_updates(data, [end], revision_ends(data))[end]


def test_validation_data_appended_to_the_dss_is_recognised(signed):
    # a second signer making its signature long-term (B-LT) adds to the DSS there is
    found = _extended(signed, b"<< /Certs [ %(cert)d 0 R %(new)d 0 R ] /CRLs [ %(other)d 0 R ] >>",
                      {b"new": _STREAM, b"other": _STREAM})
    assert found == Additions(ModificationLevel.LTA_UPDATES, ())


@pytest.mark.parametrize(("what", "dss_text", "extra"), [
    ("an earlier item dropped", b"<< /Certs [ %(new)d 0 R ] >>", {b"new": _STREAM}),
    ("items reordered", b"<< /Certs [ %(new)d 0 R %(cert)d 0 R ] >>", {b"new": _STREAM}),
    ("an earlier object appended", b"<< /Certs [ %(cert)d 0 R %(page)d 0 R ] >>", {}),
    ("a dictionary appended", b"<< /Certs [ %(cert)d 0 R %(new)d 0 R ] >>", {b"new": b"<< /A 1 >>"}),
    ("per-signature VRI entries", b"<< /Certs [ %(cert)d 0 R %(new)d 0 R ] /VRI << >> >>", {b"new": _STREAM}),
    ("a list dropped", b"<< /CRLs [ %(new)d 0 R ] >>", {b"new": _STREAM}),
    ("nothing added", b"<< /Certs [ %(cert)d 0 R ] /Type /DSS >>", {}),
])
def test_declines_a_dss_changed_otherwise(signed, what, dss_text, extra):
    assert _extended(signed, dss_text, extra) is None, what


def _signed_with_a_dss_and(pki, tweak) -> _Signed:
    """A document with a DSS (one certificate stream), changed by ``tweak(doc, dss)``
    before it is signed."""
    with pikepdf.open(io.BytesIO(simple_pdf(["Contract"], title="contract"))) as doc:
        dss = doc.make_indirect(pikepdf.Dictionary(Certs=pikepdf.Array([doc.make_stream(b"abc")])))
        doc.Root.DSS = dss
        tweak(doc, dss)
        out = io.BytesIO()
        doc.save(out)
    return _Signed(_sign(pki, out.getvalue(), "Signature1"))


def _with_more_in_the_dss(signed: _Signed) -> bytes:
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        dss, kept = doc.Root.DSS.objgen[0], [item.objgen[0] for item in doc.Root.DSS.Certs]
    new = signed.size + 20
    text = b"<< /Certs [ " + b" ".join(b"%d 0 R" % k for k in kept) + b" %d 0 R ] >>" % new
    return _update(signed.pdf, {dss: text, new: _STREAM})


@pytest.mark.parametrize(("what", "tweak"), [
    ("nested in a catalog entry", lambda doc, dss: setattr(doc.Root, "Foo", pikepdf.Dictionary(DSS=dss))),
    ("after its name in an array", lambda doc, dss: setattr(doc.Root, "Foo", pikepdf.Array([pikepdf.Name.DSS, dss]))),
    ("a page's /DSS", lambda doc, dss: setattr(doc.pages[0].obj, "DSS", dss)),
    ("a page's marked-content properties", lambda doc, dss: setattr(
        doc.pages[0].obj.Resources, "Properties", pikepdf.Dictionary(DSS=dss))),
    ("a kept item that is not a stream", lambda doc, dss: setattr(dss, "Certs", pikepdf.Array([doc.pages[0].obj]))),
])
def test_more_validation_data_in_a_dss_used_otherwise_is_declined(pki, what, tweak):
    # pyHanko refuses each of these ("also used in ..."): where a reference sits is not
    # told by the name written before it
    signed = _signed_with_a_dss_and(pki, tweak)
    data = _with_more_in_the_dss(signed)
    end = revision_ends(signed.pdf)[-1]
    assert recognise_updates(data, [end], revision_ends(data))[end] is None, what
    first = read_pdf(signed.pdf).signatures[0].byte_range
    assert analyse_changes(data, [first], quick=False)[first].level is None, what


def test_a_dss_key_faked_in_a_comment_is_not_taken_for_the_catalogs(pki):
    # "/MC0 %xxx...xxx /DSS<newline>N 0 R": the key is /MC0; a look back at the bytes
    # before the reference would see /DSS
    with pikepdf.open(io.BytesIO(simple_pdf(["Contract"], title="contract"))) as doc:
        dss = doc.make_indirect(pikepdf.Dictionary(Certs=pikepdf.Array([doc.make_stream(b"abc")])))
        doc.Root.DSS = dss
        doc.pages[0].obj.Resources.Properties = pikepdf.Dictionary(MC0=pikepdf.Dictionary())
        out = io.BytesIO()
        doc.save(out)  # (renumbers the objects)
    with pikepdf.open(io.BytesIO(out.getvalue())) as doc:
        page, number = doc.pages[0].obj.objgen[0], doc.Root.DSS.objgen[0]
        text = bytes(doc.pages[0].obj.unparse(resolved=True))
    faked = text.replace(b"/MC0 << >>", b"/MC0 %" + b"x" * 70 + b" /DSS\n%d 0 R" % number)
    assert faked != text
    signed = _Signed(_sign(pki, _update(out.getvalue(), {page: faked}), "Signature1"))
    data = _with_more_in_the_dss(signed)
    end = revision_ends(signed.pdf)[-1]
    assert recognise_updates(data, [end], revision_ends(data))[end] is None


def _info_as_graphics_state(pki, key_text: bytes) -> _Signed:
    """A signed document whose page draws its text with the Info dictionary as its
    graphics state, the reference written after ``key_text``."""
    with pikepdf.open(io.BytesIO(simple_pdf(["Amount: 1000 CNY"], title="contract"))) as doc:
        page = doc.pages[0].obj
        page.Contents.write(b"q /GS0 gs " + page.Contents.read_bytes() + b" Q")
        page.Resources.ExtGState = pikepdf.Dictionary(GS0=pikepdf.Dictionary(CA=1))
        out = io.BytesIO()
        doc.save(out)
    with pikepdf.open(io.BytesIO(out.getvalue())) as doc:
        page, info = doc.pages[0].obj.objgen[0], doc.trailer.Info.objgen[0]
        text = bytes(doc.pages[0].obj.unparse(resolved=True))
    assert b"/GS0 << /CA 1 >>" in text
    unsigned = _update(out.getvalue(), {page: text.replace(b"/GS0 << /CA 1 >>", key_text + b"%d 0 R" % info)})
    return _Signed(_sign(pki, unsigned, "Signature1"))


@pytest.mark.parametrize("key_text", [b"/Info ", b"/GS0 %" + b"x" * 70 + b" /Info\n"])
def test_an_info_dictionary_a_page_draws_with_is_not_a_free_change(pki, key_text):
    # Rewriting Info as << /CA 0 /ca 0 >> made the signed text invisible: the Info object
    # is the page's graphics state, whatever the name before the reference says.
    signed = _info_as_graphics_state(pki, key_text)
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        info = doc.trailer.Info.objgen[0]
    first = read_pdf(signed.pdf).signatures[0]
    # a late signature pyHanko can read (the first one's CMS), so that it analyses the update
    late = _SIG.replace(_DUMMY_CONTENTS, b"<%s>" % first.contents.hex().encode()).replace(b"[0 0 0 0]", b"[0 1 2 1]")
    data = _update(signed.pdf, {**signed.honest(value=late), info: b"<< /Title (contract) /CA 0 /ca 0 >>"})
    end = revision_ends(signed.pdf)[-1]
    assert recognise_updates(data, [end], revision_ends(data))[end] is None
    refused = analyse_changes(data, [first.byte_range])[first.byte_range]
    assert isinstance(refused, ChangeResult) and refused.level is None  # pyHanko's refusal, as before


@pytest.mark.parametrize("page_uses_it", [False, True])
def test_more_validation_data_in_a_dss_a_page_also_uses_is_declined(pki, page_uses_it):
    # The same object as the DSS and as a page's marked-content properties: the page's
    # meaning could change with it.  (Signed with the DSS already there.)
    pdf = simple_pdf(["Contract"], title="contract")
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        dss = doc.make_indirect(pikepdf.Dictionary(Certs=pikepdf.Array([doc.make_stream(b"abc")])))
        doc.Root.DSS = dss
        if page_uses_it:
            doc.pages[0].obj.Resources.Properties = pikepdf.Dictionary(P1=dss)
        out = io.BytesIO()
        doc.save(out)
    signed = _Signed(_sign(pki, out.getvalue(), "Signature1"))
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        dss_number, cert_number = doc.Root.DSS.objgen[0], doc.Root.DSS.Certs[0].objgen[0]
    new = signed.size + 20
    data = _update(signed.pdf, {dss_number: b"<< /Certs [ %d 0 R %d 0 R ] >>" % (cert_number, new), new: _STREAM})
    end = revision_ends(signed.pdf)[-1]
    found = recognise_updates(data, [end], revision_ends(data))[end]
    assert found == (None if page_uses_it else Additions(ModificationLevel.LTA_UPDATES, ()))


@pytest.mark.parametrize(("what", "dss"), [
    ("per-signature VRI entries", b"<< /Certs [ %(cert)d 0 R ] /VRI << >> >>"),
    ("an unknown key", b"<< /Certs [ %(cert)d 0 R ] /OpenAction %(page)d 0 R >>"),
    ("an earlier object", b"<< /Certs [ %(page)d 0 R ] >>"),
    ("a dictionary instead of a stream", b"<< /Certs [ %(cert)d 0 R %(dict)d 0 R ] >>"),
])
def test_declines_validation_data_with_more_in_it(signed, what, dss):
    numbers = {b"cert": signed.size + 11, b"dict": signed.size + 12, b"page": signed.page}
    extra = {numbers[b"cert"]: b"<< /Length 3 >>\nstream\nabc\nendstream"}
    if b"%(dict)d" in dss:
        extra[numbers[b"dict"]] = b"<< /A 1 >>"
    if b"%(cert)d" not in dss:
        del extra[numbers[b"cert"]]
    assert _recognised(signed, _with_dss(signed, dss % numbers, extra)) is None, what


_CHILD = """
import sys
from esealkit.pdf.reader import revision_ends
from esealkit.pdf.signing_updates import recognise_updates
data = open(sys.argv[1], "rb").read()
end = int(sys.argv[2])
print(recognise_updates(data, [end], revision_ends(data))[end])
"""


def test_an_object_header_that_names_another_object_is_declined_without_crashing(signed, tmp_path):
    # qpdf 12 crashed the process (a segmentation fault, not an exception) reading such a
    # file; the recogniser checks every header before reading objects.  In a child
    # process, so that a crash fails this test instead of ending the run.
    meta = _metadata(signed)
    objects = {**signed.honest(), meta: _xmp(b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><later/></x:xmpmeta>'),
               signed.catalog: signed.catalog_text.replace(b"/Version", b"/Lang (zh) /Version", 1)}
    data = _update(signed.pdf, objects)
    end = revision_ends(signed.pdf)[-1]
    header = b"\n%d 0 obj\n<< /Type /Metadata" % meta
    assert data.count(header) == 1
    lying = b"\n%d%s 0 obj\n<< /Type /Metadata" % (signed.catalog, b" " * (len(str(meta)) - len(str(signed.catalog))))
    path = tmp_path / "lying.pdf"
    path.write_bytes(data.replace(header, lying))
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(end)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "None"


# ---------------------------------------------- attacks a review found accepted, now declined


def _first_revision_verdict(signed: _Signed, data: bytes) -> object:
    end = revision_ends(signed.pdf)[-1]
    return recognise_updates(data, [end], revision_ends(data))[end]


@pytest.mark.parametrize("label", [b"/ObjStm /N 0 /First 0", b"/XRef /W [1 1 1] /Size 1"])
def test_a_content_stream_labelled_as_file_structure_is_not_skipped(signed, label):
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        contents = doc.pages[0].obj.Contents.objgen[0]
    drawn = b"BT /F1 40 Tf 72 400 Td (Amount: 9000 CNY) Tj ET"
    objects = {**signed.honest(), contents: b"<< /Type %s /Length %d >>\nstream\n%s\nendstream" % (label, len(drawn), drawn)}
    assert not isinstance(_first_revision_verdict(signed, _update(signed.pdf, objects)), Additions)


def test_info_dictionary_that_a_page_also_uses_is_not_a_free_change(pki):
    # The signed page takes its resources from the Info dictionary; an update that only
    # "rewrites Info" swaps the form XObject the page draws.
    base = simple_pdf(["Contract"], title="contract")
    with pikepdf.open(io.BytesIO(base)) as doc:
        page = doc.pages[0].obj
        number, info, size = page.objgen[0], doc.trailer.Info.objgen[0], int(doc.trailer.Size)
        text, contents = bytes(page.unparse(resolved=True)), page.Contents.objgen[0]
        font = page.Resources.Font.F1.objgen[0]

    def form(words: bytes) -> bytes:
        body = b"BT /F1 30 Tf 72 500 Td (%s) Tj ET" % words
        return (b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> "
                b"/Length %d >>\nstream\n%s\nendstream" % (font, len(body), body))

    def info_dict(shown: int, other: int) -> bytes:
        return b"<< /Title (contract) /Font << /F1 %d 0 R >> /XObject << /Im %d 0 R >> /Unused %d 0 R >>" % (
            font, shown, other)

    one, nine = size, size + 1
    draw = b"q /Im Do Q"
    base = _update(base, {info: info_dict(one, nine), one: form(b"Amount: 1000 CNY"), nine: form(b"Amount: 9000 CNY"),
                          number: re.sub(rb"/Resources << /Font << /F1 \d+ 0 R >> >>", b"/Resources %d 0 R" % info, text),
                          contents: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(draw), draw)})
    signed = _Signed(_sign(pki, base, "Signature1"))
    objects = {**signed.honest(), info: info_dict(nine, one)}
    assert _first_revision_verdict(signed, _update(signed.pdf, objects)) is None


def test_an_object_the_update_does_not_list_is_declined(pki):
    # The update puts "n 0 obj" in its bytes without listing it: qpdf ignores it, readers
    # that scan the file (rebuilding a cross-reference they find broken) find it.  (A
    # signed page drawing "n 0 R", which nothing lists, is itself declined: see
    # test_a_signed_revision_referring_to_nothing_declines.)
    signed = _Signed(_sign(pki, simple_pdf(["Contract"], title="contract"), "Signature1"))
    ghost = signed.size + 40
    drawn = b"BT /F1 40 Tf 72 400 Td (VOID) Tj ET"
    hidden = signed.pdf + b"%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (ghost, len(drawn), drawn)
    data = _update(hidden, signed.honest())
    assert revision_ends(signed.pdf)[-1] in revision_ends(data)
    assert _first_revision_verdict(signed, data) is None
    assert _first_revision_verdict(signed, _update(signed.pdf, signed.honest())) == Additions(
        ModificationLevel.FORM_FILLING, ("Late",))


_NOT_YET = b"9999999999"  # an offset in a table, patched once the later update is written


def _behind_a_comment(pdf: bytes) -> bytes:
    """``pdf`` with its last cross-reference table's keyword written as the end of a
    comment, ``%startxref``, where its startxref still points (qpdf reads the table)."""
    at = pdf.rindex(b"xref\n0 1\n")
    out = pdf[:at] + b"%start" + pdf[at:]
    m = list(re.finditer(rb"startxref\n(\d+)\n%%EOF\n$", out))[-1]
    return out[:m.start(1)] + b"%d" % (int(m.group(1)) + 6) + out[m.end(1):]


def _pointing_past(signed: _Signed, *, earlier: bool, entry: bool = True, hidden: bool = False) -> tuple[bytes, int]:
    """A document whose signed revision's classic cross-reference table (its last one, or
    with ``earlier`` one of an earlier revision) places the late signature dictionary at the
    offset where the next update, adding that signature, writes it; and where the signed
    revision ends.  Without ``entry``, the same document without that table entry; with
    ``hidden``, that table's keyword is the end of a ``%startxref`` comment.

    The signature dictionary's number is more than a third of the signed revision's size:
    qpdf ignores a table entry for such a number (no object is that small), so the entry
    is in no table qpdf gives, and no header is looked for; in the whole file, longer, the
    number is possible."""
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        info = doc.trailer.Info.objgen[0]
    base = _update(signed.pdf, {info: b"<< /Producer (a) >>"})
    if hidden:
        base = _behind_a_comment(base)
    sig = len(base) // 3 + 100
    if entry:
        table = base.rindex(b"xref\n0 1\n0000000000 65535 f \n") + len(b"xref\n0 1\n0000000000 65535 f \n")
        base = base[:table] + b"%d 1\n%s 00000 n \n" % (sig, _NOT_YET) + base[table:]
    if earlier:
        base = _update(base, {info: b"<< /Producer (b) >>"})
    end = revision_ends(base)[-1]
    objects = signed.honest()
    objects[signed.size] = objects[signed.size].replace(b"/V %d 0 R" % (signed.size + 1), b"/V %d 0 R" % sig)
    objects[sig] = objects.pop(signed.size + 1)
    data = _update(base, objects)
    at = data.index(b"\n%d 0 obj\n" % sig, end) + 1
    assert len(data) > 3 * sig and data.count(_NOT_YET) == int(entry)
    return data.replace(_NOT_YET, b"%010d" % at), end


@pytest.mark.parametrize("earlier", [False, True])
def test_a_cross_reference_entry_pointing_past_the_signed_revision_is_declined(signed, earlier):
    # When signing, the signature dictionary's number was in the table but qpdf dropped it
    # (the object reads as null); the update that adds the signature looks plain.  Other
    # readers take that object of the signed revision from the update's bytes.
    data, end = _pointing_past(signed, earlier=earlier)
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}
    data, end = _pointing_past(signed, earlier=earlier, entry=False)
    assert recognise_updates(data, [end], revision_ends(data))[end] == Additions(ModificationLevel.FORM_FILLING, ("Late",))


def test_a_table_whose_keyword_ends_a_startxref_comment_is_checked_too(signed):
    # "%startxref" is a comment, but a startxref may point at its "xref": qpdf reads the
    # table there, and its entries must be in bounds like any other table's.
    data, end = _pointing_past(signed, earlier=False, hidden=True)
    assert b"%startxref\n0 1" in data
    with pikepdf.open(io.BytesIO(data[:end])) as doc:
        assert doc.trailer.Info.Producer == "a" and not doc.get_warnings()
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}


def _with_a_bad_stream_then_signed(signed: _Signed, signatures: int) -> bytes:
    """An update adding an orphan stream whose /Length is wrong (qpdf warns and mends
    it), then ``signatures`` honest signature updates."""
    out = _update(signed.pdf, {signed.size + 50: b"<< /Length 100 >>\nstream\nabc\nendstream"})
    for name in (b"B", b"C")[:signatures]:
        out = _update(out, _Signed(out).honest(name=name))
    return out


@pytest.mark.parametrize("signatures", [1, 2])
def test_a_revision_qpdf_warned_about_once_stays_declined(signed, signatures):
    # qpdf gives each warning once: the step that read the damaged revision as the later
    # one used it up, and the next step, reading it as the signed one, must still know.
    data = _with_a_bad_stream_then_signed(signed, signatures)
    ends = revision_ends(data)
    damaged = ends[-1 - signatures]
    alone = recognise_updates(data, [damaged], ends)
    together = recognise_updates(data, [ends[-2 - signatures], damaged], ends)
    assert alone[damaged] is None
    assert together[damaged] is None


def test_a_warning_the_reader_used_up_still_declines(signed):
    # verify_pdf hands the recogniser the reader's qpdf reading of the whole file, and qpdf
    # gave its warning (an unknown token in the new field, read as a string) to the
    # reader, which read the field first: the recogniser must still know
    data = _update(signed.pdf, signed.honest(field_extra=b" /Note unknowntoken"))
    ends = revision_ends(data)
    doc, pdf, warned = read_pdf_open(data)
    with pdf:
        assert warned and [s.field_name for s in doc.signatures] == ["Signature1", "Late"]
        assert recognise_updates(data, [ends[-2]], ends, whole=(pdf, warned)) == {ends[-2]: None}
        assert not pdf.get_warnings()  # used up: re-reading the field does not warn again
        # what the hand-over is for: told nothing, the recogniser takes the field as plain
        assert isinstance(recognise_updates(data, [ends[-2]], ends, whole=(pdf, False))[ends[-2]], Additions)
    assert recognise_updates(data, [ends[-2]], ends) == {ends[-2]: None}  # opened afresh, it sees the warning


# ------------------------------------------- what refers to the Info object: no shortcuts


def _xref_stream_update(pdf: bytes, plain: dict[int, bytes], compressed: dict[int, tuple[int, int]],
                        rows_only: dict[int, bytes] | None = None) -> bytes:
    """``pdf`` with an update whose cross-reference is a stream: ``plain`` objects written
    in the file, ``compressed`` objects (number -> (object stream, index)) in object
    streams among ``plain``, and ``rows_only``: rows (7 bytes) for numbers written nowhere."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        root, size = doc.trailer.Root.objgen[0], int(doc.trailer.Size)
        info = doc.trailer.Info.objgen[0]
    out, offsets, prev = _written(pdf, plain)
    x = max([size, *plain, *compressed, *(rows_only or {})]) + 1
    offsets[x] = len(out)
    rows = []
    extra = rows_only or {}
    numbers = sorted([*offsets, *compressed, *extra])
    for n in numbers:
        if n in extra:
            rows.append(extra[n])
        elif n in compressed:
            s, i = compressed[n]
            rows.append(bytes([2]) + s.to_bytes(4, "big") + i.to_bytes(2, "big"))
        else:
            rows.append(bytes([1]) + offsets[n].to_bytes(4, "big") + (0).to_bytes(2, "big"))
    index = b" ".join(b"%d 1" % n for n in numbers)
    data = b"".join(rows)
    out += (b"%d 0 obj\n<< /Type /XRef /W [1 4 2] /Index [%s] /Size %d /Root %d 0 R /Info %d 0 R /Prev %d /Length %d >>\n"
            b"stream\n" % (x, index, x + 1, root, info, prev, len(data))) + data + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[x]
    return bytes(out)


def _objstm_with_indirect_filter(pki):
    """A signed document whose page's graphics states (object 33) are in an object stream
    whose /Filter is another object: no filter (R0) gives << /GS0 << /CA 1 >> >>; with
    /ASCIIHexDecode the same bytes give << /GS0 INFO 0 R >>."""
    base = simple_pdf(["Amount: 1000 CNY"], title="contract")
    number, contents, size, info, text, drawing = _first_page(base)
    drawn = b"q /GS0 gs " + drawing + b" Q"
    assert size < 33
    gs, stm, filt = 33, 34, 40
    hex_view = b"33 0 <</GS0 %d 0 R>>" % info
    digits = hex_view.hex().encode()
    assert digits.startswith(b"333320")
    plain = b"33 3320 " + digits[6:] + b">"
    data = plain.ljust(5 + 3320) + b"<</GS0 <</CA 1>>>>"
    stream = b"<< /Type /ObjStm /N 1 /First 5 /Filter %d 0 R /Length %d >>\nstream\n%s\nendstream" % (filt, len(data), data)
    page_text = text.replace(b"/Resources <<", b"/Resources << /ExtGState %d 0 R" % gs, 1)
    assert page_text != text
    unsigned = _xref_stream_update(base, {
        stm: stream, filt: b"[ ]", number: page_text,
        contents: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(drawn), drawn)}, {gs: (stm, 0)})
    return _sign(pki, unsigned, "Signature1"), info, filt


def test_an_object_stream_read_otherwise_later_is_not_taken_as_read_before(pki):
    # The page's graphics states are in an object stream whose /Filter is another object:
    # plain, they are harmless; once a later revision makes that filter /ASCIIHexDecode,
    # the same bytes name Info as the graphics state.  A serialisation remembered from the
    # first step must not answer for the later one.
    r0, info, filt = _objstm_with_indirect_filter(pki)
    first = read_pdf(r0).signatures[0]
    late = _SIG.replace(_DUMMY_CONTENTS, b"<%s>" % first.contents.hex().encode()).replace(b"[0 0 0 0]", b"[0 1 2 1]")
    r1 = _update(r0, {**_Signed(r0).honest(value=late, name=b"Late1"), info: b"<< /Title (contract) /Producer (x) >>"})
    rx = _update(r1, {filt: b"[ /ASCIIHexDecode ]"})
    with pikepdf.open(io.BytesIO(rx)) as doc:
        assert doc.pages[0].obj.Resources.ExtGState.GS0.objgen == doc.trailer.Info.objgen
    r2 = _sign(pki, rx, "Signature3")
    data = _update(r2, {**_Signed(r2).honest(value=late, name=b"Late2"), info: b"<< /Title (contract) /CA 0 /ca 0 >>"})
    ends = revision_ends(data)
    signed_again = revision_ends(r2)[-1]
    assert recognise_updates(data, [signed_again], ends)[signed_again] is None
    assert recognise_updates(data, [revision_ends(r0)[-1], signed_again], ends)[signed_again] is None


def test_a_reference_to_info_at_another_generation_counts(pki, monkeypatch):
    # "/GS0 2 1 R" with Info "2 0 obj": qpdf reads null, Ghostscript draws with Info
    with pikepdf.open(io.BytesIO(simple_pdf(["Amount: 1000 CNY"], title="contract"))) as doc:
        info = doc.trailer.Info.objgen[0]
    module = sys.modules[__name__]
    plain = module._update
    monkeypatch.setattr(module, "_update", lambda pdf, objects, **kw: plain(
        pdf, {n: body.replace(b"/GS0 %d 0 R" % info, b"/GS0 %d 1 R" % info) for n, body in objects.items()}, **kw))
    signed = _info_as_graphics_state(pki, b"/GS0 ")
    monkeypatch.undo()
    assert b"/GS0 %d 1 R" % info in signed.pdf
    data = _update(signed.pdf, {**signed.honest(), info: b"<< /Title (contract) /CA 0 /ca 0 >>"})
    end = revision_ends(signed.pdf)[-1]
    assert recognise_updates(data, [end], revision_ends(data))[end] is None


def test_an_indirect_number_does_not_stop_an_info_rewrite_being_recognised(pki):
    base = simple_pdf(["Contract"], title="contract")
    with pikepdf.open(io.BytesIO(base)) as doc:
        size = int(doc.trailer.Size)
    signed = _Signed(_sign(pki, _update(base, {size: b"42"}), "Signature1"))
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        info = doc.trailer.Info.objgen[0]
    data = _update(signed.pdf, {**signed.honest(), info: b"<< /Producer (x) >>"})
    end = revision_ends(signed.pdf)[-1]
    assert recognise_updates(data, [end], revision_ends(data))[end] == Additions(ModificationLevel.FORM_FILLING, ("Late",))


# ---------------------------------------- what pyHanko checks of a new field and its page


def _late_signature(signed: _Signed) -> bytes:
    """A late signature dictionary holding the first signature's CMS: pyHanko then
    analyses the update instead of failing to read it."""
    first = read_pdf(signed.pdf).signatures[0]
    return _SIG.replace(_DUMMY_CONTENTS, b"<%s>" % first.contents.hex().encode()).replace(b"[0 0 0 0]", b"[0 1 2 1]")


def _both_say(signed: _Signed, data: bytes) -> tuple[Additions | str | None, ChangeResult | str]:
    """The recogniser's result and pyHanko's for the first signature of ``data``."""
    end = revision_ends(signed.pdf)[-1]
    first = read_pdf(signed.pdf).signatures[0].byte_range
    return (recognise_updates(data, [end], revision_ends(data))[end],
            analyse_changes(data, [first], quick=False)[first])


@pytest.mark.parametrize("key", [b"/MK", b"/A", b"/AA", b"/OC", b"/Foo", b"/Prop_Build"])
def test_a_new_field_brings_new_objects_only_in_its_appearance(signed, key):
    # pyHanko: objects under /AP only, the signature dictionary itself and nothing it
    # refers to; anything else new is "unexplained"
    new = signed.size + 5
    late = _late_signature(signed)
    if key == b"/Prop_Build":
        objects = {**signed.honest(value=late.replace(b"/Type /Sig", b"/Type /Sig /Prop_Build %d 0 R" % new)),
                   new: b"<< /App << /Name /X >> >>"}
    else:
        objects = {**signed.honest(b" %s %d 0 R" % (key, new), value=late), new: b"<< /S /JavaScript /JS (1) >>"}
    found, full = _both_say(signed, _update(signed.pdf, objects))
    assert found is None
    assert isinstance(full, ChangeResult) and full.level is None


@pytest.mark.parametrize("appearance", [False, True])
def test_a_document_timestamp_counts_as_pyhanko_counts_it(signed, appearance):
    # validation data only when invisible; with an appearance, or a visible /Rect, it is a
    # field filled in like any other
    ap = signed.size + 5
    late = _late_signature(signed).replace(b"/Type /Sig", b"/Type /DocTimeStamp")
    objects = signed.honest(b" /AP << /N %d 0 R >>" % ap if appearance else b"", value=late)
    if appearance:
        objects[ap] = b"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Length 0 >>\nstream\n\nendstream"
    else:
        objects[signed.size] = objects[signed.size].replace(b"/Rect [0 0 0 0]", b"/Rect [0 0 100 100]")
    found, full = _both_say(signed, _update(signed.pdf, objects))
    assert isinstance(found, Additions) and isinstance(full, ChangeResult)
    assert (found.level, found.fields) == (full.level, full.changed_fields) == (ModificationLevel.FORM_FILLING, ("Late",))


def _signed_with(pki, objects_of) -> _Signed:
    """A one-page document changed by an update ``objects_of(doc)`` gives, then signed."""
    base = simple_pdf(["Contract"], title="contract")
    with pikepdf.open(io.BytesIO(base)) as doc:
        objects = objects_of(doc)
    return _Signed(_sign(pki, _update(base, objects), "Signature1"))


def _in_info(doc: pikepdf.Pdf, ref: int) -> dict[int, bytes]:
    info = doc.trailer.Info
    return {info.objgen[0]: bytes(info.unparse(resolved=True)).replace(b"<<", b"<< /Foo %d 0 R" % ref, 1)}


def test_a_page_annotation_list_used_elsewhere_is_declined(pki):
    signed = _signed_with(pki, lambda doc: _in_info(doc, doc.pages[0].obj.Annots.objgen[0]))
    found, full = _both_say(signed, _update(signed.pdf, signed.honest(value=_late_signature(signed))))
    assert found is None and isinstance(full, ChangeResult) and full.level is None


def _form_named_by_info(doc: pikepdf.Pdf) -> dict[int, bytes]:
    """A form dictionary of its own, which the Info dictionary names too."""
    form = int(doc.trailer.Size)
    root = bytes(doc.Root.unparse(resolved=True)).replace(b"<<", b"<< /AcroForm %d 0 R" % form, 1)
    return {form: b"<< /Fields [ ] >>", doc.Root.objgen[0]: root, **_in_info(doc, form)}


def test_a_form_dictionary_used_elsewhere_is_declined(pki):
    signed = _signed_with(pki, _form_named_by_info)
    found, full = _both_say(signed, _update(signed.pdf, signed.honest(value=_late_signature(signed))))
    assert found is None and isinstance(full, ChangeResult) and full.level is None


def test_a_widget_on_a_page_outside_the_page_tree_is_declined(pki):
    orphan = [0]

    def objects_of(doc: pikepdf.Pdf) -> dict[int, bytes]:
        orphan[0] = int(doc.trailer.Size)
        return {orphan[0]: b"<< /Type /Page /MediaBox [0 0 10 10] >>"}
    signed = _signed_with(pki, objects_of)
    objects = signed.honest(value=_late_signature(signed))
    objects[signed.size] = objects[signed.size].replace(b"/P %d 0 R" % signed.page, b"/P %d 0 R" % orphan[0])
    objects.pop(signed.annots, None)
    objects[orphan[0]] = b"<< /Type /Page /MediaBox [0 0 10 10] /Annots [ %d 0 R ] >>" % signed.size
    found, full = _both_say(signed, _update(signed.pdf, objects))
    assert found is None and isinstance(full, ChangeResult) and full.level is None


@pytest.mark.parametrize("where", ["Info", "MarkInfo"])
def test_a_stream_labelled_xref_that_something_uses_is_not_structure(signed, where):
    x = signed.size + 5
    objects = {**signed.honest(value=_late_signature(signed)),
               x: b"<< /Type /XRef /W [1 1 1] /Size 1 /Length 0 >>\nstream\n\nendstream"}
    if where == "Info":
        with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
            objects[doc.trailer.Info.objgen[0]] = b"<< /Producer (x) /Foo %d 0 R >>" % x
    else:
        objects[signed.catalog] = signed.catalog_text.replace(b"<<", b"<< /MarkInfo << /Marked true /Foo %d 0 R >>" % x, 1)
    found, full = _both_say(signed, _update(signed.pdf, objects))
    assert found is None and isinstance(full, ChangeResult) and full.level is None


def test_an_annotation_list_that_is_also_the_page_tree_is_declined(pki):
    # /Pages /Kids and page 2's /Annots are one array object: appending a "widget" typed
    # /Page to it added a page after signing (Ghostscript drew it)
    base = simple_pdf(["Contract"], title="contract", pages=2)
    with pikepdf.open(io.BytesIO(base)) as doc:
        size = int(doc.trailer.Size)
        pages, pages_text = doc.Root.Pages.objgen[0], bytes(doc.Root.Pages.unparse(resolved=True))
        second, second_text = doc.pages[1].obj.objgen[0], bytes(doc.pages[1].obj.unparse(resolved=True))
        first_page, font = doc.pages[0].obj.objgen[0], doc.pages[0].obj.Resources.Font.F1.objgen[0]
    kids = size
    base = _update(base, {pages: re.sub(rb"/Kids \[[^\]]*\]", b"/Kids %d 0 R" % kids, pages_text),
                          second: re.sub(rb"/Annots \d+ 0 R", b"/Annots %d 0 R" % kids, second_text),
                          kids: b"[ %d 0 R %d 0 R ]" % (first_page, second)})
    signed = _Signed(_sign(pki, base, "Signature1"))
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        assert doc.Root.Pages.Kids.objgen[0] == kids
        kids_text = bytes(doc.get_object((kids, 0)).unparse(resolved=True))
    field, sig, content = signed.size, signed.size + 1, signed.size + 2
    draw = b"BT /F1 40 Tf 72 400 Td (PAGE ADDED AFTER SIGNING) Tj ET"
    objects = {
        field: b"<< /FT /Sig /T (Late) /V %d 0 R /Type /Page /Subtype /Widget /Rect [0 0 0 0] /F 132 /P %d 0 R "
               b"/MediaBox [0 0 595 842] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>"
               % (sig, second, content, font),
        sig: _late_signature(signed),
        content: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(draw), draw),
        signed.form: signed.form_text.replace(b"] ", b" %d 0 R] " % field, 1),
        kids: kids_text.replace(b"]", b" %d 0 R ]" % field),
    }
    data = _update(signed.pdf, objects)
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert len(doc.pages) == 3  # the page added
    found, full = _both_say(signed, data)
    assert found is None and isinstance(full, ChangeResult) and full.level is None


def test_two_pages_sharing_one_annotation_list_is_fine(pki):
    # the control: a list used only as /Annots, by two pages, as pyHanko accepts
    base = simple_pdf(["a"], title="contract", pages=2)
    with pikepdf.open(io.BytesIO(base)) as doc:
        shared = doc.pages[0].obj.Annots.objgen[0]
        second, text = doc.pages[1].obj.objgen[0], bytes(doc.pages[1].obj.unparse(resolved=True))
    signed = _Signed(_sign(pki, _update(base, {second: re.sub(rb"/Annots \d+ 0 R", b"/Annots %d 0 R" % shared, text)}),
                           "Signature1"))
    found, full = _both_say(signed, _update(signed.pdf, signed.honest(value=_late_signature(signed))))
    assert isinstance(found, Additions) and isinstance(full, ChangeResult)
    assert (found.level, found.fields) == (full.level, full.changed_fields) == (ModificationLevel.FORM_FILLING, ("Late",))


# ------------------------------------------------ across several steps; metadata as pyHanko reads it


def test_a_use_dropped_in_between_still_counts(pki):
    # Signed with Info naming the form; a later revision rewrites Info without it; then a
    # signature changes the form.  pyHanko compares with the signed revision: refused.
    signed = _signed_with(pki, _form_named_by_info)
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        info = doc.trailer.Info.objgen[0]
    cert = signed.size + 11
    dropped = _update(signed.pdf, {**_with_dss(signed, b"<< /Certs [ %d 0 R ] >>" % cert, {cert: _STREAM}),
                                   info: b"<< /Producer (x) >>"})
    found, full = _both_say(signed, _update(dropped, signed.honest(value=_late_signature(signed))))
    assert found is None and isinstance(full, ChangeResult) and full.level is None


def test_what_uses_an_object_is_looked_up_in_each_revision_afresh(pki):
    # The signed page draws with a graphics state that does not exist yet (qpdf leaves the
    # reference out of what it serialises).  A later revision makes that object the Info
    # dictionary; a second signer signs; then an update rewrites Info to hide the text.
    # What a first step saw of the page must not answer for the later revision.
    base = simple_pdf(["Amount: 1000 CNY"], title="contract")
    number, contents, size, _, text, drawing = _first_page(base)
    drawn = b"q /GS0 gs " + drawing + b" Q"
    state = size + 40
    base = _update(base, {number: text.replace(b"/Resources <<", b"/Resources << /ExtGState << /GS0 %d 0 R >>" % state, 1),
                          contents: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(drawn), drawn)})
    first = _sign(pki, base, "Signature1")
    r1 = _update(first, _Signed(first).honest(value=_late_signature(_Signed(first)), name=b"Late1"))
    r2 = _update(r1, {state: b"<< /Title (contract) >>"})
    at = r2.rindex(b"trailer")
    r2 = r2[:at] + re.sub(rb"/Info \d+ 0 R", b"/Info %d 0 R" % state, r2[at:])
    second = _sign(pki, r2, "Signature2")
    with pikepdf.open(io.BytesIO(second)) as doc:
        assert doc.trailer.Info.objgen == doc.pages[0].obj.Resources.ExtGState.GS0.objgen == (state, 0)
    signed_again = _Signed(second)
    data = _update(second, {**signed_again.honest(value=_late_signature(signed_again), name=b"Late2"),
                            state: b"<< /Title (contract) /CA 0 /ca 0 >>"})
    ends = revision_ends(data)
    e0, e2 = revision_ends(first)[-1], revision_ends(second)[-1]
    assert recognise_updates(data, [e2], ends)[e2] is None
    assert recognise_updates(data, [e0, e2], ends)[e2] is None


def _metadata_stream(body: bytes) -> bytes:
    return b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream" % (len(body), body)


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0" encoding="ISO-8859-1"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><a>\xe9</a></x:xmpmeta>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><a/></x:xmpmeta>'.encode("utf-16"),
])
def test_xmp_is_read_as_utf8_as_pyhanko_reads_it(signed, body):
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        metadata = doc.Root.Metadata.objgen[0]
    found, full = _both_say(signed, _update(signed.pdf, {**signed.honest(value=_late_signature(signed)),
                                                         metadata: _metadata_stream(body)}))
    assert found is None and isinstance(full, ChangeResult) and full.level is None


# ------------------------------------------- what qpdf's objects leave out: null, n 1 R


def test_a_key_qpdf_leaves_out_is_still_a_change(signed):
    # "/CropBox n 1 R" with "n 0" under the widget: qpdf drops the key (no such object),
    # Ghostscript crops the page to the new box and the signed text is gone.
    new = signed.size + 7
    objects = signed.honest(b" /AP << /X %d 0 R >>" % new, value=_late_signature(signed))
    objects[new] = b"[ 0 0 200 200 ]"
    objects[signed.page] = signed.page_text.replace(b"<<", b"<< /CropBox %d 1 R" % new, 1)
    found, full = _both_say(signed, _update(signed.pdf, objects))
    assert found is None and isinstance(full, ChangeResult) and full.level is None


def test_a_null_value_is_still_a_change(signed):
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        font = doc.pages[0].obj.Resources.Font.F1
        number, text = font.objgen[0], bytes(font.unparse(resolved=True))
    objects = {**signed.honest(value=_late_signature(signed)), number: text.replace(b"<<", b"<< /Foo null", 1)}
    found, full = _both_say(signed, _update(signed.pdf, objects))
    assert found is None and isinstance(full, ChangeResult) and full.level is None


@pytest.mark.parametrize("with_signature", [True, False])
def test_a_number_respelled_in_a_content_stream_is_no_redrawing(pki, with_signature):
    # "/Foo 1.5" rewritten "/Foo 1.50", the same data: pyHanko accepts, the page is the
    # same; the recogniser must not make up a refusal (it may leave it to pyHanko)
    base = simple_pdf(["Amount: 1000 CNY"], title="contract")
    contents, drawing = _first_page(base).contents, _first_page(base).drawing
    base = _update(base, {contents: b"<< /Foo 1.5 /Length %d >>\nstream\n%s\nendstream" % (len(drawing), drawing)})
    signed = _Signed(_sign(pki, base, "Signature1"))
    respelled = {contents: b"<< /Foo 1.50 /Length %d >>\nstream\n%s\nendstream" % (len(drawing), drawing)}
    objects = {**signed.honest(value=_late_signature(signed)), **respelled} if with_signature else respelled
    data = _update(signed.pdf, objects)
    found, full = _both_say(signed, data)
    assert not isinstance(found, str)
    first = read_pdf(signed.pdf).signatures[0].byte_range
    quick = analyse_changes(data, [first])[first]
    assert isinstance(quick, ChangeResult) and isinstance(full, ChangeResult) and quick.level == full.level is not None


def test_a_key_qpdf_leaves_out_is_still_a_change_in_an_object_stream(signed):
    # the same change, the page written compressed in the update's object stream
    new, stm = signed.size + 7, signed.size + 8
    objects = signed.honest(b" /AP << /X %d 0 R >>" % new, value=_late_signature(signed))
    objects[new] = b"[ 0 0 200 200 ]"
    page = signed.page_text.replace(b"<<", b"<< /CropBox %d 1 R" % new, 1)
    head = b"%d 0 " % signed.page
    objects[stm] = b"<< /Type /ObjStm /N 1 /First %d /Length %d >>\nstream\n%s\nendstream" % (
        len(head), len(head + page), head + page)
    objects.pop(signed.page, None)
    data = _xref_stream_update(signed.pdf, objects, {signed.page: (stm, 0)})
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert doc.get_xref_table()[(signed.page, 0)].type == 2
    found, full = _both_say(signed, data)
    assert found is None
    assert not (isinstance(full, ChangeResult) and full.level is not None)


# ------------------------------ cross-reference sections: one history for qpdf and pyHanko


def _signed_after_a_redraw(pki) -> tuple[bytes, int, int]:
    """A document whose page was redrawn ("9000" -> "1000") before it was signed; the
    page's object number and the offset of its pre-signing version."""
    base = simple_pdf(["Amount: 9000 CNY"], title="contract")
    page = _first_page(base)
    with pikepdf.open(io.BytesIO(base)) as doc:
        historical = doc.get_xref_table()[(page.number, 0)].offset
    drawing = page.drawing.replace(b"9000", b"1000")
    redrawn = _update(base, {page.number: page.text.replace(b"/Contents %d 0 R" % page.contents,
                                                            b"/Contents %d 0 R" % page.size),
                             page.size: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(drawing), drawing)})
    return _sign(pki, redrawn, "Signature1"), page.number, historical


def _late_update(signed_pdf: bytes, *, extra: bytes = b"", prev: int | None = None,
                 second: bytes = b"", relist: dict[int, int] | None = None,
                 trailer_size: int | None = None) -> bytes:
    """An honest late signature, its classic table given ``extra`` subsections (at its
    end), the objects ``relist`` names at those offsets (in order), ``prev`` as its /Prev
    (default: the signed revision's section) and ``second`` (a table without its "xref")
    as a second section chained before it in the same update."""
    s = _Signed(signed_pdf)
    objects = s.honest(value=_late_signature(s))
    with pikepdf.open(io.BytesIO(signed_pdf)) as doc:
        root, info, size = doc.Root.objgen[0], doc.trailer.Info.objgen[0], int(doc.trailer.Size)
    out, offsets, last = _written(signed_pdf, objects)
    offsets = {**(relist or {}), **offsets}
    size = max(size, *(n + 1 for n in objects)) if trailer_size is None else trailer_size
    prev = last if prev is None else prev
    if second:
        first = len(out)
        out += b"xref\n0 1\n0000000000 65535 f \n" + second
        out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /Prev %d >>\n" % (size, root, info, prev)
        prev = first
    at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n" + b"".join(b"%d 1\n%010d 00000 n \n" % (n, offsets[n]) for n in sorted(offsets))
    out += extra + b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size, root, info, prev, at)
    return bytes(out)


def test_an_object_listed_twice_in_one_section_declines(pki):
    # qpdf (and poppler) take the first of two entries, pyHanko the last: here the last is
    # the page as it was before signing ("9000"), which pyHanko sees as a change
    signed_pdf, page, historical = _signed_after_a_redraw(pki)
    with pikepdf.open(io.BytesIO(signed_pdf)) as doc:
        current = doc.get_xref_table()[(page, 0)].offset
    twice = _late_update(signed_pdf, extra=b"%d 1\n%010d 00000 n \n%d 1\n%010d 00000 n \n" % (page, current, page, historical))
    end = revision_ends(signed_pdf)[-1]
    assert recognise_updates(twice, [end], revision_ends(twice)) == {end: None}
    first = read_pdf(signed_pdf).signatures[0].byte_range
    assert analyse_changes(twice, [first], quick=False)[first].level is None  # pyHanko refuses it
    once = _late_update(signed_pdf, relist={page: current})
    assert recognise_updates(once, [end], revision_ends(once)) == {end: Additions(ModificationLevel.FORM_FILLING, ("Late",))}


def test_an_update_of_two_sections_declines(pki):
    # the first section of the update points the page at its pre-signing version, the last
    # one back: qpdf sees the last state only, pyHanko a revision of its own in between
    signed_pdf, page, historical = _signed_after_a_redraw(pki)
    data = _late_update(signed_pdf, second=b"%d 1\n%010d 00000 n \n" % (page, historical))
    end = revision_ends(signed_pdf)[-1]
    assert len(revision_ends(data)) == len(revision_ends(signed_pdf)) + 1  # one %%EOF for both
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}


def test_an_update_whose_prev_skips_the_signed_revision_declines(signed):
    # the update's /Prev names the section before the signed one and relists its objects:
    # the same objects for qpdf, but no longer a history in which the signature covers a
    # whole revision for pyHanko
    ends = revision_ends(signed.pdf)
    before = int(re.findall(rb"startxref\s+(\d+)", signed.pdf)[-2])
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        listed = {og[0]: e.offset for og, e in doc.get_xref_table().items() if e.type == 1}
    relisted = {n: at for n, at in listed.items() if n not in _Signed(signed.pdf).honest()}
    data = _late_update(signed.pdf, relist=relisted, prev=before)
    assert recognise_updates(data, [ends[-1]], revision_ends(data)) == {ends[-1]: None}
    honest = _late_update(signed.pdf)
    assert isinstance(recognise_updates(honest, [ends[-1]], revision_ends(honest))[ends[-1]], Additions)


def test_a_hybrid_signed_revision_declines(pki):
    # a classic table with /XRefStm (as some word processors write): pyHanko refuses
    # hybrid files outright, so the recogniser must leave them to it
    base = simple_pdf(["Contract"], title="contract")
    with pikepdf.open(io.BytesIO(base)) as doc:
        info, root, size = doc.trailer.Info.objgen[0], doc.Root.objgen[0], int(doc.trailer.Size)
    out, offsets, prev = _written(base, {info: b"<< /Title (contract) /Producer (word) >>"})
    stream_at = len(out)
    row = bytes([1]) + offsets[info].to_bytes(4, "big") + (0).to_bytes(2, "big")
    out += b"%d 0 obj\n<< /Type /XRef /W [1 4 2] /Index [%d 1] /Size %d /Length %d >>\nstream\n" % (
        size, info, size + 1, len(row)) + row + b"\nendstream\nendobj\n"
    offsets[size] = stream_at
    at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n" + b"".join(b"%d 1\n%010d 00000 n \n" % (n, offsets[n]) for n in sorted(offsets))
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /Prev %d /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size + 1, root, info, prev, stream_at, at)
    signed_pdf = _sign(pki, bytes(out), "Signature1")
    data = _sign(pki, signed_pdf, "Signature2")
    end = revision_ends(signed_pdf)[-1]
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}
    first = read_pdf(signed_pdf).signatures[0].byte_range
    result = analyse_changes(data, [first], quick=False)[first]  # refused: pyHanko's "hybrid", or the /XRefStm rule
    assert not isinstance(result, ChangeResult) or result.level is None
    assert "hybrid" in str(result) or "/XRefStm" in str(result)


def test_a_stream_section_listing_an_object_twice_declines(signed):
    # /Index [.. page 1 page 1]: the first entry is the signed page, the second a rotated
    # copy in an object stream; qpdf takes the first, pyHanko cannot read the file
    s = signed
    objects = s.honest(value=_late_signature(s))
    with pikepdf.open(io.BytesIO(s.pdf)) as doc:
        page_at = doc.get_xref_table()[(s.page, 0)].offset
        root, info = doc.Root.objgen[0], doc.trailer.Info.objgen[0]
    sig = s.size + 1
    sig_text = objects.pop(sig) + b" "
    holder = s.size + 5
    out, offsets, prev = _written(s.pdf, objects)
    head = b"%d 0 %d %d " % (sig, s.page, len(sig_text))
    body = head + sig_text + s.page_text.replace(b"/MediaBox", b"/Rotate 180 /MediaBox", 1)
    offsets[holder] = len(out)
    out += b"%d 0 obj\n<< /Type /ObjStm /N 2 /First %d /Length %d >>\nstream\n" % (holder, len(head), len(body)) + body
    out += b"\nendstream\nendobj\n"
    x = holder + 1
    offsets[x] = len(out)
    rows, index = [], []
    for n in sorted(offsets):
        rows.append(bytes([1]) + offsets[n].to_bytes(4, "big") + b"\0\0")
        index.append(b"%d 1" % n)
    rows.append(bytes([2]) + holder.to_bytes(4, "big") + (0).to_bytes(2, "big"))
    index.append(b"%d 1" % sig)
    rows += [bytes([1]) + page_at.to_bytes(4, "big") + b"\0\0", bytes([2]) + holder.to_bytes(4, "big") + (1).to_bytes(2, "big")]
    index += [b"%d 1" % s.page, b"%d 1" % s.page]
    table = b"".join(rows)
    out += b"%d 0 obj\n<< /Type /XRef /W [1 4 2] /Index [%s] /Size %d /Root %d 0 R /Info %d 0 R /Prev %d /Length %d >>\nstream\n" % (
        x, b" ".join(index), x + 1, root, info, prev, len(table)) + table + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[x]
    data = bytes(out)
    end = revision_ends(s.pdf)[-1]
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert "/Rotate" not in doc.get_object((s.page, 0))  # qpdf took the signed page
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}


@pytest.mark.parametrize("hidden", [b"/Foo << /Prev %d >>", b"/Foo [ /Prev %d ]"])
def test_a_prev_no_reader_takes_declines(signed, hidden):
    # the update's trailer has no /Prev of its own, only a look-alike in a nested
    # dictionary or an array, and relists the signed revision's objects: qpdf reads one
    # section, the same objects; pyHanko one revision, which the signature does not cover
    before = int(re.findall(rb"startxref\s+(\d+)", signed.pdf)[-1])
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        listed = {og[0]: e.offset for og, e in doc.get_xref_table().items() if e.type == 1}
    relisted = {n: at for n, at in listed.items() if n not in _Signed(signed.pdf).honest()}
    data = _late_update(signed.pdf, relist=relisted)
    assert data.count(b"/Prev %d >>" % before) == 1
    data = data.replace(b"/Prev %d >>" % before, (hidden % before) + b" >>")
    end = revision_ends(signed.pdf)[-1]
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert "/Prev" not in doc.trailer and not doc.get_warnings()
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}


def _sabotaged(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) == 1
    return data.replace(old, new)


def test_an_update_that_frees_an_object_declines(signed):
    # a number the signed revision never used, freed by the update (in order in its
    # table): qpdf's table leaves free entries out, pyHanko's policy refuses any freeing
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        unused = min(set(range(1, signed.size)) - {og[0] for og in doc.get_xref_table()})
    data = _late_update(signed.pdf, relist={unused: 0})
    data = _sabotaged(data, b"\n%d 1\n0000000000 00000 n \n" % unused, b"\n%d 1\n0000000000 00001 f \n" % unused)
    end = revision_ends(signed.pdf)[-1]
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert not doc.get_warnings()
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}


def test_a_new_object_at_another_generation_declines(signed):
    # the late signature dictionary written as "n 1 obj" (nothing freed before it): pyHanko
    # calls it an orphaned generation
    data = _late_update(signed.pdf)
    sig = signed.size + 1
    data = _sabotaged(data, b"/V %d 0 R" % sig, b"/V %d 1 R" % sig)
    data = _sabotaged(data, b"\n%d 0 obj\n" % sig, b"\n%d 1 obj\n" % sig)
    at = re.search(rb"\n%d 1\n([0-9]{10}) 00000 n \n" % sig, data)
    data = data[:at.start(1)] + at.group(1) + b" 00001" + data[at.end(1) + 6:]
    end = revision_ends(signed.pdf)[-1]
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert doc.get_object((signed.size, 0)).V.objgen == (sig, 1) and not doc.get_warnings()
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}


@pytest.mark.parametrize("tail", [b"startxref\n%d %%%%EOF\n", b"startxref\n\n%d\n\n%%%%EOF\n"])
def test_a_closing_startxref_pyhanko_cannot_read_declines(signed, tail):
    # qpdf reads these last lines; pyHanko's strict reader wants "startxref", the offset and
    # "%%EOF" on lines of their own
    data = _late_update(signed.pdf)
    at = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    data = _sabotaged(data, b"startxref\n%d\n%%%%EOF\n" % at, tail % at)
    end = revision_ends(signed.pdf)[-1]
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}


def test_a_trailer_with_a_string_declines(signed):
    # a string may hide "/Prev" or "startxref" from the byte reading of a trailer: any
    # string there declines, even a harmless one
    data = _late_update(signed.pdf)
    data = _sabotaged(data, b" /Prev ", b" /Note (a copy) /Prev ")
    end = revision_ends(signed.pdf)[-1]
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}


def test_an_update_listing_a_signed_cross_reference_stream_again_declines(pki):
    # same offset, so unchanged for qpdf; "XRef stream objects must not be clobbered" for pyHanko
    signed_pdf = _sign(pki, _with_object_streams(simple_pdf(["Contract"], title="contract")), "Signature1")
    with pikepdf.open(io.BytesIO(signed_pdf)) as doc:
        streams = {og[0]: e.offset for og, e in doc.get_xref_table().items() if e.type == 1
                   and isinstance(doc.get_object(og), pikepdf.Stream) and doc.get_object(og).stream_dict.get("/Type") == "/XRef"}
    assert streams
    end = revision_ends(signed_pdf)[-1]
    data = _late_update(signed_pdf, relist=dict(list(streams.items())[:1]))
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}
    honest = _late_update(signed_pdf)
    assert isinstance(recognise_updates(honest, [end], revision_ends(honest))[end], Additions)


def _pre_signing_oddities() -> dict[str, bytes]:
    """Documents qpdf reads without a warning whose cross-reference sections pyHanko's
    strict reader refuses (before anything is signed)."""
    base = simple_pdf(["Contract"], title="contract")
    assert b"/Size 8" in base and b"\n7 0 obj\n" in base
    at = base.index(b"\n7 0 obj\n") + 1
    small = base.replace(b"/Size 8", b"/Size 6")
    big = base.replace(b"/Size 8", b"/Size 58")
    info = {2: b"<< /Title (contract) /Producer (a) >>"}
    grown = _update(big, info)
    return {
        "entries beyond the section's /Size": small + _update(small, info)[len(small):].replace(b"/Size 6", b"/Size 8"),
        "generation 1 never freed": base.replace(b"/F1 7 0 R", b"/F1 7 1 R").replace(b"\n7 0 obj\n", b"\n7 1 obj\n")
                                        .replace(b"%010d 00000 n" % at, b"%010d 00001 n" % at),
        "an object freed, then listed again": _update(_update(base, info, free=(5,)), {5: b"[ ]"}),
        "/Size going down": big + grown[len(big):].replace(b"/Size 58", b"/Size 8"),
    }


@pytest.mark.parametrize("oddity", list(_pre_signing_oddities()))
def test_a_signed_revision_pyhanko_cannot_read_declines(pki, oddity):
    # pyHanko checks frees, generations and sizes across every section of the file, the
    # signed revision's too: it cannot read these files, so the recogniser must not pass them
    pre = _pre_signing_oddities()[oddity]
    with pikepdf.open(io.BytesIO(pre)) as doc:
        assert not doc.get_warnings()
    signed_pdf = _sign(pki, pre, "Signature1")
    data = _late_update(signed_pdf)
    end = revision_ends(signed_pdf)[-1]
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}
    first = read_pdf(signed_pdf).signatures[0].byte_range
    assert isinstance(analyse_changes(data, [first], quick=False)[first], str)  # pyHanko: could not be read


def test_an_object_stream_holding_a_number_twice_declines(signed):
    # the update's object stream holds the page twice: the entry names the first copy
    # (rotated), qpdf reads the last (as signed); pyHanko, poppler and Ghostscript the first
    s = signed
    objects = s.honest(value=_late_signature(s))
    field = objects.pop(s.size)
    holder = s.size + 2
    parts = [(s.size, field), (s.page, s.page_text.replace(b"/MediaBox", b"/Rotate 180 /MediaBox", 1)), (s.page, s.page_text)]
    head, body = b"", b""
    for number, text in parts:
        head += b"%d %d " % (number, len(body))
        body += text + b" "
    objects[holder] = b"<< /Type /ObjStm /N 3 /First %d /Length %d >>\nstream\n" % (len(head), len(head + body)) + head + body + b"\nendstream"
    data = _xref_stream_update(s.pdf, objects, {s.size: (holder, 0), s.page: (holder, 1)})
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert "/Rotate" not in doc.get_object((s.page, 0)) and not doc.get_warnings()
    end = revision_ends(s.pdf)[-1]
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}


def test_padding_pyhanko_does_not_read_past_declines(signed):
    # pyHanko looks for %%EOF in the file's last 1024 bytes only
    data = _late_update(signed.pdf) + b"\0" * 1100
    end = revision_ends(signed.pdf)[-1]
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}
    assert isinstance(recognise_updates(data[:-1100], [end], revision_ends(data[:-1100]))[end], Additions)


@pytest.mark.parametrize("spelling", [b"%d 0 R\n", b"%d 0 R1\n", b"%d\x0b0 R\n", b"%d 0\x0bR\n"])
def test_an_object_stream_object_cut_short_declines(pki, spelling):
    # before signing, the page draws with /GS0 X 0 R, X compressed as "INFO 0 R" cut after
    # INFO by the next object's offset: for qpdf X is a number, for pyHanko and poppler a
    # reference to Info; the update rewrites Info as << /CA 0 /ca 0 >>.  pyHanko also takes
    # "R" followed by a digit, and a vertical tab as whitespace
    base = simple_pdf(["Amount: 1000 CNY"], title="contract")
    page = _first_page(base)
    x, y, holder = page.size, page.size + 1, page.size + 2
    cut = len(b"%d" % page.info)
    head = b"%d 0 %d %d " % (x, y, cut)
    body = head + spelling % page.info
    drawn = b"q /GS0 gs " + page.drawing + b" Q"
    assert b"/Resources <<" in page.text
    unsigned = _xref_stream_update(base, {
        holder: b"<< /Type /ObjStm /N 2 /First %d /Length %d >>\nstream\n%s\nendstream" % (len(head), len(body), body),
        page.number: page.text.replace(b"/Resources <<", b"/Resources << /ExtGState << /GS0 %d 0 R >>" % x, 1),
        page.contents: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(drawn), drawn)}, {x: (holder, 0), y: (holder, 1)})
    with pikepdf.open(io.BytesIO(unsigned)) as doc:
        assert doc.get_object((x, 0)) == page.info and not doc.get_warnings()  # qpdf: a number
    signed_pdf = _sign(pki, unsigned, "Signature1")
    s = _Signed(signed_pdf)
    data = _update(signed_pdf, {**s.honest(value=_late_signature(s)), page.info: b"<< /Title (contract) /CA 0 /ca 0 >>"})
    end = revision_ends(signed_pdf)[-1]
    assert recognise_updates(data, [end], revision_ends(data)) == {end: None}


def test_an_object_stream_whose_first_cuts_its_header_is_refused(pki):
    # the header "X 0 Y 2" with /First right after it, the object data beginning "00 ...":
    # poppler reads Y at offset 2 (<< /GS0 INFO 0 R >>), qpdf and pyHanko at 200 (a harmless
    # state); the update rewrites Info as << /CA 0 /ca 0 >> and poppler draws a blank page
    base = simple_pdf(["Amount: 1000 CNY"], title="contract")
    page = _first_page(base)
    x, y, holder = page.size, page.size + 1, page.size + 2
    head = b"%d 0 %d 2" % (x, y)
    data = head + (b"00 << /GS0 %d 0 R >>" % page.info).ljust(200) + b"<< /GS0 << /CA 1 >> >>"
    drawn = b"q /GS0 gs " + page.drawing + b" Q"
    unsigned = _xref_stream_update(base, {
        holder: b"<< /Type /ObjStm /N 2 /First %d /Length %d >>\nstream\n%s\nendstream" % (len(head), len(data), data),
        page.number: page.text.replace(b"/Resources <<", b"/Resources << /ExtGState %d 0 R" % y, 1),
        page.contents: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(drawn), drawn)}, {x: (holder, 0), y: (holder, 1)})
    with pikepdf.open(io.BytesIO(unsigned)) as doc:
        assert "/CA" in doc.get_object((y, 0)).GS0 and not doc.get_warnings()  # qpdf: offset 200
    signed_pdf = _sign(pki, unsigned, "Signature1")
    s = _Signed(signed_pdf)
    update = _update(signed_pdf, {**s.honest(value=_late_signature(s)), page.info: b"<< /Title (contract) /CA 0 /ca 0 >>"})
    end = revision_ends(signed_pdf)[-1]
    assert "/First" in recognise_updates(update, [end], revision_ends(update))[end]
    # refused, not left to pyHanko, which reads the stream as qpdf does and would allow it
    first = read_pdf(signed_pdf).signatures[0].byte_range
    assert analyse_changes(update, [first], quick=False)[first].level == ModificationLevel.FORM_FILLING
    assert analyse_changes(update, [first])[first].level is None


# ------------------------------------------------ thirteenth review: object streams, /L




def _objstm_update(s: _Signed, parts: list[tuple[int, bytes]], encode=lambda b: b, filter_: bytes = b"") -> bytes:
    """``s`` with an honest late signature whose objects ``parts`` ((number, bytes) each,
    the field among them) are compressed in one object stream of the update."""
    objects = s.honest(value=_late_signature(s))
    objects.pop(s.size)
    holder = s.size + 3
    head, body = b"", b""
    for number, text in parts:
        head += b"%d %d " % (number, len(body))
        body += text + b" "
    data = encode(head + body)
    objects[holder] = (b"<< /Type /ObjStm /N %d /First %d%s /Length %d >>\nstream\n"
                       % (len(parts), len(head), filter_, len(data)) + data + b"\nendstream")
    return _xref_stream_update(s.pdf, objects, {number: (holder, k) for k, (number, _) in enumerate(parts)})


def _field(s: _Signed) -> bytes:
    return s.honest(value=_late_signature(s))[s.size]


def test_a_compressed_late_field_is_recognised(signed):
    # the control for the object-stream tests below: the plain shape passes
    data = _objstm_update(signed, [(signed.size, _field(signed))])
    assert isinstance(_both_say(signed, data)[0], Additions)


@pytest.mark.parametrize("shape", ["stream after the dictionary", "a /Length and stream data",
                                   "an offset at whitespace", "an object that is a reference"])
def test_object_stream_objects_pyhanko_cannot_read_decline(signed, shape):
    # qpdf reads each of these without a warning; pyHanko's strict reader refuses them
    field = _field(signed)
    parts = [(signed.size, field)]
    if shape == "stream after the dictionary":
        parts = [(signed.size, field + b"\nstream\nxyz\nendstream")]
    elif shape == "a /Length and stream data":
        parts = [(signed.size, field[:-2] + b"/Length 3 >>\nstream\nxyz\nendstream")]
    elif shape == "an offset at whitespace":
        parts = [(signed.size, b" " + field)]
    else:
        extra = signed.size + 4
        parts = [(signed.size, field.replace(b"/F 132", b"/F %d 0 R" % extra)), (extra, b"%d 0 R" % signed.page)]
    data = _objstm_update(signed, parts)
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert not doc.get_warnings()
    found, full = _both_say(signed, data)
    assert found is None
    assert isinstance(full, str) and "could not be" in full


@pytest.mark.parametrize("filter_", [b"/ASCIIHexDecode", b"/ASCII85Decode", b"/FlateDecode"])
def test_an_object_stream_pyhanko_cannot_decode_declines(signed, filter_):
    # hex without ">", ASCII85 without "~>", Flate without its checksum: qpdf decodes each
    # silently, pyHanko cannot
    import base64
    import zlib
    encode = {b"/ASCIIHexDecode": lambda b: b.hex().encode(), b"/ASCII85Decode": base64.a85encode,
              b"/FlateDecode": lambda b: zlib.compress(b)[:-4]}[filter_]
    data = _objstm_update(signed, [(signed.size, _field(signed))], encode, b" /Filter " + filter_)
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert not doc.get_warnings()
    found, full = _both_say(signed, data)
    assert found is None
    assert isinstance(full, str) and "could not be read" in full
    # the whole verification reports it, and raises nothing (pyHanko raises zlib.error)
    first = read_pdf(signed.pdf).signatures[0].byte_range
    assert isinstance(analyse_changes(data, [first])[first], str)


def test_a_flate_object_stream_is_recognised(signed):
    import zlib
    data = _objstm_update(signed, [(signed.size, _field(signed))], zlib.compress, b" /Filter /FlateDecode")
    assert isinstance(_both_say(signed, data)[0], Additions)


def _linearized(pdf: bytes, length: int | None = None) -> bytes:
    """``pdf`` linearized by qpdf, its /L set to ``length`` when given (in the padding
    qpdf leaves after the linearization dictionary)."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        doc.save(out, linearize=True)
    data = out.getvalue()
    if length is None:
        return data
    m = re.search(rb"/L (\d+) ", data)
    new = b"/L %d " % length
    grow = len(new) - len(m.group(0))
    pad = data.index(b"endobj\n", m.start()) + 7
    assert data[pad:pad + grow] == b" " * grow
    return data[:m.start()] + new + data[m.end():pad] + data[pad + grow:]


@pytest.mark.parametrize("tricked", [False, True])
def test_a_file_that_reads_as_linearized_after_an_update_is_refused(pki, tricked):
    # Before signing: /L of a linearized "9000 CNY" document is set to the length the file
    # will have after a late signature, and a plain update redraws the page "1000 CNY";
    # the signer signs.  After the late signature, poppler takes the file as linearized,
    # reads the first revision's cross-reference only and shows "9000 CNY" (pyHanko,
    # qpdf's reading and Ghostscript show "1000").  Without the trick, the same late
    # signature is recognised.
    def made(length: int | None) -> tuple[_Signed, bytes]:
        lin = _linearized(simple_pdf(["Amount: 9000 CNY"], title="contract"), length)
        page = _first_page(lin)
        drawing = page.drawing.replace(b"9000", b"1000")
        redrawn = _update(lin, {page.number: page.text.replace(b"/Contents %d 0 R" % page.contents,
                                                               b"/Contents %d 0 R" % page.size),
                                page.size: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(drawing), drawing)})
        s = _Signed(_sign(pki, redrawn, "Signature1"))
        return s, _update(s.pdf, s.honest(value=_late_signature(s)))

    s, data = made(None)
    if tricked:  # the final length does not depend on /L's value, only on its width
        s, data = made(len(data) + 100000)
        s, data = made(len(data))
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert doc.is_linearized is tricked and not doc.get_warnings()
    first = read_pdf(s.pdf).signatures[0].byte_range
    quick, full = analyse_changes(data, [first])[first], analyse_changes(data, [first], quick=False)[first]
    if tricked:
        assert quick.level is None and "linearized" in quick.suspicious
        assert full.level is None and "linearized" in full.suspicious
    else:
        assert quick.level == full.level == ModificationLevel.FORM_FILLING


def test_an_object_stream_whose_first_object_follows_its_header_at_once_is_recognised(signed):
    # "N 0<< ..." with /First at "<<": no token is cut, every reader reads the same (an
    # earlier rule wanted whitespace before /First and refused this honest file)
    head = b"%d 0" % signed.size
    body = head + _field(signed)
    objects = signed.honest(value=_late_signature(signed))
    objects.pop(signed.size)
    holder = signed.size + 3
    objects[holder] = b"<< /Type /ObjStm /N 1 /First %d /Length %d >>\nstream\n%s\nendstream" % (len(head), len(body), body)
    data = _xref_stream_update(signed.pdf, objects, {signed.size: (holder, 0)})
    found, full = _both_say(signed, data)
    assert isinstance(found, Additions) and full.level == ModificationLevel.FORM_FILLING


@pytest.mark.parametrize(("old", "new"), [(b"/Type /Annot", b"/Type /Annot /X\x01y 1"), (b"/Type /Annot", b"/Type /Annot /X\xe9 1"),
                                          (b"(Late)", b"(La\\656te)"), (b"(Late)", b"(La\\qte)")])
def test_odd_syntax_in_an_update_object_stream_declines(signed, old, new):
    # a control byte or one above 127 in a name, an octal escape beyond a byte, an escape
    # of an ordinary letter: qpdf reads them silently, pyHanko's strict reader refuses them
    field = _field(signed)
    assert old in field
    data = _objstm_update(signed, [(signed.size, field.replace(old, new))])
    found, full = _both_say(signed, data)
    assert found is None
    assert isinstance(full, str) and "could not be" in full


@pytest.mark.parametrize("title", [b"(co\\656ct)", b"(co\\qtrct)", b"(co) /X\xe9 1"])
def test_odd_syntax_in_the_signed_revision_declines(signed, title):
    # as another signing tool could write it (patched in here: the revision analysis does
    # not look at the signature's CMS); the same file without the oddity is recognised
    data = _update(signed.pdf, signed.honest(value=_late_signature(signed)))
    at = signed.pdf.index(b"/Title (contract)", 848) + 7
    odd_signed = signed.pdf[:at] + title + signed.pdf[at + 10:]
    odd = data[:at] + title + data[at + 10:]
    assert len(title) == 10  # the cross-reference offsets stay right
    assert isinstance(_both_say(signed, data)[0], Additions)
    found, full = _both_say(_Signed(odd_signed), odd)
    assert found is None
    assert isinstance(full, str) and "could not be" in full


def _xref_stream_with_predictor(signed: _Signed, filter_byte: int, parameters: bytes) -> bytes:
    """The honest late signature with its cross-reference stream's rows (7 bytes) filtered
    by the PNG filter ``filter_byte`` (0 None, 1 Sub, 2 Up, 3 Average) under ``parameters``."""
    import zlib
    plain = _xref_stream_update(signed.pdf, signed.honest(value=_late_signature(signed)), {})
    m = re.search(rb"/Length (\d+) >>\nstream\n", plain[plain.rindex(b"/Type /XRef"):])
    start = plain.rindex(b"/Type /XRef") + m.end()
    rows = plain[start:start + int(m.group(1))]
    out, previous = b"", bytes(7)
    for at in range(0, len(rows), 7):
        row = rows[at:at + 7]
        if filter_byte == 0:
            coded = row
        elif filter_byte == 1:
            coded = bytes((row[i] - (row[i - 1] if i else 0)) % 256 for i in range(7))
        elif filter_byte == 2:
            coded = bytes((a - b) % 256 for a, b in zip(row, previous, strict=True))
        else:
            coded = bytes((row[i] - ((row[i - 1] if i else 0) + previous[i]) // 2) % 256 for i in range(7))
        out += bytes([filter_byte]) + coded
        previous = row
    body = zlib.compress(out)
    head = plain[:start - len(m.group(0))].replace(b"/Type /XRef", b"/Type /XRef /Filter /FlateDecode /DecodeParms %s"
                                                   % parameters, 1)
    return head + b"/Length %d >>\nstream\n" % len(body) + body + plain[start + len(rows):]


@pytest.mark.parametrize(("filter_byte", "parameters", "recognised"), [
    (0, b"<< /Predictor 12 /Columns 7 >>", True), (2, b"<< /Predictor 12 /Columns 7 >>", True),
    (1, b"<< /Predictor 12 /Columns 7 >>", False), (3, b"<< /Predictor 12 /Columns 7 >>", False),
    (2, b"<< /Predictor 12 /Columns 7 /Colors 1 >>", False)])
def test_cross_reference_stream_predictors_pyhanko_reads_otherwise_decline(signed, filter_byte, parameters, recognised):
    data = _xref_stream_with_predictor(signed, filter_byte, parameters)
    with pikepdf.open(io.BytesIO(data)) as doc:  # qpdf reads every one of them
        assert not doc.get_warnings() and doc.get_object((signed.size, 0)).get("/T") == "Late"
    found, full = _both_say(signed, data)
    assert isinstance(found, Additions) is recognised
    if filter_byte in (1, 3):  # pyHanko: a different table (Sub), or no table (Average)
        assert not (isinstance(full, ChangeResult) and full.level == ModificationLevel.FORM_FILLING)


@pytest.mark.parametrize("contents", [b"<0400>", b"<3000>", b"<%s>" % b"30".ljust(200, b"0")])
def test_a_late_signature_pyhanko_cannot_read_declines(signed, contents):
    # pyHanko reads every signature when it analyses any: a later one whose CMS it cannot
    # load makes it fail for the first one too (found by the differential fuzzer)
    value = _late_signature(signed)
    value = re.sub(rb"/Contents <[0-9a-fA-F]*>", b"/Contents " + contents, value)
    found, full = _both_say(signed, _update(signed.pdf, signed.honest(value=value)))
    assert found is None
    assert isinstance(full, str) and "could not be" in full


@pytest.mark.parametrize("escape", [b"\\08", b"\\8", b"\\128"])
def test_an_escape_pyhanko_reads_as_a_bad_octal_number_declines(signed, escape):
    # pyHanko takes up to three decimal digits after a backslash as an octal number and
    # fails on an 8 or a 9 among them; qpdf reads the octal digits only (fuzzer finding)
    found, full = _both_say(signed, _update(signed.pdf, signed.honest(value=_late_signature(signed),
                                                                       name=b"La" + escape + b"te")))
    assert found is None
    assert isinstance(full, str) and "could not be" in full


# ------------------------------------ fifteenth review: what makes viewers rebuild the xref


def test_a_signed_revision_referring_to_nothing_declines(pki):
    # The signed page's resources name a graphics state no table lists: qpdf reads null
    # and leaves the key out; poppler fetches it while drawing, finds the cross-reference
    # broken and rebuilds it by scanning the file, taking objects no section lists (one
    # hidden in a stream's data, say).  The update then drops the key: on qpdf's objects
    # the page reads the same.
    base = simple_pdf(["Contract"], title="contract")
    page = _first_page(base)
    missing = page.size + 40
    dangling = page.text.replace(b"/Resources <<", b"/Resources << /ExtGState %d 0 R" % missing, 1)
    signed = _Signed(_sign(pki, _update(base, {page.number: dangling}), "Signature1"))
    objects = signed.honest(value=_late_signature(signed))
    assert b"/ExtGState %d 0 R" % missing in signed.pdf
    objects[signed.page] = signed.page_text  # qpdf's reading: without the key
    found, full = _both_say(signed, _update(signed.pdf, objects))
    assert found is None
    assert not (isinstance(full, ChangeResult) and full.level is not None)


def test_a_stream_keyword_in_a_comment_hides_nothing(signed):
    # "%stream" and "%endstream" comments around a page's resources that name nothing: a
    # search for stream data took the bytes between for data and the checks never saw
    # the dangling reference (poppler and Ghostscript then rebuild the cross-reference)
    objects = signed.honest(value=_late_signature(signed))
    old = b"/Resources << /Font << /F1 7 0 R >> >>"
    assert old in signed.page_text
    objects[signed.page] = signed.page_text.replace(
        old, b"%stream\n/Resources << /Font << /F1 7 0 R >> /ExtGState 99 0 R >> %endstream\n")
    found, full = _both_say(signed, _update(signed.pdf, objects))
    assert found is None
    assert not (isinstance(full, ChangeResult) and full.level is not None)


def test_an_unlisted_object_behind_leading_zeros_declines(signed):
    # "0000...04 0 obj" (forty zeros) in the update, listed nowhere: readers that scan the
    # file take it as object 4 (the look-back for the number was 32 bytes)
    data = _update(signed.pdf, signed.honest(value=_late_signature(signed)))
    at = data.rfind(b"\nxref\n") + 1
    hidden = b"0" * 40 + b"%d 0 obj\n<< /Length 3 >>\nstream\nxyz\nendstream\nendobj\n" % signed.page
    data = data[:at] + hidden + data[at:]
    tail = re.search(rb"startxref\n(\d+)\n%%EOF\n\Z", data)
    data = data[:tail.start(1)] + b"%d" % (at + len(hidden)) + data[tail.end(1):]
    found, _ = _both_say(signed, data)
    assert found is None


@pytest.mark.parametrize(("widths", "recognised"), [(b"[1 4 2]", True), (b"[2 4 2]", False), (b"[5 4 2]", False)])
def test_cross_reference_stream_fields_viewers_cannot_read_are_refused(signed, widths, recognised):
    # Ghostscript reads no type field over a byte, poppler none over four (and no field
    # over eight): both then rebuild the cross-reference by scanning the file, and
    # pyHanko reads the stream all the same, so the whole analysis refuses it (qpdf
    # itself reads no field over eight bytes)
    objects = signed.honest(value=_late_signature(signed))
    plain = _xref_stream_update(signed.pdf, objects, {})
    a, b, c = (int(w) for w in widths[1:-1].split())
    x = plain.rindex(b"/Type /XRef")
    m = re.search(rb"/Length (\d+) >>\nstream\n", plain[x:])
    start = x + m.end()
    rows = plain[start:start + int(m.group(1))]
    wide = b"".join(row[0:1].rjust(a, b"\0") + row[1:5].rjust(b, b"\0") + row[5:7].rjust(c, b"\0")
                    for row in (rows[k:k + 7] for k in range(0, len(rows), 7)))
    data = (plain[:x] + plain[x:start - len(m.group(0))].replace(b"/W [1 4 2]", b"/W " + widths)
            + b"/Length %d >>\nstream\n" % len(wide) + wide + plain[start + len(rows):])
    with pikepdf.open(io.BytesIO(data)) as doc:  # qpdf reads every one of them
        assert not doc.get_warnings() and doc.get_object((signed.size, 0)).get("/T") == "Late"
    found = _both_say(signed, data)[0]
    assert isinstance(found, Additions) is recognised
    first = read_pdf(signed.pdf).signatures[0].byte_range
    for quick in (True, False):
        verdict = analyse_changes(data, [first], quick=quick)[first]
        assert (verdict.level == ModificationLevel.FORM_FILLING) is recognised, (quick, verdict)


@pytest.mark.parametrize(("size", "refused"), [(b"%d", False), (b"33554433", True), (b"40000000", True), (b"20.0", True)])
def test_a_size_viewers_cannot_make_room_for_is_refused(signed, size, refused):
    # poppler cannot allocate a cross-reference of 2^25 entries and more and rebuilds it by
    # scanning the file; qpdf only warns and pyHanko reads the file: the whole analysis
    # refuses such a /Size after signing (a sixteenth review)
    data = _update(signed.pdf, signed.honest(value=_late_signature(signed)))
    at = data.rindex(b"trailer")
    m = re.compile(rb"/Size (\d+)").search(data, at)
    honest = int(m.group(1))
    value = size % honest if b"%d" in size else size
    data = data[:m.start(1)] + value + data[m.end(1):]
    first = read_pdf(signed.pdf).signatures[0].byte_range
    for quick in (True, False):
        verdict = analyse_changes(data, [first], quick=quick)[first]
        if refused:
            assert verdict.level is None and "/Size" in verdict.suspicious, (quick, verdict)
        else:
            assert verdict.level == ModificationLevel.FORM_FILLING, (quick, verdict)


def test_a_signed_revision_object_stream_referring_to_nothing_declines(pki):
    # the sixteenth review: a page kept in an object stream of the signed revision whose
    # resources name an object no section lists; poppler fetches it, rebuilds the
    # cross-reference and draws an object hidden in a stream's data
    base = simple_pdf(["Contract"], title="contract")
    page = _first_page(base)
    holder, missing = page.size, page.size + 40
    body = page.text.replace(b"/Resources <<", b"/Resources << /ExtGState %d 0 R" % missing, 1)
    head = b"%d 0 " % page.number
    stream = (b"<< /Type /ObjStm /N 1 /First %d /Length %d >>\nstream\n%s\nendstream"
              % (len(head), len(head + body), head + body))
    signed = _Signed(_sign(pki, _xref_stream_update(base, {holder: stream}, {page.number: (holder, 0)}), "Signature1"))
    data = _update(signed.pdf, signed.honest(value=_late_signature(signed)))
    found, full = _both_say(signed, data)
    assert found is None
    assert not (isinstance(full, ChangeResult) and full.level is not None)


def test_stream_data_full_of_stream_keywords_is_read_in_linear_time(signed):
    # the sixteenth review: 'stream' and an end of line repeated through a stream's data
    # made the search for where qpdf read the data compare the rest of it at each one
    # (2 MB took 10 s, growing with the square; the bytes after it must be as many); a
    # hang guard, not a speed measurement
    import time
    padding = b"stream\n" * 600_000
    objects = {**signed.honest(value=_late_signature(signed)),
               signed.size + 5: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(padding), padding),
               signed.size + 6: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(padding), bytes(len(padding)))}
    data = _update(signed.pdf, objects)
    end = revision_ends(signed.pdf)[-1]
    started = time.perf_counter()
    assert recognise_updates(data, [end], revision_ends(data))[end] is None  # an object no field uses
    assert time.perf_counter() - started < 10


def _hidden_page_copy(page: _Page) -> bytes:
    """Object ``page.contents`` again, drawing "EVIL": what a viewer rebuilding the
    cross-reference by scanning the file would take, were it found."""
    drawing = page.drawing.replace(b"Contract", b"EVIL")
    return b"%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (page.contents, len(drawing), drawing)


@pytest.mark.parametrize("where", ["in an unused stream's data", "after its listed copy", "in an unused object stream"])
def test_an_object_a_rebuilding_viewer_would_find_in_the_signed_revision_declines(pki, where):
    # poppler and Ghostscript rebuild a cross-reference they find broken by scanning the
    # file and keep the last copy of each number, from object streams too: with such a
    # copy in the signed revision, any trigger in a later update would show it
    base = simple_pdf(["Contract"], title="contract")
    page = _first_page(base)
    hidden = _hidden_page_copy(page)
    if where == "in an unused stream's data":
        prepared = _update(base, {page.size: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(hidden), hidden)})
    elif where == "after its listed copy":
        prepared = _update(base + hidden, {page.info: b"<< /Title (contract) >>"})
    else:
        head = b"%d 0 " % page.contents
        body = b"<< /Type /XObject >>"
        stream = b"<< /Type /ObjStm /N 1 /First %d /Length %d >>\nstream\n%s\nendstream" % (
            len(head), len(head + body), head + body)
        prepared = _update(base, {page.size: stream})
    signed = _Signed(_sign(pki, prepared, "Signature1"))
    data = _update(signed.pdf, signed.honest(value=_late_signature(signed)))
    assert _both_say(signed, data)[0] is None
    # the same preparation without the copy is recognised
    plain = _Signed(_sign(pki, _update(base, {page.info: b"<< /Title (contract) >>"}), "Signature1"))
    assert isinstance(_both_say(plain, _update(plain.pdf, plain.honest(value=_late_signature(plain))))[0], Additions)


def _object_stream_with_a_stale_page(base: bytes) -> bytes:
    """``base`` with an update adding an object stream that holds a harmless object, taken
    from it, and a copy of the page drawing "EVIL", taken by no entry (the seventeenth
    review's preparation): MuPDF and Ghostscript, repairing a file, take such copies."""
    page = _first_page(base)
    holder, kept, evil = page.size, page.size + 1, page.size + 2
    drawing = b"BT /F1 48 Tf 72 500 Td (EVIL 999) Tj ET"
    copy = page.text.replace(b"/Contents %d 0 R" % page.contents, b"/Contents %d 0 R" % evil)
    head, body = b"", b""
    for number, text in [(kept, b"<< /Note (kept) >>"), (page.number, copy)]:
        head += b"%d %d " % (number, len(body))
        body += text + b" "
    stream = (b"<< /Type /ObjStm /N 2 /First %d /Length %d >>\nstream\n" % (len(head), len(head + body))
              + head + body + b"\nendstream")
    return _xref_stream_update(base, {holder: stream,
                                      evil: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(drawing), drawing)},
                               {kept: (holder, 0)})


@pytest.mark.parametrize("trigger", ["a classic table after a stream", "an indented table line"])
def test_a_late_update_making_viewers_repair_the_file_is_refused(pki, trigger):
    base = simple_pdf(["Contract"], title="contract")
    signed = _Signed(_sign(pki, _object_stream_with_a_stale_page(base), "Signature1"))
    late = signed.honest(value=_late_signature(signed))
    data = _update(signed.pdf, late)  # a classic table whose /Prev is the signed cross-reference stream
    if trigger == "an indented table line":
        at = data.rindex(b"\nxref\n") + 1
        m = re.compile(rb"\n(\d+ \d+\n)").search(data, at + len(b"xref\n0 1\n") + 20)
        data = data[:m.start(1)] + b" " + data[m.start(1):]
        tail = re.search(rb"startxref\n(\d+)\n%%EOF\n\Z", data)
        assert int(tail.group(1)) == at  # the table did not move
    first = read_pdf(signed.pdf).signatures[0].byte_range
    for quick in (True, False):
        verdict = analyse_changes(data, [first], quick=quick)[first]
        assert verdict.level is None and "repair" in verdict.suspicious, (quick, verdict)
    # a cross-reference stream after it, as pyHanko writes one, is no trigger
    honest = _xref_stream_update(signed.pdf, late, {})
    assert analyse_changes(honest, [first])[first].level == ModificationLevel.FORM_FILLING


@pytest.mark.parametrize("trigger", ["xref and a subsection on one line, then an indented one",
                                     "a /Prev far after trailer", "an escaped /Prev", "a blank line in the table",
                                     "21-byte entries"])
def test_more_repair_triggers_are_refused_when_a_repair_would_show_another_object(pki, trigger):
    # the eighteenth review: ways around the two triggers first refused, all read by
    # qpdf and pyHanko, all making MuPDF or Ghostscript repair the file and draw the
    # object stream's stale page; now any table after signing not written strictly, or
    # continuing a stream, is refused while such a copy exists
    base = simple_pdf(["Contract"], title="contract")
    signed = _Signed(_sign(pki, _object_stream_with_a_stale_page(base), "Signature1"))
    data = _update(signed.pdf, signed.honest(value=_late_signature(signed)))
    at = data.rindex(b"\nxref\n") + 1
    trailer = data.index(b"trailer", at)
    if trigger.startswith("xref and"):
        table = data[at:trailer].replace(b"xref\n", b"xref ", 1)
        table = re.sub(rb"\n([0-9]+ 1\n)", rb"\n \1", table, count=1)
        data = data[:at] + table + data[trailer:]
        data = _restart(data, at)
    elif trigger == "a /Prev far after trailer":
        data = data.replace(b"trailer\n<<", b"trailer\n<< /Pad [" + b" 0" * 3000 + b" ]", 1)
    elif trigger == "an escaped /Prev":
        data = data[:trailer] + data[trailer:].replace(b"/Prev", b"/P#72ev", 1)
    elif trigger == "a blank line in the table":
        data = data[:at] + data[at:trailer].replace(b"0 1\n", b"0 1\n\n", 1) + data[trailer:]
        data = _restart(data, at)
    else:
        data = data[:at] + data[at:trailer].replace(b" \n", b" \r\n") + data[trailer:]
        data = _restart(data, at)
    first = read_pdf(signed.pdf).signatures[0].byte_range
    for quick in (True, False):
        verdict = analyse_changes(data, [first], quick=quick)[first]
        assert verdict.level is None and "repair" in verdict.suspicious, (quick, verdict)


def _restart(data: bytes, table: int) -> bytes:
    """``data`` with its last startxref pointing at ``table`` (its last table, moved)."""
    tail = re.search(rb"startxref\n(\d+)\n%%EOF\n\Z", data)
    return data[:tail.start(1)] + b"%d" % table + data[tail.end(1):]


@pytest.mark.parametrize("row", [b"\x01" + (10 ** 8).to_bytes(4, "big") + bytes(2),
                                 b"\x02" + (10 ** 6).to_bytes(4, "big") + bytes(2)])
def test_an_object_stream_of_the_update_holding_an_object_no_entry_takes_is_refused(signed, row):
    # the eighteenth review: the late signature written as pyHanko writes it, its object
    # stream also holding a copy of the page that no row takes, and one row MuPDF cannot
    # follow (past the end of the file, or into an object stream that does not exist):
    # MuPDF repairs and draws the copy, pyHanko never reads the row
    page = _first_page(signed.pdf)
    objects = signed.honest(value=_late_signature(signed))
    field = objects.pop(signed.size)
    holder, evil, orphan = signed.size + 3, signed.size + 4, signed.size + 6
    drawing = b"BT /F1 48 Tf 72 500 Td (EVIL 999) Tj ET"
    copy = page.text.replace(b"/Contents %d 0 R" % page.contents, b"/Contents %d 0 R" % evil)
    head, body = b"", b""
    for number, text in [(signed.size, field), (page.number, copy)]:
        head += b"%d %d " % (number, len(body))
        body += text + b" "
    objects[holder] = (b"<< /Type /ObjStm /N 2 /First %d /Length %d >>\nstream\n" % (len(head), len(head + body))
                       + head + body + b"\nendstream")
    objects[evil] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(drawing), drawing)
    data = _xref_stream_update(signed.pdf, objects, {signed.size: (holder, 0)}, {orphan: row})
    first = read_pdf(signed.pdf).signatures[0].byte_range
    assert _both_say(signed, data)[0] is None
    for quick in (True, False):
        verdict = analyse_changes(data, [first], quick=quick)[first]
        assert verdict.level is None and "repair" in verdict.suspicious, (quick, verdict)


def test_an_odd_but_harmless_table_is_not_refused(signed):
    # the eighteenth review: a space before "trailer" was refused as a MuPDF repair
    # trigger, with nothing in the file a repair would show differently
    data = _update(signed.pdf, signed.honest(value=_late_signature(signed)))
    at = data.rindex(b"trailer")
    data = data[:at] + b" " + data[at:]
    first = read_pdf(signed.pdf).signatures[0].byte_range
    assert analyse_changes(data, [first], quick=False)[first].level == ModificationLevel.FORM_FILLING
    assert analyse_changes(data, [first])[first].level == ModificationLevel.FORM_FILLING


def _mupdf_repair_trigger(data: bytes) -> bytes:
    """``data`` with its last table written "xref 0 1" on one line and a later subsection
    indented: MuPDF repairs such a file (the eighteenth review's trigger)."""
    at = data.rindex(b"\nxref\n") + 1
    trailer = data.index(b"trailer", at)
    table = data[at:trailer].replace(b"xref\n", b"xref ", 1)
    table = re.sub(rb"\n([0-9]+ 1\n)", rb"\n \1", table, count=1)
    return _restart(data[:at] + table + data[trailer:], at)


@pytest.mark.parametrize("spelling", [b"%d 0 %%c\nobj", b"%d %%c\n0 obj"])
def test_an_object_header_with_a_comment_in_it_counts_as_hidden(signed, spelling):
    # the nineteenth review: a copy of the page's content stream in the update, its header
    # with a comment in it, which the walk back from "obj" did not take for a header; a
    # MuPDF repair took it and drew "EVIL"
    page = _first_page(signed.pdf)
    drawing = b"BT /F1 48 Tf 72 500 Td (EVIL 999) Tj ET"
    data = _update(signed.pdf, signed.honest(value=_late_signature(signed)))
    at = data.rindex(b"\nxref\n") + 1
    copy = spelling % page.contents + b"\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (len(drawing), drawing)
    data = _restart(data[:at] + copy + data[at:], at + len(copy))
    first = read_pdf(signed.pdf).signatures[0].byte_range
    assert recognise_updates(data, [first[2] + first[3]], revision_ends(data))[first[2] + first[3]] is None
    tricked = _mupdf_repair_trigger(data)
    for quick in (True, False):
        verdict = analyse_changes(tricked, [first], quick=quick)[first]
        assert verdict.level is None and "repair" in verdict.suspicious, (quick, verdict)


@pytest.mark.parametrize("first_value", [b"%d.0", b"0"])
def test_an_object_stream_whose_members_cannot_be_told_counts_as_hidden(pki, first_value):
    # the nineteenth review: an object stream no entry takes from, holding a copy of the
    # page, with /First a real or 0: its header read as empty, nothing was hidden; MuPDF
    # reads /First as a number and drew the copy after a repair
    base = simple_pdf(["Contract"], title="contract")
    page = _first_page(base)
    holder, evil = page.size, page.size + 1
    drawing = b"BT /F1 48 Tf 72 500 Td (EVIL 999) Tj ET"
    copy = page.text.replace(b"/Contents %d 0 R" % page.contents, b"/Contents %d 0 R" % evil)
    head = b"%d 0 " % page.number
    stream = (b"<< /Type /ObjStm /N 1 /First %s /Length %d >>\nstream\n"
              % (first_value.replace(b"%d", b"%d" % len(head)), len(head + copy)) + head + copy + b"\nendstream")
    signed = _Signed(_sign(pki, _update(base, {holder: stream, evil: b"<< /Length %d >>\nstream\n%s\nendstream"
                                               % (len(drawing), drawing)}), "Signature1"))
    data = _mupdf_repair_trigger(_update(signed.pdf, signed.honest(value=_late_signature(signed))))
    first = read_pdf(signed.pdf).signatures[0].byte_range
    for quick in (True, False):
        verdict = analyse_changes(data, [first], quick=quick)[first]
        assert verdict.level is None and "repair" in verdict.suspicious, (quick, verdict)


def test_hostile_object_headers_and_object_streams_raise_nothing_and_inflate_little(pki):
    # the nineteenth review: 5,000-digit object numbers made int() raise out of the
    # analysis, and object streams inflating a thousandfold were inflated whole to read
    # their headers (8 of 200 MB took 11 s)
    import zlib
    base = simple_pdf(["Contract"], title="contract")
    page = _first_page(base)
    bomb = zlib.compress(b"0" * (50 << 20), 9)
    objects = {page.size: b"<< /Type /ObjStm /N 0 /First 0 /Filter /FlateDecode /Length %d >>\nstream\n"
                          % len(bomb) + bomb + b"\nendstream"}
    prepared = _update(base, objects) + b"%" + b"1" * 5000 + b" 0 obj\n"
    signed = _Signed(_sign(pki, _update(prepared, {page.info: b"<< /Title (contract) >>"}), "Signature1"))
    data = _update(signed.pdf, signed.honest(value=_late_signature(signed)))
    first = read_pdf(signed.pdf).signatures[0].byte_range
    for quick in (True, False):
        assert isinstance(analyse_changes(data, [first], quick=quick)[first], ChangeResult)


def _hidden_copy_signed(pki, holder_text) -> _Signed:
    """A document signed after an update that adds, besides an object stream holding the
    name /ObjStm (object ``size + 3``), a stream built by ``holder_text(page, evil, name)``
    that holds a copy of the page drawing "EVIL 999" and that no entry takes from."""
    base = simple_pdf(["Contract"], title="contract")
    page = _first_page(base)
    container, hidden, evil, name = page.size, page.size + 1, page.size + 2, page.size + 3
    drawing = b"BT /F1 48 Tf 72 500 Td (EVIL 999) Tj ET"
    import zlib
    head = b"%d 0 " % name
    packed = zlib.compress(head + b"/ObjStm")  # the name spelled nowhere in the file's bytes
    container_stream = (b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
                        % (len(head), len(packed)) + packed + b"\nendstream")
    unsigned = _xref_stream_update(base, {container: container_stream, hidden: holder_text(page, evil, name),
                                          evil: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(drawing), drawing)},
                                   {name: (container, 0)})
    return _Signed(_sign(pki, unsigned, "Signature1"))


@pytest.mark.parametrize("spelling", ["an indirect /Type", "a /First without a /Type"])
def test_an_object_stream_typed_otherwise_counts_as_hidden(pki, spelling):
    # the twentieth review: /Type given through another object (MuPDF and Ghostscript
    # resolve it) escaped a count of /ObjStm spellings; Ghostscript keeps the first of two
    # /Type keys, qpdf the last
    def holder(page, evil, name):
        copy = page.text.replace(b"/Contents %d 0 R" % page.contents, b"/Contents %d 0 R" % evil)
        head = b"%d 0 " % page.number
        kind = b"/Type %d 0 R" % name if spelling == "an indirect /Type" else b""
        return (b"<< %s /N 1 /First %d /Length %d >>\nstream\n" % (kind, len(head), len(head + copy))
                + head + copy + b"\nendstream")
    signed = _hidden_copy_signed(pki, holder)
    data = _mupdf_repair_trigger(_update(signed.pdf, signed.honest(value=_late_signature(signed))))
    first = read_pdf(signed.pdf).signatures[0].byte_range
    for quick in (True, False):
        verdict = analyse_changes(data, [first], quick=quick)[first]
        assert verdict.level is None and "repair" in verdict.suspicious, (quick, verdict)


def test_an_object_stream_header_readers_pair_otherwise_counts_as_hidden():
    # the twentieth review: "9 0\0" + "3 40": readers take NUL for whitespace and pair
    # (9 0) (3 40), bytes.split() paired (9 "0\03") and the next pair, which the table gave;
    # a comment before /First: readers skip it, so no pairing can be trusted
    from esealkit.pdf.changes import _object_stream_header
    pdf = pikepdf.new()
    for header, told in [(b"9 0\x003 40 ", [b"9", b"0", b"3", b"40"]), (b"9 0 3 40 ", [b"9", b"0", b"3", b"40"]),
                         (b"9 0% c\n3 40 ", None), (b"9 0 3 ", None)]:
        stream = pikepdf.Stream(pdf, header + b"<< >> << >>")
        stream.stream_dict.N, stream.stream_dict.First = 2, len(header)
        assert _object_stream_header(stream, [1 << 20]) == told, header


def test_many_object_streams_with_huge_headers_are_read_in_bounded_time(pki):
    # the twentieth review: thirty object streams, each a real container whose /First
    # sits after 16 MB of spaces (16 KB compressed): each was inflated whole, several
    # times (20 of them took 14 s); a hang guard, not a speed measurement
    import time
    import zlib
    base = simple_pdf(["Contract"], title="contract")
    size = _first_page(base).size
    plain, compressed = {}, {}
    for k in range(30):
        container, member = size + 2 * k, size + 2 * k + 1
        head = (b"%d 0" % member).ljust(1 << 24)
        packed = zlib.compress(head + b"<< /K %d >>" % k, 9)
        plain[container] = (b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
                            % (len(head), len(packed)) + packed + b"\nendstream")
        compressed[member] = (container, 0)
    signed = _Signed(_sign(pki, _xref_stream_update(base, plain, compressed), "Signature1"))
    data = _update(signed.pdf, signed.honest(value=_late_signature(signed)))
    first = read_pdf(signed.pdf).signatures[0].byte_range
    started = time.perf_counter()
    for quick in (True, False):
        assert isinstance(analyse_changes(data, [first], quick=quick)[first], ChangeResult)
    assert time.perf_counter() - started < 20


def test_an_icc_profile_is_no_hidden_object(pki):
    # an ICC profile stream has an /N (3 or 4 components) like an object stream: it must
    # not make an honest file count as holding objects a repair would show otherwise
    from esealkit.pdf.changes import _hidden_objects
    base = simple_pdf(["Contract"], title="contract")
    page = _first_page(base)
    profile = b"<< /N 3 /Alternate /DeviceRGB /Length 4 >>\nstream\nabcd\nendstream"
    data = _update(base, {page.size: profile, page.info: b"<< /Title (contract) /X %d 0 R >>" % page.size})
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert _hidden_objects(data, doc) is None


def test_an_empty_object_stream_is_not_inflated():
    # the twenty-first review: /N 0 /First 0 asked zlib for at most 0 bytes, which zlib
    # takes for no limit: a thousandfold bomb was inflated whole (1 GB: 10 s, 2 GB of memory)
    import zlib

    from esealkit.pdf.changes import _object_stream_header
    pdf = pikepdf.new()
    stream = pikepdf.Stream(pdf, b"")
    stream.write(zlib.compress(b"0" * (64 << 20), 9), filter=pikepdf.Name.FlateDecode)
    stream.stream_dict.N, stream.stream_dict.First = 0, 0
    budget = [100]
    assert _object_stream_header(stream, budget) == [] and budget == [99]


def test_a_stream_length_given_as_a_reference_is_told_apart():
    # a stream read once is not read again in a later step unless its /Length is another
    # object (which a later revision may change): only the stream's own /Length counts
    from esealkit.pdf.signing_updates import _indirect_length
    base = simple_pdf(["Contract"], title="contract")
    page = _first_page(base)
    n = page.size
    data = _update(base, {n: b"<< /Length %d 0 R >>\nstream\nabcd\nendstream" % (n + 1), n + 1: b"4",
                          n + 2: b"<< /Length 4 /DecodeParms << /Length %d 0 R >> >>\nstream\nabcd\nendstream" % (n + 1),
                          page.info: b"<< /Title (contract) /X [%d 0 R %d 0 R] >>" % (n, n + 2)})
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert _indirect_length(doc.get_object((n, 0)))
        assert not _indirect_length(doc.get_object((n + 2, 0)))


# ------------------------------------------- cross-reference streams that list themselves as free
# iText 5 writes every cross-reference stream with its own number free (n 0 65535), which
# pyHanko reads as freeing an object.  The twenty-third review built two files that got
# through when that entry was passed over (a relaxation tried and withdrawn): they must
# never pass.


def _last_startxref(pdf: bytes) -> int:
    return int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])


def _self_freed_xref_stream(pdf: bytes, number: int, rows: bytes, count: int, trailer: bytes) -> bytes:
    at = len(pdf) + 1
    head = (b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Index[%d %d]%s/Prev %d/Length %d>>stream\n"
            % (number, number + count, number, count, trailer, _last_startxref(pdf), len(rows)))
    return pdf + b"\n" + head + rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % at


def _row(kind: int, a: int, b: int) -> bytes:
    return bytes([kind]) + a.to_bytes(4, "big") + b.to_bytes(2, "big")


def _trailer_keys(doc: pikepdf.Pdf) -> bytes:
    ids = b"".join(b"<" + bytes(x).hex().encode() + b">" for x in doc.trailer.ID)
    return b"/Root %d 0 R/Info %d 0 R/ID[%s]" % (doc.Root.objgen[0], doc.trailer.Info.objgen[0], ids)


def test_a_self_freed_stream_that_drops_the_signed_annotations_never_passes(pki):
    from esealkit.engine import Verifier
    base = add_annotation(simple_pdf(["Contract", "Amount: 1000 CNY"], title="contract"), "void otherwise")
    signed = _sign(pki, base, "Seal1", box=(300, 600, 550, 700))
    with pikepdf.open(io.BytesIO(signed)) as doc:
        size, page = int(doc.trailer.Size), doc.pages[0].obj
        page_no, page_text = page.objgen[0], bytes(page.unparse(resolved=True))
        annots = b" ".join(b"%d 0 R" % a.objgen[0] for a in page.Annots)
        form = doc.Root.AcroForm
        form_no, form_text = form.objgen[0], bytes(form.unparse(resolved=True))
        keys = _trailer_keys(doc)
    field, array = size, size + 1
    # revision 1, allowed alone: an empty signature field, the page's /Annots moved to a new array
    first = _update(signed, {
        field: b"<< /FT /Sig /T (Late) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 /P %d 0 R >>" % page_no,
        array: b"[ %s %d 0 R ]" % (annots, field),
        page_no: re.sub(rb"/Annots \d+ 0 R", b"/Annots %d 0 R" % array, page_text),
        form_no: form_text.replace(b"/Fields [", b"/Fields [ %d 0 R " % field, 1)})
    # revision 2: a cross-reference stream numbered as that array, listing itself free:
    # every viewer then reads /Annots as null, the signed seal and note are gone
    attack = _self_freed_xref_stream(first, array, _row(0, 0, 0xFFFF), 1, keys)
    report = Verifier(trust=pki.trust()).verify(attack)
    assert report.signatures[0].indication is not Indication.TOTAL_PASSED, report.signatures[0].checks


def test_a_self_freed_stream_whose_rows_make_viewers_repair_never_passes(pki):
    from esealkit.engine import Verifier
    # an unlisted later copy of the page's content (MuPDF takes it when it repairs), and a
    # row past the end of the file (which makes it repair)
    planted, _number, _copy_at, keys, _signed, size = _planted_copy(pki)
    copy = bytes(planted).rstrip(b"\n")
    rows = _row(0, 0, 0xFFFF) + _row(1, len(copy) + 100_000, 0)
    attack = _self_freed_xref_stream(copy, size, rows, 2, keys)
    report = Verifier(trust=pki.trust()).verify(attack)
    assert report.signatures[0].indication is not Indication.TOTAL_PASSED, report.signatures[0].checks


def test_only_a_fresh_self_freed_stream_with_rows_viewers_follow_is_passed_over(pki):
    # what changes._own_free_entry takes: the stream's own number new to the file, nothing
    # else freed, every row at its object's plain header or in an object stream placed so
    from pyhanko.pdf_utils.reader import PdfFileReader

    from esealkit.pdf.changes import _own_free_entry
    signed = _sign(pki, simple_pdf(["Contract"], title="contract"), "Seal1")
    with pikepdf.open(io.BytesIO(signed)) as doc:
        size, info = int(doc.trailer.Size), doc.trailer.Info.objgen[0]
        info_text = bytes(doc.trailer.Info.unparse(resolved=True))
        keys = _trailer_keys(doc)
    body = signed + b"\n%d 0 obj\n" % info
    at = len(body) - len(b"%d 0 obj\n" % info)
    updated = body + info_text.replace(b"contract", b"contract, v2") + b"\nendobj"

    def own(rows: list[tuple[int, bytes]]) -> object:
        """The entry passed over when the update's stream (number ``size``) has these rows."""
        rows = sorted(rows)
        index = b" ".join(b"%d 1" % number for number, _ in rows)
        data = _self_freed_xref_stream(updated, size, b"".join(row for _, row in rows), 1, keys)
        data = data.replace(b"/Index[%d 1]" % size, b"/Index[%s]" % index, 1)
        reader = PdfFileReader(io.BytesIO(data), strict=True)
        return _own_free_entry(data, reader.get_historical_resolver(reader.xrefs.total_revisions - 1))

    itself = (size, _row(0, 0, 0xFFFF))
    assert own([itself, (info, _row(1, at, 0))]) is not None  # the iText shape
    assert own([itself, (info, _row(1, at + 1, 0))]) is None  # a row beside its header
    assert own([itself, (info, _row(2, size + 7, 0))]) is None  # into an object stream nowhere
    assert own([itself, (info, _row(0, 0, 3))]) is None  # something else freed
    assert own([(size, _row(0, 0, 7)), (info, _row(1, at, 0))]) is None  # not for good (65535)


@pytest.mark.parametrize("listed", [True, False], ids=["stream-listed", "stream-self-freed"])
def test_an_xrefstm_on_a_stream_section_never_passes(pki, listed):
    # the twenty-fourth review: MuPDF follows /XRefStm after a cross-reference stream too,
    # qpdf and pyHanko only after a classic trailer; the hidden section it points at put
    # the page's content at an unlisted copy drawing other text
    from esealkit.engine import Verifier
    out, number, copy_at, keys, signed, size = _planted_copy(pki)
    main, hidden = size, size + 1
    hidden_at = len(out)
    out += (b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Index[%d 1]/Length 7>>stream\n" % (hidden, hidden + 1, number)
            + _row(1, copy_at, 0) + b"\nendstream\nendobj\n")
    main_at = len(out)
    rows = _row(1, main_at, 0) if listed else _row(0, 0, 0xFFFF)
    out += (b"%d 0 obj %%<<>>\n<</Type/XRef/Size %d/W[1 4 2]/Index[%d 1]%s/Prev %d/XRefStm %d/Length 7>>stream\n"
            % (main, hidden + 1, main, keys, _last_startxref(signed), hidden_at) + rows
            + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % main_at)
    report = Verifier(trust=pki.trust()).verify(bytes(out))
    assert report.signatures[0].indication is not Indication.TOTAL_PASSED, report.signatures[0].checks


@pytest.mark.parametrize("later", ["object", "cross-reference stream"])
def test_a_signed_reference_to_nothing_that_a_later_revision_fills_never_passes(pki, later):
    # the twenty-fourth review: the page tree's /Parent refers to object N, which does not
    # exist when signing (every viewer reads null); after signing, N is defined (pyHanko
    # counts it an orphan, allowed) or is a cross-reference stream's own number (MuPDF
    # takes it for the stream): MuPDF and pdf.js inherit its /Rotate and /CropBox
    from esealkit.engine import Verifier
    base = simple_pdf(["Contract", "void unless countersigned"], title="contract")
    with pikepdf.open(io.BytesIO(base)) as doc:
        pages = doc.Root.Pages
        number, text = pages.objgen[0], bytes(pages.unparse(resolved=True))
    n = 60
    prepared = _update(base, {number: text.replace(b"/Type /Pages", b"/Type /Pages /Parent %d 0 R" % n, 1)})
    signed = _sign(pki, prepared, "Seal1")
    assert Verifier(trust=pki.trust()).verify(signed).signatures[0].indication is Indication.TOTAL_PASSED
    if later == "object":
        attack = _update(signed, {n: b"<< /Rotate 180 /CropBox [0 698 595 842] >>"})
    else:
        with pikepdf.open(io.BytesIO(signed)) as doc:
            keys = _trailer_keys(doc)
        attack = _self_freed_xref_stream(signed, n, _row(0, 0, 0xFFFF), 1, keys + b"/Rotate 180")
        attack = attack.replace(b"/Index[%d 1]" % n, b"/Index[0 1]", 1)  # its own number listed nowhere
    report = Verifier(trust=pki.trust()).verify(attack)
    assert report.signatures[0].indication is not Indication.TOTAL_PASSED, report.signatures[0].checks


def _planted_copy(pki) -> tuple[bytearray, int, int, bytes, bytes, int]:
    """A signed page and, after it, an unlisted copy of its content drawing other text:
    (the file so far, the content's number, the copy's offset, trailer keys, the signed
    file, the first free number)."""
    signed = _sign(pki, simple_pdf(["Contract", "Amount: 1000 CNY"], title="contract"), "Seal1")
    with pikepdf.open(io.BytesIO(signed)) as doc:
        size, contents = int(doc.trailer.Size), doc.pages[0].obj.Contents
        number, drawing = contents.objgen[0], bytes(contents.read_bytes())
        keys = _trailer_keys(doc)
    evil = drawing.replace(b"1000", b"9000") + b"\nBT /F1 28 Tf 250 500 Td (PAID IN FULL) Tj ET"
    out = bytearray(signed + b"\n")
    copy_at = len(out)
    out += b"%d 0 obj\n<< /Length %d >>\nstream\n" % (number, len(evil)) + evil + b"\nendstream\nendobj\n"
    return out, number, copy_at, keys, signed, size


@pytest.mark.parametrize("newest", ["stream", "classic"])
def test_an_xrefstm_on_a_stream_section_qpdf_does_not_list_never_passes(pki, newest):
    # the twenty-fifth review: the /XRefStm on an intermediate stream that lists nothing
    # of itself (PDFBox's shape), which qpdf's table and trailer never show
    from esealkit.engine import Verifier
    out, number, copy_at, keys, signed, size = _planted_copy(pki)
    s, h, t = size, size + 1, size + 2
    h_at = len(out)
    out += (b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Index[%d 1]/Length 7>>stream\n" % (h, t + 1, number)
            + _row(1, copy_at, 0) + b"\nendstream\nendobj\n")
    s_at = len(out)
    out += (b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Index[0 1]%s/Prev %d/XRefStm %d/Length 7>>stream\n"
            % (s, t + 1, keys, _last_startxref(signed), h_at) + _row(0, 0, 0xFFFF)
            + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % s_at)
    t_at = len(out)
    if newest == "classic":
        out += b"xref\n0 1\n0000000000 65535 f \ntrailer\n<</Size %d%s/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (
            t + 1, keys, s_at, t_at)
    else:
        out += (b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Index[%d 1]%s/Prev %d/Length 7>>stream\n"
                % (t, t + 1, t, keys, s_at) + _row(1, t_at, 0) + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % t_at)
    report = Verifier(trust=pki.trust()).verify(bytes(out))
    assert report.signatures[0].indication is not Indication.TOTAL_PASSED, report.signatures[0].checks


@pytest.mark.parametrize("disguise", [b"", b"/Note(startxref)", b"%startxref\n", b"%<</Size 1>>\n", b"nul"],
                         ids=["plain", "string", "comment", "comment-before", "nul-pointer"])
@pytest.mark.parametrize("listed", [True, False], ids=["stream-listed", "stream-unlisted"])
def test_a_classic_table_continuing_a_stream_written_after_signing_never_passes(pki, listed, disguise):
    # the twenty-fifth review: Ghostscript repairs such a file and took the planted copy;
    # the twenty-seventh: "startxref" in the trailer's string or comment cut a search for
    # the trailer's end short of its /Prev; the twenty-eighth: a "<<" in a comment before
    # the trailer's dictionary, and NUL (whitespace in PDF) around the last startxref
    from esealkit.engine import Verifier
    out, _number, _copy_at, keys, signed, size = _planted_copy(pki)
    before = disguise if disguise.startswith(b"%<<") else b""
    keys = keys if before or disguise == b"nul" else disguise + keys
    s, t = size, size + 1
    s_at = len(out)
    rows, index = (_row(1, s_at, 0), b"%d 1" % s) if listed else (_row(0, 0, 0xFFFF), b"0 1")
    out += (b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Index[%s]%s/Prev %d/Length 7>>stream\n"
            % (s, t + 1, index, keys, _last_startxref(signed)) + rows
            + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % s_at)
    t_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \ntrailer\n%s<</Size %d%s/Prev %d>>\n" % (before, t + 1, keys, s_at)
    out += (b"startxref\x00%d\x00%%%%EOF\n" if disguise == b"nul" else b"startxref\n%d\n%%%%EOF\n") % t_at
    report = Verifier(trust=pki.trust()).verify(bytes(out))
    assert report.signatures[0].indication is not Indication.TOTAL_PASSED, report.signatures[0].checks


@pytest.mark.parametrize("listed", [True, False], ids=["stream-listed", "stream-unlisted"])
def test_a_classic_table_continuing_a_stream_placed_after_it_never_passes(pki, listed):
    # the twenty-sixth review: the stream section written after the classic table that
    # continues it (its /Prev points forward), which a search before the table never saw
    from esealkit.engine import Verifier
    out, _number, _copy_at, keys, signed, size = _planted_copy(pki)
    s, t = size, size + 1
    t_at = len(out)

    def table(s_at: int) -> bytes:
        return b"xref\n0 1\n0000000000 65535 f \ntrailer\n<</Size %d%s/Prev %010d>>\nstartxref\n%d\n%%%%EOF\n" % (
            t + 1, keys, s_at, t_at)
    s_at = t_at + len(table(0))
    rows, index = (_row(1, s_at, 0), b"%d 1" % s) if listed else (_row(0, 0, 0xFFFF), b"0 1")
    out += table(s_at) + (b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Index[%s]%s/Prev %d/Length 7>>stream\n"
                          % (s, t + 1, index, keys, _last_startxref(signed)) + rows + b"\nendstream\nendobj\n")
    out += b"startxref\n%d\n%%%%EOF\n" % t_at
    report = Verifier(trust=pki.trust()).verify(bytes(out))
    assert report.signatures[0].indication is not Indication.TOTAL_PASSED, report.signatures[0].checks


def test_an_xrefstm_written_before_signing_never_passes(pki):
    # the twenty-sixth review: the unsigned document's cross-reference stream has an
    # /XRefStm pointing past its end (every viewer shows the signed page); a section
    # appended after signing lands exactly there, and MuPDF then follows it
    from esealkit.engine import Verifier
    base = _with_object_streams(simple_pdf(["Contract", "Amount: 1000 CNY"], title="contract"))
    at = _last_startxref(base)
    assert b"/Type /XRef" in base[at:at + 300]
    prepared = base[:at] + base[at:].replace(b"/Type /XRef", b"/XRefStm 60000 /Type /XRef", 1)
    signed = _sign(pki, prepared, "Seal1")
    report = Verifier(trust=pki.trust()).verify(_update(signed, {}, free=()))
    assert report.signatures[0].indication is not Indication.TOTAL_PASSED, report.signatures[0].checks


def test_xref_written_as_text_is_no_cross_reference_stream(pki):
    # the twenty-sixth review's false alarm of a byte search: a classic file holding an
    # object a repairing viewer would take (freed, its body left, as editors delete) and
    # the text "/XRef" in a string, signed twice, is honest
    from esealkit.engine import Verifier
    with pikepdf.open(io.BytesIO(simple_pdf(["Contract"], title="contract"))) as doc:
        doc.docinfo["/Subject"] = pikepdf.String("see /XRef streams")
        size = int(doc.trailer.Size)
        out = io.BytesIO()
        doc.save(out)
    edited = _update(_update(out.getvalue(), {size: b"<< /Junk 1 >>"}), {}, free=(size,))
    twice = _sign(pki, _sign(pki, edited, "Seal1"), "Seal2", "rsa")
    report = Verifier(trust=pki.trust()).verify(twice)
    assert report.indication is Indication.TOTAL_PASSED, [c for s in report.signatures for c in s.checks]


@pytest.mark.parametrize("subject", ["see /XRefStm in ISO 32000", "see /XRef streams"])
def test_cross_reference_words_as_text_are_no_sections(pki, subject):
    # the twenty-seventh review's false alarm: any /XRefStm in the file refused every
    # earlier signature; and a startxref one byte early (qpdf steps over whitespace)
    from esealkit.engine import Verifier
    with pikepdf.open(io.BytesIO(simple_pdf(["Contract"], title="contract"))) as doc:
        doc.docinfo["/Subject"] = pikepdf.String(subject)
        size = int(doc.trailer.Size)
        out = io.BytesIO()
        doc.save(out)
    edited = _update(_update(out.getvalue(), {size: b"<< /Junk 1 >>"}), {}, free=(size,))
    early = edited[:edited.rindex(b"startxref")] + b"startxref\n%d\n%%%%EOF\n" % (_last_startxref(edited) - 1)
    for document in (edited, early):
        twice = _sign(pki, _sign(pki, document, "Seal1"), "Seal2", "rsa")
        report = Verifier(trust=pki.trust()).verify(twice)
        assert report.indication is Indication.TOTAL_PASSED, [c for s in report.signatures for c in s.checks]
