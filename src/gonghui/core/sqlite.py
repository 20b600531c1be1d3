"""The embedded database's safeguards, given to every SQLite database however it is named.

The embedded default (`var/gonghui.sqlite3`), a `DATABASE_URL` of `sqlite:///…` and the test database all get
the same options from here; settings apply them whatever the URL says, and the import benchmark uses them to
measure "SQLite as Gonghui runs it". Django 5.1+ reads `init_command` and `transaction_mode` for SQLite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SQLITE_ENGINE = "django.db.backends.sqlite3"

# WAL lets readers run beside the one writer; NORMAL is durable in WAL mode except for the last transactions
# before a power cut; foreign keys are enforced on every connection.
SQLITE_PRAGMAS: tuple[str, ...] = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    # A page cache of up to 64 MiB a connection (SQLite's default is 2 MiB) keeps the people table's indexes in
    # memory: a 50,000-row import into it costs about a tenth less (bench/import_people.py); sorts stay in memory.
    "PRAGMA cache_size=-65536",
    "PRAGMA temp_store=MEMORY",
)

# Seconds a writer waits for the write lock before "database is locked" (the busy timeout).
SQLITE_BUSY_SECONDS = 20

SQLITE_OPTIONS: dict[str, Any] = {
    "init_command": "; ".join(SQLITE_PRAGMAS) + ";",
    # IMMEDIATE takes the write lock when a transaction starts, so that two writers queue on the busy timeout
    # instead of one failing at once when it upgrades a read lock to a write lock.
    "transaction_mode": "IMMEDIATE",
    "timeout": SQLITE_BUSY_SECONDS,
}


def is_sqlite(database: dict[str, Any]) -> bool:
    return database.get("ENGINE") == SQLITE_ENGINE


def with_safeguards(database: dict[str, Any]) -> dict[str, Any]:
    """The database settings with Gonghui's SQLite options, which win over any given (a URL's query string);
    other engines are returned unchanged."""
    if not is_sqlite(database):
        return database
    return {**database, "OPTIONS": {**database.get("OPTIONS", {}), **SQLITE_OPTIONS}}


def sqlite_database(path: str | Path) -> dict[str, Any]:
    """A Django DATABASES entry for an SQLite file with the production safeguards."""
    return with_safeguards({"ENGINE": SQLITE_ENGINE, "NAME": path})
