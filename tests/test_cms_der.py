"""The strict DER walker behind esealkit.cms: a SignedData read by hand gives exactly what
asn1crypto reads from the same bytes, and malformed DER raises MalformedInput (nothing else)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from asn1crypto import cms as a_cms
from asn1crypto import core, crl, parser, x509
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esealkit import _der, cms, crypto
from esealkit.crypto import SM2_WITH_SM3, SignatureAlgorithm
from esealkit.errors import MalformedInput
from esealkit.pdf.sign import sign_pdf
from esealkit.report import Indication, SubIndication
from esealkit.testing import Issued, simple_pdf, timestamper

SIGNED_AT = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
CONTENT = b"the signed bytes"
_SIG_OIDS = {"rsa": "1.2.840.113549.1.1.11", "ecdsa-p256": "1.2.840.10045.4.3.2", "sm2": SM2_WITH_SM3}
_DIGESTS = {"rsa": "sha256", "ecdsa-p256": "sha256", "sm2": "sm3"}
_DIGEST_OIDS = {"sha256": "2.16.840.1.101.3.4.2.1", "sm3": "1.2.156.10197.1.401"}


# --- building test input ---------------------------------------------------------------

def _tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + body


def _split(tlv: bytes) -> tuple[int, list[bytes]]:
    """(first octet, child TLVs) of a constructed TLV, read with asn1crypto's parser."""
    _, _, _, _, contents, _ = parser.parse(tlv)
    kids, pos = [], 0
    while pos < len(contents):
        _, _, _, header, body, _ = parser.parse(contents[pos:])
        kids.append(contents[pos:pos + len(header) + len(body)])
        pos += len(header) + len(body)
    return tlv[0], kids


def _edit(der: bytes, path: Sequence[int], change: Callable[[bytes], bytes]) -> bytes:
    """``der`` with the TLV at ``path`` (child indices, outermost first) replaced by
    ``change(tlv)``; the lengths of the enclosing TLVs are re-encoded to fit."""
    if not path:
        return change(der)
    tag, kids = _split(der)
    kids[path[0]] = _edit(kids[path[0]], path[1:], change)
    return _tlv(tag, b"".join(kids))


def _body(tlv: bytes) -> bytes:
    _, _, _, _, contents, _ = parser.parse(tlv)
    return bytes(contents)


def _signed_data(who: Issued, kind: str, *, ski: bool = False, attached: bytes | None = None,
                 gm: bool = False, with_attrs: bool = True, ess: str = "v2", crls: Sequence[bytes] = (),
                 extra_attrs: Sequence[dict[str, Any]] = ()) -> bytes:
    """A ContentInfo/SignedData made here with asn1crypto, signed with ``who``."""
    digest = _DIGESTS[kind]
    cert = who.certificate
    data_oid = "1.2.156.10197.6.1.4.2.1" if gm else "1.2.840.113549.1.7.1"
    attrs: list[dict[str, Any]] = [
        {"type": "content_type", "values": [data_oid]},
        {"type": "message_digest", "values": [crypto.digest(digest, CONTENT)]},
        {"type": "signing_time", "values": [a_cms.Time({"utc_time": SIGNED_AT})]},
    ]
    if ess == "v2":
        attrs.append({"type": "signing_certificate_v2", "values": [{"certs": [{
            "hash_algorithm": {"algorithm": "sha384"}, "cert_hash": crypto.digest("sha384", who.der),
            "issuer_serial": {"issuer": [x509.GeneralName({"directory_name": cert.issuer})],
                              "serial_number": cert.serial_number}}]}]})
    elif ess == "v1":
        attrs.append({"type": "signing_certificate", "values": [{"certs": [{"cert_hash": crypto.digest("sha1", who.der)}]}]})
    attrs.extend(extra_attrs)
    signed_attrs = a_cms.CMSAttributes(attrs)
    algorithm = SignatureAlgorithm.from_oid(_SIG_OIDS[kind], digest=digest)
    signature = crypto.sign(who.key, algorithm, signed_attrs.dump() if with_attrs else CONTENT)
    sid = (a_cms.SignerIdentifier({"subject_key_identifier": cert.key_identifier}) if ski else
           a_cms.SignerIdentifier({"issuer_and_serial_number": {"issuer": cert.issuer, "serial_number": cert.serial_number}}))
    signer_info: dict[str, Any] = {
        "version": "v3" if ski else "v1", "sid": sid,
        "digest_algorithm": {"algorithm": _DIGEST_OIDS[digest]},
        "signature_algorithm": {"algorithm": _SIG_OIDS[kind]}, "signature": signature,
    }
    if with_attrs:
        signer_info["signed_attrs"] = signed_attrs
    encap = core.ObjectIdentifier(data_oid).dump()
    if attached is not None:
        encap += _tlv(0xA0, core.OctetString(attached).dump())
    sd = a_cms.SignedData({
        "version": "v1",
        "digest_algorithms": [{"algorithm": signer_info["digest_algorithm"]["algorithm"]}],
        "encap_content_info": a_cms.ContentInfo.load(_tlv(0x30, encap)),
        "certificates": [cert],
        "signer_infos": [signer_info],
        **({"crls": [a_cms.RevocationInfoChoice({"crl": crl.CertificateList.load(c)}) for c in crls]} if crls else {}),
    })
    outer = "1.2.156.10197.6.1.4.2.2" if gm else "1.2.840.113549.1.7.2"
    return _tlv(0x30, core.ObjectIdentifier(outer).dump() + _tlv(0xA0, sd.dump()))


