"""esealkit: verify, seal and sign PDF and OFD documents with e-seals (电子印章), and manage
e-licences (电子证照) and certificate-free matters (免证办)."""

from esealkit.report import (
    Check,
    DocumentReport,
    Indication,
    SignatureKind,
    SignatureReport,
    SubIndication,
)

__version__ = "0.1.0"

__all__ = [
    "Check",
    "DocumentReport",
    "Indication",
    "SignatureKind",
    "SignatureReport",
    "SubIndication",
    "__version__",
]
