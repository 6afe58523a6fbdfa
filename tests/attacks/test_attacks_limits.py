"""Resource limits: every limit hit is a clear FORMAT_FAILURE, within bounded time and
memory.  Each bomb runs in a child process, whose peak resident memory growth is measured
(pikepdf and zlib allocate outside Python, where tracemalloc cannot see)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from ofd_fixtures import SKELETON, make_zip
from pdf_attacks import Kit, append_revision, base_document

from esealkit.errors import MalformedInput
from esealkit.pdf.reader import PdfLimits, read_pdf

MiB = 1024 * 1024
MAX_GROWTH_MIB = 64  # every bomb below would need far more than this if it were expanded
MAX_SECONDS = 20

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
kind, path, limits = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
data = Path(path).read_bytes()
from esealkit.engine import verify_pdf
from esealkit.ofd import Limits, verify_ofd
import esealkit.pdf.verify  # noqa: F401 - imports (pyHanko) before the measurement
verify_pdf(b"%PDF-1.7\n", trust=None)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.monotonic()
if kind == "pdf":
    report = verify_pdf(data, trust=None)
else:
    report = verify_ofd(data, limits=Limits(**limits))
subs = [str(c.sub_indication) for c in report.checks]
subs += [str(c.sub_indication) for s in report.signatures for c in s.checks if c.sub_indication is not None]
print(json.dumps({
    "growth_mib": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
    "seconds": time.monotonic() - start,
    "indication": str(report.indication), "sub_indication": str(report.sub_indication),
    "message": report.message, "subs": subs,
    "text": " ".join([report.message] + [c.message for c in report.checks]
                     + [c.message for s in report.signatures for c in s.checks]),
}))
"""


def _run(kind: str, data: bytes, tmp_path: Path, limits: dict[str, int] | None = None) -> dict[str, object]:
    path = tmp_path / f"bomb.{kind}"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", _CHILD, kind, str(path), json.dumps(limits or {})],
                          capture_output=True, text=True, timeout=MAX_SECONDS * 3, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _assert_bounded_format_failure(result: dict[str, object], words: str) -> None:
    assert result["indication"] != "TOTAL_PASSED", result
    assert "FORMAT_FAILURE" in result["subs"], result  # type: ignore[operator]
    assert words in str(result["text"]), result
    assert float(result["seconds"]) < MAX_SECONDS, result  # type: ignore[arg-type]
    assert float(result["growth_mib"]) < MAX_GROWTH_MIB, result  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def kit(pki) -> Kit:
    return Kit.from_pki(pki)


# --- PDF ------------------------------------------------------------------------------


def _raw_pdf(objects: dict[int, bytes]) -> bytes:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pdf"))
    from rawpdf import build

    return build(objects)


def test_pdf_file_size_limit(kit):
    signed = kit.sign(base_document().data)
    with pytest.raises(MalformedInput, match="larger than the limit"):
        read_pdf(signed, limits=PdfLimits(max_file_size=len(signed) - 1))
    assert read_pdf(signed, limits=PdfLimits(max_file_size=len(signed))).signatures


def test_pdf_contents_limit(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pdf"))
    from rawpdf import signature_shaped

    huge = signature_shaped(b"30" * (PdfLimits().max_contents_size + 1))
    _assert_bounded_format_failure(_run("pdf", huge, tmp_path), "/Contents is larger than the limit")


def _fields_pdf(fields: bytes, extra: dict[int, bytes] | None = None) -> bytes:
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields " + fields + b" >> >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        **(extra or {}),
    }
    return _raw_pdf(objects)


def test_pdf_field_count_limit(tmp_path):
    many = b"[" + b" ".join(b"<< /T (f%d) /FT /Tx >>" % i for i in range(PdfLimits().max_fields + 1)) + b"]"
    _assert_bounded_format_failure(_run("pdf", _fields_pdf(many), tmp_path), "form fields")


def test_pdf_field_depth_limit(tmp_path):
    depth = PdfLimits().max_field_depth + 8
    field = b"<< /T (leaf) /FT /Sig >>"
    for level in range(depth):
        field = b"<< /T (n%d) /Kids [" % level + field + b"] >>"
    _assert_bounded_format_failure(_run("pdf", _fields_pdf(b"[" + field + b"]"), tmp_path), "nested too deeply")


def test_pdf_field_cycle_ends(tmp_path):
    cyclic = _fields_pdf(b"[4 0 R]", {4: b"<< /T (a) /Kids [5 0 R] >>", 5: b"<< /T (b) /Kids [4 0 R] >>"})
    result = _run("pdf", cyclic, tmp_path)
    assert result["sub_indication"] == "NO_SIGNATURE_FOUND", result
    assert float(result["seconds"]) < MAX_SECONDS  # type: ignore[arg-type]


def test_pdf_deeply_nested_object_after_signing(kit, tmp_path):
    signed = kit.sign(base_document().data)
    deep = append_revision(signed, {60: b"[" * 100_000 + b"]" * 100_000})
    result = _run("pdf", deep, tmp_path)
    assert result["indication"] != "TOTAL_PASSED", result
    assert "GENERIC" not in result["subs"], result  # type: ignore[operator]
    assert float(result["seconds"]) < MAX_SECONDS and float(result["growth_mib"]) < MAX_GROWTH_MIB, result  # type: ignore[arg-type]


