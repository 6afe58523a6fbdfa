"""Which licence types to make available next (证照电子化优先级).

:func:`plan` ranks every blocking licence type by the matters it would make
certificate-free on its own, and finds a small set of types that reaches the target by a
labelled greedy method (see :data:`GREEDY_METHOD`): it is not guaranteed to be the
smallest possible set.

Example::

    result = plan(qualification, licence_types, target=150)
    for candidate in result.ranked[:10]:
        print(candidate.type_code, len(candidate.unlocks))
    print(result.method, result.chosen, result.reached)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from esealkit.registry.model import LicenceType
from esealkit.registry.qualification import Qualification

__all__ = ["GREEDY_METHOD", "Candidate", "Plan", "PlanStep", "plan"]

GREEDY_METHOD = (
    "greedy: repeatedly make available the blocking licence types of the group of matters "
    "that unlocks the most matters per licence type added (ties: more matters, then fewer "
    "types, then code order), then drop any chosen type the target does not need "
    "(reverse delete); the set is small but not guaranteed to be the smallest"
)


@dataclass(frozen=True)
class Candidate:
    """A licence type that blocks matters now.

    ``unlocks``: matters that become certificate-free if this type alone is made
    available; ``blocks``: every matter it is among the blocking types of.
    """

    type_code: str
    name: str
    department: str
    unlocks: tuple[str, ...]
    blocks: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type_code": self.type_code,
            "name": self.name,
            "department": self.department,
            "unlocks": list(self.unlocks),
            "blocks": list(self.blocks),
        }


@dataclass(frozen=True)
class PlanStep:
    """Types added in one greedy step and the matters they made certificate-free."""

    added: tuple[str, ...]
    unlocked: tuple[str, ...]
    reached: int


@dataclass(frozen=True)
class Plan:
    target: int
    current: int
    ranked: tuple[Candidate, ...]
    #: the set chosen to reach the target (after reverse delete), in the order chosen
    chosen: tuple[str, ...]
    steps: tuple[PlanStep, ...]
    #: certificate-free matters once every chosen type is available
    reached: int
    reachable: bool
    method: str = GREEDY_METHOD

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "current": self.current,
            "reached": self.reached,
            "reachable": self.reachable,
            "method": self.method,
            "chosen": list(self.chosen),
            "steps": [
                {"added": list(s.added), "unlocked": list(s.unlocked), "reached": s.reached}
                for s in self.steps
            ],
            "ranked": [c.to_dict() for c in self.ranked],
        }


def plan(
    qualification: Qualification, licence_types: Mapping[str, LicenceType], target: int
) -> Plan:
    """Rank blocking licence types and choose a set of them that reaches ``target``."""
    blocked = {q.matter.code: frozenset(q.blocking_types) for q in qualification.blocked}
    current = qualification.certificate_free_count
    ranked = _rank(blocked, licence_types)
    steps: list[PlanStep] = []
    chosen: list[str] = []
    remaining = dict(blocked)
    reached = current
    while reached < target and remaining:
        bundle = _best_bundle(remaining)
        unlocked = sorted(code for code, need in remaining.items() if need <= bundle)
        added = sorted(bundle)
        chosen.extend(added)
        reached += len(unlocked)
        steps.append(PlanStep(tuple(added), tuple(unlocked), reached))
        remaining = {c: need - bundle for c, need in remaining.items() if not need <= bundle}
    if reached >= target:
        chosen = _reverse_delete(chosen, blocked, current, target)
        reached = current + _unlocked_count(set(chosen), blocked.values())
    return Plan(
        target=target,
        current=current,
        ranked=ranked,
        chosen=tuple(chosen),
        steps=tuple(steps),
        reached=reached,
        reachable=reached >= target,
    )


def _rank(
    blocked: Mapping[str, frozenset[str]], licence_types: Mapping[str, LicenceType]
) -> tuple[Candidate, ...]:
    unlocks: dict[str, list[str]] = defaultdict(list)
    blocks: dict[str, list[str]] = defaultdict(list)
    for matter_code, need in sorted(blocked.items()):
        for type_code in need:
            blocks[type_code].append(matter_code)
        if len(need) == 1:
            unlocks[next(iter(need))].append(matter_code)
    candidates = []
    for type_code, matters in blocks.items():
        known = licence_types.get(type_code)
        candidates.append(
            Candidate(
                type_code,
                known.name if known else "(not in the licence type catalogue)",
                known.department if known else "",
                tuple(unlocks.get(type_code, ())),
                tuple(matters),
            )
        )
    candidates.sort(key=lambda c: (-len(c.unlocks), -len(c.blocks), c.type_code))
    return tuple(candidates)


def _best_bundle(remaining: Mapping[str, frozenset[str]]) -> frozenset[str]:
    by_need = Counter(remaining.values())

    def gain(bundle: frozenset[str]) -> int:
        # Count matters whose remaining need is a subset of the bundle; enumerate the
        # bundle's subsets when that is cheaper than scanning every distinct need.
        if 2 ** len(bundle) <= len(by_need):
            items = sorted(bundle)
            return sum(
                by_need.get(frozenset(subset), 0)
                for size in range(1, len(items) + 1)
                for subset in combinations(items, size)
            )
        return sum(n for need, n in by_need.items() if need <= bundle)

    def score(bundle: frozenset[str]) -> tuple[float, int, int, tuple[str, ...]]:
        matters = gain(bundle)
        return (-matters / len(bundle), -matters, len(bundle), tuple(sorted(bundle)))

    return min(by_need, key=score)


def _unlocked_count(available: set[str], needs: Iterable[frozenset[str]]) -> int:
    return sum(1 for need in needs if need <= available)


def _reverse_delete(
    chosen: list[str], blocked: Mapping[str, frozenset[str]], current: int, target: int
) -> list[str]:
    kept = list(chosen)
    for type_code in reversed(chosen):
        trial = [t for t in kept if t != type_code]
        if current + _unlocked_count(set(trial), blocked.values()) >= target:
            kept = trial
    return kept
