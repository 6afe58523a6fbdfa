"""Bad input: every case gives a report with a clear sub-indication, never an exception."""

from __future__ import annotations

import io
import re
import time

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rawpdf import set_byte_range, signature_shaped

from esealkit.engine import verify_pdf
from esealkit.pdf.sign import sign_pdf
from esealkit.report import Indication, SubIndication
from esealkit.testing import simple_pdf

PAGE = simple_pdf(["bad input tests"])


@pytest.fixture(scope="module")
def signed(pki) -> bytes:
    s = pki.signers["ecdsa-p256"]
    return sign_pdf(PAGE, key=s.key, cert_der=s.der, chain=pki.chain)


def _verdict(data: bytes, pki) -> tuple[Indication, SubIndication | None, str]:
    report = verify_pdf(data, trust=pki.trust())
    return report.indication, report.sub_indication, report.message


def test_truncated(pki, signed):
    for cut in (10, len(signed) // 3, len(signed) - 20):
        indication, sub, message = _verdict(signed[:cut], pki)
        assert indication is not Indication.TOTAL_PASSED
        assert sub in (SubIndication.FORMAT_FAILURE, SubIndication.NO_SIGNATURE_FOUND), (cut, sub, message)


def test_not_a_pdf(pki):
    assert _verdict(b"hello world", pki)[1] is SubIndication.FORMAT_FAILURE
    assert _verdict(b"", pki)[1] is SubIndication.FORMAT_FAILURE


def test_encrypted(pki, signed):
    pdf = pikepdf.open(io.BytesIO(signed))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="o", user="u"))
    _indication, sub, message = _verdict(out.getvalue(), pki)
    assert sub is SubIndication.FORMAT_FAILURE and "encrypted" in message


def test_no_signature(pki):
    indication, sub, _ = _verdict(PAGE, pki)
    assert (indication, sub) == (Indication.TOTAL_FAILED, SubIndication.NO_SIGNATURE_FOUND)


def test_broken_xref(pki, signed):
    broken = re.sub(rb"startxref\s+\d+", b"startxref\n999999", signed)
    assert _verdict(broken, pki)[1] is SubIndication.FORMAT_FAILURE


@pytest.mark.parametrize(
    "byte_range",
    [
        b"1 100 200 50",  # does not start at 0
        b"0 100 50 50",  # overlapping
        b"0 -5 200 10",  # negative
        b"0 100 200 99999999",  # past the end of the file
        b"0 100 101 10",  # no room for /Contents
        b"0 100 200",  # three values
        b"0 100 200 10 300 10",  # three ranges
        b"0 100 /Foo 10",  # not an integer
        b"0 1.5 200 10",  # a real
    ],
)
def test_absurd_byte_ranges(pki, byte_range):
    base = signature_shaped(b"3000" * 8)
    assert _verdict(set_byte_range(base, byte_range), pki)[1] is SubIndication.FORMAT_FAILURE


def test_a_signature_qpdf_cannot_parse_is_named_not_dropped(pki):
    # qpdf 12 reads an object whose number overflows 64 bits as null ("treating object as
    # null because of error during parsing"): the document must not pass as unsigned
    huge = b"99999999999999999999999"
    _indication, sub, message = _verdict(signature_shaped(b"3000", byte_range=b"[0 %s %s 5]" % (huge, huge)), pki)
    assert sub is SubIndication.FORMAT_FAILURE and "5 0" in message, message


def test_byte_range_gap_not_the_contents(pki, signed):
    doc = re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)", signed)
    assert doc is not None
    b, c, d = (int(x) for x in doc.groups())
    # Shift the gap by one byte: the signed ranges now include a byte of the hex string.
    shifted = set_byte_range(signed, b"0 %d %d %d" % (b + 1, c, d))
    assert _verdict(shifted, pki)[1] is SubIndication.FORMAT_FAILURE


def test_missing_byte_range_and_contents(pki):
    no_range = signature_shaped(b"3000", byte_range=b"").replace(b"/ByteRange ", b"")
    assert _verdict(no_range, pki)[1] is SubIndication.FORMAT_FAILURE


@pytest.mark.parametrize("contents", [b"", b"00" * 64, b"3003020100" + b"00" * 10, b"deadbeef" * 50])
def test_cms_that_does_not_parse(pki, contents):
    _indication, sub, message = _verdict(signature_shaped(contents), pki)
    assert sub is SubIndication.FORMAT_FAILURE, message


def test_huge_contents_is_refused_quickly(pki):
    start = time.perf_counter()
    data = signature_shaped(b"30" + b"00" * (50 * 1024 * 1024))
    _indication, sub, message = _verdict(data, pki)
    assert sub is SubIndication.FORMAT_FAILURE and "limit" in message
    assert time.perf_counter() - start < 30


def test_cycle_in_fields(pki):
    from rawpdf import build

    pdf = build({
        1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        4: b"<< /FT /Sig /T (a) /Kids [5 0 R] >>",
        5: b"<< /T (b) /Kids [4 0 R] /Parent 4 0 R >>",
    })
    assert _verdict(pdf, pki)[1] is SubIndication.NO_SIGNATURE_FOUND


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutating_the_signed_range_never_passes_and_never_raises(pki, signed, data):
    m = re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)", signed)
    assert m is not None
    b, c, d = (int(x) for x in m.groups())
    position = data.draw(st.one_of(st.integers(0, b - 1), st.integers(c, c + d - 1)))
    value = data.draw(st.integers(0, 255).filter(lambda v: v != signed[position]))
    mutated = signed[:position] + bytes([value]) + signed[position + 1:]
    report = verify_pdf(mutated, trust=pki.trust())
    assert report.indication is not Indication.TOTAL_PASSED


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutating_anywhere_never_raises(pki, signed, data):
    start = data.draw(st.integers(0, len(signed) - 1))
    length = data.draw(st.integers(1, 16))
    junk = data.draw(st.binary(min_size=length, max_size=length))
    mutated = signed[:start] + junk + signed[start + length:]
    report = verify_pdf(mutated, trust=pki.trust())
    assert report.indication in set(Indication)


def test_a_failing_revision_analysis_costs_its_check_not_the_run(pki, signed, monkeypatch):
    # a defect in the revision analysis (esealkit's or a library's) must not raise out of
    # the engine: the signatures it concerns get an indeterminate modifications check
    import esealkit.pdf.verify as verify_module

    s = pki.signers["rsa"]
    twice = sign_pdf(signed, key=s.key, cert_der=s.der, chain=pki.chain, field_name="Second")

    def broken(*args, **kwargs):
        raise RuntimeError("a defect")

    monkeypatch.setattr(verify_module, "analyse_changes", broken)
    report = verify_pdf(twice, trust=pki.trust())
    first, second = report.signatures
    check = next(c for c in first.checks if c.name == "modifications")
    assert check.indication is Indication.INDETERMINATE and "a defect" in check.message
    assert next(c for c in second.checks if c.name == "modifications").indication is Indication.TOTAL_PASSED
    assert report.indication is Indication.INDETERMINATE
