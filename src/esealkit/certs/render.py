"""Lay out an e-licence page (证照版式): the same A4 layout as an OFD page and as a PDF page.

::

    >>> import datetime as dt
    >>> from esealkit.certs.model import Holder, HolderKind, Issuer, Licence, Validity
    >>> from esealkit.certs.identifiers import LicenceId
    >>> lid = LicenceId.build("11100000000013338W009", "11330105002500287C", "2025052201")
    >>> licence = Licence(lid.type_code, "建筑施工企业安全生产许可证", lid, "(浙)JZ安许证字[2025]000123",
    ...     Holder("某某建设有限公司", HolderKind.ORGANISATION, "001", "91320115MA202UKD7X"),
    ...     Issuer("杭州市西湖区住房和城乡建设局", "11330105002500287C"), dt.date(2025, 5, 22),
    ...     Validity(dt.date(2025, 5, 22), dt.date(2028, 5, 21)))
    >>> layout = lay_out(licence)
    >>> layout.texts[0].text, layout.texts[0].size_mm
    ('建筑施工企业安全生产许可证', 9.0)
    >>> layout.qr_box, layout.seal_centre
    ((165.0, 14.0, 30.0, 30.0), (150.0, 250.0))

Everything is in millimetres from the page's top-left corner, as OFD counts.  Long values
wrap; a licence with more text than one page holds raises ``ValueError``.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass

import qrcode
from PIL import Image, ImageDraw, ImageFont

from esealkit.certs.catalogue import LicenceType
from esealkit.certs.model import Licence

__all__ = ["PAGE_MM", "Layout", "TextLine", "lay_out", "page_image", "qr_png"]

PAGE_MM = (210.0, 297.0)  # A4 portrait
_LABEL_X, _VALUE_X, _RIGHT = 22.0, 62.0, 188.0
_ROW_SIZE, _ROW_GAP = 4.5, 3.0
_ROWS_TOP, _ROWS_BOTTOM = 58.0, 225.0


@dataclass(frozen=True)
class TextLine:
    """One line of text: its top-left corner, font size (mm) and text."""

    x_mm: float
    y_mm: float
    size_mm: float
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Layout:
    """A licence page: text lines, the QR code box and where the seal's centre goes."""

    texts: tuple[TextLine, ...]
    qr_text: str
    qr_box: tuple[float, float, float, float]  # x, y, width, height
    seal_centre: tuple[float, float]


def _width_mm(text: str, size_mm: float) -> float:
    # Full-width (CJK) characters are about one em wide, the others about half.
    return sum(size_mm if unicodedata.east_asian_width(c) in "WF" else size_mm * 0.55 for c in text)


def _wrap(text: str, size_mm: float, width_mm: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            if line and _width_mm(line + char, size_mm) > width_mm:
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
    return lines


def _date(value: object) -> str:
    import datetime as dt

    assert isinstance(value, dt.date)
    return f"{value.year}年{value.month:02d}月{value.day:02d}日"


def lay_out(licence: Licence, licence_type: LicenceType | None = None) -> Layout:
    """The page layout of ``licence``; field names come from ``licence_type`` when given."""
    names = {spec.key: spec.name for spec in licence_type.fields} if licence_type else {}
    validity = licence.validity
    period = (
        f"{_date(validity.start)} 至 长期"
        if validity.end is None
        else f"{_date(validity.start)} 至 {_date(validity.end)}"
    )
    rows = [
        ("证照编号", licence.number),
        ("持证主体", licence.holder.name),
        (licence.holder.id_type_name, licence.holder.id_number),
        ("有效期", period),
        *((names.get(key, key), value) for key, value in licence.fields.items()),
    ]
    title_width = _width_mm(licence.type_name, 9.0)
    texts = [
        TextLine(max(15.0, (PAGE_MM[0] - title_width) / 2), 24.0, 9.0, licence.type_name, True)
    ]
    y = _ROWS_TOP
    for label, value in rows:
        lines = _wrap(value, _ROW_SIZE, _RIGHT - _VALUE_X) or [""]
        if y + len(lines) * (_ROW_SIZE + _ROW_GAP) > _ROWS_BOTTOM:
            raise ValueError("the licence has more text than one page holds")
        texts.append(TextLine(_LABEL_X, y, _ROW_SIZE, label, True))
        for line in lines:
            texts.append(TextLine(_VALUE_X, y, _ROW_SIZE, line))
            y += _ROW_SIZE + _ROW_GAP
        y += 2.0
    issuer_width = _width_mm(licence.issuer.name, 5.0)
    texts.append(TextLine(150.0 - issuer_width / 2, 245.0, 5.0, licence.issuer.name))
    texts.append(
        TextLine(
            150.0 - _width_mm(_date(licence.issue_date), 5.0) / 2,
            266.0,
            5.0,
            _date(licence.issue_date),
        )
    )
    for index, line in enumerate(_wrap(f"证照标识: {licence.id}", 3.0, PAGE_MM[0] - 40)):
        texts.append(TextLine(20.0, 280.0 + index * 4.0, 3.0, line))
    return Layout(tuple(texts), licence.id, (165.0, 14.0, 30.0, 30.0), (150.0, 250.0))


def qr_png(text: str) -> bytes:
    """A black-on-white PNG QR code (error correction M) carrying ``text``."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").get_image().convert("L")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def page_image(layout: Layout, *, font_path: str | None, dpi: int = 200) -> Image.Image:
    """The page as an RGB image (for the PDF form).  Without a CJK font, Chinese text is
    drawn with Pillow's default font and is not legible."""
    scale = dpi / 25.4
    size = (round(PAGE_MM[0] * scale), round(PAGE_MM[1] * scale))
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    inset = 8 * scale
    draw.rectangle(
        (inset, inset, size[0] - inset, size[1] - inset),
        outline=(150, 20, 20),
        width=max(2, round(scale)),
    )
    fonts: dict[float, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}
    for line in layout.texts:
        pixels = max(8, round(line.size_mm * scale))
        font = fonts.get(line.size_mm)
        if font is None:
            font = (
                ImageFont.truetype(font_path, pixels)
                if font_path
                else ImageFont.load_default(size=pixels)
            )
            fonts[line.size_mm] = font
        position = (line.x_mm * scale, line.y_mm * scale)
        draw.text(
            position,
            line.text,
            fill="black",
            font=font,
            stroke_width=1 if line.bold else 0,
            stroke_fill="black",
        )
    x, y, w, h = layout.qr_box
    qr = Image.open(io.BytesIO(qr_png(layout.qr_text))).convert("RGB")
    image.paste(
        qr.resize((round(w * scale), round(h * scale)), Image.Resampling.NEAREST),
        (round(x * scale), round(y * scale)),
    )
    return image
