"""CMS SignedData (RFC 5652 / GM/T 0010) verification, shared by every format that carries CMS.

    >>> sig = parse_signed_data(contents)                                 # doctest: +SKIP
    >>> checks = check_signed_data(sig, content_digest=digest(sig.digest_algorithm, data))  # doctest: +SKIP

Parsing keeps the original encodings: the signed attributes are verified exactly as they
were received (re-tagged as a SET, as RFC 5652 §5.4 requires), never re-encoded.

The SignedData is walked with :mod:`esealkit._der`, a strict DER reader that only slices
the input (a general ASN.1 library spent most of a batch's parsing time building objects
nobody read).  asn1crypto still reads certificates (cached by their DER: the same signers
recur across a batch), the signing time, and Adobe's rare revocation archival attribute.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import cms, core, x509

from esealkit import _der, crypto
from esealkit._names import NAME_ERRORS, name_text
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
# RSA PKCS#1 v1.5 signature algorithms take NULL parameters (or none), RSASSA-PSS a
# SEQUENCE (RFC 4055): asn1crypto, and so pyHanko, refuses anything else
_RSA_PKCS1_OIDS = frozenset({"1.2.840.113549.1.1.1", "1.2.840.113549.1.1.4", "1.2.840.113549.1.1.5",
                             "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13",
                             "1.2.840.113549.1.1.14"})
_RSA_PSS_OID = "1.2.840.113549.1.1.10"


@dataclass(frozen=True)
class SignedDataInfo:
    """One parsed SignedData with its first SignerInfo, and what the verifier needs of it.

    Everything that is verified is kept as the exact bytes received (slices of the input),
    never a re-encoding.  ``signed_data`` and ``signer_info`` give the asn1crypto view of the
    same bytes, built only when asked for.
    """

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
    signed_data_der: bytes = field(default=b"", repr=False, compare=False)  # the SignedData, DER
    ber: bool = False  # the container came with indefinite lengths on its outer structures (BER)

    @functools.cached_property
    def signed_data(self) -> cms.SignedData:
        """The SignedData as an asn1crypto object (built on first use)."""
        return cms.SignedData.load(self.signed_data_der, strict=True)

    @functools.cached_property
    def signer_info(self) -> cms.SignerInfo:
        """The first SignerInfo as an asn1crypto object (built on first use)."""
        return self.signed_data["signer_infos"][0]


def _strip_padding(data: bytes) -> tuple[bytes, bool]:
    """The DER object at the start of ``data`` (only zero padding may follow: PDF
    /Contents), and whether it came with indefinite lengths on its outer structures,
    which are then made definite (see :func:`esealkit._der.ber_shell_to_der`)."""
    ber = len(data) > 1 and data[1] == 0x80
    try:
        if ber:
            der, end = _der.ber_shell_to_der(data, 0, len(data))
        else:
            _, _, end = _der.read_tlv(data, 0, len(data))
            der = data[:end]
    except MalformedInput as exc:
        raise MalformedInput(f"signature container is not DER: {exc}") from exc
    # Counted in place: /Contents is padded with many kilobytes of zeros.
    if data.count(0, end) != len(data) - end:
        raise MalformedInput("signature container has non-zero bytes after its DER object")
    return der, ber


def _present(value: core.Asn1Value) -> bool:
    return not isinstance(value, core.Void)


# Tags that asn1crypto's typed attribute specs accept for the values of well-known
# attributes; a value of another type is a malformed SignedData, as it always was here.
_SEQ = frozenset({_der.SEQUENCE})
_ATTRIBUTE_VALUE_TAGS: dict[str, frozenset[int]] = {
    "1.2.840.113549.1.9.3": frozenset({_der.OID}),  # content-type
    "1.2.840.113549.1.9.4": frozenset({_der.OCTET_STRING}),  # message-digest
    "1.2.840.113549.1.9.5": frozenset({0x17, 0x18}),  # signing-time: UTCTime or GeneralizedTime
    "1.2.840.113549.1.9.6": _SEQ,  # counter-signature
    "1.2.840.113549.1.9.16.2.14": _SEQ,  # signature timestamp token
    "1.2.840.113549.1.9.52": _SEQ,  # CMS algorithm protection
    "1.2.840.113549.1.9.16.2.12": _SEQ,  # ESS signing-certificate
    "1.2.840.113549.1.9.16.2.47": _SEQ,  # ESS signing-certificate v2
    _ADOBE_REVOCATION: _SEQ,
}


def _attributes(buf: bytes, start: int, end: int) -> dict[str, tuple[bytes, ...]]:
    """Attribute values by OID, as the DER received.  A repeated attribute is malformed."""
    out: dict[str, tuple[bytes, ...]] = {}
    for tag, _, astart, aend in _der.children(buf, start, end):
        if tag != _der.SEQUENCE:
            raise MalformedInput("an attribute is not a SEQUENCE")
        tag, ostart, oend = _der.read_tlv(buf, astart, aend)
        if tag != _der.OID:
            raise MalformedInput("an attribute type is not an OBJECT IDENTIFIER")
        oid = _der.oid_dotted(buf[ostart:oend])
        vstart, vend = _der.single(buf, oend, aend, _der.SET, f"the values of attribute {oid}")
        if oid in out:
            raise MalformedInput(f"attribute {oid} appears more than once")
        allowed = _ATTRIBUTE_VALUE_TAGS.get(oid)
        values = []
        for vtag, tstart, _, tend in _der.children(buf, vstart, vend):
            if allowed is not None and vtag not in allowed:
                raise MalformedInput(f"attribute {oid} has a value of the wrong type (tag 0x{vtag:02x})")
            values.append(buf[tstart:tend])
        out[oid] = tuple(values)
    return out


def _algorithm_identifier(buf: bytes, start: int, end: int, what: str) -> tuple[str, bytes | None]:
    """(dotted OID, parameters DER or None when absent or NULL) of an AlgorithmIdentifier."""
    tag, ostart, oend = _der.read_tlv(buf, start, end)
    if tag != _der.OID:
        raise MalformedInput(f"{what}: the algorithm is not an OBJECT IDENTIFIER")
    oid = _der.oid_dotted(buf[ostart:oend])
    if oend == end:
        return oid, None
    ptag, pstart, pend = _der.read_tlv(buf, oend, end)
    if pend != end:
        raise MalformedInput(f"{what}: extra bytes after the parameters")
    if ptag == _der.NULL:
        if pstart != pend:
            raise MalformedInput(f"{what}: a NULL with content octets")
        return oid, None
    return oid, buf[oend:end]


def _check_rsa_parameters(buf: bytes, start: int, end: int, oid: str) -> None:
    """An RSA signature algorithm's parameters are what RFC 4055 gives it: NULL (or none)
    for PKCS#1 v1.5, a SEQUENCE (or none) for RSASSA-PSS."""
    _, _, oend = _der.read_tlv(buf, start, end)
    if oend == end:
        return
    tag = buf[oend]
    if (oid in _RSA_PKCS1_OIDS and tag != _der.NULL) or (oid == _RSA_PSS_OID and tag != _der.SEQUENCE):
        raise MalformedInput(f"signatureAlgorithm: parameters that {oid} does not take (tag 0x{tag:02x})")


