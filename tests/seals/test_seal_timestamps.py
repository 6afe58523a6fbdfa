"""RFC 3161 timestamps over a seal signature's value (SES_Signature.timeStamp) and over a
v5 seal's maker signature (SES_Seal.timeStamp), issued by a local test TSA."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import pytest
from seal_helpers import SIGNING_TIME, T0, build_seal, seal_pki

from esealkit.pki import Trust
from esealkit.report import Indication, SubIndication
from esealkit.seals import (
    parse_seal,
    parse_seal_signature,
    sign_with_seal,
    verify_seal,
    verify_seal_signature,
)
from esealkit.testing import timestamper

DATA = b"<ofd:Signature/>"
LATER = SIGNING_TIME + timedelta(hours=1)


@pytest.fixture(scope="module")
def tsa_setup() -> tuple[object, Trust]:
    pki = seal_pki("sm2")
    tsa = pki.root.issue_tsa("Seal Test TSA", key_kind="rsa", not_before=T0)  # pyHanko's dummy TSA is RSA-only
    stamper = timestamper(tsa, at=SIGNING_TIME + timedelta(minutes=1))
    return stamper, pki.trust


def _token_for(stamper: object, value: bytes) -> bytes:
    digest = hashlib.sha256(value).digest()
    token = asyncio.run(stamper.async_timestamp(digest, "sha256"))  # type: ignore[attr-defined]
    return bytes(token.dump())


def _sign(stamper: object, token_of: object = None) -> bytes:
    pki = seal_pki("sm2")
    return sign_with_seal(build_seal(pki), signer_key=pki.signer.key, signer_cert_der=pki.signer.der, data=DATA,
                          property_info="/Doc_0/Signs/Sign_0/Signature.xml", signing_time=SIGNING_TIME,
                          timestamp=token_of or (lambda value: _token_for(stamper, value)))  # type: ignore[arg-type]


def test_signature_timestamp_holds(tsa_setup: tuple[object, Trust]) -> None:
    stamper, trust = tsa_setup
    der = _sign(stamper)
    assert parse_seal_signature(der).timestamp is not None
    report = verify_seal_signature(der, data=DATA, trust=trust, at=LATER)
    assert report.check("timestamp").indication is Indication.TOTAL_PASSED, report.check("timestamp")  # type: ignore[union-attr]
    assert report.timestamp_time == SIGNING_TIME + timedelta(minutes=1)
    assert report.indication is Indication.TOTAL_PASSED, report.to_dict()


def test_signature_timestamp_over_another_value_fails(tsa_setup: tuple[object, Trust]) -> None:
    stamper, trust = tsa_setup
    der = _sign(stamper, lambda value: _token_for(stamper, b"some other signature value"))
    report = verify_seal_signature(der, data=DATA, trust=trust, at=LATER)
    assert report.check("timestamp").sub_indication is SubIndication.HASH_FAILURE  # type: ignore[union-attr]
    assert report.indication is Indication.TOTAL_FAILED


def test_signature_timestamp_without_trust_is_indeterminate(tsa_setup: tuple[object, Trust]) -> None:
    stamper, _ = tsa_setup
    report = verify_seal_signature(_sign(stamper), data=DATA, at=LATER)
    check = report.check("timestamp")
    assert check is not None and check.indication is Indication.INDETERMINATE
    assert report.timestamp_time is None


def test_v5_seal_timestamp_holds(tsa_setup: tuple[object, Trust]) -> None:
    stamper, trust = tsa_setup
    seal = build_seal(seal_pki("sm2"), version=5, timestamp=lambda value: _token_for(stamper, value))
    assert parse_seal(seal.der).timestamp == seal.timestamp is not None
    report = verify_seal(seal, at=LATER, trust=trust)
    assert report.check("seal_timestamp").indication is Indication.TOTAL_PASSED  # type: ignore[union-attr]
    assert report.indication is Indication.TOTAL_PASSED


def test_seal_timestamp_needs_version_5(tsa_setup: tuple[object, Trust]) -> None:
    with pytest.raises(ValueError, match="version 5"):
        build_seal(seal_pki("sm2"), timestamp=lambda value: b"")
