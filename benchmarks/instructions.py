"""Benchmark: instructions per document, this tree against an earlier commit, by class.

Wall-clock rates on a shared machine drift by 20-30 % within minutes, which hides a
change of 10 %.  Instruction counts do not drift: valgrind's callgrind counts them,
the same for the same code and input whatever else the machine is doing.  (Instructions
are not time — cryptography runs more of them per cycle than Python does — so this is
for comparing two versions of esealkit, not esealkit with pyHanko.)

For each document class of the batch corpus (:func:`esealkit.batch.corpus.make_corpus`;
one or several revisions, small or large), the first ``--count`` documents are verified
with ``verify_pdf_bytes`` under callgrind, counting only the verification (the imports
and a warm-up on three documents are not counted), once with this tree's ``src`` and
once with ``--base``'s, checked out into a scratch folder.  Needs valgrind (Debian's
``valgrind`` package)::

    .venv/bin/python benchmarks/instructions.py --corpus /tmp/esealkit-corpus --base HEAD~3

It prints millions of instructions per document for both, the change, and the change
over the whole corpus (each class weighted by its number of documents).  It takes a
few minutes: Python under callgrind runs some fifty times slower.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

_CLASSES = ("one-small", "one-large", "several-small", "several-large")
_REPO = Path(__file__).resolve().parent.parent


def _class(plan: dict[str, object]) -> str:
    several = int(plan["signatures"]) > 1 or plan["variant"] == "modified"  # type: ignore[call-overload]
    return ("several" if several else "one") + ("-large" if plan["large"] else "-small")


def _documents(corpus: Path, which: str) -> list[Path]:
    expected = json.loads((corpus / "expected.json").read_text())
    return [corpus / rel for rel, plan in sorted(expected.items()) if _class(plan) == which]


def child(corpus: Path, which: str, count: int) -> None:
    """Verify the documents of one class, telling callgrind to count only that."""
    from esealkit.batch.corpus import load_corpus
    from esealkit.engine import Verifier
    from esealkit.pdf.verify import verify_pdf_bytes

    info = load_corpus(corpus)
    verifier = Verifier(trust=info.trust(), validation_time=info.validation_time)
    documents = [(str(p), p.read_bytes()) for p in _documents(corpus, which)[:count]]
    for path, data in documents[:3]:  # caches warm, as in a batch under way
        verify_pdf_bytes(data, path=path, verifier=verifier)
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "--instr=on", pid], capture_output=True, check=True)
    for path, data in documents:
        verify_pdf_bytes(data, path=path, verifier=verifier)
    subprocess.run(["callgrind_control", "--instr=off", pid], capture_output=True, check=True)


def _count(src: Path, corpus: Path, which: str, count: int) -> int:
    env = dict(os.environ, PYTHONPATH=str(src))
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null",
         sys.executable, __file__, "--child", which, "--corpus", str(corpus), "--count", str(count)],
        env=env, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/esealkit-corpus"))
    parser.add_argument("--base", default="HEAD~1", help="the commit to compare this tree with")
    parser.add_argument("--count", type=int, default=30, help="documents per class (large ones: a tenth)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.corpus, args.child, args.count)
        return
    if not (args.corpus / "expected.json").exists():
        sys.exit(f"no corpus under {args.corpus}: make one with benchmarks/batch_verify.py first")
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch) / "base"
        subprocess.run(["git", "clone", "-q", str(_REPO), str(base)], check=True)
        subprocess.run(["git", "-C", str(base), "checkout", "-q", args.base], check=True)
        print(f"instructions per document (millions): {args.base} -> this tree, corpus {args.corpus}")
        totals = [0.0, 0.0]
        for which in _CLASSES:
            documents = len(_documents(args.corpus, which))
            count = min(documents, max(args.count // 10, 2) if which.endswith("large") else args.count)
            if count == 0:
                continue
            before, after = (_count(src, args.corpus, which, count) / count / 1e6
                             for src in (base / "src", _REPO / "src"))
            totals[0] += before * documents
            totals[1] += after * documents
            print(f"  {which:14s} {count:3d} of {documents:4d} docs  {before:8.2f} -> {after:8.2f}  "
                  f"{(after / before - 1) * 100:+6.1f} %")
        print(f"  whole corpus (classes weighted by size): {(totals[1] / totals[0] - 1) * 100:+.1f} %")


if __name__ == "__main__":
    main()
