"""Verification reports (验证报告) in the vocabulary of ETSI EN 319 102-1.

Every verification in esealkit returns a :class:`DocumentReport`: one
:class:`SignatureReport` per signature, seal signature or timestamp, each listing its
:class:`Check` entries in the order they ran.  Verdicts are derived from the checks, never
stored twice::

    >>> report = DocumentReport(path="a.pdf", format="pdf", signatures=(
    ...     SignatureReport(id="Sig1", kind=SignatureKind.SIGNATURE, checks=(
    ...         Check.passed("integrity", "the signed bytes are intact"),
    ...         Check.failed("trust", SubIndication.NO_CERTIFICATE_CHAIN_FOUND, "no path"),
    ...     )),))
    >>> report.indication, report.sub_indication
    (<Indication.INDETERMINATE: 'INDETERMINATE'>, <SubIndication.NO_CERTIFICATE_CHAIN_FOUND: 'NO_CERTIFICATE_CHAIN_FOUND'>)
    >>> bool(report)
    False

Words used in messages: *intact* means the signed bytes hash to the signed digest;
*valid* means the signature value verifies with the signer's key; *trusted* means the
signer's X.509 path reaches one of the caller's trust anchors at the validation time.

The JSON form (:meth:`DocumentReport.to_dict`) is a contract, versioned by
:data:`SCHEMA_VERSION`: fields are added, never renamed or removed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from esealkit.errors import EsealkitError

__all__ = [
    "SCHEMA_VERSION",
    "Check",
    "DocumentReport",
    "Indication",
    "SealSummary",
    "SignatureKind",
    "SignatureReport",
    "SignerSummary",
    "SubIndication",
    "VerificationFailed",
    "summarize",
]

SCHEMA_VERSION = 1


class Indication(enum.StrEnum):
    """The three ETSI EN 319 102-1 main indications."""

    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"


class SubIndication(enum.StrEnum):
    """ETSI EN 319 102-1 sub-indications, plus esealkit's own for seals and coverage."""

    # ETSI, TOTAL_FAILED
    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    # ETSI, INDETERMINATE
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    TRY_LATER = "TRY_LATER"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    GENERIC = "GENERIC"
    # esealkit
    NO_SIGNATURE_FOUND = "NO_SIGNATURE_FOUND"
    SEAL_INVALID = "SEAL_INVALID"
    SEAL_EXPIRED = "SEAL_EXPIRED"
    SEAL_REVOKED = "SEAL_REVOKED"
    SIGNER_NOT_BOUND_TO_SEAL = "SIGNER_NOT_BOUND_TO_SEAL"
    MODIFIED_AFTER_SIGNING = "MODIFIED_AFTER_SIGNING"
    LICENCE_NOT_FOUND = "LICENCE_NOT_FOUND"
    LICENCE_MISMATCH = "LICENCE_MISMATCH"
    LICENCE_REVOKED = "LICENCE_REVOKED"
    LICENCE_SUPERSEDED = "LICENCE_SUPERSEDED"
    LICENCE_EXPIRED = "LICENCE_EXPIRED"
    LICENCE_NOT_YET_VALID = "LICENCE_NOT_YET_VALID"

    @property
    def default_indication(self) -> Indication:
        """The main indication this sub-indication normally goes with."""
        return _DEFAULT_INDICATION[self]

    @property
    def hint(self) -> str:
        """One line a person can act on."""
        return _HINTS[self]


_F, _I = Indication.TOTAL_FAILED, Indication.INDETERMINATE
_DEFAULT_INDICATION: dict[SubIndication, Indication] = {
    SubIndication.FORMAT_FAILURE: _F,
    SubIndication.HASH_FAILURE: _F,
    SubIndication.SIG_CRYPTO_FAILURE: _F,
    SubIndication.REVOKED: _F,
    SubIndication.EXPIRED: _F,
    SubIndication.NOT_YET_VALID: _F,
    SubIndication.SIG_CONSTRAINTS_FAILURE: _I,
    SubIndication.CHAIN_CONSTRAINTS_FAILURE: _I,
    SubIndication.CRYPTO_CONSTRAINTS_FAILURE: _I,
    SubIndication.NO_SIGNING_CERTIFICATE_FOUND: _I,
    SubIndication.NO_CERTIFICATE_CHAIN_FOUND: _I,
    SubIndication.OUT_OF_BOUNDS_NO_POE: _I,
    SubIndication.TIMESTAMP_ORDER_FAILURE: _I,
    SubIndication.TRY_LATER: _I,
    SubIndication.SIGNED_DATA_NOT_FOUND: _I,
    SubIndication.GENERIC: _I,
    SubIndication.NO_SIGNATURE_FOUND: _F,
    SubIndication.SEAL_INVALID: _F,
    SubIndication.SEAL_EXPIRED: _F,
    SubIndication.SEAL_REVOKED: _F,
    SubIndication.SIGNER_NOT_BOUND_TO_SEAL: _F,
    SubIndication.MODIFIED_AFTER_SIGNING: _F,
    SubIndication.LICENCE_NOT_FOUND: _F,
    SubIndication.LICENCE_MISMATCH: _F,
    SubIndication.LICENCE_REVOKED: _F,
    SubIndication.LICENCE_SUPERSEDED: _F,
    SubIndication.LICENCE_EXPIRED: _F,
    SubIndication.LICENCE_NOT_YET_VALID: _F,
}

