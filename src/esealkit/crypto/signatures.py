"""Signature algorithms by OID: RSA PKCS#1 v1.5, RSA-PSS, ECDSA, Ed25519/Ed448, SM2-with-SM3.

    >>> alg = SignatureAlgorithm.from_oid("1.2.840.10045.4.3.2")   # ecdsa-with-SHA256
    >>> alg.scheme, alg.digest
    ('ecdsa', 'sha256')

SM2 (GB/T 32918) needs the optional ``tongsuopy`` package (``pip install esealkit[sm]``):
``cryptography`` hashes SM3 but cannot load SM2 keys.  SM2 signatures use the Z
preprocessing with the standard default user ID ``1234567812345678``; values stored as raw
64-byte r‖s (one real vendor does this) are accepted and converted to DER.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, keys
from cryptography.exceptions import InvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm as CryptographyUnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

from esealkit.crypto.digests import UnsupportedAlgorithm, digest_name

__all__ = [
    "SM2_CURVE_OID",
    "SM2_WITH_SM3",
    "InvalidSignature",
    "SignatureAlgorithm",
    "UnsupportedAlgorithm",
    "key_algorithm",
    "load_public_key",
    "sign",
    "sm2_available",
    "sm2_signature_to_der",
    "verify_signature",
]

SM2_WITH_SM3 = "1.2.156.10197.1.501"
SM2_CURVE_OID = "1.2.156.10197.1.301"

# signature OID → (scheme, digest or None when it comes from the context)
_SIGNATURE_OIDS: dict[str, tuple[str, str | None]] = {
    "1.2.840.113549.1.1.1": ("rsa_pkcs1v15", None),  # rsaEncryption: digest from the CMS
    "1.2.840.113549.1.1.5": ("rsa_pkcs1v15", "sha1"),
    "1.2.840.113549.1.1.14": ("rsa_pkcs1v15", "sha224"),
    "1.2.840.113549.1.1.11": ("rsa_pkcs1v15", "sha256"),
    "1.2.840.113549.1.1.12": ("rsa_pkcs1v15", "sha384"),
    "1.2.840.113549.1.1.13": ("rsa_pkcs1v15", "sha512"),
    "1.2.156.10197.1.504": ("rsa_pkcs1v15", "sm3"),
    "1.2.840.113549.1.1.10": ("rsa_pss", None),
    "1.2.840.10045.2.1": ("ecdsa", None),  # id-ecPublicKey used as a signature OID
    "1.2.840.10045.4.1": ("ecdsa", "sha1"),
    "1.2.840.10045.4.3.1": ("ecdsa", "sha224"),
    "1.2.840.10045.4.3.2": ("ecdsa", "sha256"),
    "1.2.840.10045.4.3.3": ("ecdsa", "sha384"),
    "1.2.840.10045.4.3.4": ("ecdsa", "sha512"),
    "1.3.101.112": ("ed25519", None),
    "1.3.101.113": ("ed448", None),
    SM2_WITH_SM3: ("sm2", "sm3"),
    "1.2.156.10197.1.301.1": ("sm2", "sm3"),  # sm2sign
    SM2_CURVE_OID: ("sm2", "sm3"),  # seen as a signature OID in GM/T 0010 containers
}

_CRYPTOGRAPHY_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sha3_256": hashes.SHA3_256,
    "sha3_384": hashes.SHA3_384,
    "sha3_512": hashes.SHA3_512,
    "sm3": hashes.SM3,
}


class KeyMismatch(UnsupportedAlgorithm):
    """The signer's key is not of the kind the signature algorithm names (an ECDSA value
    labelled RSA, say): a CMS says so (``CRYPTO_CONSTRAINTS_FAILURE``), a seal's own
    signatures fail as not verifying."""


@dataclass(frozen=True)
class SignatureAlgorithm:
    """A signature scheme with the parameters needed to verify one value."""

    scheme: str  # rsa_pkcs1v15 | rsa_pss | ecdsa | ed25519 | ed448 | sm2
    digest: str | None  # canonical digest name; None for EdDSA
    pss_salt_length: int | None = None
    pss_mgf_digest: str | None = None

    @classmethod
    def from_oid(
        cls, oid: str, *, digest: str | None = None, parameters: Any = None
    ) -> SignatureAlgorithm:
        """The algorithm named by a signature OID.

        ``digest`` (a name or OID) fills in the hash for OIDs that leave it to the context,
        as CMS does with ``rsaEncryption``.  ``parameters`` are the RSASSA-PSS parameters
        (an asn1crypto ``RSASSAPSSParams`` or its DER).
        """
        try:
            scheme, fixed_digest = _SIGNATURE_OIDS[oid]
        except KeyError:
            raise UnsupportedAlgorithm(f"unsupported signature algorithm {oid}") from None
        if scheme in ("ed25519", "ed448"):
            return cls(scheme, None)
        if scheme == "rsa_pss":
            params = parameters
            if isinstance(params, bytes | bytearray):
                params = algos.RSASSAPSSParams.load(bytes(params))
            if not isinstance(params, algos.RSASSAPSSParams):
                raise UnsupportedAlgorithm("RSASSA-PSS without parameters")
            hash_name = digest_name(params["hash_algorithm"]["algorithm"].dotted)
            mgf = params["mask_gen_algorithm"]
            if mgf["algorithm"].native != "mgf1":
                raise UnsupportedAlgorithm("RSASSA-PSS with a mask generation function other than MGF1")
            mgf_hash = digest_name(mgf["parameters"]["algorithm"].dotted)
            return cls("rsa_pss", hash_name, int(params["salt_length"].native), mgf_hash)
        chosen = fixed_digest or (digest_name(digest) if digest else None)
        if chosen is None:
            raise UnsupportedAlgorithm(f"signature algorithm {oid} needs a digest algorithm")
        if scheme == "sm2" and chosen != "sm3":
            raise UnsupportedAlgorithm(f"SM2 with {chosen} is not supported (SM2 uses SM3)")
        return cls(scheme, chosen)


def sm2_available() -> bool:
    """True when the optional SM2 backend (tongsuopy) is installed."""
    try:
        import tongsuopy.crypto.asymciphers.ec  # noqa: F401
    except ImportError:
        return False
    return True


def _is_sm2_key(spki: keys.PublicKeyInfo) -> bool:
    algorithm = spki["algorithm"]
    if algorithm["algorithm"].dotted == SM2_CURVE_OID:
        return True
    if algorithm["algorithm"].native != "ec":
        return False
    params = algorithm["parameters"]
    return bool(params.name == "named" and params.chosen.dotted == SM2_CURVE_OID)


@functools.lru_cache(maxsize=4096)
def load_public_key(spki_der: bytes) -> Any:
    """A verifying key object for a DER SubjectPublicKeyInfo (cached: keys repeat in batches)."""
    try:
        spki = keys.PublicKeyInfo.load(spki_der)
        sm2 = _is_sm2_key(spki)
    except (ValueError, TypeError) as exc:
        raise UnsupportedAlgorithm(f"public key does not parse: {exc}") from exc
    if sm2:
        if not sm2_available():
            raise UnsupportedAlgorithm("SM2 keys need the optional tongsuopy package: pip install 'esealkit[sm]'")
        from tongsuopy.crypto import serialization as sm_serialization

        if spki["algorithm"]["algorithm"].dotted == SM2_CURVE_OID:  # normalise to id-ecPublicKey + curve
            spki = keys.PublicKeyInfo(
                {
                    "algorithm": {"algorithm": "ec", "parameters": keys.ECDomainParameters(name="named", value=SM2_CURVE_OID)},
                    "public_key": spki["public_key"],
                }
            )
            spki_der = spki.dump(force=True)
        from tongsuopy.crypto import exceptions as sm_exceptions

        try:
            return sm_serialization.load_der_public_key(spki_der)
        except (ValueError, TypeError, sm_exceptions.UnsupportedAlgorithm) as exc:
            raise UnsupportedAlgorithm(f"SM2 public key not usable: {exc}") from exc
    try:
        return serialization.load_der_public_key(spki_der)
    except (ValueError, TypeError, CryptographyUnsupportedAlgorithm) as exc:
        raise UnsupportedAlgorithm(f"public key not supported: {exc}") from exc


def sm2_signature_to_der(signature: bytes) -> bytes:
    """DER ``SEQUENCE{r, s}`` for an SM2 value given as DER or as raw 64-byte r‖s."""
    if len(signature) == 64:
        try:
            parsed = algos.DSASignature.load(signature)
            parsed.native  # noqa: B018 - forces a full parse
            if parsed.dump() == signature:
                return signature
        except (ValueError, TypeError):
            pass
        return bytes(algos.DSASignature.from_p1363(signature).dump())
    return signature


def verify_signature(spki_der: bytes, algorithm: SignatureAlgorithm, signature: bytes, data: bytes) -> None:
    """Verify ``signature`` over ``data`` with the key; raise :class:`InvalidSignature` if it
    does not verify and :class:`UnsupportedAlgorithm` if the algorithm/key is unsupported
    or does not match the key."""
    key = load_public_key(spki_der)
    scheme = algorithm.scheme
    try:
        if scheme == "sm2":
            from tongsuopy.crypto import hashes as sm_hashes
            from tongsuopy.crypto.asymciphers import ec as sm_ec

            if not isinstance(key, sm_ec.EllipticCurvePublicKey):
                raise KeyMismatch("SM2 signature with a key that is not an SM2 key")
            try:
                key.verify(sm2_signature_to_der(signature), data, sm_ec.ECDSA(sm_hashes.SM3()))
            except Exception as exc:  # tongsuopy raises its own InvalidSignature class
                raise InvalidSignature(str(exc)) from exc
            return
        if scheme in ("rsa_pkcs1v15", "rsa_pss"):
            if not isinstance(key, rsa.RSAPublicKey):
                raise KeyMismatch(f"{scheme} signature with a non-RSA key")
            hash_alg = _hash(algorithm.digest)
            if scheme == "rsa_pkcs1v15":
                key.verify(signature, data, padding.PKCS1v15(), hash_alg)
            else:
                pss = padding.PSS(mgf=padding.MGF1(_hash(algorithm.pss_mgf_digest)), salt_length=algorithm.pss_salt_length or 0)
                key.verify(signature, data, pss, hash_alg)
            return
        if scheme == "ecdsa":
            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise KeyMismatch("ECDSA signature with a non-EC key")
            key.verify(signature, data, ec.ECDSA(_hash(algorithm.digest)))
            return
        if scheme == "ed25519":
            if not isinstance(key, ed25519.Ed25519PublicKey):
                raise KeyMismatch("Ed25519 signature with a non-Ed25519 key")
            key.verify(signature, data)
            return
        if scheme == "ed448":
            if not isinstance(key, ed448.Ed448PublicKey):
                raise KeyMismatch("Ed448 signature with a non-Ed448 key")
            key.verify(signature, data)
            return
    except KeyMismatch:  # a ValueError too: say that the key does not fit, not that the value is wrong
        raise
    except ValueError as exc:  # e.g. a malformed DER ECDSA value
        raise InvalidSignature(str(exc)) from exc
    raise UnsupportedAlgorithm(f"unsupported signature scheme {scheme}")


def sign(private_key: Any, algorithm: SignatureAlgorithm, data: bytes) -> bytes:
    """Sign ``data``; the value is DER for ECDSA/SM2 and raw for RSA/EdDSA."""
    scheme = algorithm.scheme
    if scheme == "sm2":
        from tongsuopy.crypto import hashes as sm_hashes
        from tongsuopy.crypto.asymciphers import ec as sm_ec

        return bytes(private_key.sign(data, sm_ec.ECDSA(sm_hashes.SM3())))
    if scheme == "rsa_pkcs1v15":
        return bytes(private_key.sign(data, padding.PKCS1v15(), _hash(algorithm.digest)))
    if scheme == "rsa_pss":
        pss = padding.PSS(mgf=padding.MGF1(_hash(algorithm.pss_mgf_digest)), salt_length=algorithm.pss_salt_length or 0)
        return bytes(private_key.sign(data, pss, _hash(algorithm.digest)))
    if scheme == "ecdsa":
        return bytes(private_key.sign(data, ec.ECDSA(_hash(algorithm.digest))))
    if scheme in ("ed25519", "ed448"):
        return bytes(private_key.sign(data))
    raise UnsupportedAlgorithm(f"unsupported signature scheme {scheme}")


def _hash(name: str | None) -> hashes.HashAlgorithm:
    if name is None or name not in _CRYPTOGRAPHY_HASHES:
        raise UnsupportedAlgorithm(f"unsupported digest {name!r} for this signature scheme")
    return _CRYPTOGRAPHY_HASHES[name]()


def _is_sm2(private_key: Any) -> bool:
    return type(private_key).__module__.startswith("tongsuopy")


def _key_kind(private_key: Any) -> str:
    if _is_sm2(private_key):
        return "sm2"
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "rsa"
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return {256: "ecdsa-p256", 384: "ecdsa-p384", 521: "ecdsa-p521"}[private_key.curve.key_size]
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise ValueError(f"unsupported key {type(private_key).__name__}")


def key_algorithm(private_key: Any, *, pss: bool = False) -> tuple[algos.SignedDigestAlgorithm, SignatureAlgorithm]:
    """The X.509/CMS algorithm identifier for signing with ``private_key`` and the matching
    :class:`SignatureAlgorithm` (SHA-256/384/512 by key size, SM3 for SM2, PSS on request)."""
    kind = _key_kind(private_key)
    if kind == "rsa" and pss:
        params = algos.RSASSAPSSParams(
            {
                "hash_algorithm": {"algorithm": "sha256"},
                "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": "sha256"}},
                "salt_length": 32,
            }
        )
        ident = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pss", "parameters": params})
        return ident, SignatureAlgorithm.from_oid("1.2.840.113549.1.1.10", parameters=params)
    table = {
        "rsa": ("sha256_rsa", "1.2.840.113549.1.1.11"),
        "ecdsa-p256": ("sha256_ecdsa", "1.2.840.10045.4.3.2"),
        "ecdsa-p384": ("sha384_ecdsa", "1.2.840.10045.4.3.3"),
        "ecdsa-p521": ("sha512_ecdsa", "1.2.840.10045.4.3.4"),
        "ed25519": ("ed25519", "1.3.101.112"),
        "sm2": (SM2_WITH_SM3, SM2_WITH_SM3),
    }
    name, oid = table[kind]
    ident = algos.SignedDigestAlgorithm({"algorithm": name})
    return ident, SignatureAlgorithm.from_oid(oid)
