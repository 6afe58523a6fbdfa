"""The one SQL schema base and the database handle (数据库).

Every table of esealkit (seal store, licence library, matter registry) is declared on
:class:`Base`, so one ``create_all`` makes the whole schema in one database.

Example::

    from esealkit.store.db import open_database

    db = open_database()                      # ./esealkit.db (SQLite, WAL)
    db = open_database("postgresql+psycopg://user@host/esealkit")
    db.create_all()
    with db.session() as session:             # commits on success, rolls back on error
        session.add(some_row)
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from esealkit.errors import StoreError

__all__ = [
    "DEFAULT_DATABASE_FILE",
    "Base",
    "Database",
    "default_database_url",
    "open_database",
]

DEFAULT_DATABASE_FILE = "esealkit.db"

# Stable constraint names, so that later schema migrations can refer to them by name.
_NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_SQLITE_BUSY_TIMEOUT_MS = 10_000


class Base(DeclarativeBase):
    """Declarative base of every esealkit table (seal store, licence library, registry)."""

    metadata = MetaData(naming_convention=_NAMING_CONVENTION)


def default_database_url() -> str:
    """The SQLite file ``esealkit.db`` in the current working directory."""
    return "sqlite:///" + os.path.join(os.getcwd(), DEFAULT_DATABASE_FILE)


def _normalise_url(url: str) -> str:
    # "postgresql://" alone would pick psycopg2, which esealkit does not depend on.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets readers run while one writer writes; foreign keys are off by default in SQLite.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


class Database:
    """A handle on one database: its engine and a transactional session factory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """The database URL, with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def create_all(self) -> None:
        """Create every table of esealkit that does not exist yet.

        Every module of the ``esealkit.store`` package is imported first, so tables
        declared there are part of the schema even when the caller never imported them.
        """
        _import_table_modules()
        try:
            Base.metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot create the schema in {self.url}: {exc}") from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        Database errors are raised as :class:`~esealkit.errors.StoreError`; any other
        exception raised inside the block rolls back and propagates unchanged.
        """
        session = self._sessions()
        try:
            yield session
            session.commit()
        except SQLAlchemyError as exc:
            session.rollback()
            raise StoreError(f"database error in {self.url}: {exc}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection (call before deleting a SQLite file)."""
        self.engine.dispose()


def _import_table_modules() -> None:
    import esealkit.store as package

    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{module.name}")


def open_database(url: str | None = None, *, echo: bool = False) -> Database:
    """Open (without creating tables) the database at ``url``.

    ``None`` means the SQLite file ``esealkit.db`` in the working directory. PostgreSQL
    URLs use psycopg 3 (``postgresql+psycopg://user@host:5432/name``; a bare
    ``postgresql://`` is taken to mean the same). Call :meth:`Database.create_all` to
    make the schema.
    """
    url = _normalise_url(url if url is not None else default_database_url())
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, echo=echo)
            event.listen(engine, "connect", _configure_sqlite)
        else:
            engine = create_engine(url, echo=echo, pool_pre_ping=True)
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        raise StoreError(f"cannot open database {_redacted(url)!r}: {exc}") from exc
    return Database(engine)


def _redacted(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"