def _pdf_contents(pdf: bytes) -> bytes:
    """The last /Contents of a PDF pyHanko signed (found directly, not by the reader)."""
    found = re.findall(rb"/Contents\s*<([0-9a-fA-F]+)>", pdf)
    return bytes.fromhex(found[-1].decode())


# --- what asn1crypto reads ---------------------------------------------------------------

class _Encap(core.Sequence):  # type: ignore[misc]
    _fields = [("content_type", core.ObjectIdentifier), ("content", core.OctetString, {"explicit": 0, "optional": True})]


class _Attribute(core.Sequence):  # type: ignore[misc]
    _fields = [("type", core.ObjectIdentifier), ("values", core.SetOf, {"spec": core.Any})]


def _attrs(value: core.Asn1Value) -> dict[str, tuple[bytes, ...]]:
    if isinstance(value, core.Void):
        return {}
    out = {}
    for attr in value:
        parsed = _Attribute.load(attr.dump())
        out[parsed["type"].dotted] = tuple(v.dump() for v in parsed["values"])
    return out


def _key_identifier(cert: x509.Certificate) -> bytes | None:
    """The subject key identifier, reading no other extension (a damaged one elsewhere in
    a certificate is the path validator's business, not the signer lookup's)."""
    for ext in cert["tbs_certificate"]["extensions"]:
        if ext["extn_id"].dotted == "2.5.29.14":
            return bytes(core.OctetString.load(ext["extn_value"].contents).native)
    return None


