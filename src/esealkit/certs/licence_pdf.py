"""The PDF form of an e-licence: the licence page with the metadata attached (sealed by seal_pdf).

::

    pdf = licence_pdf(licence, licence_type)                              # unsealed
    sealed = seal_pdf(pdf, seal, signer_key, signer_cert, page=1, x_mm=..., y_mm=...)
    licence_again = licence_from_pdf(sealed)

The page is the layout of :mod:`esealkit.certs.render` drawn as one image (with the CJK
font found by :func:`esealkit.seals.cjk_font_path`), so it shows the same everywhere
without embedding fonts, under an invisible text layer (text can be found and copied).  The seal
is stamped by :func:`esealkit.pdf.seal.seal_pdf` over the issuer's name, where a paper seal
would be.  The metadata
travels as the attached file ``licence.xml`` (the XML form of :mod:`esealkit.certs.licence_xml`).
"""

from __future__ import annotations

import io
import zlib

import pikepdf
from PIL import Image

from esealkit.certs.catalogue import LicenceType
from esealkit.certs.licence_xml import licence_from_xml
from esealkit.certs.model import Licence
from esealkit.certs.render import PAGE_MM, Layout, lay_out, page_image
from esealkit.errors import MalformedInput
from esealkit.seals.picture import cjk_font_path

__all__ = ["ATTACHMENT_NAME", "licence_from_pdf", "licence_pdf"]

ATTACHMENT_NAME = "licence.xml"
_PT_PER_MM = 72 / 25.4
_MAX_METADATA_BYTES = 1 << 20


def _image(pdf: pikepdf.Pdf, image: Image.Image) -> pikepdf.Stream:
    rgb = image.convert("RGB")
    stream = pikepdf.Stream(pdf, zlib.compress(rgb.tobytes(), 9))
    stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    stream.Width, stream.Height = rgb.width, rgb.height
    stream.ColorSpace, stream.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
    stream.Filter = pikepdf.Name.FlateDecode
    if image.mode == "RGBA":
        alpha = pikepdf.Stream(pdf, zlib.compress(image.getchannel("A").tobytes(), 9))
        alpha.Type, alpha.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        alpha.Width, alpha.Height = image.width, image.height
        alpha.ColorSpace, alpha.BitsPerComponent = pikepdf.Name.DeviceGray, 8
        alpha.Filter = pikepdf.Name.FlateDecode
        stream.SMask = alpha
    return stream


def _text_font(pdf: pikepdf.Pdf, chars: set[str]) -> pikepdf.Dictionary:
    """A Type0 font whose codes are Unicode code points, with a ToUnicode map.

    It is only used in invisible text (render mode 3), so no font program is needed: the
    text layer is there to be found, copied and read aloud, the image shows the page.
    """
    mappings = "\n".join(f"<{ord(c):04X}> <{ord(c):04X}>" for c in sorted(chars))
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{mappings}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end\n"
    )
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=pikepdf.Name.EsealkitTextLayer,
        Flags=4,
        FontBBox=[0, -200, 1000, 900],
        ItalicAngle=0,
        Ascent=880,
        Descent=-120,
        CapHeight=700,
        StemV=80,
    )
    cid_font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name.EsealkitTextLayer,
        CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor),
        DW=1000,
        CIDToGIDMap=pikepdf.Name.Identity,
    )
    return pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type0,
        BaseFont=pikepdf.Name.EsealkitTextLayer,
        Encoding=pikepdf.Name("/Identity-H"),
        DescendantFonts=[pdf.make_indirect(cid_font)],
        ToUnicode=pdf.make_stream(cmap.encode("ascii")),
    )


def _text_layer(layout: Layout, height_pt: float) -> tuple[str, set[str]]:
    lines: list[str] = []
    chars: set[str] = set()
    for line in layout.texts:
        text = "".join(c if ord(c) <= 0xFFFF else "?" for c in line.text)
        chars.update(text)
        size = line.size_mm * _PT_PER_MM
        x, y = line.x_mm * _PT_PER_MM, height_pt - (line.y_mm + line.size_mm) * _PT_PER_MM
        codes = "".join(f"{ord(c):04X}" for c in text)
        lines.append(f"BT 3 Tr /T1 {size:.2f} Tf 1 0 0 1 {x:.2f} {y:.2f} Tm <{codes}> Tj ET")
    return "\n".join(lines) + "\n", chars


def licence_pdf(
    licence: Licence,
    licence_type: LicenceType | None = None,
) -> bytes:
    """The unsigned one-page PDF licence, with ``licence.xml`` attached."""
    layout = lay_out(licence, licence_type)
    width_pt, height_pt = PAGE_MM[0] * _PT_PER_MM, PAGE_MM[1] * _PT_PER_MM
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(width_pt, height_pt))
    xobjects = {"/Page": _image(pdf, page_image(layout, font_path=cjk_font_path()))}
    content = f"q {width_pt:.2f} 0 0 {height_pt:.2f} 0 0 cm /Page Do Q\n"
    text, chars = _text_layer(layout, height_pt)
    content += text
    page.obj.Resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary(xobjects),
        Font=pikepdf.Dictionary(T1=pdf.make_indirect(_text_font(pdf, chars))),
    )
    page.obj.Contents = pdf.make_stream(content.encode("ascii"))
    pdf.docinfo["/Title"] = licence.type_name
    pdf.docinfo["/Subject"] = licence.id
    pdf.docinfo["/Creator"] = "esealkit"
    spec = pikepdf.AttachedFileSpec(
        pdf, licence.to_xml(), mime_type="application/xml", filename=ATTACHMENT_NAME
    )
    pdf.attachments[ATTACHMENT_NAME] = spec
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def licence_from_pdf(data: bytes, *, strict: bool = True) -> Licence:
    """The licence metadata attached to a PDF licence (``licence.xml``).

    Raises :class:`MalformedInput` when the PDF is unreadable or carries no valid metadata.
    """
    try:
        with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
            spec = pdf.attachments.get(ATTACHMENT_NAME)
            if spec is None:
                raise MalformedInput(
                    f"the PDF has no attached {ATTACHMENT_NAME} (licence metadata)"
                )
            attached = spec.get_file()
            if attached.size > _MAX_METADATA_BYTES:
                raise MalformedInput(
                    f"the attached {ATTACHMENT_NAME} is larger than {_MAX_METADATA_BYTES} bytes"
                )
            xml = attached.read_bytes()
    except pikepdf.PdfError as exc:
        raise MalformedInput(f"not a readable PDF: {exc}") from exc
    return licence_from_xml(xml, strict=strict)
