"""Fixtures for the OFD tests: an SM2 seal PKI made at test time (esealkit.testing)."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from esealkit.pki import Trust
from esealkit.seals import Seal, SealPicture, make_seal
from esealkit.testing import CertificateAuthority, Issued

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
SIGNING_TIME = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class OfdPKI:
    root: CertificateAuthority
    maker: Issued
    signer: Issued
    second_signer: Issued
    trust: Trust
    seal: Seal
    second_seal: Seal


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (230, 0, 18)).save(out, format="PNG")
    return out.getvalue()


def _seal(pki_root: CertificateAuthority, maker: Issued, signer: Issued, es_id: str, size: int) -> Seal:
    return make_seal(
        es_id=es_id, name="测试专用章", type=4, maker_key=maker.key, maker_cert_der=maker.der,
        signer_certs=[signer.der], valid_from=T0, valid_to=T0 + timedelta(days=1000),
        picture=SealPicture(type="PNG", data=_png(), width_mm=size, height_mm=size),
    )


@pytest.fixture(scope="session")
def ofd_pki() -> OfdPKI:
    root = CertificateAuthority.root("OFD Test Root", key_kind="sm2", not_before=T0)
    life = timedelta(days=1500)
    maker = root.issue("seal maker", key_kind="sm2", not_before=T0, lifetime=life)
    signer = root.issue("33010600000001", key_kind="sm2", not_before=T0, lifetime=life, organization="某某有限公司")
    second = root.issue("33010600000002", key_kind="sm2", not_before=T0, lifetime=life, organization="另一有限公司")
    trust = Trust(anchors=(root.der,), crls=(root.crl(this_update=SIGNING_TIME),))
    return OfdPKI(root, maker, signer, second, trust,
                  _seal(root, maker, signer, "33010600000001", 40), _seal(root, maker, second, "33010600000002", 42))