def _reference(data: bytes) -> dict[str, Any]:
    """The fields of SignedDataInfo, read by asn1crypto (strictly: every element is read)."""
    _, _, _, header, contents, trailer = parser.parse(data)  # (trailer: BER's end-of-contents octets)
    info = a_cms.ContentInfo.load(data[:len(header) + len(contents) + len(trailer)], strict=True)
    sd = info["content"]
    if isinstance(sd, core.Any):  # a GM/T 0010 content type: asn1crypto has no spec for it
        sd = sd.parse(a_cms.SignedData)
    si = sd["signer_infos"][0]
    certs = tuple(c.chosen.dump() for c in sd["certificates"] if c.name == "certificate") \
        if not isinstance(sd["certificates"], core.Void) else ()
    sid = si["sid"]
    signer = None
    for der in certs:
        cert = x509.Certificate.load(der)
        if sid.name == "subject_key_identifier" and _key_identifier(cert) == sid.chosen.native:
            signer = der
        if sid.name == "issuer_and_serial_number" and cert.serial_number == sid.chosen["serial_number"].native \
                and cert.issuer == sid.chosen["issuer"]:
            signer = der
        if signer:
            break
    encap = _Encap.load(sd["encap_content_info"].dump())
    params = si["signature_algorithm"]["parameters"]
    unsigned = _attrs(si["unsigned_attrs"])
    return {
        "signer_cert_der": signer,
        "certificates": certs,
        "digest_algorithm": crypto.digest_name(si["digest_algorithm"]["algorithm"].dotted),
        "signature_algorithm": si["signature_algorithm"]["algorithm"].dotted,
        # (under an algorithm asn1crypto does not know, a NULL comes back as Any: absent all the same)
        "signature_parameters": None if isinstance(params, core.Void | core.Null) or params.dump() == b"\x05\x00"
        else params.dump(),
        "signature": bytes(si["signature"].contents),
        "signed_attrs": None if isinstance(si["signed_attrs"], core.Void) else b"\x31" + si["signed_attrs"].dump()[1:],
        "attributes": _attrs(si["signed_attrs"]),
        "content_type": encap["content_type"].dotted,
        "content": None if isinstance(encap["content"], core.Void) else encap["content"].native,
        "timestamp_token": unsigned.get("1.2.840.113549.1.9.16.2.14", (None,))[0],
        "crls": tuple(c.chosen.dump() for c in sd["crls"] if c.name == "crl") if not isinstance(sd["crls"], core.Void) else (),
        "signer_count": len(sd["signer_infos"]),
    }


def _ours(data: bytes) -> dict[str, Any]:
    info = cms.parse_signed_data(data)
    return {name: getattr(info, name) for name in _reference_names()}


def _reference_names() -> tuple[str, ...]:
    return ("signer_cert_der", "certificates", "digest_algorithm", "signature_algorithm", "signature_parameters",
            "signature", "signed_attrs", "attributes", "content_type", "content", "timestamp_token", "crls",
            "signer_count")


# --- fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdf_cms(pki: Any) -> dict[str, bytes]:
    """CMS made by pyHanko (through sign_pdf) for each kind of key, and an RFC 3161 token."""
    out = {}
    for kind in ("rsa", "rsa-pss", "ecdsa-p256", "ecdsa-p384", "ed25519", "sm2"):
        s = pki.signers[kind]
        out[kind] = _pdf_contents(sign_pdf(simple_pdf([kind]), key=s.key, cert_der=s.der, chain=pki.chain,
                                           pss=kind == "rsa-pss"))
    s = pki.signers["rsa"]
    out["timestamped"] = _pdf_contents(sign_pdf(simple_pdf(["ts"]), key=s.key, cert_der=s.der, chain=pki.chain,
                                                timestamper=timestamper(pki.tsa, chain=[pki.root.der])))
    token = cms.parse_signed_data(out["timestamped"]).timestamp_token
    assert token is not None
    out["token"] = token
    return out


@pytest.fixture(scope="module")
def made_cms(pki: Any) -> dict[str, bytes]:
    """CMS made here: RSA, ECDSA and SM2; both kinds of signer identifier; attached and
    detached content; GM/T 0010 OIDs; ESS v1 and v2; no signed attributes; CRLs."""
    ca_crl = pki.ca.crl(this_update=pki.now)
    return {
        "rsa": _signed_data(pki.signers["rsa"], "rsa"),
        "ecdsa-ski": _signed_data(pki.signers["ecdsa-p256"], "ecdsa-p256", ski=True, ess="v1"),
        "sm2-gm-attached": _signed_data(pki.signers["sm2"], "sm2", gm=True, attached=CONTENT),
        "sm2-no-attrs": _signed_data(pki.signers["sm2"], "sm2", gm=True, attached=CONTENT, with_attrs=False, ess=""),
        "ecdsa-crls": _signed_data(pki.signers["ecdsa-p256"], "ecdsa-p256", crls=[ca_crl], ess=""),
    }


