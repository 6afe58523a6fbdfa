"""The verification engine (验证引擎): one context per run, one entry point per document.

    >>> verifier = Verifier(trust=Trust.load(["root.pem"]))              # doctest: +SKIP
    >>> report = verifier.verify(open("a.pdf", "rb").read(), path="a.pdf")  # doctest: +SKIP

A :class:`Verifier` holds what is shared by every document of a run: the trust
configuration, the policy, the validation time (fixed when the verifier is made, so that
a run judges every document as of the same moment) and the caches.  ``verify`` sniffs
the format from the content, never from the file name, and never raises for bad input:
a file that cannot be read as any supported format gets a FORMAT_FAILURE report.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, BinaryIO

from esealkit.errors import MalformedInput
from esealkit.pki import PathValidator, Trust
from esealkit.policy import DEFAULT_POLICY, ValidationPolicy
from esealkit.report import Check, DocumentReport, SubIndication

__all__ = ["Source", "Verifier", "read_source", "sniff_format", "verify_pdf"]

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO


def sniff_format(data: bytes) -> str:
    """``"pdf"``, ``"ofd"``, ``"seal"`` (DER SES_Seal), ``"seal-signature"`` (DER
    SES_Signature) or ``"unknown"``, from the content, never the file name."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        from esealkit.ofd import is_ofd

        return "ofd" if is_ofd(data) else "unknown"
    if data[:1] == b"\x30":
        from esealkit.seals import detect_kind

        try:
            return "seal" if detect_kind(data) == "seal" else "seal-signature"
        except MalformedInput:
            return "unknown"
    return "unknown"


class Verifier:
    """Shared state of a verification run.  Not thread-safe; one per process."""

    def __init__(
        self,
        *,
        trust: Trust | None,
        policy: ValidationPolicy | None = None,
        validation_time: datetime | None = None,
        seal_store: Any = None,
    ) -> None:
        if validation_time is not None and validation_time.tzinfo is None:
            raise ValueError("validation_time must be timezone-aware")
        self.trust = trust
        self.policy = policy or DEFAULT_POLICY
        self.validation_time = validation_time or datetime.now(UTC)
        self.seal_store = seal_store
        self.validator = PathValidator(trust, self.policy) if trust is not None else None

    def __getstate__(self) -> dict[str, Any]:
        return {"trust": self.trust, "policy": self.policy, "validation_time": self.validation_time,
                "seal_store": self.seal_store}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def trust_check(
        self,
        cert_der: bytes,
        *,
        at: datetime,
        purpose: str = "signing",
        extra_certs: Sequence[bytes] = (),
        extra_crls: Sequence[bytes] = (),
        extra_ocsps: Sequence[bytes] = (),
        name: str = "trust",
    ) -> Check:
        """The ``trust`` check of a certificate at ``at`` (INDETERMINATE without anchors)."""
        if self.validator is None:
            return Check.indeterminate(name, SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
                                       "no trust anchors given, so the signer cannot be trusted")
        result = self.validator.validate(cert_der, at=at, purpose=purpose, extra_certs=extra_certs,
                                         extra_crls=extra_crls, extra_ocsps=extra_ocsps)
        c = result.check
        return c if name == "trust" else Check(name, c.indication, c.sub_indication, c.message, c.details)

    def verify(self, data: bytes, *, path: str = "<bytes>") -> DocumentReport:
        """Verify one document given as bytes, whatever its format."""
        kind = sniff_format(data)
        if kind == "pdf":
            from esealkit.pdf.verify import verify_pdf_bytes

            return verify_pdf_bytes(data, path=path, verifier=self)
        if kind == "ofd":
            from esealkit.ofd import verify_ofd

            return verify_ofd(data, trust=self.validator, policy=self.policy, at=self.validation_time,
                              store=self.seal_store, path=path)
        if kind in ("seal", "seal-signature"):
            from esealkit.seals import verify_seal, verify_seal_signature

            verify_one = verify_seal if kind == "seal" else verify_seal_signature
            report = verify_one(data, at=self.validation_time, trust=self.validator, policy=self.policy,
                                store=self.seal_store)
            return DocumentReport(path=path, format=kind, signatures=(report,))
        return DocumentReport(path=path, format="unknown", checks=(
            Check.failed("format", SubIndication.FORMAT_FAILURE, "not a PDF, OFD, seal or seal signature"),))


def read_source(source: Source) -> tuple[bytes, str]:
    """The bytes of a path, bytes-like object or binary file, and a name for reports.

    I/O errors are the caller's and are raised as they are (``OSError``).
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), "<bytes>"
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as f:
            return f.read(), os.fspath(source)
    if hasattr(source, "read"):
        data = source.read()
        if not isinstance(data, bytes):
            raise TypeError("source must be opened in binary mode")
        return data, str(getattr(source, "name", "<stream>"))
    raise TypeError(f"source must be a path, bytes or a binary file, not {type(source).__name__}")


def verify_pdf(
    source: Source,
    *,
    trust: Trust | None,
    policy: ValidationPolicy | None = None,
    validation_time: datetime | None = None,
) -> DocumentReport:
    """Verify every signature and document timestamp of a PDF (PDF 签名验证).

    ``trust`` is required: pass a :class:`~esealkit.pki.Trust`, or ``None`` on purpose to
    see every check that does not depend on trust (the trust checks are then
    INDETERMINATE).  ``validation_time`` defaults to now.  Returns a report, also for a
    file that is not a PDF at all (FORMAT_FAILURE)::

        >>> report = verify_pdf("signed.pdf", trust=Trust.load(["root.pem"]))  # doctest: +SKIP
        >>> bool(report), report.message                                     # doctest: +SKIP
        (True, '1 signature, all passed')
    """
    data, path = read_source(source)
    verifier = Verifier(trust=trust, policy=policy, validation_time=validation_time)
    if sniff_format(data) != "pdf":
        return DocumentReport(path=path, format="pdf", checks=(
            Check.failed("pdf_format", SubIndication.FORMAT_FAILURE, "not a PDF file (no %PDF- header)"),))
    from esealkit.pdf.verify import verify_pdf_bytes

    return verify_pdf_bytes(data, path=path, verifier=verifier)
