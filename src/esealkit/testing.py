"""A test PKI in code (测试证书体系), for tests, demos and benchmarks.

Certificates, CRLs and OCSP responses are built with asn1crypto and signed through
:mod:`esealkit.crypto`, so every key type esealkit verifies can be issued here, SM2 included
(``cryptography`` cannot sign X.509 with SM2).  Time is a parameter, never the clock::

    >>> from datetime import datetime, timezone
    >>> t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> root = CertificateAuthority.root("Demo Root CA", key_kind="ecdsa-p256", not_before=t0)
    >>> alice = root.issue("Alice", key_kind="ed25519", not_before=t0)
    >>> alice.certificate.subject.native["common_name"]
    'Alice'

Never use these authorities for anything real: keys live in memory and CRLs are made to
order.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import core, crl, keys, ocsp, x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from esealkit.crypto import key_algorithm, sign

__all__ = [
    "KEY_KINDS",
    "CertificateAuthority",
    "Issued",
    "add_annotation",
    "add_page_text",
    "generate_key",
    "public_key_der",
    "simple_pdf",
    "timestamper",
]

KEY_KINDS = ("rsa", "rsa-pss", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "ed25519", "sm2")


def generate_key(kind: str) -> Any:
    """A fresh private key: ``rsa`` (2048), ``ecdsa-p256/384/521``, ``ed25519`` or ``sm2``."""
    if kind in ("rsa", "rsa-pss"):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ecdsa-p384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "ecdsa-p521":
        return ec.generate_private_key(ec.SECP521R1())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "sm2":
        from tongsuopy.crypto.asymciphers import ec as sm_ec

        return sm_ec.generate_private_key(sm_ec.SM2())
    raise ValueError(f"unknown key kind {kind!r}; choose from {KEY_KINDS}")


def public_key_der(private_key: Any) -> bytes:
    """The DER SubjectPublicKeyInfo of a private key (cryptography or tongsuopy)."""
    if type(private_key).__module__.startswith("tongsuopy"):
        from tongsuopy.crypto import serialization as sm_serialization

        return bytes(
            private_key.public_key().public_bytes(
                sm_serialization.Encoding.DER, sm_serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return bytes(
        private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _time(value: datetime) -> x509.Time:
    value = value.astimezone(UTC)
    if 1950 <= value.year < 2050:
        return x509.Time(name="utc_time", value=value)
    return x509.Time(name="general_time", value=value)


def _key_id(spki_der: bytes) -> bytes:
    return hashlib.sha1(keys.PublicKeyInfo.load(spki_der)["public_key"].contents[1:]).digest()


@dataclass
class Issued:
    """A certificate with its private key."""

    key: Any
    certificate: x509.Certificate

    @property
    def der(self) -> bytes:
        return bytes(self.certificate.dump())

    @property
    def serial(self) -> int:
        return int(self.certificate.serial_number)


@dataclass
class CertificateAuthority:
    """An in-memory CA that issues certificates, CRLs and OCSP responses."""

    issued: Issued
    parent: CertificateAuthority | None = None
    pss: bool = False
    revoked: dict[int, datetime] = field(default_factory=dict)

    @property
    def certificate(self) -> x509.Certificate:
        return self.issued.certificate

    @property
    def der(self) -> bytes:
        return self.issued.der

    @property
    def key(self) -> Any:
        return self.issued.key

    @property
    def chain(self) -> list[bytes]:
        """This CA's certificate and its parents' up to the root (DER)."""
        out = [self.der]
        parent = self.parent
        while parent is not None:
            out.append(parent.der)
            parent = parent.parent
        return out

    @classmethod
    def root(
        cls,
        name: str,
        *,
        key_kind: str = "ecdsa-p256",
        not_before: datetime,
        lifetime: timedelta = timedelta(days=3650),
        organization: str | None = None,
    ) -> CertificateAuthority:
        key = generate_key(key_kind)
        subject = _name(name, organization)
        cert = _build_certificate(
            subject=subject,
            issuer=subject,
            spki_der=public_key_der(key),
            signing_key=key,
            issuer_spki_der=public_key_der(key),
            serial=_serial(),
            not_before=not_before,
            not_after=not_before + lifetime,
            ca=True,
            key_usage={"key_cert_sign", "crl_sign", "digital_signature"},
            pss=key_kind == "rsa-pss",
        )
        return cls(Issued(key, cert), pss=key_kind == "rsa-pss")

    def intermediate(self, name: str, *, key_kind: str = "ecdsa-p256", not_before: datetime,
                     lifetime: timedelta = timedelta(days=1825)) -> CertificateAuthority:
        issued = self.issue(name, key_kind=key_kind, not_before=not_before, lifetime=lifetime, ca=True)
        return CertificateAuthority(issued, parent=self, pss=key_kind == "rsa-pss")

    def issue(
        self,
        name: str,
        *,
        key_kind: str = "ecdsa-p256",
        key: Any = None,
        not_before: datetime,
        lifetime: timedelta = timedelta(days=730),
        ca: bool = False,
        organization: str | None = None,
        key_usage: Iterable[str] | None = None,
        extended_key_usage: Sequence[str] | None = None,
        extra_extensions: Sequence[dict[str, Any]] = (),
    ) -> Issued:
        """Issue a certificate.  End-entity defaults: digitalSignature + nonRepudiation."""
        key = key if key is not None else generate_key(key_kind)
        if key_usage is None:
            key_usage = {"key_cert_sign", "crl_sign", "digital_signature"} if ca else {"digital_signature", "non_repudiation"}
        cert = _build_certificate(
            subject=_name(name, organization),
            issuer=self.certificate.subject,
            spki_der=public_key_der(key),
            signing_key=self.key,
            issuer_spki_der=public_key_der(self.key),
            serial=_serial(),
            not_before=not_before,
            not_after=not_before + lifetime,
            ca=ca,
            key_usage=set(key_usage),
            extended_key_usage=extended_key_usage,
            pss=self.pss,
            extra_extensions=extra_extensions,
        )
        return Issued(key, cert)

    def issue_tsa(self, name: str, *, key_kind: str = "rsa", not_before: datetime,
                  lifetime: timedelta = timedelta(days=1825)) -> Issued:
        """A timestamping authority certificate (critical EKU id-kp-timeStamping); RSA by
        default because pyHanko's local time stamper (:func:`timestamper`) signs with RSA only."""
        return self.issue(name, key_kind=key_kind, not_before=not_before, lifetime=lifetime,
                          key_usage={"digital_signature", "non_repudiation"},
                          extended_key_usage=["time_stamping"])

    def revoke(self, serial: int, at: datetime) -> None:
        self.revoked[serial] = at

    def crl(self, *, this_update: datetime, next_update: datetime | None = None, number: int = 1) -> bytes:
        """A DER CRL listing what was revoked at or before ``this_update``."""
        ident, alg = key_algorithm(self.key, pss=self.pss)
        entries = [
            {"user_certificate": serial, "revocation_date": _time(at)}
            for serial, at in sorted(self.revoked.items())
            if at <= this_update
        ]
        tbs = crl.TbsCertList(
            {
                "version": "v2",
                "signature": ident,
                "issuer": self.certificate.subject,
                "this_update": _time(this_update),
                "next_update": _time(next_update or this_update + timedelta(days=7)),
                "revoked_certificates": entries or None,
                "crl_extensions": [
                    {"extn_id": "crl_number", "critical": False, "extn_value": number},
                    {"extn_id": "authority_key_identifier", "critical": False,
                     "extn_value": {"key_identifier": _key_id(public_key_der(self.key))}},
                ],
            }
        )
        value = sign(self.key, alg, tbs.dump())
        return bytes(crl.CertificateList({"tbs_cert_list": tbs, "signature_algorithm": ident, "signature": value}).dump())

    def ocsp_response(self, cert: x509.Certificate, *, this_update: datetime,
                      next_update: datetime | None = None) -> bytes:
        """A DER OCSP response for ``cert`` signed by this CA as its own responder."""
        serial = int(cert["tbs_certificate"]["serial_number"].native)
        revoked_at = self.revoked.get(serial)
        if revoked_at is not None and revoked_at <= this_update:
            status = ocsp.CertStatus(name="revoked", value={"revocation_time": revoked_at})
        else:
            status = ocsp.CertStatus(name="good", value=core.Null())
        issuer_key = self.certificate.public_key["public_key"].contents[1:]
        single = {
            "cert_id": {
                "hash_algorithm": {"algorithm": "sha1"},
                "issuer_name_hash": hashlib.sha1(self.certificate.subject.dump()).digest(),
                "issuer_key_hash": hashlib.sha1(issuer_key).digest(),
                "serial_number": serial,
            },
            "cert_status": status,
            "this_update": this_update,
            "next_update": next_update or this_update + timedelta(days=7),
        }
        data = ocsp.ResponseData(
            {
                "responder_id": ocsp.ResponderId(name="by_key", value=hashlib.sha1(issuer_key).digest()),
                "produced_at": this_update,
                "responses": [single],
            }
        )
        ident, alg = key_algorithm(self.key, pss=self.pss)
        basic = ocsp.BasicOCSPResponse(
            {"tbs_response_data": data, "signature_algorithm": ident, "signature": sign(self.key, alg, data.dump()),
             "certs": [self.certificate]}
        )
        return bytes(
            ocsp.OCSPResponse(
                {"response_status": "successful",
                 "response_bytes": {"response_type": "basic_ocsp_response", "response": basic}}
            ).dump()
        )