class _Reader:
    """Walks the elements of one structure in order; ``done`` insists nothing is left."""

    __slots__ = ("buf", "elements", "index", "what")

    def __init__(self, buf: bytes, start: int, end: int, what: str) -> None:
        self.buf = buf
        self.elements = _der.children(buf, start, end)
        self.index = 0
        self.what = what

    def peek(self) -> int | None:
        """The tag of the next element, or None at the end."""
        return self.elements[self.index][0] if self.index < len(self.elements) else None

    def take(self, tag: int, name: str) -> tuple[int, int, int]:
        """(TLV start, value start, value end) of the next element, which must have ``tag``."""
        if self.index >= len(self.elements):
            raise MalformedInput(f"{self.what} ends before its {name}")
        found, tlv, vstart, vend = self.elements[self.index]
        if found != tag:
            raise MalformedInput(f"{self.what}: {name} has tag 0x{found:02x}, expected 0x{tag:02x}")
        self.index += 1
        return tlv, vstart, vend

    def optional(self, tag: int) -> tuple[int, int, int] | None:
        return self.take(tag, "") if self.peek() == tag else None

    def done(self) -> None:
        if self.index != len(self.elements):
            raise MalformedInput(f"{self.what} has unexpected elements at its end")


# CertificateChoices other than a plain certificate: [0] extended, [1]/[2] attribute
# certificates, [3] other.  RevocationInfoChoice: [1] other.  Both are skipped.
_OTHER_CERTIFICATE_TAGS = frozenset({0xA0, 0xA1, 0xA2, 0xA3})
_OTHER_REVOCATION_TAGS = frozenset({0xA1})