def test_pdf_huge_declared_object_count(kit, tmp_path):
    signed = kit.sign(base_document().data)
    lying = append_revision(signed, {60: b"(x)"}).replace(b"/Size ", b"/Size 2147483640 /X ", 1)
    result = _run("pdf", lying, tmp_path)
    assert result["indication"] != "TOTAL_PASSED", result
    assert float(result["seconds"]) < MAX_SECONDS and float(result["growth_mib"]) < MAX_GROWTH_MIB, result  # type: ignore[arg-type]


def test_pdf_content_stream_bomb_is_not_expanded(kit, tmp_path):
    """A later revision's 128 MiB content stream (130 KiB compressed): the change analysis
    does not decode it."""
    signed = kit.sign(base_document().data)
    packed = zlib.compress(b"q Q\n" * (32 * MiB), 6)
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"
    result = _run("pdf", append_revision(signed, {base_document().content: stream}), tmp_path)
    assert result["sub_indication"] == "MODIFIED_AFTER_SIGNING", result
    assert float(result["growth_mib"]) < MAX_GROWTH_MIB, result  # type: ignore[arg-type]


def test_pdf_dss_stream_bomb(kit, tmp_path):
    """A /DSS certificate stream of 96 MiB zeros (100 KiB compressed) added after signing."""
    signed = kit.sign(base_document().data)
    packed = zlib.compress(bytes(96 * MiB), 6)
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"
    catalog = b"<< /Type /Catalog /Pages 2 0 R /AcroForm %s /DSS 50 0 R >>" % _acroform_ref(signed)
    bomb = append_revision(signed, {1: catalog, 50: b"<< /Certs [51 0 R] >>", 51: stream})
    _assert_bounded_format_failure(_run("pdf", bomb, tmp_path), "limit")


def _acroform_ref(pdf: bytes) -> bytes:
    import re

    found = re.findall(rb"/AcroForm (\d+ 0 R)", pdf)
    assert found
    return found[-1]


# --- OFD ------------------------------------------------------------------------------


def _zip_with(entries: list[tuple[str, bytes]]) -> bytes:
    return make_zip([*SKELETON.items(), *entries])


def _bomb_part(size: int, bomb: str = "Doc_0/Res/bomb.bin") -> bytes:
    """A ZIP whose entry ``bomb`` is ``size`` zero bytes (deflated to about size/1000)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in SKELETON.items():
            if name != bomb:
                zf.writestr(name, data)
        with zf.open(bomb, "w") as out:
            chunk = bytes(MiB)
            for _ in range(size // MiB):
                out.write(chunk)
    return buffer.getvalue()


def _lying_bomb(size: int) -> bytes:
    """OFD.xml (always read) as a bomb whose directory claims it is 10 bytes."""
    data = _bomb_part(size, "OFD.xml")
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("OFD.xml")
    real = info.file_size.to_bytes(4, "little")
    fake = (10).to_bytes(4, "little")
    # Patch both the local header and the central directory size fields.
    return data.replace(real, fake)


def _many_entries(count: int) -> bytes:
    return _zip_with([(f"Doc_0/Res/r{i}.xml", b"<a/>") for i in range(count)])


def _random_xml(size: int) -> bytes:
    """XML that does not compress (so no ratio limit is hit first)."""
    import random

    text = random.Random(7).randbytes(size // 2).hex().encode()
    return b"<ofd:Page xmlns:ofd='http://www.ofdspec.org/2016'><t>" + text + b"</t></ofd:Page>"


OFD_BOMBS = {
    # name: (package, limits, words in the report)
    "package_size": (lambda: _zip_with([("Doc_0/Res/a.bin", _random_xml(20_000))]), {"max_package_size": 10_000},
                     "over the limit"),
    "entry_count": (lambda: _many_entries(10_001), {}, "entries, over the limit"),
    "entry_size": (lambda: _bomb_part(24 * MiB), {"max_entry_size": 16 * MiB, "max_ratio": 100_000}, "over the limit"),
    "ratio": (lambda: _bomb_part(8 * MiB), {}, "zip bomb"),
    # zipfile reads no more than the declared size, so the lie ends in a CRC error.
    "lying_directory": (lambda: _lying_bomb(64 * MiB), {}, "cannot be read"),
    "total_size": (lambda: _zip_with([(f"Doc_0/Res/r{i}.bin", bytes(range(256)) * 400) for i in range(12)]),
                   {"max_total_size": 1_000_000}, "over the limit"),
    "xml_size": (lambda: make_zip({**SKELETON, "OFD.xml": _random_xml(3 * MiB)}), {"max_xml_size": 2 * MiB},
                 "larger than the limit"),
}


@pytest.mark.parametrize("name", sorted(OFD_BOMBS))
def test_ofd_limit(name, tmp_path):
    make, limits, words = OFD_BOMBS[name]
    _assert_bounded_format_failure(_run("ofd", make(), tmp_path, limits), words)


def test_ofd_xml_bombs_are_bounded(tmp_path):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i else b"&lol;") * 10) for i in range(1, 10))
              + b']><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016">&lol9;</ofd:OFD>')
    deep = b"<a>" * 200_000 + b"</a>" * 200_000
    for xml in (laughs, deep):
        package = make_zip({**SKELETON, "OFD.xml": xml})
        result = _run("ofd", package, tmp_path)
        assert "FORMAT_FAILURE" in result["subs"], result  # type: ignore[operator]
        assert float(result["seconds"]) < MAX_SECONDS and float(result["growth_mib"]) < MAX_GROWTH_MIB, result  # type: ignore[arg-type]
