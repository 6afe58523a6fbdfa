"""``esealkit licence``: check-id, import, search, show, revoke, types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from certs_factory import make_licences
from click.testing import CliRunner
from lxml import etree

from esealkit.certs.licence_io import write_licences_csv, write_licences_json
from esealkit.cli.licence import licence

GOOD = "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0"
EPOINT = (
    "1.2.156.3005.2.11100000000013661B006.113700000045046442.209FA4E88F9E4C878F3E9BED2CE7EA49.001.M"
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(licence, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_check_id_valid_prints_the_parts() -> None:
    code, out, err = run("check-id", GOOD)
    assert code == 0, err
    assert "valid licence identifier" in out
    assert "11330105002500287C" in out and "2025052201" in out


def test_check_id_invalid_names_position_and_rule_on_stderr() -> None:
    code, out, err = run("check-id", GOOD[:-1] + "1")
    assert code == 1
    assert out == ""
    assert f"character {len(GOOD)}" in err and "iso7064-mod37-36" in err


def test_check_id_lenient_accepts_the_vendor_variant_and_says_so() -> None:
    assert run("check-id", EPOINT)[0] == 1
    code, out, _ = run("check-id", EPOINT, "--lenient")
    assert code == 0
    assert "non-conforming" in out and "epoint" in out


@pytest.mark.parametrize(
    ("text", "kind", "code", "expected"),
    [
        ("91320115MA202UKD7X", "auto", 0, "unified social credit code"),
        ("11010519491231002X", "auto", 0, "resident identity number"),
        ("440524188001010014", "resident-id", 0, "resident identity number"),
        ("113700000045046442", "auto", 0, "unified social credit code"),
        ("91320115MA202UKD7Y", "auto", 1, "character 18"),
        ("110105194912310021", "auto", 1, "neither a USCC"),
        ("11010519491231002X", "uscc", 1, "USCC"),
    ],
)
def test_check_id_kinds(text: str, kind: str, code: int, expected: str) -> None:
    exit_code, out, err = run("check-id", text, "--kind", kind)
    assert exit_code == code
    assert expected in (out if code == 0 else err)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return "sqlite:///" + str(tmp_path / "library.db")


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "licences.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        write_licences_csv(make_licences(0, 10), stream)
    return path


def test_import_search_show_revoke(db: str, csv_file: Path) -> None:
    code, out, err = run("import", str(csv_file), "--db", db, "--actor", "测试")
    assert code == 0, err
    assert "10 added" in out
    code, out, _ = run("import", str(csv_file), "--db", db)
    assert code == 0 and "10 already held" in out

    target = make_licences(4, 5)[0]
    code, out, _ = run("search", "--db", db, "--holder-id", target.holder.id_number)
    assert code == 0 and target.id in out and "1 licence(s)" in out
    code, out, _ = run("search", "--db", db, "--type", target.type_code, "--format", "json")
    assert len(json.loads(out)) == 10

    code, out, _ = run("show", target.id, "--db", db)
    assert code == 0 and target.holder.name in out and "ingested" in out
    code, out, _ = run("show", target.id, "--db", db, "--format", "xml")
    assert etree.fromstring(out.encode("utf-8")).findtext("ZZBS") == target.id

    code, out, _ = run("revoke", target.id, "--reason", "吊销", "--db", db)
    assert code == 0 and "revoked" in out
    code, _, err = run("revoke", target.id, "--reason", "again", "--db", db)
    assert code == 1 and "not valid" in err
    code, out, _ = run("show", target.id, "--db", db, "--format", "json")
    data = json.loads(out)
    assert data["licence"]["status"] == "revoked"
    assert [h["action"] for h in data["history"]] == ["ingested", "revoked"]
    assert data["history"][0]["actor"] == "测试"
    code, out, _ = run("search", "--db", db, "--status", "revoked")
    assert target.id in out


def test_show_and_revoke_unknown_exit_1(db: str) -> None:
    assert run("show", "1.2.156.3005.2.x", "--db", db)[0] == 1
    code, _, err = run("revoke", "1.2.156.3005.2.x", "--reason", "r", "--db", db)
    assert code == 1 and "not found" in err


def test_import_rejects_a_bad_file_naming_the_row(db: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    data = [item.to_dict() for item in make_licences(0, 3)]
    data[2]["holder"]["kind"] = "robot"
    path.write_text(json.dumps(data), "utf-8")
    code, _, err = run("import", str(path), "--db", db)
    assert code == 1
    assert "item 3, holder.kind" in err


def test_import_reports_conflicts(db: str, tmp_path: Path) -> None:
    licences = make_licences(0, 3)
    path = tmp_path / "a.jsonl"
    with path.open("w", encoding="utf-8") as stream:
        write_licences_json(licences, stream, lines=True)
    assert run("import", str(path), "--db", db)[0] == 0
    data = [item.to_dict() for item in licences]
    data[1]["number"] = "changed"
    path.write_text("\n".join(json.dumps(d) for d in data), "utf-8")
    code, out, err = run("import", str(path), "--db", db)
    assert code == 1
    assert "1 held with different data" in out and licences[1].id in err


def test_import_checks_against_a_catalogue(db: str, csv_file: Path, tmp_path: Path) -> None:
    code, out, _ = run("types", "--format", "csv")
    assert code == 0
    catalogue = tmp_path / "types.csv"
    catalogue.write_text(out, "utf-8")
    assert run("import", str(csv_file), "--db", db, "--catalogue", str(catalogue))[0] == 0
    other = tmp_path / "other.csv"
    other.write_text(
        out.replace(make_licences(0, 1)[0].type_code, "11100000000013338W999"), "utf-8"
    )
    code, _, err = run("import", str(csv_file), "--db", db, "--catalogue", str(other))
    assert code == 1 and "not in the catalogue" in err


def test_types_lists_the_starter_catalogue() -> None:
    code, out, _ = run("types")
    assert code == 0
    assert "营业执照" in out and "illustrative" in out
    assert len(json.loads(run("types", "--format", "json")[1])["types"]) >= 30


def test_issue_and_verify_from_the_command_line(tmp_path: Path, db: str) -> None:
    from certs_issuing import licence_data, make_agency
    from cryptography.hazmat.primitives import serialization

    agency = make_agency()
    seal_path, key_path, cert_path = (
        tmp_path / "Seal.esl",
        tmp_path / "signer.key",
        tmp_path / "signer.der",
    )
    seal_path.write_bytes(agency.seal.der)
    key_path.write_bytes(
        agency.signer.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(agency.signer.der)
    root, crl = tmp_path / "root.der", tmp_path / "root.crl"
    root.write_bytes(agency.root.der)
    crl.write_bytes(agency.trust().crls[0])
    data = tmp_path / "data.json"
    data.write_text(
        json.dumps([licence_data(serial="CLI0001"), licence_data(serial="CLI0002")]), "utf-8"
    )
    out_dir = tmp_path / "out"
    args = ["--seal", str(seal_path), "--key", str(key_path), "--cert", str(cert_path)]
    code, out, err = run("issue", str(data), *args, "--out-dir", str(out_dir), "--db", db)
    assert code == 0, err
    files = sorted(out_dir.iterdir())
    assert len(files) == 4 and out.count("issued ") == 2
    code, out, err = run(
        "verify", *map(str, files), "--db", db, "--trust", str(root), "--crl", str(crl)
    )
    assert code == 0, out + err
    assert out.count("TOTAL_PASSED  ") >= 4 and "licence_status" in out
    revoked = files[0].name.rsplit(".", 1)[0]
    assert run("revoke", revoked, "--reason", "吊销", "--db", db)[0] == 0
    code, out, _ = run("verify", str(files[0]), "--db", db, "--trust", str(root), "--crl", str(crl))
    assert code == 1 and "REVOKED" in out
    # Checked before anything is issued: a bad row stops the whole batch.
    data.write_text(
        json.dumps([licence_data(serial="CLI0003"), licence_data(type_code="X")]), "utf-8"
    )
    code, _, err = run("issue", str(data), *args, "--out-dir", str(tmp_path / "none"), "--db", db)
    assert code == 1 and "type_code" in err
    assert not (tmp_path / "none").exists()
