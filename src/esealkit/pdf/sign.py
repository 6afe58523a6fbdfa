"""Sign PDFs (PDF 签名) with any key esealkit knows, SM2 included, through pyHanko.

    >>> signed = sign_pdf(pdf_bytes, key=key, cert_der=cert, chain=[ca_cert])   # doctest: +SKIP

pyHanko builds the PAdES structure (signature field, CMS with signed attributes,
incremental update); the raw signature value comes from :func:`esealkit.crypto.sign`, so
keys that pyHanko cannot use itself (SM2 via tongsuopy) sign the same way as RSA or ECDSA.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from asn1crypto import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from esealkit import crypto

__all__ = ["EsealkitSigner", "sign_pdf", "timestamp_pdf"]


class EsealkitSigner(signers.Signer):  # type: ignore[misc]
    """A pyHanko signer whose raw signatures come from :mod:`esealkit.crypto`."""

    def __init__(self, key: Any, cert_der: bytes, chain: Sequence[bytes] = (), *, pss: bool = False) -> None:
        ident, self._algorithm = crypto.key_algorithm(key, pss=pss)
        cert = x509.Certificate.load(cert_der)
        super().__init__(
            signature_mechanism=ident,
            signing_cert=cert,
            cert_registry=SimpleCertificateStore.from_certs([cert, *(x509.Certificate.load(c) for c in chain)]),
        )
        self._key = key

    @property
    def digest_algorithm(self) -> str:
        return self._algorithm.digest or "sha512"

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if dry_run:
            return bytes(1024)  # room for any signature value esealkit makes
        return crypto.sign(self._key, self._algorithm, data)


def sign_pdf(
    pdf: bytes,
    *,
    key: Any,
    cert_der: bytes,
    chain: Sequence[bytes] = (),
    field_name: str = "Signature1",
    reason: str | None = None,
    location: str | None = None,
    timestamper: TimeStamper | None = None,
    certify: int | None = None,
    box: tuple[int, int, int, int] | None = None,
    page: int = 0,
    pss: bool = False,
) -> bytes:
    """Add a PAdES signature (B-B, or B-T with a ``timestamper``) as an incremental update.

    ``certify`` = 1, 2 or 3 makes it a certification signature with that DocMDP
    permission; ``box`` (x1, y1, x2, y2 in points) makes the field visible on ``page``.
    """
    signer = EsealkitSigner(key, cert_der, chain, pss=pss)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm=signer.digest_algorithm,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=certify is not None,
        docmdp_permissions=fields.MDPPerm(certify) if certify is not None else fields.MDPPerm.FILL_FORMS,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    field_spec = fields.SigFieldSpec(field_name, box=box, on_page=page) if box is not None else None
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper, new_field_spec=field_spec)
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()


def timestamp_pdf(pdf: bytes, *, timestamper: TimeStamper, digest: str = "sha256", field_name: str | None = None) -> bytes:
    """Add a document timestamp (PAdES /DocTimeStamp) as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = io.BytesIO()
    signers.PdfTimeStamper(timestamper, field_name=field_name).timestamp_pdf(writer, digest, output=out)
    return out.getvalue()
