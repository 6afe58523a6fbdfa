"""seal_ofd and build_ofd: sealed documents verify, keep earlier seals valid, and any change
to a covered part fails verification."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ofd_fixtures import SIGNING_TIME, OfdPKI, make_zip, read_zip

from esealkit.crypto import digest
from esealkit.ofd import OfdPackage, read_documents, read_signature_xml, verify_ofd
from esealkit.ofd.build import build_ofd
from esealkit.ofd.sign import seal_ofd
from esealkit.report import Indication, SubIndication
from esealkit.seals import parse_seal_signature
from shared_corpus import CORPUS

TRUST_CHECKS = {"signer_trust", "seal_maker_trust"}


def _seal(pki: OfdPKI, data: bytes, *, second: bool = False, page: int = 1, x: float = 120) -> bytes:
    seal, who = (pki.second_seal, pki.second_signer) if second else (pki.seal, pki.signer)
    return seal_ofd(data, seal, who.key, who.der, page=page, x_mm=x, y_mm=200, signing_time=SIGNING_TIME)


@pytest.fixture(scope="module")
def document() -> bytes:
    return build_ofd(["电子营业执照", "名称: 某某有限公司", "A & B <c>"], title="demo",
                     custom_data={"证照编号": "No.1"})


@pytest.fixture(scope="module")
def sealed(ofd_pki: OfdPKI, document: bytes) -> bytes:
    return _seal(ofd_pki, document)


@pytest.fixture(scope="module")
def twice(ofd_pki: OfdPKI, sealed: bytes) -> bytes:
    return _seal(ofd_pki, sealed, second=True, x=40)


def test_build_ofd_is_a_readable_one_page_document(document: bytes) -> None:
    pkg = OfdPackage(document)
    (doc,) = read_documents(pkg)
    assert [p.number for p in doc.pages] == [1]
    content = pkg.read("Doc_0/Pages/Page_0/Content.xml").decode()
    assert "电子营业执照" in content and "A &amp; B &lt;c&gt;" in content
    assert "证照编号" in pkg.read("OFD.xml").decode()
    assert build_ofd(["x"]) == build_ofd(["x"])  # deterministic
    with pytest.raises(ValueError):
        build_ofd(["line"] * 100)


def test_sealed_document_passes_trust_independent_checks_without_trust(sealed: bytes) -> None:
    report = verify_ofd(sealed)
    (sig,) = report.signatures
    for check in sig.checks:
        if check.name in TRUST_CHECKS:
            assert check.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
        else:
            assert check.indication is Indication.TOTAL_PASSED, (check.name, check.message)
    assert all(c.indication is Indication.TOTAL_PASSED for c in report.checks)


def test_sealed_document_passes_with_trust(ofd_pki: OfdPKI, sealed: bytes) -> None:
    report = verify_ofd(sealed, trust=ofd_pki.trust)
    assert report.indication is Indication.TOTAL_PASSED, report.message


def test_twice_sealed_document_keeps_both_signatures_valid(ofd_pki: OfdPKI, twice: bytes) -> None:
    report = verify_ofd(twice, trust=ofd_pki.trust)
    assert [s.id for s in report.signatures] == ["s001", "s002"]
    assert report.indication is Indication.TOTAL_PASSED, report.message
    assert report.signatures[1].seal is not None and report.signatures[1].seal.es_id == "33010600000002"


def test_layout_matches_other_implementations(ofd_pki: OfdPKI, twice: bytes) -> None:
    pkg = OfdPackage(twice)
    (doc,) = read_documents(pkg)
    assert doc.signatures_path == "Doc_0/Signs/Signatures.xml"
    assert [e.path for e in doc.signatures] == ["Doc_0/Signs/Sign_0/Signature.xml", "Doc_0/Signs/Sign_1/Signature.xml"]
    assert all(e.type == "Seal" for e in doc.signatures)
    first = read_signature_xml(pkg, "Doc_0/Signs/Sign_0/Signature.xml")
    second = read_signature_xml(pkg, "Doc_0/Signs/Sign_1/Signature.xml")
    assert first.check_method == "1.2.156.10197.1.401" and first.signature_method == "1.2.156.10197.1.501"
    assert first.seal_path == "Doc_0/Signs/Sign_0/Seal.esl"
    assert first.signed_value_path == "Doc_0/Signs/Sign_0/SignedValue.dat"
    (stamp,) = second.stamp_annots
    assert stamp.page_ref == doc.pages[0].id
    assert stamp.boundary == (19.0, 179.0, 42.0, 42.0)  # centred at (40, 200); the picture is 42×42 mm
    # continue-signing: Signatures.xml is never covered; the second seal covers the first's files
    first_refs = {r.path for r in first.references}
    second_refs = {r.path for r in second.references}
    assert "Doc_0/Signs/Signatures.xml" not in first_refs | second_refs
    assert {"OFD.xml", "Doc_0/Document.xml", "Doc_0/Pages/Page_0/Content.xml", "Doc_0/Signs/Sign_0/Seal.esl"} <= first_refs
    assert {"Doc_0/Signs/Sign_0/Signature.xml", "Doc_0/Signs/Sign_0/SignedValue.dat"} <= second_refs
    assert "Doc_0/Signs/Sign_0/Signature.xml" not in first_refs
    for ref in second.references:
        assert ref.path is not None and ref.check_value == digest("sm3", pkg.read(ref.path))
    ses = parse_seal_signature(pkg.read("Doc_0/Signs/Sign_1/SignedValue.dat"))
    assert ses.property_info == "/Doc_0/Signs/Sign_1/Signature.xml"
    assert ses.data_hash == digest("sm3", pkg.read("Doc_0/Signs/Sign_1/Signature.xml"))
    assert pkg.read("Doc_0/Signs/Sign_1/Seal.esl") == ofd_pki.second_seal.der


def test_sealing_a_real_invoice_keeps_its_tax_seal_intact(ofd_pki: OfdPKI) -> None:
    original = verify_ofd(CORPUS / "1.ofd")
    resealed = verify_ofd(_seal(ofd_pki, (CORPUS / "1.ofd").read_bytes()))
    assert [s.id for s in resealed.signatures] == ["2", "s003"]
    assert resealed.signatures[0].to_dict()["checks"] == original.signatures[0].to_dict()["checks"]
    new = resealed.signatures[1]
    assert all(c.indication is Indication.TOTAL_PASSED for c in new.checks if c.name not in TRUST_CHECKS)


def test_refuses_to_break_a_signature_that_protects_signatures_xml(ofd_pki: OfdPKI) -> None:
    with pytest.raises(ValueError, match=r"Signatures\.xml"):
        _seal(ofd_pki, (CORPUS / "draw_param_ref.ofd").read_bytes())


def test_bad_arguments(ofd_pki: OfdPKI, document: bytes) -> None:
    with pytest.raises(ValueError, match="page 2"):
        _seal(ofd_pki, document, page=2)
    with pytest.raises(ValueError):  # the second signer is not listed by the first seal
        seal_ofd(document, ofd_pki.seal, ofd_pki.second_signer.key, ofd_pki.second_signer.der,
                 page=1, x_mm=1, y_mm=1, signing_time=SIGNING_TIME)


def test_a_page_added_after_sealing_fails_coverage(sealed: bytes) -> None:
    files = read_zip(sealed)
    files["Doc_0/Pages/Page_1/Content.xml"] = files["Doc_0/Pages/Page_0/Content.xml"]
    report = verify_ofd(make_zip(files))
    coverage = next(c for c in report.checks if c.name == "coverage")
    assert coverage.sub_indication is SubIndication.MODIFIED_AFTER_SIGNING
    assert coverage.details["uncovered_content"] == ["/Doc_0/Pages/Page_1/Content.xml"]
    assert report.indication is Indication.TOTAL_FAILED


def test_a_removed_part_fails_references_complete(sealed: bytes) -> None:
    files = read_zip(sealed)
    del files["Doc_0/PublicRes.xml"]
    sig = verify_ofd(make_zip(files)).signatures[0]
    check = sig.check("references_complete")
    assert check is not None and check.sub_indication is SubIndication.HASH_FAILURE
    assert check.details["missing"] == ["/Doc_0/PublicRes.xml"]


def test_moved_signature_fails_property_info(sealed: bytes) -> None:
    files = read_zip(sealed)
    # Signature.xml moves; it names its SignedValue.dat and Seal.esl by absolute path
    files["Doc_0/Signs/Sign_9/Signature.xml"] = files.pop("Doc_0/Signs/Sign_0/Signature.xml")
    files["Doc_0/Signs/Signatures.xml"] = files["Doc_0/Signs/Signatures.xml"].replace(b"Sign_0", b"Sign_9")
    sig = verify_ofd(make_zip(files)).signatures[0]
    check = sig.check("property_info")
    assert check is not None and check.indication is not Indication.TOTAL_PASSED
    assert "/Doc_0/Signs/Sign_0/Signature.xml" in check.message


# ---- property: any change to any covered part fails ------------------------------------------


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_changing_any_byte_of_any_covered_part_fails(twice: bytes, data: st.DataObject) -> None:
    files = read_zip(twice)
    # Signatures.xml is the one part no seal covers (continue-signing); everything else is
    # covered by a Reference, a seal signature's dataHash, or is a signature value itself.
    covered = sorted(name for name in files if name != "Doc_0/Signs/Signatures.xml")
    name = data.draw(st.sampled_from(covered), label="part")
    position = data.draw(st.integers(0, len(files[name]) - 1), label="position")
    delta = data.draw(st.integers(1, 255), label="delta")
    changed = bytearray(files[name])
    changed[position] = (changed[position] + delta) % 256
    files[name] = bytes(changed)
    report = verify_ofd(make_zip(files))
    assert report.indication is Indication.TOTAL_FAILED, (name, position, report.message)


@pytest.mark.skipif(shutil.which("unzip") is None, reason="the unzip tool is not installed")
def test_sealed_package_is_a_plain_zip_other_tools_read(tmp_path: Path, twice: bytes) -> None:
    path = tmp_path / "sealed.ofd"
    path.write_bytes(twice)
    result = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_signature_id_beyond_any_number_does_not_stop_sealing(ofd_pki: OfdPKI, sealed: bytes) -> None:
    # a review: an ID of 5,000 digits made int() raise ValueError out of seal_ofd
    files = read_zip(sealed)
    listing = files["Doc_0/Signs/Signatures.xml"]
    found = re.search(rb'<ofd:Signature [^>]*ID="([^"]+)"', listing)
    assert found is not None
    files["Doc_0/Signs/Signatures.xml"] = listing.replace(b'ID="%s"' % found.group(1), b'ID="%s"' % (b"7" * 5000), 1)
    twice = _seal(ofd_pki, make_zip(files), second=True)
    ids = re.findall(rb'<ofd:Signature [^>]*ID="([^"]+)"', read_zip(twice)["Doc_0/Signs/Signatures.xml"])
    assert len(ids) == 2 and len(set(ids)) == 2 and b"7" * 5000 in ids
