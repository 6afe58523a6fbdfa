"""The individual checks behind :mod:`esealkit.seals.verify`; each returns one :class:`Check`."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from asn1crypto import algos, x509
from cryptography.exceptions import UnsupportedAlgorithm as CryptographyUnsupported

from esealkit.crypto import (
    InvalidSignature,
    SignatureAlgorithm,
    UnsupportedAlgorithm,
    digest,
    digest_name,
    load_public_key,
    verify_signature,
)
from esealkit.crypto.signatures import KeyMismatch
from esealkit.pki import PathValidator, Trust, verify_timestamp_token
from esealkit.policy import DEFAULT_POLICY, ValidationPolicy
from esealkit.report import Check, Indication, SignerSummary, SubIndication
from esealkit.seals.model import Seal, SealSignature, remembered
from esealkit.seals.owner import certificate_summary
from esealkit.seals.picture import check_picture

__all__ = [
    "SealStatusLookup",
    "binding_check",
    "data_hash_check",
    "header_check",
    "make_validator",
    "maker_signature_check",
    "picture_check",
    "signature_value_check",
    "signer_summary",
    "status_check",
    "timestamp_check",
    "trust_check",
    "validity_check",
]


class SealStatusLookup(Protocol):
    """What verification needs from a seal store (印章库): the seal's status at a time.

    ``status`` returns ``"active"``, ``"suspended"``, ``"revoked"`` or ``None`` when the
    store does not know the seal.
    """

    def status(self, es_id: str, at: datetime) -> str | None: ...


@functools.lru_cache(maxsize=4096)
def _spki(cert_der: bytes) -> bytes:
    cert = x509.Certificate.load(cert_der, strict=True)
    return bytes(cert["tbs_certificate"]["subject_public_key_info"].dump())


def signer_summary(cert_der: bytes) -> SignerSummary | None:
    """Subject, issuer, serial and SHA-256 of a DER certificate; ``None`` if it does not parse."""
    return certificate_summary(cert_der)


def _verify_any(spki: bytes, alg: SignatureAlgorithm, value: bytes, candidates: Sequence[bytes]) -> int | None:
    """Index of the first candidate the value verifies over, or ``None``.

    ECDSA values stored as raw r‖s (as one vendor does for SM2) are retried as DER.
    """
    values = [value]
    if alg.scheme == "ecdsa" and len(value) % 2 == 0 and value[:1] != b"\x30":
        values.append(algos.DSASignature.from_p1363(value).dump())
    for index, data in enumerate(candidates):
        for v in values:
            try:
                verify_signature(spki, alg, v, data)
            except (InvalidSignature, KeyMismatch):
                continue
            return index
    return None


def _value_check(name: str, failure: SubIndication, cert: bytes, alg_oid: str, value: bytes,
                 candidates: Sequence[bytes], forms: Sequence[str], who: str) -> Check:
    try:
        spki = _spki(cert)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        return Check.failed(name, failure, f"the {who} certificate does not parse: {exc}")
    try:
        load_public_key(spki)
    except (UnsupportedAlgorithm, CryptographyUnsupported) as exc:
        return Check.indeterminate(name, SubIndication.CRYPTO_CONSTRAINTS_FAILURE, f"{who} key: {exc}")
    except (ValueError, TypeError) as exc:  # the backends raise ValueError on a damaged key
        return Check.failed(name, failure, f"the {who} certificate's public key does not load: {exc}")
    try:
        alg = SignatureAlgorithm.from_oid(alg_oid)
        index = _verify_any(spki, alg, value, candidates)
    except (UnsupportedAlgorithm, CryptographyUnsupported) as exc:
        # esealkit.crypto lets cryptography's own UnsupportedAlgorithm through for unknown key types
        return Check.indeterminate(name, SubIndication.CRYPTO_CONSTRAINTS_FAILURE, f"{who} signature: {exc}")
    if index is None:
        return Check.failed(name, failure, f"the {who}'s signature does not verify with the {who} certificate's key")
    return Check.passed(name, f"the {who}'s signature verifies over {forms[index]}", signed=forms[index])


# The maker's signature and the picture are functions of the seal's bytes alone, and one
# seal signs many documents of a batch: their checks (an SM2 verification, ~0.6 ms; an
# image decoded) are made once per seal.
_SEAL_CHECKS: dict[tuple[str, bytes], Check] = {}
_MAX_SEAL_CHECKS = 512  # keys hold the seals' bytes


def _once_per_seal(name: str, seal: Seal, check: Callable[[Seal], Check]) -> Check:
    return remembered(_SEAL_CHECKS, _MAX_SEAL_CHECKS, (name, seal.der), lambda: check(seal))


def maker_signature_check(seal: Seal) -> Check:
    """The seal maker (制章者) signed the seal: ``seal_maker_signature`` → SEAL_INVALID."""
    return _once_per_seal("maker", seal, _maker_signature_check)


def _maker_signature_check(seal: Seal) -> Check:
    if seal.version == 1:
        forms = ["SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}", "SES_SealInfo"]
    else:
        forms = ["SES_SealInfo", "SEQUENCE{SES_SealInfo, cert, signAlgID}"]
    return _value_check("seal_maker_signature", SubIndication.SEAL_INVALID, seal.maker_cert, seal.sign_alg,
                        seal.signed_value, (seal.tbs, *seal.tbs_alternatives), forms, "seal maker")


def signature_value_check(sig: SealSignature) -> Check:
    """The signer (签章者) signed the exact TBS_Sign bytes: ``signature_value`` → SIG_CRYPTO_FAILURE."""
    return _value_check("signature_value", SubIndication.SIG_CRYPTO_FAILURE, sig.signer_cert, sig.sign_alg,
                        sig.signature, (sig.tbs,), ["TBS_Sign"], "signer")


def header_check(seal: Seal, sig: SealSignature | None = None) -> Check:
    """``header``: id "ES", header version consistent with the structure and the TBS version."""
    problems = []
    if seal.header_id != "ES":
        problems.append(f"header id is {seal.header_id!r}, not 'ES'")
    if seal.version != 1 and seal.header_version not in (4, 5):
        problems.append(f"header version {seal.header_version} in a v4/v5 structure")
    if seal.version == 5 and seal.header_version != 5:
        problems.append(f"a seal timestamp in a header version {seal.header_version} seal")
    if sig is not None and sig.version != seal.header_version:
        problems.append(f"TBS_Sign version {sig.version} differs from the seal header version {seal.header_version}")
    if problems:
        return Check.failed("header", SubIndication.FORMAT_FAILURE, "; ".join(problems))
    return Check.passed("header", f"id 'ES', version {seal.header_version}")


def validity_check(seal: Seal, at: datetime, what: str) -> Check:
    """``seal_validity``: validStart ≤ t ≤ validEnd → SEAL_EXPIRED."""
    window = f"{seal.valid_from.isoformat()} … {seal.valid_to.isoformat()}"
    if at < seal.valid_from:
        return Check.failed("seal_validity", SubIndication.SEAL_EXPIRED,
                            f"the seal was not yet valid at {what} {at.isoformat()} (valid {window})")
    if at > seal.valid_to:
        return Check.failed("seal_validity", SubIndication.SEAL_EXPIRED,
                            f"the seal had expired at {what} {at.isoformat()} (valid {window})")
    return Check.passed("seal_validity", f"the seal was valid at {what} {at.isoformat()} (valid {window})")


def picture_check(seal: Seal) -> Check:
    """``picture``: the seal's picture is an image of a known type and its declared size."""
    return _once_per_seal("picture", seal, _picture_check)


