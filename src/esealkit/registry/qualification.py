"""Which matters are certificate-free (免证办), under a frozen policy.

A required licence type is *available* on the evaluation date when it is issued
electronically from a date on or before that day (``electronic_since``) and the library
holds every licence of the type issued since the policy's cut-off (its coverage, which
starts at ``backfilled_to``, or at ``electronic_since`` when nothing older was ingested,
is on or before the cut-off). A matter is certificate-free when it requires at least one
licence type and every required type is available or waived (data sharing, commitment,
cancellation).

Example::

    from datetime import date
    from esealkit.registry.qualification import QualificationPolicy, qualify

    result = qualify(matters, licence_types, as_of=date(2026, 1, 1),
                     policy=QualificationPolicy())
    result.certificate_free_count
    [(q.matter.code, q.blocking_types) for q in result.matters if not q.certificate_free]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from esealkit.errors import PolicyError
from esealkit.registry.model import LicenceType, Matter

__all__ = [
    "MatterQualification",
    "Qualification",
    "QualificationPolicy",
    "is_available",
    "qualify",
]


@dataclass(frozen=True)
class QualificationPolicy:
    """The city's rules and targets (考核口径与目标), as a value.

    Rates are fractions (0.85 means 85 %).
    """

    cut_off: date = date(2021, 6, 1)
    certificate_free_target: int = 150
    e_issuance_target: float = 0.85
    usage_target: float = 0.60
    e_seal_target: float = 0.60
    online_target: float = 0.95

    def __post_init__(self) -> None:
        if self.certificate_free_target < 0:
            raise PolicyError("certificate_free_target must not be negative")
        for name in ("e_issuance_target", "usage_target", "e_seal_target", "online_target"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise PolicyError(f"{name} is a fraction between 0 and 1, got {value!r}")


def is_available(licence_type: LicenceType, as_of: date, policy: QualificationPolicy) -> bool:
    """True when a matter can fetch every needed licence of this type from the library."""
    since = licence_type.electronic_since
    start = licence_type.coverage_start
    return since is not None and since <= as_of and start is not None and start <= policy.cut_off


@dataclass(frozen=True)
class MatterQualification:
    """The verdict for one matter.

    ``blocking_types`` are the required, not waived licence types that are not available
    (unknown type codes count as not available), in the matter's order.
    """

    matter: Matter
    certificate_free: bool
    blocking_types: tuple[str, ...]

    @property
    def requires_licence(self) -> bool:
        return bool(self.matter.requirements)


@dataclass(frozen=True)
class Qualification:
    as_of: date
    policy: QualificationPolicy
    matters: tuple[MatterQualification, ...]
    available_types: frozenset[str]

    @property
    def certificate_free_count(self) -> int:
        return sum(1 for q in self.matters if q.certificate_free)

    @property
    def blocked(self) -> tuple[MatterQualification, ...]:
        """Matters that require a licence but are not certificate-free."""
        return tuple(q for q in self.matters if q.requires_licence and not q.certificate_free)


def qualify(
    matters: Iterable[Matter],
    licence_types: Mapping[str, LicenceType],
    as_of: date,
    policy: QualificationPolicy,
) -> Qualification:
    """Decide, for every matter, whether it is certificate-free on ``as_of``."""
    available = frozenset(
        code for code, t in licence_types.items() if is_available(t, as_of, policy)
    )
    results = []
    for matter in matters:
        blocking = tuple(c for c in matter.licence_types_to_fetch if c not in available)
        free = bool(matter.requirements) and not blocking
        results.append(MatterQualification(matter, free, blocking))
    return Qualification(as_of, policy, tuple(results), available)
