"""Every OFD file of the shared corpus gives the result its README states.

The corpus README (../shared/corpus/ofd/README.md) lists, per file, which of references,
dataHash, signature and seal hold; those were established independently with OpenSSL.
Trust anchors for these files are not available, so without trust the best verdict is
INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND.  Verdicts that follow from facts of the file
beyond the README's four checks are explained beside their row.
"""

from __future__ import annotations

import pytest

from esealkit.ofd import verify_ofd
from esealkit.report import Indication, SignatureReport, SubIndication
from shared_corpus import CORPUS

if not CORPUS.is_dir():  # pragma: no cover - the corpus lives beside the checkout
    pytest.skip(f"OFD corpus not found at {CORPUS}", allow_module_level=True)

P, F = Indication.TOTAL_PASSED, Indication.TOTAL_FAILED
ALL_HOLD = {"references": P, "data_hash": P, "signature_value": P, "seal_maker_signature": P}
INDET_NO_CHAIN = (Indication.INDETERMINATE, SubIndication.NO_CERTIFICATE_CHAIN_FOUND)

# file → ({signature id: {check: indication}}, {signature id: failing FileRefs}, (doc indication, doc sub))
CASES: dict[str, tuple[dict[str, dict[str, Indication]], dict[str, list[str]], tuple[Indication, SubIndication | None]]] = {
    "1.ofd": ({"2": ALL_HOLD}, {}, INDET_NO_CHAIN),
    "999.ofd": ({"1": ALL_HOLD}, {}, INDET_NO_CHAIN),
    # The signature leaves the two template pages (TPLS/TPL_0, TPL_1) unprotected: the
    # visible invoice form could be replaced without breaking it, so coverage fails.
    "draw_param_ref.ofd": ({"2": ALL_HOLD}, {}, (F, SubIndication.MODIFIED_AFTER_SIGNING)),
    "SignScaleError.ofd": ({"1": ALL_HOLD}, {}, INDET_NO_CHAIN),
    "signedFile.ofd": ({"2": ALL_HOLD}, {}, INDET_NO_CHAIN),
    "v4signed.ofd": ({"1": ALL_HOLD}, {}, INDET_NO_CHAIN),
    # ofdrw regenerated this file in 2026 (TBS_Sign.timeInfo 2026-08-04) with a test seal
    # valid 2020-04-22 … 2022-04-22: the seal had expired when it was used.
    "SESV4SignDoc.ofd": ({"1": ALL_HOLD}, {}, (F, SubIndication.SEAL_EXPIRED)),
    "allprotected.ofd": ({"001": ALL_HOLD}, {}, INDET_NO_CHAIN),
    "V4RideRight.ofd": ({"s001": ALL_HOLD}, {}, INDET_NO_CHAIN),
    "h.ofd": (
        {"s001": {**ALL_HOLD, "references": F}, "s007": ALL_HOLD},
        {"s001": ["/Doc_0/Signs/Signatures.xml"]},
        (F, SubIndication.HASH_FAILURE),
    ),
    # Besides the 3 changed files, DocumentRes.xml, PublicRes.xml and Font7.ttf are
    # protected by neither signature, so the document-level verdict is the coverage one.
    "keyword.ofd": (
        # Sign "4" is Type="Sign": a GM/T 0010 SignedData, no seal (see also the test below)
        {"2": {**ALL_HOLD, "references": F}, "4": {"references": F, "data_hash": P, "signature_value": P}},
        {s: ["/OFD.xml", "/Doc_0/Document.xml", "/Doc_0/Pages/Page_0/Content.xml"] for s in ("2", "4")},
        (F, SubIndication.HASH_FAILURE),
    ),
    "zsbk.ofd": (
        {"2": {**ALL_HOLD, "references": F}, "4": {**ALL_HOLD, "references": F}},
        {s: ["/Doc_0/Pages/Page_0/Content.xml", "/Doc_0/Pages/Page_1/Content.xml"] for s in ("2", "4")},
        (F, SubIndication.HASH_FAILURE),
    ),
    "n.ofd": (
        {"0": {"references": F, "data_hash": F, "signature_value": F, "seal_maker_signature": P,
               "signer_binding": F}},
        {"0": ["/Doc_0/Document.xml", "/Doc_0/Pages/Page_0/Content.xml", "/Doc_0/Pages/Page_1/Content.xml",
               "/Doc_0/PublicRes.xml", "/OFD.xml", "/Doc_0/Signs/Sign_0/Seal.esl"]},
        (F, SubIndication.HASH_FAILURE),
    ),
    # A bare SM2 value carries no certificate: see test_digital_sign_* below.
    "DigitalSign.ofd": ({"s001": {"references": P}}, {}, (Indication.INDETERMINATE, SubIndication.NO_SIGNING_CERTIFICATE_FOUND)),
}


def test_every_corpus_file_is_listed() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.ofd")) == sorted(CASES)


