"""Verify e-seals (电子印章) and seal signatures (电子签章) into the engine's report model.

    >>> from esealkit.seals import verify_seal_signature
    >>> report = verify_seal_signature(open("SignedValue.dat", "rb").read(),
    ...                                data=open("Signature.xml", "rb").read())   # doctest: +SKIP
    >>> [(c.name, c.indication.value) for c in report.checks]                        # doctest: +SKIP
    [('seal_format', 'TOTAL_PASSED'), ('header', 'TOTAL_PASSED'), ('signature_value', 'TOTAL_PASSED'), …]

Checks that do not depend on trust anchors (format, header, maker signature, signer
signature, binding, data hash, validity window, picture) are always reported, so a seal from
an unknown CA still shows which of them hold; the X.509 paths (``seal_maker_trust``,
``signer_trust``) are INDETERMINATE until trust anchors are given.

Times: a bare seal is checked at ``at`` (default: now).  For a seal signature the seal's
validity window is checked at the signing time ``TBS_Sign.timeInfo`` (``at`` when that time
cannot be read); the X.509 paths are validated at ``at`` when given, else at the time a
valid timestamp proves, else at the signing time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from esealkit.errors import MalformedInput
from esealkit.pki import PathValidator, Trust
from esealkit.policy import ValidationPolicy
from esealkit.report import Check, SealSummary, SignatureKind, SignatureReport, SubIndication
from esealkit.seals._checks import (
    SealStatusLookup,
    binding_check,
    data_hash_check,
    header_check,
    make_validator,
    maker_signature_check,
    picture_check,
    signature_value_check,
    signer_summary,
    status_check,
    timestamp_check,
    trust_check,
    validity_check,
)
from esealkit.seals.model import Seal, SealSignature, parse_seal, parse_seal_signature
from esealkit.seals.owner import seal_owner

__all__ = ["SealStatusLookup", "seal_summary", "verify_seal", "verify_seal_signature"]


def seal_summary(seal: Seal, status: str | None = None) -> SealSummary:
    """The report's summary of a seal."""
    owner = seal_owner(seal)
    return SealSummary(
        version=seal.version,
        es_id=seal.es_id,
        name=seal.name,
        type=seal.type,
        vendor_id=seal.vendor_id,
        valid_from=seal.valid_from,
        valid_to=seal.valid_to,
        maker=signer_summary(seal.maker_cert),
        status=status,
        owner_name=owner.name if owner else None,
        owner_uscc=owner.uscc if owner else None,
    )


def _now(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _seal_checks(seal: Seal, *, t: datetime, what: str, validator: PathValidator | None,
                 store: SealStatusLookup | None, path_time: datetime,
                 extra_certs: Sequence[bytes]) -> tuple[list[Check], str | None]:
    """The checks of the seal itself, common to a bare seal and a seal inside a signature."""
    checks = [
        maker_signature_check(seal),
        validity_check(seal, t, what),
        picture_check(seal),
    ]
    if seal.timestamp is not None:
        checks.append(timestamp_check(seal.timestamp, seal.signed_value, validator=validator, at=t,
                                      name="seal_timestamp")[0])
    checks.append(trust_check("seal_maker_trust", seal.maker_cert, validator, path_time, purpose="seal_maker",
                              extra_certs=extra_certs))
    status = None
    if store is not None:
        check, status = status_check(store, seal, t)
        checks.append(check)
    return checks, status


def verify_seal(seal: Seal | bytes, *, at: datetime | None = None, trust: Trust | PathValidator | None = None,
                store: SealStatusLookup | None = None, id: str = "seal",
                policy: ValidationPolicy | None = None, extra_certs: Sequence[bytes] = ()) -> SignatureReport:
    """Verify a bare e-seal (an ``.esl`` file): maker's signature, validity at ``at``
    (default now), picture, the maker's X.509 path and, with a store, the seal's status.

    ``trust`` is a :class:`~esealkit.pki.Trust` (validated with ``policy``, default
    :data:`~esealkit.policy.DEFAULT_POLICY`) or a ready :class:`~esealkit.pki.PathValidator`
    (reuse one across many seals: it caches paths).  ``extra_certs`` are intermediate CA
    certificates that came with the seal (e.g. from the document)."""
    if isinstance(seal, bytes | bytearray | memoryview):
        try:
            seal = parse_seal(bytes(seal))
        except MalformedInput as exc:
            return SignatureReport(id=id, kind=SignatureKind.SEAL,
                                   checks=(Check.failed("seal_format", SubIndication.FORMAT_FAILURE, str(exc)),))
    t = _now(at)
    checks = [
        Check.passed("seal_format", f"SES_Seal version {seal.version}"),
        header_check(seal),
    ]
    seal_checks, status = _seal_checks(seal, t=t, what="the validation time",
                                       validator=make_validator(trust, policy), store=store, path_time=t,
                                       extra_certs=extra_certs)
    checks.extend(seal_checks)
    return SignatureReport(id=id, kind=SignatureKind.SEAL, checks=tuple(checks), signer=None,
                           seal=seal_summary(seal, status))


def verify_seal_signature(sig: SealSignature | bytes, *, data: bytes | None = None, at: datetime | None = None,
                          trust: Trust | PathValidator | None = None, store: SealStatusLookup | None = None,
                          id: str = "seal", policy: ValidationPolicy | None = None,
                          extra_certs: Sequence[bytes] = ()) -> SignatureReport:
    """Verify a seal signature (``SignedValue.dat``): the signer's signature over TBS_Sign,
    the signer bound to the seal, ``dataHash`` against ``data`` (the signed original; without
    it that check is INDETERMINATE), the seal itself at the signing time, the optional
    timestamp, and the X.509 paths of the maker and the signer."""
    if isinstance(sig, bytes | bytearray | memoryview):
        try:
            sig = parse_seal_signature(bytes(sig))
        except MalformedInput as exc:
            return SignatureReport(id=id, kind=SignatureKind.SEAL,
                                   checks=(Check.failed("seal_format", SubIndication.FORMAT_FAILURE, str(exc)),))
    seal = sig.seal
    if sig.signing_time is not None:
        t, what = sig.signing_time, "the signing time"
    else:
        t, what = _now(at), "the validation time (the signing time is unreadable)"
    checks = [
        Check.passed("seal_format", f"SES_Signature version {sig.version}"),
        header_check(seal, sig),
        signature_value_check(sig),
        binding_check(seal, sig.signer_cert),
        data_hash_check(sig, data),
    ]
    validator = make_validator(trust, policy)
    timestamp_time = None
    if sig.timestamp is not None:
        check, timestamp_time = timestamp_check(sig.timestamp, sig.signature, validator=validator, at=_now(at))
        checks.append(check)
    path_time = _now(at) if at is not None else (timestamp_time or t)
    seal_checks, status = _seal_checks(seal, t=t, what=what, validator=validator, store=store, path_time=path_time,
                                       extra_certs=extra_certs)
    checks.extend(seal_checks)
    checks.append(trust_check("signer_trust", sig.signer_cert, validator, path_time, purpose="signing",
                              extra_certs=extra_certs))
    return SignatureReport(
        id=id,
        kind=SignatureKind.SEAL,
        checks=tuple(checks),
        signer=signer_summary(sig.signer_cert),
        signing_time=sig.signing_time,
        timestamp_time=timestamp_time,
        seal=seal_summary(seal, status),
    )
