"""Readable certificate names: one degrading rule for every report (PDF signers, seal
makers and signers), whatever asn1crypto cannot decode."""

from __future__ import annotations

from datetime import UTC, datetime

from asn1crypto import core, x509

from esealkit import cms
from esealkit._names import name_text
from esealkit.seals.owner import certificate_summary
from esealkit.testing import CertificateAuthority


def _name(*attributes: tuple[str, core.Asn1Value]) -> x509.Name:
    rdns = [x509.RelativeDistinguishedName([x509.NameTypeAndValue({"type": kind, "value": value})])
            for kind, value in attributes]
    return x509.Name.load(x509.Name(name="", value=x509.RDNSequence(rdns)).dump())


def _bad_utf8() -> x509.Name:
    # a UTF8String holding bytes that are not UTF-8, as some real CA software writes
    bad = x509.DirectoryString(name="utf8_string", value=core.UTF8String(contents=b"\xe5\xb1\x80\xff"))
    return _name(("country_name", x509.DirectoryString(name="printable_string", value="CN")),
                 ("common_name", bad))


def test_a_name_asn1crypto_decodes_reads_as_it_says():
    name = _name(("country_name", x509.DirectoryString(name="printable_string", value="CN")),
                 ("common_name", x509.DirectoryString(name="utf8_string", value="周村区自然资源局")))
    assert name_text(name) == "Common Name: 周村区自然资源局, Country: CN"


def test_a_value_that_does_not_decode_costs_that_value_only():
    assert name_text(_bad_utf8()) == "Common Name: 局\ufffd, Country: CN"


def test_pdf_and_seal_reports_summarise_a_certificate_alike():
    # PDF signers (cms.signer_summary) and seal makers and signers (certificate_summary)
    # are one summary: a name that does not decode read the same way in both
    ca = CertificateAuthority.root("Names Root", key_kind="ecdsa-p256", not_before=datetime(2026, 1, 1, tzinfo=UTC))
    cert = x509.Certificate.load(ca.der)
    tbs = cert["tbs_certificate"].copy()
    tbs["subject"] = _bad_utf8()
    der = x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": cert["signature_algorithm"],
                            "signature_value": cert["signature_value"]}).dump()
    summary = cms.signer_summary(der)
    assert summary.subject == "Common Name: 局\ufffd, Country: CN"
    assert certificate_summary(der) == summary
    assert certificate_summary(b"\x30\x03\x02\x01\x01") is None  # not a certificate: no summary
