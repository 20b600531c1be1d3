"""Cached answers of read views, kept in Redis, dropped by any write to a table they read.

A busy console is read far more than it is written: the relief list, the completeness page and the people search
are opened again and again by the same official while nothing they show has changed. A view marked `cached_read`
has each signed-in viewer's answer to a GET kept (sealed with AES-GCM, like personal data at rest) and served
again by `PageCacheMiddleware` — before authentication, from the session alone — as long as nothing it was built
from has been written since:

- every SQL statement goes through `track` (a connection execute wrapper): a read notes the tables it names, a
  write counts up that table's generation in Redis — when the statement runs and again after its transaction
  commits (`transaction.on_commit`), so an answer built from the data before the commit cannot be kept under the
  generation after it. A schema change or TRUNCATE counts up the epoch, which drops everything;
- the generations are read with the look-up (one round trip); an answer is kept with the generations, as they
  were before it was built, of every table its request read — the account's and its roles' included — and is
  served only while each is unchanged;
- the key is the viewer (account and session, or the API token), everything in the session but the idle clock,
  the CSRF cookie, the language, the host, the full path with its query, htmx's headers and the day. An answer
  lives GONGHUI_PAGE_CACHE_SECONDS at most (60), which bounds what the clock alone changes (a countdown), never
  past its API token's expiry; a session is served from the cache only while its idle clock need not move;
- a request that wrote anything (an audit row of a reveal, a read receipt), changed its session, showed or queued
  a message, set a cookie or answered other than 200 is not kept; nor is anything for an anonymous visitor.

Two writes are not counted: an account's last sign-in and a token's last use (VOLATILE_WRITE), written on every
sign-in and API call and shown by no cached view. The cache is on only with REDIS_URL (the generations must be
shared by every process). A write made outside the app (psql) must be followed by `gonghui cache clear` (run by
`gonghui restore` and `migrate-data` themselves). When Redis cannot be reached the views answer uncached.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

logger = logging.getLogger(__name__)

WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?(\w+)"?', re.I)
SCHEMA_CHANGE = re.compile(r"^\s*(?:ALTER|CREATE|DROP|TRUNCATE)\b", re.I)
READ = re.compile(r'\b(?:FROM|JOIN)\s+"?(\w+)"?', re.I)
# The session is part of the key, so its own table is no dependency (it is written on sign-in and idle refresh).
NOT_DEPENDENCIES = frozenset({"django_session"})
# Writes of one row's last sign-in or last token use: on every sign-in and API call, shown by no cached view
# (the account and security pages, which show them, are not cached). Counting them would drop every answer.
VOLATILE_WRITE = re.compile(r'^UPDATE "(\w+)" SET "(?:last_login|last_used_at)" = %s WHERE "\1"\."id" = %s$')
# Session values that change without changing any page: the idle clock of orgs.middleware, which moves at most
# once in IDLE_REFRESH_SECONDS (a hit is only served while it need not move).
IDLE_CLOCK = "gonghui_last_seen"
IDLE_REFRESH_SECONDS = 60
VOLATILE_SESSION_KEYS = frozenset({IDLE_CLOCK})
EPOCH = "*"
MAX_BYTES = 2 * 1024 * 1024


@dataclass
class Recording:
    """What one request did to the database, as seen by `track`."""

    tables: set[str] = field(default_factory=set)
    wrote: bool = False


_recording: ContextVar[Recording | None] = ContextVar("gonghui_page_reads", default=None)


def enabled() -> bool:
    return bool(settings.GONGHUI_PAGE_CACHE and settings.REDIS_URL)


@lru_cache(maxsize=4)
def _client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


def redis_client() -> Any:
    return _client(settings.REDIS_URL)


def _name(suffix: str) -> str:
    return f"{settings.GONGHUI_PAGE_CACHE_PREFIX}{suffix}"


# --- the write side: generations ---

def bump(tables: set[str] | frozenset[str]) -> None:
    """Count up the generation of each table (EPOCH: of everything)."""
    if not tables:
        return
    try:
        pipe = redis_client().pipeline(transaction=False)
        for table in tables:
            pipe.hincrby(_name("gen"), table, 1)
        pipe.execute()
    except Exception:  # a cache that cannot be told must not fail the write; answers expire within their TTL
        logger.exception("page cache: generations of %s not counted up", sorted(tables))


def clear() -> None:
    """Drop every cached answer (a write made outside the app): the epoch moves on."""
    bump(frozenset({EPOCH}))


def _transaction_sets(connection: Any) -> tuple[set[str], set[str]]:
    """Per connection: the tables to count up when the transaction commits, and those counted up already at
    their statement and not read since on this connection."""
    if not hasattr(connection, "gonghui_pending_tables"):
        connection.gonghui_pending_tables, connection.gonghui_counted_tables = set(), set()

        def flush() -> None:
            tables = set(connection.gonghui_pending_tables)
            connection.gonghui_pending_tables.clear()
            connection.gonghui_counted_tables.clear()
            bump(tables)

        connection.gonghui_flush = flush
    return connection.gonghui_pending_tables, connection.gonghui_counted_tables


def _written(connection: Any, table: str) -> None:
    if not connection.in_atomic_block:
        bump({table})  # autocommit: the statement is committed already
        return
    pending, counted = _transaction_sets(connection)
    # Django keeps (savepoint ids, callback, robust) per on_commit and drops a rolled-back transaction's or
    # savepoint's callbacks: when the flush is not among them, what is pending was flushed or undone.
    if not any(entry[1] is connection.gonghui_flush for entry in connection.run_on_commit):
        pending.clear()
        counted.clear()
        transaction.on_commit(connection.gonghui_flush, using=connection.alias, robust=True)
    pending.add(table)
    if table not in counted:
        counted.add(table)
        bump({table})


def _read_in_transaction(connection: Any, tables: list[str]) -> None:
    """A read inside the transaction sees its uncommitted writes: an answer built from it (a test's client
    shares the test's transaction) must not survive the next write to those tables."""
    counted = getattr(connection, "gonghui_counted_tables", None)
    if counted:
        counted.difference_update(tables)


def track(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    """The execute wrapper on every connection."""
    if not enabled():
        return execute(sql, params, many, context)
    recording = _recording.get()
    written = WRITE.match(sql)
    if written is not None and VOLATILE_WRITE.match(sql):
        return execute(sql, params, many, context)
    connection = context["connection"]
    if written is None and (recording is not None or getattr(connection, "gonghui_counted_tables", None)):
        tables = READ.findall(sql)
        if recording is not None:
            recording.tables.update(tables)
        _read_in_transaction(connection, tables)
    result = execute(sql, params, many, context)
    if written is not None:
        table = written.group(1)
        if recording is not None and table not in NOT_DEPENDENCIES:
            recording.wrote = True
        _written(connection, table)
    elif SCHEMA_CHANGE.match(sql):
        if recording is not None:
            recording.wrote = True
        bump(frozenset({EPOCH}))
    return result


def install(connection: Any, **_: Any) -> None:
    if track not in connection.execute_wrappers:
        connection.execute_wrappers.append(track)


connection_created.connect(install, dispatch_uid="gonghui.pagecache.install")


# --- the read side: answers ---

def _aead() -> Any:
    from gonghui.core.crypto import page_cache_cipher

    return page_cache_cipher()


def _seal(header: dict[str, Any], content: bytes) -> bytes:
    nonce = os.urandom(12)
    plain = json.dumps(header, separators=(",", ":")).encode() + b"\n" + content
    return nonce + _aead().encrypt(nonce, plain, b"page")


def _open(sealed: bytes) -> tuple[dict[str, Any], bytes]:
    plain = _aead().decrypt(sealed[:12], sealed[12:], b"page")
    head, _, content = plain.partition(b"\n")
    return json.loads(head), content


def _session_state(request: HttpRequest) -> str:
    values = {k: v for k, v in request.session.items() if k not in VOLATILE_SESSION_KEYS}
    return json.dumps(values, sort_keys=True, default=str)


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else ""


def _viewer(request: HttpRequest) -> str | None:
    """Who is asking, as part of the key, read from the token or the session alone (no query); None: nobody
    signed in, or a flash message waits to be shown (not cached)."""
    token = _bearer(request)
    if token:
        return "token:" + hashlib.sha256(token.encode()).hexdigest()
    session = getattr(request, "session", None)
    if session is None or CookieStorage.cookie_name in request.COOKIES:
        return None
    user_id = session.get(SESSION_KEY)
    if user_id is None or "_messages" in session:
        return None
    return f"user:{user_id}:{session.session_key}"


def _key(request: HttpRequest, viewer: str, session_state: str) -> str:
    parts = [
        viewer, request.method, request.get_host(), str(request.is_secure()), request.get_full_path(),
        getattr(request, "LANGUAGE_CODE", ""), session_state,
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
        request.headers.get("HX-Request", ""), request.headers.get("HX-Target", ""),
        request.headers.get("HX-Trigger", ""), request.headers.get("Accept", ""),
        timezone.localdate().isoformat(),
    ]
    return _name("page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest())


def _messages_pending(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    if storage is None:
        return False
    # Queued by this request, or waiting from an earlier one and shown on this page.
    return bool(storage._queued_messages) or bool(getattr(storage, "_loaded_data", None))


def _usable(header: dict[str, Any], generations: dict[bytes, bytes], request: HttpRequest) -> bool:
    """Nothing it was built from has been written since; the viewer's clock still allows it."""
    now = time.time()
    if now >= header["valid_until"]:
        return False
    if header["idle_seconds"] is not None:  # a session: served only while its idle clock need not move
        last_seen = request.session.get(IDLE_CLOCK)
        if last_seen is None or now - float(last_seen) >= min(IDLE_REFRESH_SECONDS, header["idle_seconds"]):
            return False
    return all(int(generations.get(table.encode(), 0)) == seen for table, seen in header["deps"].items())


def _look_up(key: str) -> tuple[bytes | None, dict[bytes, bytes]]:
    pipe = redis_client().pipeline(transaction=False)
    pipe.get(key)
    pipe.hgetall(_name("gen"))
    sealed, generations = pipe.execute()
    return sealed, generations


def _served(header: dict[str, Any], content: bytes) -> HttpResponse:
    response = HttpResponse(content, status=header["status"])
    for name, value in header["headers"]:
        response[name] = value
    response["X-Gonghui-Cache"] = "hit"
    return response


def _only_renews_csrf(request: HttpRequest, response: HttpResponse) -> bool:
    """The CSRF middleware sends its cookie again with every page that has a form, to renew it: that is no cookie
    of the page's own. Any other cookie is."""
    return all(name == settings.CSRF_COOKIE_NAME and morsel.value == request.COOKIES.get(name)
               for name, morsel in response.cookies.items())


def _keepable(request: HttpRequest, response: HttpResponse, recording: Recording, session_before: str) -> bool:
    # Without the CSRF cookie the page's form token belongs to a secret only this response's cookie carries.
    has_csrf_secret = bool(_bearer(request)) or settings.CSRF_COOKIE_NAME in request.COOKIES
    return (getattr(request, "gonghui_cached_read", False) and response.status_code == 200 and has_csrf_secret
            and not response.streaming and _only_renews_csrf(request, response)
            and not recording.wrote and len(response.content) <= MAX_BYTES
            and not _messages_pending(request) and _session_state(request) == session_before)


def _viewer_limits(request: HttpRequest) -> tuple[float, int | None]:
    """Until when the answer may be served, and the viewer's idle limit (None for a token)."""
    valid_until = time.time() + settings.GONGHUI_PAGE_CACHE_SECONDS
    token = getattr(request.user, "_api_token", None)
    if _bearer(request):
        return (min(valid_until, token.expires_at.timestamp()) if token else time.time()), None
    official = request.user.is_official
    minutes = settings.GONGHUI_OFFICIAL_IDLE_MINUTES if official else settings.GONGHUI_WORKER_IDLE_MINUTES
    return valid_until, minutes * 60


class PageCacheMiddleware:
    """Answers a signed-in GET from the cache before the rest of the stack runs (the session, read through
    Redis, is all it needs); otherwise notes every table the request reads and, when the view was marked
    `cached_read` and nothing disqualifies the answer, keeps it. Placed after the session and language
    middleware and before authentication: a hit costs no query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not enabled() or request.method != "GET":
            return self.get_response(request)
        viewer = _viewer(request)
        if viewer is None:
            return self._recorded(request, None, {}, "")
        session_state = _session_state(request)
        key = _key(request, viewer, session_state)
        try:
            sealed, generations = _look_up(key)
        except Exception:
            logger.warning("page cache: Redis cannot be reached; answering uncached", exc_info=True)
            return self.get_response(request)
        if sealed is not None:
            try:
                header, content = _open(sealed)
            except Exception:  # sealed with another key, or tampered with: not ours to serve
                header = None
            if header is not None and _usable(header, generations, request):
                return _served(header, content)
        return self._recorded(request, key, generations, session_state)

    def _recorded(self, request: HttpRequest, key: str | None, generations: dict[bytes, bytes],
                  session_state: str) -> HttpResponse:
        recording = Recording()
        token = _recording.set(recording)
        try:
            response = self.get_response(request)
        finally:
            _recording.reset(token)
        if key is not None and _keepable(request, response, recording, session_state):
            self._keep(request, response, key, generations, recording)
        return response

    @staticmethod
    def _keep(request: HttpRequest, response: HttpResponse, key: str, generations: dict[bytes, bytes],
              recording: Recording) -> None:
        valid_until, idle_seconds = _viewer_limits(request)
        tables = (recording.tables - NOT_DEPENDENCIES) | {EPOCH}
        header = {
            "status": response.status_code,
            "headers": [[k, v] for k, v in response.items()],
            "valid_until": valid_until,
            "idle_seconds": idle_seconds,
            "deps": {t: int(generations.get(t.encode(), 0)) for t in sorted(tables)},
        }
        try:
            redis_client().set(key, _seal(header, response.content), ex=settings.GONGHUI_PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("page cache: answer not stored", exc_info=True)


def cached_read(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a read view's answers as ones PageCacheMiddleware may keep (see the module's docstring for when).
    For an API operation: `@decorate_view(cached_read)`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "GET":
            request.gonghui_cached_read = True  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
