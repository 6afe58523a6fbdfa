"""E-licences (电子证照, "electronic certificates"): identifiers, metadata, licence types.

::

    >>> from esealkit.certs import parse_licence_id, check_uscc
    >>> parse_licence_id(
    ...     "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U").check
    'U'
    >>> check_uscc("11100000000013338W")
    '11100000000013338W'
"""

import importlib
from typing import TYPE_CHECKING, Any

from esealkit.certs.catalogue import (
    Catalogue,
    FieldSpec,
    LicenceType,
    default_catalogue,
    load_catalogue,
)
from esealkit.certs.identifiers import (
    ROOT_CODE,
    LicenceId,
    check_resident_id,
    check_uscc,
    parse_licence_id,
)
from esealkit.certs.model import (
    Holder,
    HolderKind,
    Issuer,
    Licence,
    LicenceStatus,
    Validity,
)

if TYPE_CHECKING:
    from esealkit.certs.issue import IssuedLicence, issue_licence, licence_from_data
    from esealkit.certs.verify import verify_licence

# Issuing and verifying pull in the OFD, PDF and PKI code: loaded on first use, so that
# the model, the identifiers and the licence library stay quick to import.
_LAZY = {
    "IssuedLicence": "esealkit.certs.issue",
    "issue_licence": "esealkit.certs.issue",
    "licence_from_data": "esealkit.certs.issue",
    "verify_licence": "esealkit.certs.verify",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "ROOT_CODE",
    "Catalogue",
    "FieldSpec",
    "Holder",
    "HolderKind",
    "IssuedLicence",
    "Issuer",
    "Licence",
    "LicenceId",
    "LicenceStatus",
    "LicenceType",
    "Validity",
    "check_resident_id",
    "check_uscc",
    "default_catalogue",
    "issue_licence",
    "licence_from_data",
    "load_catalogue",
    "parse_licence_id",
    "verify_licence",
]
