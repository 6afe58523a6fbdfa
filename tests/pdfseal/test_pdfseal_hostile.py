"""Sealing an operator's PDF that is hostile or broken: a result, or MalformedInput /
ValueError saying why, in bounded time; never another exception (a review built these)."""

from __future__ import annotations

import time

import pytest
from pdfseal_helpers import make_test_seal

from esealkit.errors import MalformedInput
from esealkit.pdf.seal import seal_pdf
from esealkit.pdf.text import find_text


def _pdf(objects: dict[int, bytes], trailer: bytes = b"") -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[n] if n in offsets else b"0000000000 65535 f \n" for n in range(1, size))
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref)
    return bytes(out)


def _stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< %s /Length %d >>\nstream\n" % (entries, len(data)) + data + b"\nendstream"


def _page(content: bytes = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET", *, catalog: bytes = b"", page: bytes = b"",
          pages: bytes = b"/Count 1", font: bytes = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
          mediabox: bytes = b"[0 0 595 842]", trailer: bytes = b"", more: dict[int, bytes] | None = None) -> bytes:
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        2: b"<< /Type /Pages /Kids [3 0 R] " + pages + b" >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox " + mediabox + b" /Resources << /Font << /F1 5 0 R >> >> "
           b"/Contents 4 0 R " + page + b" >>",
        4: _stream(content),
        5: font,
        **(more or {}),
    }
    return _pdf(objects, trailer)


HOSTILE = {
    "XMP metadata that is no XML": _page(catalog=b"/Metadata 6 0 R",
                                          more={6: _stream(b"<x:xmpmeta <<<", b"/Type /Metadata /Subtype /XML")}),
    "a page without /Type": _page().replace(b"<< /Type /Page /Parent", b"<< /Parent"),
    "/Info a number": _page(trailer=b"/Info 5"),
    "/ID a number": _page(trailer=b"/ID 5"),
    "/Annots a dictionary": _page(page=b"/Annots << /A 1 >>"),
    "/AcroForm a number": _page(catalog=b"/AcroForm 5"),
    "/Fields a dictionary": _page(catalog=b"/AcroForm << /Fields << /A 1 >> >>"),
    "/Fields [5 /x]": _page(catalog=b"/AcroForm << /Fields [5 /x] >>"),
    "a field /T that is a number": _page(catalog=b"/AcroForm << /Fields [6 0 R] >>",
                                         more={6: b"<< /FT /Sig /T 5 /Rect [0 0 0 0] /Subtype /Widget >>"}),
    "/Perms a number": _page(catalog=b"/Perms 5"),
    "/Extensions a number": _page(catalog=b"/Extensions 5"),
    "/Count a name": _page(pages=b"/Count /X"),
    "a MediaBox of 300 digits": _page(mediabox=b"[0 0 1" + b"0" * 300 + b".0 842]"),
    # found by the text locator (keyword placement)
    "a ToUnicode range past any code": _page(font=b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                                                  b"/ToUnicode 6 0 R >>",
                                             more={6: _stream(b"1 beginbfrange\n<00> <05> <FF>\nendbfrange\n")}),
    "/DescendantFonts [5]": _page(font=b"<< /Type /Font /Subtype /Type0 /BaseFont /X /DescendantFonts [5] >>"),
    "Tj of a huge number": _page(b"BT /F1 12 Tf 72 720 Td 99999999999999 Tj (Hello) Tj ET"),
    "Tj of a million": _page(b"BT /F1 12 Tf 72 720 Td 1000000 Tj (Hello) Tj ET"),
    "text at an infinite place": _page(b"1" + b"0" * 400 + b" 0 0 1 0 0 cm BT /F1 12 Tf 72 720 Td (Hello) Tj ET"),
}


@pytest.fixture(scope="module")
def sealer(pki):
    signer = pki.signers["ecdsa-p256"]
    seal = make_test_seal(pki, "ecdsa-p256")

    def run(pdf: bytes, **placement) -> bytes:
        return seal_pdf(pdf, seal, signer.key, signer.der, **placement)
    return run


@pytest.mark.parametrize("placement", [{}, {"keyword": "Hello"}, {"cross_page": True}], ids=["page", "keyword", "cross"])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_document_is_sealed_or_refused_clearly(sealer, name, placement):
    started = time.perf_counter()
    try:
        out = sealer(HOSTILE[name], **placement)
    except (MalformedInput, ValueError) as exc:
        assert str(exc)
    else:
        assert out.startswith(HOSTILE[name])  # an incremental update of the very document
    assert time.perf_counter() - started < 20


def test_forms_drawn_over_and_over_are_refused_in_bounded_time():
    form = _stream(b"BT /F1 12 Tf (Hello) Tj ET", b"/Type /XObject /Subtype /Form /Resources << /Font << /F1 5 0 R >> >>")
    pdf = _page(b"/X Do " * 200_000, more={6: form}).replace(b"/Resources << /Font", b"/Resources << /XObject "
                                                                b"<< /X 6 0 R >> /Font")
    started = time.perf_counter()
    with pytest.raises(MalformedInput, match="more text"):
        find_text(pdf, "Hello")
    assert time.perf_counter() - started < 20
