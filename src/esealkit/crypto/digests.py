"""Message digests by OID or name, SM3 (GB/T 32905) included."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Protocol

from cryptography.hazmat.primitives import hashes

__all__ = ["DIGEST_OIDS", "UnsupportedAlgorithm", "digest", "digest_name", "hasher"]


class UnsupportedAlgorithm(ValueError):
    """An algorithm OID or name esealkit does not implement."""


class _Hasher(Protocol):
    def update(self, data: bytes | memoryview, /) -> None: ...
    def digest(self) -> bytes: ...


# OID → canonical name.  Names follow asn1crypto's spelling.
DIGEST_OIDS: dict[str, str] = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
    "2.16.840.1.101.3.4.2.7": "sha3_224",
    "2.16.840.1.101.3.4.2.8": "sha3_256",
    "2.16.840.1.101.3.4.2.9": "sha3_384",
    "2.16.840.1.101.3.4.2.10": "sha3_512",
    "1.2.156.10197.1.401": "sm3",
    "1.2.156.10197.1.401.1": "sm3",  # seen as an alias in the wild
    "1.2.840.113549.2.5": "md5",
}

_ALIASES = {
    "sha-1": "sha1",
    "sha-224": "sha224",
    "sha-256": "sha256",
    "sha-384": "sha384",
    "sha-512": "sha512",
    "sha3-256": "sha3_256",
    "sha3-384": "sha3_384",
    "sha3-512": "sha3_512",
}

_SIZES = {"sha1": 20, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64, "sha3_224": 28,
          "sha3_256": 32, "sha3_384": 48, "sha3_512": 64, "sm3": 32, "md5": 16}


def digest_name(oid_or_name: str) -> str:
    """The canonical name (``sha256``, ``sm3`` …) of a digest given by OID or by name."""
    key = oid_or_name.strip()
    if key in DIGEST_OIDS:
        return DIGEST_OIDS[key]
    low = key.lower().replace(" ", "")
    low = _ALIASES.get(low, low)
    if low in _SIZES:
        return low
    raise UnsupportedAlgorithm(f"unsupported digest algorithm {oid_or_name!r}")


class _CryptographyHasher:
    def __init__(self, algorithm: hashes.HashAlgorithm) -> None:
        self._h = hashes.Hash(algorithm)

    def update(self, data: bytes | memoryview, /) -> None:
        self._h.update(bytes(data) if isinstance(data, memoryview) else data)

    def digest(self) -> bytes:
        return self._h.finalize()


def _sm3_factory() -> Callable[[], _Hasher]:
    try:
        hashlib.new("sm3")
    except ValueError:  # an OpenSSL build without SM3 in its default provider
        return lambda: _CryptographyHasher(hashes.SM3())
    return lambda: hashlib.new("sm3")


def _hashlib_factory(name: str) -> Callable[[], _Hasher]:
    return lambda: hashlib.new(name)


_FACTORIES: dict[str, Callable[[], _Hasher]] = {name: _hashlib_factory(name) for name in _SIZES if name != "sm3"}
_FACTORIES["sm3"] = _sm3_factory()


def hasher(oid_or_name: str) -> _Hasher:
    """A fresh incremental hasher (``update``/``digest``) for the algorithm."""
    return _FACTORIES[digest_name(oid_or_name)]()


def digest(oid_or_name: str, *chunks: bytes | memoryview) -> bytes:
    """The digest of the concatenated chunks (memoryviews are hashed without copying)."""
    h = hasher(oid_or_name)
    for chunk in chunks:
        h.update(chunk)
    return h.digest()


def _teach_asn1crypto_sm3() -> None:
    """Give SM3 its name in asn1crypto, so that CMS built by pyHanko can say ``sm3``."""
    from asn1crypto import algos

    oid = "1.2.156.10197.1.401"
    if algos.DigestAlgorithmId._map.get(oid) != "sm3":
        algos.DigestAlgorithmId._map[oid] = "sm3"
        algos.DigestAlgorithmId._reverse_map = None  # rebuilt on next use


_teach_asn1crypto_sm3()
