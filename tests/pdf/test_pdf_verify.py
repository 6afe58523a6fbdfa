"""verify_pdf: one row per situation, each with the verdict and sub-indication it must give."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asn1crypto import cms

from esealkit.engine import verify_pdf
from esealkit.pdf.reader import read_pdf
from esealkit.pdf.sign import sign_pdf, timestamp_pdf
from esealkit.policy import ValidationPolicy
from esealkit.report import Indication, SignatureKind, SubIndication
from esealkit.testing import add_page_text, simple_pdf, timestamper

PAGE = simple_pdf(["Contract 42", "Amount: 1000 CNY"], title="Test contract")


def _sign(pki, signer, pdf=PAGE, **kw):
    return sign_pdf(pdf, key=signer.key, cert_der=signer.der, chain=pki.chain, **kw)


@pytest.mark.parametrize("kind", ["rsa", "rsa-pss", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "ed25519", "sm2"])
def test_every_algorithm_passes(pki, kind):
    signed = _sign(pki, pki.signers[kind], pss=kind == "rsa-pss")
    report = verify_pdf(signed, trust=pki.trust())
    assert report.indication is Indication.TOTAL_PASSED, report.to_dict()
    sig = report.signatures[0]
    assert sig.kind is SignatureKind.SIGNATURE
    assert [c.name for c in sig.checks] == [
        "byte_range", "cms_format", "signer_certificate", "message_digest",
        "signing_certificate_attribute", "signature_value", "trust", "modifications",
    ]
    assert sig.signer is not None and f"Signer {kind}" in sig.signer.subject


def test_signer_summary_names_the_certificate(pki):
    import hashlib

    signer = pki.signers["ecdsa-p256"]
    report = verify_pdf(_sign(pki, signer), trust=pki.trust())
    summary = report.signatures[0].signer
    assert summary is not None
    assert summary.sha256 == hashlib.sha256(signer.der).hexdigest()
    assert int(summary.serial, 16) == signer.serial
    assert "Signer ecdsa-p256" in summary.subject


def test_tampered_signed_range_is_hash_failure(pki):
    signed = _sign(pki, pki.signers["ecdsa-p256"])
    tampered = signed.replace(b"Test contract", b"Test contrakt", 1)
    assert tampered != signed
    report = verify_pdf(tampered, trust=pki.trust())
    assert (report.indication, report.sub_indication) == (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE)


def test_damaged_signature_value_is_crypto_failure(pki):
    signed = _sign(pki, pki.signers["rsa"])
    contents = read_pdf(signed).signatures[0].contents
    ci = cms.ContentInfo.load(contents.rstrip(b"\x00"))
    value = ci["content"]["signer_infos"][0]["signature"].native
    damaged_value = value[:-1] + bytes([value[-1] ^ 1])
    damaged = signed.replace(value.hex().encode(), damaged_value.hex().encode())
    if damaged == signed:  # pyHanko writes lowercase hex; try uppercase too
        damaged = signed.replace(value.hex().upper().encode(), damaged_value.hex().upper().encode())
    assert damaged != signed
    report = verify_pdf(damaged, trust=pki.trust())
    assert report.sub_indication is SubIndication.SIG_CRYPTO_FAILURE


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("revoked", SubIndication.REVOKED),
        ("expired", SubIndication.EXPIRED),
        ("stranger", SubIndication.NO_CERTIFICATE_CHAIN_FOUND),
        ("wrong_usage", SubIndication.CHAIN_CONSTRAINTS_FAILURE),
    ],
)
def test_certificate_problems(pki, who, expected):
    signer = getattr(pki, who)
    chain = [pki.stranger_root.der] if who == "stranger" else pki.chain
    signed = sign_pdf(PAGE, key=signer.key, cert_der=signer.der, chain=chain)
    report = verify_pdf(signed, trust=pki.trust())
    assert report.sub_indication is expected, report.message
    assert report.signatures[0].check("signature_value").indication is Indication.TOTAL_PASSED


def test_missing_revocation_is_try_later_unless_policy_accepts(pki):
    signed = _sign(pki, pki.signers["ecdsa-p256"])
    report = verify_pdf(signed, trust=pki.trust(with_crls=False))
    assert (report.indication, report.sub_indication) == (Indication.INDETERMINATE, SubIndication.TRY_LATER)
    relaxed = verify_pdf(signed, trust=pki.trust(with_crls=False),
                         policy=ValidationPolicy(unsafe_accept_missing_revocation=True))
    assert relaxed.indication is Indication.TOTAL_PASSED


def test_without_trust_anchors_every_other_check_still_runs(pki):
    report = verify_pdf(_sign(pki, pki.signers["sm2"]), trust=None)
    sig = report.signatures[0]
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert sig.check("signature_value").indication is Indication.TOTAL_PASSED
    assert sig.check("message_digest").indication is Indication.TOTAL_PASSED


def test_timestamp_before_expiry_rescues_an_expired_signer(pki):
    ts_time = pki.expired.certificate.not_valid_before + timedelta(days=10)
    signed = _sign(pki, pki.expired, timestamper=timestamper(pki.tsa, at=ts_time))
    report = verify_pdf(signed, trust=pki.trust())
    assert report.indication is Indication.TOTAL_PASSED, report.message
    assert report.signatures[0].timestamp_time == ts_time


def test_timestamp_before_revocation_keeps_the_signature_valid(pki):
    ts_time = pki.now - timedelta(days=30)  # revoked 10 days ago
    signed = _sign(pki, pki.revoked, timestamper=timestamper(pki.tsa, at=ts_time))
    assert verify_pdf(signed, trust=pki.trust()).indication is Indication.TOTAL_PASSED


def test_claimed_signing_time_is_not_trusted(pki):
    # pyHanko writes the signing-time attribute as now; an expired signer stays expired.
    report = verify_pdf(_sign(pki, pki.expired), trust=pki.trust())
    assert report.sub_indication is SubIndication.EXPIRED
    assert report.signatures[0].signing_time is not None


def test_timestamp_from_untrusted_tsa_is_not_used(pki):
    stranger_tsa = pki.stranger_root.issue_tsa("Stranger TSA", not_before=pki.now - timedelta(days=400))
    ts_time = pki.expired.certificate.not_valid_before + timedelta(days=10)
    signed = _sign(pki, pki.expired, timestamper=timestamper(stranger_tsa, at=ts_time))
    report = verify_pdf(signed, trust=pki.trust())
    assert report.indication is not Indication.TOTAL_PASSED
    assert report.signatures[0].timestamp_time is None


def test_document_timestamp_passes_and_is_reported_as_timestamp(pki):
    signed = _sign(pki, pki.signers["rsa"])
    stamped = timestamp_pdf(signed, timestamper=timestamper(pki.tsa))
    report = verify_pdf(stamped, trust=pki.trust())
    assert report.indication is Indication.TOTAL_PASSED, report.message
    kinds = [s.kind for s in report.signatures]
    assert kinds == [SignatureKind.SIGNATURE, SignatureKind.TIMESTAMP]
    assert "timestamps" in report.signatures[0].check("modifications").message


def test_tampered_document_timestamp_fails(pki):
    stamped = timestamp_pdf(PAGE, timestamper=timestamper(pki.tsa))
    tampered = stamped.replace(b"Test contract", b"Test contrakt", 1)
    report = verify_pdf(tampered, trust=pki.trust())
    assert report.sub_indication is SubIndication.HASH_FAILURE


def test_content_added_after_signing_is_modified_after_signing(pki):
    signed = _sign(pki, pki.signers["ecdsa-p256"])
    changed = add_page_text(signed, "PAID")
    report = verify_pdf(changed, trust=pki.trust())
    assert report.sub_indication is SubIndication.MODIFIED_AFTER_SIGNING
    assert report.signatures[0].check("message_digest").indication is Indication.TOTAL_PASSED


def test_later_approval_signature_is_allowed(pki):
    first = _sign(pki, pki.signers["ecdsa-p256"])
    second = _sign(pki, pki.signers["sm2"], pdf=first, field_name="Signature2")
    report = verify_pdf(second, trust=pki.trust())
    assert report.indication is Indication.TOTAL_PASSED, report.message
    assert report.signatures[0].check("modifications").details["level"] == "FORM_FILLING"


def test_certified_p2_allows_a_later_signature(pki):
    certified = _sign(pki, pki.signers["rsa"], certify=2)
    second = _sign(pki, pki.signers["ecdsa-p256"], pdf=certified, field_name="Signature2")
    assert verify_pdf(second, trust=pki.trust()).indication is Indication.TOTAL_PASSED


def test_certified_p1_forbids_a_later_signature(pki):
    certified = _sign(pki, pki.signers["rsa"], certify=1)
    # pyHanko refuses to sign a P=1 document, so add the field and signature by hand:
    # sign a copy whose DocMDP we cannot see is impossible; instead change content.
    changed = add_page_text(certified, "APPROVED")
    report = verify_pdf(changed, trust=pki.trust())
    assert report.sub_indication is SubIndication.MODIFIED_AFTER_SIGNING


def test_certified_p1_allows_a_document_timestamp(pki):
    certified = _sign(pki, pki.signers["rsa"], certify=1)
    stamped = timestamp_pdf(certified, timestamper=timestamper(pki.tsa))
    assert verify_pdf(stamped, trust=pki.trust()).indication is Indication.TOTAL_PASSED


def test_json_form_has_the_contract_fields(pki):
    report = verify_pdf(_sign(pki, pki.signers["rsa"]), trust=pki.trust())
    data = report.to_dict()
    assert {"schema_version", "path", "format", "indication", "sub_indication", "message", "signatures"} <= set(data)
    sig = data["signatures"][0]
    assert {"id", "kind", "indication", "sub_indication", "signer", "signing_time", "timestamp_time", "checks"} <= set(sig)
    assert set(sig["signer"]) == {"subject", "issuer", "serial", "sha256"}
    assert all(set(c) >= {"name", "indication", "sub_indication", "message"} for c in sig["checks"])
    assert data["format"] == "pdf" and data["sub_indication"] is None
    from esealkit.report import DocumentReport

    assert DocumentReport.from_dict(data).to_dict() == data


def test_source_may_be_path_bytes_or_file(pki, tmp_path):
    signed = _sign(pki, pki.signers["ed25519"])
    path = tmp_path / "doc.pdf"
    path.write_bytes(signed)
    by_path = verify_pdf(path, trust=pki.trust())
    with open(path, "rb") as f:
        by_file = verify_pdf(f, trust=pki.trust())
    by_bytes = verify_pdf(signed, trust=pki.trust())
    assert by_path.path == str(path) and by_file.path == str(path) and by_bytes.path == "<bytes>"
    assert by_path.indication is by_file.indication is by_bytes.indication is Indication.TOTAL_PASSED
    with pytest.raises(TypeError):
        verify_pdf(12, trust=pki.trust())  # type: ignore[arg-type]
