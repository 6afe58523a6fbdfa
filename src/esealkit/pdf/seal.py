"""Seal PDFs with e-seals (PDF 电子签章) and check the seal a PDF signature carries.

    >>> sealed = seal_pdf(pdf_bytes, seal, signer_key, signer_cert_der, chain=[ca_der],
    ...                   keyword="（盖章）")                                  # doctest: +SKIP
    >>> sealed = seal_pdf(pdf_bytes, seal, key, cert, cross_page=True)       # doctest: +SKIP

Each stamp is a PAdES signature (B-B; B-T with a ``timestamper``; B-LT when
``embed_revocation`` gives CRLs/OCSP responses to store in the DSS) whose visible appearance
is the seal's picture at its true size (``width_mm``×``height_mm``), white made transparent
so the red stamp lies over the text.

**How the seal travels with the signature.**  The CMS SignerInfo carries, as a *signed*
attribute, a GB/T 38540 SES_Signature made with the same signer key and the seal, whose
``dataHash`` is the CMS ``messageDigest`` (the digest of the PDF's signed byte ranges, in the
CMS digest algorithm: SM3 for SM2 keys) and whose ``propertyInfo`` is the field name.  The
attribute type is esealkit's own, under the UUID arc of ITU-T X.667 (no registration
needed, no clash possible)::

    id-esealkit            OBJECT IDENTIFIER ::= { joint-iso-itu-t uuid(25)
                              6198841300657970471034885143610693140 }   -- 04a9da78-f4c5-444d-8c9e-740345169614
    id-esealkit-aa-sesSignature OBJECT IDENTIFIER ::= { id-esealkit 1 1 }
    -- value: SES_Signature (GB/T 38540-2020, DER)

Being a signed attribute, the seal is covered by the CMS signature; a verifier holding only
the PDF checks (:func:`seal_checks`) the seal maker's signature, the seal's validity at
signing time, that the CMS signer's certificate is one the seal lists, the maker's X.509
path, and the seal's status in a seal store.

**Cross-page seals (骑缝章) and several stamps.**  Each stamp is its own signature field
with one widget, signed in turn (each later signature an incremental update that the
earlier ones allow).  One field with several widgets would be one signature, but pyHanko
signs and validates fields with exactly one widget, as most viewers expect; separate
signatures each verify on their own and each carries the seal.

Coordinates: ``x_mm``/``y_mm`` place the *centre* of the stamp, in millimetres from the
*top left* corner of the page's visible box as a viewer shows it (after /Rotate), as
measured on paper; on rotated pages the picture is turned so that it stands upright.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from asn1crypto import core, crl, ocsp, x509
from PIL import Image, ImageChops
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.xmp_xml import XmpXmlProcessingError
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.attributes import CMSAttributeProvider
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.stamp import StaticStampStyle

from esealkit.errors import MalformedInput
from esealkit.pdf.sign import EsealkitSigner
from esealkit.pdf.text import PageGeometry, find_text, page_geometry
from esealkit.report import Check, Indication, SealSummary, SubIndication
from esealkit.seals import (
    Seal,
    load_picture,
    parse_seal_signature,
    seal_summary,
    sign_digest_with_seal,
)
from esealkit.seals._checks import (
    binding_check,
    header_check,
    maker_signature_check,
    picture_check,
    signature_value_check,
    status_check,
    timestamp_check,
    validity_check,
)

if TYPE_CHECKING:
    from esealkit.cms import SignedDataInfo
    from esealkit.engine import Verifier

__all__ = [
    "ESEALKIT_OID_ARC",
    "SES_SIGNATURE_ATTRIBUTE",
    "StampPlacement",
    "seal_checks",
    "seal_pdf",
    "stamp_image",
    "stamp_placements",
]

ESEALKIT_OID_ARC = "2.25.6198841300657970471034885143610693140"
SES_SIGNATURE_ATTRIBUTE = ESEALKIT_OID_ARC + ".1.1"
_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
PT_PER_MM = 72 / 25.4
_WHITE = 235  # a pixel whose R, G and B are all at least this is paper, not ink


@dataclass(frozen=True)
class StampPlacement:
    """Where one stamp goes: a page (0-based), a box in points (PDF user space), which
    vertical slice of the picture it shows (the whole picture: 0 of 1), and how far the
    picture is turned counter-clockwise so that it stands upright on a rotated page."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    strip: int = 0
    strips: int = 1
    rotate: int = 0


