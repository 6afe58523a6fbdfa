"""Benchmark: esealkit batch verification against pyHanko and against the floor.

Generates (or reuses) a corpus of signed PDFs (:func:`esealkit.batch.corpus.make_corpus`:
small and large, 1-3 signatures, RSA/ECDSA/SM2, some tampered, modified, revoked or
truncated), then measures in ONE run, each measurement in a fresh process so that peak RSS
and caches are its own:

* ``esealkit-inline``: ``BatchVerifier(executor="inline")`` in one process — one core;
* ``esealkit-pool-1`` and ``esealkit-pool-N``: the default process pool with 1 and all
  cores (the parent only collects);
* ``pyhanko``: pyHanko's own ``validate_pdf_signature`` on every signature of the same
  files with one ``ValidationContext`` (same trust anchor and CRLs, no fetching) reused
  for the whole run, plus ``EmbeddedPdfSignature`` diff analysis as pyHanko does it.
  pyHanko cannot verify SM2, so it runs on the files without SM2 signatures, and
  esealkit is measured on that same subset (``esealkit-inline-nosm2``) for the ratio;
* ``floor``: read the file, find ``/ByteRange`` with a regex, hash the two ranges, check
  the CMS message digest and verify one signature per signature with the signer's key
  (keys cached, no chain building, no PDF parsing).

Every measurement runs ``--repeat`` times (3 by default), the rounds interleaved, and the
fastest round of each is kept: this machine's speed drifts within minutes.

Run (the numbers in the closing note were made with exactly this)::

    .venv/bin/python benchmarks/batch_verify.py --corpus /tmp/esealkit-corpus --count 1000

Add ``--memory-docs 100000`` to also run the pool over a list of that many entries
(the corpus's files repeated) and report the parent's and the largest worker's peak RSS.
Generated files stay under ``--corpus``; never commit them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (workers), user + system."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _rss_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its largest waited-for child, in MB (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, child


def _files(corpus: Path, subset: str) -> list[Path]:
    expected = json.loads((corpus / "expected.json").read_text())
    out = []
    for rel, plan in sorted(expected.items()):
        if subset == "nosm2" and "sm2" in plan["kinds"]:
            continue
        out.append(corpus / rel)
    return out


def _classes(corpus: Path) -> dict[str, str]:
    """Each file's class: one revision (the signature covers the whole file, no change
    analysis) or several (later revisions that pyHanko's difference analysis examines)."""
    expected = json.loads((corpus / "expected.json").read_text())
    return {str(corpus / rel): ("several revisions" if plan["signatures"] > 1 or plan["variant"] == "modified"
                                else "one revision") for rel, plan in expected.items()}


def _add(classes: dict[str, list[float]], name: str, seconds: float) -> None:
    entry = classes.setdefault(name, [0, 0.0])
    entry[0] += 1
    entry[1] += seconds


def _signature_count(paths: list[Path]) -> int:
    return sum(len(_BYTE_RANGE.findall(p.read_bytes())) for p in paths)


def measure_esealkit(corpus: Path, executor: str, jobs: int, subset: str) -> dict[str, Any]:
    from esealkit.batch import BatchVerifier, Source
    from esealkit.batch.corpus import load_corpus

    info = load_corpus(corpus)
    paths = _files(corpus, subset)
    sources = [Source(str(p), p.stat().st_size, p.stat().st_mtime) for p in paths]
    batch = BatchVerifier(trust=info.trust(), validation_time=info.validation_time,
                          executor=None if executor == "pool" else executor, jobs=jobs)
    tally: dict[str, int] = {}
    signatures = 0
    kinds = _classes(corpus)
    classes: dict[str, list[float]] = {}
    cpu_before = _cpu_seconds()
    started = last = time.perf_counter()
    for report in batch.run(sources):
        tally[report.indication.value] = tally.get(report.indication.value, 0) + 1
        signatures += len(report.signatures)
        if executor == "inline":  # per-file times are only meaningful in one process
            now = time.perf_counter()
            _add(classes, kinds[report.path], now - last)
            last = now
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    own, child = _rss_mb()
    return {"documents": len(paths), "signatures": signatures, "seconds": elapsed, "tally": tally,
            "rss_mb": own, "worker_rss_mb": child, "classes": classes, "cpu_seconds": cpu}


def measure_pyhanko(corpus: Path) -> dict[str, Any]:
    import io
    import logging

    from asn1crypto import crl as asn1_crl
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.policy_decl import (
        CertRevTrustPolicy,
        RevocationCheckingPolicy,
        RevocationCheckingRule,
    )

    from esealkit.batch.corpus import load_corpus

    logging.disable(logging.CRITICAL)
    info = load_corpus(corpus)
    anchors = []
    for a in info.anchors:
        data = a.read_bytes()
        anchors += [x509.Certificate.load(d) for _, _, d in pem.unarmor(data, multiple=True)] if pem.detect(data) \
            else [x509.Certificate.load(data)]
    crls = [asn1_crl.CertificateList.load(c.read_bytes()) for c in info.crls]
    # the corpus certificates declare an OCSP responder and no CRL distribution point:
    # pyHanko's "hard-fail" mode would then look for OCSP responses only and find none;
    # CRL-or-OCSP required makes it check the supplied CRLs, as esealkit does
    required = RevocationCheckingRule.CRL_OR_OCSP_REQUIRED
    context = ValidationContext(trust_roots=anchors, crls=crls, allow_fetching=False, moment=info.validation_time,
                                revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(required, required)))
    paths = _files(corpus, "nosm2")
    tally: dict[str, int] = {}
    signatures = 0
    started = time.perf_counter()
    for path in paths:
        verdict = "TOTAL_PASSED"
        try:
            reader = PdfFileReader(io.BytesIO(path.read_bytes()), strict=True)
            sigs = reader.embedded_signatures
            if not sigs:
                verdict = "NO_SIGNATURE"
            for sig in sigs:
                signatures += 1
                status = validate_pdf_signature(sig, signer_validation_context=context, diff_policy=DEFAULT_DIFF_POLICY)
                if not status.bottom_line:
                    verdict = "TOTAL_FAILED"
        except Exception:  # pyHanko raises for damaged files; count them as failed
            verdict = "ERROR"
        tally[verdict] = tally.get(verdict, 0) + 1
    elapsed = time.perf_counter() - started
    own, child = _rss_mb()
    return {"documents": len(paths), "signatures": signatures, "seconds": elapsed, "tally": tally,
            "rss_mb": own, "worker_rss_mb": child}


