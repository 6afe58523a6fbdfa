"""A generated corpus of signed PDFs (测试文档集), for batch tests and benchmarks.

    >>> info = make_corpus("/tmp/corpus", count=1000)                 # doctest: +SKIP
    >>> info.trust_args                                               # doctest: +SKIP
    ['--trust', '/tmp/corpus/trust/root.pem', '--crl', '/tmp/corpus/trust/root.crl', ...]

A test PKI (root → intermediate → RSA, ECDSA P-256 and SM2 signers, one revoked signer)
is made at generation time; its keys are never written.  Documents are small (one page)
or large (many pages and a 1 MiB stream), carry one to three signatures, and some are
tampered (a byte changed inside the signed range), modified after signing (text drawn by
a later revision), signed by a revoked certificate, or not PDFs at all (truncated).
``expected.json`` records what each file was made to be, not what esealkit says of it.
Files go under ``dest/docs``; trust material under ``dest/trust``.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["CorpusInfo", "make_corpus"]

SIGNER_KINDS = ("rsa", "ecdsa-p256", "sm2")


@dataclass(frozen=True)
class CorpusInfo:
    """Where a generated corpus is and how to trust it."""

    root: Path
    docs: Path
    anchors: tuple[Path, ...]
    crls: tuple[Path, ...]
    validation_time: datetime
    files: tuple[Path, ...]

    @property
    def trust_args(self) -> list[str]:
        """Arguments for ``esealkit verify`` that trust this corpus's PKI."""
        args: list[str] = []
        for a in self.anchors:
            args += ["--trust", str(a)]
        for c in self.crls:
            args += ["--crl", str(c)]
        return [*args, "--validation-time", self.validation_time.isoformat()]

    def trust(self) -> Any:
        from esealkit.pki import Trust

        return Trust.load(self.anchors, crls=self.crls)


@dataclass
class _Pki:
    root: Any
    ca: Any
    signers: dict[str, Any]
    revoked: Any
    now: datetime


def _make_pki(now: datetime) -> _Pki:
    from esealkit.testing import CertificateAuthority

    t0 = now - timedelta(days=300)
    root = CertificateAuthority.root("Corpus Root CA", key_kind="ecdsa-p256", not_before=t0, organization="esealkit corpus")
    ca = root.intermediate("Corpus Signing CA", key_kind="ecdsa-p256", not_before=t0)
    signers = {kind: ca.issue(f"Corpus signer {kind}", key_kind=kind, not_before=t0) for kind in SIGNER_KINDS}
    revoked = ca.issue("Corpus revoked signer", key_kind="ecdsa-p256", not_before=t0)
    ca.revoke(revoked.serial, now - timedelta(days=5))
    return _Pki(root, ca, signers, revoked, now)


# One worker's PKI, set by the pool initializer (keys never leave memory).
_WORKER: dict[str, Any] = {}


def _plan(count: int, seed: int) -> list[dict[str, Any]]:
    """What each document will be: deterministic from ``seed``."""
    rng = random.Random(seed)
    plans = []
    for i in range(count):
        r = rng.random()
        variant = ("tampered" if r < 0.04 else "modified" if r < 0.07 else "revoked" if r < 0.09
                   else "malformed" if r < 0.10 else "good")
        plans.append({
            "index": i,
            "variant": variant,
            "large": rng.random() < 0.08,
            "signatures": 1 if rng.random() < 0.8 else rng.choice((2, 3)),
            "kinds": [rng.choice(SIGNER_KINDS) for _ in range(3)],
        })
    # However small, a corpus has every kind of document once (the first ones).
    for plan, (variant, large, signatures, kind) in zip(plans, _COVERAGE, strict=False):
        plan.update(variant=variant, large=large, signatures=signatures, kinds=[kind, "ecdsa-p256", "rsa"])
    return plans


_COVERAGE = (
    ("good", False, 1, "rsa"), ("good", False, 1, "ecdsa-p256"), ("good", False, 1, "sm2"),
    ("tampered", False, 1, "rsa"), ("modified", False, 1, "ecdsa-p256"), ("revoked", False, 1, "ecdsa-p256"),
    ("malformed", False, 1, "rsa"), ("good", False, 2, "sm2"), ("good", False, 3, "rsa"),
    ("tampered", False, 2, "ecdsa-p256"), ("modified", False, 2, "rsa"), ("good", True, 1, "ecdsa-p256"),
    ("tampered", True, 1, "sm2"), ("good", True, 2, "rsa"),
)


