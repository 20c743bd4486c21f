"""The SQL store: SQLAlchemy models (`schema`), opening and migrating a database (`db`), writing
watchlists, runs and visits (`writer`). SQLite in WAL mode by default, any SQLAlchemy URL otherwise."""

from .db import Store, data_home, default_url, open_store, out_of_space, redact, sqlite_file

__all__ = ["Store", "data_home", "default_url", "open_store", "out_of_space", "redact", "sqlite_file"]
