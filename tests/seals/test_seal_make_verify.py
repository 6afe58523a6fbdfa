"""Seals made here verify (SM2, ECDSA P-256, RSA makers), and each kind of damage is reported
with its own sub-indication."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from asn1crypto import core
from seal_helpers import SIGNING_TIME, VALID_FROM, VALID_TO, SealPKI, build_seal, seal_pki, tiny_png

from esealkit.crypto import SM2_WITH_SM3, digest
from esealkit.report import Indication, SubIndication
from esealkit.seals import (
    SealPicture,
    parse_seal,
    parse_seal_signature,
    sign_digest_with_seal,
    sign_with_seal,
    verify_seal,
    verify_seal_signature,
)
from esealkit.seals import asn1 as seal_asn1

DATA = b"<ofd:Signature>the exact bytes of Signature.xml</ofd:Signature>"
PROPERTY = "/Doc_0/Signs/Sign_0/Signature.xml"
EXPECTED_ALG = {"sm2": SM2_WITH_SM3, "ecdsa-p256": "1.2.840.10045.4.3.2", "rsa": "1.2.840.113549.1.1.11"}


def _sign(pki: SealPKI, seal: object = None, **overrides: object) -> bytes:
    args: dict[str, object] = dict(signer_key=pki.signer.key, signer_cert_der=pki.signer.der, data=DATA,
                                   property_info=PROPERTY, signing_time=SIGNING_TIME)
    args.update(overrides)
    return sign_with_seal(seal or build_seal(pki), **args)  # type: ignore[arg-type]


def test_made_seal_verifies(kind_pki: SealPKI) -> None:
    pki = kind_pki
    seal = build_seal(pki)
    assert seal.sign_alg == EXPECTED_ALG[pki.kind]
    assert seal.version == 4 and seal.header_id == "ES" and seal.vendor_id == "ESEALKIT"
    assert seal.type_name == "合同专用章"
    assert seal.signer_certs == (pki.signer.der,)
    assert seal.created == VALID_FROM
    report = verify_seal(seal, at=SIGNING_TIME, trust=pki.trust)
    assert report.indication is Indication.TOTAL_PASSED, report.to_dict()
    assert report.seal is not None and report.seal.es_id == "33010600000001"


def test_made_seal_signature_verifies(kind_pki: SealPKI) -> None:
    pki = kind_pki
    der = _sign(pki)
    sig = parse_seal_signature(der)
    assert sig.sign_alg == EXPECTED_ALG[pki.kind]
    assert sig.data_hash == digest("sm3", DATA) and sig.signing_time == SIGNING_TIME
    report = verify_seal_signature(der, data=DATA, trust=pki.trust)
    assert report.indication is Indication.TOTAL_PASSED, report.to_dict()
    assert [c.name for c in report.checks] == [
        "seal_format", "header", "signature_value", "signer_binding", "data_hash",
        "seal_maker_signature", "seal_validity", "picture", "seal_maker_trust", "signer_trust",
    ]
    assert report.signer is not None and "33010600000001" in report.signer.subject


def test_without_trust_only_the_paths_are_open(kind_pki: SealPKI) -> None:
    pki = kind_pki
    report = verify_seal_signature(_sign(pki), data=DATA)
    assert report.indication is Indication.INDETERMINATE
    open_checks = {c.name for c in report.checks if c.indication is not Indication.TOTAL_PASSED}
    assert open_checks == {"seal_maker_trust", "signer_trust"}


def test_made_v5_seal_and_digest_list() -> None:
    pki = seal_pki("sm2")
    seal = build_seal(pki, version=5, cert_list_type=2)
    assert seal.version == 5 and seal.header_version == 5
    assert seal.signer_certs == () and seal.signer_cert_digests[0].value == digest("sm3", pki.signer.der)
    der = _sign(pki, seal)
    assert parse_seal_signature(der).version == 5
    assert verify_seal_signature(der, data=DATA, trust=pki.trust).indication is Indication.TOTAL_PASSED
    with pytest.raises(ValueError, match="digest is not one the seal lists"):
        _sign(pki, seal, signer_key=pki.other_signer.key, signer_cert_der=pki.other_signer.der)


def test_sha256_data_hash_is_recognised() -> None:
    pki = seal_pki("ecdsa-p256")
    report = verify_seal_signature(_sign(pki, digest="sha256"), data=DATA, trust=pki.trust)
    check = report.check("data_hash")
    assert check is not None and check.details["algorithm"] == "sha256"
    assert report.indication is Indication.TOTAL_PASSED


def test_sign_digest_with_seal_matches_sign_with_seal() -> None:
    pki = seal_pki("sm2")
    seal = build_seal(pki)
    der = sign_digest_with_seal(seal, signer_key=pki.signer.key, signer_cert_der=pki.signer.der,
                                data_hash=digest("sm3", DATA), property_info=PROPERTY, signing_time=SIGNING_TIME)
    assert verify_seal_signature(der, data=DATA, trust=pki.trust)


def test_round_trip_is_byte_identical(kind_pki: SealPKI) -> None:
    pki = kind_pki
    seal = build_seal(pki)
    rebuilt = seal_asn1.SESSealV4.load(seal.der)
    assert rebuilt.dump(force=True) == seal.der
    assert parse_seal(rebuilt.dump(force=True)).der == seal.der
    der = _sign(pki, seal)
    assert seal_asn1.SESSignatureV4.load(der).dump(force=True) == der
    assert parse_seal_signature(der).seal.der == seal.der


# --- one named case per kind of damage -------------------------------------------------


def _replace_outer_cert(sig_der: bytes, cert: bytes) -> bytes:
    parsed = seal_asn1.SESSignatureV4.load(sig_der)
    parsed["cert"] = cert
    return bytes(parsed.dump(force=True))


def test_case_seal_expired_at_signing_time() -> None:
    pki = seal_pki("sm2")
    der = _sign(pki, signing_time=datetime(2029, 1, 1, tzinfo=UTC))
    report = verify_seal_signature(der, data=DATA, trust=pki.trust, at=SIGNING_TIME)
    assert report.sub_indication is SubIndication.SEAL_EXPIRED


def test_case_seal_not_yet_valid() -> None:
    report = verify_seal(build_seal(seal_pki("sm2")), at=datetime(2025, 6, 1, tzinfo=UTC))
    assert report.sub_indication is SubIndication.SEAL_EXPIRED
    assert "not yet valid" in report.message


def test_case_signer_not_bound_to_seal() -> None:
    pki = seal_pki("sm2")
    # Same key, different certificate: the signature value verifies, the binding does not.
    twin = pki.root.issue("33010600000001", key=pki.signer.key, not_before=VALID_FROM)
    der = _replace_outer_cert(_sign(pki), twin.der)
    report = verify_seal_signature(der, data=DATA, trust=pki.trust)
    assert report.check("signature_value").indication is Indication.TOTAL_PASSED  # type: ignore[union-attr]
    assert report.sub_indication is SubIndication.SIGNER_NOT_BOUND_TO_SEAL


def test_case_signer_not_listed_is_refused_when_signing() -> None:
    pki = seal_pki("sm2")
    with pytest.raises(ValueError, match="not one the seal lists"):
        _sign(pki, signer_key=pki.other_signer.key, signer_cert_der=pki.other_signer.der)


def test_case_signature_by_another_key() -> None:
    pki = seal_pki("ecdsa-p256")
    good = parse_seal_signature(_sign(pki))
    forged = seal_asn1.SESSignatureV4.load(good.der)
    forged["signature"] = core.OctetBitString(parse_seal_signature(_sign(pki, data=b"other")).signature)
    report = verify_seal_signature(bytes(forged.dump(force=True)), data=DATA, trust=pki.trust)
    assert report.sub_indication is SubIndication.SIG_CRYPTO_FAILURE


def test_case_data_changed() -> None:
    pki = seal_pki("rsa")
    report = verify_seal_signature(_sign(pki), data=DATA + b" ", trust=pki.trust)
    assert report.sub_indication is SubIndication.HASH_FAILURE


def test_case_seal_made_by_someone_else() -> None:
    pki = seal_pki("sm2")
    seal = build_seal(pki)
    # The seal's maker certificate swapped for another: the maker signature no longer holds.
    parsed = seal_asn1.SESSealV4.load(seal.der)
    parsed["cert"] = pki.other_signer.der
    report = verify_seal(bytes(parsed.dump(force=True)), at=SIGNING_TIME, trust=pki.trust)
    assert report.sub_indication is SubIndication.SEAL_INVALID


def test_case_untrusted_maker() -> None:
    pki, stranger = seal_pki("sm2"), seal_pki("ecdsa-p256")
    report = verify_seal(build_seal(pki), at=SIGNING_TIME, trust=stranger.trust)
    check = report.check("seal_maker_trust")
    assert check is not None and check.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert report.check("seal_maker_signature").indication is Indication.TOTAL_PASSED  # type: ignore[union-attr]


def test_case_bad_picture() -> None:
    pki = seal_pki("ecdsa-p256")
    seal = build_seal(pki, picture=SealPicture("PNG", b"GIF89a not a png", 40, 40))
    report = verify_seal(seal, at=SIGNING_TIME, trust=pki.trust)
    assert report.check("picture").sub_indication is SubIndication.FORMAT_FAILURE  # type: ignore[union-attr]
    assert not report


def test_case_header_version_differs_from_tbs() -> None:
    pki = seal_pki("ecdsa-p256")
    seal = build_seal(pki)
    fake = dataclasses.replace(parse_seal_signature(_sign(pki, seal)), version=5)
    report = verify_seal_signature(fake, data=DATA, trust=pki.trust)
    assert report.check("header").sub_indication is SubIndication.FORMAT_FAILURE  # type: ignore[union-attr]


def test_case_seal_revoked_in_store() -> None:
    class Store:
        def status(self, es_id: str, at: datetime) -> str | None:
            return "revoked" if es_id == "33010600000001" else None

    pki = seal_pki("sm2")
    report = verify_seal_signature(_sign(pki), data=DATA, trust=pki.trust, store=Store())
    assert report.sub_indication is SubIndication.SEAL_REVOKED
    assert report.seal is not None and report.seal.status == "revoked"


def test_make_seal_rejects_bad_arguments() -> None:
    pki = seal_pki("ecdsa-p256")
    with pytest.raises(ValueError):
        build_seal(pki, valid_to=VALID_FROM, valid_from=VALID_TO)
    with pytest.raises(ValueError):
        build_seal(pki, signer_certs=[b"not a certificate"])
    with pytest.raises(ValueError):
        build_seal(pki, version=1)
    with pytest.raises(ValueError):
        build_seal(pki, valid_from=datetime(2026, 1, 1))
    assert build_seal(pki, picture=SealPicture("PNG", tiny_png(), 40, 30)).picture.height_mm == 30


def test_owner_of_a_made_seal() -> None:
    from esealkit.seals import seal_owner

    owner = seal_owner(build_seal(seal_pki("sm2")))
    assert owner is not None
    assert (owner.name, owner.uscc, owner.seal_code) == ("某某有限公司", "91320115MA202UKD7X", "33010600000001")
    assert seal_owner(build_seal(seal_pki("sm2"), cert_list_type=2)) is None
