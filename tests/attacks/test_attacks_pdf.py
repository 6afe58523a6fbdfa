"""Every published PDF signature attack fails verification with the sub-indication that
names it, and every honest counterpart still passes (see pdf_attacks.py)."""

from __future__ import annotations

import pytest
from pdf_attacks import ATTACKS, HONEST, Kit

from esealkit.engine import verify_pdf
from esealkit.report import DocumentReport, Indication


@pytest.fixture(scope="module")
def kit(pki) -> Kit:
    return Kit.from_pki(pki)


def _describe(report: DocumentReport) -> str:
    lines = [f"{report.indication} {report.sub_indication}: {report.message}"]
    for sig in report.signatures:
        for check in sig.checks:
            if check.indication is not Indication.TOTAL_PASSED:
                lines.append(f"  {sig.id}/{check.name}: {check.sub_indication} {check.message}")
    for check in report.checks:
        lines.append(f"  document/{check.name}: {check.indication} {check.sub_indication} {check.message}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_fails_with_its_sub_indication(pki, kit, name):
    attack = ATTACKS[name]
    report = verify_pdf(attack.build(kit), trust=pki.trust())
    assert report.indication is not Indication.TOTAL_PASSED, _describe(report)
    assert report.sub_indication is attack.expected, _describe(report)
    if report.signatures:
        target = next((s for s in report.signatures if s.id == attack.target), report.signatures[0])
        assert target.sub_indication is attack.expected, _describe(report)


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_counterpart_passes(pki, kit, name):
    report = verify_pdf(HONEST[name].build(kit), trust=pki.trust())
    assert report.indication is Indication.TOTAL_PASSED, _describe(report)
