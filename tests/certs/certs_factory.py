"""Deterministic licences in bulk, for library tests (also imported by worker processes)."""

from __future__ import annotations

import datetime as dt

from esealkit.certs.catalogue import default_catalogue
from esealkit.certs.checkcodes import gb11643_check_char
from esealkit.certs.identifiers import LicenceId
from esealkit.certs.model import Holder, HolderKind, Issuer, Licence, Validity

ISSUER = Issuer("杭州市西湖区住房和城乡建设局", "11330105002500287C")
TYPE = default_catalogue().by_name("二级建造师注册证书")


def resident_id(index: int) -> str:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=index % 15000)
    body = "330106" + birth.strftime("%Y%m%d") + f"{index % 1000:03d}"
    return body + gb11643_check_char(body)


def make_licence(index: int, *, version: str = "001", name: str | None = None) -> Licence:
    lid = LicenceId.build(TYPE.code, ISSUER.code, f"2025{index:08d}", version)
    issued = dt.date(2021, 6, 1) + dt.timedelta(days=index % 1500)
    return Licence(
        type_code=TYPE.code,
        type_name=TYPE.name,
        identifier=lid,
        number=f"浙{index:08d}",
        holder=Holder(name or f"持证人{index}", HolderKind.PERSON, "111", resident_id(index)),
        issuer=ISSUER,
        issue_date=issued,
        validity=Validity(issued, issued + dt.timedelta(days=3 * 365)),
        fields={"ZCZY": "建筑工程", "PYDW": "某某建设有限公司", "ZCBH": f"浙2{index:08d}"},
    )


def make_licences(start: int, stop: int) -> list[Licence]:
    return [make_licence(index) for index in range(start, stop)]
