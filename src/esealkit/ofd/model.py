"""The OFD document model, just deep enough for signatures (GB/T 33190-2016 §7, §18).

OFD.xml → DocBody → DocRoot (Document.xml, its pages) and Signatures (Signatures.xml) →
each Signature.xml (签名描述文件) with its References, StampAnnots (签章注释) and Seal::

    >>> pkg = OfdPackage(open("invoice.ofd", "rb").read())         # doctest: +SKIP
    >>> doc = read_documents(pkg)[0]                                 # doctest: +SKIP
    >>> entry = doc.signatures[0]                                    # doctest: +SKIP
    >>> info = read_signature_xml(pkg, entry.path)                   # doctest: +SKIP
    >>> [r.path for r in info.references][:2]                        # doctest: +SKIP
    ['Doc_0/Annots/Page_0/Annotation.xml', 'Doc_0/PublicRes.xml']

Elements are matched by local name whatever their namespace (the standard's is
``http://www.ofdspec.org/2016``; real files also use ``http://www.ofdspec.org`` or none),
and in any order.  Paths are ZIP entry names (see :mod:`esealkit.ofd.package`).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from lxml import etree  # type: ignore[import-untyped]

from esealkit.errors import MalformedInput
from esealkit.ofd.package import OfdPackage

__all__ = [
    "OFD_NAMESPACE",
    "DocumentInfo",
    "Page",
    "Reference",
    "SignatureEntry",
    "SignatureInfo",
    "StampAnnot",
    "read_documents",
    "read_signature_xml",
]

OFD_NAMESPACE = "http://www.ofdspec.org/2016"


@dataclass(frozen=True)
class Page:
    """A page of the document: its ID (what StampAnnot.PageRef names) and its number."""

    id: str
    number: int  # 1-based, in the order of Document.xml's Pages
    path: str | None


@dataclass(frozen=True)
class SignatureEntry:
    """One ``Signature`` element of Signatures.xml."""

    id: str
    type: str  # "Seal" (default, an SES_Signature) or "Sign"
    base_loc: str  # as written
    path: str  # the Signature.xml entry name

    @property
    def label(self) -> str:
        return self.id or self.base_loc


@dataclass(frozen=True)
class DocumentInfo:
    """One DocBody of OFD.xml: the document and its signature list."""

    doc_root: str
    signatures_path: str | None
    pages: tuple[Page, ...]
    signatures: tuple[SignatureEntry, ...]

    def page_by_id(self, page_id: str) -> Page | None:
        return next((p for p in self.pages if p.id == page_id), None)


@dataclass(frozen=True)
class Reference:
    """One protected file: ``check_value`` is None when CheckValue is not valid base64."""

    file_ref: str  # as written
    path: str | None  # the entry name, None when FileRef is not a valid package path
    check_value: bytes | None


@dataclass(frozen=True)
class StampAnnot:
    """Where a stamp is drawn: ``boundary`` is the ST_Box "x y w h" in mm."""

    id: str
    page_ref: str
    boundary: tuple[float, float, float, float] | None
    clip: str | None


@dataclass(frozen=True)
class SignatureInfo:
    """A parsed Signature.xml (Tables 67–69)."""

    path: str
    provider_name: str | None
    provider_company: str | None
    provider_version: str | None
    signature_method: str | None
    signature_date_time: str | None
    check_method: str | None
    references: tuple[Reference, ...]
    stamp_annots: tuple[StampAnnot, ...]
    seal_path: str | None
    signed_value_path: str | None


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and _local(c) == name]


def _child(el: etree._Element, name: str) -> etree._Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _text(el: etree._Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    value = el.text.strip()
    return value or None


def _expect_root(root: etree._Element, name: str, where: str) -> None:
    if _local(root) != name:
        raise MalformedInput(f"{where}: root element is {_local(root)!r}, expected {name!r}")


def _read_pages(pkg: OfdPackage, doc_root: str) -> tuple[Page, ...]:
    root = pkg.read_xml(doc_root)
    _expect_root(root, "Document", f"/{doc_root}")
    pages: list[Page] = []
    for pages_el in _children(root, "Pages"):
        for page_el in _children(pages_el, "Page"):
            base_loc = page_el.get("BaseLoc")
            path = pkg.resolve(base_loc, doc_root) if base_loc else None
            pages.append(Page(id=(page_el.get("ID") or "").strip(), number=len(pages) + 1, path=path))
    return tuple(pages)


def _read_signature_list(pkg: OfdPackage, path: str) -> tuple[SignatureEntry, ...]:
    root = pkg.read_xml(path)
    _expect_root(root, "Signatures", f"/{path}")
    entries: list[SignatureEntry] = []
    for el in _children(root, "Signature"):
        base_loc = (el.get("BaseLoc") or "").strip()
        if not base_loc:
            raise MalformedInput(f"/{path}: a Signature element has no BaseLoc")
        entries.append(
            SignatureEntry(
                id=(el.get("ID") or "").strip(),
                type=(el.get("Type") or "Seal").strip(),
                base_loc=base_loc,
                path=pkg.resolve(base_loc, path),
            )
        )
    return tuple(entries)


def read_documents(pkg: OfdPackage) -> tuple[DocumentInfo, ...]:
    """Every DocBody of OFD.xml, with its pages and signature list."""
    if not pkg.exists("OFD.xml"):
        raise MalformedInput("the package has no OFD.xml at its root")
    root = pkg.read_xml("OFD.xml")
    _expect_root(root, "OFD", "/OFD.xml")
    docs: list[DocumentInfo] = []
    for body in _children(root, "DocBody"):
        doc_root_ref = _text(_child(body, "DocRoot"))
        if doc_root_ref is None:
            raise MalformedInput("/OFD.xml: a DocBody has no DocRoot")
        doc_root = pkg.resolve(doc_root_ref, "OFD.xml")
        signatures_ref = _text(_child(body, "Signatures"))
        signatures_path = pkg.resolve(signatures_ref, "OFD.xml") if signatures_ref else None
        signatures: tuple[SignatureEntry, ...] = ()
        if signatures_path is not None:
            if not pkg.exists(signatures_path):
                raise MalformedInput(f"/OFD.xml names /{signatures_path}, which the package does not hold")
            signatures = _read_signature_list(pkg, signatures_path)
        docs.append(DocumentInfo(doc_root, signatures_path, _read_pages(pkg, doc_root), signatures))
    if not docs:
        raise MalformedInput("/OFD.xml has no DocBody")
    return tuple(docs)


def _reference(pkg: OfdPackage, el: etree._Element, signature_path: str) -> Reference:
    file_ref = (el.get("FileRef") or "").strip()
    try:
        path: str | None = pkg.resolve(file_ref, signature_path)
        if path is not None and not file_ref.startswith("/") and not pkg.exists(path) and pkg.exists(pkg.resolve("/" + file_ref)):
            path = pkg.resolve("/" + file_ref)  # some producers write root-relative paths without "/"
    except MalformedInput:
        path = None
    raw = _text(_child(el, "CheckValue")) or ""
    try:
        value: bytes | None = base64.b64decode("".join(raw.split()), validate=True) if raw else None
    except (binascii.Error, ValueError):
        value = None
    return Reference(file_ref=file_ref, path=path, check_value=value)


def _boundary(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        values = [float(v) for v in text.split()]
    except ValueError:
        return None
    return (values[0], values[1], values[2], values[3]) if len(values) == 4 else None


def _provider(signed_info: etree._Element) -> tuple[str | None, str | None, str | None]:
    el = _child(signed_info, "Provider")
    if el is None:
        return None, None, None
    # the standard uses attributes; one producer (dms360) writes child elements instead
    def field(name: str) -> str | None:
        return el.get(name) or _text(_child(el, name))
    return field("ProviderName"), field("Company"), field("Version")


def read_signature_xml(pkg: OfdPackage, path: str) -> SignatureInfo:
    """Parse one Signature.xml entry; element order is free."""
    root = pkg.read_xml(path)
    _expect_root(root, "Signature", f"/{path}")
    signed_info = _child(root, "SignedInfo")
    if signed_info is None:
        raise MalformedInput(f"/{path}: no SignedInfo")
    refs_el = _child(signed_info, "References")
    references = tuple(_reference(pkg, el, path) for el in _children(refs_el, "Reference")) if refs_el is not None else ()
    stamps = tuple(
        StampAnnot(
            id=(el.get("ID") or "").strip(),
            page_ref=(el.get("PageRef") or "").strip(),
            boundary=_boundary(el.get("Boundary")),
            clip=el.get("Clip"),
        )
        for el in _children(signed_info, "StampAnnot")
    )
    seal_el = _child(signed_info, "Seal")
    seal_ref = _text(_child(seal_el, "BaseLoc")) if seal_el is not None else None
    signed_value_ref = _text(_child(root, "SignedValue"))
    name, company, version = _provider(signed_info)
    return SignatureInfo(
        path=path,
        provider_name=name,
        provider_company=company,
        provider_version=version,
        signature_method=_text(_child(signed_info, "SignatureMethod")),
        signature_date_time=_text(_child(signed_info, "SignatureDateTime")),
        check_method=(refs_el.get("CheckMethod") or "").strip() or None if refs_el is not None else None,
        references=references,
        stamp_annots=stamps,
        seal_path=pkg.resolve(seal_ref, path) if seal_ref else None,
        signed_value_path=pkg.resolve(signed_value_ref, path) if signed_value_ref else None,
    )
