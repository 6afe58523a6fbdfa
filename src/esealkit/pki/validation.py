"""X.509 path validation (证书路径验证) with revocation, cached per run.

    >>> validator = PathValidator(trust, DEFAULT_POLICY)          # doctest: +SKIP
    >>> validator.validate(cert_der, at=now, purpose="signing").check.indication  # doctest: +SKIP
    <Indication.TOTAL_PASSED: 'TOTAL_PASSED'>

Path building, RFC 5280 processing and CRL/OCSP evaluation are pyhanko-certvalidator's;
this module plugs esealkit's signature algorithms (SM2 included) into it, maps its
outcomes onto ETSI sub-indications, and caches results: in a batch the same signer
certificate is validated once per (certificate, purpose, time, revocation data).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import keys, x509
from asn1crypto import ocsp as asn1_ocsp
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors
from pyhanko_certvalidator.policy_decl import (
    AlgorithmUsageConstraint,
    CertRevTrustPolicy,
    DisallowWeakAlgorithmsPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.sig_validate import SignatureValidationContext, SignatureValidator

from esealkit import crypto
from esealkit.pki.trust import Trust
from esealkit.policy import ValidationPolicy
from esealkit.report import Check, SubIndication

__all__ = ["PURPOSES", "PathResult", "PathValidator"]

PURPOSES = ("signing", "timestamping", "seal_maker", "ocsp_signing")
_SM2_SIGNATURE_OIDS = {crypto.SM2_WITH_SM3, "1.2.156.10197.1.301.1", "1.2.156.10197.1.504"}


@dataclass(frozen=True)
class PathResult:
    """The outcome of validating one certificate: a ``trust`` check and the path found
    (leaf first, trust anchor last; empty when no path was found)."""

    check: Check
    path: tuple[bytes, ...] = ()


class _EsealkitSignatures(SignatureValidator):  # type: ignore[misc]
    """Lets pyhanko-certvalidator check certificate/CRL/OCSP signatures with esealkit's
    algorithms, so SM2-signed certificates validate too."""

    def validate_signature(
        self,
        signature: bytes,
        signed_data: bytes,
        public_key_info: keys.PublicKeyInfo,
        signature_algorithm: Any,
        context: SignatureValidationContext = SignatureValidationContext(),  # noqa: B008
    ) -> None:
        oid = signature_algorithm["algorithm"].dotted
        try:
            alg = crypto.SignatureAlgorithm.from_oid(
                oid,
                digest=context.contextual_md_algorithm,
                parameters=signature_algorithm["parameters"] if oid == "1.2.840.113549.1.1.10" else None,
            )
            crypto.verify_signature(public_key_info.dump(), alg, signature, signed_data)
        except crypto.UnsupportedAlgorithm as exc:
            raise cv_errors.AlgorithmNotSupported(str(exc)) from exc
        except crypto.InvalidSignature as exc:
            raise cv_errors.InvalidSignature(str(exc)) from exc


class _AlgorithmPolicy(DisallowWeakAlgorithmsPolicy):  # type: ignore[misc]
    def signature_algorithm_allowed(self, algo: Any, moment: Any, public_key: Any) -> AlgorithmUsageConstraint:
        if algo["algorithm"].dotted in _SM2_SIGNATURE_OIDS:
            return AlgorithmUsageConstraint(True)
        return super().signature_algorithm_allowed(algo, moment, public_key)


_EKU_FOR_PURPOSE = {"timestamping": {"time_stamping"}, "ocsp_signing": {"ocsp_signing"}}


class PathValidator:
    """Validates certificates against one :class:`Trust` and policy; keeps a cache.

    One instance per run (or per worker process).  Not thread-safe.
    """

    def __init__(self, trust: Trust, policy: ValidationPolicy, *, cache_size: int = 4096) -> None:
        self.trust = trust
        self.policy = policy
        self._anchors = [x509.Certificate.load(d) for d in trust.anchors]
        self._intermediates = [x509.Certificate.load(d) for d in trust.intermediates]
        self._crls = [asn1_crl.CertificateList.load(d) for d in trust.crls]
        self._ocsps = [asn1_ocsp.OCSPResponse.load(d) for d in trust.ocsps]
        # Bounded: documents with timestamps are validated at their own times, so a long
        # run could otherwise collect one entry per document.
        self._cache: OrderedDict[tuple[Any, ...], PathResult] = OrderedDict()
        self._cache_size = cache_size
        self._loop: asyncio.AbstractEventLoop | None = None
        rule = (
            RevocationCheckingRule.CHECK_IF_DECLARED_SOFT
            if policy.unsafe_accept_missing_revocation
            else RevocationCheckingRule.CRL_OR_OCSP_REQUIRED
        )
        # Revocation data issued after the validation time still proves the certificate
        # was not revoked at that time (the revocation date is what counts).
        self._revinfo_policy = CertRevTrustPolicy(RevocationCheckingPolicy(rule, rule), retroactive_revinfo=True)
        self._algorithms = _AlgorithmPolicy(weak_hash_algos=policy.weak_digests)
        self._signatures = _EsealkitSignatures()

    def __getstate__(self) -> dict[str, Any]:  # picklable for process pools: drop loop and cache
        return {"trust": self.trust, "policy": self.policy}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["trust"], state["policy"])  # type: ignore[misc]

    @property
    def cache_size(self) -> int:
        return len(self._cache)

    def validate(
        self,
        cert_der: bytes,
        *,
        at: datetime,
        purpose: str = "signing",
        extra_certs: Sequence[bytes] = (),
        extra_crls: Sequence[bytes] = (),
        extra_ocsps: Sequence[bytes] = (),
    ) -> PathResult:
        """Validate ``cert_der`` for ``purpose`` at time ``at``.

        ``extra_*`` are certificates and revocation data that came with the document.
        """
        if purpose not in PURPOSES:
            raise ValueError(f"purpose must be one of {PURPOSES}")
        key = (
            hashlib.sha256(cert_der).digest(),
            purpose,
            at,
            frozenset(hashlib.sha256(c).digest() for c in extra_certs),
            frozenset(hashlib.sha256(c).digest() for c in extra_crls),
            frozenset(hashlib.sha256(c).digest() for c in extra_ocsps),
        )
        cached = self._cache.get(key)
        if cached is None:
            cached = self._validate(cert_der, at, purpose, extra_certs, extra_crls, extra_ocsps)
            self._cache[key] = cached
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return cached

    def _validate(
        self,
        cert_der: bytes,
        at: datetime,
        purpose: str,
        extra_certs: Sequence[bytes],
        extra_crls: Sequence[bytes],
        extra_ocsps: Sequence[bytes],
    ) -> PathResult:
        try:
            cert = x509.Certificate.load(cert_der)
            cert.native  # noqa: B018 - force a full parse now rather than deep inside validation
        except (ValueError, TypeError) as exc:
            return PathResult(Check.failed("trust", SubIndication.FORMAT_FAILURE, f"certificate does not parse: {exc}"))
        # What came with the document only helps to build paths and check revocation: a
        # damaged piece is left out (a path that needed it is then not found), never fatal.
        others = self._intermediates + _parsed(x509.Certificate, extra_certs)
        crls = self._crls + _parsed(asn1_crl.CertificateList, extra_crls)
        ocsps = self._ocsps + _parsed(asn1_ocsp.OCSPResponse, extra_ocsps)
        try:
            context = ValidationContext(
                trust_roots=self._anchors,
                other_certs=others,
                crls=crls,
                ocsps=ocsps,
                moment=at,
                allow_fetching=False,
                revinfo_policy=self._revinfo_policy,
                algorithm_usage_policy=self._algorithms,
                signature_validator=self._signatures,
            )
            validator = CertificateValidator(cert, validation_context=context)
            path = self._run(validator.async_validate_path())
        except cv_errors.PathBuildingError as exc:
            return PathResult(Check.failed("trust", SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
                                           f"no path to a trust anchor for {_subject(cert)}: {exc}"))
        except cv_errors.RevokedError as exc:
            return PathResult(Check.failed("trust", SubIndication.REVOKED, str(exc)))
        except cv_errors.ExpiredError as exc:
            return PathResult(Check.failed("trust", SubIndication.EXPIRED, str(exc)))
        except cv_errors.NotYetValidError as exc:
            return PathResult(Check.failed("trust", SubIndication.NOT_YET_VALID, str(exc)))
        except (cv_errors.InsufficientRevinfoError, cv_errors.StaleRevinfoError) as exc:
            return PathResult(Check.failed("trust", SubIndication.TRY_LATER, str(exc)))
        except cv_errors.DisallowedAlgorithmError as exc:
            return PathResult(Check.failed("trust", SubIndication.CRYPTO_CONSTRAINTS_FAILURE, str(exc)))
        except (cv_errors.PathValidationError, cv_errors.InvalidCertificateError) as exc:
            return PathResult(Check.failed("trust", SubIndication.CHAIN_CONSTRAINTS_FAILURE, str(exc)))
        except (ValueError, TypeError, KeyError, cv_errors.ValidationError) as exc:
            return PathResult(Check.failed("trust", SubIndication.CHAIN_CONSTRAINTS_FAILURE,
                                           f"path validation could not complete: {exc}"))
        chain = tuple(c.dump() for c in path)[::-1]  # leaf first
        usage_problem = _usage_problem(cert, purpose)
        if usage_problem:
            return PathResult(Check.failed("trust", SubIndication.CHAIN_CONSTRAINTS_FAILURE, usage_problem), chain)
        anchor = _subject(path.first) if path.first is not None else "?"
        return PathResult(Check.passed("trust", f"path to trust anchor {anchor} validated at {at.isoformat()}"), chain)

    def _run(self, coroutine: Any) -> Any:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(coroutine)


def _parsed(spec: Any, ders: Sequence[bytes]) -> list[Any]:
    """The objects among ``ders`` that parse completely (each checked on a throwaway copy,
    so that the returned objects keep their original encoding)."""
    out = []
    for der in ders:
        try:
            spec.load(der, strict=True).native  # noqa: B018
        except (ValueError, TypeError, KeyError):
            continue
        out.append(spec.load(der))
    return out


def _usage_problem(cert: x509.Certificate, purpose: str) -> str:
    """Why the leaf may not be used for ``purpose``, or an empty string."""
    key_usage = cert.key_usage_value
    usages = set(key_usage.native) if key_usage is not None else None
    if purpose == "signing" and usages is not None and not usages & {"digital_signature", "non_repudiation"}:
        return f"{_subject(cert)} may not sign documents: key usage is {sorted(usages)}"
    if purpose == "seal_maker" and usages is not None and not usages & {"digital_signature", "non_repudiation", "key_cert_sign"}:
        return f"{_subject(cert)} may not sign seals: key usage is {sorted(usages)}"
    needed = _EKU_FOR_PURPOSE.get(purpose)
    if needed:
        eku = cert.extended_key_usage_value
        present = set(eku.native) if eku is not None else set()
        if not needed <= present:
            return f"{_subject(cert)} lacks extended key usage {sorted(needed)} needed for {purpose}"
    return ""


def _subject(cert: x509.Certificate) -> str:
    return str(cert.subject.human_friendly)
