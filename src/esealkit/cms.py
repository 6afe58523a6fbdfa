"""CMS SignedData (RFC 5652 / GM/T 0010) verification, shared by every format that carries CMS.

    >>> sig = parse_signed_data(contents)                                 # doctest: +SKIP
    >>> checks = check_signed_data(sig, content_digest=digest(sig.digest_algorithm, data))  # doctest: +SKIP

Parsing keeps the original encodings: the signed attributes are verified exactly as they
were received (re-tagged as a SET, as RFC 5652 §5.4 requires), never re-encoded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, core, parser, tsp, x509

from esealkit import crypto
from esealkit.errors import MalformedInput
from esealkit.report import Check, SignerSummary, SubIndication

__all__ = [
    "GM_SIGNED_DATA_OID",
    "SignedDataInfo",
    "check_signed_data",
    "parse_signed_data",
    "signer_summary",
]

PKCS7_SIGNED_DATA_OID = "1.2.840.113549.1.7.2"
GM_SIGNED_DATA_OID = "1.2.156.10197.6.1.4.2.2"  # GM/T 0010 signedData
_ADOBE_REVOCATION = "1.2.840.113583.1.1.8"


@dataclass(frozen=True)
class SignedDataInfo:
    """One parsed SignedData with its first SignerInfo, and what the verifier needs of it."""

    signed_data: cms.SignedData
    signer_info: cms.SignerInfo
    signer_cert: x509.Certificate | None
    certificates: tuple[bytes, ...]  # every certificate the CMS carries, DER
    digest_algorithm: str  # canonical name of the SignerInfo's digest algorithm
    content_type: str  # dotted OID of the encapsulated content
    content: bytes | None  # the encapsulated content (None when detached)
    signing_time: datetime | None  # claimed, from the signing-time attribute
    timestamp_token: bytes | None  # RFC 3161 token in the unsigned attributes
    crls: tuple[bytes, ...]  # revocation data the CMS carries (SignedData + Adobe archival)
    ocsps: tuple[bytes, ...]
    signer_count: int


def _strip_padding(data: bytes) -> bytes:
    """The DER object at the start of ``data``; only zero padding may follow (PDF /Contents)."""
    try:
        _, _, _, header, contents, _ = parser.parse(data)
    except ValueError as exc:
        raise MalformedInput(f"signature container is not DER: {exc}") from exc
    end = len(header) + len(contents)
    if data[end:].strip(b"\x00"):
        raise MalformedInput("signature container has non-zero bytes after its DER object")
    return data[:end]


def parse_signed_data(data: bytes) -> SignedDataInfo:
    """Parse a DER ContentInfo holding a (PKCS#7 or GM/T 0010) SignedData.

    Raises :class:`MalformedInput` for anything that is not one well-formed SignedData.
    """
    der = _strip_padding(data)
    try:
        _, _, outer_tag, _, body, _ = parser.parse(der, strict=True)
        if outer_tag != 16:
            raise MalformedInput("ContentInfo is not a SEQUENCE")
        _, _, _, oid_header, oid_body, _ = parser.parse(body)
        oid_end = len(oid_header) + len(oid_body)
        oid = core.ObjectIdentifier.load(body[:oid_end]).dotted
        if oid not in (PKCS7_SIGNED_DATA_OID, GM_SIGNED_DATA_OID):
            raise MalformedInput(f"ContentInfo holds {oid}, not SignedData")
        class_, _, tag, _, wrapped, _ = parser.parse(body[oid_end:], strict=True)
        if tag != 0 or class_ != 2:
            raise MalformedInput("ContentInfo content is not [0] EXPLICIT")
        signed_data = cms.SignedData.load(wrapped, strict=True)
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) == 0:
            raise MalformedInput("SignedData has no SignerInfo")
        signer_info = signer_infos[0]
        certificates = tuple(
            c.chosen.dump() for c in signed_data["certificates"] if c.name == "certificate"
        ) if signed_data["certificates"].native is not None else ()
        encap = signed_data["encap_content_info"]
        content_type = encap["content_type"].dotted
        content_value = encap["content"]
        content = _octets(content_value) if content_value.native is not None else None
        digest_algorithm = crypto.digest_name(signer_info["digest_algorithm"]["algorithm"].dotted)
        signer_cert = _find_signer(signer_info, certificates)
        signed_attrs = signer_info["signed_attrs"]
        signing_time = _attr(signed_attrs, "signing_time")
        crls = [c.chosen.dump() for c in signed_data["crls"] if c.name == "crl"] if signed_data["crls"].native else []
        ocsps: list[bytes] = []
        archival = _attr_raw(signed_attrs, _ADOBE_REVOCATION)
        if archival is not None:
            archive = _AdobeRevocationInfo.load(archival)
            if archive["crl"].native:
                crls.extend(c.dump() for c in archive["crl"])
            if archive["ocsp"].native:
                ocsps.extend(o.dump() for o in archive["ocsp"])
        token = _attr_raw(signer_info["unsigned_attrs"], "1.2.840.113549.1.9.16.2.14")
        # Force a full parse now so that damage shows here, as MalformedInput, not later.
        signer_info.native  # noqa: B018
    except MalformedInput:
        raise
    except (ValueError, TypeError, KeyError, IndexError, crypto.UnsupportedAlgorithm) as exc:
        raise MalformedInput(f"SignedData does not parse: {exc}") from exc
    return SignedDataInfo(
        signed_data=signed_data,
        signer_info=signer_info,
        signer_cert=signer_cert,
        certificates=certificates,
        digest_algorithm=digest_algorithm,
        content_type=content_type,
        content=content,
        signing_time=signing_time if isinstance(signing_time, datetime) else None,
        timestamp_token=token,
        crls=tuple(crls),
        ocsps=tuple(ocsps),
        signer_count=len(signer_infos),
    )


class _AdobeRevocationInfo(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("crl", core.SequenceOf, {"explicit": 0, "optional": True, "spec": core.Any}),
        ("ocsp", core.SequenceOf, {"explicit": 1, "optional": True, "spec": core.Any}),
        ("other_rev_info", core.Any, {"explicit": 2, "optional": True}),
    ]


def _octets(value: core.Asn1Value) -> bytes:
    parsed = value.parsed if hasattr(value, "parsed") and not isinstance(value, core.OctetString) else value
    if isinstance(parsed, core.OctetString):
        return bytes(parsed.native)
    return bytes(value.contents or b"")


def _attr_values(attrs: cms.CMSAttributes, oid: str) -> list[core.Asn1Value]:
    if attrs.native is None:
        return []
    found = [a for a in attrs if a["type"].dotted == oid or a["type"].native == oid]
    if len(found) > 1:
        raise MalformedInput(f"attribute {oid} appears {len(found)} times")
    return list(found[0]["values"]) if found else []


def _attr(attrs: cms.CMSAttributes, name: str) -> object:
    if attrs.native is None:
        return None
    for a in attrs:
        if a["type"].native == name:
            values = a["values"]
            return values[0].native if len(values) else None
    return None


def _attr_raw(attrs: cms.CMSAttributes, oid: str) -> bytes | None:
    values = _attr_values(attrs, oid)
    return values[0].dump() if values else None


def _find_signer(signer_info: cms.SignerInfo, certificates: tuple[bytes, ...]) -> x509.Certificate | None:
    sid = signer_info["sid"]
    for der in certificates:
        cert = x509.Certificate.load(der)
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if cert.serial_number == ias["serial_number"].native and cert.issuer == ias["issuer"]:
                return cert
        elif sid.name == "subject_key_identifier":
            if cert.key_identifier == sid.chosen.native:
                return cert
    return None


def signer_summary(cert: x509.Certificate) -> SignerSummary:
    """Subject, issuer, serial and SHA-256 of a certificate, for reports."""
    return SignerSummary(
        subject=str(cert.subject.human_friendly),
        issuer=str(cert.issuer.human_friendly),
        serial=format(int(cert.serial_number), "x"),
        sha256=hashlib.sha256(cert.dump()).hexdigest(),
    )


def check_signed_data(
    info: SignedDataInfo,
    *,
    content_digest: bytes | None = None,
    content: bytes | None = None,
    weak_digests: frozenset[str] = frozenset({"md5", "sha1"}),
) -> list[Check]:
    """The trust-independent checks of a SignedData: signer certificate present,
    digest algorithm acceptable, message digest (``message_digest``), ESS signing
    certificate binding, and the signature value (``signature_value``).

    Give ``content_digest`` (the digest of the signed bytes, with
    ``info.digest_algorithm``) or the ``content`` itself; for attached content neither is
    needed.
    """
    checks: list[Check] = []
    si = info.signer_info
    if info.signer_cert is None:
        checks.append(Check.failed("signer_certificate", SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
                                   "the CMS does not carry the signer's certificate"))
        return checks
    checks.append(Check.passed("signer_certificate", f"signer {info.signer_cert.subject.human_friendly}"))
    if info.digest_algorithm in weak_digests:
        checks.append(Check.failed("digest_algorithm", SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
                                   f"digest algorithm {info.digest_algorithm} is not accepted by the policy"))
        return checks
    if content_digest is None:
        data = content if content is not None else info.content
        if data is None:
            checks.append(Check.indeterminate("message_digest", SubIndication.SIGNED_DATA_NOT_FOUND,
                                              "detached signature and no signed data given"))
            return checks
        content_digest = crypto.digest(info.digest_algorithm, data)
    signed_attrs = si["signed_attrs"]
    if signed_attrs.native is None:
        # Without signed attributes the signature covers the content itself.
        data = content if content is not None else info.content
        if data is None:
            checks.append(Check.indeterminate("signature_value", SubIndication.SIGNED_DATA_NOT_FOUND,
                                              "no signed attributes and the signed content is not available"))
            return checks
        checks.append(Check.passed("message_digest", "no signed attributes: the signature covers the content directly"))
        checks.append(_signature_check(info, data))
        return checks
    try:
        digest_values = _attr_values(signed_attrs, "1.2.840.113549.1.9.4")
        type_values = _attr_values(signed_attrs, "1.2.840.113549.1.9.3")
    except MalformedInput as exc:
        checks.append(Check.failed("signed_attributes", SubIndication.FORMAT_FAILURE, str(exc)))
        return checks
    if len(digest_values) != 1 or len(type_values) != 1:
        checks.append(Check.failed("signed_attributes", SubIndication.FORMAT_FAILURE,
                                   "signed attributes must hold exactly one content-type and one message-digest"))
        return checks
    if core.ObjectIdentifier.load(type_values[0].dump()).dotted != info.content_type:
        checks.append(Check.failed("signed_attributes", SubIndication.FORMAT_FAILURE,
                                   "the content-type attribute differs from the encapsulated content type"))
        return checks
    signed_digest = core.OctetString.load(digest_values[0].dump()).native
    if signed_digest != content_digest:
        checks.append(Check.failed("message_digest", SubIndication.HASH_FAILURE,
                                   "the signed bytes do not hash to the signed message digest: the content was changed"))
        return checks
    checks.append(Check.passed("message_digest", f"the signed bytes are intact ({info.digest_algorithm})"))
    ess = _ess_check(info)
    if ess is not None:
        checks.append(ess)
        if ess.sub_indication is not None:
            return checks
    checks.append(_signature_check(info, b"\x31" + signed_attrs.dump()[1:]))
    return checks


def _signature_check(info: SignedDataInfo, data: bytes) -> Check:
    assert info.signer_cert is not None
    si = info.signer_info
    sig_oid = si["signature_algorithm"]["algorithm"].dotted
    try:
        algorithm = crypto.SignatureAlgorithm.from_oid(
            sig_oid, digest=info.digest_algorithm, parameters=si["signature_algorithm"]["parameters"]
        )
        crypto.verify_signature(info.signer_cert.public_key.dump(), algorithm, si["signature"].native, data)
    except crypto.UnsupportedAlgorithm as exc:
        return Check.failed("signature_value", SubIndication.CRYPTO_CONSTRAINTS_FAILURE, str(exc))
    except crypto.InvalidSignature:
        return Check.failed("signature_value", SubIndication.SIG_CRYPTO_FAILURE,
                            "the signature value does not verify with the signer's public key")
    return Check.passed("signature_value", f"the signature is valid ({algorithm.scheme}, {algorithm.digest or 'pure'})")


def _ess_check(info: SignedDataInfo) -> Check | None:
    """ESS signing-certificate (v1, SHA-1) or v2 binding, when present (RFC 5035)."""
    assert info.signer_cert is not None
    attrs = info.signer_info["signed_attrs"]
    for oid, name in (("1.2.840.113549.1.9.16.2.47", "v2"), ("1.2.840.113549.1.9.16.2.12", "v1")):
        try:
            values = _attr_values(attrs, oid)
        except MalformedInput as exc:
            return Check.failed("signing_certificate_attribute", SubIndication.FORMAT_FAILURE, str(exc))
        if not values:
            continue
        try:
            spec = tsp.SigningCertificateV2 if name == "v2" else tsp.SigningCertificate
            value = spec.load(values[0].dump())
            first = value["certs"][0]
            algorithm = first["hash_algorithm"]["algorithm"].native if name == "v2" else "sha1"
            expected = first["cert_hash"].native
            actual = crypto.digest(algorithm, info.signer_cert.dump())
            issuer_serial = first["issuer_serial"]
        except (ValueError, TypeError, KeyError, IndexError, crypto.UnsupportedAlgorithm) as exc:
            return Check.failed("signing_certificate_attribute", SubIndication.FORMAT_FAILURE,
                                f"ESS signing-certificate attribute does not parse: {exc}")
        if expected != actual:
            return Check.failed("signing_certificate_attribute", SubIndication.SIG_CONSTRAINTS_FAILURE,
                                "the ESS signing-certificate attribute names a different certificate than the one used")
        if issuer_serial.native is not None and issuer_serial["serial_number"].native != info.signer_cert.serial_number:
            return Check.failed("signing_certificate_attribute", SubIndication.SIG_CONSTRAINTS_FAILURE,
                                "the ESS signing-certificate attribute names a different serial number")
        return Check.passed("signing_certificate_attribute", f"ESS signing-certificate {name} matches the signer")
    return None
