"""Signature algorithms and digests by OID (签名算法).

The one place where esealkit turns (key, algorithm, value, data) into a yes or no.
"""

from esealkit.crypto.digests import DIGEST_OIDS, UnsupportedAlgorithm, digest, digest_name, hasher
from esealkit.crypto.signatures import (
    SM2_CURVE_OID,
    SM2_WITH_SM3,
    InvalidSignature,
    SignatureAlgorithm,
    key_algorithm,
    load_public_key,
    sign,
    sm2_available,
    sm2_signature_to_der,
    verify_signature,
)

__all__ = [
    "DIGEST_OIDS",
    "SM2_CURVE_OID",
    "SM2_WITH_SM3",
    "InvalidSignature",
    "SignatureAlgorithm",
    "UnsupportedAlgorithm",
    "digest",
    "digest_name",
    "hasher",
    "key_algorithm",
    "load_public_key",
    "sign",
    "sm2_available",
    "sm2_signature_to_der",
    "verify_signature",
]