def _serial() -> int:
    return secrets.randbits(63) | (1 << 62)


def _name(common_name: str, organization: str | None) -> x509.Name:
    attrs: dict[str, str] = {"country_name": "CN"}
    if organization:
        attrs["organization_name"] = organization
    attrs["common_name"] = common_name
    return x509.Name.build(attrs, use_printable=False)


def _build_certificate(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    spki_der: bytes,
    signing_key: Any,
    issuer_spki_der: bytes,
    serial: int,
    not_before: datetime,
    not_after: datetime,
    ca: bool,
    key_usage: set[str],
    extended_key_usage: Sequence[str] | None = None,
    pss: bool = False,
    extra_extensions: Sequence[dict[str, Any]] = (),
) -> x509.Certificate:
    ident, alg = key_algorithm(signing_key, pss=pss)
    extensions: list[dict[str, Any]] = [
        {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": ca}},
        {"extn_id": "key_usage", "critical": True, "extn_value": key_usage},
        {"extn_id": "key_identifier", "critical": False, "extn_value": _key_id(spki_der)},
        {"extn_id": "authority_key_identifier", "critical": False,
         "extn_value": {"key_identifier": _key_id(issuer_spki_der)}},
    ]
    if extended_key_usage:
        extensions.append({"extn_id": "extended_key_usage", "critical": True, "extn_value": list(extended_key_usage)})
    if issuer != subject:
        # Declares where OCSP would be asked (never fetched: esealkit works offline); without
        # it, path validation rightly ignores OCSP responses for the certificate.
        extensions.append({"extn_id": "authority_information_access", "critical": False, "extn_value": [
            {"access_method": "ocsp", "access_location": {"uniform_resource_identifier": "http://ocsp.test.invalid/"}},
        ]})
    extensions.extend(extra_extensions)
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": ident,
            "issuer": issuer,
            "validity": {"not_before": _time(not_before), "not_after": _time(not_after)},
            "subject": subject,
            "subject_public_key_info": keys.PublicKeyInfo.load(spki_der),
            "extensions": extensions,
        }
    )
    value = sign(signing_key, alg, tbs.dump())
    return x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": ident, "signature_value": value})


