"""Tampering with any byte of a seal or seal signature never yields TOTAL_PASSED, and the
parsers never raise anything but MalformedInput (exhaustive single-byte flips plus hypothesis)."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from seal_helpers import SIGNING_TIME, build_seal, seal_pki

from esealkit.errors import MalformedInput
from esealkit.pki import PathValidator
from esealkit.policy import DEFAULT_POLICY
from esealkit.report import Indication, SignatureReport
from esealkit.seals import (
    Seal,
    parse_seal,
    parse_seal_signature,
    sign_with_seal,
    verify_seal,
    verify_seal_signature,
)

DATA = b"signed original"


@cache
def _material(kind: str) -> tuple[Seal, bytes, PathValidator]:
    pki = seal_pki(kind)
    seal = build_seal(pki)
    sig = sign_with_seal(seal, signer_key=pki.signer.key, signer_cert_der=pki.signer.der, data=DATA,
                         property_info="/Doc_0/Signs/Sign_0/Signature.xml", signing_time=SIGNING_TIME)
    return seal, sig, PathValidator(pki.trust, DEFAULT_POLICY)


def _flip(der: bytes, index: int, mask: int = 0xFF) -> bytes:
    out = bytearray(der)
    out[index] ^= mask
    return bytes(out)


def _seal_verdict(der: bytes, validator: PathValidator) -> Indication:
    try:
        parse_seal(der)
    except MalformedInput:
        pass
    return verify_seal(der, at=SIGNING_TIME, trust=validator).indication


def _signature_verdict(der: bytes, validator: PathValidator) -> Indication:
    try:
        parse_seal_signature(der)
    except MalformedInput:
        pass
    return verify_seal_signature(der, data=DATA, trust=validator).indication


def test_untampered_material_passes() -> None:
    # Without this the properties below could hold for the wrong reason.
    for kind in ("ecdsa-p256", "sm2"):
        seal, sig, validator = _material(kind)
        assert _seal_verdict(seal.der, validator) is Indication.TOTAL_PASSED
        assert _signature_verdict(sig, validator) is Indication.TOTAL_PASSED


def _caught_without_trust(report: SignatureReport) -> bool:
    return any(c.indication is not Indication.TOTAL_PASSED for c in report.checks if not c.name.endswith("_trust"))


def _maker_cert_span(der: bytes, seal: Seal) -> range:
    start = der.find(seal.maker_cert)
    assert start >= 0
    return range(start, start + len(seal.maker_cert))


@pytest.mark.slow
def test_every_single_byte_flip_of_a_seal_fails() -> None:
    # v4 makers sign SES_SealInfo only, so a flip inside the maker certificate is caught by
    # the maker's X.509 path; every other flip is caught without trust anchors.
    seal, _, validator = _material("ecdsa-p256")
    cert_span = _maker_cert_span(seal.der, seal)
    for i in range(len(seal.der)):
        damaged = _flip(seal.der, i)
        report = verify_seal(damaged, at=SIGNING_TIME)
        if _caught_without_trust(report):
            continue
        assert i in cert_span, f"byte {i} flipped and no trust-independent check failed"
        assert _seal_verdict(damaged, validator) is not Indication.TOTAL_PASSED, i


@pytest.mark.slow
def test_every_single_byte_flip_of_a_seal_signature_fails() -> None:
    seal, sig, validator = _material("ecdsa-p256")
    cert_span = _maker_cert_span(sig, seal)
    for i in range(len(sig)):
        damaged = _flip(sig, i)
        report = verify_seal_signature(damaged, data=DATA)
        if _caught_without_trust(report):
            continue
        assert i in cert_span, f"byte {i} flipped and no trust-independent check failed"
        assert _signature_verdict(damaged, validator) is not Indication.TOTAL_PASSED, i


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_sm2_seal_signature_random_damage_fails(data: st.DataObject) -> None:
    _, sig, validator = _material("sm2")
    index = data.draw(st.integers(0, len(sig) - 1))
    mask = data.draw(st.integers(1, 255))
    assert _signature_verdict(_flip(sig, index, mask), validator) is not Indication.TOTAL_PASSED


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_parsers_only_raise_malformed_input_on_garbage(blob: bytes) -> None:
    for parse in (parse_seal, parse_seal_signature):
        try:
            parse(blob)
        except MalformedInput:
            pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_parsers_only_raise_malformed_input_on_damaged_der(data: st.DataObject) -> None:
    seal, sig, _ = _material("ecdsa-p256")
    source = data.draw(st.sampled_from([seal.der, sig]))
    start = data.draw(st.integers(0, len(source) - 1))
    end = data.draw(st.integers(start, min(len(source), start + 8)))
    replacement = data.draw(st.binary(max_size=8))
    damaged = source[:start] + replacement + source[end:]
    for parse in (parse_seal, parse_seal_signature):
        try:
            parse(damaged)
        except MalformedInput:
            pass
    # the verifiers turn every kind of damage into a report
    assert verify_seal(damaged, at=SIGNING_TIME).checks
    assert verify_seal_signature(damaged, data=DATA).checks


def _check_of(report: SignatureReport, name: str) -> Indication:
    return next(c.indication for c in report.checks if c.name == name)


def test_seal_caches_never_answer_for_other_bytes() -> None:
    """The embedded seal and its maker check are kept per exact seal bytes across
    documents: a seal whose maker signature lost one bit is read and checked afresh,
    whichever of the two was verified first."""
    seal, sig, validator = _material("sm2")
    at = sig.index(seal.signed_value) + len(seal.signed_value) - 1
    forged = _flip(sig, at, 0x01)
    for order in ((sig, forged), (forged, sig), (sig, forged)):
        verdicts = [_check_of(verify_seal_signature(der, data=DATA, trust=validator), "seal_maker_signature")
                    for der in order]
        assert verdicts == [Indication.TOTAL_PASSED if der == sig else Indication.TOTAL_FAILED for der in order]
    assert parse_seal_signature(forged).seal.signed_value != parse_seal_signature(sig).seal.signed_value


@pytest.mark.parametrize("kind", ["ecdsa-p256", "sm2"])
def test_a_seal_signature_naming_another_kind_of_key_fails(kind: str) -> None:
    # the maker's value checked as RSA over an EC key: a forged seal must fail, not be
    # "indeterminate" because the key does not fit the algorithm (the twenty-third review)
    from esealkit.report import SubIndication
    from esealkit.seals._checks import _value_check

    seal, _, _ = _material(kind)
    check = _value_check("seal_maker_signature", SubIndication.SEAL_INVALID, seal.maker_cert,
                         "1.2.840.113549.1.1.11", seal.signed_value, (seal.tbs,), ["SES_SealInfo"], "seal maker")
    assert (check.indication, check.sub_indication) == (Indication.TOTAL_FAILED, SubIndication.SEAL_INVALID), check
