"""Hand-built PDFs with a signature-shaped dictionary, for inputs no signer would make."""

from __future__ import annotations

import re

_PLACEHOLDER = b"[0 0000000000 0000000000 0000000000]"


def build(objects: dict[int, bytes], root: int = 1, *, header: bytes = b"%PDF-1.7\n") -> bytes:
    out = bytearray(header)
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (b"%010d 00000 n \n" % offsets[number]) if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


def signature_shaped(contents_hex: bytes, *, byte_range: bytes | None = None, extra: bytes = b"") -> bytes:
    """A one-page PDF whose only field is a signature with these /Contents (hex digits).

    Without ``byte_range`` the byte range is the honest one around /Contents.
    """
    sig = b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange " + (
        byte_range if byte_range is not None else _PLACEHOLDER) + b" /Contents <" + contents_hex + b">" + extra + b" >>"
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>",
        4: b"<< /FT /Sig /T (Sig1) /V 5 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R >>",
        5: sig,
    }
    pdf = build(objects)
    if byte_range is not None:
        return pdf
    start = pdf.index(b"/Contents <") + len(b"/Contents ")
    end = pdf.index(b">", start) + 1
    honest = b"[0 %010d %010d %010d]" % (start, end, len(pdf) - end)
    return pdf.replace(_PLACEHOLDER, honest, 1)


def set_byte_range(pdf: bytes, values: bytes) -> bytes:
    """Replace the /ByteRange array keeping the file length (values padded with spaces)."""
    m = re.search(rb"/ByteRange\s*\[[^\]]*\]", pdf)
    assert m is not None
    old = m.group(0)
    new = b"/ByteRange [" + values + b"]"
    assert len(new) <= len(old), "new byte range too long"
    new = new[:-1] + b" " * (len(old) - len(new)) + b"]"
    return pdf[: m.start()] + new + pdf[m.end():]
