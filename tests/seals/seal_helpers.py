"""Helpers for the seal tests: a test PKI per key kind (SM2, ECDSA P-256, RSA), built at
test time with :mod:`esealkit.testing`, and a seal builder."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image

from esealkit.pki import Trust
from esealkit.seals import Seal, SealPicture, make_seal
from esealkit.testing import CertificateAuthority, Issued
from shared_corpus import CORPUS  # noqa: F401  (re-exported for the seal tests)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
VALID_FROM = datetime(2026, 1, 1, tzinfo=UTC)
VALID_TO = datetime(2028, 1, 1, tzinfo=UTC)
SIGNING_TIME = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
KINDS = ("sm2", "ecdsa-p256", "rsa")


def tiny_png(color: tuple[int, int, int] = (230, 0, 18)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), color).save(out, format="PNG")
    return out.getvalue()


@dataclass(frozen=True)
class SealPKI:
    """A root CA, a seal maker (制章者), two seal users (签章者) and the trust to verify them."""

    kind: str
    root: CertificateAuthority
    maker: Issued
    signer: Issued
    other_signer: Issued
    trust: Trust


_PKIS: dict[str, SealPKI] = {}


def seal_pki(kind: str) -> SealPKI:
    """One PKI per key kind for the whole session (key generation is the slow part)."""
    if kind not in _PKIS:
        root = CertificateAuthority.root(f"Seal Test Root ({kind})", key_kind=kind, not_before=T0)
        life = timedelta(days=5 * 365)
        maker = root.issue("制章者 seal maker", key_kind=kind, not_before=T0, lifetime=life)
        signer = root.issue("33010600000001", key_kind=kind, not_before=T0, lifetime=life,
                            organization="91320115MA202UKD7X某某有限公司")
        other = root.issue("someone else", key_kind=kind, not_before=T0, lifetime=life)
        trust = Trust(anchors=(root.der,), crls=(root.crl(this_update=SIGNING_TIME),))
        _PKIS[kind] = SealPKI(kind, root, maker, signer, other, trust)
    return _PKIS[kind]



def build_seal(pki: SealPKI, **overrides: Any) -> Seal:
    args: dict[str, Any] = dict(
        es_id="33010600000001",
        name="合同专用章",
        type=4,
        maker_key=pki.maker.key,
        maker_cert_der=pki.maker.der,
        signer_certs=[pki.signer.der],
        valid_from=VALID_FROM,
        valid_to=VALID_TO,
        picture=SealPicture("PNG", tiny_png(), 42, 42),
    )
    args.update(overrides)
    return make_seal(**args)
