"""SQL storage (存储): one SQLAlchemy schema for the seal store, licence library and registry.

Example::

    from esealkit.store import open_database

    db = open_database()          # SQLite file ./esealkit.db; or "postgresql+psycopg://..."
    db.create_all()
    with db.session() as session:
        ...
"""

from esealkit.store.db import DEFAULT_DATABASE_FILE, Base, Database, open_database

__all__ = ["DEFAULT_DATABASE_FILE", "Base", "Database", "open_database"]
