"""Checks of a Type="Sign" OFD signature (数字签名): what SignedValue.dat holds and whether
it signs this Signature.xml.

Two forms are seen in the wild (STANDARDS.md §3.4):

* a GM/T 0010 or PKCS#7 SignedData, its content either attached as the SM3 digest of
  Signature.xml (tongz) or detached over the Signature.xml bytes (YNCA);
* a bare SM2 signature value over the Signature.xml bytes (ofdrw ``DigitalSign.ofd``),
  which carries no certificate: it can only be verified with a certificate the caller
  supplies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import algos, core, x509

from esealkit import cms
from esealkit.crypto import (
    SM2_WITH_SM3,
    InvalidSignature,
    SignatureAlgorithm,
    UnsupportedAlgorithm,
    digest,
    verify_signature,
)
from esealkit.errors import MalformedInput
from esealkit.report import Check, SignerSummary, SubIndication

__all__ = ["SignOutcome", "TrustCheck", "check_sign_value"]

_SIGNED_DATA_OIDS = (cms.PKCS7_SIGNED_DATA_OID, cms.GM_SIGNED_DATA_OID)

TrustCheck = Callable[[bytes, Sequence[bytes], datetime | None], Check]


@dataclass(frozen=True)
class SignOutcome:
    checks: tuple[Check, ...]
    signer: SignerSummary | None


def _summary(cert: x509.Certificate) -> SignerSummary | None:
    # Real CA names break asn1crypto's typed parsing (x500UniqueIdentifier as UTF8String).
    try:
        return cms.signer_summary(cert)
    except (ValueError, TypeError):
        return None


def _subject(cert: x509.Certificate) -> str:
    summary = _summary(cert)
    return summary.subject if summary else "(subject not readable)"


def _kind(value: bytes) -> str:
    """ "signed_data", "bare" (an SM2/ECDSA value) or "unknown"."""
    if len(value) == 64:
        return "bare"
    try:
        seq = core.Sequence.load(value, strict=True)
        first = seq[0]
    except (ValueError, TypeError, IndexError, KeyError):
        return "unknown"
    if first.tag == 6:  # an OBJECT IDENTIFIER: a ContentInfo
        try:
            oid = core.ObjectIdentifier.load(first.dump()).dotted
        except ValueError:
            return "unknown"
        return "signed_data" if oid in _SIGNED_DATA_OIDS else "unknown"
    try:
        algos.DSASignature.load(value, strict=True).native  # noqa: B018 - SEQUENCE{r, s}
    except (ValueError, TypeError):
        return "unknown"
    return "bare"


def _signed_data_checks(value: bytes, xml: bytes, trust_check: TrustCheck) -> SignOutcome:
    try:
        info = cms.parse_signed_data(value)
    except MalformedInput as exc:
        return SignOutcome((Check.failed("signed_value_format", SubIndication.FORMAT_FAILURE, str(exc)),), None)
    checks = [Check.passed("signed_value_format",
                           f"SignedValue.dat is a SignedData ({info.content_type}, {info.digest_algorithm})",
                           form="signed_data", content_type=info.content_type)]
    if info.content is None:
        # detached: the signed content is the Signature.xml bytes themselves
        checks.append(Check.passed("data_hash", "detached SignedData: the signed content is this Signature.xml"))
        checks.extend(cms.check_signed_data(info, content=xml))
    else:
        expected = digest(info.digest_algorithm, xml)
        if info.content == expected:
            checks.append(Check.passed("data_hash", f"the signed content is the {info.digest_algorithm} digest of this Signature.xml"))
        elif info.content == xml:
            checks.append(Check.passed("data_hash", "the signed content is this Signature.xml"))
        else:
            checks.append(Check.failed("data_hash", SubIndication.HASH_FAILURE,
                                       "the SignedData's content is neither this Signature.xml nor its digest: "
                                       "Signature.xml was changed after signing"))
        checks.extend(cms.check_signed_data(info))
    signer = _summary(info.signer_cert) if info.signer_cert is not None else None
    if info.signer_cert is not None:
        others = [c for c in info.certificates if c != info.signer_cert.dump()]
        checks.append(trust_check(info.signer_cert.dump(), others, info.signing_time))
    return SignOutcome(tuple(checks), signer)


def _bare_checks(value: bytes, xml: bytes, method: str | None, certificates: Sequence[bytes],
                 trust_check: TrustCheck) -> SignOutcome:
    checks = [Check.passed("signed_value_format",
                           f"SignedValue.dat is a bare signature value ({len(value)} bytes) with no certificate",
                           form="bare")]
    oid = method if method and method[0].isdigit() else SM2_WITH_SM3
    try:
        algorithm = SignatureAlgorithm.from_oid(oid)
    except UnsupportedAlgorithm as exc:
        checks.append(Check.indeterminate("signature_value", SubIndication.CRYPTO_CONSTRAINTS_FAILURE, str(exc)))
        return SignOutcome(tuple(checks), None)
    if not certificates:
        checks.append(Check.indeterminate(
            "signature_value", SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
            "a bare signature value carries no certificate: pass the signer's certificate to verify it",
        ))
        return SignOutcome(tuple(checks), None)
    for cert_der in certificates:
        try:
            cert = x509.Certificate.load(cert_der, strict=True)
            verify_signature(cert.public_key.dump(), algorithm, value, xml)
        except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
            continue
        checks.append(Check.passed("signature_value",
                                   f"the signature over this Signature.xml is valid with the supplied certificate "
                                   f"{_subject(cert)}"))
        checks.append(trust_check(cert_der, [c for c in certificates if c != cert_der], None))
        return SignOutcome(tuple(checks), _summary(cert))
    checks.append(Check.failed("signature_value", SubIndication.SIG_CRYPTO_FAILURE,
                               f"the signature over this Signature.xml does not verify with any of the "
                               f"{len(certificates)} supplied certificate(s)"))
    return SignOutcome(tuple(checks), None)


def check_sign_value(value: bytes, xml: bytes, *, signature_method: str | None,
                     certificates: Sequence[bytes], trust_check: TrustCheck) -> SignOutcome:
    """The checks of one Type="Sign" SignedValue.dat against its Signature.xml bytes."""
    kind = _kind(value)
    if kind == "signed_data":
        return _signed_data_checks(value, xml, trust_check)
    if kind == "bare":
        return _bare_checks(value, xml, signature_method, certificates, trust_check)
    return SignOutcome((Check.failed("signed_value_format", SubIndication.FORMAT_FAILURE,
                                     "SignedValue.dat of a Type=\"Sign\" signature is neither a SignedData "
                                     "nor a signature value"),), None)
