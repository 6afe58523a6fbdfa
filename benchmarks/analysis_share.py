"""Benchmark: how much of one core's time the revision analysis takes, by document class.

The batch targets (issue #3) were set for a design in which "a document whose last
signature covers the whole file skips modification analysis".  esealkit analyses the
revisions after every earlier signature instead (whether the later signers only added
signatures, or changed what the earlier ones signed): skipping that would report an
earlier seal as valid over content a later revision redrew.  This measures what the
analysis costs: each document of the batch corpus is verified with
``verify_pdf_bytes`` as the batch does, and separately its revision analysis alone
(``analyse_changes`` on the signatures that do not cover the whole file, as the engine
calls it, except that it opens the file again, which the engine does not: the share is
an upper bound by a few per cent), fastest of ``--repeat`` interleaved rounds::

    .venv/bin/python benchmarks/analysis_share.py --corpus /tmp/esealkit-corpus

It prints, per class (one or several revisions, small or large), milliseconds per
document for the whole verification and for the analysis, and documents per second
with and without the analysis's time.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from esealkit.batch.corpus import load_corpus
from esealkit.engine import Verifier
from esealkit.pdf.changes import analyse_changes
from esealkit.pdf.reader import read_pdf
from esealkit.pdf.verify import verify_pdf_bytes


def _class(plan: dict[str, object]) -> str:
    several = int(plan["signatures"]) > 1 or plan["variant"] == "modified"  # type: ignore[call-overload]
    return ("several" if several else "one") + ("-large" if plan["large"] else "-small")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/esealkit-corpus"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    info = load_corpus(args.corpus)
    verifier = Verifier(trust=info.trust(), validation_time=info.validation_time)
    expected = json.loads((args.corpus / "expected.json").read_text())
    groups: dict[str, list[tuple[str, bytes, list[tuple[int, int, int, int]]]]] = defaultdict(list)
    for rel, plan in sorted(expected.items()):
        data = (args.corpus / rel).read_bytes()
        try:
            doc = read_pdf(data)
            later = [s.byte_range for s in doc.signatures if not s.problems and not doc.covers_whole_file(s)]
        except Exception:  # a damaged file: verified, nothing to analyse
            later = []
        groups[_class(plan)].append((rel, data, later))
    best: dict[tuple[str, str], float] = defaultdict(lambda: float("inf"))
    for _ in range(args.repeat):
        for name, docs in groups.items():
            started = time.perf_counter()
            for rel, data, _later in docs:
                verify_pdf_bytes(data, path=rel, verifier=verifier)
            best[name, "verify"] = min(best[name, "verify"], time.perf_counter() - started)
            started = time.perf_counter()
            for _rel, data, later in docs:
                if later:
                    analyse_changes(data, later)
            best[name, "analysis"] = min(best[name, "analysis"], time.perf_counter() - started)
    print(f"{'class':14s} {'docs':>5s} {'verify ms':>10s} {'analysis ms':>12s} {'share':>6s}")
    totals = [0.0, 0.0]
    count = 0
    for name in sorted(groups):
        n = len(groups[name])
        whole, analysis = best[name, "verify"], best[name, "analysis"]
        totals[0] += whole
        totals[1] += analysis
        count += n
        print(f"{name:14s} {n:5d} {whole / n * 1e3:10.2f} {analysis / n * 1e3:12.2f} {analysis / whole:6.0%}")
    print(f"all: {count / totals[0]:.0f} documents/s; without the analysis's time {count / (totals[0] - totals[1]):.0f}"
          f" documents/s ({totals[1] / totals[0]:.0%} of the time is the revision analysis)")


if __name__ == "__main__":
    main()
