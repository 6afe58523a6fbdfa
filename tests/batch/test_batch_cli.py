"""``esealkit verify`` as a batch: inputs, formats, reports, exit codes (CliRunner and subprocess)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import fsspec
import pytest
from click.testing import CliRunner

from esealkit.batch import BatchVerifier, discover
from esealkit.cli.main import main

ESEALKIT = str(Path(sys.executable).with_name("esealkit"))


def _invoke(corpus, *args, input=None):
    result = CliRunner().invoke(main, ["verify", *map(str, args), *corpus.trust_args], input=input)
    return result


@pytest.fixture(scope="module")
def reference(corpus):
    """Reports of every corpus file by path (inline, one process)."""
    batch = BatchVerifier(trust=corpus.trust(), validation_time=corpus.validation_time, executor="inline")
    return {r.path: r.to_dict() for r in batch.run([corpus.docs])}


def test_jsonl_holds_one_contract_object_per_document(corpus, reference, tmp_path):
    out = tmp_path / "r.jsonl"
    result = _invoke(corpus, corpus.docs, "--format", "jsonl", "--output", out, "--jobs", "2")
    assert result.exit_code == 1, result.output  # the corpus has failures
    entries = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(entries) == len(reference)
    for e in entries:
        info = e.pop("file")
        assert info["size"] == Path(e["path"]).stat().st_size
        assert e == reference[e["path"]]


def test_json_format_keeps_the_contract(corpus, reference):
    result = _invoke(corpus, corpus.docs / "small", "--format", "json", "--jobs", "2")
    data = json.loads(result.output)
    paths = {d["path"] for d in data["documents"]}
    assert paths == {p for p in reference if "/small/" in p}
    assert all(d == reference[d["path"]] for d in data["documents"])
    want = {"documents": len(paths)} | {k: sum(1 for d in data["documents"] if d["indication"] == k)
                                        for k in ("TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE")}
    assert data["summary"] == want


def test_text_format_and_exit_codes(corpus, reference):
    passing = sorted(p for p, r in reference.items() if r["indication"] == "TOTAL_PASSED")[:3]
    ok = _invoke(corpus, *passing)
    assert ok.exit_code == 0, ok.output
    assert ok.output.count("PASSED ") == 3 and "3 document(s): 3 passed, 0 failed, 0 indeterminate" in ok.output
    failing = next(p for p, r in reference.items() if r["sub_indication"] == "HASH_FAILURE")
    bad = _invoke(corpus, failing, passing[0], "-v")
    assert bad.exit_code == 1
    assert "FAILED" in bad.output and "HASH_FAILURE" in bad.output and "message_digest" in bad.output


def test_usage_errors_exit_2(corpus, tmp_path):
    assert _invoke(corpus, tmp_path / "missing.pdf").exit_code == 2
    assert CliRunner().invoke(main, ["verify", str(corpus.docs)]).exit_code == 2  # no --trust
    assert _invoke(corpus).exit_code == 2  # nothing to verify
    assert _invoke(corpus, corpus.docs, "--resume").exit_code == 2  # resume needs a jsonl file
    assert _invoke(corpus, corpus.docs, "--jobs", "0").exit_code == 2


def test_glob_and_list_file_and_stdin(corpus, reference, tmp_path):
    glob_result = _invoke(corpus, f"{corpus.docs}/**/doc00000[0-4].pdf", "--format", "jsonl", "--jobs", "1")
    paths = sorted(json.loads(line)["path"] for line in glob_result.output.splitlines())
    assert [Path(p).name for p in paths] == [f"doc00000{i}.pdf" for i in range(5)]
    listed = sorted(reference)[:4]
    listing = tmp_path / "list.txt"
    listing.write_text("# files to check\n" + "\n".join(listed[:2]) + "\n\n")
    from_list = _invoke(corpus, listed[2], "--from-list", listing, "--format", "jsonl")
    assert sorted(json.loads(line)["path"] for line in from_list.output.splitlines()) == sorted(listed[:3])
    from_stdin = _invoke(corpus, "--from-list", "-", "--format", "jsonl", input="\n".join(listed) + "\n")
    assert sorted(json.loads(line)["path"] for line in from_stdin.output.splitlines()) == listed


def test_fsspec_urls(corpus, reference):
    """memory:// holds copies of corpus files; file:// names local ones."""
    fs = fsspec.filesystem("memory")
    picked = sorted(reference)[:3]
    for i, p in enumerate(picked):
        fs.pipe(f"/esealkit-batch/in/{i}.pdf", Path(p).read_bytes())
    batch = BatchVerifier(trust=corpus.trust(), validation_time=corpus.validation_time, executor="inline")
    reports = {r.path: r.to_dict() for r in batch.run(discover(["memory://esealkit-batch/in/"]))}
    assert sorted(reports) == [f"memory:///esealkit-batch/in/{i}.pdf" for i in range(3)]
    for i, p in enumerate(picked):
        got = reports[f"memory:///esealkit-batch/in/{i}.pdf"]
        assert got["indication"] == reference[p]["indication"]
        assert got["signatures"] == reference[p]["signatures"]
    result = _invoke(corpus, f"file://{picked[0]}", "--format", "jsonl", "--jobs", "1")
    assert json.loads(result.output)["indication"] == reference[picked[0]]["indication"]


