"""Safe package reading: paths, limits, hostile ZIPs and XML, each → FORMAT_FAILURE quickly."""

from __future__ import annotations

import io
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ofd_fixtures import SKELETON, make_zip, read_zip

from esealkit.errors import MalformedInput
from esealkit.ofd import (
    Limits,
    OfdPackage,
    is_ofd,
    normalize_path,
    parse_xml,
    read_documents,
    verify_ofd,
)
from esealkit.report import Indication, SubIndication
from shared_corpus import CORPUS


@pytest.mark.parametrize(("ref", "base", "expected"), [
    ("/Doc_0/Document.xml", None, "Doc_0/Document.xml"),
    ("/Doc_0/Document.xml", "Doc_0/Signs/Signatures.xml", "Doc_0/Document.xml"),
    ("Doc_0/Document.xml", "OFD.xml", "Doc_0/Document.xml"),
    ("Sign_0/Signature.xml", "Doc_0/Signs/Signatures.xml", "Doc_0/Signs/Sign_0/Signature.xml"),
    ("./Pages/Page_0/Content.xml", "Doc_0/Document.xml", "Doc_0/Pages/Page_0/Content.xml"),
    ("  /OFD.xml \n", None, "OFD.xml"),
])
def test_normalize_path(ref: str, base: str | None, expected: str) -> None:
    assert normalize_path(ref, base) == expected


@pytest.mark.parametrize("ref", [
    "../OFD.xml", "/Doc_0/../../etc/passwd", "Doc_0\\Document.xml", "C:/Windows/win.ini", "c:Document.xml",
    "//server/share/x", "Doc_0//Document.xml", "Doc_0/Document.xml\x00.png", "", "   ", "/", "file:///etc/passwd",
])
def test_normalize_path_rejects(ref: str) -> None:
    with pytest.raises(MalformedInput):
        normalize_path(ref, "Doc_0/Document.xml")


def test_is_ofd() -> None:
    assert is_ofd((CORPUS / "1.ofd").read_bytes())
    assert is_ofd(make_zip(SKELETON))
    assert not is_ofd(make_zip({"word/document.xml": b"<x/>"}))
    assert not is_ofd(b"%PDF-1.7\n")
    assert not is_ofd(b"PK\x03\x04 truncated")
    assert not is_ofd(b"")


def _format_failure(data: bytes, limits: Limits | None = None) -> str:
    report = verify_ofd(data, limits=limits or Limits())
    assert (report.indication, report.sub_indication) == (Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE), report.message
    return report.message


# ---- hostile packages: one named case each --------------------------------------------------