# --- round trips ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["rsa", "rsa-pss", "ecdsa-p256", "ecdsa-p384", "ed25519", "sm2", "timestamped", "token"])
def test_pyhanko_cms_reads_as_asn1crypto_reads_it(pdf_cms: dict[str, bytes], name: str) -> None:
    data = pdf_cms[name]
    assert _ours(data) == _reference(data)
    info = cms.parse_signed_data(data)
    if name != "token":
        assert info.signer_cert_der is not None
    # The asn1crypto views are still there, on demand, over the same bytes.
    assert info.signed_data.dump() == info.signed_data_der
    assert info.signer_info["signature"].contents == info.signature


@pytest.mark.parametrize("name", ["rsa", "ecdsa-ski", "sm2-gm-attached", "sm2-no-attrs", "ecdsa-crls"])
def test_made_cms_reads_as_asn1crypto_reads_it_and_verifies(made_cms: dict[str, bytes], name: str) -> None:
    data = made_cms[name]
    assert _ours(data) == _reference(data)
    info = cms.parse_signed_data(data)
    assert info.signer_cert_der is not None
    checks = cms.check_signed_data(info, content=CONTENT)
    assert all(c.indication is Indication.TOTAL_PASSED for c in checks), checks
    names = [c.name for c in checks]
    assert names[-1] == "signature_value"
    if name in ("rsa", "ecdsa-ski"):
        assert "signing_certificate_attribute" in names
        assert info.signing_time == SIGNED_AT


def test_zero_padding_is_accepted_and_other_trailing_bytes_are_not(made_cms: dict[str, bytes]) -> None:
    data = made_cms["rsa"]
    assert _ours(data + bytes(100)) == _reference(data)
    with pytest.raises(MalformedInput):
        cms.parse_signed_data(data + b"\x00\x01")


def test_ess_attribute_naming_another_certificate_fails(pki: Any) -> None:
    other = pki.signers["rsa"].der
    changed = {"type": "signing_certificate", "values": [{"certs": [{"cert_hash": crypto.digest("sha1", other)}]}]}
    data = _signed_data(pki.signers["ecdsa-p256"], "ecdsa-p256", ess="", extra_attrs=[changed])
    checks = {c.name: c for c in cms.check_signed_data(cms.parse_signed_data(data), content=CONTENT)}
    assert checks["signing_certificate_attribute"].sub_indication is SubIndication.SIG_CONSTRAINTS_FAILURE


@pytest.mark.parametrize("params", [b"\x30\x04\xa0\x02\x05\x00", b"\x30\x05\xa0\x03\x30\x01\x00"])
def test_damaged_pss_parameters_fail_the_signature_check_without_raising(pdf_cms: dict[str, bytes], params: bytes) -> None:
    data = _edit(pdf_cms["rsa-pss"], [1, 0, 4, 0, 4], lambda t: _tlv(0x30, _split(t)[1][0] + params))
    info = cms.parse_signed_data(data)
    digest = _body(info.attributes["1.2.840.113549.1.9.4"][0])
    last = cms.check_signed_data(info, content_digest=digest)[-1]
    assert (last.name, last.sub_indication) == ("signature_value", SubIndication.FORMAT_FAILURE)


def test_pss_parameters_that_are_no_sequence_are_malformed(pdf_cms: dict[str, bytes]) -> None:
    data = _edit(pdf_cms["rsa-pss"], [1, 0, 4, 0, 4], lambda t: _tlv(0x30, _split(t)[1][0] + b"\x02\x01\x00"))
    with pytest.raises(MalformedInput, match="parameters"):
        cms.parse_signed_data(data)


# --- rejection of malformed DER ------------------------------------------------------------

