"""Revocation data from files (CRL, OCSP) and from what the PDF embeds (DSS)."""

from __future__ import annotations

import io

from asn1crypto import crl, ocsp, x509
from pyhanko.sign.validation.dss import DocumentSecurityStore

from esealkit.engine import verify_pdf
from esealkit.pdf.reader import read_pdf
from esealkit.pdf.sign import sign_pdf
from esealkit.pki import Trust
from esealkit.report import Indication, SubIndication
from esealkit.testing import simple_pdf

PAGE = simple_pdf(["revocation tests"])


def _ocsps(pki, *certs):
    at = pki.now.replace(microsecond=0)
    return tuple([pki.ca.ocsp_response(c.certificate, this_update=at) for c in certs]
                 + [pki.root.ocsp_response(pki.ca.certificate, this_update=at)])


def test_ocsp_responses_as_revocation_data(pki):
    good = pki.signers["ecdsa-p256"]
    signed = sign_pdf(PAGE, key=good.key, cert_der=good.der, chain=pki.chain)
    trust = Trust(anchors=(pki.root.der,), ocsps=_ocsps(pki, good))
    assert verify_pdf(signed, trust=trust).indication is Indication.TOTAL_PASSED


def test_ocsp_says_revoked(pki):
    signed = sign_pdf(PAGE, key=pki.revoked.key, cert_der=pki.revoked.der, chain=pki.chain)
    trust = Trust(anchors=(pki.root.der,), ocsps=_ocsps(pki, pki.revoked))
    assert verify_pdf(signed, trust=trust).sub_indication is SubIndication.REVOKED


def _with_dss(pdf: bytes, *, crls=(), ocsps=(), certs=()) -> bytes:
    contents = read_pdf(pdf).signatures[0].contents
    out = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(
        out, contents,
        certs=[x509.Certificate.load(c) for c in certs],
        crls=[crl.CertificateList.load(c) for c in crls],
        ocsps=[ocsp.OCSPResponse.load(o) for o in ocsps],
        force_write=True,
    )
    return out.getvalue()


def test_crls_embedded_in_the_dss_are_used(pki):
    s = pki.signers["rsa"]
    signed = sign_pdf(PAGE, key=s.key, cert_der=s.der, chain=pki.chain)
    without = verify_pdf(signed, trust=pki.trust(with_crls=False))
    assert without.sub_indication is SubIndication.TRY_LATER
    ltv = _with_dss(signed, crls=pki.crls(), certs=pki.chain)
    doc = read_pdf(ltv)
    assert len(doc.dss_crls) == 2
    report = verify_pdf(ltv, trust=pki.trust(with_crls=False))
    assert report.indication is Indication.TOTAL_PASSED, report.message
    assert "validation data" in report.signatures[0].check("modifications").message


def test_embedded_revocation_still_reports_revoked(pki):
    signed = sign_pdf(PAGE, key=pki.revoked.key, cert_der=pki.revoked.der, chain=pki.chain)
    ltv = _with_dss(signed, crls=pki.crls())
    assert verify_pdf(ltv, trust=pki.trust(with_crls=False)).sub_indication is SubIndication.REVOKED


def test_intermediate_found_in_the_dss(pki):
    s = pki.signers["ed25519"]
    signed = sign_pdf(PAGE, key=s.key, cert_der=s.der, chain=[])  # CMS without the CA certificate
    assert verify_pdf(signed, trust=pki.trust()).sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    ltv = _with_dss(signed, certs=[pki.ca.der])
    assert verify_pdf(ltv, trust=pki.trust()).indication is Indication.TOTAL_PASSED
