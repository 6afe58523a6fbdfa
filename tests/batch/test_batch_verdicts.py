"""The batch gives every document the verdict single-document verification gives it,
whatever executor runs it."""

from __future__ import annotations

import concurrent.futures
import json

import pytest

from esealkit.batch import BatchVerifier, Source, discover
from esealkit.engine import Verifier, sniff_format, verify_pdf
from esealkit.report import Indication, SubIndication


def _single(corpus, path):
    """What one-document verification says of ``path`` (verify_pdf for PDFs)."""
    data = path.read_bytes()
    if sniff_format(data) == "pdf":
        return verify_pdf(path, trust=corpus.trust(), validation_time=corpus.validation_time).to_dict()
    verifier = Verifier(trust=corpus.trust(), validation_time=corpus.validation_time)
    return verifier.verify(data, path=str(path)).to_dict()


@pytest.fixture(scope="module")
def expected(corpus):
    files = sorted(p for p in corpus.docs.rglob("*") if p.is_file())
    return {str(p): _single(corpus, p) for p in files}


def test_corpus_has_what_it_claims(corpus, expected):
    """The generated corpus holds every kind of document, each with the verdict it was made for."""
    made = json.loads((corpus.root / "expected.json").read_text())
    want = {
        "good": (Indication.TOTAL_PASSED, None),
        "tampered": (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE),
        "modified": (Indication.TOTAL_FAILED, SubIndication.MODIFIED_AFTER_SIGNING),
        "revoked": (Indication.TOTAL_FAILED, SubIndication.REVOKED),
        "malformed": (Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE),
    }
    seen = set()
    for rel, plan in made.items():
        report = expected[str(corpus.root / rel)]
        indication, sub = want[plan["variant"]]
        assert report["indication"] == indication.value, (rel, plan, report["message"])
        assert report["sub_indication"] == (sub.value if sub else None), (rel, plan)
        seen.add((plan["variant"], plan["signatures"], plan["large"]))
    assert {v for v, _, _ in seen} == set(want)
    assert {n for _, n, _ in seen} == {1, 2, 3}
    assert {large for _, _, large in seen} == {True, False}
    assert len(expected) >= 30


def _run(corpus, **kw):
    batch = BatchVerifier(trust=corpus.trust(), validation_time=corpus.validation_time, **kw)
    return {r.path: r.to_dict() for r in batch.run([corpus.docs])}


def test_process_pool_matches_single_document_verification(corpus, expected):
    assert _run(corpus, jobs=2, chunk_size=3) == expected


def test_inline_matches(corpus, expected):
    assert _run(corpus, executor="inline") == expected


def test_thread_pool_executor_matches(corpus, expected):
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        assert _run(corpus, executor=pool, chunk_size=4) == expected


def test_process_pool_executor_matches(corpus, expected):
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        assert _run(corpus, executor=pool, chunk_size=5, timeout=60) == expected


def test_dask_local_cluster_matches(corpus, expected):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        assert _run(corpus, executor=client.get_executor(), chunk_size=6) == expected


def test_reports_stream_in_completion_order_without_loss(corpus):
    """Each file exactly once, even when chunks finish out of order."""
    sources = list(discover([str(corpus.docs)]))
    batch = BatchVerifier(trust=corpus.trust(), validation_time=corpus.validation_time, jobs=2, chunk_size=1)
    paths = [r.path for r in batch.run(sources)]
    assert sorted(paths) == sorted(s.path for s in sources)


def test_missing_file_is_a_report_not_an_error(corpus, tmp_path):
    batch = BatchVerifier(trust=corpus.trust(), executor="inline")
    [report] = batch.run([Source(str(tmp_path / "gone.pdf"), -1, 0.0)])
    assert report.indication is Indication.INDETERMINATE
    assert "cannot read" in report.message


def test_bad_executor_name_is_refused(corpus):
    with pytest.raises(ValueError, match="executor"):
        BatchVerifier(trust=corpus.trust(), executor="gpu")
