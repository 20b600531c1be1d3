#!/usr/bin/env bash
# Start the production set on this machine — nginx (TLS) in front of `gonghui serve` (gunicorn workers), an RQ
# `gonghui worker` on Redis, PostgreSQL — from the files in deploy/, and walk a smoke journey through nginx:
# health, static files, sign-in, an official's pages, a background export run by the RQ worker, the upload limit,
# no uploaded file served by nginx, http→https, and the maintenance page when the app is down.
# PostgreSQL and Redis must be running; nginx and openssl are installed from Debian when missing.
#   bash deploy/smoke.sh        (exit 0 when every step held)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/.venv/bin"
PG="${GONGHUI_PG_TEST_SERVER:-postgres://postgres@127.0.0.1:5432}"
DB="gonghui_smoke"
WORK="$(mktemp -d /tmp/gonghui-smoke.XXXXXX)"
APP_PORT=18000 HTTP_PORT=18080 HTTPS_PORT=18443
BASE="https://localhost:$HTTPS_PORT"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  sleep 1
  "$BIN/python" - "$PG" "$DB" <<'PY' || true
import sys, psycopg
with psycopg.connect(f"{sys.argv[1]}/postgres", autocommit=True) as c:
    c.execute(f"DROP DATABASE IF EXISTS {sys.argv[2]} WITH (FORCE)")
PY
  rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

if ! command -v nginx >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq nginx openssl >/dev/null
fi
NGINX="$(command -v nginx)"

step "database $DB, Redis db 13, keys and a self-signed certificate in $WORK"
"$BIN/python" - "$PG" "$DB" <<'PY'
import sys, psycopg
with psycopg.connect(f"{sys.argv[1]}/postgres", autocommit=True) as c:
    c.execute(f"DROP DATABASE IF EXISTS {sys.argv[2]} WITH (FORCE)")
    c.execute(f"CREATE DATABASE {sys.argv[2]}")
PY
"$BIN/python" -c "import redis; redis.Redis.from_url('redis://127.0.0.1:6379/13').flushdb()"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
export SECRET_KEY="smoke-$(openssl rand -hex 24)" GONGHUI_DATA_KEY="smoke-$(openssl rand -hex 16)" \
  DATABASE_URL="$PG/$DB" REDIS_URL="redis://127.0.0.1:6379/13" GONGHUI_TASKS_BACKEND=rq \
  GONGHUI_VAR_DIR="$WORK/var" GONGHUI_HTTPS=1 GONGHUI_PROXY_COUNT=1 ALLOWED_HOSTS=localhost \
  CSRF_TRUSTED_ORIGINS="$BASE" GONGHUI_EXPORT_TASK_ROWS=5 GONGHUI_SMS_BACKEND=gonghui.core.sms.ConsoleBackend

step "migrate, demo data, static files (collected once, as at install)"
"$BIN/gonghui" migrate --noinput -v0
"$BIN/gonghui" demo >/dev/null
"$BIN/gonghui" collectstatic --noinput -v0
# nginx's workers (www-data) must read what they serve, and the checkout may live in a folder only its owner can
# enter (a home directory or `mktemp -d`, mode 700): serve copies placed in $WORK, never files inside the checkout.
mkdir -p "$WORK/deploy/nginx" && cp "$ROOT/deploy/nginx/maintenance.html" "$WORK/deploy/nginx/"
chmod 755 "$WORK" "$WORK/var" "$WORK/deploy" "$WORK/deploy/nginx"; chmod -R a+rX "$WORK/var/static" "$WORK/deploy/nginx"

step "gonghui serve (gunicorn) on 127.0.0.1:$APP_PORT, gonghui worker on RQ, nginx on :$HTTPS_PORT"
"$BIN/gonghui" serve --host 127.0.0.1 --port "$APP_PORT" --workers 3 --no-collectstatic --no-worker \
  >"$WORK/serve.log" 2>&1 & pids+=($!)
"$BIN/gonghui" worker >"$WORK/worker.log" 2>&1 & pids+=($!)
sed -e "s|@APP@|127.0.0.1:$APP_PORT|" -e "s|@HTTP@|127.0.0.1:$HTTP_PORT|" -e "s|@HTTPS@|127.0.0.1:$HTTPS_PORT|" \
    -e "s|@HTTPS_PORT@|$HTTPS_PORT|" -e "s|@SERVER_NAME@|localhost|" -e "s|@CERT@|$WORK/cert.pem|" \
    -e "s|@KEY@|$WORK/key.pem|" -e "s|@STATIC_ROOT@|$WORK/var/static|" -e "s|@DEPLOY@|$WORK/deploy|" \
    -e "s|@ACCESS_LOG@|$WORK/nginx-access.log|" \
    "$ROOT/deploy/nginx/gonghui.conf" >"$WORK/site.conf"
