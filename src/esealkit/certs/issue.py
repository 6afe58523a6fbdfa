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
sealed with the e-seal (:func:`esealkit.ofd.seal_ofd`), the PDF form is sealed with the
same e-seal (:func:`esealkit.pdf.seal.seal_pdf`: the stamp at the same place, the seal in
the signature), and the licence is added to ``library`` when one is given.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from esealkit.certs.catalogue import Catalogue, default_catalogue
from esealkit.certs.checkcodes import ALNUM36
from esealkit.certs.identifiers import LicenceId
from esealkit.certs.licence_io import licence_data_from_cells
from esealkit.certs.licence_ofd import licence_ofd
from esealkit.certs.licence_pdf import licence_pdf
from esealkit.certs.model import DATA_COLUMNS, SCHEMA_VERSION, Licence
from esealkit.certs.render import lay_out
from esealkit.errors import InvalidIdentifier, MalformedInput, StoreError
from esealkit.seals.model import Seal

__all__ = ["IssuedLicence", "issue_licence", "licence_from_data", "read_issuance_data"]


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
    row = body.pop("_row", None)
    if row is not None:
        try:
            return licence_from_data(body, catalogue=catalogue, serial=serial)
        except MalformedInput as exc:
            raise MalformedInput(f"row {row}, {exc}") from exc
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
    from esealkit.pdf.seal import seal_pdf

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
        x_mm=x_mm,
        y_mm=y_mm,
        signing_time=when,
    )
    # The PDF form carries the same e-seal as the OFD: seal_pdf stamps its picture and puts
    # the SES_Signature in the CMS, so verify_pdf checks the seal from the file alone.
    pdf = seal_pdf(
        licence_pdf(licence, licence_type),
        seal,
        signer_key,
        signer_cert_der,
        chain=chain,
        page=1,
        x_mm=x_mm,
        y_mm=y_mm,
        field_name="LicenceSeal",
        signing_time=when,
        reason=f"{licence.issuer.name} 签发电子证照",
    )
    if library is not None:
        result = library.add(licence)
        if not result.added:
            raise StoreError(f"the licence library already holds {licence.id!r}")
    return IssuedLicence(licence, ofd, pdf)


_DRAFT_COLUMNS = tuple(c for c in DATA_COLUMNS if c != "type_name")  # the name defaults from the catalogue
_OPTIONAL_COLUMNS = ("type_name", "serial", "version")


def read_issuance_data(path: str | Path) -> list[dict[str, Any]]:
    """Issuance data from a JSON file (one object or a list) or a CSV file for bulk issuance.

    CSV columns: ``type_code, number, holder_name, holder_kind, holder_id_type,
    holder_id_number, issuer_name, issuer_code, issue_date, valid_from, valid_to`` (empty
    or 长期 = long-term), optionally ``type_name, serial, version``, and ``KZ_<KEY>`` columns
    for the type-specific fields.  Errors name the row.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() != ".csv":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MalformedInput(f"{path}: not JSON ({exc})") from exc
        items = data if isinstance(data, list) else [data]
        if not all(isinstance(item, dict) for item in items):
            raise MalformedInput(f"{path}: expected an object or a list of objects")
        return items
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0] if rows else []
    missing = [name for name in _DRAFT_COLUMNS if name not in header]
    unknown = [
        n for n in header if n not in _DRAFT_COLUMNS + _OPTIONAL_COLUMNS and not n.startswith("KZ_")
    ]
    if missing or unknown:
        raise MalformedInput(
            f"row 1: column {(missing or unknown)[0]!r} is {'missing' if missing else 'unknown'}"
        )
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise MalformedInput(f"row {number}: {len(row)} cells, expected {len(header)}")
        cells = dict(zip(header, row, strict=True))
        item: dict[str, Any] = {**licence_data_from_cells(cells), "_row": number}
        del item["type_name"]  # from the catalogue unless the row gives it (below)
        item.update({key: cells[key] for key in _OPTIONAL_COLUMNS if cells.get(key)})
        out.append(item)
    return out