# Paths: ContentInfo [1] → [0] wrapper [1, 0] → SignedData; its children: version 0,
# digestAlgorithms 1, encapContentInfo 2, certificates 3, signerInfos 4.
SIGNED_DATA = [1, 0]
SIGNER_INFO = [1, 0, 4, 0]  # children: version, sid, digestAlgorithm, signedAttrs, signatureAlgorithm, signature


def _append(extra: bytes) -> Callable[[bytes], bytes]:
    return lambda tlv: _tlv(tlv[0], _body(tlv) + extra)


def _retag(tag: int) -> Callable[[bytes], bytes]:
    return lambda tlv: _tlv(tag, _body(tlv))


MALFORMED: dict[str, tuple[list[int], Callable[[bytes], bytes]]] = {
    "extra element in ContentInfo": ([], _append(b"\x05\x00")),
    "extra element in the [0] wrapper": ([1], _append(b"\x05\x00")),
    "extra element in SignedData": (SIGNED_DATA, _append(b"\x05\x00")),
    "extra element in SignerInfo": (SIGNER_INFO, _append(b"\x05\x00")),
    "extra element in encapContentInfo": ([*SIGNED_DATA, 2], _append(b"\x05\x00")),
    "extra element in IssuerAndSerialNumber": ([*SIGNER_INFO, 1], _append(b"\x05\x00")),
    "extra element after algorithm parameters": ([*SIGNER_INFO, 4], _append(b"\x05\x00\x05\x00")),
    "extra element in an attribute": ([*SIGNER_INFO, 3, 0], _append(b"\x05\x00")),
    "a stray byte in SignerInfo": (SIGNER_INFO, _append(b"\x00")),
    "a stray byte in the signed attributes": ([*SIGNER_INFO, 3], _append(b"\x31")),
    "signature as a BIT STRING": ([*SIGNER_INFO, 5], _retag(0x03)),
    "signature constructed": ([*SIGNER_INFO, 5], lambda t: _tlv(0x24, core.OctetString(_body(t)).dump())),
    "version not an INTEGER": ([*SIGNER_INFO, 0], _retag(0x04)),
    "an empty INTEGER": ([*SIGNER_INFO, 0], lambda t: b"\x02\x00"),
    "signer identifier [1]": ([*SIGNER_INFO, 1], _retag(0x81)),
    "signerInfos a SEQUENCE": ([*SIGNED_DATA, 4], _retag(0x30)),
    "no SignerInfo": ([*SIGNED_DATA, 4], lambda t: b"\x31\x00"),
    "a SignerInfo not a SEQUENCE": ([*SIGNED_DATA, 4], _append(b"\x05\x00")),
    "a certificate choice of another tag": ([*SIGNED_DATA, 3], _append(b"\x02\x01\x00")),
    "content type value not an OID": ([*SIGNER_INFO, 3, 0, 1, 0], _retag(0x04)),
    "message digest value not an OCTET STRING": ([*SIGNER_INFO, 3, 1, 1, 0], _retag(0x0C)),
    "a repeated attribute": ([*SIGNER_INFO, 3], lambda t: _tlv(t[0], _body(t) + _split(t)[1][0])),
    "OID with a padded arc": ([*SIGNED_DATA, 2, 0], lambda t: _tlv(0x06, b"\x80" + _body(t))),
    "OID ending inside an arc": ([*SIGNED_DATA, 2, 0], lambda t: _tlv(0x06, _body(t) + b"\x81")),
    "empty OID": ([0], lambda t: b"\x06\x00"),
    "not SignedData": ([0], lambda t: core.ObjectIdentifier("1.2.840.113549.1.7.1").dump()),
    "content not [0]": ([1], _retag(0xA1)),
    "ContentInfo a SET": ([], _retag(0x31)),
    "encapsulated content not an OCTET STRING": ([*SIGNED_DATA, 2], _append(_tlv(0xA0, b"\x0c\x01a"))),
    "a NULL with content": ([*SIGNER_INFO, 2], lambda t: _tlv(0x30, _split(t)[1][0] + b"\x05\x01\x00")),
    "RSA signature algorithm with parameters other than NULL": ([*SIGNER_INFO, 4], lambda t: _tlv(0x30, _split(t)[1][0] + b"\x04\x00")),
    "RSASSA-PSS with NULL parameters": ([*SIGNER_INFO, 4], lambda t: _tlv(0x30, bytes.fromhex("06092a864886f70d01010a0500"))),
    "multi-octet tag": ([*SIGNER_INFO, 0], lambda t: b"\x1f\x81\x00\x01\x00"),
    "indefinite length inside": (SIGNER_INFO, lambda t: bytes([t[0], 0x80]) + _body(t) + b"\x00\x00"),
    "non-minimal length inside": ([*SIGNER_INFO, 0], lambda t: bytes([t[0], 0x81, 0x01]) + _body(t)),
    "length with a leading zero octet": ([*SIGNER_INFO, 5], lambda t: bytes([t[0], 0x83, 0x00]) + len(_body(t)).to_bytes(2, "big") + _body(t)),
    "five length octets": ([*SIGNER_INFO, 0], lambda t: bytes([t[0], 0x85, 0, 0, 0, 0, 1]) + _body(t)),
    "length past its container": ([*SIGNER_INFO, 5], lambda t: bytes([t[0], 0x82, 0x7F, 0xFF]) + _body(t)),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_signed_data_raises_malformed_input(made_cms: dict[str, bytes], case: str) -> None:
    path, change = MALFORMED[case]
    data = _edit(made_cms["rsa"], path, change)
    assert data != made_cms["rsa"]
    with pytest.raises(MalformedInput):
        cms.parse_signed_data(data)


def test_the_edits_alone_keep_a_good_signed_data(made_cms: dict[str, bytes]) -> None:
    # The helper re-encodes lengths: an identity edit anywhere gives the same bytes back.
    data = made_cms["rsa"]
    assert _edit(data, [*SIGNER_INFO, 3, 0], lambda t: t) == data
    assert _ours(data) == _reference(data)


@pytest.mark.parametrize("outer", [
    lambda body: b"\x30\x84" + len(body).to_bytes(4, "big") + body,  # not the shortest form
    lambda body: b"\x30\x84\xff\xff\xff\xff" + body,  # far past the end
    lambda body: b"\x30\x89" + bytes(8) + b"\x01" + body,  # too many length octets
])
def test_malformed_outer_length(made_cms: dict[str, bytes], outer: Callable[[bytes], bytes]) -> None:
    with pytest.raises(MalformedInput):
        cms.parse_signed_data(outer(_body(made_cms["rsa"])))


def test_every_truncation_raises_malformed_input(made_cms: dict[str, bytes]) -> None:
    data = made_cms["ecdsa-ski"]
    for n in range(len(data)):
        with pytest.raises(MalformedInput):
            cms.parse_signed_data(data[:n])


@pytest.mark.parametrize("data", [b"", b"\x30", b"\x30\x00", b"\x04\x00", b"\x30\x02\x06\x00", bytes(10)])
def test_tiny_inputs_raise_malformed_input(data: bytes) -> None:
    with pytest.raises(MalformedInput):
        cms.parse_signed_data(data)


# --- the DER primitives -------------------------------------------------------------------

@pytest.mark.parametrize("oid", ["0.9.2342", "1.2.840.113549.1.9.16.2.47", "2.5.29.14", "2.999.1",
                                 "1.2.156.10197.1.501", "2.16.840.1.101.3.4.2.1", "1.39.18446744073709551616"])
def test_oid_dotted_agrees_with_asn1crypto(oid: str) -> None:
    raw = core.ObjectIdentifier(oid).contents
    assert _der.oid_dotted(raw) == core.ObjectIdentifier.load(core.ObjectIdentifier(oid).dump()).dotted == oid


def test_read_tlv_lengths() -> None:
    assert _der.read_tlv(b"\x04\x00", 0, 2) == (4, 2, 2)
    long = b"\x04\x81\x80" + bytes(128)
    assert _der.read_tlv(long, 0, len(long)) == (4, 3, 131)
    # A value must fit the range it is read in, not just the buffer.
    with pytest.raises(MalformedInput):
        _der.read_tlv(b"\x04\x02ab", 0, 3)
    assert _der.integer(b"\xff\x7f", 0, 2) == -129
    assert [c[0] for c in _der.children(b"\x05\x00\x02\x01\x01", 0, 5)] == [0x05, 0x02]


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_what_the_walker_accepts_asn1crypto_reads_the_same_way(made_cms: dict[str, bytes], data: st.DataObject) -> None:
    """Differential: random byte edits of good CMS; whatever still parses here reads the
    same as asn1crypto reads it, and checks without an exception."""
    seed = data.draw(st.sampled_from(sorted(made_cms)))
    buf = bytearray(made_cms[seed])
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(buf) - 1))
        buf[i] = data.draw(st.integers(0, 255))
    try:
        ours = _ours(bytes(buf))
    except MalformedInput:
        return
    assert ours == _reference(bytes(buf))
    cms.check_signed_data(cms.parse_signed_data(bytes(buf)), content_digest=bytes(32))


