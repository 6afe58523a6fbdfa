"""``verify_pdf``/``Verifier`` report the seal of a sealed PDF once pdf/verify.py calls
:func:`esealkit.pdf.seal.seal_checks` (skipped, with that reason, until it does)."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest
from pdfseal_helpers import make_test_seal

import esealkit.pdf.verify
from esealkit.engine import Verifier
from esealkit.pdf.seal import seal_pdf
from esealkit.report import Indication, SubIndication
from esealkit.store import open_database
from esealkit.store.seals import SealStore
from esealkit.testing import simple_pdf

pytestmark = pytest.mark.skipif(
    "seal_checks" not in inspect.getsource(esealkit.pdf.verify),
    reason="pdf/verify.py does not call esealkit.pdf.seal.seal_checks yet (the hook the lead wires)")


@pytest.fixture(scope="module")
def document() -> bytes:
    return simple_pdf(["Contract between A and B."])


def test_a_sealed_pdf_reports_its_seal(pki, document: bytes) -> None:
    signer = pki.signers["sm2"]
    seal = make_test_seal(pki, "sm2")
    sealed = seal_pdf(document, seal, signer.key, signer.der, chain=pki.chain)
    report = Verifier(trust=pki.trust()).verify(sealed)
    assert report.indication is Indication.TOTAL_PASSED, report.to_dict()
    [sig] = report.signatures
    assert sig.seal is not None and sig.seal.es_id == seal.es_id and sig.seal.name == seal.name
    names = [c.name for c in sig.checks]
    for name in ("seal_maker_signature", "seal_validity", "signer_binding", "seal_maker_trust"):
        assert name in names


def test_an_expired_seal_fails_the_pdf(pki, document: bytes) -> None:
    signer = pki.signers["ecdsa-p256"]
    seal = make_test_seal(pki, "ecdsa-p256", valid_from=pki.now - timedelta(days=300),
                          valid_to=pki.now - timedelta(days=10))
    report = Verifier(trust=pki.trust()).verify(seal_pdf(document, seal, signer.key, signer.der, chain=pki.chain))
    assert report.sub_indication is SubIndication.SEAL_EXPIRED


def test_a_revoked_seal_fails_the_pdf(pki, document: bytes, tmp_path) -> None:
    signer = pki.signers["rsa"]
    seal = make_test_seal(pki, "rsa")
    store = SealStore(open_database(f"sqlite:///{tmp_path / 'seals.db'}"))
    store.add(seal)
    store.revoke(seal.es_id, at=pki.now - timedelta(days=1), reason="retired")
    sealed = seal_pdf(document, seal, signer.key, signer.der, chain=pki.chain)
    report = Verifier(trust=pki.trust(), seal_store=store).verify(sealed)
    assert report.sub_indication is SubIndication.SEAL_REVOKED
    assert report.signatures[0].seal is not None and report.signatures[0].seal.status == "revoked"