def measure_floor(corpus: Path, subset: str) -> dict[str, Any]:
    """Read, hash the byte ranges, check the CMS digest, one signature verification per
    signature with a cached key; no PDF parsing, no chain building, no revocation."""
    from asn1crypto import cms, parser

    from esealkit import crypto

    keys: dict[bytes, bytes] = {}
    paths = _files(corpus, subset)
    signatures = 0
    ok = 0
    kinds = _classes(corpus)
    classes: dict[str, list[float]] = {}
    started = time.perf_counter()
    for path in paths:
        file_started = time.perf_counter()
        with open(path, "rb", buffering=0) as f:
            data = f.read()
        view = memoryview(data)
        good = True
        for m in _BYTE_RANGE.finditer(data):
            a, b, c, d = (int(x) for x in m.groups())
            if c + d > len(data) or b + 1 >= c:
                good = False
                continue
            try:
                contents = bytes.fromhex(data[b + 1: c - 1].decode("ascii"))
                _, _, _, header, body, _ = parser.parse(contents)  # the DER object, without the zero padding
                signed = cms.ContentInfo.load(contents[: len(header) + len(body)])["content"]
                si = signed["signer_infos"][0]
                digest_name = si["digest_algorithm"]["algorithm"].native
                md = hashlib.new(digest_name) if digest_name != "sm3" else None
                if md is None:
                    digest = crypto.digest("sm3", view[a:a + b], view[c:c + d])
                else:
                    md.update(view[a:a + b])
                    md.update(view[c:c + d])
                    digest = md.digest()
                attrs = si["signed_attrs"]
                wanted = next(x["values"][0].native for x in attrs if x["type"].native == "message_digest")
                sid = si["sid"].dump()
                spki = keys.get(sid)
                if spki is None:  # the signer's key, found once per signer (the chain is "cached")
                    ias = si["sid"].chosen
                    signer = next(c.chosen for c in signed["certificates"]
                                  if c.chosen.serial_number == ias["serial_number"].native)
                    spki = keys[sid] = signer.public_key.dump()
                algorithm = crypto.SignatureAlgorithm.from_oid(si["signature_algorithm"]["algorithm"].dotted,
                                                              digest=crypto.digest_name(digest_name))
                crypto.verify_signature(spki, algorithm, si["signature"].native, b"\x31" + attrs.dump()[1:])
                good = good and digest == wanted
            except Exception:
                good = False
            signatures += 1
        ok += good
        _add(classes, kinds[str(path)], time.perf_counter() - file_started)
    elapsed = time.perf_counter() - started
    own, child = _rss_mb()
    return {"documents": len(paths), "signatures": signatures, "seconds": elapsed, "tally": {"ok": ok},
            "rss_mb": own, "worker_rss_mb": child, "classes": classes}


