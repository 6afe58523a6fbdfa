"""E-seals (电子印章, GB/T 38540 / GM/T 0031): parse, make, use and verify seals.

    >>> from esealkit.seals import parse_seal, verify_seal
    >>> seal = parse_seal(open("UserV4.esl", "rb").read())      # doctest: +SKIP
    >>> report = verify_seal(seal, trust=anchors)                # doctest: +SKIP
    >>> [(c.name, c.indication.value) for c in report.checks]    # doctest: +SKIP

Modules: :mod:`~esealkit.seals.asn1` (ASN.1 specs), :mod:`~esealkit.seals.model` (the
``Seal``/``SealSignature`` models and parsers), :mod:`~esealkit.seals.make` (make seals and
seal signatures), :mod:`~esealkit.seals.verify` (verification reports),
:mod:`~esealkit.seals.picture` (draw and load seal pictures), :mod:`~esealkit.seals.types`
(seal type names), :mod:`~esealkit.seals.owner` (the owner named by the certificates).
"""

from esealkit.seals.make import (
    make_seal,
    sign_digest_with_seal,
    sign_with_seal,
    signature_algorithm_for_key,
)
from esealkit.seals.model import (
    CertDigest,
    ExtData,
    Seal,
    SealPicture,
    SealSignature,
    detect_kind,
    parse_seal,
    parse_seal_signature,
)
from esealkit.seals.owner import SealOwner, certificate_owner, seal_owner
from esealkit.seals.picture import (
    check_picture,
    cjk_font_path,
    draw_round_seal,
    load_picture,
    vector_picture_reason,
)
from esealkit.seals.types import SEAL_TYPE_NAMES, seal_type_name
from esealkit.seals.verify import SealStatusLookup, seal_summary, verify_seal, verify_seal_signature

__all__ = [
    "SEAL_TYPE_NAMES",
    "CertDigest",
    "ExtData",
    "Seal",
    "SealOwner",
    "SealPicture",
    "SealSignature",
    "SealStatusLookup",
    "certificate_owner",
    "check_picture",
    "cjk_font_path",
    "detect_kind",
    "draw_round_seal",
    "load_picture",
    "make_seal",
    "parse_seal",
    "parse_seal_signature",
    "seal_owner",
    "seal_summary",
    "seal_type_name",
    "sign_digest_with_seal",
    "sign_with_seal",
    "signature_algorithm_for_key",
    "vector_picture_reason",
    "verify_seal",
    "verify_seal_signature",
]