def _sig(report_sigs: tuple[SignatureReport, ...], sig_id: str) -> SignatureReport:
    found = [s for s in report_sigs if s.id == sig_id]
    assert len(found) == 1, f"signature {sig_id} not found in {[s.id for s in report_sigs]}"
    return found[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_file(name: str) -> None:
    expected_checks, failing_refs, (indication, sub) = CASES[name]
    report = verify_ofd(CORPUS / name)
    assert report.format == "ofd"
    assert sorted(s.id for s in report.signatures) == sorted(expected_checks)
    for sig_id, checks in expected_checks.items():
        sig = _sig(report.signatures, sig_id)
        for check_name, want in checks.items():
            check = sig.check(check_name)
            assert check is not None, f"{name} {sig_id}: no {check_name} check in {[c.name for c in sig.checks]}"
            assert check.indication is want, f"{name} {sig_id} {check_name}: {check.indication} {check.message}"
        refs = sig.check("references")
        assert refs is not None
        if sig_id in failing_refs:
            assert refs.sub_indication is SubIndication.HASH_FAILURE
            assert sorted(refs.details["failed"]) == sorted(failing_refs[sig_id])
            for file_ref in failing_refs[sig_id]:
                assert file_ref in refs.message
    assert (report.indication, report.sub_indication) == (indication, sub), report.message


def test_h_ofd_says_signature_list_changed_after_first_signature() -> None:
    report = verify_ofd(CORPUS / "h.ofd")
    first = _sig(report.signatures, "s001")
    refs = first.check("references")
    assert refs is not None and refs.sub_indication is SubIndication.HASH_FAILURE
    assert "/Doc_0/Signs/Signatures.xml" in refs.message
    assert "changed after this signature was made" in refs.message
    assert "s007" in refs.message
    assert not first
    assert _sig(report.signatures, "s007").check("references").indication is P  # type: ignore[union-attr]


def test_stamps_and_their_pages_are_reported() -> None:
    report = verify_ofd(CORPUS / "V4RideRight.ofd")
    structure = report.signatures[0].check("signature_xml")
    assert structure is not None
    stamps = structure.details["stamps"]
    # a riding seal (骑缝章): one stamp slice on each of the 5 pages
    assert [s["page"] for s in stamps] == [1, 2, 3, 4, 5]
    assert all(len(s["boundary"]) == 4 for s in stamps)
    n = verify_ofd(CORPUS / "n.ofd").signatures[0].check("signature_xml")
    assert n is not None and n.details["stamps"][0]["page"] == 2  # PageRef 1021 is the second page


def test_seal_signature_reports_property_info_and_seal_copy() -> None:
    sig = verify_ofd(CORPUS / "allprotected.ofd").signatures[0]
    assert sig.check("property_info").indication is P  # type: ignore[union-attr]
    assert sig.check("seal_copy").indication is P  # type: ignore[union-attr]
    assert sig.seal is not None and sig.signer is not None


def test_coverage_passes_when_only_signature_files_are_unprotected() -> None:
    report = verify_ofd(CORPUS / "1.ofd")
    coverage = next(c for c in report.checks if c.name == "coverage")
    assert coverage.indication is P
    assert coverage.details["uncovered_content"] == []
    assert "/Doc_0/Signs/Signatures.xml" in coverage.details["uncovered_signature_files"]


def test_keyword_sign_signature_is_gmt0010_signed_data_over_sm3_of_signature_xml() -> None:
    sig = _sig(verify_ofd(CORPUS / "keyword.ofd").signatures, "4")
    fmt = sig.check("signed_value_format")
    assert fmt is not None and fmt.indication is P, fmt and fmt.message
    assert fmt.details["content_type"] == "1.2.156.10197.6.1.4.2.1"
    for name in ("data_hash", "signature_value"):
        assert sig.check(name).indication is P, name  # type: ignore[union-attr]
    assert sig.check("signer_trust").sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND  # type: ignore[union-attr]


def _ofdrw_user_certificate() -> bytes:
    from esealkit.seals import parse_seal_signature

    return bytes(parse_seal_signature((CORPUS / "SignedValueV4.dat").read_bytes()).signer_cert)


def test_digital_sign_without_a_certificate_is_indeterminate() -> None:
    sig = verify_ofd(CORPUS / "DigitalSign.ofd").signatures[0]
    value = sig.check("signature_value")
    assert value is not None
    assert (value.indication, value.sub_indication) == (Indication.INDETERMINATE, SubIndication.NO_SIGNING_CERTIFICATE_FOUND)
    assert sig.check("signed_value_format").details["form"] == "bare"  # type: ignore[union-attr]


def test_digital_sign_verifies_with_the_ofdrw_test_users_certificate() -> None:
    # What we found: SignedValue.dat is a 70-byte DER SM2 signature over the exact
    # Signature.xml bytes, made with ofdrw's test key USER.p12, whose certificate is the
    # signer certificate of the corpus' SignedValueV4.dat.
    cert = _ofdrw_user_certificate()
    sig = verify_ofd(CORPUS / "DigitalSign.ofd", certificates=[cert]).signatures[0]
    assert sig.check("signature_value").indication is P  # type: ignore[union-attr]
    assert sig.signer is not None and "Test Certificate" in sig.signer.subject


def test_digital_sign_fails_with_another_certificate() -> None:
    import zipfile

    from esealkit.seals import parse_seal_signature

    with zipfile.ZipFile(CORPUS / "zsbk.ofd") as z:
        cert = parse_seal_signature(z.read("Doc_0/Signs/Sign_0/SignedValue.dat")).signer_cert
    sig = verify_ofd(CORPUS / "DigitalSign.ofd", certificates=[bytes(cert)]).signatures[0]
    value = sig.check("signature_value")
    assert value is not None and value.sub_indication is SubIndication.SIG_CRYPTO_FAILURE


def test_report_round_trips_through_json_form() -> None:
    from esealkit.report import DocumentReport

    report = verify_ofd(CORPUS / "zsbk.ofd")
    assert DocumentReport.from_dict(report.to_dict()).to_dict() == report.to_dict()
