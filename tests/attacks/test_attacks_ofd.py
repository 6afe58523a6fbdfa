"""Every attack on a sealed OFD fails with the sub-indication that names it; the sealed
documents without the attack pass (see ofd_attacks.py)."""

from __future__ import annotations

import pytest
from ofd_attacks import OFD_ATTACKS, OFD_HONEST, OfdKit

from esealkit.ofd import verify_ofd
from esealkit.report import DocumentReport, Indication


@pytest.fixture(scope="module")
def ofd_kit(attack_ofd_pki) -> OfdKit:
    return OfdKit.from_pki(attack_ofd_pki)


def _describe(report: DocumentReport) -> str:
    lines = [f"{report.indication} {report.sub_indication}: {report.message}"]
    for sig in report.signatures:
        lines += [f"  {sig.id}/{c.name}: {c.sub_indication} {c.message}" for c in sig.checks
                  if c.indication is not Indication.TOTAL_PASSED]
    lines += [f"  document/{c.name}: {c.indication} {c.sub_indication} {c.message}" for c in report.checks]
    return "\n".join(lines)


@pytest.mark.parametrize("name", sorted(OFD_ATTACKS))
def test_ofd_attack_fails_with_its_sub_indication(ofd_kit, name):
    attack = OFD_ATTACKS[name]
    report = verify_ofd(attack.build(ofd_kit), trust=ofd_kit.pki.trust)
    assert report.indication is not Indication.TOTAL_PASSED, _describe(report)
    assert report.sub_indication is attack.expected, _describe(report)


@pytest.mark.parametrize("name", sorted(OFD_HONEST))
def test_ofd_honest_document_passes(ofd_kit, name):
    report = verify_ofd(OFD_HONEST[name](ofd_kit), trust=ofd_kit.pki.trust)
    assert report.indication is Indication.TOTAL_PASSED, _describe(report)