def _choices(buf: bytes, start: int, end: int, others: frozenset[int], what: str) -> list[bytes]:
    """The SEQUENCE elements of a CertificateSet or RevocationInfoChoices, DER."""
    out = []
    for tag, tlv, _, vend in _der.children(buf, start, end):
        if tag == _der.SEQUENCE:
            out.append(buf[tlv:vend])
        elif tag not in others:
            raise MalformedInput(f"{what} holds an element with tag 0x{tag:02x}")
    return out


def _signer_id(buf: bytes, tag: int, start: int, end: int) -> tuple[bytes, int] | bytes:
    """The SignerIdentifier: (issuer Name DER, serial) or a subject key identifier."""
    if tag == 0x80:  # [0] IMPLICIT SubjectKeyIdentifier
        return buf[start:end]
    ias = _Reader(buf, start, end, "IssuerAndSerialNumber")
    issuer_tlv, _, issuer_end = ias.take(_der.SEQUENCE, "issuer")
    _, sstart, send = ias.take(_der.INTEGER, "serial number")
    ias.done()
    return buf[issuer_tlv:issuer_end], _der.integer(buf, sstart, send)


def _encapsulated(buf: bytes, start: int, end: int) -> tuple[str, bytes | None]:
    """(content type, content or None when detached) of an EncapsulatedContentInfo."""
    encap = _Reader(buf, start, end, "EncapsulatedContentInfo")
    _, ostart, oend = encap.take(_der.OID, "content type")
    content_type = _der.oid_dotted(buf[ostart:oend])
    wrapper = encap.optional(0xA0)  # [0] EXPLICIT OCTET STRING
    encap.done()
    if wrapper is None:
        return content_type, None
    _, wstart, wend = wrapper
    cstart, cend = _der.single(buf, wstart, wend, _der.OCTET_STRING, "the encapsulated content")
    return content_type, buf[cstart:cend]