# --- BER shells (BouncyCastle: PDFBox, iText 5, Java e-seal systems) ---------------------

def _indefinite(tlv: bytes) -> bytes:
    """The constructed element ``tlv`` with an indefinite length, its contents as they were."""
    return bytes([tlv[0], 0x80]) + _body(tlv) + b"\x00\x00"


def _shell(data: bytes, path: list[int]) -> bytes:
    """``data`` with the element at ``path`` (and every element above it) indefinite."""
    if not path:
        return _indefinite(data)
    parts = _split(data)[1]
    parts[path[0]] = _shell(parts[path[0]], path[1:])
    return _indefinite(_tlv(data[0], b"".join(parts)))


@pytest.mark.parametrize("name", sorted(["rsa", "ecdsa-ski", "sm2-gm-attached", "ecdsa-crls"]))
def test_a_ber_shell_reads_as_its_der(made_cms: dict[str, bytes], name: str) -> None:
    der = made_cms[name]
    # as BouncyCastle writes it: ContentInfo, its [0], the SignedData, the certificate set
    ber = _shell(der, [1, 0, 3])
    assert ber != der and ber[1] == 0x80
    info = cms.parse_signed_data(ber + bytes(300))  # zero padding after the end-of-contents octets
    assert info.ber and not cms.parse_signed_data(der).ber
    assert _ours(ber) == _ours(der) == _reference(ber)
    assert info.signed_data_der == cms.parse_signed_data(der).signed_data_der