@pytest.mark.timeout(10)
def test_zip_bomb_is_rejected_from_the_directory_and_memory_stays_bounded() -> None:
    bomb = make_zip({**SKELETON, "Doc_0/Res/bomb.bin": bytes(64 * 1024 * 1024)})
    assert len(bomb) < 200_000
    tracemalloc.start()
    try:
        message = _format_failure(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "zip bomb" in message
    assert peak < 8 * 1024 * 1024


def _shrink_declared_sizes(data: bytes, name: bytes, fake: int) -> bytes:
    """Rewrite the uncompressed size of ``name`` in the local and central headers (a lying ZIP)."""
    out = bytearray(data)
    pos = 0
    while (pos := out.find(b"PK\x03\x04", pos)) >= 0:
        if out[pos + 30:pos + 30 + len(name)] == name:
            out[pos + 22:pos + 26] = fake.to_bytes(4, "little")
        pos += 4
    pos = 0
    while (pos := out.find(b"PK\x01\x02", pos)) >= 0:
        if out[pos + 46:pos + 46 + len(name)] == name:
            out[pos + 24:pos + 28] = fake.to_bytes(4, "little")
        pos += 4
    return bytes(out)


@pytest.mark.timeout(10)
def test_zip_bomb_that_lies_about_its_size_is_cut_off_while_reading() -> None:
    # OFD.xml declares 200 bytes but inflates to 32 MiB: reading stops at the declared size
    # and the CRC no longer matches.
    honest = make_zip({**SKELETON, "OFD.xml": SKELETON["OFD.xml"] + b" " * (32 * 1024 * 1024)})
    lying = _shrink_declared_sizes(honest, b"OFD.xml", 200)
    tracemalloc.start()
    try:
        _format_failure(lying)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


@pytest.mark.timeout(10)
def test_limits_bound_entries_sizes_and_total() -> None:
    many = make_zip({**SKELETON, **{f"Doc_0/Res/r{i}.bin": b"x" for i in range(50)}})
    assert "entries" in _format_failure(many, Limits(max_entries=20))
    big = make_zip({**SKELETON, "Doc_0/Res/big.bin": b"\x01" * 100_000})
    assert "over the limit" in _format_failure(big, Limits(max_entry_size=50_000))
    assert "over the limit" in _format_failure(big, Limits(max_total_size=60_000))
    big_xml = make_zip({**SKELETON, "OFD.xml": SKELETON["OFD.xml"] + b" " * 100_000})
    assert "larger than the limit" in _format_failure(big_xml, Limits(max_xml_size=50_000))
    assert "over the limit" in _format_failure(make_zip(SKELETON), Limits(max_package_size=100))


@pytest.mark.timeout(10)
def test_xxe_is_rejected() -> None:
    xxe = (b'<?xml version="1.0"?><!DOCTYPE ofd:OFD [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>&xxe;</ofd:DocRoot>'
           b"</ofd:DocBody></ofd:OFD>")
    assert "DOCTYPE" in _format_failure(make_zip({**SKELETON, "OFD.xml": xxe}))


@pytest.mark.timeout(10)
def test_billion_laughs_is_rejected() -> None:
    lol = [b'<!ENTITY lol0 "lol">'] + [
        b'<!ENTITY lol%d "%s">' % (i, b"".join(b"&lol%d;" % (i - 1) for _ in range(10))) for i in range(1, 10)
    ]
    xml = b'<?xml version="1.0"?><!DOCTYPE lolz [' + b"".join(lol) + b"]><lolz>&lol9;</lolz>"
    assert "DOCTYPE" in _format_failure(make_zip({**SKELETON, "Doc_0/Document.xml": xml}))
    with pytest.raises(MalformedInput):
        parse_xml(xml)


def test_doctype_in_utf16_is_rejected() -> None:
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'.encode("utf-16")
    with pytest.raises(MalformedInput, match="DOCTYPE"):
        parse_xml(xml)


@pytest.mark.timeout(10)
@pytest.mark.parametrize("name", ["../evil.xml", "/etc/passwd", "Doc_0\\..\\evil.xml", "C:/evil.xml", "Doc_0/./x.xml"])
def test_path_traversal_entry_names_are_rejected(name: str) -> None:
    _format_failure(make_zip({**SKELETON, name: b"<x/>"}))


@pytest.mark.timeout(10)
def test_path_traversal_in_references_is_rejected() -> None:
    ofd = SKELETON["OFD.xml"].replace(b"</ofd:DocBody>", b"<ofd:Signatures>../../Signs.xml</ofd:Signatures></ofd:DocBody>")
    assert "'..'" in _format_failure(make_zip({**SKELETON, "OFD.xml": ofd}))


@pytest.mark.timeout(10)
def test_duplicate_entries_are_rejected() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate it writes
        data = make_zip([*SKELETON.items(), ("OFD.xml", b"<evil/>")])
    assert "duplicate" in _format_failure(data)


@pytest.mark.timeout(10)
@pytest.mark.parametrize("cut", [0.2, 0.5, 0.9, 0.99])
def test_truncated_package(cut: float) -> None:
    data = (CORPUS / "1.ofd").read_bytes()
    _format_failure(data[: int(len(data) * cut)])


@pytest.mark.timeout(10)
@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"PK\x05\x06" + bytes(18)])
def test_not_a_zip(data: bytes) -> None:
    _format_failure(data)