def test_dask_scheduler_option(corpus, reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "r.jsonl"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        result = _invoke(corpus, corpus.docs / "small", "--scheduler", cluster.scheduler_address,
                         "--format", "jsonl", "--output", out)
    assert result.exit_code == 1, result.output
    entries = [json.loads(line) for line in out.read_text().splitlines()]
    assert {e["path"] for e in entries} == {p for p in reference if "/small/" in p}
    assert all({k: v for k, v in e.items() if k != "file"} == reference[e["path"]] for e in entries)


def test_unreachable_scheduler_is_a_usage_error(corpus):
    result = _invoke(corpus, corpus.docs / "small", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 2


def test_csv_junit_html_reports(corpus, reference, tmp_path):
    result = _invoke(corpus, corpus.docs, "--format", "text", "--report-csv", tmp_path / "r.csv",
                     "--report-junit", tmp_path / "r.xml", "--report-html", tmp_path / "r.html", "--jobs", "2")
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text())))
    assert {r["path"]: (r["indication"], r["sub_indication"] or None) for r in rows} == {
        p: (r["indication"], r["sub_indication"]) for p, r in reference.items()}
    suite = ET.parse(tmp_path / "r.xml").getroot().find("testsuite")
    assert suite is not None
    failed = sum(1 for r in reference.values() if r["indication"] == "TOTAL_FAILED")
    indeterminate = sum(1 for r in reference.values() if r["indication"] == "INDETERMINATE")
    assert (int(suite.get("tests")), int(suite.get("failures")), int(suite.get("errors"))) == (
        len(reference), failed, indeterminate)
    assert len(suite.findall("testcase/failure")) == failed
    assert len(suite.findall("testcase/error")) == indeterminate
    page = (tmp_path / "r.html").read_text()
    assert page.count('<tr class="doc"') == len(reference)
    assert "<svg" in page and "<script>" in page and "http" not in page.split("<body>")[1].split("Generated")[0]


def test_subprocess_jsonl_to_stdout(corpus, reference):
    picked = sorted(reference)[:4]
    proc = subprocess.run([ESEALKIT, "verify", *picked, *corpus.trust_args, "--format", "jsonl", "--jobs", "2"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == (0 if all(reference[p]["indication"] == "TOTAL_PASSED" for p in picked) else 1)
    got = {json.loads(line)["path"]: json.loads(line) for line in proc.stdout.splitlines()}
    assert got == {p: reference[p] for p in picked}
    assert proc.stderr == ""  # quiet when standard error is not a terminal


def test_file_names_that_are_not_utf8_reach_every_report(corpus, reference, tmp_path):
    # a GBK or Latin-1 name on a Linux disk: Python gives it lone surrogates, which UTF-8
    # cannot encode; every report writes it as the JSON escape of the same string
    folder = tmp_path / "names"
    folder.mkdir()
    source = Path(sorted(reference)[0])
    odd = os.path.join(os.fsencode(folder), b"\xd6\xd0\xce\xc4-\xff.pdf")  # GBK "中文", a stray byte
    with open(odd, "wb") as f:
        f.write(source.read_bytes())
    name = os.fsdecode(odd)
    out, csv_path, junit, html = (tmp_path / n for n in ("r.jsonl", "r.csv", "r.xml", "r.html"))
    args = [ESEALKIT, "verify", str(folder), *corpus.trust_args, "--format", "jsonl", "--output", str(out),
            "--report-csv", str(csv_path), "--report-junit", str(junit), "--report-html", str(html)]
    first = subprocess.run(args, capture_output=True, timeout=120)
    assert first.returncode in (0, 1), first.stderr.decode(errors="replace")
    entries = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [e["path"] for e in entries] == [name]
    assert entries[0]["indication"] == reference[str(source)]["indication"]
    for path in (csv_path, junit, html):
        assert "\\udcff" in path.read_text(encoding="utf-8")  # valid UTF-8, the odd byte shown
    again = subprocess.run([*args, "--resume"], capture_output=True, timeout=120)
    assert again.returncode in (0, 1) and len(out.read_text(encoding="utf-8").splitlines()) == 1  # known: skipped
    listed = tmp_path / "list.txt"
    listed.write_bytes(odd + b"\n")
    text = subprocess.run([ESEALKIT, "verify", "--from-list", str(listed), *corpus.trust_args, "--format", "json"],
                          capture_output=True, timeout=120)
    assert json.loads(text.stdout)["documents"][0]["path"] == name
    piped = subprocess.run([ESEALKIT, "verify", "--from-list", "-", *corpus.trust_args, "--format", "jsonl"],
                           input=odd + b"\n", capture_output=True, timeout=120)
    assert json.loads(piped.stdout)["path"] == name
