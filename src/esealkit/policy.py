"""Validation policy (验证策略): a frozen value that fails closed.

    >>> ValidationPolicy().require_revocation
    True

Every setting that weakens security is named ``unsafe_*`` and logged when used.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

__all__ = ["DEFAULT_POLICY", "ValidationPolicy"]

log = logging.getLogger("esealkit")


@dataclass(frozen=True)
class ValidationPolicy:
    """How strict verification is.

    ``unsafe_accept_missing_revocation``: when no CRL or OCSP response covers a
    certificate, accept it instead of reporting ``INDETERMINATE / TRY_LATER``.
    ``weak_digests``: digests that may not be used by signatures or certificates
    (``CRYPTO_CONSTRAINTS_FAILURE``).
    """

    unsafe_accept_missing_revocation: bool = False
    weak_digests: frozenset[str] = frozenset({"md5", "sha1"})

    def __post_init__(self) -> None:
        if self.unsafe_accept_missing_revocation:
            log.warning("policy: unsafe_accept_missing_revocation is on; certificates without revocation data are accepted")

    @property
    def require_revocation(self) -> bool:
        return not self.unsafe_accept_missing_revocation


DEFAULT_POLICY = ValidationPolicy()
