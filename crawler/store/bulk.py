"""Bulk loading, for building synthetic stores of millions of rows (benchmarks): rows go through the DBAPI's
executemany in large transactions, the INSERT generated from the schema (the ORM would take hours at this
size). SQLite only is loaded raw; other databases go through SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import insert

from .db import Store
from .schema import Base


class BulkLoader:
    def __init__(self, store: Store, fast: bool = True):
        self.store = store
        self.sqlite = store.engine.dialect.name == "sqlite"
        self.connection = store.engine.raw_connection() if self.sqlite else store.engine.connect()
        if self.sqlite and fast:  # a throwaway store: no journal, no fsync
            cursor = self.connection.cursor()
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.close()

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        """Insert `rows` (tuples in the order of `columns`) into `table`; how many."""
        schema = Base.metadata.tables[table]
        unknown = [c for c in columns if c not in schema.c]
        if unknown:
            raise ValueError(f"{table} has no column {', '.join(unknown)}")
        rows = list(rows)
        if not rows:
            return 0
        if self.sqlite:
            cursor = self.connection.cursor()
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {schema.name} ({', '.join(columns)}) VALUES ({marks})", rows)
            cursor.close()
        else:
            self.connection.execute(insert(schema), [dict(zip(columns, row, strict=True)) for row in rows])
        return len(rows)

    def commit(self) -> None:
        self.connection.commit()

    def close(self, analyze: bool = True) -> None:
        """Commit, refresh the planner's statistics, and let go of the connection."""
        if analyze and self.sqlite:
            cursor = self.connection.cursor()
            cursor.execute("ANALYZE")
            cursor.close()
        self.commit()
        self.connection.close()
