"""Shared fixtures: a test PKI made at test time (never a committed key), and one real
throwaway PostgreSQL server for the whole session (``postgres_server``, ``database_url``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings

from esealkit.pki import Trust
from esealkit.testing import CertificateAuthority, Issued
from pgserver import database_url, postgres_server  # noqa: F401  (fixtures for every test folder)

# CI judges the change, not the dice: there the property tests draw the same examples on
# every run (a bug they find at random must not stop an unrelated change from landing).
# Elsewhere each run draws new ones, and `make fuzz` explores at length.
settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile(os.environ.get("ESEALKIT_HYPOTHESIS_PROFILE", "default"))


@dataclass
class TestPKI:
    """Root → intermediate → signers of every key kind, plus the awkward ones."""

    __test__ = False  # not a test class

    now: datetime
    root: CertificateAuthority
    ca: CertificateAuthority
    signers: dict[str, Issued]  # by key kind
    revoked: Issued
    expired: Issued
    wrong_usage: Issued  # may only sign certificates
    tsa: Issued
    stranger_root: CertificateAuthority
    stranger: Issued

    @property
    def chain(self) -> list[bytes]:
        return [self.ca.der, self.root.der]

    def crls(self) -> tuple[bytes, ...]:
        at = self.now - timedelta(hours=1)
        return (self.root.crl(this_update=at), self.ca.crl(this_update=at))

    def trust(self, *, with_crls: bool = True) -> Trust:
        return Trust(anchors=(self.root.der,), crls=self.crls() if with_crls else ())


@pytest.fixture(scope="session")
def pki() -> TestPKI:
    now = datetime.now(UTC).replace(microsecond=0)
    t0 = now - timedelta(days=400)
    root = CertificateAuthority.root("Test Root CA", key_kind="ecdsa-p256", not_before=t0, organization="esealkit tests")
    ca = root.intermediate("Test Signing CA", key_kind="ecdsa-p256", not_before=t0)
    signers = {
        kind: ca.issue(f"Signer {kind}", key_kind=kind if kind != "rsa-pss" else "rsa", not_before=t0)
        for kind in ("rsa", "rsa-pss", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "ed25519", "sm2")
    }
    revoked = ca.issue("Revoked Signer", not_before=t0)
    ca.revoke(revoked.serial, now - timedelta(days=10))
    expired = ca.issue("Expired Signer", not_before=t0, lifetime=timedelta(days=100))
    wrong_usage = ca.issue("Wrong Usage", not_before=t0, key_usage={"key_cert_sign"})
    tsa = root.issue_tsa("Test TSA", not_before=t0)
    stranger_root = CertificateAuthority.root("Stranger Root", not_before=t0)
    stranger = stranger_root.issue("Stranger", not_before=t0)
    return TestPKI(now, root, ca, signers, revoked, expired, wrong_usage, tsa, stranger_root, stranger)
