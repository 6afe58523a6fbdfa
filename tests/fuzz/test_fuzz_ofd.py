"""Fuzzing OFD reading and verification: damaged ZIP containers and damaged XML parts
never raise, never end in an internal error, and a damaged protected part never passes."""

from __future__ import annotations

import io
import zipfile

import pytest
from fuzz_support import LONG, QUICK, mutated, run_for_budget
from hypothesis import given
from hypothesis import strategies as st
from ofd_fixtures import SIGNING_TIME, make_zip, read_zip

from esealkit.errors import MalformedInput
from esealkit.ofd import OfdPackage, is_ofd, read_documents, verify_ofd
from esealkit.ofd.build import build_ofd
from esealkit.ofd.package import Limits
from esealkit.ofd.sign import seal_ofd
from esealkit.report import DocumentReport, Indication

TIGHT = Limits(max_package_size=200_000, max_entries=20, max_entry_size=50_000, max_total_size=200_000,
               max_ratio=20, ratio_floor=1024, max_xml_size=20_000)
UNPROTECTED = {"Doc_0/Signs/Signatures.xml"}  # continue-signing: no seal covers the list


@pytest.fixture(scope="module")
def sealed(fuzz_ofd_pki) -> bytes:
    pki = fuzz_ofd_pki
    document = build_ofd(["fuzz", "金额: 1000 元"], title="fuzz")
    return seal_ofd(document, pki.seal, pki.signer.key, pki.signer.der, page=1, x_mm=100, y_mm=200,
                    signing_time=SIGNING_TIME)


def _no_internal_error(report: DocumentReport) -> None:
    for sig in report.signatures:
        assert all(c.name not in ("internal", "internal_error") for c in sig.checks), sig.checks


def _container_case(data: bytes, trust: object) -> None:
    is_ofd(data)
    for limits in (Limits(), TIGHT):
        report = verify_ofd(data, trust=trust, limits=limits)  # type: ignore[arg-type]
        _no_internal_error(report)
    try:
        read_documents(OfdPackage(data, TIGHT))
    except MalformedInput:
        pass


def _part_case(files: dict[str, bytes], name: str, new: bytes, trust: object) -> None:
    changed = dict(files)
    changed[name] = new
    report = verify_ofd(make_zip(changed), trust=trust)  # type: ignore[arg-type]
    _no_internal_error(report)
    if new != files[name] and name not in UNPROTECTED:
        assert report.indication is not Indication.TOTAL_PASSED, (name, report.message)


def _container_mutants(sealed: bytes) -> st.SearchStrategy[bytes]:
    with zipfile.ZipFile(io.BytesIO(sealed)) as zf:
        hot = [i.header_offset for i in zf.infolist()]
    hot.append(sealed.rfind(b"PK\x05\x06"))
    return mutated(sealed, hot)


def _part_mutants(files: dict[str, bytes]) -> st.SearchStrategy[tuple[str, bytes]]:
    names = sorted(files)
    return st.sampled_from(names).flatmap(lambda n: st.tuples(st.just(n), mutated(files[n], max_ops=3)))


def test_damaged_container_never_raises(sealed, fuzz_ofd_pki):
    @QUICK
    @given(data=_container_mutants(sealed))
    def run(data):
        _container_case(data, fuzz_ofd_pki.trust)
    run()


def test_damaged_part_never_raises_nor_passes(sealed, fuzz_ofd_pki):
    files = read_zip(sealed)

    @QUICK
    @given(case=_part_mutants(files))
    def run(case):
        _part_case(files, case[0], case[1], fuzz_ofd_pki.trust)
    run()


@pytest.mark.fuzz
def test_long_ofd_container(sealed, fuzz_ofd_pki):
    @LONG
    @given(data=_container_mutants(sealed))
    def run(data):
        _container_case(data, fuzz_ofd_pki.trust)
    run_for_budget(run)


@pytest.mark.fuzz
def test_long_ofd_parts(sealed, fuzz_ofd_pki):
    files = read_zip(sealed)

    @LONG
    @given(case=_part_mutants(files))
    def run(case):
        _part_case(files, case[0], case[1], fuzz_ofd_pki.trust)
    run_for_budget(run)
