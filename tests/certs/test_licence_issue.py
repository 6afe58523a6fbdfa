"""Issuing e-licences (OFD and PDF, sealed) and verifying presented licence files."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from certs_issuing import ISSUED, Agency, licence_data, make_agency
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image

from esealkit.certs.identifiers import parse_licence_id
from esealkit.certs.issue import IssuedLicence, issue_licence, licence_from_data
from esealkit.certs.licence_ofd import licence_from_ofd
from esealkit.certs.licence_pdf import licence_from_pdf
from esealkit.certs.model import LicenceStatus
from esealkit.certs.render import lay_out
from esealkit.certs.verify import verify_licence
from esealkit.errors import MalformedInput, StoreError
from esealkit.report import Indication, SubIndication
from esealkit.store.licences import LicenceLibrary
from shared_corpus import CORPUS

ZSBK = CORPUS / "zsbk.ofd"


@pytest.fixture(scope="module")
def agency() -> Agency:
    return make_agency()


@pytest.fixture
def library(tmp_path: Path) -> Iterator[LicenceLibrary]:
    opened = LicenceLibrary.open("sqlite:///" + str(tmp_path / "library.db"))
    yield opened
    opened.database.dispose()


@pytest.fixture
def issued(agency: Agency, library: LicenceLibrary) -> IssuedLicence:
    return issue_licence(
        licence_data(), agency.seal, agency.signer.key, agency.signer.der, library=library
    )


def _checks(report: object) -> dict[str, tuple[Indication, SubIndication | None]]:
    return {c.name: (c.indication, c.sub_indication) for c in report.checks}  # type: ignore[attr-defined]


def test_issue_assigns_a_valid_identifier_and_records_the_licence(
    issued: IssuedLicence, library: LicenceLibrary
) -> None:
    lid = parse_licence_id(issued.licence.id)
    assert lid.issuer_code == "11330105002500287C"
    assert lid.serial.startswith(ISSUED.strftime("%Y%m%d")) and len(lid.serial) == 20
    assert lid.version == "001"
    assert issued.licence.type_name == "建筑施工企业安全生产许可证"
    assert library.require(issued.licence.id).licence == issued.licence


def test_metadata_travels_in_both_files(issued: IssuedLicence) -> None:
    assert licence_from_ofd(issued.ofd) == issued.licence
    assert licence_from_pdf(issued.pdf) == issued.licence


@pytest.mark.parametrize("form", ["ofd", "pdf"])
def test_issued_licence_verifies(
    issued: IssuedLicence, agency: Agency, library: LicenceLibrary, form: str
) -> None:
    report = verify_licence(getattr(issued, form), library=library, trust=agency.trust())
    assert report.indication is Indication.TOTAL_PASSED, report.to_dict()
    assert report.signatures and all(
        s.indication is Indication.TOTAL_PASSED for s in report.signatures
    )
    assert list(_checks(report))[-6:] == [
        "licence_metadata",
        "licence_identifier",
        "licence_in_library",
        "licence_matches_library",
        "licence_status",
        "licence_validity",
    ]


def test_revoked_superseded_unknown_and_unlisted(
    issued: IssuedLicence, agency: Agency, library: LicenceLibrary, tmp_path: Path
) -> None:
    trust = agency.trust()
    library.revoke(issued.licence.id, reason="吊销")
    report = verify_licence(issued.ofd, library=library, trust=trust)
    assert _checks(report)["licence_status"] == (Indication.TOTAL_FAILED, SubIndication.LICENCE_REVOKED)
    earlier = verify_licence(
        issued.pdf, library=library, trust=trust, validation_time=agency.now - dt.timedelta(days=1)
    )
    assert _checks(earlier)["licence_status"][0] is Indication.TOTAL_PASSED  # revoked later

    other = LicenceLibrary.open("sqlite:///" + str(tmp_path / "other.db"))
    try:
        report = verify_licence(issued.pdf, library=other, trust=trust)
        assert _checks(report)["licence_in_library"] == (Indication.TOTAL_FAILED, SubIndication.LICENCE_NOT_FOUND)
        assert report.indication is Indication.TOTAL_FAILED
    finally:
        other.database.dispose()
    unlisted = verify_licence(issued.pdf, trust=trust)
    assert _checks(unlisted)["licence_in_library"][0] is Indication.INDETERMINATE


def test_superseded_licence_fails_and_names_the_new_one(
    agency: Agency, library: LicenceLibrary
) -> None:
    first = issue_licence(
        licence_data(serial="SERIAL0001"),
        agency.seal,
        agency.signer.key,
        agency.signer.der,
        library=library,
    )
    second = issue_licence(
        licence_data(serial="SERIAL0001", version="002", number="新编号"),
        agency.seal,
        agency.signer.key,
        agency.signer.der,
    )
    library.supersede(first.licence.id, second.licence, reason="变更")
    report = verify_licence(first.ofd, library=library, trust=agency.trust())
    status = next(c for c in report.checks if c.name == "licence_status")
    assert status.indication is Indication.TOTAL_FAILED and second.licence.id in status.message
    assert status.sub_indication is SubIndication.LICENCE_SUPERSEDED
    assert (
        verify_licence(second.ofd, library=library, trust=agency.trust()).indication
        is Indication.TOTAL_PASSED
    )


def test_expired_licence_and_mismatching_record(agency: Agency, library: LicenceLibrary) -> None:
    expired = issue_licence(
        licence_data(valid_to=(ISSUED + dt.timedelta(days=5)).isoformat()),
        agency.seal,
        agency.signer.key,
        agency.signer.der,
        library=library,
    )
    report = verify_licence(expired.pdf, library=library, trust=agency.trust())
    assert _checks(report)["licence_validity"] == (Indication.TOTAL_FAILED, SubIndication.LICENCE_EXPIRED)

    # A genuinely sealed file whose data the library holds differently.
    unrecorded = issue_licence(
        licence_data(serial="SERIAL0002"), agency.seal, agency.signer.key, agency.signer.der
    )
    library.add(licence_from_data(licence_data(serial="SERIAL0002", number="另一个编号")))
    report = verify_licence(unrecorded.ofd, library=library, trust=agency.trust())
    check = next(c for c in report.checks if c.name == "licence_matches_library")
    assert check.indication is Indication.TOTAL_FAILED and "number" in check.message
    assert check.sub_indication is SubIndication.LICENCE_MISMATCH


def test_tampered_ofd_metadata_breaks_the_seal(
    issued: IssuedLicence, agency: Agency, library: LicenceLibrary
) -> None:
    source = zipfile.ZipFile(io.BytesIO(issued.ofd))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "OFD.xml":
                data = data.replace("某某建设有限公司".encode(), "冒名建设有限公司".encode())
            target.writestr(info, data)
    report = verify_licence(out.getvalue(), library=library, trust=agency.trust())
    assert report.indication is Indication.TOTAL_FAILED
    assert _checks(report)["licence_matches_library"][0] is Indication.TOTAL_FAILED


def test_damaged_files_give_reports() -> None:
    report = verify_licence(b"not a licence at all")
    assert report.indication is Indication.TOTAL_FAILED
    assert _checks(report)["licence_metadata"][1] is SubIndication.FORMAT_FAILURE


def test_ofd_has_the_parts_and_layout_of_a_real_licence(issued: IssuedLicence) -> None:
    names = set(zipfile.ZipFile(io.BytesIO(issued.ofd)).namelist())
    expected = {
        "OFD.xml",
        "Doc_0/Document.xml",
        "Doc_0/PublicRes.xml",
        "Doc_0/DocumentRes.xml",
        "Doc_0/Pages/Page_0/Content.xml",
        "Doc_0/Signs/Signatures.xml",
        "Doc_0/Signs/Sign_0/Seal.esl",
        "Doc_0/Signs/Sign_0/Signature.xml",
        "Doc_0/Signs/Sign_0/SignedValue.dat",
    }
    assert expected <= names
    assert any(n.startswith("Doc_0/Res/") and n.endswith(".png") for n in names)
    if not ZSBK.exists():
        pytest.skip(f"the real licence {ZSBK} is not here to compare with")
    real = zipfile.ZipFile(ZSBK)
    assert expected <= set(real.namelist())

    def shape(archive: zipfile.ZipFile, name: str) -> set[str]:
        root = etree.fromstring(archive.read(name))
        return {etree.QName(el).localname for el in root.iter() if isinstance(el.tag, str)}

    mine = zipfile.ZipFile(io.BytesIO(issued.ofd))
    for part in ("Doc_0/Signs/Sign_0/Signature.xml", "Doc_0/Signs/Signatures.xml"):
        assert shape(real, part) <= shape(mine, part) | {"Provider"}, part
    assert {"DocInfo", "CustomDatas", "CustomData", "DocRoot", "Signatures"} <= shape(
        mine, "OFD.xml"
    )
    assert {"MultiMedia", "MediaFile"} <= shape(mine, "Doc_0/DocumentRes.xml")
    assert {"ImageObject", "TextObject", "TextCode"} <= shape(
        mine, "Doc_0/Pages/Page_0/Content.xml"
    )


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None,
    reason="needs pdftoppm (poppler-utils) and zbarimg (zbar-tools)",
)
def test_pdf_renders_with_text_qr_code_and_seal(issued: IssuedLicence, tmp_path: Path) -> None:
    pdf = tmp_path / "licence.pdf"
    pdf.write_bytes(issued.pdf)
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=60
    )
    png = next(tmp_path.glob("page*.png"))
    decoded = subprocess.run(
        ["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True, timeout=60
    )
    assert decoded.stdout.strip() == issued.licence.id
    image = Image.open(png).convert("RGB")
    scale = image.width / 210  # pixels per mm
    layout = lay_out(issued.licence)

    def pixels(box: tuple[float, float, float, float]) -> list[tuple[int, int, int]]:
        x, y, w, h = (round(v * scale) for v in box)
        return list(image.crop((x, y, x + w, y + h)).get_flattened_data())

    title = layout.texts[0]
    dark = [p for p in pixels((title.x_mm, title.y_mm, 60, title.size_mm * 1.3)) if sum(p) < 200]
    assert len(dark) > 200  # the title is drawn
    cx, cy = layout.seal_centre
    red = [p for p in pixels((cx - 21, cy - 21, 42, 42)) if p[0] > 180 and p[1] < 90 and p[2] < 90]
    assert len(red) > 500  # the seal's red picture is there
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
        for expected in (
            issued.licence.type_name,
            issued.licence.holder.name,
            issued.licence.number,
        ):
            assert expected in text  # the invisible text layer


def test_issuance_data_errors_name_the_key(agency: Agency, library: LicenceLibrary) -> None:
    with pytest.raises(MalformedInput, match=r"^type_code"):
        licence_from_data(licence_data(type_code="11100000000013338W999"))
    with pytest.raises(MalformedInput, match=r"^identifier: is assigned"):
        licence_from_data({**licence_data(), "identifier": "x"})
    with pytest.raises(MalformedInput, match=r"^fields\.NOPE"):
        licence_from_data(
            licence_data(fields={"FDDBR": "张三", "DWDZ": "x", "XKFW": "y", "NOPE": "z"})
        )
    with pytest.raises(MalformedInput, match=r"^holder\.id_number"):
        licence_from_data(
            licence_data(holder={**licence_data()["holder"], "id_number": "91320115MA202UKD7Y"})
        )
    data = licence_data(serial="SERIAL0003")
    issue_licence(data, agency.seal, agency.signer.key, agency.signer.der, library=library)
    with pytest.raises(StoreError, match="already holds"):
        issue_licence(data, agency.seal, agency.signer.key, agency.signer.der, library=library)
    assert library.count(status=LicenceStatus.VALID) == 1


def test_sm2_agency_issues_verifiable_licences(library: LicenceLibrary) -> None:
    pytest.importorskip("tongsuopy")
    sm2 = make_agency("sm2")
    issued = issue_licence(
        licence_data(), sm2.seal, sm2.signer.key, sm2.signer.der, library=library
    )
    for form in ("ofd", "pdf"):
        report = verify_licence(getattr(issued, form), library=library, trust=sm2.trust())
        assert report.indication is Indication.TOTAL_PASSED, (form, report.to_dict())


def test_bulk_issuance_data_from_csv(tmp_path: Path) -> None:
    from esealkit.certs.issue import read_issuance_data

    header = (
        "type_code,number,holder_name,holder_kind,holder_id_type,holder_id_number,issuer_name,"
        "issuer_code,issue_date,valid_from,valid_to,serial,KZ_FDDBR,KZ_DWDZ,KZ_XKFW"
    )
    base = licence_data()
    row = (
        f"{base['type_code']},No.{{n}},某某建设有限公司,organisation,001,91320115MA202UKD7X,"
        f"{base['issuer']['name']},{base['issuer']['code']},{base['issue_date']},{base['valid_from']},长期,BULK{{n}},张三,某路1号,建筑施工"
    )
    path = tmp_path / "bulk.csv"
    path.write_text("\n".join([header, row.format(n=1), row.format(n=2)]) + "\n", "utf-8")
    items = read_issuance_data(path)
    licences = [licence_from_data(item) for item in items]
    assert [lic.identifier.serial for lic in licences] == ["BULK1", "BULK2"]
    assert licences[0].validity.long_term and licences[1].fields["FDDBR"] == "张三"
    path.write_text(
        "\n".join([header, row.format(n=1), row.format(n=2).replace(",001,", ",111,")]) + "\n",
        "utf-8",
    )
    with pytest.raises(MalformedInput, match=r"^row 3, holder"):
        [licence_from_data(item) for item in read_issuance_data(path)]


@pytest.fixture(scope="module")
def sample(agency: Agency) -> IssuedLicence:
    return issue_licence(licence_data(), agency.seal, agency.signer.key, agency.signer.der)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(form=st.sampled_from(["ofd", "pdf"]), at=st.integers(0, 10**7), byte=st.integers(0, 255))
def test_damaged_licence_files_give_reports_not_exceptions(
    sample: IssuedLicence, form: str, at: int, byte: int
) -> None:
    data = bytearray(getattr(sample, form))
    data[at % len(data)] = byte
    report = verify_licence(bytes(data))
    assert report.checks  # a report, whatever happened
