"""Fuzzing the PDF signature locator and the whole PDF verification: only MalformedInput
from the reader, never an exception from verification, never a pass for changed signed
bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fuzz_support import LONG, QUICK, mutated, run_for_budget
from hypothesis import given
from hypothesis import strategies as st

from esealkit.engine import verify_pdf
from esealkit.errors import MalformedInput
from esealkit.pdf.reader import PdfLimits, read_pdf
from esealkit.pdf.sign import sign_pdf
from esealkit.report import Indication, SubIndication
from esealkit.testing import simple_pdf

# Small limits, so that the limit paths are fuzzed too.
TIGHT = PdfLimits(max_file_size=200_000, max_contents_size=8192, max_fields=8, max_field_depth=4)


@dataclass(frozen=True)
class Seed:
    data: bytes
    hot: tuple[int, ...]  # offsets of the structure: signature dictionaries, xref, trailers
    signed_ranges: tuple[tuple[int, int], ...]  # what the signatures cover, in ``data``


def _seed(data: bytes) -> Seed:
    hot = sorted({m.start() for m in re.finditer(rb"/ByteRange|/Contents|/Fields|/AcroForm|xref|trailer|startxref", data)})
    doc = read_pdf(data)
    ranges = tuple(r for s in doc.signatures for r in s.ranges())
    return Seed(data, tuple(hot), ranges)


@pytest.fixture(scope="module")
def seeds(pki) -> list[Seed]:
    s1, s2 = pki.signers["ecdsa-p256"], pki.signers["rsa"]
    page = simple_pdf(["fuzz"])
    one = sign_pdf(page, key=s1.key, cert_der=s1.der, chain=pki.chain)
    two = sign_pdf(one, key=s2.key, cert_der=s2.der, chain=pki.chain, field_name="Signature2")
    certified = sign_pdf(page, key=s1.key, cert_der=s1.der, chain=pki.chain, certify=2)
    return [_seed(one), _seed(two), _seed(certified)]


def _read_only_malformed(data: bytes) -> None:
    for limits in (PdfLimits(), TIGHT):
        try:
            read_pdf(data, limits=limits)
        except MalformedInput:
            pass


def _changes_signed_bytes(seed: Seed, data: bytes) -> bool:
    """Whether ``data`` changes bytes some signature of ``seed`` covers (for a length
    change: anything before the end of the signed bytes)."""
    if len(data) != len(seed.data):
        first = next((i for i, (a, b) in enumerate(zip(seed.data, data, strict=False)) if a != b),
                     min(len(seed.data), len(data)))
        return first < max(end for _, end in seed.signed_ranges)
    return any(seed.data[start:end] != data[start:end] for start, end in seed.signed_ranges)


def _verify_never_raises_never_passes_changed(seed: Seed, data: bytes, trust: object) -> None:
    report = verify_pdf(data, trust=trust)  # type: ignore[arg-type]
    internal = [c for s in report.signatures for c in s.checks if c.name == "internal"]
    assert not internal, internal[0].message
    if _changes_signed_bytes(seed, data):
        assert report.indication is not Indication.TOTAL_PASSED, report.message


def _mutants(seeds: list[Seed]) -> st.SearchStrategy[tuple[Seed, bytes]]:
    return st.sampled_from(seeds).flatmap(lambda s: st.tuples(st.just(s), mutated(s.data, s.hot)))


def _single_byte_in_signed_range(seeds: list[Seed]) -> st.SearchStrategy[tuple[Seed, bytes]]:
    def change(seed: Seed) -> st.SearchStrategy[tuple[Seed, bytes]]:
        def apply(args: tuple[tuple[int, int], int, int]) -> tuple[Seed, bytes]:
            (start, end), offset, delta = args
            at = start + offset % (end - start)
            data = bytearray(seed.data)
            data[at] = (data[at] + delta) % 256
            return seed, bytes(data)
        return st.tuples(st.sampled_from(seed.signed_ranges), st.integers(0, 1 << 30), st.integers(1, 255)).map(apply)
    return st.sampled_from(seeds).flatmap(change)


def test_reader_raises_only_malformed_input(seeds):
    @QUICK
    @given(case=_mutants(seeds))
    def run(case):
        _read_only_malformed(case[1])
    run()


def test_verification_never_raises_and_never_passes_a_mutant(pki, seeds):
    trust = pki.trust()

    @QUICK
    @given(case=_mutants(seeds))
    def run(case):
        _verify_never_raises_never_passes_changed(case[0], case[1], trust)
    run()


def test_no_single_changed_signed_byte_passes(pki, seeds):
    trust = pki.trust()

    @QUICK
    @given(case=_single_byte_in_signed_range(seeds))
    def run(case):
        report = verify_pdf(case[1], trust=trust)
        assert report.indication is not Indication.TOTAL_PASSED, report.message
    run()


@pytest.mark.fuzz
def test_long_reader(seeds):
    @LONG
    @given(case=_mutants(seeds))
    def run(case):
        _read_only_malformed(case[1])
    run_for_budget(run)


@pytest.mark.fuzz
def test_long_verification(pki, seeds):
    trust = pki.trust()

    @LONG
    @given(case=_mutants(seeds))
    def run(case):
        _verify_never_raises_never_passes_changed(case[0], case[1], trust)
    run_for_budget(run, share=4)  # the slowest target gets a larger share


@pytest.mark.fuzz
def test_long_signed_bytes(pki, seeds):
    trust = pki.trust()

    @LONG
    @given(case=_single_byte_in_signed_range(seeds))
    def run(case):
        report = verify_pdf(case[1], trust=trust)
        assert report.indication is not Indication.TOTAL_PASSED, report.message
    run_for_budget(run)


def _damage_extra_certificate(pdf: bytes, cert_der: bytes) -> bytes:
    """``pdf`` with the AuthorityKeyIdentifier of ``cert_der`` (as carried in the CMS)
    re-tagged SET instead of SEQUENCE: the certificate still loads, its extension does not."""
    cert_hex = cert_der.hex().upper().encode()
    at = pdf.index(cert_hex)
    aki = cert_hex.index(b"0603551D2304")  # the OID, then the OCTET STRING header
    inner = at + aki + len(b"0603551D2304") + 2  # past the OCTET STRING length
    assert pdf[inner:inner + 2] == b"30"
    return pdf[:inner] + b"31" + pdf[inner + 2:]


def test_damaged_extra_certificate_is_not_an_internal_error(pki):
    s = pki.signers["ecdsa-p256"]
    signed = sign_pdf(simple_pdf(["x"]), key=s.key, cert_der=s.der, chain=pki.chain)
    damaged = _damage_extra_certificate(signed, pki.ca.der)  # the intermediate, not the signer
    report = verify_pdf(damaged, trust=pki.trust())
    checks = [c.name for c in report.signatures[0].checks]
    assert "internal" not in checks, report.message


def test_damaged_signature_dictionary_does_not_vanish(pki):
    s1, s2 = pki.signers["ecdsa-p256"], pki.signers["rsa"]
    one = sign_pdf(simple_pdf(["x"]), key=s1.key, cert_der=s1.der, chain=pki.chain)
    two = sign_pdf(one, key=s2.key, cert_der=s2.der, chain=pki.chain, field_name="Signature2")
    # The ">>" that closes the second signature dictionary becomes "?>": one changed
    # byte inside what the second signature covers.
    second = [m.end() for m in re.finditer(rb"/ByteRange", two)][1]
    end = two.index(b">>\nendobj", second)
    damaged = two[:end] + b"?" + two[end + 1:]
    report = verify_pdf(damaged, trust=pki.trust())
    assert report.indication is not Indication.TOTAL_PASSED, report.message
    # qpdf drops the unreadable dictionary; the report names it instead of going quiet.
    damage = [c for c in report.checks if c.name == "pdf_format"]
    assert damage and damage[0].sub_indication is SubIndication.FORMAT_FAILURE, report.to_dict()


def test_malformed_number_in_an_earlier_revision_is_a_verdict(pki):
    """Found by the long run: "/Type .Pages" made pyHanko's reader raise
    decimal.InvalidOperation out of the change analysis, and verify_pdf with it."""
    s1, s2 = pki.signers["ecdsa-p256"], pki.signers["rsa"]
    one = sign_pdf(simple_pdf(["fuzz"]), key=s1.key, cert_der=s1.der, chain=pki.chain)
    two = sign_pdf(one, key=s2.key, cert_der=s2.der, chain=pki.chain, field_name="Signature2")
    damaged = two.replace(b"/Type /Pages", b"/Type .Pages", 1)
    assert damaged != two
    report = verify_pdf(damaged, trust=pki.trust())
    assert report.indication is Indication.TOTAL_FAILED, report.message
