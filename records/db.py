"""Engines, sessions, schema migrations and the mapping of database faults to rxintake errors.

SQLite (the default) gets WAL and a busy timeout so a worker and the review app can share it;
PostgreSQL gets a connect timeout and pre-ping so a restarted server is noticed, not hung on.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from rxintake.errors import ConfigError, DatabaseBusy, DatabaseUnavailable, FilingError
from rxintake.settings import Settings, get_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_engines: dict[str, Engine] = {}
_migrated: set[str] = set()
_lock = threading.Lock()


def normalize_url(url: str) -> str:
    """`postgres://` and `postgresql://` (as hosting panels and compose files write them) use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str | None = None, settings: Settings | None = None) -> Engine:
    """A new engine for `url` (default: the configured database)."""
    settings = settings or get_settings()
    url = normalize_url(url or settings.database_url_resolved)
    try:
        return _make_engine(url, settings)
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as e:
        scheme = url.split(":", 1)[0]
        raise ConfigError(f"RXINTAKE_DATABASE_URL ({scheme}:...) is not a database rxintake can use; "
                          "give sqlite:///path or postgresql+psycopg://user@host/db") from e


def _make_engine(url: str, settings: Settings) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": settings.database_busy_timeout})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(settings.database_busy_timeout * 1000)}")
            cur.close()

        return engine
    connect_args = {"connect_timeout": settings.database_connect_timeout} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args=connect_args)


def get_engine(url: str | None = None) -> Engine:
    """One shared engine per URL and process (engines own connection pools)."""
    url = normalize_url(url or get_settings().database_url_resolved)
    with _lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def db_errors() -> Iterator[None]:
    """Turn driver faults into rxintake errors: unreachable or locked -> transient, bad data -> permanent."""
    try:
        yield
    except exc.IntegrityError as e:
        raise FilingError(f"the record conflicts with one already stored: {type(e.orig).__name__}") from e
    except (exc.DataError, exc.ProgrammingError) as e:
        raise FilingError(f"the database refused the record: {type(e.orig).__name__}") from e
    except exc.OperationalError as e:
        text = str(e.orig).lower()
        if "locked" in text or "busy" in text:
            raise DatabaseBusy("the database is locked by another writer; will retry") from e
        raise DatabaseUnavailable(f"the database is unavailable: {_short(e)}") from e
    except (exc.InterfaceError, exc.DisconnectionError, exc.TimeoutError) as e:
        raise DatabaseUnavailable(f"the database connection failed: {_short(e)}") from e
    except exc.DBAPIError as e:
        if e.connection_invalidated:
            raise DatabaseUnavailable(f"the database connection was lost: {_short(e)}") from e
        raise


def _short(e: exc.DBAPIError) -> str:
    """First line of the driver's message, without SQL or parameters (they may hold patient data)."""
    return (str(e.orig).strip().splitlines() or [type(e.orig).__name__])[0][:200]


def _alembic_config(connection=None):  # noqa: ANN001, ANN202
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db_errors(), engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run migrations up to `revision` under a lock, so two workers starting at once migrate once."""
    from alembic import command

    with db_errors(), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7231017)")
        elif conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock first, so racing upgrades queue up
        command.upgrade(_alembic_config(conn), revision)


def ensure_schema(engine: Engine) -> None:
    """Migrate the database to the latest schema once per process (cheap after the first call)."""
    key = str(engine.url)
    if key in _migrated:
        return
    if current_revision(engine) != head_revision():
        upgrade(engine)
    _migrated.add(key)
