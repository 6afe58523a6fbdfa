"""Every seal and seal-signature file of ../shared/corpus/ofd parses and verifies as its README states.

No trust anchors come with the corpus, so the verdict is never TOTAL_PASSED; each row names the
trust-independent checks that must hold.
"""

from __future__ import annotations

import zipfile
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


# --- the SES structures inside the corpus OFDs (the OFD verifier checks the rest) -------

EMBEDDED = [
    ("1.ofd", "Doc_0/Signs/Sign_0/SignedValue.dat"),
    ("999.ofd", "Doc_0/Signs/Sign_0/SignedValue.dat"),
    ("draw_param_ref.ofd", "Doc_0/Signs/Sign_0/SignedValue.dat"),
    ("SignScaleError.ofd", "Doc_0/Signs/Sign_0/SignedValue.dat"),
    ("signedFile.ofd", "Doc_0/Signs/Sign_0/SignedValue.dat"),
    ("v4signed.ofd", "Doc_0/Signs/Sign_0/SignedValue.dat"),
    ("SESV4SignDoc.ofd", "Doc_0/Signs/Sign_0/SignedValue.dat"),
    ("allprotected.ofd", "Doc_0/Signs/Sign_0/SignedValue.dat"),
    ("V4RideRight.ofd", "Doc_0/Signs/Sign_0/SignedValue.dat"),
    ("h.ofd", "Doc_0/Signs/Sign_0/SignedValue.dat"),
    ("h.ofd", "Doc_0/Signs/Sign_1/SignedValue.dat"),
    ("keyword.ofd", "Doc_0/Signs/Sign_1/SignedValue.dat"),  # raw r‖s signature value, TBS extDatas
    ("zsbk.ofd", "Doc_0/Signs/Sign_0/SignedValue.dat"),
    ("zsbk.ofd", "Doc_0/Signs/Sign_1/SignedValue.dat"),
]


def _member(corpus: Path, ofd: str, name: str) -> bytes:
    with zipfile.ZipFile(corpus / ofd) as package:
        return package.read(name)


def _signature_xml_name(name: str) -> str:
    return name.rsplit("/", 1)[0] + "/Signature.xml"


@pytest.mark.parametrize(("ofd", "name"), EMBEDDED, ids=[f"{o}:{n.split('/')[2]}" for o, n in EMBEDDED])
def test_corpus_ofd_seal_signature(corpus: Path, ofd: str, name: str) -> None:
    der = _member(corpus, ofd, name)
    data = _member(corpus, ofd, _signature_xml_name(name))
    report = verify_seal_signature(der, data=data)
    for check in ("seal_format", "header", "signature_value", "signer_binding", "data_hash", "seal_maker_signature"):
        assert report.check(check).indication is Indication.TOTAL_PASSED, (check, report.check(check))  # type: ignore[union-attr]


def test_corpus_keyword_ofd_has_raw_signature_and_ext_datas(corpus: Path) -> None:
    sig = parse_seal_signature(_member(corpus, "keyword.ofd", "Doc_0/Signs/Sign_1/SignedValue.dat"))
    assert len(sig.signature) == 64  # raw r‖s
    assert sig.ext_datas and sig.seal.vendor_id == "SHANDONG.TONGZHIWEIYE" and sig.seal.type == 6


def test_corpus_n_ofd_v1_signature(corpus: Path) -> None:
    """n.ofd (README): the v1 seal holds; the signature and dataHash fail; the certificate
    list holds the string "1", so no signer binding is possible."""
    der = _member(corpus, "n.ofd", "Doc_0/Signs/Sign_0/SignedValue.dat")
    sig = parse_seal_signature(der)
    assert sig.structure_version == 1 and sig.seal.version == 1
    assert sig.seal.signer_certs == (b"1",)
    assert sig.signing_time == datetime(2020, 1, 25, 7, 31, 56, 377000, tzinfo=UTC)
    data = _member(corpus, "n.ofd", "Doc_0/Signs/Sign_0/Signature.xml")
    report = verify_seal_signature(der, data=data)
    indications = {c.name: c.indication for c in report.checks}
    assert indications["seal_maker_signature"] is Indication.TOTAL_PASSED
    assert indications["signature_value"] is Indication.TOTAL_FAILED
    assert indications["data_hash"] is Indication.TOTAL_FAILED
    assert report.check("signer_binding").sub_indication is SubIndication.SIGNER_NOT_BOUND_TO_SEAL  # type: ignore[union-attr]
    assert report.indication is Indication.TOTAL_FAILED


def test_corpus_round_trip_is_byte_identical(corpus: Path) -> None:
    from esealkit.seals import asn1

    for name, spec in [("UserV1.esl", asn1.SESSealV1), ("UserV4.esl", asn1.SESSealV4),
                       ("UserV5_ts.esl", asn1.SESSealV4), ("SignedValueV4.dat", asn1.SESSignatureV4),
                       ("SignedValueV5.dat", asn1.SESSignatureV4)]:
        der = (corpus / name).read_bytes()
        parsed = spec.load(der)
        parsed.native  # noqa: B018 - parse every field before re-encoding
        assert spec.load(der).dump(force=True) == der, name


OWNERS = [
    ("keyword.ofd", "Sign_1", "淄博市周村区自然资源局", "11370306MB2867521U", "37030000001721"),
    ("zsbk.ofd", "Sign_0", "云南省住房和城乡建设厅", "115300000151003540", "53011200000556"),
    ("1.ofd", "Sign_0", "国家税务总局浙江省税务局", None, None),
]


@pytest.mark.parametrize(("ofd", "sign", "name", "uscc", "code"), OWNERS, ids=[o[0] for o in OWNERS])
def test_corpus_seal_owner(corpus: Path, ofd: str, sign: str, name: str, uscc: str | None, code: str | None) -> None:
    from esealkit.seals import seal_owner

    sig = parse_seal_signature(_member(corpus, ofd, f"Doc_0/Signs/{sign}/SignedValue.dat"))
    owner = seal_owner(sig.seal)
    assert owner is not None and (owner.name, owner.uscc, owner.seal_code) == (name, uscc, code)


def test_corpus_undecodable_subject_still_summarised(corpus: Path) -> None:
    # zsbk.ofd's signer certificate has an e-mail attribute asn1crypto cannot decode.
    report = verify_seal_signature(_member(corpus, "zsbk.ofd", "Doc_0/Signs/Sign_0/SignedValue.dat"))
    assert report.signer is not None and "云南省住房和城乡建设厅" in report.signer.subject