def test_ber_signer_infos_are_read_but_signed_attributes_must_be_der(made_cms: dict[str, bytes]) -> None:
    der = made_cms["rsa"]
    signer_info = cms.parse_signed_data(_shell(der, [*SIGNED_DATA, 4, 0]))  # down to the SignerInfo
    assert signer_info.signed_attrs == cms.parse_signed_data(der).signed_attrs
    with pytest.raises(MalformedInput, match="signed attributes are not DER"):
        cms.parse_signed_data(_shell(der, [*SIGNER_INFO, 3]))


@pytest.mark.parametrize("case", ["no end-of-contents", "garbage after it", "primitive", "too deep", "inside DER"])
def test_malformed_ber_shells_raise_malformed_input(made_cms: dict[str, bytes], case: str) -> None:
    ber = _shell(made_cms["rsa"], [1, 0])
    data = {
        "no end-of-contents": ber[:-2],
        "garbage after it": ber + b"\x01",
        "primitive": b"\x04\x80abc\x00\x00",
        "too deep": b"\x30\x80" * 40 + b"\x00\x00" * 40,
        # an indefinite length below a definite one is not a shell: DER is read there
        "inside DER": _edit(made_cms["rsa"], [*SIGNER_INFO, 4], _indefinite),
    }[case]
    with pytest.raises(MalformedInput):
        cms.parse_signed_data(data)