def measure_memory(corpus: Path, docs: int, jobs: int) -> dict[str, Any]:
    """The pool over ``docs`` list entries (the corpus repeated), through the CLI's batch
    path with a JSON Lines journal, as an operator would run it."""
    from esealkit.batch.cli import BatchOptions, run_batch
    from esealkit.batch.corpus import load_corpus

    info = load_corpus(corpus)
    kinds = _classes(corpus)
    # One-revision files only, so that the run takes minutes, not an hour: memory does not
    # depend on what is in the documents, only on how many reports stream through.
    files = [str(p) for p in info.files if kinds.get(str(p)) == "one revision"]
    listing = corpus / "memory-list.txt"
    with open(listing, "w") as f:
        for i in range(docs):
            f.write(files[i % len(files)] + "\n")
    out = corpus / "memory-run.jsonl"
    started = time.perf_counter()
    run_batch(BatchOptions(from_list=str(listing), fmt="jsonl", output=str(out), jobs=jobs, progress=False),
              trust=info.trust(), validation_time=info.validation_time)
    elapsed = time.perf_counter() - started
    lines = sum(1 for _ in open(out))
    own, child = _rss_mb()
    return {"documents": lines, "signatures": 0, "seconds": elapsed, "tally": {}, "rss_mb": own, "worker_rss_mb": child}


