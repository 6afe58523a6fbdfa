"""A test issuing agency: a CA, a seal maker, the agency's signer and its e-seal (made at test time)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from esealkit.certs.catalogue import default_catalogue
from esealkit.pki import Trust
from esealkit.seals import draw_round_seal, make_seal
from esealkit.seals.model import Seal, SealPicture
from esealkit.testing import CertificateAuthority, Issued

ISSUER_NAME = "杭州市西湖区住房和城乡建设局"
ISSUER_CODE = "11330105002500287C"
# Dates relative to today, so that the licences are current whenever the tests run.
ISSUED = dt.date.today() - dt.timedelta(days=10)


@dataclass
class Agency:
    now: dt.datetime
    root: CertificateAuthority
    signer: Issued
    seal: Seal

    def trust(self) -> Trust:
        crl = self.root.crl(this_update=self.now - dt.timedelta(hours=1))
        return Trust(anchors=(self.root.der,), crls=(crl,))


def make_agency(key_kind: str = "ecdsa-p256") -> Agency:
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(days=2)
    root = CertificateAuthority.root("esealkit test root", key_kind=key_kind, not_before=start)
    maker = root.issue("seal maker", key_kind=key_kind, not_before=start)
    signer = root.issue(ISSUER_NAME, key_kind=key_kind, not_before=start, organization=ISSUER_NAME)
    picture = SealPicture(
        "PNG", draw_round_seal(ISSUER_NAME, "电子证照专用章", "33010600000001"), 42, 42
    )
    seal = make_seal(
        es_id="33010600000001",
        name="电子证照专用章",
        type=1,
        maker_key=maker.key,
        maker_cert_der=maker.der,
        signer_certs=[signer.der],
        valid_from=start,
        valid_to=start + dt.timedelta(days=700),
        picture=picture,
    )
    return Agency(now, root, signer, seal)


def licence_data(**changes: Any) -> dict[str, Any]:
    licence_type = default_catalogue().by_name("建筑施工企业安全生产许可证")
    data: dict[str, Any] = {
        "type_code": licence_type.code,
        "number": "(浙)JZ安许证字[2026]000123",
        "holder": {
            "name": "某某建设有限公司",
            "kind": "organisation",
            "id_type": "001",
            "id_number": "91320115MA202UKD7X",
        },
        "issuer": {"name": ISSUER_NAME, "code": ISSUER_CODE},
        "issue_date": ISSUED.isoformat(),
        "valid_from": ISSUED.isoformat(),
        "valid_to": (ISSUED + dt.timedelta(days=3 * 365)).isoformat(),
        "fields": {"FDDBR": "张三", "DWDZ": "浙江省杭州市西湖区某某路1号", "XKFW": "建筑施工"},
    }
    data.update(changes)
    return data
