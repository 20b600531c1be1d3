"""The page cache (core.pagecache) on the real Redis: a read view's answer is served again to the same viewer
until a table it read is written — and never to anyone else, never after a write it missed."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.management import call_command
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from gonghui.core import pagecache
from gonghui.core.models import AuditEvent
from gonghui.orgs import services
from gonghui.orgs.middleware import LAST_SEEN
from gonghui.orgs.models import Person, Tag
from gonghui.relief.models import Application

pytestmark = pytest.mark.django_db
REDIS = os.environ.get("GONGHUI_PAGE_CACHE_TEST_REDIS", "redis://127.0.0.1:6379/13")
LIST = "/relief/applications/"


@pytest.fixture
def page_cache(settings) -> Iterator[redis.Redis]:  # noqa: ANN001
    """The cache on, on Redis database 13 under a prefix of this test's own (removed afterwards). Redis is part
    of the production set and runs on this machine and in CI: a Redis that does not answer fails the test."""
    client = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
    client.ping()
    settings.REDIS_URL = REDIS
    settings.GONGHUI_PAGE_CACHE = True
    settings.GONGHUI_PAGE_CACHE_PREFIX = f"gonghui-test:{uuid.uuid4().hex}:"
    yield client
    for key in client.scan_iter(settings.GONGHUI_PAGE_CACHE_PREFIX + "*"):
        client.delete(key)


def _signed_in(client_for, username: str) -> Client:  # noqa: ANN001
    """A browser as it is after its first page: signed in, holding its CSRF cookie."""
    client = client_for(username)
    client.get("/", follow=True)
    assert "csrftoken" in client.cookies
    return client


def _hit(response: HttpResponse) -> bool:
    return response.headers.get("X-Gonghui-Cache") == "hit"


def _generation(cache: redis.Redis, table: str) -> int:
    from django.conf import settings

    return int(cache.hget(settings.GONGHUI_PAGE_CACHE_PREFIX + "gen", table) or 0)


def _shown_application() -> Application:
    from gonghui.orgs.models import User
    from gonghui.relief import selectors

    return selectors.application_list(User.objects.get(username="beiyuanmen")).select_related("person").first()


def test_the_same_viewer_is_served_the_same_answer_without_the_view_asking_the_database(page_cache, client_for
                                                                                        ) -> None:  # noqa: ANN001
    official = _signed_in(client_for, "beiyuanmen")
    first = official.get(LIST)
    assert first.status_code == 200 and not _hit(first)
    with CaptureQueriesContext(connection) as queries:
        second = official.get(LIST)
    assert _hit(second) and second.content == first.content
    assert not any("relief_application" in q["sql"] for q in queries.captured_queries)


def test_an_update_of_a_row_the_page_shows_drops_the_answer(page_cache, client_for) -> None:  # noqa: ANN001
    official = _signed_in(client_for, "beiyuanmen")
    application = _shown_application()
    assert application.person.name in official.get(LIST).content.decode()
    assert _hit(official.get(LIST))
    Person.objects.filter(pk=application.person_id).update(name="改名测试")  # a bulk update: no model signal
    after = official.get(LIST)
    assert not _hit(after) and "改名测试" in after.content.decode()


def test_a_write_to_a_table_the_page_did_not_read_keeps_the_answer(page_cache, client_for) -> None:  # noqa: ANN001
    official = _signed_in(client_for, "beiyuanmen")
    official.get(LIST)
    Tag.objects.create(name="无关标签")  # orgs_tag: the relief list does not read it
    assert _hit(official.get(LIST))


def test_another_viewer_never_gets_the_answer_of_the_first(page_cache, client_for) -> None:  # noqa: ANN001
    beiyuanmen = _signed_in(client_for, "beiyuanmen")
    mine = beiyuanmen.get(LIST)
    assert _hit(beiyuanmen.get(LIST))
    sibling = _signed_in(client_for, "qingnianlu").get(LIST)
    assert not _hit(sibling) and sibling.content != mine.content
    # The same account in a second browser (another session) builds its own answer too.
    assert not _hit(_signed_in(client_for, "beiyuanmen").get(LIST))


def test_a_change_of_the_session_or_the_query_is_another_answer(page_cache, client_for) -> None:  # noqa: ANN001
    official = _signed_in(client_for, "beiyuanmen")
    official.get(LIST)
    assert not _hit(official.get(LIST + "?state=approved"))
    session = official.session
    session["gonghui_active_unit"] = 0
    session.save()
    assert not _hit(official.get(LIST))
    # The idle clock alone is not a change; once it must move (a minute on), one request goes through to move it.
    assert _hit(official.get(LIST))
    session = official.session
    session[LAST_SEEN] = float(session[LAST_SEEN]) - 61
    session.save()
    assert not _hit(official.get(LIST))
    assert _hit(official.get(LIST))


def test_a_last_sign_in_or_token_use_does_not_drop_answers_but_a_change_to_an_account_does(page_cache, client_for
                                                                                           ) -> None:  # noqa: ANN001
    from django.contrib.auth.models import update_last_login

    from gonghui.orgs.models import ApiToken, User

    worker = _signed_in(client_for, "worker1")
    worker.get("/me/")
    update_last_login(None, User.objects.get(username="beiyuanmen"))  # what every sign-in writes
    token, _ = services.issue_api_token(user=User.objects.get(username="beiyuanmen"))
    worker.get("/me/")  # issuing a token writes the audit log, which /me/ reads: built again
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=token.created_at)  # what a token's use writes
    assert _hit(worker.get("/me/"))
    User.objects.filter(username="worker1").update(first_name="新名")
    assert not _hit(worker.get("/me/"))


def test_a_revoked_token_is_refused_though_its_answer_is_cached(page_cache, persona) -> None:  # noqa: ANN001
    token, raw = services.issue_api_token(user=persona("beiyuanmen"))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    first = api.get("/api/v1/people?q=%E7%8E%8B")
    assert first.status_code == 200
    assert _hit(api.get("/api/v1/people?q=%E7%8E%8B"))
    services.revoke_api_token(actor=persona("beiyuanmen"), token=token)
    assert api.get("/api/v1/people?q=%E7%8E%8B").status_code == 401
    other_raw = services.issue_api_token(user=persona("qingnianlu"))[1]
    other = Client(HTTP_AUTHORIZATION=f"Bearer {other_raw}").get("/api/v1/people?q=%E7%8E%8B")
    assert not _hit(other) and other.content != first.content


def test_the_stored_answer_is_sealed(page_cache, client_for) -> None:  # noqa: ANN001
    from django.conf import settings

    official = _signed_in(client_for, "beiyuanmen")
    name = _shown_application().person.name
    official.get(LIST)
    stored = [page_cache.get(k) for k in page_cache.scan_iter(settings.GONGHUI_PAGE_CACHE_PREFIX + "page:*")]
    assert stored and all(name.encode() not in value and b"<html" not in value for value in stored)


def _request_through_the_cache(view, user):  # noqa: ANN001, ANN202
    """A signed-in GET through PageCacheMiddleware to `view` marked cached_read, as the stack would run it."""
    import time

    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().get("/probe/")
    request.COOKIES["csrftoken"] = "probe"
    request.user = user
    request.session = SessionStore()
    request.session.update({SESSION_KEY: str(user.pk), LAST_SEEN: time.time()})
    request.session.save()
    request._messages = FallbackStorage(request)
    return pagecache.PageCacheMiddleware(pagecache.cached_read(view))(request)


def test_a_view_that_writes_while_reading_is_not_kept(page_cache, persona) -> None:  # noqa: ANN001
    worker = persona("worker1")
    calls = []

    def audited_read(request):  # noqa: ANN001, ANN202
        calls.append(1)
        AuditEvent.objects.create(action="view", actor_label="probe")
        return HttpResponse("read")

    _request_through_the_cache(audited_read, worker)
    _request_through_the_cache(audited_read, worker)
    assert len(calls) == 2  # the audit row is written every time: the answer was never kept


def test_a_pending_message_is_shown_not_cached(page_cache, persona) -> None:  # noqa: ANN001
    from django.contrib import messages

    calls = []

    def telling(request):  # noqa: ANN001, ANN202
        calls.append(1)
        messages.info(request, "已保存")
        return HttpResponse("read")

    _request_through_the_cache(telling, persona("worker1"))
    _request_through_the_cache(telling, persona("worker1"))
    assert len(calls) == 2


def test_a_write_counts_once_at_the_statement_and_again_at_commit(page_cache, django_capture_on_commit_callbacks
                                                                   ) -> None:  # noqa: ANN001
    before = _generation(page_cache, "orgs_tag")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Tag.objects.create(name="甲")
        at_statement = _generation(page_cache, "orgs_tag")
        Tag.objects.create(name="乙")
        assert _generation(page_cache, "orgs_tag") == at_statement  # once per transaction and table
    assert at_statement == before + 1 and _generation(page_cache, "orgs_tag") == before + 2


def test_a_write_undone_with_its_savepoint_still_counts_the_next_write(page_cache, django_capture_on_commit_callbacks
                                                                        ) -> None:  # noqa: ANN001
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                Tag.objects.create(name="丙")
                raise RuntimeError("undo")
        except RuntimeError:
            pass
        before = _generation(page_cache, "orgs_tag")
        Tag.objects.create(name="丁")  # the flush registered inside the undone savepoint is gone: registered anew
        assert _generation(page_cache, "orgs_tag") == before + 1
    assert len(callbacks) == 1 and _generation(page_cache, "orgs_tag") == before + 2


def test_clearing_drops_every_answer(page_cache, client_for) -> None:  # noqa: ANN001
    official = _signed_in(client_for, "beiyuanmen")
    official.get(LIST)
    assert _hit(official.get(LIST))
    call_command("cache", "clear")
    assert not _hit(official.get(LIST))


def test_without_redis_the_page_is_served_uncached(page_cache, client_for, settings) -> None:  # noqa: ANN001
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    official = _signed_in(client_for, "beiyuanmen")
    assert official.get(LIST).status_code == 200
    response = official.get(LIST)
    assert response.status_code == 200 and not _hit(response)


def _session_writes(client: Client, path: str, *, clock_age: float) -> int:
    """UPDATEs of the session row when `path` is opened with the idle clock set `clock_age` seconds back (time
    is frozen for the request, so the age is exact)."""
    import time

    now = time.time()
    session = client.session
    session[LAST_SEEN] = now - clock_age
    session.save()
    with pytest.MonkeyPatch.context() as patch, CaptureQueriesContext(connection) as queries:
        patch.setattr(time, "time", lambda: now)
        client.get(path)
    return len([q for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]])


def test_a_page_view_within_the_minute_does_not_write_the_session(client_for) -> None:  # noqa: ANN001
    official = _signed_in(client_for, "beiyuanmen")
    official.get("/console/")
    with CaptureQueriesContext(connection) as queries:
        official.get("/console/")
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]
    session = official.session
    session[LAST_SEEN] = float(session[LAST_SEEN]) - 61
    session.save()
    with CaptureQueriesContext(connection) as queries:
        official.get("/console/")
    assert [q for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]
    # The boundary: 59.9 s on the clock is not moved, 60 s is.
    assert _session_writes(official, "/console/", clock_age=59.9) == 0
    assert _session_writes(official, "/console/", clock_age=60) == 1


def test_the_idle_clock_key_is_the_one_the_cache_ignores() -> None:
    assert LAST_SEEN in pagecache.VOLATILE_SESSION_KEYS


def test_a_hit_asks_the_database_nothing_when_sessions_are_read_through_the_cache(page_cache, client_for, settings
                                                                                  ) -> None:  # noqa: ANN001
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # as deployed with REDIS_URL
    official = _signed_in(client_for, "beiyuanmen")
    official.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        response = official.get(LIST)
    assert _hit(response) and queries.captured_queries == []


def test_an_answer_is_not_served_past_its_lifetime(page_cache, client_for, monkeypatch, settings) -> None:  # noqa: ANN001
    import time

    official = _signed_in(client_for, "beiyuanmen")
    stored_at = time.time()
    official.get(LIST)
    assert _hit(official.get(LIST))

    def at(moment: float) -> bool:
        monkeypatch.setattr(pagecache.time, "time", lambda: moment)
        session = official.session
        session[LAST_SEEN] = moment - 1  # the idle clock is fresh then: only the answer's age stands in the way
        session.save()
        return _hit(official.get(LIST))

    assert at(stored_at + settings.GONGHUI_PAGE_CACHE_SECONDS - 1)
    assert not at(time.time() + settings.GONGHUI_PAGE_CACHE_SECONDS + 1)