def _picture_check(seal: Seal) -> Check:
    problem = check_picture(seal.picture)
    if problem is None:
        p = seal.picture
        return Check.passed("picture", f"{p.type} picture, {p.width_mm}×{p.height_mm} mm")
    if problem.startswith("unknown picture type"):
        return Check.indeterminate("picture", SubIndication.GENERIC, problem)
    return Check.failed("picture", SubIndication.FORMAT_FAILURE, problem)


def binding_check(seal: Seal, signer_cert: bytes) -> Check:
    """``signer_binding``: the signer's certificate is listed by the seal → SIGNER_NOT_BOUND_TO_SEAL."""
    name = "signer_binding"
    if seal.cert_list_type == 1:
        if signer_cert in seal.signer_certs:
            return Check.passed(name, f"the signer's certificate is one of the {len(seal.signer_certs)} the seal lists")
        return Check.failed(name, SubIndication.SIGNER_NOT_BOUND_TO_SEAL,
                            f"the signer's certificate is not among the {len(seal.signer_certs)} certificates the seal lists")
    unknown: list[str] = []
    for entry in seal.signer_cert_digests:
        try:
            algorithm = digest_name(entry.type)
        except UnsupportedAlgorithm:
            unknown.append(entry.type)
            continue
        if digest(algorithm, signer_cert) == entry.value:
            return Check.passed(name, f"the {algorithm} digest of the signer's certificate is listed by the seal")
    if unknown and len(unknown) == len(seal.signer_cert_digests):
        return Check.indeterminate(name, SubIndication.GENERIC,
                                   f"the seal lists certificate digests with unknown algorithms: {', '.join(sorted(set(unknown)))}")
    return Check.failed(name, SubIndication.SIGNER_NOT_BOUND_TO_SEAL,
                        "the digest of the signer's certificate is not among the digests the seal lists")


