"""The path validation cache: results reused within a run, and bounded."""

from __future__ import annotations

from datetime import timedelta

from esealkit.pki import PathValidator
from esealkit.policy import ValidationPolicy
from esealkit.report import Indication


def test_results_are_reused_and_the_cache_is_bounded(pki):
    validator = PathValidator(pki.trust(), ValidationPolicy(), cache_size=3)
    signer = pki.signers["ecdsa-p256"].der
    ca = [pki.ca.der]
    first = validator.validate(signer, at=pki.now, extra_certs=ca)
    assert first.check.indication is Indication.TOTAL_PASSED, first.check.message
    assert validator.validate(signer, at=pki.now, extra_certs=ca) is first  # same key: the cached result
    for hours in range(1, 6):
        validator.validate(signer, at=pki.now - timedelta(hours=hours), extra_certs=ca)
    assert validator.cache_size == 3
    assert validator.validate(signer, at=pki.now, extra_certs=ca) is not first  # evicted, validated again


def test_a_different_time_can_give_a_different_verdict(pki):
    validator = PathValidator(pki.trust(), ValidationPolicy())
    revoked = pki.revoked.der
    before = validator.validate(revoked, at=pki.now - timedelta(days=30), extra_certs=[pki.ca.der])
    after = validator.validate(revoked, at=pki.now, extra_certs=[pki.ca.der])
    assert before.check.indication is Indication.TOTAL_PASSED
    assert after.check.indication is Indication.TOTAL_FAILED
