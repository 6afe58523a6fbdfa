"""RFC 3161 timestamp tokens (时间戳): verify a token and what it covers.

    >>> result = verify_timestamp_token(token, lambda alg: digest(alg, signature_value),  # doctest: +SKIP
    ...                                 validator=validator, at=now)
    >>> result.time  # the proven time, or None when the token does not hold   # doctest: +SKIP

A token holds when its CMS verifies, its message imprint is the digest of the covered
data, and its TSA certificate validates for time-stamping.  Only then is its time used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import tsp

from esealkit import cms, crypto
from esealkit.errors import MalformedInput
from esealkit.pki.validation import PathValidator
from esealkit.report import Check, Indication, SubIndication

__all__ = ["TST_INFO_OID", "TimestampResult", "verify_timestamp_token"]

TST_INFO_OID = "1.2.840.113549.1.9.16.1.4"


@dataclass(frozen=True)
class TimestampResult:
    """The checks of one token, and its time when (and only when) every check passed."""

    checks: tuple[Check, ...]
    time: datetime | None
    claimed_time: datetime | None  # genTime as written, whether or not the token holds

    @property
    def holds(self) -> bool:
        return self.time is not None


def verify_timestamp_token(
    token: bytes,
    digest_of: Callable[[str], bytes],
    *,
    validator: PathValidator | None,
    at: datetime,
    prefix: str = "timestamp",
) -> TimestampResult:
    """Verify ``token``; ``digest_of(algorithm_name)`` gives the digest of the data the
    token should cover.  Without a validator the TSA's trust is INDETERMINATE."""
    try:
        info = cms.parse_signed_data(token)
        if info.content_type != TST_INFO_OID or info.content is None:
            raise MalformedInput("the token does not encapsulate a TSTInfo")
        tst = tsp.TSTInfo.load(info.content, strict=True)
        imprint = tst["message_imprint"]
        algorithm = crypto.digest_name(imprint["hash_algorithm"]["algorithm"].dotted)
        hashed = imprint["hashed_message"].native
        gen_time = tst["gen_time"].native
    except (MalformedInput, ValueError, TypeError, KeyError, crypto.UnsupportedAlgorithm) as exc:
        return TimestampResult((Check.failed(f"{prefix}_format", SubIndication.FORMAT_FAILURE,
                                             f"timestamp token does not parse: {exc}"),), None, None)
    checks: list[Check] = []
    if digest_of(algorithm) != hashed:
        checks.append(Check.failed(f"{prefix}_imprint", SubIndication.HASH_FAILURE,
                                   "the timestamp does not cover this data (message imprint differs)"))
        return TimestampResult(tuple(checks), None, gen_time)
    checks.append(Check.passed(f"{prefix}_imprint", f"the timestamp covers the data ({algorithm})"))
    for check in cms.check_signed_data(info):
        checks.append(Check(f"{prefix}_{check.name}", check.indication, check.sub_indication, check.message, check.details))
    if info.signer_cert_der is not None and all(c.indication is Indication.TOTAL_PASSED for c in checks):
        if validator is None:
            checks.append(Check.indeterminate(f"{prefix}_trust", SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
                                              "no trust anchors given for the timestamp authority"))
        else:
            path = validator.validate(info.signer_cert_der, at=at, purpose="timestamping",
                                      extra_certs=info.certificates, extra_crls=info.crls, extra_ocsps=info.ocsps)
            c = path.check
            checks.append(Check(f"{prefix}_trust", c.indication, c.sub_indication, f"timestamp authority: {c.message}"))
    holds = all(c.indication is Indication.TOTAL_PASSED for c in checks)
    return TimestampResult(tuple(checks), gen_time if holds else None, gen_time)
