"""Opening a store: where it lives, its engine (SQLite tuned for one writer and many readers), its
migrations (Alembic, run on open), and a URL safe to print."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from moneytrail.crawler.home import data_home
from moneytrail.crawler.redaction import redact_url

MIGRATIONS = Path(__file__).with_name("migrations")


def default_url() -> str:
    """`MONEYTRAIL_DB`, else the SQLite file `moneytrail.db` in the data home."""
    return os.environ.get("MONEYTRAIL_DB") or f"sqlite:///{data_home() / 'moneytrail.db'}"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite store's URL; None for any other database (or SQLite in memory).
    ValueError when `url` is no database URL."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(str(exc)) from None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def redact(url: str) -> str:
    """The URL with its secrets hidden (for logs, reports and error messages): crawler.redaction's rule."""
    return redact_url(url)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@dataclass
class Store:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    screenshots: Path  # where screenshot files live (names in the store are relative to it)

    def session(self) -> Session:
        return self.sessions()

    def close(self) -> None:
        self.engine.dispose()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def head_revision() -> str:
    """The newest migration's revision: migration files are named NNNN_what.py, revision NNNN (a unit test
    checks it against Alembic's own idea of the head)."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # no table yet (a new store), or a database we cannot read: let Alembic say
        return None


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (Alembic is only loaded when there is something to do)."""
    if revision == "head" and current_revision(engine) == head_revision():
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_store(url: str | None = None, screenshots: str | Path | None = None, upgrade: bool = True) -> Store:
    """Open (creating and migrating when needed) the store at `url` (default: `default_url()`)."""
    url = url or default_url()
    engine = make_engine(url)
    if upgrade:
        migrate(engine)
    shots = Path(screenshots) if screenshots else data_home() / "screenshots"
    return Store(url, engine, sessionmaker(engine, expire_on_commit=False), shots)


NO_SPACE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
FULL_DATABASE = ("database or disk is full", "no space left on device", "could not extend file", "disk full")


def out_of_space(exc: BaseException) -> str | None:
    """What ran out of room, when writing failed for want of it (a full disk, a full quota, a database at its
    size limit); None for any other failure."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in NO_SPACE_ERRNOS:
            return f"no room to write a file ({os.strerror(exc.errno)})"
        if getattr(exc, "sqlstate", None) == "53100" or any(t in str(exc).lower() for t in FULL_DATABASE):
            return "the database is full (no room on its disk, or at its size limit)"
        exc = getattr(exc, "orig", None) or exc.__cause__
    return None