def test_encrypted_and_unusual_compression_are_rejected() -> None:
    data = bytearray(make_zip(SKELETON))
    pos = data.find(b"PK\x01\x02")
    data[pos + 8] |= 0x01  # general purpose flag: encrypted
    assert "encrypted" in _format_failure(bytes(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_BZIP2) as zf:
        for name, content in SKELETON.items():
            zf.writestr(name, content)
    assert "compression" in _format_failure(buf.getvalue())


def test_missing_parts_are_format_failures() -> None:
    assert "OFD.xml" in _format_failure(make_zip({"Doc_0/Document.xml": b"<x/>"}))
    no_doc = {k: v for k, v in SKELETON.items() if k != "Doc_0/Document.xml"}
    assert "Document.xml" in _format_failure(make_zip(no_doc))
    wrong_root = {**SKELETON, "OFD.xml": b"<html/>"}
    assert "root element" in _format_failure(make_zip(wrong_root))


def test_unsigned_document_has_no_signature() -> None:
    report = verify_ofd(make_zip(SKELETON))
    assert report.sub_indication is SubIndication.NO_SIGNATURE_FOUND


def test_package_reads_namespaces_loosely_and_any_element_order() -> None:
    ofd = (b'<OFD xmlns="urn:other"><DocBody><Signatures>/Doc_0/Signs/Signatures.xml</Signatures>'
           b"<DocRoot>/Doc_0/Document.xml</DocRoot></DocBody></OFD>")
    sigs = b'<x:Signatures xmlns:x="http://www.ofdspec.org"><x:Signature BaseLoc="Sign_0/Signature.xml" ID="s1"/></x:Signatures>'
    pkg = OfdPackage(make_zip({**SKELETON, "OFD.xml": ofd, "Doc_0/Signs/Signatures.xml": sigs}))
    (doc,) = read_documents(pkg)
    assert doc.doc_root == "Doc_0/Document.xml"
    assert doc.signatures[0].path == "Doc_0/Signs/Sign_0/Signature.xml"
    assert doc.signatures[0].type == "Seal"  # the default
    assert doc.pages[0].path == "Doc_0/Pages/Page_0/Content.xml"


# ---- properties ------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    report = verify_ofd(data)
    assert report.indication is not Indication.TOTAL_PASSED
    try:
        OfdPackage(data)
    except MalformedInput:
        pass


_SMALL_SIGNED = (CORPUS / "DigitalSign.ofd").read_bytes()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_SMALL_SIGNED) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_mutated_packages_never_raise(mutations: list[tuple[int, int]]) -> None:
    data = bytearray(_SMALL_SIGNED)
    for pos, value in mutations:
        data[pos] = value
    report = verify_ofd(bytes(data))
    assert report.format == "ofd"
    report.to_dict()


def test_source_forms(tmp_path: Path) -> None:
    data = (CORPUS / "1.ofd").read_bytes()
    path = tmp_path / "a.ofd"
    path.write_bytes(data)
    by_path, by_str, by_bytes, by_file = (verify_ofd(path), verify_ofd(str(path)), verify_ofd(data),
                                          verify_ofd(io.BytesIO(data)))
    assert by_path.path == str(path) and by_bytes.path == "<memory>"
    assert by_path.to_dict()["signatures"] == by_bytes.to_dict()["signatures"] == by_file.to_dict()["signatures"]
    assert by_str.indication is by_path.indication


_H_FILES = read_zip((CORPUS / "h.ofd").read_bytes())
_FRAGMENTS = [b"<", b">", b"&", b"&amp;", b"\x00", b'"', b"/", b"..", b"\\", b"<ofd:Signature/>", b"]]>",
              b"<!DOCTYPE x>", b"\xff\xfe", b"\xe4\xb8\xad", b"Type=\"Sign\"", b"ID=\"", b"BaseLoc=\"/OFD.xml\""]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(_H_FILES)), st.integers(0, 10_000), st.integers(0, 40),
       st.one_of(st.sampled_from(_FRAGMENTS), st.binary(max_size=12)))
def test_structural_mutations_never_raise(name: str, position: int, cut: int, fragment: bytes) -> None:
    files = dict(_H_FILES)
    data = files[name]
    pos = position % (len(data) + 1)
    files[name] = data[:pos] + fragment + data[pos + cut:]
    report = verify_ofd(make_zip(files))
    assert report.indication is not Indication.TOTAL_PASSED
    for sig in report.signatures:
        assert sig.check("internal_error") is None, sig.check("internal_error")
    report.to_dict()


def test_file_object_name_and_naive_validation_time(tmp_path: Path) -> None:
    from datetime import datetime

    path = tmp_path / "b.ofd"
    path.write_bytes((CORPUS / "1.ofd").read_bytes())
    with open(path, "rb") as fh:
        report = verify_ofd(fh, at=datetime(2021, 1, 1))
    assert report.path == str(path)
    assert report.signatures[0].check("references").indication is Indication.TOTAL_PASSED  # type: ignore[union-attr]


@pytest.mark.timeout(10)
def test_deeply_nested_xml_is_rejected() -> None:
    deep = b"<a>" * 100_000 + b"</a>" * 100_000
    message = _format_failure(make_zip({**SKELETON, "Doc_0/Document.xml": deep}))
    assert "Document.xml" in message
