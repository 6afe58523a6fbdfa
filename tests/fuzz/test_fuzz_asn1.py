"""Fuzzing the DER parsers: CMS SignedData and GB/T 38540 seals and seal signatures raise
only MalformedInput, and what parses can be checked without an exception."""

from __future__ import annotations

import pytest
from fuzz_support import LONG, QUICK, mutated, run_for_budget
from hypothesis import given
from hypothesis import strategies as st
from ofd_fixtures import SIGNING_TIME

from esealkit import cms
from esealkit.errors import MalformedInput
from esealkit.pdf.reader import read_pdf
from esealkit.pdf.sign import sign_pdf
from esealkit.seals import parse_seal, parse_seal_signature, sign_with_seal, verify_seal_signature
from esealkit.testing import simple_pdf, timestamper

DATA = b"<ofd:Signature/>"


@pytest.fixture(scope="module")
def cms_seeds(pki) -> list[bytes]:
    s = pki.signers["rsa"]
    page = simple_pdf(["cms"])
    plain = sign_pdf(page, key=s.key, cert_der=s.der, chain=pki.chain)
    stamped = sign_pdf(page, key=s.key, cert_der=s.der, chain=pki.chain, timestamper=timestamper(pki.tsa))
    return [read_pdf(d).signatures[0].contents.rstrip(b"\x00") for d in (plain, stamped)]


@pytest.fixture(scope="module")
def seal_seeds(fuzz_ofd_pki) -> tuple[bytes, bytes]:
    pki = fuzz_ofd_pki
    signature = sign_with_seal(pki.seal, signer_key=pki.signer.key, signer_cert_der=pki.signer.der, data=DATA,
                               property_info="/Doc_0/Signs/Sign_0/Signature.xml", signing_time=SIGNING_TIME)
    return pki.seal.der, signature


def _der_cases(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    return st.sampled_from(seeds).flatmap(lambda s: mutated(s, max_ops=3)) | st.binary(max_size=300)


def _cms_only_malformed(data: bytes) -> None:
    try:
        info = cms.parse_signed_data(data)
    except MalformedInput:
        return
    # What parses is checked (against a wrong digest) without an exception.
    cms.check_signed_data(info, content_digest=bytes(32))


def _seal_only_malformed(data: bytes, trust: object) -> None:
    try:
        parse_seal(data)
    except MalformedInput:
        pass
    try:
        parsed = parse_seal_signature(data)
    except MalformedInput:
        return
    report = verify_seal_signature(parsed, data=DATA, trust=trust)  # type: ignore[arg-type]
    assert all(c.name != "internal_error" for c in report.checks)


def test_cms_parser_raises_only_malformed_input(cms_seeds):
    @QUICK
    @given(data=_der_cases(cms_seeds))
    def run(data):
        _cms_only_malformed(data)
    run()


def test_seal_parsers_raise_only_malformed_input(seal_seeds, fuzz_ofd_pki):
    @QUICK
    @given(data=_der_cases(list(seal_seeds)))
    def run(data):
        _seal_only_malformed(data, fuzz_ofd_pki.trust)
    run()


@pytest.mark.fuzz
def test_long_cms(cms_seeds):
    @LONG
    @given(data=_der_cases(cms_seeds))
    def run(data):
        _cms_only_malformed(data)
    run_for_budget(run)


@pytest.mark.fuzz
def test_long_seals(seal_seeds, fuzz_ofd_pki):
    @LONG
    @given(data=_der_cases(list(seal_seeds)))
    def run(data):
        _seal_only_malformed(data, fuzz_ofd_pki.trust)
    run_for_budget(run)


def _damaged_subject_cms(contents: bytes, signer_der: bytes) -> bytes:
    """``contents`` with the subject Name of the signer's certificate re-tagged SET: the
    certificate still loads lazily, reading its subject fails."""
    from asn1crypto import x509

    tbs = x509.Certificate.load(signer_der)["tbs_certificate"]
    subject = tbs["subject"].dump()
    at = contents.index(signer_der) + signer_der.index(subject)
    assert contents[at] == 0x30
    return contents[:at] + b"\x31" + contents[at + 1:]


def test_signer_certificate_with_a_damaged_subject_is_malformed_input(pki):
    s = pki.signers["rsa"]
    contents = read_pdf(sign_pdf(simple_pdf(["cms"]), key=s.key, cert_der=s.der, chain=pki.chain)).signatures[0].contents
    damaged = _damaged_subject_cms(contents.rstrip(b"\x00"), s.der)
    _cms_only_malformed(damaged)


def test_certificate_with_a_wrongly_tagged_key_identifier_is_malformed_input(pki):
    """Found by the long run: asn1crypto raises AttributeError ('InstanceOf' object has no
    attribute 'native') for an AuthorityKeyIdentifier whose keyIdentifier is tagged [8], in the signer's certificate."""
    s = pki.signers["rsa"]
    contents = read_pdf(sign_pdf(simple_pdf(["cms"]), key=s.key, cert_der=s.der, chain=pki.chain)).signatures[0].contents
    der = contents.rstrip(b"\x00")
    signer_at = der.index(s.der)
    # The extension's OID and OCTET STRING tag, then: its length, SEQUENCE tag and length.
    inner = der.index(bytes.fromhex("0603551d2304"), signer_at) + 6 + 3
    assert der[inner] == 0x80, der[inner - 3:inner + 2].hex()
    damaged = der[:inner] + b"\x88" + der[inner + 1:]
    _cms_only_malformed(damaged)
