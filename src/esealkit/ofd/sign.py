"""Seal an OFD document with an e-seal (OFD 电子签章), in the layout other implementations use.

    >>> sealed = seal_ofd(ofd_bytes, seal, signer_key, signer_cert_der,
    ...                   page=1, x_mm=120, y_mm=200)                       # doctest: +SKIP
    >>> twice = seal_ofd(sealed, seal2, key2, cert2, page=1, x_mm=40, y_mm=200)  # doctest: +SKIP

Each call adds ``Doc_0/Signs/Sign_N/`` with ``Seal.esl`` (a copy of the seal),
``Signature.xml`` (SM3 References over every file of the package except Signatures.xml
and this signature's own Signature.xml and SignedValue.dat, a StampAnnot sized like the
seal picture, the Seal BaseLoc) and ``SignedValue.dat`` (the SES_Signature over the exact
Signature.xml bytes, propertyInfo = its absolute path), and lists it in Signatures.xml
(created, and named in OFD.xml, on the first seal).  Signatures.xml is left out of the
References ("continue-signing" mode, STANDARDS.md §3.2) so that later seals keep earlier
ones valid; every later seal covers the files of the earlier ones.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from esealkit.crypto import digest
from esealkit.ofd._references import resolve_check_method
from esealkit.ofd.build import write_package, xml_bytes
from esealkit.ofd.model import OFD_NAMESPACE, read_documents, read_signature_xml
from esealkit.ofd.package import DEFAULT_LIMITS, Limits, OfdPackage
from esealkit.seals import Seal, sign_with_seal, signature_algorithm_for_key

__all__ = ["SM3_CHECK_METHOD", "seal_ofd"]

SM3_CHECK_METHOD = "1.2.156.10197.1.401"
_NS = f"{{{OFD_NAMESPACE}}}"


def _sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, _NS + name)
    for key, value in attrs.items():
        el.set(key, value)
    if text is not None:
        el.text = text
    return el


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _number(text: str) -> int:
    """The number in a signature's ID or folder name; 0 when none, or when it is beyond
    any numbering (thousands of digits: int() refuses them, and no new number near it
    could collide with it anyway)."""
    digits = re.sub(r"\D", "", text).lstrip("0")
    return int(digits) if digits and len(digits) <= 18 else 0


def _ofd_with_signatures(pkg: OfdPackage, signatures_path: str) -> bytes:
    """OFD.xml with a Signatures element in its (first) DocBody."""
    root = pkg.read_xml("OFD.xml")
    body = next(c for c in root if isinstance(c.tag, str) and etree.QName(c).localname == "DocBody")
    ns = etree.QName(body).namespace
    el = etree.SubElement(body, f"{{{ns}}}Signatures" if ns else "Signatures")
    el.text = "/" + signatures_path
    return xml_bytes(root)


def _signature_list(pkg: OfdPackage, path: str, sig_id: str, base_loc: str) -> bytes:
    if pkg.exists(path):
        root = pkg.read_xml(path)
    else:
        root = etree.Element(_NS + "Signatures", nsmap={"ofd": OFD_NAMESPACE})
    ns = etree.QName(root).namespace
    tag = (lambda name: f"{{{ns}}}{name}") if ns else (lambda name: name)
    max_el = next((c for c in root if isinstance(c.tag, str) and etree.QName(c).localname == "MaxSignId"), None)
    if max_el is None:
        max_el = etree.Element(tag("MaxSignId"))
        root.insert(0, max_el)
    max_el.text = sig_id
    etree.SubElement(root, tag("Signature"), ID=sig_id, Type="Seal", BaseLoc=base_loc)
    return xml_bytes(root)


def _signature_xml(*, references: list[tuple[str, bytes]], page_ref: str, stamp_id: str,
                   boundary: tuple[float, float, float, float], seal_path: str, signed_value_path: str,
                   method: str, signing_time: datetime) -> bytes:
    root = etree.Element(_NS + "Signature", nsmap={"ofd": OFD_NAMESPACE})
    info = _sub(root, "SignedInfo")
    _sub(info, "Provider", ProviderName="esealkit", Company="esealkit", Version="0.1")
    _sub(info, "SignatureMethod", method)
    _sub(info, "SignatureDateTime", signing_time.astimezone(UTC).strftime("%Y%m%d%H%M%SZ"))
    refs = _sub(info, "References", CheckMethod=SM3_CHECK_METHOD)
    for path, value in references:
        ref = _sub(refs, "Reference", FileRef="/" + path)
        _sub(ref, "CheckValue", base64.b64encode(value).decode("ascii"))
    _sub(info, "StampAnnot", ID=stamp_id, PageRef=page_ref, Boundary=" ".join(_fmt(v) for v in boundary))
    seal = _sub(info, "Seal")
    _sub(seal, "BaseLoc", "/" + seal_path)
    _sub(root, "SignedValue", "/" + signed_value_path)
    return xml_bytes(root)


def seal_ofd(ofd: bytes, seal: Seal, signer_key: Any, signer_cert_der: bytes, *, page: int, x_mm: float,
             y_mm: float, signing_time: datetime | None = None, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Add a seal signature with a stamp centred at (``x_mm``, ``y_mm``), in mm from the top
    left of page ``page`` (1-based), as :func:`esealkit.seal_pdf` places its stamps.

    ``signing_time`` defaults to now.  Raises :class:`~esealkit.errors.MalformedInput` when
    ``ofd`` is not a readable OFD package, and ``ValueError`` when the page does not exist,
    the signer is not one the seal lists, or an earlier signature protects the signature
    list (no signature can then be added without breaking it).
    """
    when = signing_time or datetime.now(UTC)
    pkg = OfdPackage(ofd, limits)
    doc = read_documents(pkg)[0]
    if not 1 <= page <= len(doc.pages):
        raise ValueError(f"page {page} does not exist: the document has {len(doc.pages)} page(s)")
    doc_dir = doc.doc_root.rsplit("/", 1)[0] if "/" in doc.doc_root else ""
    signatures_path = doc.signatures_path or (f"{doc_dir}/Signs/Signatures.xml" if doc_dir else "Signs/Signatures.xml")
    for entry in doc.signatures:
        if pkg.exists(entry.path) and any(r.path == signatures_path for r in read_signature_xml(pkg, entry.path).references):
            raise ValueError(f"signature {entry.label} protects /{signatures_path}: adding a seal would break it")

    signs_dir = signatures_path.rsplit("/", 1)[0] if "/" in signatures_path else ""
    prefix = f"{signs_dir}/Sign_" if signs_dir else "Sign_"
    taken = [_number(f[len(prefix):].split("/", 1)[0]) for f in pkg.files if f.startswith(prefix)]
    sign_dir = f"{prefix}{max(taken) + 1 if taken else 0}"
    seal_path, xml_path, value_path = f"{sign_dir}/Seal.esl", f"{sign_dir}/Signature.xml", f"{sign_dir}/SignedValue.dat"
    number = max((_number(e.id) for e in doc.signatures), default=0) + 1
    sig_id, stamp_id = f"s{number:03d}", f"s{number:03d}a"

    files: dict[str, bytes] = {name: pkg.read(name, limits.max_entry_size) for name in pkg.files}
    if doc.signatures_path is None:
        files["OFD.xml"] = _ofd_with_signatures(pkg, signatures_path)
    files[seal_path] = seal.der
    sm3 = resolve_check_method(SM3_CHECK_METHOD) or "sm3"
    references = [(name, digest(sm3, data)) for name, data in files.items() if name != signatures_path]
    picture = seal.picture
    xml = _signature_xml(
        references=references, page_ref=doc.pages[page - 1].id, stamp_id=stamp_id,
        boundary=(x_mm - picture.width_mm / 2, y_mm - picture.height_mm / 2,
                  float(picture.width_mm), float(picture.height_mm)),
        seal_path=seal_path, signed_value_path=value_path,
        method=signature_algorithm_for_key(signer_key), signing_time=when,
    )
    signed_value = sign_with_seal(seal, signer_key=signer_key, signer_cert_der=signer_cert_der, data=xml,
                                  property_info="/" + xml_path, signing_time=when)
    files[xml_path] = xml
    files[value_path] = signed_value
    files[signatures_path] = _signature_list(pkg, signatures_path, sig_id, "/" + xml_path)
    return write_package(list(files.items()))