def parse_signed_data(data: bytes) -> SignedDataInfo:
    """Parse a DER ContentInfo holding a (PKCS#7 or GM/T 0010) SignedData.

    Raises :class:`MalformedInput` for anything that is not one well-formed SignedData.
    """
    buf = bytes(data)
    der, ber = _strip_padding(buf)
    # ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT SignedData }
    try:
        start, end = _der.single(der, 0, len(der), _der.SEQUENCE, "ContentInfo")
    except MalformedInput as exc:
        raise MalformedInput(f"ContentInfo is not a SEQUENCE: {exc}") from exc
    info = _Reader(der, start, end, "ContentInfo")
    _, ostart, oend = info.take(_der.OID, "content type")
    oid = _der.oid_dotted(der[ostart:oend])
    if oid not in (PKCS7_SIGNED_DATA_OID, GM_SIGNED_DATA_OID):
        raise MalformedInput(f"ContentInfo holds {oid}, not SignedData")
    if info.peek() != 0xA0:
        raise MalformedInput("ContentInfo content is not [0] EXPLICIT")
    _, wstart, wend = info.take(0xA0, "content")
    info.done()
    sd_start, sd_end = _der.single(der, wstart, wend, _der.SEQUENCE, "SignedData")
    # SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo,
    #   certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos SET }
    sd = _Reader(der, sd_start, sd_end, "SignedData")
    _der.integer(der, *sd.take(_der.INTEGER, "version")[1:])
    _, dstart, dend = sd.take(_der.SET, "digestAlgorithms")
    for tag, _, _, _ in _der.children(der, dstart, dend):
        if tag != _der.SEQUENCE:
            raise MalformedInput("SignedData: a digest algorithm is not a SEQUENCE")
    _, estart, eend = sd.take(_der.SEQUENCE, "encapContentInfo")
    content_type, content = _encapsulated(der, estart, eend)
    certs = sd.optional(0xA0)
    certificates = tuple(_choices(der, certs[1], certs[2], _OTHER_CERTIFICATE_TAGS, "certificates")) if certs else ()
    crl_set = sd.optional(0xA1)
    crls = _choices(der, crl_set[1], crl_set[2], _OTHER_REVOCATION_TAGS, "crls") if crl_set else []
    _, istart, iend = sd.take(_der.SET, "signerInfos")
    sd.done()
    signer_infos = _der.children(der, istart, iend)
    if not signer_infos:
        raise MalformedInput("SignedData has no SignerInfo")
    for tag, _, _, _ in signer_infos:
        if tag != _der.SEQUENCE:
            raise MalformedInput("SignedData: a SignerInfo is not a SEQUENCE")
    # SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] IMPLICIT
    #   OPTIONAL, signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] IMPLICIT OPTIONAL }
    _, _, si_start, si_end = signer_infos[0]
    si = _Reader(der, si_start, si_end, "SignerInfo")
    _der.integer(der, *si.take(_der.INTEGER, "version")[1:])
    sid_tag = si.peek()
    if sid_tag not in (_der.SEQUENCE, 0x80):
        raise MalformedInput("SignerInfo: the signer identifier is neither IssuerAndSerialNumber nor [0]")
    _, sid_start, sid_end = si.take(sid_tag, "sid")
    sid = _signer_id(der, sid_tag, sid_start, sid_end)
    _, dastart, daend = si.take(_der.SEQUENCE, "digestAlgorithm")
    digest_oid, _ = _algorithm_identifier(der, dastart, daend, "digestAlgorithm")
    signed = si.optional(0xA0)
    _, sastart, saend = si.take(_der.SEQUENCE, "signatureAlgorithm")
    signature_algorithm, signature_parameters = _algorithm_identifier(der, sastart, saend, "signatureAlgorithm")
    _check_rsa_parameters(der, sastart, saend, signature_algorithm)
    _, sgstart, sgend = si.take(_der.OCTET_STRING, "signature")
    unsigned = si.optional(0xA1)
    si.done()

    signed_attrs = None
    attributes: dict[str, tuple[bytes, ...]] = {}
    if signed is not None:
        # Verified as received: the [0] IMPLICIT tag becomes SET OF (RFC 5652 §5.4),
        # the length octets stay exactly as they were.
        tlv, astart, aend = signed
        if ber and der[tlv:aend] not in buf:
            # only the shell around them may be BER: what is signed is verified as received
            raise MalformedInput("SignerInfo: the signed attributes are not DER")
        signed_attrs = b"\x31" + der[tlv + 1:aend]
        attributes = _attributes(der, astart, aend)
    unsigned_attributes = _attributes(der, unsigned[1], unsigned[2]) if unsigned is not None else {}
    tokens = unsigned_attributes.get("1.2.840.113549.1.9.16.2.14", ())
    try:
        digest_algorithm = crypto.digest_name(digest_oid)
        signer_cert_der = _find_signer(sid, certificates)
        signing_time = None
        if "1.2.840.113549.1.9.5" in attributes:
            signing_time = x509.Time.load(attributes["1.2.840.113549.1.9.5"][0]).native
        ocsps: list[bytes] = []
        # Adobe's revocation archival is rare: asn1crypto reads it.
        for archival in attributes.get(_ADOBE_REVOCATION, ())[:1]:
            archive = _AdobeRevocationInfo.load(archival)
            if _present(archive["crl"]):
                crls.extend(c.dump() for c in archive["crl"])
            if _present(archive["ocsp"]):
                ocsps.extend(o.dump() for o in archive["ocsp"])
        signer_cert = _certificate(signer_cert_der) if signer_cert_der is not None else None
    except MalformedInput:
        raise
    except (ValueError, TypeError, KeyError, IndexError, crypto.UnsupportedAlgorithm) as exc:
        raise MalformedInput(f"SignedData does not parse: {exc}") from exc
    return SignedDataInfo(
        signer_cert=signer_cert,
        signer_cert_der=signer_cert_der,
        certificates=certificates,
        digest_algorithm=digest_algorithm,
        signature_algorithm=signature_algorithm,
        signature_parameters=signature_parameters,
        signature=der[sgstart:sgend],
        signed_attrs=signed_attrs,
        attributes=attributes,
        content_type=content_type,
        content=content,
        signing_time=signing_time if isinstance(signing_time, datetime) else None,
        timestamp_token=tokens[0] if tokens else None,
        crls=tuple(crls),
        ocsps=tuple(ocsps),
        signer_count=len(signer_infos),
        signed_data_der=der[wstart:wend],
        ber=ber,
    )


class _AdobeRevocationInfo(core.Sequence):  # type: ignore[misc]
    _fields = [
        ("crl", core.SequenceOf, {"explicit": 0, "optional": True, "spec": core.Any}),
        ("ocsp", core.SequenceOf, {"explicit": 1, "optional": True, "spec": core.Any}),
        ("other_rev_info", core.Any, {"explicit": 2, "optional": True}),
    ]


@functools.lru_cache(maxsize=1024)
def _certificate(der: bytes) -> x509.Certificate:
    """The asn1crypto view of a signer certificate; shared, as the same few signers recur."""
    return x509.Certificate.load(der)


