"""ASN.1 round trips: any SES structure built from the specs parses back to the same values,
and re-encoding a parsed structure gives the same bytes (parse(build(x)) == x)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from asn1crypto import core, x509
from hypothesis import given, settings
from hypothesis import strategies as st

from esealkit.errors import MalformedInput
from esealkit.seals import asn1, detect_kind, parse_seal, parse_seal_signature

ascii_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
times = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2049, 12, 31)).map(
    lambda t: t.replace(microsecond=0, tzinfo=UTC))
octets = st.binary(min_size=1, max_size=64)
ext_datas = st.lists(st.tuples(st.sampled_from(["1.2.3.4", "1.2.156.10197.1.401"]), st.booleans(), octets), max_size=2)


def _info(spec: type, version: int, es_id: str, vid: str, type_: int, name: str, prop_extra: dict,
          dates: tuple[datetime, datetime, datetime], picture: tuple[str, bytes, int, int],
          exts: list[tuple[str, bool, bytes]], time_kind: str) -> core.Sequence:
    created, start, end = dates
    prop = {"type": type_, "name": name, **prop_extra,
            "create_date": x509.Time(name=time_kind, value=created),
            "valid_start": x509.Time(name=time_kind, value=start),
            "valid_end": x509.Time(name=time_kind, value=end)}
    info = spec({"header": {"id": "ES", "version": version, "vid": vid}, "es_id": es_id, "property": prop,
                 "picture": {"type": picture[0], "data": picture[1], "width": picture[2], "height": picture[3]}})
    if exts:
        info["ext_datas"] = [{"extn_id": o, "critical": c, "extn_value": v} for o, c, v in exts]
    return info


@settings(max_examples=60, deadline=None)
@given(version=st.sampled_from([4, 5]), es_id=ascii_text, vid=ascii_text, type_=st.integers(-5, 10**6),
       name=st.text(max_size=30), dates=st.tuples(times, times, times), certs=st.lists(octets, min_size=1, max_size=3),
       digests=st.booleans(), picture=st.tuples(ascii_text, octets, st.integers(0, 500), st.integers(0, 500)),
       exts=ext_datas, cert=octets, value=octets, timestamp=st.one_of(st.none(), octets))
def test_v4_seal_round_trip(version: int, es_id: str, vid: str, type_: int, name: str,
                            dates: tuple[datetime, datetime, datetime], certs: list[bytes], digests: bool,
                            picture: tuple[str, bytes, int, int], exts: list[tuple[str, bool, bytes]],
                            cert: bytes, value: bytes, timestamp: bytes | None) -> None:
    if digests:
        cert_list = asn1.CertDigestList([{"type": "sm3", "value": c} for c in certs])
    else:
        cert_list = asn1.CertInfoList(certs)
    info = _info(asn1.SESSealInfoV4, version, es_id, vid, type_, name,
                 {"cert_list_type": 2 if digests else 1, "cert_list": core.Any.load(cert_list.dump())},
                 dates, picture, exts, "general_time")
    fields = {"seal_info": info, "cert": cert, "sign_alg": "1.2.156.10197.1.501", "signed_value": value}
    if timestamp is not None:
        fields["timestamp"] = timestamp
    der = asn1.SESSealV4(fields).dump()
    seal = parse_seal(der)
    assert detect_kind(der) == "seal"
    assert (seal.es_id, seal.vendor_id, seal.type, seal.name) == (es_id, vid, type_, name)
    assert (seal.created, seal.valid_from, seal.valid_to) == dates
    assert (seal.picture.type, seal.picture.data, seal.picture.width_mm, seal.picture.height_mm) == picture
    assert seal.maker_cert == cert and seal.signed_value == value and seal.timestamp == timestamp
    assert [(e.oid, e.critical, e.value) for e in seal.ext_datas] == exts
    if digests:
        assert [d.value for d in seal.signer_cert_digests] == certs and seal.signer_certs == ()
    else:
        assert list(seal.signer_certs) == certs
    assert seal.tbs == info.dump() and seal.der == der
    assert asn1.SESSealV4.load(der).dump(force=True) == der
    # a v4 signature around it
    tbs = asn1.TBSSignV4({"version": version, "eseal": asn1.SESSealV4.load(der),
                          "time_info": x509.Time(name="general_time", value=dates[0]),
                          "data_hash": value, "property_info": es_id})
    if exts:
        tbs["ext_datas"] = [{"extn_id": o, "critical": c, "extn_value": v} for o, c, v in exts]
    sig_fields = {"to_sign": tbs, "cert": cert, "sign_alg": "1.2.156.10197.1.501", "signature": value}
    if timestamp is not None:
        sig_fields["timestamp"] = timestamp
    sig_der = asn1.SESSignatureV4(sig_fields).dump()
    sig = parse_seal_signature(sig_der)
    assert detect_kind(sig_der) == "signature"
    assert sig.seal.der == der and sig.signing_time == dates[0] and sig.property_info == es_id
    assert sig.timestamp == timestamp and sig.tbs == tbs.dump() and len(sig.ext_datas) == len(exts)
    assert asn1.SESSignatureV4.load(sig_der).dump(force=True) == sig_der


@settings(max_examples=40, deadline=None)
@given(es_id=ascii_text, type_=st.integers(0, 3), name=st.text(max_size=20),
       dates=st.tuples(times, times, times), certs=st.lists(octets, max_size=2), cert=octets, value=octets,
       time_as_octets=st.booleans())
def test_v1_seal_and_signature_round_trip(es_id: str, type_: int, name: str, dates: tuple[datetime, datetime, datetime],
                                          certs: list[bytes], cert: bytes, value: bytes, time_as_octets: bool) -> None:
    info = _info(asn1.SESSealInfoV1, 1, es_id, "vendor", type_, name,
                 {"cert_list": [core.OctetString(c) for c in certs]}, dates, ("PNG", b"x", 10, 10), [], "utc_time")
    der = asn1.SESSealV1({"seal_info": info,
                          "sign_info": {"cert": cert, "sign_alg": "1.2.156.10197.1.501", "signed_value": value}}).dump()
    seal = parse_seal(der)
    assert seal.version == 1 and list(seal.signer_certs) == certs and (seal.created, seal.valid_from, seal.valid_to) == dates
    assert seal.tbs.endswith(core.OctetString(cert).dump() + core.ObjectIdentifier("1.2.156.10197.1.501").dump())
    stamp = dates[1].strftime("%Y-%m-%dT%H:%M:%S.000Z").encode()
    time_info = core.OctetString(stamp) if time_as_octets else core.OctetBitString(stamp)
    tbs = asn1.TBSSignV1({"version": 1, "eseal": asn1.SESSealV1.load(der), "time_info": time_info,
                          "data_hash": core.OctetBitString(value), "property_info": "/Doc_0/Signs/Sign_0/Signature.xml",
                          "cert": cert, "sign_alg": "1.2.156.10197.1.501"})
    sig_der = asn1.SESSignatureV1({"to_sign": tbs, "signature": value}).dump()
    sig = parse_seal_signature(sig_der)
    assert sig.structure_version == 1 and sig.signing_time == dates[1] and sig.data_hash == value
    assert sig.signer_cert == cert and sig.seal.der == der
    assert asn1.SESSignatureV1.load(sig_der).dump(force=True) == sig_der


@pytest.mark.parametrize("der", [b"", b"\x30\x00", b"\x30\x03\x02\x01\x01", b"\x04\x00", b"\x30\x80\x00\x00"],
                         ids=["empty", "empty-sequence", "one-integer", "octet-string", "indefinite"])
def test_not_ses_structures(der: bytes) -> None:
    for call in (parse_seal, parse_seal_signature, detect_kind):
        with pytest.raises(MalformedInput):
            call(der)


def test_unused_bits_are_refused() -> None:
    bits = core.OctetBitString(b"\x01\x02")
    bits.contents = b"\x01\x01\x02"  # one unused bit
    sign_info = {"cert": b"c", "sign_alg": "1.2.156.10197.1.501", "signed_value": bits}
    info = _info(asn1.SESSealInfoV1, 1, "id", "v", 1, "n", {"cert_list": []},
                 (datetime(2020, 1, 1, tzinfo=UTC),) * 3, ("PNG", b"x", 1, 1), [], "utc_time")
    with pytest.raises(MalformedInput, match="unused bits"):
        parse_seal(asn1.SESSealV1({"seal_info": info, "sign_info": sign_info}).dump())