def _make_doc(plan: dict[str, Any]) -> tuple[str, bytes]:
    from esealkit.pdf.sign import sign_pdf
    from esealkit.testing import add_page_text, simple_pdf

    pki: _Pki = _WORKER["pki"]
    i = plan["index"]
    pages = 120 if plan["large"] else 1
    pdf = simple_pdf([f"Corpus document {i}", f"Variant {plan['variant']}", "Amount: 1000 CNY"],
                     title=f"Corpus document {i}", pages=pages)
    if plan["large"]:
        pdf = _with_blob(pdf, random.Random(i).randbytes(1 << 20))
    for n in range(plan["signatures"]):
        kind = plan["kinds"][n]
        signer = pki.revoked if plan["variant"] == "revoked" and n == 0 else pki.signers[kind]
        pdf = sign_pdf(pdf, key=signer.key, cert_der=signer.der, chain=[pki.ca.der, pki.root.der],
                       field_name=f"Signature{n + 1}")
    if plan["variant"] == "tampered":
        marker = f"Corpus document {i}".encode()
        pos = pdf.index(marker)
        pdf = pdf[:pos] + b"X" + pdf[pos + 1:]
    elif plan["variant"] == "modified":
        pdf = add_page_text(pdf, "PAID IN FULL")
    elif plan["variant"] == "malformed":
        pdf = pdf[: len(pdf) // 2]
    sub = "large" if plan["large"] else "small"
    return f"{sub}/doc{i:06d}.pdf", pdf


def _with_blob(pdf: bytes, blob: bytes) -> bytes:
    import io

    import pikepdf

    doc = pikepdf.open(io.BytesIO(pdf))
    doc.Root["/EsealkitCorpusBlob"] = doc.make_stream(blob)
    out = io.BytesIO()
    doc.save(out, deterministic_id=True)
    return out.getvalue()


def _init_worker(pki: _Pki) -> None:
    _WORKER["pki"] = pki


def _pem(der: bytes, label: str) -> bytes:
    import base64

    b64 = base64.encodebytes(der).replace(b"\n", b"")
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return b"-----BEGIN " + label.encode() + b"-----\n" + b"\n".join(lines) + b"\n-----END " + label.encode() + b"-----\n"


def make_corpus(dest: str | os.PathLike[str], *, count: int = 1000, seed: int = 1, jobs: int | None = None,
                now: datetime | None = None) -> CorpusInfo:
    """Generate ``count`` documents under ``dest`` (made if absent) and the trust files."""
    root = Path(dest)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    pki = _make_pki(now)
    trust_dir = root / "trust"
    trust_dir.mkdir(parents=True, exist_ok=True)
    (trust_dir / "root.pem").write_bytes(_pem(pki.root.der, "CERTIFICATE"))
    crl_at = now - timedelta(hours=1)
    (trust_dir / "root.crl").write_bytes(pki.root.crl(this_update=crl_at, next_update=now + timedelta(days=30)))
    (trust_dir / "ca.crl").write_bytes(pki.ca.crl(this_update=crl_at, next_update=now + timedelta(days=30)))
    plans = _plan(count, seed)
    docs = root / "docs"
    written: list[Path] = []
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and count > 20:
        with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(pki,)) as pool:
            made = list(pool.map(_make_doc, plans, chunksize=8))
    else:
        _init_worker(pki)
        made = [_make_doc(p) for p in plans]
    for name, data in made:
        path = docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    expected = {str(p.relative_to(root)): {k: v for k, v in plan.items() if k != "kinds"} | {
        "kinds": plan["kinds"][: plan["signatures"]]} for p, plan in zip(written, plans, strict=True)}
    (root / "expected.json").write_text(json.dumps(expected, indent=1))
    (root / "validation_time.txt").write_text(now.isoformat())
    return CorpusInfo(root, docs, (trust_dir / "root.pem",), (trust_dir / "root.crl", trust_dir / "ca.crl"), now,
                      tuple(written))


def load_corpus(dest: str | os.PathLike[str]) -> CorpusInfo:
    """A corpus made earlier by :func:`make_corpus`."""
    root = Path(dest)
    trust_dir = root / "trust"
    now = datetime.fromisoformat((root / "validation_time.txt").read_text().strip())
    files = tuple(sorted(p for p in (root / "docs").rglob("*") if p.is_file()))
    return CorpusInfo(root, root / "docs", (trust_dir / "root.pem",), (trust_dir / "root.crl", trust_dir / "ca.crl"),
                      now, files)


def corpus_signers(kinds: Sequence[str]) -> bool:
    """True when every signature kind can be validated by pyHanko (no SM2)."""
    return "sm2" not in kinds