@functools.lru_cache(maxsize=4096)
def _cert_ids(der: bytes) -> tuple[bytes, int, bytes | None, bytes]:
    """(issuer DER, serial, subject key identifier, SubjectPublicKeyInfo DER) of a certificate."""
    tbs = x509.Certificate.load(der)["tbs_certificate"]
    ski = None
    for ext in tbs["extensions"] if _present(tbs["extensions"]) else ():
        if ext["extn_id"].dotted == "2.5.29.14":
            ski = bytes(core.OctetString.load(ext["extn_value"].contents).native)
    return tbs["issuer"].dump(), int(tbs["serial_number"].native), ski, tbs["subject_public_key_info"].dump()


def _find_signer(sid: tuple[bytes, int] | bytes, certificates: tuple[bytes, ...]) -> bytes | None:
    """The certificate ``sid`` names: by issuer and serial, or by subject key identifier."""
    if isinstance(sid, tuple):
        issuer, serial = sid
        for der in certificates:
            c_issuer, c_serial, _, _ = _cert_ids(der)
            # Names are compared as encoded first; an equal name encoded differently
            # (string types, case) still matches, as X.520 comparison rules say.
            if c_serial == serial and (c_issuer == issuer or _certificate(der).issuer == x509.Name.load(issuer)):
                return der
        return None
    for der in certificates:
        if _cert_ids(der)[2] == sid:
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
        serial=format(int(tbs["serial_number"].native), "x"),
        sha256=hashlib.sha256(cert_der).hexdigest(),
    )


def _name_text(tbs: x509.TbsCertificate, field: str) -> str:
    """A readable name (see :func:`esealkit.seals.owner.name_text`); asn1crypto's parsing is
    lazy, so a damaged name may fail only here."""
    try:
        return name_text(tbs[field])
    except NAME_ERRORS:
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
        tstart, tend = _der.single(type_values[0], 0, len(type_values[0]), _der.OID, "content-type")
        signed_type = _der.oid_dotted(type_values[0][tstart:tend])
        mstart, mend = _der.single(digest_values[0], 0, len(digest_values[0]), _der.OCTET_STRING, "message-digest")
        signed_digest = digest_values[0][mstart:mend]
    except MalformedInput as exc:
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
    except (ValueError, TypeError) as exc:  # RSASSA-PSS parameters are read only here
        return Check.failed("signature_value", SubIndication.FORMAT_FAILURE,
                            f"the signature algorithm parameters do not parse: {exc}")
    try:
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
            algorithm, expected, serial = _first_ess_cert_id(values[0], v2=name == "v2")
            actual = crypto.digest(algorithm, cert_der)
        except (MalformedInput, crypto.UnsupportedAlgorithm) as exc:
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


def _first_ess_cert_id(value: bytes, *, v2: bool) -> tuple[str, bytes, int | None]:
    """(digest algorithm, certificate hash, serial or None) of the first certificate named
    by a SigningCertificate(V2) value.

    SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies OPTIONAL }
    ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING,
                               issuerSerial SEQUENCE { GeneralNames, INTEGER } OPTIONAL }
    v1 (SigningCertificate / ESSCertID) is the same without hashAlgorithm: SHA-1.
    """
    start, end = _der.single(value, 0, len(value), _der.SEQUENCE, "SigningCertificate")
    outer = _Reader(value, start, end, "SigningCertificate")
    _, cstart, cend = outer.take(_der.SEQUENCE, "certs")
    outer.optional(_der.SEQUENCE)  # policies: not used here
    outer.done()
    certs = _der.children(value, cstart, cend)
    if not certs or certs[0][0] != _der.SEQUENCE:
        raise MalformedInput("the attribute names no certificate")
    _, _, istart, iend = certs[0]
    cert_id = _Reader(value, istart, iend, "ESSCertID")
    algorithm = "sha1"
    if v2:
        algorithm = "sha256"  # the DEFAULT
        hash_alg = cert_id.optional(_der.SEQUENCE)
        if hash_alg is not None:
            algorithm, _ = _algorithm_identifier(value, hash_alg[1], hash_alg[2], "hashAlgorithm")
    _, hstart, hend = cert_id.take(_der.OCTET_STRING, "certHash")
    issuer_serial = cert_id.optional(_der.SEQUENCE)
    cert_id.done()
    serial = None
    if issuer_serial is not None:
        names = _Reader(value, issuer_serial[1], issuer_serial[2], "IssuerSerial")
        names.take(_der.SEQUENCE, "issuer")
        _, sstart, send = names.take(_der.INTEGER, "serialNumber")
        names.done()
        serial = _der.integer(value, sstart, send)
    return algorithm, value[hstart:hend], serial
