"""A small generated corpus shared by the batch tests (made once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from esealkit.batch.corpus import CorpusInfo, make_corpus
from esealkit.ofd import build_ofd
from esealkit.testing import simple_pdf


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> CorpusInfo:
    """32 generated PDFs (every variant: tampered, modified, revoked, malformed, 1-3
    signatures, small and large, RSA/ECDSA/SM2) plus files that are not signed PDFs."""
    root = tmp_path_factory.mktemp("batch-corpus")
    info = make_corpus(root, count=32, seed=7)
    extra = info.docs / "extra"
    extra.mkdir()
    (extra / "unsigned.pdf").write_bytes(simple_pdf(["no signature here"]))
    (extra / "notes.txt").write_bytes(b"just some text, not a document\n")
    (extra / "empty.bin").write_bytes(b"")
    (extra / "unsigned.ofd").write_bytes(build_ofd(["hello"]))
    return info


@pytest.fixture()
def corpus_files(corpus: CorpusInfo) -> list[Path]:
    return sorted(p for p in corpus.docs.rglob("*") if p.is_file())
