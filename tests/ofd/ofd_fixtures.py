"""Test helpers: small OFD packages (a valid skeleton, ZIP writing) and an SM2 seal PKI."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from PIL import Image

from esealkit.pki import Trust
from esealkit.seals import Seal, SealPicture, make_seal
from esealkit.testing import CertificateAuthority, Issued

OFD_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD"><ofd:DocBody>'
    b"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
)
DOCUMENT_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData><ofd:MaxUnitID>1</ofd:MaxUnitID>'
    b"<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>"
    b'<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>'
)
CONTENT_XML = b'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"/>'

SKELETON: dict[str, bytes] = {
    "OFD.xml": OFD_XML,
    "Doc_0/Document.xml": DOCUMENT_XML,
    "Doc_0/Pages/Page_0/Content.xml": CONTENT_XML,
}


def make_zip(entries: Mapping[str, bytes] | list[tuple[str, bytes]], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A ZIP with the entries in order (a list may repeat names)."""
    items = list(entries.items()) if isinstance(entries, Mapping) else entries
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in items:
            zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return buf.getvalue()


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}


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


def make_pki() -> OfdPKI:
    """A root CA, a seal maker, two signers with a seal each, and the trust to verify them."""
    root = CertificateAuthority.root("OFD Test Root", key_kind="sm2", not_before=T0)
    life = timedelta(days=1500)
    maker = root.issue("seal maker", key_kind="sm2", not_before=T0, lifetime=life)
    signer = root.issue("33010600000001", key_kind="sm2", not_before=T0, lifetime=life, organization="某某有限公司")
    second = root.issue("33010600000002", key_kind="sm2", not_before=T0, lifetime=life, organization="另一有限公司")
    trust = Trust(anchors=(root.der,), crls=(root.crl(this_update=SIGNING_TIME),))
    return OfdPKI(root, maker, signer, second, trust,
                  _seal(root, maker, signer, "33010600000001", 40), _seal(root, maker, second, "33010600000002", 42))
