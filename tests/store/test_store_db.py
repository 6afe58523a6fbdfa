"""The shared database handle: sessions are transactions, on SQLite and real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import ForeignKey, String, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from esealkit.errors import StoreError
from esealkit.store.db import DEFAULT_DATABASE_FILE, Base, Database, open_database


class _TestBase(DeclarativeBase):
    """Test-only tables, kept off the project's schema (``Base``)."""


class _Parent(_TestBase):
    __tablename__ = "test_store_parent"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class _Child(_TestBase):
    __tablename__ = "test_store_child"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("test_store_parent.id"))


def _open(url: str) -> Database:
    db = open_database(url)
    db.create_all()
    _TestBase.metadata.create_all(db.engine)
    return db


def test_create_all_makes_the_project_schema(database_url: str) -> None:
    db = _open(database_url)
    with db.session() as session:
        names = set(session.connection().dialect.get_table_names(session.connection()))
    assert {t for t in Base.metadata.tables} <= names
    assert "registry_matters" in names and "test_store_parent" in names
    db.dispose()


def test_session_commits(database_url: str) -> None:
    db = _open(database_url)
    with db.session() as session:
        session.add_all([_Parent(id=1, name="a"), _Parent(id=2, name="b")])
    with db.session() as session:
        assert session.scalars(select(_Parent.name).order_by(_Parent.id)).all() == ["a", "b"]
    db.dispose()


def test_session_rolls_back_every_row_on_error(database_url: str) -> None:
    db = _open(database_url)
    with pytest.raises(RuntimeError, match="boom"), db.session() as session:
        session.add(_Parent(id=1, name="a"))
        session.flush()
        raise RuntimeError("boom")
    with db.session() as session:
        assert session.scalars(select(_Parent)).all() == []
    db.dispose()


def test_constraint_violation_is_store_error_and_nothing_is_kept(database_url: str) -> None:
    db = _open(database_url)
    with pytest.raises(StoreError), db.session() as session:
        session.add(_Parent(id=1, name="same"))
        session.flush()
        session.add(_Parent(id=2, name="same"))
    with db.session() as session:
        assert session.scalars(select(_Parent)).all() == []
    db.dispose()


def test_foreign_keys_are_enforced(database_url: str) -> None:
    db = _open(database_url)
    with pytest.raises(StoreError), db.session() as session:
        session.add(_Child(id=1, parent_id=999))
    db.dispose()


def test_sqlite_uses_wal_and_busy_timeout(tmp_path: Path) -> None:
    db = open_database("sqlite:///" + str(tmp_path / "x.db"))
    with db.session() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA busy_timeout")).scalar() > 0
    db.dispose()


def test_default_is_sqlite_file_in_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    db = open_database()
    db.create_all()
    assert db.dialect == "sqlite"
    assert (tmp_path / DEFAULT_DATABASE_FILE).exists()
    db.dispose()


def test_bare_postgresql_url_means_psycopg3() -> None:
    db = open_database("postgresql://u:secret@127.0.0.1:1/x")
    assert db.engine.dialect.driver == "psycopg"
    assert "secret" not in db.url


def test_unusable_url_is_store_error() -> None:
    with pytest.raises(StoreError):
        open_database("nosuchdialect://x")


def test_unreachable_server_is_store_error() -> None:
    pytest.importorskip("psycopg")
    db = open_database("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(StoreError):
        db.create_all()