_HINTS: dict[SubIndication, str] = {
    SubIndication.FORMAT_FAILURE: "the file or signature structure is damaged or not what it claims to be; ask the sender for the original file",
    SubIndication.HASH_FAILURE: "the signed content was changed after signing; do not trust this document",
    SubIndication.SIG_CRYPTO_FAILURE: "the signature value does not match the signer's key; the signature is forged or damaged",
    SubIndication.REVOKED: "the signer's certificate was revoked before the validation time; do not trust this signature",
    SubIndication.EXPIRED: "the signer's certificate had expired at the validation time; a signature timestamp from before expiry would fix this",
    SubIndication.NOT_YET_VALID: "a certificate was not yet valid at the validation time; check --validation-time and the signer's clock",
    SubIndication.SIG_CONSTRAINTS_FAILURE: "the signature does not meet the policy (attributes, key usage or algorithm); check the signing software",
    SubIndication.CHAIN_CONSTRAINTS_FAILURE: "a certificate in the path breaks a constraint (key usage, basic constraints, policy); check the issuing CA",
    SubIndication.CRYPTO_CONSTRAINTS_FAILURE: "the signature uses an algorithm or key size the policy does not accept",
    SubIndication.NO_SIGNING_CERTIFICATE_FOUND: "the signer's certificate is not in the signature; ask the signer to embed it",
    SubIndication.NO_CERTIFICATE_CHAIN_FOUND: "the signer's CA is not among your trust anchors: add it with --trust",
    SubIndication.OUT_OF_BOUNDS_NO_POE: "the certificate is outside its validity and no proof of existence (timestamp) covers the signing",
    SubIndication.TIMESTAMP_ORDER_FAILURE: "the timestamps are in an impossible order; the signature's times cannot be trusted",
    SubIndication.TRY_LATER: "revocation data is missing: pass a current CRL with --crl or an OCSP response with --ocsp",
    SubIndication.SIGNED_DATA_NOT_FOUND: "the signed data is not available: pass it (for a seal signature, --data FILE)",
    SubIndication.GENERIC: "the check could not be completed; see the message",
    SubIndication.NO_SIGNATURE_FOUND: "the document carries no signature or seal; ask for a signed copy",
    SubIndication.SEAL_INVALID: "the e-seal itself does not verify (maker signature or structure); the seal is forged or damaged",
    SubIndication.SEAL_EXPIRED: "the e-seal was outside its validity period at signing time; ask the owner for a current seal",
    SubIndication.SEAL_REVOKED: "the e-seal was revoked or suspended in the seal store; do not trust this seal",
    SubIndication.SIGNER_NOT_BOUND_TO_SEAL: "the signer's certificate is not one the seal lists; someone used a seal that is not theirs",
    SubIndication.MODIFIED_AFTER_SIGNING: "the document was changed after signing in a way the signer did not allow; compare with the signed revision",
    SubIndication.LICENCE_NOT_FOUND: "the licence library has no such licence: it was never issued or never recorded; ask the issuing agency",
    SubIndication.LICENCE_MISMATCH: "the file's licence data differ from the library's record: the file was altered or is outdated",
    SubIndication.LICENCE_REVOKED: "the licence was revoked or cancelled by its issuer; do not accept it",
    SubIndication.LICENCE_SUPERSEDED: "a newer version of this licence exists: ask the holder for the current one",
    SubIndication.LICENCE_EXPIRED: "the licence's validity period had ended at the validation time; ask for a renewed licence",
    SubIndication.LICENCE_NOT_YET_VALID: "the licence's validity period had not begun at the validation time; check --validation-time",
}

assert set(_HINTS) == set(SubIndication) == set(_DEFAULT_INDICATION)


class SignatureKind(enum.StrEnum):
    """What a :class:`SignatureReport` is about."""

    SIGNATURE = "signature"  # a CMS/PAdES or plain digital signature (数字签名)
    TIMESTAMP = "timestamp"  # a document timestamp (文档时间戳)
    SEAL = "seal"  # an e-seal signature (电子签章, SES_Signature) or a bare seal