def _placement(page: int, geometry: PageGeometry, cx: float, cy: float, width: float, height: float,
               strip: int = 0, strips: int = 1) -> StampPlacement:
    """A stamp centred on the user-space point (cx, cy), ``width``×``height`` as displayed."""
    if geometry.rotate in (90, 270):
        width, height = height, width
    box = (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
    if not all(math.isfinite(v) for v in box):
        # a page box or a text matrix of 1e400s: no place on any page
        raise MalformedInput(f"cannot seal this PDF: page {page + 1} puts the stamp at no finite position")
    return StampPlacement(page, *box, strip=strip, strips=strips, rotate=geometry.rotate)


def stamp_image(seal: Seal) -> Image.Image:
    """The seal's picture as RGBA, with white paper made transparent (a picture that has
    its own alpha channel keeps it).  ``ValueError`` for vector (OFD/SVG) pictures."""
    try:
        image = load_picture(seal)
    except MalformedInput as exc:
        raise ValueError(f"the seal's picture does not decode: {exc}") from exc
    if image is None:
        raise ValueError(f"the seal's {seal.picture.type} picture is vector art; stamping needs a raster picture")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    rgba = image.convert("RGBA")
    if not has_alpha:
        # alpha = 0 where the darkest of R, G, B is still paper-white
        paper = rgba.convert("RGB").point(lambda v: 255 if v >= _WHITE else 0)
        r, g, b = paper.split()
        white = ImageChops.multiply(ImageChops.multiply(r, g), b)
        rgba.putalpha(ImageChops.invert(white))
    return rgba


def _strip(image: Image.Image, index: int, count: int) -> Image.Image:
    width = image.width
    left, right = round(width * index / count), round(width * (index + 1) / count)
    return image.crop((left, 0, max(right, left + 1), image.height))


def stamp_placements(pdf: bytes, seal: Seal, *, page: int = 0, x_mm: float | None = None, y_mm: float | None = None,
                     keyword: str | None = None, every_occurrence: bool = False,
                     cross_page: bool = False) -> list[StampPlacement]:
    """Where :func:`seal_pdf` puts its stamps (see there); ``ValueError`` when nowhere."""
    width, height = seal.picture.width_mm * PT_PER_MM, seal.picture.height_mm * PT_PER_MM
    if width <= 0 or height <= 0:
        raise ValueError(f"the seal's picture size {seal.picture.width_mm}×{seal.picture.height_mm} mm is not positive")
    pages = page_geometry(pdf)
    if cross_page:
        if keyword is not None or x_mm is not None:
            raise ValueError("a cross-page seal goes on the right edges of all pages: give no keyword or x")
        count = len(pages)
        strip_width = width / count
        out = []
        for index, geometry in enumerate(pages):
            shown_w, shown_h = geometry.displayed_size
            # the seal's centre height is y_mm from the top (default: the page's middle)
            dy = y_mm * PT_PER_MM if y_mm is not None else shown_h / 2
            cx, cy = geometry.to_user(shown_w - strip_width / 2, dy)
            out.append(_placement(index, geometry, cx, cy, strip_width, height, strip=index, strips=count))
        return out
    if keyword is not None:
        if x_mm is not None or y_mm is not None:
            raise ValueError("give either a keyword or coordinates, not both")
        hits = find_text(pdf, keyword)
        if not hits:
            raise ValueError(f"the text {keyword!r} was not found on any page")
        chosen = hits if every_occurrence else hits[:1]
        return [_placement(h.page, pages[h.page], h.centre[0], h.centre[1], width, height) for h in chosen]
    if not 0 <= page < len(pages):
        raise ValueError(f"page {page} does not exist (the document has {len(pages)} pages; pages count from 0)")
    geometry = pages[page]
    shown_w, shown_h = geometry.displayed_size
    # default: the lower right of the page, 20 mm from the right and 40 mm from the bottom edge
    dx = x_mm * PT_PER_MM if x_mm is not None else shown_w - 20 * PT_PER_MM - width / 2
    dy = y_mm * PT_PER_MM if y_mm is not None else shown_h - 40 * PT_PER_MM - height / 2
    cx, cy = geometry.to_user(dx, dy)
    return [_placement(page, geometry, cx, cy, width, height)]


class _SesSignatureAttribute(CMSAttributeProvider):  # type: ignore[misc]
    attribute_type = SES_SIGNATURE_ATTRIBUTE

    def __init__(self, der: bytes) -> None:
        self._der = der

    async def build_attr_value(self, dry_run: bool = False) -> core.Any:
        return core.Any.load(self._der)


class _SealSigner(EsealkitSigner):
    """An :class:`EsealkitSigner` that adds the SES_Signature signed attribute."""

    def __init__(self, key: Any, cert_der: bytes, chain: Sequence[bytes], *, seal: Seal, property_info: str) -> None:
        super().__init__(key, cert_der, chain)
        self._seal_key = key
        self._cert_der = cert_der
        self._seal = seal
        self._property_info = property_info

    def _signed_attr_providers(self, data_digest: bytes, digest_algorithm: str, attr_settings: Any,
                               timestamper: Any = None, use_cades: bool = False, is_pdf_sig: bool = True) -> Any:
        yield from super()._signed_attr_providers(data_digest, digest_algorithm, attr_settings,
                                                  timestamper=timestamper, use_cades=use_cades, is_pdf_sig=is_pdf_sig)
        signing_time = getattr(attr_settings, "signing_time", None) or datetime.now(UTC)
        der = sign_digest_with_seal(self._seal, signer_key=self._seal_key, signer_cert_der=self._cert_der,
                                    data_hash=data_digest, property_info=self._property_info,
                                    signing_time=signing_time)
        yield _SesSignatureAttribute(der)


class _PdfSigner(signers.PdfSigner):  # type: ignore[misc]
    """A PdfSigner whose signing time is the caller's (pyHanko takes the clock's)."""

    def __init__(self, *args: Any, system_time: datetime | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._system_time = system_time

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        if self._system_time is not None:
            session.system_time = self._system_time
        return session


# What pyHanko raises on a document it cannot read or write besides its PdfError: its
# reader and writer trust the types the file gives (a page without /Type, an /AcroForm
# that is a number, an /Info that is no dictionary, malformed XMP metadata, a DocMDP /P
# that is no permission...), and a hostile file breaks that trust.
_UNREADABLE = (PdfError, XmpXmlProcessingError, SignatureValidationError, TypeError, KeyError, AttributeError,
               AssertionError, LookupError, ArithmeticError, RecursionError)


def _free_field_names(pdf: bytes, base: str, count: int) -> list[str]:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    taken = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev)}
    if count == 1 and base not in taken:
        return [base]
    names: list[str] = []
    number = 1
    while len(names) < count:
        candidate = f"{base}_{number}"
        if candidate not in taken:
            names.append(candidate)
        number += 1
    return names