def _child(name: str, args: argparse.Namespace, *extra: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--corpus", str(args.corpus), "--measure", name, *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/esealkit-corpus"))
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--memory-docs", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of every measurement; the fastest is kept")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--subset", default="all", help=argparse.SUPPRESS)
    parser.add_argument("--executor", default="inline", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        if args.measure == "esealkit":
            result = measure_esealkit(args.corpus, args.executor, args.workers, args.subset)
        elif args.measure == "pyhanko":
            result = measure_pyhanko(args.corpus)
        elif args.measure == "floor":
            result = measure_floor(args.corpus, args.subset)
        else:
            result = measure_memory(args.corpus, args.memory_docs, args.workers)
        print(json.dumps(result))
        return

    if not (args.corpus / "expected.json").exists():
        from esealkit.batch.corpus import make_corpus

        t = time.perf_counter()
        make_corpus(args.corpus, count=args.count)
        print(f"generated {args.count} documents in {time.perf_counter() - t:.0f} s under {args.corpus}")
    nosm2 = len(_files(args.corpus, "nosm2"))
    print(f"corpus: {len(_files(args.corpus, 'all'))} documents ({nosm2} without SM2), "
          f"{_signature_count(_files(args.corpus, 'all'))} signatures, {os.cpu_count()} cores")
    plan: dict[str, tuple[str, ...]] = {
        "floor": ("floor",),
        "floor-nosm2": ("floor", "--subset", "nosm2"),
        "esealkit-inline": ("esealkit",),
        "esealkit-inline-nosm2": ("esealkit", "--subset", "nosm2"),
        "esealkit-pool-1": ("esealkit", "--executor", "pool", "--workers", "1"),
        f"esealkit-pool-{args.jobs}": ("esealkit", "--executor", "pool", "--workers", str(args.jobs)),
        "pyhanko-nosm2": ("pyhanko",),
    }
    # A shared machine's speed drifts by tens of percent within minutes: every measurement
    # is repeated, the rounds interleaved, and each run's fastest round kept (as timeit
    # does), so that a slow minute does not land on one side of a ratio only.
    runs: dict[str, dict[str, Any]] = {}
    for _ in range(args.repeat):
        for name, (what, *extra) in plan.items():
            result = _child(what, args, *extra)
            if name not in runs or result["seconds"] < runs[name]["seconds"]:
                runs[name] = result
    if args.memory_docs:
        runs[f"memory-{args.memory_docs}"] = _child("memory", args, "--memory-docs", str(args.memory_docs),
                                                    "--workers", str(args.jobs))
    print(f"\n{'run':<24}{'docs':>7}{'sigs':>7}{'seconds':>9}{'docs/s':>9}{'sigs/s':>9}{'RSS MB':>9}{'worker MB':>11}  tally")
    rate = {}
    for name, r in runs.items():
        rate[name] = r["documents"] / r["seconds"]
        print(f"{name:<24}{r['documents']:>7}{r['signatures']:>7}{r['seconds']:>9.2f}{rate[name]:>9.1f}"
              f"{r['signatures'] / r['seconds']:>9.1f}{r['rss_mb']:>9.0f}{r['worker_rss_mb']:>11.0f}  {r['tally']}")
    print("\nratios (targets in brackets):")
    print(f"  esealkit 1 core / pyHanko (non-SM2 files)   {rate['esealkit-inline-nosm2'] / rate['pyhanko-nosm2']:6.1f}x  [>= 25x]")
    print(f"  esealkit 1 core / floor (all files)         {rate['esealkit-inline'] / rate['floor']:6.1%}  [>= 60 %]")
    print(f"  esealkit 1 core / floor (non-SM2 files)     {rate['esealkit-inline-nosm2'] / rate['floor-nosm2']:6.1%}")
    print(f"  pool {args.jobs} cores / pool 1 core              "
          f"{rate[f'esealkit-pool-{args.jobs}'] / rate['esealkit-pool-1']:6.2f}x  [>= 1.8x on 2 cores]")
    print(f"  pool {args.jobs} cores / inline 1 core            {rate[f'esealkit-pool-{args.jobs}'] / rate['esealkit-inline']:6.2f}x")
    print(f"  this machine's own scaling ({args.jobs} processes of pure Python / 1): {_cpu_scaling(args.jobs):.2f}x")
    print(f"  (each run's fastest of {args.repeat} interleaved rounds)")
    pool = runs[f"esealkit-pool-{args.jobs}"]
    inline = runs["esealkit-inline"]
    # CPU seconds say what the pool costs over one process whatever else runs on the
    # machine; with every core free, N workers give N x (inline CPU / pool CPU) at most.
    pool1 = runs["esealkit-pool-1"]
    print(f"  CPU seconds (parent + workers): inline {inline['cpu_seconds']:.2f}, pool-1 {pool1['cpu_seconds']:.2f}, "
          f"pool-{args.jobs} {pool['cpu_seconds']:.2f}")
    print(f"    the pool's own cost: pool-1 CPU / inline CPU = {pool1['cpu_seconds'] / inline['cpu_seconds']:.2f}; "
          f"{args.jobs} workers on {args.jobs} idle cores at that cost: "
          f"{args.jobs * inline['cpu_seconds'] / pool1['cpu_seconds']:.2f}x inline")
    print(f"    CPU the same work took with {args.jobs} workers at once: "
          f"{pool['cpu_seconds'] / pool1['cpu_seconds']:.2f}x (shared cores: compare the pure-Python control)")
    print("\nby document class, one core (docs/s, esealkit vs floor):")
    for name in ("one revision", "several revisions"):
        e = runs["esealkit-inline"]["classes"].get(name)
        f = runs["floor"]["classes"].get(name)
        if e and f:
            print(f"  {name:<20} {e[0]:>5} docs  esealkit {e[0] / e[1]:8.1f}/s  floor {f[0] / f[1]:8.1f}/s  "
                  f"ratio {(e[0] / e[1]) / (f[0] / f[1]):6.1%}")


def _spin(n: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(n):
        total += i
    return time.perf_counter() - started


def _cpu_scaling(jobs: int) -> float:
    """How much faster ``jobs`` processes do ``jobs`` times the work of one, right now:
    the most any parallel run could gain on this machine at this moment."""
    import multiprocessing

    one = _spin(4_000_000)
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        started = time.perf_counter()
        pool.map(_spin, [4_000_000] * (2 * jobs))
        many = time.perf_counter() - started
    return (2 * jobs * one) / many


if __name__ == "__main__":
    main()