_DIGESTS_BY_LENGTH = {32: ("sm3", "sha256"), 20: ("sha1",), 28: ("sha224",), 48: ("sha384",), 64: ("sha512",)}


def data_hash_check(sig: SealSignature, data: bytes | None) -> Check:
    """``data_hash``: dataHash is the digest of the signed original (SM3 by default)."""
    if data is None:
        return Check.indeterminate("data_hash", SubIndication.SIGNED_DATA_NOT_FOUND,
                                   "the signed data was not given, so dataHash could not be compared")
    candidates = _DIGESTS_BY_LENGTH.get(len(sig.data_hash), ())
    for algorithm in candidates:
        if digest(algorithm, data) == sig.data_hash:
            return Check.passed("data_hash", f"dataHash is the {algorithm} digest of the data", algorithm=algorithm)
    tried = ", ".join(candidates) or f"no digest is {len(sig.data_hash)} bytes long"
    return Check.failed("data_hash", SubIndication.HASH_FAILURE,
                        f"dataHash does not match the data (tried {tried})")


def make_validator(trust: Any, policy: ValidationPolicy | None = None) -> PathValidator | None:
    """A :class:`PathValidator` for ``trust`` (a :class:`Trust`, a ready validator, or ``None``)."""
    if trust is None or isinstance(trust, PathValidator):
        return trust
    if isinstance(trust, Trust):
        return PathValidator(trust, policy or DEFAULT_POLICY)
    raise TypeError(f"trust must be an esealkit.pki.Trust or PathValidator, not {type(trust).__name__}")


def timestamp_check(token: bytes, covered: bytes, *, validator: PathValidator | None, at: datetime,
                    name: str = "timestamp") -> tuple[Check, datetime | None]:
    """An RFC 3161 token over ``covered`` (a signature value): one check, and the proven time
    when the token holds (its CMS, its message imprint and its TSA's path all verify)."""
    result = verify_timestamp_token(token, lambda algorithm: digest(algorithm, covered),
                                    validator=validator, at=at, prefix=name)
    if result.holds:
        return Check.passed(name, f"a timestamp proves the signature existed at {result.time}"), result.time
    first = next(c for c in result.checks if c.indication is not Indication.TOTAL_PASSED)
    if first.name == f"{name}_format":
        # The token format of SES timestamps is not settled (STANDARDS.md §1.4): a token
        # esealkit cannot read leaves the question open rather than failing the signature.
        return Check.indeterminate(name, SubIndication.FORMAT_FAILURE,
                                   f"the {len(token)}-byte timestamp is not an RFC 3161 token esealkit can read: "
                                   f"{first.message}", check=first.name), None
    return Check(name, first.indication, first.sub_indication, first.message, {"check": first.name}), None


def trust_check(name: str, cert_der: bytes, validator: PathValidator | None, at: datetime,
                purpose: str, extra_certs: Sequence[bytes] = ()) -> Check:
    """An X.509 path of ``cert_der`` to the caller's trust anchors at ``at``."""
    if validator is None:
        return Check.indeterminate(name, SubIndication.NO_CERTIFICATE_CHAIN_FOUND, "no trust anchors given")
    check = validator.validate(cert_der, at=at, purpose=purpose, extra_certs=tuple(extra_certs)).check
    return dataclasses.replace(check, name=name)


def status_check(store: SealStatusLookup, seal: Seal, at: datetime) -> tuple[Check, str | None]:
    """``seal_status`` from the seal store: revoked/suspended → SEAL_REVOKED."""
    status = store.status(seal.es_id, at)
    if status is None:
        return Check.indeterminate("seal_status", SubIndication.GENERIC,
                                   f"the seal store does not know seal {seal.es_id!r}"), None
    if status in ("revoked", "suspended"):
        return Check.failed("seal_status", SubIndication.SEAL_REVOKED,
                            f"the seal store says seal {seal.es_id!r} was {status} at {at.isoformat()}"), status
    return Check.passed("seal_status", f"the seal store says seal {seal.es_id!r} is {status}"), status