mkdir -p "$WORK/nginx-tmp"
cat >"$WORK/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 512; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $WORK/nginx-access.log;
  client_body_temp_path $WORK/nginx-tmp/body; proxy_temp_path $WORK/nginx-tmp/proxy;
  fastcgi_temp_path $WORK/nginx-tmp/fastcgi; uwsgi_temp_path $WORK/nginx-tmp/uwsgi; scgi_temp_path $WORK/nginx-tmp/scgi;
  sendfile on;
  include $WORK/site.conf;
}
CONF
"$NGINX" -t -c "$WORK/nginx.conf" -p "$WORK" 2>&1 | tail -3
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK"

CURL=(curl -sk --max-time 20 --resolve "localhost:$HTTPS_PORT:127.0.0.1" --resolve "localhost:$HTTP_PORT:127.0.0.1")
for _ in $(seq 1 60); do
  [ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ] && break; sleep 1
done

step "health, http→https, static file from disk with a year's cache"
[ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ] || fail "healthz through nginx"
[ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "http://localhost:$HTTP_PORT/")" = 301 ] || fail "http is not sent to https"
css="$("${CURL[@]}" "$BASE/accounts/login/" | grep -o '/static/[^"]*\.css' | head -1)"
[ -n "$css" ] || fail "no stylesheet on the login page"
headers="$("${CURL[@]}" -D - -o /dev/null "$BASE$css")"
echo "$headers" | grep -qi "^cache-control:.*immutable" || fail "static files are not cached by nginx: $headers"

step "sign in as the street official and open the pages"
jar="$WORK/cookies.txt"
"${CURL[@]}" -c "$jar" -o "$WORK/login.html" "$BASE/accounts/login/"
token="$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' "$WORK/login.html" | head -1 | sed 's/.*value="//; s/"$//')"
code="$("${CURL[@]}" -b "$jar" -c "$jar" -o /dev/null -w '%{http_code}' -H "Referer: $BASE/accounts/login/" \
  --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "username=beiyuanmen" \
  --data-urlencode "password=Gonghui@2026" "$BASE/accounts/login/")"
[ "$code" = 302 ] || fail "sign-in answered $code"
for page in /console/ /reports/ /reports/health/ /reports/back-to-work/ /people/ /relief/; do
  code="$("${CURL[@]}" -b "$jar" -o "$WORK/page.html" -w '%{http_code}' "$BASE$page")"
  [ "$code" = 200 ] || fail "$page answered $code"
done
grep -q "北院门" "$WORK/page.html" || fail "the official's page does not show the street"

step "a search by a full phone number leaves no trace of it in any log"
phone=13900000001  # worker1 of the demo
code="$("${CURL[@]}" -b "$jar" -o "$WORK/search.html" -w '%{http_code}' "$BASE/people/?q=$phone")"
[ "$code" = 200 ] || fail "the search answered $code"
grep -q "139\*\*\*\*0001" "$WORK/search.html" || fail "the search did not find worker1 (masked) by the phone"
"${CURL[@]}" -b "$jar" -o /dev/null "$BASE/people/?q=$phone&unit=" -H "Referer: $BASE/people/?q=$phone"
sleep 1
if grep -l "$phone" "$WORK"/*.log; then fail "a full phone number reached a log file"; fi

step "a long export becomes a background job, run by the RQ worker"
location="$("${CURL[@]}" -b "$jar" -o /dev/null -w '%{redirect_url}' "$BASE/enterprises/export.xlsx")"
case "$location" in *"/jobs/"*) ;; *) fail "the export did not become a job: $location";; esac
for _ in $(seq 1 60); do
  "${CURL[@]}" -b "$jar" "$location" | grep -q "result.xlsx" && break; sleep 1
done
"${CURL[@]}" -b "$jar" -o "$WORK/result.xlsx" "${location}result.xlsx"
head -c 2 "$WORK/result.xlsx" | grep -q "PK" || fail "the job's file is not a workbook"
grep -q "Successfully completed" "$WORK/worker.log" || fail "the RQ worker did not run the job"

step "the upload limit, and no uploaded file served by nginx"
head -c $((61 * 1024 * 1024)) /dev/zero >"$WORK/big.bin"
code="$("${CURL[@]}" -b "$jar" -o /dev/null -w '%{http_code}' -F "file=@$WORK/big.bin" "$BASE/people/import/")"
[ "$code" = 413 ] || fail "a 61 MB upload answered $code, not 413"
[ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$BASE/media/imports/x.xlsx")" = 404 ] || fail "nginx serves /media/"

step "the app stopped: nginx answers with the maintenance page"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
sleep 1
code="$("${CURL[@]}" -o "$WORK/down.html" -w '%{http_code}' "$BASE/accounts/login/")"
[ "$code" = 502 ] && grep -q "系统正在维护" "$WORK/down.html" || fail "app down answered $code without the maintenance page"

printf '\nsmoke journey through nginx: every step held\n'
