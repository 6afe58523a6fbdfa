"""Issue an e-licence (电子证照签发): identifier, OFD and PDF documents, seal, library.

::

    issued = issue_licence(
        {"type_code": "...W101", "number": "...", "holder": {...}, "issuer": {...},
         "issue_date": "2026-01-05", "valid_from": "2026-01-05", "valid_to": None,
         "fields": {...}},
        seal=seal, signer_key=key, signer_cert_der=cert_der, library=library)
    Path(f"{issued.licence.id}.ofd").write_bytes(issued.ofd)
    Path(f"{issued.licence.id}.pdf").write_bytes(issued.pdf)

The data is the licence's JSON form (:meth:`Licence.to_dict`) without ``identifier`` and
``schema_version``: the identifier is built from the type code, the issuer's USCC, a
serial (given as ``serial`` in the data, or made up: issue date + 12 random characters)
and ``version`` (default ``001``); ``type_name`` defaults to the catalogue's name and
``status`` to valid.  The licence is checked against the catalogue, the OFD form is
sealed with the e-seal (:func:`esealkit.ofd.seal_ofd`), the PDF form is signed by the
same signer with the seal's picture on the page (:func:`esealkit.pdf.sign.sign_pdf`), and
the licence is added to ``library`` when one is given.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from esealkit.certs.catalogue import Catalogue, default_catalogue
from esealkit.certs.checkcodes import ALNUM36
from esealkit.certs.identifiers import LicenceId
from esealkit.certs.licence_ofd import licence_ofd
from esealkit.certs.licence_pdf import licence_pdf
from esealkit.certs.model import SCHEMA_VERSION, Licence
from esealkit.certs.render import lay_out
from esealkit.errors import InvalidIdentifier, MalformedInput, StoreError
from esealkit.seals.model import Seal

__all__ = ["IssuedLicence", "issue_licence", "licence_from_data"]


@dataclass(frozen=True)
class IssuedLicence:
    """An issued licence: its metadata and its sealed documents."""

    licence: Licence
    ofd: bytes
    pdf: bytes


def _serial(issue_date: str) -> str:
    return issue_date.replace("-", "") + "".join(secrets.choice(ALNUM36) for _ in range(12))


def licence_from_data(
    data: Mapping[str, Any], *, catalogue: Catalogue | None = None, serial: str | None = None
) -> Licence:
    """Validate issuance data and assign the identifier (see the module docstring).

    Raises :class:`MalformedInput` naming the bad key.
    """
    if not isinstance(data, Mapping):
        raise MalformedInput(f"licence data: expected an object, got {type(data).__name__}")
    catalogue = catalogue if catalogue is not None else default_catalogue()
    for key in ("identifier", "schema_version"):
        if key in data:
            raise MalformedInput(f"{key}: is assigned on issuance, leave it out")
    body = dict(data)
    type_code = body.get("type_code")
    if not isinstance(type_code, str) or type_code not in catalogue:
        raise MalformedInput(f"type_code: {type_code!r} is not in the catalogue")
    licence_type = catalogue.get(type_code)
    issuer = body.get("issuer")
    issue_date = body.get("issue_date")
    if not isinstance(issuer, Mapping) or not isinstance(issuer.get("code"), str):
        raise MalformedInput("issuer.code: missing")
    if not isinstance(issue_date, str):
        raise MalformedInput("issue_date: missing")
    chosen = body.pop("serial", None) or serial or _serial(issue_date)
    version = body.pop("version", "001")
    try:
        identifier = LicenceId.build(type_code, issuer["code"], chosen, version)
    except InvalidIdentifier as exc:
        raise MalformedInput(f"identifier: {exc}") from exc
    body.setdefault("type_name", licence_type.name)
    body.setdefault("status", "valid")
    body.setdefault("fields", {})
    body.setdefault("valid_to", None)
    body.update(schema_version=SCHEMA_VERSION, identifier=str(identifier))
    licence = Licence.from_dict(body)
    licence_type.check_licence(licence)
    lay_out(licence, licence_type)  # raises ValueError when it does not fit the page
    return licence


def issue_licence(
    data: Mapping[str, Any],
    seal: Seal,
    signer_key: Any,
    signer_cert_der: bytes,
    *,
    chain: Sequence[bytes] = (),
    catalogue: Catalogue | None = None,
    library: Any = None,
    serial: str | None = None,
    signing_time: dt.datetime | None = None,
) -> IssuedLicence:
    """Issue one licence: validate, identify, render OFD and PDF, seal, record.

    ``signer_cert_der`` must be a certificate the seal lists; ``chain`` holds the
    intermediate certificates embedded in the PDF signature.  ``library`` is a
    :class:`esealkit.store.licences.LicenceLibrary` (or None); a licence it already
    holds raises :class:`StoreError`.  ``signing_time`` defaults to now.
    """
    from esealkit.ofd import seal_ofd
    from esealkit.pdf.sign import sign_pdf

    catalogue = catalogue if catalogue is not None else default_catalogue()
    licence = licence_from_data(data, catalogue=catalogue, serial=serial)
    licence_type = catalogue.get(licence.type_code)
    layout = lay_out(licence, licence_type)
    when = signing_time or dt.datetime.now(dt.UTC)
    x_mm, y_mm = layout.seal_centre
    ofd = seal_ofd(
        licence_ofd(licence, licence_type),
        seal,
        signer_key,
        signer_cert_der,
        page=1,
        x_mm=x_mm - seal.picture.width_mm / 2,
        y_mm=y_mm - seal.picture.height_mm / 2,
        signing_time=when,
    )
    pdf = sign_pdf(
        licence_pdf(licence, licence_type, seal_picture=seal.picture),
        key=signer_key,
        cert_der=signer_cert_der,
        chain=chain,
        field_name="LicenceSeal",
        reason=f"{licence.issuer.name} 签发电子证照",
    )
    if library is not None:
        result = library.add(licence)
        if not result.added:
            raise StoreError(f"the licence library already holds {licence.id!r}")
    return IssuedLicence(licence, ofd, pdf)