def _sign_once(pdf: bytes, *, seal: Seal, signer_key: Any, signer_cert_der: bytes, chain: Sequence[bytes],
               placement: StampPlacement, image: Image.Image, field_name: str, timestamper: TimeStamper | None,
               signing_time: datetime | None, reason: str | None, location: str | None) -> bytes:
    signer = _SealSigner(signer_key, signer_cert_der, chain, seal=seal, property_info=field_name)
    width, height = placement.x1 - placement.x0, placement.y1 - placement.y0
    picture = image if placement.strips == 1 else _strip(image, placement.strip, placement.strips)
    if placement.rotate:
        # viewers turn the page (and its widgets) clockwise; turn the picture back
        picture = picture.rotate(placement.rotate, expand=True)
    style = StaticStampStyle(
        background=PdfImage(picture, box=layout.BoxConstraints(width=width, height=height)),
        background_opacity=1.0,
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0), inner_content_scaling=layout.InnerScaling.STRETCH_FILL),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm=signer.digest_algorithm,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    spec = fields.SigFieldSpec(field_name, on_page=placement.page,
                               box=(placement.x0, placement.y0, placement.x1, placement.y1))
    pdf_signer = _PdfSigner(meta, signer=signer, timestamper=timestamper, stamp_style=style, new_field_spec=spec,
                            system_time=signing_time)
    out = io.BytesIO()
    pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), output=out)
    return out.getvalue()


