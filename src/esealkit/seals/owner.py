"""Who a seal belongs to (印章所有者): names and codes read from the seal's certificates.

    >>> owner = seal_owner(parse_seal_signature(der).seal)            # doctest: +SKIP
    >>> owner.name, owner.uscc, owner.seal_code                          # doctest: +SKIP
    ('淄博市周村区自然资源局', '11370306MB2867521U', '37030000001721')

SES_Seal names no owner; government seal systems put it in the signer (签章者)
certificate: ``O = <unified social credit code><organisation name>`` and
``CN = <14-digit seal code>`` (STANDARDS.md §1.6).  Other layouts give what can be found:
the USCC also from ``organizationIdentifier`` or ``serialNumber``, the name from ``O``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from asn1crypto import x509

from esealkit._names import NAME_ERRORS, name_attributes, name_text
from esealkit.cms import signer_summary
from esealkit.errors import InvalidIdentifier
from esealkit.report import SignerSummary

__all__ = ["SealOwner", "certificate_owner", "certificate_summary", "name_text", "seal_owner"]

_PARSE_ERRORS = NAME_ERRORS
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}[0-9A-HJ-NPQRTUWXY]")
_SEAL_CODE = re.compile(r"[0-9]{13,14}")


@dataclass(frozen=True)
class SealOwner:
    """The owner as the certificate names it; any part may be ``None`` when absent."""

    name: str | None  # 单位名称
    uscc: str | None  # 统一社会信用代码 (check character verified)
    seal_code: str | None  # 印章编码 from the CN, when it is 13-14 digits


# Summaries and owners are pure functions of the certificate's bytes, asked for again for
# every document a seal or signer signs (half a millisecond each in asn1crypto): kept.
@functools.lru_cache(maxsize=4096)
def certificate_summary(cert_der: bytes) -> SignerSummary | None:
    """Subject, issuer, serial and SHA-256 of a DER certificate (as
    :func:`esealkit.cms.signer_summary` gives them); ``None`` if it does not parse."""
    try:
        cert = x509.Certificate.load(cert_der, strict=True)
        cert.subject, cert.issuer, cert.serial_number  # noqa: B018 - the parts shown must parse
        return signer_summary(cert_der)
    except _PARSE_ERRORS:
        return None


def _valid_uscc(candidate: str) -> bool:
    from esealkit.certs.identifiers import check_uscc

    try:
        check_uscc(candidate)
    except InvalidIdentifier:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def certificate_owner(cert_der: bytes) -> SealOwner | None:
    """The owner named by a signer certificate, or ``None`` when it does not parse."""
    try:
        attributes = name_attributes(x509.Certificate.load(cert_der, strict=True).subject)
    except _PARSE_ERRORS:
        return None
    values: dict[str, str] = {}
    for key, _, text in attributes:
        values.setdefault(key, text.strip())
    organization = values.get("organization_name")
    uscc = None
    name = organization
    if organization and _USCC.match(organization) and _valid_uscc(organization[:18]):
        uscc, name = organization[:18], organization[18:].strip() or None
    for key in ("organization_identifier", "2.5.4.97", "serial_number"):
        if uscc is None and key in values:
            found = _USCC.search(values[key])
            if found and _valid_uscc(found.group(0)):
                uscc = found.group(0)
    common_name = values.get("common_name", "")
    seal_code = common_name if _SEAL_CODE.fullmatch(common_name) else None
    return SealOwner(name=name, uscc=uscc, seal_code=seal_code)


def seal_owner(seal: Any) -> SealOwner | None:
    """The owner of a :class:`~esealkit.seals.Seal`, from the first signer certificate it
    lists (``None`` for seals that list certificate digests only)."""
    for cert in seal.signer_certs:
        owner = certificate_owner(cert)
        if owner is not None:
            return owner
    return None
