"""The seal store (印章库) on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import pytest

from esealkit.errors import StoreError
from esealkit.seals import (
    Seal,
    SealPicture,
    draw_round_seal,
    make_seal,
    sign_with_seal,
    verify_seal_signature,
)
from esealkit.store import open_database
from esealkit.store.seals import SealStore

VALID_FROM = datetime(2026, 1, 1, tzinfo=UTC)
VALID_TO = datetime(2028, 1, 1, tzinfo=UTC)


def _seal(pki, es_id: str, signers: list[bytes], *, cert_list_type: int = 1) -> Seal:
    picture = SealPicture("PNG", draw_round_seal("某某有限公司", "合同专用章", es_id, diameter_mm=20, dpi=50), 20, 20)
    return make_seal(es_id=es_id, name="合同专用章", type=4, maker_key=pki.signers["ecdsa-p384"].key,
                     maker_cert_der=pki.signers["ecdsa-p384"].der, signer_certs=signers, valid_from=VALID_FROM,
                     valid_to=VALID_TO, picture=picture, cert_list_type=cert_list_type)


@pytest.fixture
def store(database_url: str) -> SealStore:
    return SealStore(open_database(database_url))


def test_add_and_get(store: SealStore, pki) -> None:
    seal = _seal(pki, "33010600000001", [pki.signers["rsa"].der])
    stored = store.add(seal.der)
    assert stored.es_id == "33010600000001"
    assert stored.status == "active"
    assert stored.status_since == VALID_FROM
    got = store.get("33010600000001")
    assert got is not None
    assert got.der == seal.der
    assert got.seal.name == "合同专用章"
    assert got.valid_from == VALID_FROM and got.valid_to == VALID_TO
    assert store.get("nope") is None


def test_adding_the_same_seal_twice_changes_nothing_and_a_different_one_is_refused(store: SealStore, pki) -> None:
    seal = _seal(pki, "33010600000002", [pki.signers["rsa"].der])
    store.add(seal)
    store.add(seal)
    assert len(store.history("33010600000002")) == 1
    other = _seal(pki, "33010600000002", [pki.signers["sm2"].der])
    with pytest.raises(StoreError, match="already stored"):
        store.add(other)
    replaced = store.add(other, replace=True)
    assert replaced.der == other.der
    assert [s.es_id for s in store.find_by_signer(pki.signers["sm2"].der)] == ["33010600000002"]
    assert store.find_by_signer(pki.signers["rsa"].der) == []


def test_find_by_signer_certificate_and_by_digest(store: SealStore, pki) -> None:
    rsa, sm2, ec = pki.signers["rsa"].der, pki.signers["sm2"].der, pki.signers["ecdsa-p256"].der
    store.add(_seal(pki, "A1", [rsa, sm2]))
    store.add(_seal(pki, "B2", [sm2], cert_list_type=2))  # SM3 digests
    store.add(_seal(pki, "C3", [ec]))
    assert [s.es_id for s in store.find_by_signer(sm2)] == ["A1", "B2"]
    assert [s.es_id for s in store.find_by_signer(rsa)] == ["A1"]
    assert [s.es_id for s in store.find_by_signer(pki.stranger.der)] == []


def test_status_history_revoke_suspend(store: SealStore, pki) -> None:
    store.add(_seal(pki, "S1", [pki.signers["rsa"].der]))
    suspended = datetime(2026, 3, 1, tzinfo=UTC)
    back = datetime(2026, 4, 1, tzinfo=UTC)
    revoked = datetime(2026, 9, 1, tzinfo=UTC)
    store.suspend("S1", at=suspended, reason="under review")
    store.reactivate("S1", at=back)
    stored = store.revoke("S1", at=revoked, reason="key lost")
    assert (stored.status, stored.status_since, stored.status_reason) == ("revoked", revoked, "key lost")
    assert store.status("S1", datetime(2026, 2, 1, tzinfo=UTC)) == "active"
    assert store.status("S1", suspended + timedelta(days=1)) == "suspended"
    assert store.status("S1", back) == "active"
    assert store.status("S1", revoked - timedelta(seconds=1)) == "active"
    assert store.status("S1", revoked) == "revoked"
    assert store.status("unknown", revoked) is None
    assert [(e.status, e.reason) for e in store.history("S1")] == [
        ("active", "registered"), ("suspended", "under review"), ("active", None), ("revoked", "key lost")]
    with pytest.raises(ValueError, match="final"):
        store.reactivate("S1")
    assert [s.es_id for s in store.seals(status="revoked")] == ["S1"]
    assert store.seals(status="active") == []


def test_bad_status_changes(store: SealStore, pki) -> None:
    store.add(_seal(pki, "S2", [pki.signers["rsa"].der]))
    with pytest.raises(ValueError, match="status must be"):
        store.set_status("S2", "lost")
    with pytest.raises(StoreError, match="no seal"):
        store.revoke("S9", reason="x")
    store.suspend("S2", at=datetime(2026, 6, 1, tzinfo=UTC), reason="x")
    with pytest.raises(ValueError, match="after"):
        store.revoke("S2", at=datetime(2026, 5, 1, tzinfo=UTC), reason="earlier than the last change")
    with pytest.raises(ValueError, match="timezone"):
        store.revoke("S2", at=datetime(2026, 7, 1), reason="naive")


def test_verification_consults_the_store(store: SealStore, pki) -> None:
    signer = pki.signers["ecdsa-p256"]
    seal = _seal(pki, "V1", [signer.der])
    sig = sign_with_seal(seal, signer_key=signer.key, signer_cert_der=signer.der, data=b"doc",
                         property_info="doc", signing_time=datetime(2026, 6, 1, tzinfo=UTC))
    store.add(seal)
    assert verify_seal_signature(sig, data=b"doc", store=store).check("seal_status").indication.value == "TOTAL_PASSED"
    store.revoke("V1", at=datetime(2026, 5, 1, tzinfo=UTC), reason="revoked before the signing")
    report = verify_seal_signature(sig, data=b"doc", store=store)
    assert report.sub_indication is not None and report.sub_indication.value == "SEAL_REVOKED"
    assert report.seal is not None and report.seal.status == "revoked"


def test_store_pickles_for_worker_processes(store: SealStore, pki) -> None:
    store.add(_seal(pki, "P1", [pki.signers["rsa"].der]))
    copy = pickle.loads(pickle.dumps(store))
    assert copy.status("P1", datetime(2026, 6, 1, tzinfo=UTC)) == "active"