def _add_dss(pdf: bytes, certs: Sequence[bytes], crls: Sequence[bytes], ocsps: Sequence[bytes]) -> bytes:
    stream = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(
        stream, None,
        certs=[x509.Certificate.load(c) for c in certs],
        crls=[crl.CertificateList.load(c) for c in crls],
        ocsps=[ocsp.OCSPResponse.load(o) for o in ocsps],
        force_write=True, strict=False,
    )
    return stream.getvalue()


def seal_pdf(
    pdf: bytes,
    seal: Seal,
    signer_key: Any,
    signer_cert_der: bytes,
    *,
    chain: Sequence[bytes] = (),
    page: int = 1,
    x_mm: float | None = None,
    y_mm: float | None = None,
    keyword: str | None = None,
    every_occurrence: bool = False,
    cross_page: bool = False,
    timestamper: TimeStamper | None = None,
    embed_revocation: tuple[Sequence[bytes], Sequence[bytes]] | None = None,
    field_name: str | None = None,
    signing_time: datetime | None = None,
    reason: str | None = None,
    location: str | None = None,
) -> bytes:
    """Seal ``pdf`` (盖章): PAdES signature(s) by ``signer_key`` whose visible stamp is the seal.

    Placement, one of:

    - ``page`` (from 1, as :func:`esealkit.seal_ofd` counts) with ``x_mm``/``y_mm``: the
      stamp's centre, in mm from the top left of the page (default: the lower right, 20 mm
      from the right and 40 mm from the bottom);
    - ``keyword``: centred on the first occurrence of that text (``every_occurrence``: on
      each, one signature per stamp);
    - ``cross_page`` (骑缝章): the picture cut into one vertical strip per page, strip *i* at
      the right edge of page *i*, one signature per page (``y_mm`` from the top sets the
      height of the seal's centre; default the middle of the page).

    ``signer_cert_der`` must be one the seal lists (``ValueError`` otherwise, as for a
    document whose certification forbids more signatures; :class:`MalformedInput` for a
    document that cannot be read). ``chain`` holds
    intermediate CA certificates to embed.  ``timestamper`` (a pyHanko TimeStamper) makes
    B-T.  ``embed_revocation=(crls, ocsps)`` (DER) adds a DSS with them and the certificates
    (B-LT); nothing is fetched.  ``signing_time`` fixes the claimed signing time (default now).
    """
    if seal.version not in (4, 5):
        raise ValueError(f"sealing with a version {seal.version} seal is not supported (only 4 and 5)")
    binding = binding_check(seal, signer_cert_der)
    if binding.indication is not Indication.TOTAL_PASSED:
        raise ValueError(f"the signer cannot use this seal: {binding.message}")
    if signing_time is not None and signing_time.tzinfo is None:
        raise ValueError("signing_time must be timezone-aware")
    image = stamp_image(seal)
    if page < 1:
        raise ValueError("pages are counted from 1")
    placements = stamp_placements(pdf, seal, page=page - 1, x_mm=x_mm, y_mm=y_mm, keyword=keyword,
                                  every_occurrence=every_occurrence, cross_page=cross_page)
    try:
        names = _free_field_names(pdf, field_name or "Seal", len(placements))
        if field_name is not None and len(placements) == 1 and names != [field_name]:
            raise ValueError(f"the document already has a signature field named {field_name!r}")
        out = pdf
        for placement, name in zip(placements, names, strict=True):
            out = _sign_once(out, seal=seal, signer_key=signer_key, signer_cert_der=signer_cert_der, chain=chain,
                             placement=placement, image=image, field_name=name, timestamper=timestamper,
                             signing_time=signing_time, reason=reason, location=location)
        if embed_revocation is not None:
            crls, ocsps = embed_revocation
            out = _add_dss(out, [signer_cert_der, *chain, seal.maker_cert], crls, ocsps)
    except SigningError as exc:  # e.g. a certification signature forbids more signatures
        raise ValueError(f"cannot seal this PDF: {exc}") from exc
    except _UNREADABLE as exc:  # pyHanko could not read or write the document
        raise MalformedInput(f"cannot seal this PDF: {type(exc).__name__}: {exc}") from exc
    return out


# --- verification ---------------------------------------------------------------------


def _renamed(check: Check, name: str) -> Check:
    return check if check.name == name else replace(check, name=name)


def _message_digest(info: SignedDataInfo) -> bytes | None:
    values = info.attributes.get(_MESSAGE_DIGEST, ())
    if len(values) != 1:
        return None
    try:
        return bytes(core.OctetString.load(values[0]).native)
    except (ValueError, TypeError):
        return None


