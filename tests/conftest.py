"""Shared fixtures: the demo tree and its named personas (as Zulip's example_user)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import hypothesis
import pytest
from django.test import Client

from gonghui.core import sms
from gonghui.orgs import demo
from gonghui.orgs.models import Unit, User

PASSWORD = "Gonghui@2026"


def _flushes(item: pytest.Item) -> bool:
    """Tests on committed data (browser journeys, concurrency): Django empties the database after each."""
    marker = item.get_closest_marker("django_db")
    return "tests/e2e/" in str(item.fspath).replace("\\", "/") or bool(
        marker and marker.kwargs.get("transaction")) or "transactional_db" in getattr(item, "fixturenames", ())


# The tests whose behaviour differs by database, which `make test` runs on PostgreSQL too (`-m postgres`);
# every test runs on SQLite. Locking and concurrency, constraints and the audit log's and ledger's triggers,
# raw SQL (bulk imports and grants, key rotation, purges), and the SQL of searches and rollups. A new test of
# that kind is added here or marked `@pytest.mark.postgres` where it stands.
POSTGRES_TOO = (
    "tests/core/test_audit.py",
    "tests/core/test_ledger.py",
    "tests/core/test_backup.py",
    "tests/core/test_job_recovery.py",
    "tests/orgs/test_tree.py",
    "tests/registry/test_people_data.py",
    "tests/registry/test_enterprises.py",
    "tests/registry/test_imports.py",
    "tests/relief/test_concurrency.py",
    "tests/relief/test_money.py",
    "tests/relief/test_batches.py",
    "tests/relief/test_household_caps.py",
    "tests/relief/test_quote_and_pages.py",
    "tests/reports/test_reporting.py",
    "tests/reports/test_services.py::test_rotating_the_key_reencrypts_reports_and_health_data",
    "tests/reports/test_services.py::test_supply_totals_count_enterprises_once_and_follow_the_order",
    "tests/mediation/test_api_and_figures.py",
    "tests/membership/test_membership.py::test_one_person_is_never_a_member_of_two_unions_in_the_database",
    "tests/membership/test_membership.py::test_two_unions_approving_one_person_at_once_make_one_member",
    "tests/membership/test_membership.py::test_figures_count_members_rates_and_decision_times",
)


def _postgres_too(nodeid: str) -> bool:
    return any(nodeid == entry or nodeid.startswith(entry + "::") or nodeid.startswith(entry + "[")
               for entry in POSTGRES_TOO)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that flush the database last (browser journeys are also the slowest): every test before them
    finds the demo tree built once for the session. And the `postgres` mark on the tests listed above."""
    for item in items:
        if _postgres_too(item.nodeid):
            item.add_marker(pytest.mark.postgres)
    items.sort(key=lambda item: (_flushes(item), "tests/e2e/" in str(item.fspath).replace("\\", "/")))


@pytest.fixture(autouse=True)
def _clean_outbox() -> None:
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _chinese_first():  # noqa: ANN202
    """Each test starts in the site's language: a page served in English must not leave English behind
    for the next test's service messages (the active language is per thread)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def guards_lifted_for_flush(transactional_db: None) -> Iterator[None]:
    """Tests on committed data are emptied by Django after they run. The audit log's and the ledger's delete
    triggers would refuse that (the rows are young; ledger rows are never deleted), so they are lifted for the
    flush only, and put back before the next test."""
    from django.db import connection

    from gonghui.core import audit_guard

    with connection.schema_editor() as editor:
        audit_guard.install(editor)
    yield
    with connection.schema_editor() as editor:
        audit_guard.remove(editor)


def _build_demo() -> dict[str, int]:
    counts = demo.build(workers_per_unit=1, people=120, enterprises=40)
    demo.build_services()
    return counts


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: ANN001, ANN201
    """The demo tree is built once, committed, right after the test database is made; each test then runs
    inside a transaction that is rolled back, so every test starts from the same tree (Zulip does the same
    with its test fixtures). Building it per test cost about a second a test."""
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(GONGHUI_DEMO_PASSWORD=PASSWORD):
        _build_demo()


@pytest.fixture
def demo_tree(db: None, settings) -> dict[str, int]:  # noqa: ANN001
    settings.GONGHUI_DEMO_PASSWORD = PASSWORD
    if not demo.already_loaded():  # emptied by a test on committed data: build it again for this test
        _build_demo()
    return {"units": Unit.objects.count()}


@pytest.fixture
def persona(demo_tree: dict[str, int]) -> Callable[[str], User]:
    def get(username: str) -> User:
        return User.objects.get(username=username)

    return get


@pytest.fixture
def unit(demo_tree: dict[str, int]) -> Callable[[str], Unit]:
    def get(code: str) -> Unit:
        return Unit.objects.get(code=code)

    return get


@pytest.fixture
def client_for(persona: Callable[[str], User]) -> Callable[[str], Client]:
    """A test client signed in as the persona."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(persona(username))
        return client

    return make


# Property tests must not fail because a shared CI machine is slow for one example.
hypothesis.settings.register_profile("gonghui", deadline=None, print_blob=True)
hypothesis.settings.load_profile("gonghui")


@pytest.fixture
def run_queue(django_capture_on_commit_callbacks, monkeypatch):  # noqa: ANN001, ANN201
    """Commit-time callbacks enqueue tasks on the real database queue; then a worker drains it.

    The worker closes "old" connections between tasks; inside a test's transaction that would
    close the test's own connection (Django's test runner unhooks the same call from requests).
    """
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def drain(action):  # noqa: ANN001, ANN202
        with django_capture_on_commit_callbacks(execute=True):
            result = action()
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
        return result

    return drain