def simple_pdf(lines: Sequence[str], *, title: str = "esealkit test document", pages: int = 1) -> bytes:
    """A small PDF with Helvetica text lines on each page (ASCII text only)."""
    import io

    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    for number in range(pages):
        ops = [b"BT /F1 18 Tf 72 760 Td (" + _pdf_text(title) + b") Tj ET"]
        y = 720
        for line in lines:
            ops.append(b"BT /F1 12 Tf 72 %d Td (" % y + _pdf_text(line) + b") Tj ET")
            y -= 18
        ops.append(b"BT /F1 9 Tf 72 40 Td (page %d) Tj ET" % (number + 1))
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 595, 842],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            Contents=pdf.make_stream(b"\n".join(ops)),
            Annots=pdf.make_indirect(pikepdf.Array()),
        )
        pdf.pages.append(pikepdf.Page(page))
    pdf.docinfo["/Title"] = title
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def _pdf_text(text: str) -> bytes:
    return text.encode("latin-1", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def add_page_text(pdf: bytes, text: str, *, page: int = 0) -> bytes:
    """An incremental update that draws ``text`` on a page: a change no signer allowed."""
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    page_ref, _ = writer.find_page_for_modification(page)
    page_obj = page_ref.get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 28 Tf 300 500 Td (" + _pdf_text(text) + b") Tj ET")
    ref = writer.add_object(stream)
    contents = page_obj.raw_get("/Contents")
    if isinstance(contents, generic.ArrayObject):
        contents.append(ref)
    else:
        page_obj["/Contents"] = generic.ArrayObject([contents, ref])
    writer.update_container(page_obj)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def timestamper(tsa: Issued, *, at: datetime | None = None, chain: Sequence[bytes] = ()) -> Any:
    """A pyHanko time stamper that answers locally with ``tsa`` (a cryptography key), at
    the fixed time ``at`` when given: for B-T signatures and document timestamps in tests."""
    from pyhanko.sign.timestamps import DummyTimeStamper

    key_der = tsa.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return DummyTimeStamper(
        tsa_cert=tsa.certificate,
        tsa_key=keys.PrivateKeyInfo.load(key_der),
        certs_to_embed=[x509.Certificate.load(c) for c in chain],
        fixed_dt=at,
    )


def add_annotation(pdf: bytes, text: str, *, page: int = 0) -> bytes:
    """An incremental update that adds a visible FreeText annotation (a comment box) to a
    page: harmless to pyHanko's default policy, but it changes what the page shows."""
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    page_ref, _ = writer.find_page_for_modification(page)
    page_obj = page_ref.get_object()
    annot = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
        generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(v) for v in (300, 480, 560, 540)]),
        generic.NameObject("/Contents"): generic.TextStringObject(text),
        generic.NameObject("/DA"): generic.TextStringObject("/Helv 24 Tf 1 0 0 rg"),
        generic.NameObject("/F"): generic.NumberObject(4),
    })
    ref = writer.add_object(annot)
    annots_ref = page_obj.raw_get("/Annots") if "/Annots" in page_obj else None
    if isinstance(annots_ref, generic.IndirectObject):
        annots = annots_ref.get_object()
        annots.append(ref)
        writer.update_container(annots)
    elif isinstance(annots_ref, generic.ArrayObject):
        annots_ref.append(ref)
        writer.update_container(page_obj)
    else:
        page_obj["/Annots"] = generic.ArrayObject([ref])
        writer.update_container(page_obj)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
