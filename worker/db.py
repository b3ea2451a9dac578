"""The records database as the worker sees it: the records' engine, plus the intake ledger."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from rxintake.settings import Settings


def is_transient_db_error(exc: BaseException) -> bool:
    """A database restart, a dropped connection or a lock: retrying helps."""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(getattr(exc, "connection_invalidated", False))


def get_engine(settings: Settings) -> Engine:
    from records.db import get_engine as records_engine

    return records_engine(settings.database_url_resolved)


def ensure_schema(engine: Engine) -> None:
    """Every table, the intake ledger included, through the records' migrations; cheap after the first call."""
    from records.db import ensure_schema as records_schema

    records_schema(engine)
