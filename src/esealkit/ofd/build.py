"""Make a small one-page OFD document from lines of text (制作简单 OFD 文档).

For tests, demos and simple licences; not a layout engine::

    >>> data = build_ofd(["营业执照", "名称: 某某有限公司"], title="demo")
    >>> from esealkit.ofd.package import is_ofd
    >>> is_ofd(data)
    True

The package holds OFD.xml, Doc_0/Document.xml, Doc_0/PublicRes.xml (one font resource,
named, not embedded) and Doc_0/Pages/Page_0/Content.xml with one TextObject per line.
Output is deterministic for the same arguments.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date

from lxml import etree  # type: ignore[import-untyped]

from esealkit.ofd.model import OFD_NAMESPACE

__all__ = ["build_ofd", "write_package", "xml_bytes"]

_NS = f"{{{OFD_NAMESPACE}}}"
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _el(parent: etree._Element | None, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.Element(_NS + name, nsmap={"ofd": OFD_NAMESPACE}) if parent is None else etree.SubElement(parent, _NS + name)
    for key, value in attrs.items():
        el.set(key, value)
    if text is not None:
        el.text = text
    return el


def xml_bytes(root: etree._Element) -> bytes:
    """UTF-8 XML with declaration, as OFD producers write it."""
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=False))


def write_package(entries: Sequence[tuple[str, bytes]]) -> bytes:
    """A deflated ZIP of ``(entry name, bytes)`` in the given order, with fixed timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(zipfile.ZipInfo(name, date_time=_ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def build_ofd(
    lines: Sequence[str],
    *,
    title: str = "",
    page_size_mm: tuple[float, float] = (210.0, 297.0),
    margin_mm: float = 20.0,
    font_size_mm: float = 5.0,
    font_name: str = "SimSun",
    custom_data: Mapping[str, str] | None = None,
    creation_date: date = date(2020, 1, 1),
) -> bytes:
    """A one-page OFD document with ``lines`` top to bottom in one font.

    ``custom_data`` goes into OFD.xml's DocInfo/CustomDatas (e-licence metadata lives there,
    GB/T 36905).  Lines that do not fit the page raise ``ValueError``.
    """
    width, height = page_size_mm
    line_height = font_size_mm * 1.6
    if margin_mm + line_height * len(lines) > height - margin_mm:
        raise ValueError(f"{len(lines)} lines of {font_size_mm} mm do not fit on a {height} mm page")
    digest = hashlib.sha256("\n".join([title, *lines]).encode("utf-8")).hexdigest()[:32]

    ofd = _el(None, "OFD", Version="1.1", DocType="OFD")
    body = _el(ofd, "DocBody")
    info = _el(body, "DocInfo")
    _el(info, "DocID", digest)
    if title:
        _el(info, "Title", title)
    _el(info, "CreationDate", creation_date.isoformat())
    _el(info, "Creator", "esealkit")
    if custom_data:
        datas = _el(info, "CustomDatas")
        for key, value in custom_data.items():
            _el(datas, "CustomData", value, Name=key)
    _el(body, "DocRoot", "Doc_0/Document.xml")

    n_ids = 2 + len(lines)  # font 1, page 2, one ID per text object
    document = _el(None, "Document")
    common = _el(document, "CommonData")
    _el(common, "MaxUnitID", str(n_ids + 1))
    area = _el(common, "PageArea")
    _el(area, "PhysicalBox", f"0 0 {_fmt(width)} {_fmt(height)}")
    _el(common, "PublicRes", "PublicRes.xml")
    pages = _el(document, "Pages")
    _el(pages, "Page", ID="2", BaseLoc="Pages/Page_0/Content.xml")

    res = _el(None, "Res", BaseLoc="Res")
    fonts = _el(res, "Fonts")
    _el(fonts, "Font", ID="1", FontName=font_name, FamilyName=font_name)

    page = _el(None, "Page")
    page_area = _el(page, "Area")
    _el(page_area, "PhysicalBox", f"0 0 {_fmt(width)} {_fmt(height)}")
    layer = _el(_el(page, "Content"), "Layer", ID=str(n_ids + 1), Type="Body")
    for index, line in enumerate(lines):
        top = margin_mm + index * line_height
        text = _el(layer, "TextObject", ID=str(3 + index), Font="1", Size=_fmt(font_size_mm),
                   Boundary=f"{_fmt(margin_mm)} {_fmt(top)} {_fmt(width - 2 * margin_mm)} {_fmt(line_height)}")
        _el(text, "FillColor", Value="0 0 0")
        _el(text, "TextCode", line, X="0", Y=_fmt(font_size_mm))
    return write_package([
        ("OFD.xml", xml_bytes(ofd)),
        ("Doc_0/Document.xml", xml_bytes(document)),
        ("Doc_0/PublicRes.xml", xml_bytes(res)),
        ("Doc_0/Pages/Page_0/Content.xml", xml_bytes(page)),
    ])
