"""The OFD form of an e-licence (GB/T 36905): layout, QR code and metadata in CustomDatas.

::

    ofd = licence_ofd(licence, licence_type)            # unsealed; seal it with seal_ofd
    licence_again = licence_from_ofd(sealed_ofd)         # the metadata, read back

The package has the parts of real licence files (e.g. a provincial housing licence):
``OFD.xml`` (DocInfo with the licence metadata as ``CustomData`` named by the Pinyin keys
of :mod:`esealkit.certs.licence_xml`), ``Doc_0/Document.xml``, ``Doc_0/PublicRes.xml``
(fonts), ``Doc_0/DocumentRes.xml`` (the QR code image), ``Doc_0/Res/image_<id>.png`` and
``Doc_0/Pages/Page_0/Content.xml``; :func:`esealkit.ofd.seal_ofd` then adds
``Doc_0/Signs/Signatures.xml`` and ``Doc_0/Signs/Sign_0/{Seal.esl,Signature.xml,SignedValue.dat}``.
Fonts are named, not embedded.
"""

from __future__ import annotations

import hashlib

from lxml import etree  # type: ignore[import-untyped]

from esealkit.certs.catalogue import LicenceType
from esealkit.certs.licence_xml import (
    ELEMENTS,
    EXTENSION_PREFIX,
    licence_from_items,
    licence_items,
)
from esealkit.certs.model import Licence
from esealkit.certs.render import PAGE_MM, lay_out, qr_png
from esealkit.errors import MalformedInput
from esealkit.ofd.build import write_package, xml_bytes
from esealkit.ofd.model import OFD_NAMESPACE
from esealkit.ofd.package import OfdPackage

__all__ = ["licence_from_ofd", "licence_ofd"]

_NS = f"{{{OFD_NAMESPACE}}}"
_FONT_ID, _BOLD_FONT_ID, _IMAGE_ID, _PAGE_ID = 3, 4, 5, 1


def _el(
    parent: etree._Element | None, name: str, text: str | None = None, **attrs: str
) -> etree._Element:
    if parent is None:
        element = etree.Element(_NS + name, nsmap={"ofd": OFD_NAMESPACE})
    else:
        element = etree.SubElement(parent, _NS + name)
    for key, value in attrs.items():
        element.set(key, value)
    if text is not None:
        element.text = text
    return element


def _n(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def licence_ofd(licence: Licence, licence_type: LicenceType | None = None) -> bytes:
    """The unsealed OFD licence document (deterministic for the same licence)."""
    layout = lay_out(licence, licence_type)
    width, height = PAGE_MM
    box = f"0 0 {_n(width)} {_n(height)}"
    next_id = 10 + len(layout.texts)

    ofd = _el(None, "OFD", Version="1.1", DocType="OFD")
    body = _el(ofd, "DocBody")
    info = _el(body, "DocInfo")
    _el(info, "DocID", hashlib.sha256(licence.id.encode("utf-8")).hexdigest()[:32])
    _el(info, "Title", licence.type_name)
    _el(info, "CreationDate", licence.issue_date.isoformat())
    _el(info, "Creator", "esealkit")
    datas = _el(info, "CustomDatas")
    for name, value in licence_items(licence):
        _el(datas, "CustomData", value, Name=name)
    _el(body, "DocRoot", "Doc_0/Document.xml")

    document = _el(None, "Document")
    common = _el(document, "CommonData")
    _el(common, "MaxUnitID", str(next_id))
    _el(_el(common, "PageArea"), "PhysicalBox", box)
    _el(common, "DocumentRes", "DocumentRes.xml")
    _el(common, "PublicRes", "PublicRes.xml")
    _el(_el(document, "Pages"), "Page", ID=str(_PAGE_ID), BaseLoc="Pages/Page_0/Content.xml")

    public = _el(None, "Res", BaseLoc="Res")
    fonts = _el(public, "Fonts")
    _el(fonts, "Font", ID=str(_FONT_ID), FontName="宋体", FamilyName="宋体")
    _el(fonts, "Font", ID=str(_BOLD_FONT_ID), FontName="黑体", FamilyName="黑体")

    image_name = f"image_{_IMAGE_ID}.png"
    resources = _el(None, "Res", BaseLoc="Res")
    media = _el(
        _el(resources, "MultiMedias"), "MultiMedia", ID=str(_IMAGE_ID), Type="Image", Format="PNG"
    )
    _el(media, "MediaFile", image_name)

    page = _el(None, "Page")
    _el(_el(page, "Area"), "PhysicalBox", box)
    layer = _el(_el(page, "Content"), "Layer", ID=str(next_id), Type="Body")
    for index, line in enumerate(layout.texts):
        font = _BOLD_FONT_ID if line.bold else _FONT_ID
        height_mm = line.size_mm * 1.4
        text = _el(
            layer,
            "TextObject",
            ID=str(10 + index),
            Font=str(font),
            Size=_n(line.size_mm),
            Boundary=f"{_n(line.x_mm)} {_n(line.y_mm)} {_n(PAGE_MM[0] - line.x_mm - 10)} {_n(height_mm)}",
        )
        _el(text, "FillColor", Value="0 0 0")
        _el(text, "TextCode", line.text, X="0", Y=_n(line.size_mm))
    x, y, w, h = layout.qr_box
    _el(
        layer,
        "ImageObject",
        ID=str(6),
        ResourceID=str(_IMAGE_ID),
        CTM=f"{_n(w)} 0 0 {_n(h)} 0 0",
        Boundary=f"{_n(x)} {_n(y)} {_n(w)} {_n(h)}",
    )

    return write_package(
        [
            ("OFD.xml", xml_bytes(ofd)),
            ("Doc_0/Document.xml", xml_bytes(document)),
            ("Doc_0/PublicRes.xml", xml_bytes(public)),
            ("Doc_0/DocumentRes.xml", xml_bytes(resources)),
            (f"Doc_0/Res/{image_name}", qr_png(layout.qr_text)),
            ("Doc_0/Pages/Page_0/Content.xml", xml_bytes(page)),
        ]
    )


def licence_from_ofd(data: bytes, *, strict: bool = True) -> Licence:
    """The licence metadata an OFD licence carries in ``OFD.xml`` CustomDatas.

    Raises :class:`MalformedInput` when the package is unreadable or the metadata is
    missing or wrong (naming the CustomData).
    """
    package = OfdPackage(data)
    root = package.read_xml("OFD.xml")
    items: list[tuple[str, str]] = []
    for element in root.iter(_NS + "CustomData", "CustomData"):
        name = element.get("Name")
        if name is None:
            raise MalformedInput("OFD.xml: a CustomData has no Name")
        # Producers add their own entries (e.g. "native-producer"): only licence keys count.
        if name in ELEMENTS or name.startswith(EXTENSION_PREFIX):
            items.append((name, element.text or ""))
    if not items:
        raise MalformedInput("OFD.xml: no licence metadata (DocInfo/CustomDatas is empty)")
    return licence_from_items(items, strict=strict)
