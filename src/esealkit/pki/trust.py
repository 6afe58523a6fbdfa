"""Trust configuration (信任配置): anchors, extra intermediates and revocation data.

    >>> trust = Trust.load(anchors=["ca/root.pem"], crls=["ca/root.crl"])  # doctest: +SKIP

A :class:`Trust` is a frozen value; loading reads PEM or DER files, or every such file in a
folder.  Nothing is fetched from the network.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pem, x509

from esealkit.errors import PolicyError

__all__ = ["Trust", "read_der_objects"]

_PathLike = str | os.PathLike[str]


def read_der_objects(path: _PathLike, *, kind: str) -> list[bytes]:
    """DER objects from a PEM or DER file, or from every file in a folder (sorted).

    Raises :class:`PolicyError` naming the file when it cannot be read or parsed.
    """
    p = Path(path)
    if p.is_dir():
        out: list[bytes] = []
        for child in sorted(c for c in p.iterdir() if c.is_file()):
            out.extend(read_der_objects(child, kind=kind))
        return out
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise PolicyError(f"cannot read {kind} file {p}: {exc.strerror}") from exc
    if pem.detect(data):
        objects = [der for _, _, der in pem.unarmor(data, multiple=True)]
    else:
        objects = [data]
    for der in objects:
        _check_parses(der, kind=kind, source=str(p))
    return objects


def _check_parses(der: bytes, *, kind: str, source: str) -> None:
    spec = {"certificate": x509.Certificate, "CRL": asn1_crl.CertificateList, "OCSP response": asn1_ocsp.OCSPResponse}[kind]
    try:
        spec.load(der).native  # noqa: B018 - force a full parse
    except (ValueError, TypeError) as exc:
        raise PolicyError(f"{source} is not a valid {kind}: {exc}") from exc


@dataclass(frozen=True)
class Trust:
    """Trust anchors plus optional intermediates, CRLs and OCSP responses, all DER.

    ``anchors`` are the certificates you trust (roots, or any CA you decide to trust);
    ``intermediates`` help build paths; ``crls`` and ``ocsps`` are revocation data the
    caller supplies (documents may embed more).
    """

    anchors: tuple[bytes, ...]
    intermediates: tuple[bytes, ...] = ()
    crls: tuple[bytes, ...] = ()
    ocsps: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if not self.anchors:
            raise PolicyError("no trust anchors given: pass at least one CA certificate (--trust)")

    @classmethod
    def load(
        cls,
        anchors: Iterable[_PathLike],
        *,
        intermediates: Iterable[_PathLike] = (),
        crls: Iterable[_PathLike] = (),
        ocsps: Iterable[_PathLike] = (),
    ) -> Trust:
        """Read everything from files or folders (PEM or DER)."""
        return cls(
            anchors=tuple(d for p in anchors for d in read_der_objects(p, kind="certificate")),
            intermediates=tuple(d for p in intermediates for d in read_der_objects(p, kind="certificate")),
            crls=tuple(d for p in crls for d in read_der_objects(p, kind="CRL")),
            ocsps=tuple(d for p in ocsps for d in read_der_objects(p, kind="OCSP response")),
        )

    @property
    def fingerprint(self) -> str:
        """A digest of the whole configuration, for cache keys."""
        h = hashlib.sha256()
        for group in (self.anchors, self.intermediates, self.crls, self.ocsps):
            h.update(len(group).to_bytes(4, "big"))
            for der in sorted(group):
                h.update(hashlib.sha256(der).digest())
        return h.hexdigest()
