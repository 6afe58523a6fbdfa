"""Verify the signatures of a PDF (PDF 签名验证): PAdES/CMS signatures and document timestamps.

    >>> report = verify_pdf("contract.pdf", trust=Trust.load(["root.pem"]))   # doctest: +SKIP
    >>> report.indication                                                     # doctest: +SKIP
    <Indication.TOTAL_PASSED: 'TOTAL_PASSED'>

Per signature, in order: ``byte_range`` (the structure), ``cms_format``,
``signer_certificate``, ``message_digest`` (integrity), ``signing_certificate_attribute``
(when present), ``signature_value``, the signature timestamp's checks
(``timestamp_*``, when present), ``trust`` (X.509 path and revocation at the
validation time: the timestamp's time when a valid one exists, else the run's time) and
``modifications`` (what later revisions changed).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from esealkit import cms, crypto
from esealkit.errors import MalformedInput
from esealkit.pdf.changes import ChangeResult, analyse_changes, changes_check
from esealkit.pdf.reader import PdfDocument, PdfSignature, read_pdf_open
from esealkit.pdf.seal import seal_checks
from esealkit.pki.timestamps import verify_timestamp_token
from esealkit.report import (
    Check,
    DocumentReport,
    Indication,
    SignatureKind,
    SignatureReport,
    SubIndication,
)

if TYPE_CHECKING:
    from esealkit.engine import Verifier

__all__ = ["verify_pdf_bytes"]

log = logging.getLogger("esealkit")


_CMS_SUBFILTERS = {"adbe.pkcs7.detached", "ETSI.CAdES.detached", "adbe.pkcs7.sha1", ""}


def verify_pdf_bytes(data: bytes, *, path: str, verifier: Verifier) -> DocumentReport:
    """Verify every signature of the PDF in ``data``; never raises for bad input."""
    try:
        doc, pdf, warned = read_pdf_open(data)
    except MalformedInput as exc:
        return DocumentReport(path=path, format="pdf", checks=(Check.failed("pdf_format", SubIndication.FORMAT_FAILURE, str(exc)),))
    with pdf:
        later = [s for s in doc.signatures if not s.problems and not doc.covers_whole_file(s)]
        changes: dict[tuple[int, int, int, int], ChangeResult | str | Check] = {}
        if later:
            try:
                changes.update(analyse_changes(data, [s.byte_range for s in later], opened=(pdf, warned)))
            except Exception as exc:  # the engine's boundary, as in _verify_signature_safely
                log.exception("internal error analysing the revisions of %s", path)
                failed = Check.indeterminate("modifications", SubIndication.GENERIC,
                                             f"esealkit could not complete the revision analysis "
                                             f"({type(exc).__name__}: {exc}); please report it")
                changes = {s.byte_range: failed for s in later}
    view = memoryview(data)
    reports = tuple(_verify_signature_safely(view, doc, sig, changes, verifier) for sig in doc.signatures)
    damage: tuple[Check, ...] = ()
    if doc.unreadable_objects:
        damage = (Check.failed("pdf_format", SubIndication.FORMAT_FAILURE,
                               f"objects that could not be read (a signature may be among them): "
                               f"{', '.join(doc.unreadable_objects)}", objects=list(doc.unreadable_objects)),)
    return DocumentReport(path=path, format="pdf", signatures=reports, checks=damage)


def _verify_signature_safely(
    view: memoryview,
    doc: PdfDocument,
    sig: PdfSignature,
    changes: dict[tuple[int, int, int, int], ChangeResult | str | Check],
    verifier: Verifier,
) -> SignatureReport:
    """The engine's boundary: a defect in esealkit or a library must cost one signature
    its verdict (INDETERMINATE, logged), never the batch its run."""
    try:
        return _verify_signature(view, doc, sig, changes, verifier)
    except Exception as exc:  # the one deliberate catch-all, see docstring
        log.exception("internal error verifying %s", sig.field_name)
        return SignatureReport(sig.field_name, SignatureKind.SIGNATURE, (
            Check.indeterminate("internal", SubIndication.GENERIC,
                                f"esealkit could not complete this verification ({type(exc).__name__}: {exc}); please report it"),))


def _hash_ranges(view: memoryview, sig: PdfSignature, algorithm: str) -> bytes:
    (a, b), (c, d) = sig.ranges()
    return crypto.digest(algorithm, view[a:b], view[c:d])


def _verify_signature(
    view: memoryview,
    doc: PdfDocument,
    sig: PdfSignature,
    changes: dict[tuple[int, int, int, int], ChangeResult | str | Check],
    verifier: Verifier,
) -> SignatureReport:
    kind = SignatureKind.TIMESTAMP if sig.kind == "timestamp" else SignatureKind.SIGNATURE
    if sig.problems:
        return SignatureReport(sig.field_name, kind, (
            Check.failed("byte_range", SubIndication.FORMAT_FAILURE, "; ".join(sig.problems)),))
    checks = [Check.passed("byte_range", f"the signature covers bytes 0-{sig.byte_range[1]} and "
                                         f"{sig.byte_range[2]}-{sig.covered_end} of {doc.size}")]
    if kind is SignatureKind.TIMESTAMP:
        result = verify_timestamp_token(
            sig.contents, lambda alg: _hash_ranges(view, sig, alg),
            validator=verifier.validator, at=verifier.validation_time, prefix="timestamp")
        checks.extend(result.checks)
        if verifier.validator is None and result.checks and result.checks[-1].indication is Indication.TOTAL_PASSED:
            checks.append(Check.indeterminate("timestamp_trust", SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
                                              "no trust anchors given for the timestamp authority"))
        checks.append(_modifications(doc, sig, changes))
        return SignatureReport(sig.field_name, kind, tuple(checks), timestamp_time=result.time or result.claimed_time)
    if sig.sub_filter not in _CMS_SUBFILTERS:
        checks.append(Check.failed("cms_format", SubIndication.FORMAT_FAILURE,
                                   f"unsupported signature format /SubFilter /{sig.sub_filter}"))
        return SignatureReport(sig.field_name, kind, tuple(checks))
    try:
        info = cms.parse_signed_data(sig.contents)
    except MalformedInput as exc:
        checks.append(Check.failed("cms_format", SubIndication.FORMAT_FAILURE, str(exc)))
        return SignatureReport(sig.field_name, kind, tuple(checks))
    # BouncyCastle's writers (PDFBox, iText 5, many Java signers) give the container's outer
    # structures indefinite lengths (BER); PAdES asks for DER, readers take both: said, not failed
    encoding = " (BER container, its contents DER)" if info.ber else ""
    checks.append(Check.passed("cms_format", f"CMS SignedData with {info.signer_count} signer(s){encoding}"))
    if sig.sub_filter == "adbe.pkcs7.sha1":
        # The encapsulated content is the SHA-1 of the byte ranges; the CMS signs that.
        content_ok = info.content is not None and info.content == _hash_ranges(view, sig, "sha1")
        if not content_ok:
            checks.append(Check.failed("message_digest", SubIndication.HASH_FAILURE,
                                       "the signed SHA-1 digest does not match the document bytes"))
            return SignatureReport(sig.field_name, kind, tuple(checks))
        cms_checks = cms.check_signed_data(info, weak_digests=verifier.policy.weak_digests)
    else:
        digest = _hash_ranges(view, sig, info.digest_algorithm) if info.digest_algorithm not in verifier.policy.weak_digests else None
        cms_checks = cms.check_signed_data(info, content_digest=digest, weak_digests=verifier.policy.weak_digests)
    checks.extend(cms_checks)
    signer = cms.signer_summary(info.signer_cert_der) if info.signer_cert_der is not None else None
    timestamp_time: datetime | None = None
    if info.timestamp_token is not None:
        ts = verify_timestamp_token(
            info.timestamp_token, lambda alg: crypto.digest(alg, info.signature),
            validator=verifier.validator, at=verifier.validation_time, prefix="timestamp")
        checks.extend(ts.checks)
        timestamp_time = ts.time
    if info.signer_cert_der is not None:
        at = timestamp_time or verifier.validation_time
        checks.append(verifier.trust_check(
            info.signer_cert_der, at=at, purpose="signing",
            extra_certs=info.certificates + doc.dss_certs,
            extra_crls=info.crls + doc.dss_crls,
            extra_ocsps=info.ocsps + doc.dss_ocsps,
        ))
    sealed, seal = seal_checks(
        info, verifier=verifier, signing_time=info.signing_time or sig.claimed_time,
        timestamp_time=timestamp_time,
        extra_certs=info.certificates + doc.dss_certs,
        extra_crls=info.crls + doc.dss_crls, extra_ocsps=info.ocsps + doc.dss_ocsps)
    checks.extend(sealed)
    checks.append(_modifications(doc, sig, changes))
    return SignatureReport(sig.field_name, SignatureKind.SEAL if seal is not None else kind, tuple(checks),
                           signer=signer, signing_time=info.signing_time or sig.claimed_time,
                           timestamp_time=timestamp_time, seal=seal)


def _modifications(doc: PdfDocument, sig: PdfSignature,
                   changes: dict[tuple[int, int, int, int], ChangeResult | str | Check]) -> Check:
    if doc.covers_whole_file(sig):
        return Check.passed("modifications", "the signature covers the whole file: nothing was changed after it")
    if sig.covered_end not in doc.revision_ends:
        return Check.failed("modifications", SubIndication.FORMAT_FAILURE,
                            "the signed bytes do not end at the end of a revision (%%EOF)")
    found = changes.get(sig.byte_range, "the revisions after signing were not analysed")
    if isinstance(found, Check):
        return found
    check = changes_check(found)
    if not check.details:
        return check
    return Check(check.name, check.indication, check.sub_indication, check.message,
                 {key: _plain(value) for key, value in check.details.items()})


def _plain(value: Any) -> Any:
    """Plain Python values for report details.  pyHanko's field names are its own string
    objects that keep its whole parsed document alive (and pickle as megabytes); a report
    must hold nothing of the file it describes."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value) if type(value) in (list, tuple) else [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
