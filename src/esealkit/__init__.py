"""esealkit: verify, seal and sign PDF and OFD documents with e-seals (电子印章), and manage
e-licences (电子证照) and certificate-free matters (免证办).

    >>> from esealkit import Trust, verify_pdf
    >>> report = verify_pdf("contract.pdf", trust=Trust.load(["root.pem"]))   # doctest: +SKIP
    >>> bool(report), report.message                                           # doctest: +SKIP
    (True, '1 signature, all passed')
"""

from esealkit.batch import BatchVerifier
from esealkit.certs import issue_licence, verify_licence
from esealkit.engine import Verifier, verify_pdf
from esealkit.errors import (
    EsealkitError,
    InvalidIdentifier,
    MalformedInput,
    PolicyError,
    StoreError,
)
from esealkit.ofd import seal_ofd, verify_ofd
from esealkit.pdf.seal import seal_pdf
from esealkit.pki import Trust
from esealkit.policy import ValidationPolicy
from esealkit.report import (
    Check,
    DocumentReport,
    Indication,
    SignatureKind,
    SignatureReport,
    SubIndication,
    VerificationFailed,
)
from esealkit.seals import (
    make_seal,
    parse_seal,
    parse_seal_signature,
    sign_with_seal,
    verify_seal,
    verify_seal_signature,
)

__version__ = "0.1.0"

__all__ = [
    "BatchVerifier",
    "Check",
    "DocumentReport",
    "EsealkitError",
    "Indication",
    "InvalidIdentifier",
    "MalformedInput",
    "PolicyError",
    "SignatureKind",
    "SignatureReport",
    "StoreError",
    "SubIndication",
    "Trust",
    "ValidationPolicy",
    "VerificationFailed",
    "Verifier",
    "__version__",
    "issue_licence",
    "make_seal",
    "parse_seal",
    "parse_seal_signature",
    "seal_ofd",
    "seal_pdf",
    "sign_with_seal",
    "verify_licence",
    "verify_ofd",
    "verify_pdf",
    "verify_seal",
    "verify_seal_signature",
]
