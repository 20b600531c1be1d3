"""Database triggers that keep the audit log and the payments ledger append-only below the application too.

Ledger: an entry's money facts (amount, key, payee, purpose, what it reverses) never change and
no entry is deleted; its state and settlement fields move (see `core.ledger`).

Audit log:
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



LEDGER_SQLITE = [
    """
    CREATE TRIGGER IF NOT EXISTS core_paymententry_fixed
    BEFORE UPDATE ON core_paymententry
    WHEN OLD.amount IS NOT NEW.amount OR OLD.idempotency_key IS NOT NEW.idempotency_key
      OR OLD.payee_person_id IS NOT NEW.payee_person_id OR OLD.purpose_code IS NOT NEW.purpose_code
      OR OLD.reverses_id IS NOT NEW.reverses_id
    BEGIN SELECT RAISE(ABORT, 'ledger entries keep their amount, key, payee and purpose'); END;
    """,
    """
    CREATE TRIGGER IF NOT EXISTS core_paymententry_no_delete
    BEFORE DELETE ON core_paymententry
    BEGIN SELECT RAISE(ABORT, 'ledger entries cannot be deleted; post a reversal'); END;
    """,
]
LEDGER_SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_paymententry_fixed;",
    "DROP TRIGGER IF EXISTS core_paymententry_no_delete;",
]
LEDGER_POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION core_paymententry_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'ledger entries cannot be deleted; post a reversal';
        END IF;
        IF OLD.amount IS DISTINCT FROM NEW.amount OR OLD.idempotency_key IS DISTINCT FROM NEW.idempotency_key
           OR OLD.payee_person_id IS DISTINCT FROM NEW.payee_person_id
           OR OLD.purpose_code IS DISTINCT FROM NEW.purpose_code OR OLD.reverses_id IS DISTINCT FROM NEW.reverses_id THEN
            RAISE EXCEPTION 'ledger entries keep their amount, key, payee and purpose';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "DROP TRIGGER IF EXISTS core_paymententry_guard ON core_paymententry;",
    """
    CREATE TRIGGER core_paymententry_guard BEFORE UPDATE OR DELETE ON core_paymententry
    FOR EACH ROW EXECUTE FUNCTION core_paymententry_guard();
    """,
]
LEDGER_POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS core_paymententry_guard ON core_paymententry;",
    "DROP FUNCTION IF EXISTS core_paymententry_guard();",
]

GUARDS = {
    "audit": ({"sqlite": SQLITE, "postgresql": POSTGRES}, {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
    "ledger": ({"sqlite": LEDGER_SQLITE, "postgresql": LEDGER_POSTGRES},
               {"sqlite": LEDGER_SQLITE_REVERSE, "postgresql": LEDGER_POSTGRES_REVERSE}),
}


def install(schema_editor: Any, which: tuple[str, ...] = ("audit", "ledger")) -> None:
    for name in which:
        for statement in GUARDS[name][0].get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)


def remove(schema_editor: Any, which: tuple[str, ...] = ("audit", "ledger")) -> None:
    for name in which:
        for statement in GUARDS[name][1].get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
