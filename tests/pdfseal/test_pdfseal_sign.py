"""Sealed PDFs: the seal travels in the signature and verifies; binding, validity, status, tampering."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import cms as asn1_cms
from asn1crypto import core
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdfseal_helpers import make_test_seal, seal_results
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.attributes import CMSAttributeProvider
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from esealkit.engine import Verifier
from esealkit.pdf.reader import read_pdf
from esealkit.pdf.seal import SES_SIGNATURE_ATTRIBUTE, seal_checks, seal_pdf
from esealkit.pdf.sign import EsealkitSigner, sign_pdf
from esealkit.pki import Trust
from esealkit.report import Indication, SubIndication
from esealkit.seals import SealPicture, parse_seal_signature, sign_digest_with_seal
from esealkit.store import open_database
from esealkit.store.seals import SealStore
from esealkit.testing import simple_pdf, timestamper

KINDS = ("sm2", "ecdsa-p256", "rsa")
SEAL_CHECKS = ["seal_format", "seal_header", "seal_signature_value", "seal_data_hash", "signer_binding",
               "seal_maker_signature", "seal_validity", "seal_picture", "seal_maker_trust"]


@pytest.fixture(scope="module")
def document() -> bytes:
    return simple_pdf(["Contract between A and B.", "(Seal here)"], pages=2)


@pytest.mark.parametrize("kind", KINDS)
def test_sealed_pdf_passes_every_seal_check(pki, document: bytes, kind: str) -> None:
    signer = pki.signers[kind]
    seal = make_test_seal(pki, kind)
    sealed = seal_pdf(document, seal, signer.key, signer.der, chain=pki.chain, x_mm=150, y_mm=230)
    verifier = Verifier(trust=pki.trust())
    [result] = seal_results(sealed, verifier)
    assert [c.name for c in result.checks] == SEAL_CHECKS
    failing = [(c.name, c.message) for c in result.checks if c.indication is not Indication.TOTAL_PASSED]
    assert failing == []
    assert result.summary is not None
    assert (result.summary.es_id, result.summary.name, result.summary.type) == ("33010600000001", "合同专用章", 4)
    # the PDF signature itself (the engine, not yet looking at the seal) passes too
    report = verifier.verify(sealed)
    assert report.indication is Indication.TOTAL_PASSED, report.to_dict()
    # the seal attribute is a signed attribute: an SES_Signature of this seal by the same certificate
    [value] = result.info.attributes[SES_SIGNATURE_ATTRIBUTE]
    ses = parse_seal_signature(value)
    assert ses.seal.der == seal.der and ses.signer_cert == signer.der
    assert ses.property_info == result.field_name


def test_trust_independent_checks_hold_without_anchors(pki, document: bytes) -> None:
    signer = pki.signers["sm2"]
    sealed = seal_pdf(document, make_test_seal(pki, "sm2"), signer.key, signer.der)
    [result] = seal_results(sealed, Verifier(trust=None))
    for check in result.checks:
        if check.name == "seal_maker_trust":
            assert check.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
        else:
            assert check.indication is Indication.TOTAL_PASSED, check


@pytest.mark.parametrize("kind", ["ecdsa-p256", "rsa"])
def test_pyhanko_validates_the_sealed_signature(pki, document: bytes, kind: str) -> None:
    signer = pki.signers[kind]
    sealed = seal_pdf(document, make_test_seal(pki, kind), signer.key, signer.der, chain=pki.chain)
    reader = PdfFileReader(io.BytesIO(sealed))
    [embedded] = reader.embedded_signatures
    context = ValidationContext(trust_roots=[pki.root.certificate], crls=list(pki.crls()), allow_fetching=False)
    status = validate_pdf_signature(embedded, context)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage.name == "ENTIRE_FILE"


def test_the_signer_must_be_listed_by_the_seal(pki, document: bytes) -> None:
    seal = make_test_seal(pki, "rsa")
    other = pki.signers["ecdsa-p256"]
    with pytest.raises(ValueError, match="cannot use this seal"):
        seal_pdf(document, seal, other.key, other.der)


class _ForgedSealSigner(EsealkitSigner):
    """An attacker's signer: its CMS is by one certificate, the SES_Signature it embeds by
    another (one the seal does list)."""

    def __init__(self, key, cert_der, *, seal, ses_key, ses_cert_der) -> None:
        super().__init__(key, cert_der)
        self._forged = (seal, ses_key, ses_cert_der)

    def _signed_attr_providers(self, data_digest, digest_algorithm, attr_settings, **kwargs):
        yield from super()._signed_attr_providers(data_digest, digest_algorithm, attr_settings, **kwargs)
        seal, key, cert = self._forged
        der = sign_digest_with_seal(seal, signer_key=key, signer_cert_der=cert, data_hash=data_digest,
                                    property_info="Forged", signing_time=datetime.now(UTC))

        class Provider(CMSAttributeProvider):
            attribute_type = SES_SIGNATURE_ATTRIBUTE

            async def build_attr_value(self, dry_run=False):
                return core.Any.load(der)

        yield Provider()


def test_a_signer_the_seal_does_not_list_fails_signer_not_bound(pki, document: bytes) -> None:
    owner, thief = pki.signers["ecdsa-p256"], pki.signers["rsa"]
    seal = make_test_seal(pki, "ecdsa-p256")
    forger = _ForgedSealSigner(thief.key, thief.der, seal=seal, ses_key=owner.key, ses_cert_der=owner.der)
    meta = signers.PdfSignatureMetadata(field_name="Forged", md_algorithm="sha256")
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    out = io.BytesIO()
    signers.PdfSigner(meta, signer=forger).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(document)), output=out)
    [result] = seal_results(out.getvalue(), Verifier(trust=pki.trust()))
    binding = result.check("signer_binding")
    assert binding.sub_indication is SubIndication.SIGNER_NOT_BOUND_TO_SEAL
    assert binding.indication is Indication.TOTAL_FAILED
    assert result.check("seal_signature_value").indication is Indication.TOTAL_PASSED  # the owner's SES is genuine


def test_an_expired_seal_fails_seal_expired(pki, document: bytes) -> None:
    signer = pki.signers["sm2"]
    seal = make_test_seal(pki, "sm2", valid_from=pki.now - timedelta(days=300), valid_to=pki.now - timedelta(days=10))
    sealed = seal_pdf(document, seal, signer.key, signer.der)
    [result] = seal_results(sealed, Verifier(trust=pki.trust()))
    validity = result.check("seal_validity")
    assert validity.sub_indication is SubIndication.SEAL_EXPIRED
    assert validity.indication is Indication.TOTAL_FAILED
    # the same seal used while it was valid passes
    earlier = seal_pdf(document, seal, signer.key, signer.der, signing_time=pki.now - timedelta(days=20))
    [result] = seal_results(earlier, Verifier(trust=pki.trust()))
    assert result.check("seal_validity").indication is Indication.TOTAL_PASSED


def test_the_signing_time_is_the_callers(pki, document: bytes) -> None:
    signer = pki.signers["ecdsa-p256"]
    when = (pki.now - timedelta(days=3)).replace(microsecond=0)
    sealed = seal_pdf(document, make_test_seal(pki, "ecdsa-p256"), signer.key, signer.der, signing_time=when)
    [sig] = read_pdf(sealed).signatures
    assert sig.claimed_time == when
    [result] = seal_results(sealed, Verifier(trust=None))
    assert parse_seal_signature(result.info.attributes[SES_SIGNATURE_ATTRIBUTE][0]).signing_time == when


def test_a_seal_revoked_in_the_store_fails_seal_revoked(pki, document: bytes, tmp_path) -> None:
    signer = pki.signers["rsa"]
    seal = make_test_seal(pki, "rsa")
    sealed = seal_pdf(document, seal, signer.key, signer.der, signing_time=pki.now - timedelta(days=1))
    store = SealStore(open_database(f"sqlite:///{tmp_path / 'seals.db'}"))
    store.add(seal)
    [result] = seal_results(sealed, Verifier(trust=pki.trust(), seal_store=store))
    assert result.check("seal_status").indication is Indication.TOTAL_PASSED
    assert result.summary is not None and result.summary.status == "active"
    # revoked after the signing: the signature made before stays good
    store.revoke(seal.es_id, at=pki.now, reason="seal retired")
    [result] = seal_results(sealed, Verifier(trust=pki.trust(), seal_store=store))
    assert result.check("seal_status").indication is Indication.TOTAL_PASSED
    # a signature made after the revocation fails
    late = seal_pdf(document, seal, signer.key, signer.der, signing_time=pki.now + timedelta(minutes=1))
    [result] = seal_results(late, Verifier(trust=pki.trust(), seal_store=store))
    status = result.check("seal_status")
    assert status.sub_indication is SubIndication.SEAL_REVOKED and status.indication is Indication.TOTAL_FAILED
    assert result.summary is not None and result.summary.status == "revoked"


def test_tampering_with_the_document_fails_the_signature(pki, document: bytes) -> None:
    signer = pki.signers["sm2"]
    sealed = seal_pdf(document, make_test_seal(pki, "sm2"), signer.key, signer.der)
    at = sealed.index(b"esealkit test document")  # the /Title, in the signed bytes
    tampered = sealed[:at] + b"K" + sealed[at + 1:]
    [sig] = Verifier(trust=None).verify(tampered).signatures
    assert sig.check("message_digest").sub_indication is SubIndication.HASH_FAILURE
    [result] = seal_results(tampered, Verifier(trust=None))
    # the seal attribute still matches the digest that was signed, not the tampered bytes
    assert result.check("seal_data_hash").indication is Indication.TOTAL_PASSED


def test_tampering_with_the_seal_in_the_signature_fails_it(pki, document: bytes) -> None:
    signer = pki.signers["ecdsa-p256"]
    seal = make_test_seal(pki, "ecdsa-p256")
    sealed = seal_pdf(document, seal, signer.key, signer.der)
    es_id_hex = seal.es_id.encode().hex().encode()
    at = sealed.lower().index(es_id_hex) + len(es_id_hex) - 1  # the es_id's last digit, in /Contents' hex
    assert sealed[at:at + 1] == b"1"
    tampered = sealed[:at] + b"2" + sealed[at + 1:]  # es_id …01 → …02
    [sig] = Verifier(trust=None).verify(tampered).signatures
    assert sig.check("signature_value").sub_indication is SubIndication.SIG_CRYPTO_FAILURE
    [result] = seal_results(tampered, Verifier(trust=None))
    assert result.check("seal_maker_signature").sub_indication is SubIndication.SEAL_INVALID


@pytest.mark.parametrize("kind", ["ecdsa-p256", "rsa"])
def test_b_t_with_a_timestamp_authority(pki, document: bytes, kind: str) -> None:
    signer = pki.signers[kind]
    sealed = seal_pdf(document, make_test_seal(pki, kind), signer.key, signer.der, chain=pki.chain,
                      timestamper=timestamper(pki.tsa))
    verifier = Verifier(trust=pki.trust())
    [sig] = verifier.verify(sealed).signatures
    assert sig.indication is Indication.TOTAL_PASSED, sig.to_dict()
    assert sig.timestamp_time is not None
    [result] = seal_results(sealed, verifier)
    assert result.info.timestamp_token is not None
    checks, _ = seal_checks(result.info, verifier=verifier, timestamp_time=sig.timestamp_time)
    validity = next(c for c in checks if c.name == "seal_validity")
    assert validity.indication is Indication.TOTAL_PASSED and "proves" in validity.message


def test_b_lt_embeds_the_given_revocation_data(pki, document: bytes) -> None:
    signer = pki.signers["ecdsa-p256"]
    crls = pki.crls()
    sealed = seal_pdf(document, make_test_seal(pki, "ecdsa-p256"), signer.key, signer.der, chain=pki.chain,
                      timestamper=timestamper(pki.tsa), embed_revocation=(crls, ()))
    doc = read_pdf(sealed)
    assert set(crls) <= set(doc.dss_crls)
    assert signer.der in doc.dss_certs
    # anchors alone, no CRLs given: the ones in the DSS make the signer and the maker trusted
    verifier = Verifier(trust=Trust(anchors=(pki.root.der,)))
    [sig] = verifier.verify(sealed).signatures
    assert sig.check("trust").indication is Indication.TOTAL_PASSED, sig.to_dict()
    [result] = seal_results(sealed, verifier)
    assert result.check("seal_maker_trust").indication is Indication.TOTAL_PASSED


def test_vector_pictures_cannot_be_stamped(pki, document: bytes) -> None:
    signer = pki.signers["rsa"]
    seal = make_test_seal(pki, "rsa", picture=SealPicture("SVG", b"<svg xmlns='http://www.w3.org/2000/svg'/>", 40, 40))
    with pytest.raises(ValueError, match="vector"):
        seal_pdf(document, seal, signer.key, signer.der)


def test_a_pdf_signature_without_a_seal_has_no_seal_checks(pki, document: bytes) -> None:
    signer = pki.signers["rsa"]
    signed = sign_pdf(document, key=signer.key, cert_der=signer.der)
    [result] = seal_results(signed, Verifier(trust=None))
    assert result.checks == [] and result.summary is None


def test_a_damaged_seal_attribute_is_a_format_failure(pki, document: bytes) -> None:
    signer = pki.signers["rsa"]
    seal = make_test_seal(pki, "rsa")

    class Garbage(EsealkitSigner):
        def _signed_attr_providers(self, *args, **kwargs):
            yield from super()._signed_attr_providers(*args, **kwargs)

            class Provider(CMSAttributeProvider):
                attribute_type = SES_SIGNATURE_ATTRIBUTE

                async def build_attr_value(self, dry_run=False):
                    return asn1_cms.ContentInfo({"content_type": "data", "content": b"no seal"})

            yield Provider()

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    out = io.BytesIO()
    meta = signers.PdfSignatureMetadata(field_name="Bad", md_algorithm="sha256")
    signers.PdfSigner(meta, signer=Garbage(signer.key, signer.der)).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(document)), output=out)
    [result] = seal_results(out.getvalue(), Verifier(trust=None))
    assert [c.name for c in result.checks] == ["seal_format"]
    assert result.checks[0].sub_indication is SubIndication.FORMAT_FAILURE
    assert seal.es_id  # the seal was never used


@pytest.fixture(scope="module")
def sealed_info(pki):
    signer = pki.signers["ecdsa-p256"]
    sealed = seal_pdf(simple_pdf(["x"]), make_test_seal(pki, "ecdsa-p256"), signer.key, signer.der)
    [result] = seal_results(sealed, Verifier(trust=None))
    return result.info


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_to_the_seal_attribute_is_reported_never_raised(sealed_info, data) -> None:
    [value] = sealed_info.attributes[SES_SIGNATURE_ATTRIBUTE]
    index = data.draw(st.integers(0, len(value) - 1))
    flip = data.draw(st.integers(1, 255))
    changed = value[:index] + bytes([value[index] ^ flip]) + value[index + 1:]
    info = dataclasses.replace(sealed_info, attributes={**sealed_info.attributes, SES_SIGNATURE_ATTRIBUTE: (changed,)})
    checks, _ = seal_checks(info, verifier=Verifier(trust=None))
    assert checks
    assert any(c.indication is not Indication.TOTAL_PASSED for c in checks if c.name != "seal_maker_trust")


def test_documents_that_cannot_be_sealed(pki, document: bytes) -> None:
    from esealkit.errors import MalformedInput

    signer = pki.signers["rsa"]
    seal = make_test_seal(pki, "rsa")
    with pytest.raises(MalformedInput):
        seal_pdf(b"%PDF-1.7\nnot really", seal, signer.key, signer.der)
    locked = sign_pdf(document, key=signer.key, cert_der=signer.der, certify=1)  # no changes allowed
    with pytest.raises(ValueError, match="cannot seal this PDF"):
        seal_pdf(locked, seal, signer.key, signer.der)
    with pytest.raises(ValueError, match="already has a signature field"):
        seal_pdf(seal_pdf(document, seal, signer.key, signer.der), seal, signer.key, signer.der, field_name="Seal")


@pytest.mark.parametrize("long_term", [False, True])
def test_sealing_twice_is_recognised_as_pyhanko_analyses_it(pki, long_term):
    """A document sealed twice (and, long-term, with the DSS added to by the second seal):
    the later revisions are recognised without pyHanko's analysis, with its verdict."""
    from esealkit.pdf.changes import analyse_changes
    from esealkit.pdf.reader import revision_ends
    from esealkit.pdf.signing_updates import Additions, recognise_updates

    revocation = (list(pki.crls()), []) if long_term else None

    def sealed(pdf: bytes, kind: str, page: int) -> bytes:
        # two parties' seals: the second brings a certificate the DSS does not hold yet
        seal, signer = make_test_seal(pki, kind, es_id=f"3301060000000{page}"), pki.signers[kind]
        return seal_pdf(pdf, seal, signer.key, signer.der, chain=pki.chain, page=page, embed_revocation=revocation)

    data = sealed(sealed(simple_pdf(["Contract"], pages=2), "sm2", 1), "ecdsa-p256", 2)
    doc = read_pdf(data)
    earlier = [s for s in doc.signatures if not doc.covers_whole_file(s)]
    assert len(earlier) == (2 if long_term else 1)
    found = recognise_updates(data, [s.covered_end for s in earlier], revision_ends(data))
    assert all(isinstance(found[s.covered_end], Additions) for s in earlier)
    quick = analyse_changes(data, [s.byte_range for s in earlier])
    full = analyse_changes(data, [s.byte_range for s in earlier], quick=False)
    assert {br: (r.level, r.changed_fields) for br, r in quick.items()} == \
        {br: (r.level, r.changed_fields) for br, r in full.items()}
