"""Verify one PDF against your trust anchors and print what held and what did not.

    python examples/verify_one_pdf.py contract.pdf root.pem [root.crl ...]
"""

from __future__ import annotations

import sys

from esealkit import Trust, verify_pdf


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__)
        return 2
    pdf, anchor, *crls = argv[1:]
    report = verify_pdf(pdf, trust=Trust.load([anchor], crls=crls))
    print(f"{report.path}: {report.indication.value} {report.sub_indication or ''} {report.message}")
    for signature in report.signatures:
        who = signature.signer.subject if signature.signer else "unknown signer"
        print(f"  {signature.kind.value} {signature.id} by {who}: {signature.indication.value}")
        for check in signature.checks:
            print(f"    {check.indication.value:<13} {check.name}: {check.message}")
    if report.sub_indication is not None:
        print(f"  hint: {report.sub_indication.hint}")
    return 0 if report else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
