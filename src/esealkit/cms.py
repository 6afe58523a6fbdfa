"""CMS SignedData (RFC 5652 / GM/T 0010) verification, shared by every format that carries CMS.

    >>> sig = parse_signed_data(contents)                                 # doctest: +SKIP
    >>> checks = check_signed_data(sig, content_digest=digest(sig.digest_algorithm, data))  # doctest: +SKIP

Parsing keeps the original encodings: the signed attributes are verified exactly as they
were received (re-tagged as a SET, as RFC 5652 §5.4 requires), never re-encoded.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, core, parser, tsp, x509

from esealkit import crypto
from esealkit.errors import MalformedInput
from esealkit.report import Check, SignerSummary, SubIndication

__all__ = [
    "GM_SIGNED_DATA_OID",
    "PKCS7_SIGNED_DATA_OID",
    "SignedDataInfo",
    "check_signed_data",
    "parse_signed_data",
    "signer_summary",
    "spki_of",
]

PKCS7_SIGNED_DATA_OID = "1.2.840.113549.1.7.2"
GM_SIGNED_DATA_OID = "1.2.156.10197.6.1.4.2.2"  # GM/T 0010 signedData
_ADOBE_REVOCATION = "1.2.840.113583.1.1.8"


@dataclass(frozen=True)
class SignedDataInfo:
    """One parsed SignedData with its first SignerInfo, and what the verifier needs of it.

    Everything that is verified is kept as the exact bytes received: asn1crypto re-encodes
    a structure once any part of it has been read as native values, so nothing here is
    verified through a re-encoding.
    """

    signed_data: cms.SignedData
    signer_info: cms.SignerInfo
    signer_cert: x509.Certificate | None
    signer_cert_der: bytes | None
    certificates: tuple[bytes, ...]  # every certificate the CMS carries, DER
    digest_algorithm: str  # canonical name of the SignerInfo's digest algorithm
    signature_algorithm: str  # dotted OID
    signature_parameters: bytes | None  # DER of the algorithm parameters, if any
    signature: bytes
    signed_attrs: bytes | None  # DER of the signed attributes, re-tagged as SET OF, as signed
    attributes: dict[str, tuple[bytes, ...]]  # signed attribute values by OID, DER
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


def _present(value: core.Asn1Value) -> bool:
    return not isinstance(value, core.Void)


def _attributes(attrs: core.Asn1Value) -> dict[str, tuple[bytes, ...]]:
    """Attribute values by OID, as the DER received.  A repeated attribute is malformed."""
    out: dict[str, tuple[bytes, ...]] = {}
    if not _present(attrs):
        return out
    for attr in attrs:
        oid = attr["type"].dotted
        if oid in out:
            raise MalformedInput(f"attribute {oid} appears more than once")
        out[oid] = tuple(v.dump() for v in attr["values"])
    return out


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
        # Take the signed attributes' bytes before anything reads them as native values.
        signed_attrs_value = signer_info["signed_attrs"]
        signed_attrs = b"\x31" + signed_attrs_value.dump()[1:] if _present(signed_attrs_value) else None
        attributes = _attributes(signed_attrs_value)
        certificates = tuple(
            c.chosen.dump() for c in signed_data["certificates"] if c.name == "certificate"
        ) if _present(signed_data["certificates"]) else ()
        encap = signed_data["encap_content_info"]
        content_type = encap["content_type"].dotted
        content_value = encap["content"]
        content = _octets(content_value) if _present(content_value) else None
        digest_algorithm = crypto.digest_name(signer_info["digest_algorithm"]["algorithm"].dotted)
        sig_alg = signer_info["signature_algorithm"]
        params = sig_alg["parameters"]
        signature_parameters = params.dump() if _present(params) and not isinstance(params, core.Null) else None
        signature = bytes(signer_info["signature"].contents)
        signer_cert_der = _find_signer(signer_info["sid"], certificates)
        signing_time = None
        if "1.2.840.113549.1.9.5" in attributes:
            signing_time = x509.Time.load(attributes["1.2.840.113549.1.9.5"][0]).native
        crls = [c.chosen.dump() for c in signed_data["crls"] if c.name == "crl"] if _present(signed_data["crls"]) else []
        ocsps: list[bytes] = []
        for archival in attributes.get(_ADOBE_REVOCATION, ())[:1]:
            archive = _AdobeRevocationInfo.load(archival)
            if _present(archive["crl"]):
                crls.extend(c.dump() for c in archive["crl"])
            if _present(archive["ocsp"]):
                ocsps.extend(o.dump() for o in archive["ocsp"])
        unsigned = _attributes(signer_info["unsigned_attrs"])
        tokens = unsigned.get("1.2.840.113549.1.9.16.2.14", ())
        signer_cert = x509.Certificate.load(signer_cert_der) if signer_cert_der is not None else None
    except MalformedInput:
        raise
    except (ValueError, TypeError, KeyError, IndexError, crypto.UnsupportedAlgorithm) as exc:
        raise MalformedInput(f"SignedData does not parse: {exc}") from exc
    return SignedDataInfo(
        signed_data=signed_data,
        signer_info=signer_info,
        signer_cert=signer_cert,
        signer_cert_der=signer_cert_der,
        certificates=certificates,
        digest_algorithm=digest_algorithm,
        signature_algorithm=sig_alg["algorithm"].dotted,
        signature_parameters=signature_parameters,
        signature=signature,
        signed_attrs=signed_attrs,
        attributes=attributes,
        content_type=content_type,
        content=content,
        signing_time=signing_time if isinstance(signing_time, datetime) else None,
        timestamp_token=tokens[0] if tokens else None,
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


@functools.lru_cache(maxsize=4096)
def _cert_ids(der: bytes) -> tuple[bytes, int, bytes | None, bytes]:
    """(issuer DER, serial, subject key identifier, SubjectPublicKeyInfo DER) of a certificate."""
    tbs = x509.Certificate.load(der)["tbs_certificate"]
    ski = None
    for ext in tbs["extensions"] if _present(tbs["extensions"]) else ():
        if ext["extn_id"].dotted == "2.5.29.14":
            ski = bytes(core.OctetString.load(ext["extn_value"].contents).native)
    return tbs["issuer"].dump(), int(tbs["serial_number"].native), ski, tbs["subject_public_key_info"].dump()


def _find_signer(sid: core.Asn1Value, certificates: tuple[bytes, ...]) -> bytes | None:
    if sid.name == "issuer_and_serial_number":
        ias = sid.chosen
        issuer, serial = ias["issuer"].dump(), int(ias["serial_number"].native)
        for der in certificates:
            c_issuer, c_serial, _, _ = _cert_ids(der)
            if c_serial == serial and (c_issuer == issuer or x509.Certificate.load(der).issuer == ias["issuer"]):
                return der
    elif sid.name == "subject_key_identifier":
        key_id = bytes(sid.chosen.native)
        for der in certificates:
            if _cert_ids(der)[2] == key_id:
                return der
    return None


def spki_of(cert_der: bytes) -> bytes:
    """The DER SubjectPublicKeyInfo of a certificate, as it appears in it (cached)."""
    return _cert_ids(cert_der)[3]


@functools.lru_cache(maxsize=4096)
def _summary(cert_der: bytes) -> SignerSummary:
    tbs = x509.Certificate.load(cert_der)["tbs_certificate"]
    return SignerSummary(
        subject=_name_text(tbs, "subject"),
        issuer=_name_text(tbs, "issuer"),
        serial=format(_cert_ids(cert_der)[1], "x"),
        sha256=hashlib.sha256(cert_der).hexdigest(),
    )


def _name_text(tbs: x509.TbsCertificate, field: str) -> str:
    """A readable name; some real CA names (and damaged ones) break asn1crypto's typed
    attribute parsing, which is lazy: they are shown as raw DER instead of raising."""
    try:
        return str(tbs[field].human_friendly)
    except (ValueError, TypeError, KeyError, AttributeError):
        pass
    try:
        return "DER:" + bytes(tbs[field].dump()).hex()
    except (ValueError, TypeError, KeyError, AttributeError):
        return "(a name that does not parse)"


def signer_summary(cert: x509.Certificate | bytes) -> SignerSummary:
    """Subject, issuer, serial and SHA-256 of a certificate (object or DER), for reports."""
    return _summary(cert if isinstance(cert, bytes) else cert.dump())


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
    if info.signer_cert_der is None:
        checks.append(Check.failed("signer_certificate", SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
                                   "the CMS does not carry the signer's certificate"))
        return checks
    checks.append(Check.passed("signer_certificate", f"signer {signer_summary(info.signer_cert_der).subject}"))
    if info.digest_algorithm in weak_digests:
        checks.append(Check.failed("digest_algorithm", SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
                                   f"digest algorithm {info.digest_algorithm} is not accepted by the policy"))
        return checks
    data = content if content is not None else info.content
    if info.signed_attrs is None:
        # Without signed attributes the signature covers the content itself.
        if data is None:
            checks.append(Check.indeterminate("signature_value", SubIndication.SIGNED_DATA_NOT_FOUND,
                                              "no signed attributes and the signed content is not available"))
            return checks
        checks.append(Check.passed("message_digest", "no signed attributes: the signature covers the content directly"))
        checks.append(_signature_check(info, data))
        return checks
    if content_digest is None:
        if data is None:
            checks.append(Check.indeterminate("message_digest", SubIndication.SIGNED_DATA_NOT_FOUND,
                                              "detached signature and no signed data given"))
            return checks
        content_digest = crypto.digest(info.digest_algorithm, data)
    digest_values = info.attributes.get("1.2.840.113549.1.9.4", ())
    type_values = info.attributes.get("1.2.840.113549.1.9.3", ())
    if len(digest_values) != 1 or len(type_values) != 1:
        checks.append(Check.failed("signed_attributes", SubIndication.FORMAT_FAILURE,
                                   "signed attributes must hold exactly one content-type and one message-digest"))
        return checks
    try:
        signed_type = core.ObjectIdentifier.load(type_values[0]).dotted
        signed_digest = core.OctetString.load(digest_values[0]).native
    except (ValueError, TypeError) as exc:
        checks.append(Check.failed("signed_attributes", SubIndication.FORMAT_FAILURE, f"signed attributes do not parse: {exc}"))
        return checks
    if signed_type != info.content_type:
        checks.append(Check.failed("signed_attributes", SubIndication.FORMAT_FAILURE,
                                   "the content-type attribute differs from the encapsulated content type"))
        return checks
    if signed_digest != content_digest:
        checks.append(Check.failed("message_digest", SubIndication.HASH_FAILURE,
                                   "the signed bytes do not hash to the signed message digest: the content was changed"))
        return checks
    checks.append(Check.passed("message_digest", f"the signed bytes are intact ({info.digest_algorithm})"))
    ess = _ess_check(info, info.signer_cert_der)
    if ess is not None:
        checks.append(ess)
        if ess.sub_indication is not None:
            return checks
    checks.append(_signature_check(info, info.signed_attrs))
    return checks


@functools.lru_cache(maxsize=256)
def _algorithm(oid: str, digest: str, parameters: bytes | None) -> crypto.SignatureAlgorithm:
    return crypto.SignatureAlgorithm.from_oid(oid, digest=digest, parameters=parameters)


def _signature_check(info: SignedDataInfo, data: bytes) -> Check:
    assert info.signer_cert_der is not None
    try:
        algorithm = _algorithm(info.signature_algorithm, info.digest_algorithm, info.signature_parameters)
        crypto.verify_signature(spki_of(info.signer_cert_der), algorithm, info.signature, data)
    except crypto.UnsupportedAlgorithm as exc:
        return Check.failed("signature_value", SubIndication.CRYPTO_CONSTRAINTS_FAILURE, str(exc))
    except crypto.InvalidSignature:
        return Check.failed("signature_value", SubIndication.SIG_CRYPTO_FAILURE,
                            "the signature value does not verify with the signer's public key")
    return Check.passed("signature_value", f"the signature is valid ({algorithm.scheme}, {algorithm.digest or 'pure'})")


def _ess_check(info: SignedDataInfo, cert_der: bytes) -> Check | None:
    """ESS signing-certificate (v1, SHA-1) or v2 binding, when present (RFC 5035)."""
    for oid, name in (("1.2.840.113549.1.9.16.2.47", "v2"), ("1.2.840.113549.1.9.16.2.12", "v1")):
        values = info.attributes.get(oid, ())
        if not values:
            continue
        try:
            spec = tsp.SigningCertificateV2 if name == "v2" else tsp.SigningCertificate
            value = spec.load(values[0])
            first = value["certs"][0]
            algorithm = first["hash_algorithm"]["algorithm"].dotted if name == "v2" else "sha1"
            expected = bytes(first["cert_hash"].native)
            actual = crypto.digest(algorithm, cert_der)
            issuer_serial = first["issuer_serial"]
            serial = int(issuer_serial["serial_number"].native) if _present(issuer_serial) else None
        except (ValueError, TypeError, KeyError, IndexError, crypto.UnsupportedAlgorithm) as exc:
            return Check.failed("signing_certificate_attribute", SubIndication.FORMAT_FAILURE,
                                f"ESS signing-certificate attribute does not parse: {exc}")
        if expected != actual:
            return Check.failed("signing_certificate_attribute", SubIndication.SIG_CONSTRAINTS_FAILURE,
                                "the ESS signing-certificate attribute names a different certificate than the one used")
        if serial is not None and serial != _cert_ids(cert_der)[1]:
            return Check.failed("signing_certificate_attribute", SubIndication.SIG_CONSTRAINTS_FAILURE,
                                "the ESS signing-certificate attribute names a different serial number")
        return Check.passed("signing_certificate_attribute", f"ESS signing-certificate {name} matches the signer")
    return None