@dataclass(frozen=True)
class Check:
    """One check of a verification, in the order it ran.

    ``details`` carries short machine-readable facts (e.g. the names of changed files);
    it is included in the JSON form only when not empty.
    """

    name: str
    indication: Indication
    sub_indication: SubIndication | None = None
    message: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def passed(cls, name: str, message: str = "", **details: Any) -> Check:
        return cls(name, Indication.TOTAL_PASSED, None, message, details)

    @classmethod
    def failed(cls, name: str, sub: SubIndication, message: str, **details: Any) -> Check:
        """A check that did not pass, with the sub-indication's usual main indication."""
        return cls(name, sub.default_indication, sub, message, details)

    @classmethod
    def indeterminate(cls, name: str, sub: SubIndication, message: str, **details: Any) -> Check:
        return cls(name, Indication.INDETERMINATE, sub, message, details)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "indication": self.indication.value,
            "sub_indication": self.sub_indication.value if self.sub_indication else None,
            "message": self.message,
        }
        if self.details:
            out["details"] = dict(self.details)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Check:
        sub = data.get("sub_indication")
        return cls(
            name=data["name"],
            indication=Indication(data["indication"]),
            sub_indication=SubIndication(sub) if sub else None,
            message=data.get("message", ""),
            details=dict(data.get("details") or {}),
        )


@dataclass(frozen=True)
class SignerSummary:
    """Who signed: the signer's X.509 certificate in a few fields."""

    subject: str
    issuer: str
    serial: str  # hexadecimal
    sha256: str  # of the certificate's DER, hexadecimal

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "issuer": self.issuer, "serial": self.serial, "sha256": self.sha256}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SignerSummary:
        return cls(data["subject"], data["issuer"], data["serial"], data["sha256"])


@dataclass(frozen=True)
class SealSummary:
    """The e-seal (电子印章) a seal signature used, as found in the document."""

    version: int
    es_id: str  # 印章编码
    name: str  # 印章名称
    type: int  # SES_ESPropertyInfo.type
    vendor_id: str
    valid_from: datetime | None
    valid_to: datetime | None
    maker: SignerSummary | None  # 制章者
    status: str | None = None  # from the seal store, when one was consulted
    owner_name: str | None = None  # 单位名称, from the signer certificate the seal lists
    owner_uscc: str | None = None  # the owner's unified social credit code

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "es_id": self.es_id,
            "name": self.name,
            "type": self.type,
            "vendor_id": self.vendor_id,
            "valid_from": _iso(self.valid_from),
            "valid_to": _iso(self.valid_to),
            "maker": self.maker.to_dict() if self.maker else None,
            "status": self.status,
            "owner_name": self.owner_name,
            "owner_uscc": self.owner_uscc,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SealSummary:
        maker = data.get("maker")
        return cls(
            version=data["version"],
            es_id=data["es_id"],
            name=data["name"],
            type=data["type"],
            vendor_id=data["vendor_id"],
            valid_from=_parse_iso(data.get("valid_from")),
            valid_to=_parse_iso(data.get("valid_to")),
            maker=SignerSummary.from_dict(maker) if maker else None,
            status=data.get("status"),
            owner_name=data.get("owner_name"),
            owner_uscc=data.get("owner_uscc"),
        )


def _verdict(checks: Iterable[Check]) -> tuple[Indication, SubIndication | None, str]:
    """A failure anywhere beats an indeterminate anywhere; the first of each kind speaks."""
    first_indeterminate: Check | None = None
    any_check = False
    for check in checks:
        any_check = True
        if check.indication is Indication.TOTAL_FAILED:
            return check.indication, check.sub_indication, check.message
        if check.indication is Indication.INDETERMINATE and first_indeterminate is None:
            first_indeterminate = check
    if first_indeterminate is not None:
        c = first_indeterminate
        return c.indication, c.sub_indication, c.message
    if not any_check:
        return Indication.INDETERMINATE, SubIndication.GENERIC, "no check was run"
    return Indication.TOTAL_PASSED, None, ""