def seal_checks(
    info: SignedDataInfo,
    *,
    verifier: Verifier,
    signing_time: datetime | None = None,
    timestamp_time: datetime | None = None,
    extra_certs: Sequence[bytes] = (),
    extra_crls: Sequence[bytes] = (),
    extra_ocsps: Sequence[bytes] = (),
) -> tuple[list[Check], SealSummary | None]:
    """The checks of the e-seal a PDF signature carries, and its summary; ``([], None)``
    when the signature carries no seal.

    ``info`` is the parsed CMS (its SignerInfo's integrity and signature are checked by the
    PDF verifier, which covers the seal attribute).  The seal's validity window is judged
    at ``timestamp_time`` (proven), else ``signing_time`` (claimed by the CMS), else the
    SES_Signature's own time; the maker's X.509 path at ``timestamp_time`` or the
    verifier's validation time; with ``verifier.seal_store`` the seal's status too.
    Checks: ``seal_format``, ``seal_header``, ``seal_signature_value``, ``seal_data_hash``,
    ``signer_binding``, ``seal_maker_signature``, ``seal_validity``, ``seal_picture``,
    (``seal_timestamp``), ``seal_maker_trust``, (``seal_status``).
    """
    values = info.attributes.get(SES_SIGNATURE_ATTRIBUTE)
    if values is None:
        return [], None
    if len(values) != 1:
        return [Check.failed("seal_format", SubIndication.FORMAT_FAILURE,
                             f"the seal attribute holds {len(values)} values, not one")], None
    try:
        sig = parse_seal_signature(values[0])
    except MalformedInput as exc:
        return [Check.failed("seal_format", SubIndication.FORMAT_FAILURE,
                             f"the seal attribute is not an SES_Signature: {exc}")], None
    seal = sig.seal
    checks = [
        Check.passed("seal_format", f"SES_Signature version {sig.version} with seal {seal.es_id!r}"),
        _renamed(header_check(seal, sig), "seal_header"),
        _renamed(signature_value_check(sig), "seal_signature_value"),
    ]
    digest = _message_digest(info)
    if digest is None:
        checks.append(Check.failed("seal_data_hash", SubIndication.FORMAT_FAILURE,
                                   "the CMS has no single messageDigest attribute"))
    elif digest != sig.data_hash:
        checks.append(Check.failed("seal_data_hash", SubIndication.HASH_FAILURE,
                                   "the seal signature's dataHash is not the digest of the signed PDF bytes"))
    else:
        checks.append(Check.passed("seal_data_hash", "the seal signature's dataHash is the signed PDF bytes' digest"))
    signer = info.signer_cert_der
    if signer is None:
        checks.append(Check.indeterminate("signer_binding", SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
                                          "the CMS does not carry the signer's certificate"))
    elif sig.signer_cert != signer:
        checks.append(Check.failed("signer_binding", SubIndication.SIGNER_NOT_BOUND_TO_SEAL,
                                   "the seal signature was made with another certificate than the PDF signature"))
    else:
        checks.append(binding_check(seal, signer))
    checks.append(maker_signature_check(seal))
    if timestamp_time is not None:
        t, what = timestamp_time, "the time the signature timestamp proves"
    elif signing_time is not None:
        t, what = signing_time, "the claimed signing time"
    elif sig.signing_time is not None:
        t, what = sig.signing_time, "the seal signature's time"
    else:
        t, what = verifier.validation_time, "the validation time"
    checks.append(validity_check(seal, t, what))
    checks.append(_renamed(picture_check(seal), "seal_picture"))
    if seal.timestamp is not None:
        checks.append(timestamp_check(seal.timestamp, seal.signed_value, validator=verifier.validator,
                                      at=verifier.validation_time, name="seal_timestamp")[0])
    checks.append(verifier.trust_check(seal.maker_cert, at=timestamp_time or verifier.validation_time,
                                       purpose="seal_maker", extra_certs=tuple(extra_certs),
                                       extra_crls=tuple(extra_crls), extra_ocsps=tuple(extra_ocsps),
                                       name="seal_maker_trust"))
    status = None
    if verifier.seal_store is not None:
        check, status = status_check(verifier.seal_store, seal, t)
        checks.append(check)
    return checks, seal_summary(seal, status)
