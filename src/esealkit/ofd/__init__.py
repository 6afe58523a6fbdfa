"""OFD documents (GB/T 33190) with seal signatures (GB/T 38540): read, verify, seal.

    >>> from esealkit.ofd import verify_ofd
    >>> report = verify_ofd("invoice.ofd")            # doctest: +SKIP
    >>> report.indication                              # doctest: +SKIP
    <Indication.INDETERMINATE: 'INDETERMINATE'>
    >>> sealed = seal_ofd(build_ofd(["hello"]), seal, key, cert, page=1, x_mm=20, y_mm=20)  # doctest: +SKIP

``is_ofd(data)`` tells an OFD package from other files by content (a ZIP holding OFD.xml).
"""

from esealkit.ofd.build import build_ofd
from esealkit.ofd.model import (
    DocumentInfo,
    Page,
    Reference,
    SignatureEntry,
    SignatureInfo,
    StampAnnot,
    read_documents,
    read_signature_xml,
)
from esealkit.ofd.package import Limits, OfdPackage, is_ofd, normalize_path, parse_xml
from esealkit.ofd.sign import seal_ofd
from esealkit.ofd.verify import verify_ofd

__all__ = [
    "DocumentInfo",
    "Limits",
    "OfdPackage",
    "Page",
    "Reference",
    "SignatureEntry",
    "SignatureInfo",
    "StampAnnot",
    "build_ofd",
    "is_ofd",
    "normalize_path",
    "parse_xml",
    "read_documents",
    "read_signature_xml",
    "seal_ofd",
    "verify_ofd",
]