@dataclass(frozen=True)
class SignatureReport:
    """The result for one signature, seal signature or document timestamp.

    ``signing_time`` is the time the signer claims (not trusted); ``timestamp_time`` is the
    time proven by a valid RFC 3161 timestamp, when there is one.
    """

    id: str
    kind: SignatureKind
    checks: tuple[Check, ...]
    signer: SignerSummary | None = None
    signing_time: datetime | None = None
    timestamp_time: datetime | None = None
    seal: SealSummary | None = None

    @cached_property
    def _outcome(self) -> tuple[Indication, SubIndication | None, str]:
        """The verdict, worked out once: the fields are frozen and the checks immutable,
        and the properties below, :meth:`to_dict` and the document's verdict all need it.
        (A frozen dataclass without slots keeps an instance ``__dict__``, where
        ``cached_property`` stores the value without going through ``__setattr__``.)"""
        return _verdict(self.checks)

    @property
    def indication(self) -> Indication:
        return self._outcome[0]

    @property
    def sub_indication(self) -> SubIndication | None:
        return self._outcome[1]

    @property
    def message(self) -> str:
        return self._outcome[2]

    def __bool__(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    def check(self, name: str) -> Check | None:
        """The first check with this name, or ``None``."""
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        indication, sub, message = self._outcome
        return {
            "id": self.id,
            "kind": self.kind.value,
            "indication": indication.value,
            "sub_indication": sub.value if sub else None,
            "message": message,
            "signer": self.signer.to_dict() if self.signer else None,
            "signing_time": _iso(self.signing_time),
            "timestamp_time": _iso(self.timestamp_time),
            "seal": self.seal.to_dict() if self.seal else None,
            "checks": [c.to_dict() for c in self.checks],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SignatureReport:
        signer = data.get("signer")
        seal = data.get("seal")
        return cls(
            id=data["id"],
            kind=SignatureKind(data["kind"]),
            checks=tuple(Check.from_dict(c) for c in data.get("checks", ())),
            signer=SignerSummary.from_dict(signer) if signer else None,
            signing_time=_parse_iso(data.get("signing_time")),
            timestamp_time=_parse_iso(data.get("timestamp_time")),
            seal=SealSummary.from_dict(seal) if seal else None,
        )


class VerificationFailed(EsealkitError):
    """Raised by :meth:`DocumentReport.raise_for_verdict` when the document did not pass."""

    def __init__(self, report: DocumentReport) -> None:
        super().__init__(f"{report.path}: {report.indication.value} {report.sub_indication or ''}: {report.message}")
        self.report = report


@dataclass(frozen=True)
class DocumentReport:
    """The result for one document: its signatures and the document-level checks.

    A document passes only when it could be read, has at least one signature and every
    signature passed.  Document-level ``checks`` hold what concerns no single signature
    (the file could not be parsed, parts no signature covers, no signature at all).
    """

    path: str
    format: str  # "pdf", "ofd", "seal", "seal-signature" or "unknown"
    signatures: tuple[SignatureReport, ...] = ()
    checks: tuple[Check, ...] = ()

    def _all_checks(self) -> list[Check]:
        """Signature verdicts first (a changed signed file is the news), then the
        document-level checks (parts no signature covers, the file unreadable)."""
        checks = []
        for sig in self.signatures:
            indication, sub, message = sig._outcome
            checks.append(Check(f"signature {sig.id}", indication, sub, f"{sig.id}: {message}" if message else ""))
        checks.extend(self.checks)
        if not self.signatures and not any(c.indication is not Indication.TOTAL_PASSED for c in self.checks):
            checks.append(
                Check.failed("signatures_present", SubIndication.NO_SIGNATURE_FOUND, "the document has no signature")
            )
        return checks

    @cached_property
    def _outcome(self) -> tuple[Indication, SubIndication | None, str]:
        """The verdict and its message, worked out once (see :attr:`SignatureReport._outcome`)."""
        indication, sub, message = _verdict(self._all_checks())
        if indication is Indication.TOTAL_PASSED:
            n = len(self.signatures)
            message = f"{n} signature{'s' if n != 1 else ''}, all passed"
        return indication, sub, message

    @property
    def indication(self) -> Indication:
        return self._outcome[0]

    @property
    def sub_indication(self) -> SubIndication | None:
        return self._outcome[1]

    @property
    def message(self) -> str:
        return self._outcome[2]

    def __bool__(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    def raise_for_verdict(self) -> None:
        """Raise :class:`VerificationFailed` unless the document passed."""
        if not self:
            raise VerificationFailed(self)

    def to_dict(self) -> dict[str, Any]:
        indication, sub, message = self._outcome
        return {
            "schema_version": SCHEMA_VERSION,
            "path": self.path,
            "format": self.format,
            "indication": indication.value,
            "sub_indication": sub.value if sub else None,
            "message": message,
            "checks": [c.to_dict() for c in self.checks],
            "signatures": [s.to_dict() for s in self.signatures],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DocumentReport:
        return cls(
            path=data["path"],
            format=data["format"],
            signatures=tuple(SignatureReport.from_dict(s) for s in data.get("signatures", ())),
            checks=tuple(Check.from_dict(c) for c in data.get("checks", ())),
        )


def summarize(reports: Iterable[DocumentReport] | Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Count documents by indication: ``{"documents": n, "TOTAL_PASSED": …, …}``."""
    counts = {"documents": 0, **{i.value: 0 for i in Indication}}
    for r in reports:
        counts["documents"] += 1
        value = r.indication.value if isinstance(r, DocumentReport) else str(r["indication"])
        counts[value] += 1
    return counts


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
