"""Registry data model (事项库数据模型): matters, licence types, licence events, enterprises.

Example::

    from datetime import date
    from esealkit.registry.model import LicenceType, Matter, Requirement, Satisfaction

    food = LicenceType("FOOD", "食品经营许可证", "市场监管局", "legal_person",
                       electronic_since=date(2020, 1, 1), backfilled_to=date(2019, 1, 1))
    matter = Matter("M001", "食品经营许可（新办）", "市场监管局", "330102", online=True,
                    requirements=(Requirement("FOOD"),
                                  Requirement("BIZ", Satisfaction.DATA_SHARING)))
    Matter.from_dict(matter.to_dict()) == matter
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = [
    "SCHEMA_VERSION",
    "Enterprise",
    "HolderKind",
    "Issuance",
    "LicenceType",
    "LicenceUse",
    "Matter",
    "Requirement",
    "Satisfaction",
]

SCHEMA_VERSION = 1


class Satisfaction(enum.StrEnum):
    """How a licence requirement of a matter is met (材料满足方式)."""

    #: the licence must be fetched from the licence library (电子证照)
    ELECTRONIC_LICENCE = "electronic_licence"
    #: waived, the interchange file does not say how
    WAIVED = "waived"
    #: the data is fetched from another agency's system (数据共享)
    DATA_SHARING = "data_sharing"
    #: the applicant's written commitment replaces the licence (告知承诺)
    COMMITMENT = "commitment"
    #: the requirement was cancelled (取消)
    CANCELLED = "cancelled"

    @property
    def waived(self) -> bool:
        """True for every way that needs no licence from the library."""
        return self is not Satisfaction.ELECTRONIC_LICENCE


class HolderKind(enum.StrEnum):
    """Who holds a licence of this type (持证主体类型)."""

    NATURAL_PERSON = "natural_person"  # 自然人
    LEGAL_PERSON = "legal_person"  # 法人
    OTHER_ORGANISATION = "other_organisation"  # 其他组织


@dataclass(frozen=True)
class LicenceType:
    """A licence type of the catalogue (证照类型).

    Licences of the type are issued electronically from ``electronic_since`` on (``None``:
    not yet), and older licences were ingested into the library back to
    ``backfilled_to`` (``None``: nothing older than ``electronic_since``).
    """

    code: str
    name: str
    department: str
    holder_kind: HolderKind
    electronic_since: date | None = None
    backfilled_to: date | None = None

    @property
    def coverage_start(self) -> date | None:
        """The oldest issue date from which the library holds every licence of the type."""
        if self.electronic_since is None:
            return None
        if self.backfilled_to is None:
            return self.electronic_since
        return min(self.backfilled_to, self.electronic_since)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "code": self.code,
            "name": self.name,
            "department": self.department,
            "holder_kind": self.holder_kind.value,
            "electronic_since": _date_text(self.electronic_since),
            "backfilled_to": _date_text(self.backfilled_to),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LicenceType:
        _check_version(data)
        return cls(
            code=data["code"],
            name=data["name"],
            department=data["department"],
            holder_kind=HolderKind(data["holder_kind"]),
            electronic_since=_date_value(data.get("electronic_since")),
            backfilled_to=_date_value(data.get("backfilled_to")),
        )


@dataclass(frozen=True)
class Requirement:
    """One licence a matter asks for, and how that requirement may be met."""

    type_code: str
    satisfaction: Satisfaction = Satisfaction.ELECTRONIC_LICENCE

    @property
    def waived(self) -> bool:
        return self.satisfaction.waived


@dataclass(frozen=True)
class Matter:
    """A government service matter (政务服务事项).

    ``county`` is the six-digit administrative division code (行政区划代码);
    ``requirements`` are the licence types it asks for; ``other_materials`` the names of
    materials that are not licences (they do not affect the certificate-free rule).
    """

    code: str
    name: str
    department: str
    county: str
    online: bool
    requirements: tuple[Requirement, ...] = ()
    other_materials: tuple[str, ...] = field(default=())

    @property
    def required_types(self) -> tuple[str, ...]:
        return tuple(r.type_code for r in self.requirements)

    @property
    def licence_types_to_fetch(self) -> tuple[str, ...]:
        """Required types not waived: each must be available for the matter to qualify."""
        return tuple(r.type_code for r in self.requirements if not r.waived)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "code": self.code,
            "name": self.name,
            "department": self.department,
            "county": self.county,
            "online": self.online,
            "requirements": [
                {"type_code": r.type_code, "satisfaction": r.satisfaction.value}
                for r in self.requirements
            ],
            "other_materials": list(self.other_materials),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Matter:
        _check_version(data)
        return cls(
            code=data["code"],
            name=data["name"],
            department=data["department"],
            county=data["county"],
            online=bool(data["online"]),
            requirements=tuple(
                Requirement(r["type_code"], Satisfaction(r["satisfaction"]))
                for r in data.get("requirements", ())
            ),
            other_materials=tuple(data.get("other_materials", ())),
        )


@dataclass(frozen=True)
class Issuance:
    """One licence issued (证照签发): a row of ``licence_events`` without a use."""

    licence_id: str
    type_code: str
    issued_on: date
    electronic: bool


@dataclass(frozen=True)
class LicenceUse:
    """One use of a licence by a matter (证照调用/使用)."""

    licence_id: str
    type_code: str
    matter_code: str
    used_on: date


@dataclass(frozen=True)
class Enterprise:
    """An enterprise by its unified social credit code (统一社会信用代码)."""

    uscc: str
    name: str
    tax_paying: bool
    uses_e_seal: bool

    @property
    def county(self) -> str:
        """The administrative division code embedded in the USCC (characters 3 to 8)."""
        return self.uscc[2:8]


def _date_text(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date_value(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _check_version(data: dict[str, Any]) -> None:
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise ValueError(f"unsupported registry schema_version {version!r}")
