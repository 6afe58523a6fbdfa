"""Every seal and seal-signature file of ../shared/corpus/ofd parses and verifies as its README states.

No trust anchors come with the corpus, so the verdict is never TOTAL_PASSED; each row names the
trust-independent checks that must hold.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from esealkit.report import Indication, SubIndication
from esealkit.seals import parse_seal, parse_seal_signature, verify_seal, verify_seal_signature

SEAL_CHECKS = ("seal_format", "header", "seal_maker_signature", "picture")
SIGNATURE_CHECKS = (*SEAL_CHECKS, "signature_value", "signer_binding", "seal_validity")

# file, structure version, header version, es_id, expected checks that hold
SEALS = [
    ("UserV1.esl", 1, 1, "40C8CDD24DEF43388B86E62CCE1D6832"),
    ("UserV4.esl", 4, 4, "51f044b76510434e9bc67a1185c2fba5"),
    ("UserV5.esl", 5, 5, None),
    ("UserV5_ts.esl", 5, 5, "55a4a957189a48f596706fb431e962c5"),
]
SIGNATURES = [
    ("SignedValueV4.dat", 4),
    ("SignedValueV5.dat", 5),
]


@pytest.mark.parametrize(("name", "version", "header_version", "es_id"), SEALS, ids=[s[0] for s in SEALS])
def test_corpus_seal(corpus: Path, name: str, version: int, header_version: int, es_id: str | None) -> None:
    der = (corpus / name).read_bytes()
    seal = parse_seal(der)
    assert seal.version == version
    assert seal.header_version == header_version
    assert seal.der == der
    if es_id is not None:
        assert seal.es_id == es_id
    # inside the seal's own validity window, only trust is missing
    at = seal.valid_from + (seal.valid_to - seal.valid_from) / 2
    report = verify_seal(der, at=at)
    for check in (*SEAL_CHECKS, "seal_validity"):
        assert report.check(check) is not None, check
        assert report.check(check).indication is Indication.TOTAL_PASSED, report.check(check)
    trust = report.check("seal_maker_trust")
    assert trust is not None and trust.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert report.indication is Indication.INDETERMINATE
    assert report.seal is not None and report.seal.maker is not None


def test_corpus_seal_v5_timestamp_is_reported(corpus: Path) -> None:
    seal = parse_seal((corpus / "UserV5_ts.esl").read_bytes())
    assert seal.timestamp == b"\x01\x02\x03"  # a placeholder, not an RFC 3161 token
    report = verify_seal(seal, at=seal.valid_from)
    ts = report.check("seal_timestamp")
    assert ts is not None and ts.indication is not Indication.TOTAL_PASSED
    assert parse_seal((corpus / "UserV5.esl").read_bytes()).timestamp is None


def test_corpus_seal_outside_validity(corpus: Path) -> None:
    report = verify_seal((corpus / "UserV4.esl").read_bytes(), at=datetime(2026, 1, 1, tzinfo=UTC))
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.SEAL_EXPIRED
    maker = report.check("seal_maker_signature")
    assert maker is not None and maker.indication is Indication.TOTAL_PASSED


def test_corpus_v1_maker_signed_sequence_form(corpus: Path) -> None:
    report = verify_seal((corpus / "UserV1.esl").read_bytes(), at=datetime(2021, 1, 1, tzinfo=UTC))
    check = report.check("seal_maker_signature")
    assert check is not None and check.details["signed"].startswith("SEQUENCE{")


@pytest.mark.parametrize(("name", "version"), SIGNATURES, ids=[s[0] for s in SIGNATURES])
def test_corpus_seal_signature(corpus: Path, name: str, version: int) -> None:
    der = (corpus / name).read_bytes()
    sig = parse_seal_signature(der)
    assert sig.version == version and sig.seal.version == version
    assert sig.der == der and sig.tbs in der
    assert sig.property_info == "/Doc_0/Signs/Sign_0/Signature.xml"
    report = verify_seal_signature(der)
    for check in SIGNATURE_CHECKS:
        assert report.check(check) is not None, check
        assert report.check(check).indication is Indication.TOTAL_PASSED, report.check(check)
    data_hash = report.check("data_hash")
    assert data_hash is not None and data_hash.sub_indication is SubIndication.SIGNED_DATA_NOT_FOUND
    assert report.indication is Indication.INDETERMINATE
    assert report.signer is not None and report.signing_time == sig.signing_time


@pytest.mark.parametrize(("name", "version"), SIGNATURES, ids=[s[0] for s in SIGNATURES])
def test_corpus_seal_signature_wrong_data(corpus: Path, name: str, version: int) -> None:
    report = verify_seal_signature((corpus / name).read_bytes(), data=b"not the signed Signature.xml")
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.HASH_FAILURE
