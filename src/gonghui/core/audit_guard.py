"""Database triggers that keep the audit log append-only below the application too.

UPDATE is always refused. DELETE is refused unless the row is older than 180 days (the
retention floor), which is what `gonghui audit-purge` removes. PostgreSQL's TRUNCATE, which
only a database owner can run, is not a row operation and is not stopped.
"""

from __future__ import annotations

from typing import Any

SQLITE = [
    """
    CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update
    BEFORE UPDATE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
    """,
    """
    CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete
    BEFORE DELETE ON core_auditevent
    WHEN OLD.at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-180 days')
    BEGIN SELECT RAISE(ABORT, 'audit entries younger than 180 days cannot be deleted'); END;
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete;",
]

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION core_auditevent_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            RAISE EXCEPTION 'audit entries are append-only';
        END IF;
        IF OLD.at > now() - interval '180 days' THEN
            RAISE EXCEPTION 'audit entries younger than 180 days cannot be deleted';
        END IF;
        RETURN OLD;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "DROP TRIGGER IF EXISTS core_auditevent_guard ON core_auditevent;",
    """
    CREATE TRIGGER core_auditevent_guard BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_guard();
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditevent_guard ON core_auditevent;",
    "DROP FUNCTION IF EXISTS core_auditevent_guard();",
]



def install(schema_editor: Any) -> None:
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def remove(schema_editor: Any) -> None:
    for statement in {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)
