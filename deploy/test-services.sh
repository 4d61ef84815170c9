#!/usr/bin/env bash
# PostgreSQL and Redis for `make test` (the suite's second run): throw-away servers on loopback.
#
#   deploy/test-services.sh install   apt-get install postgresql redis-server when missing (sudo unless root)
#   deploy/test-services.sh start     initdb + start PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT
#   deploy/test-services.sh env       print the HOTLINE_* variables that point the suite at them
#   deploy/test-services.sh stop      stop both and delete their scratch directories
#
# Data lives in a scratch directory owned by whoever runs the server: var/services/ for a normal user;
# as root (PostgreSQL refuses to run as root) the `postgres` system user runs it from a directory under
# /tmp. fsync is off: these servers hold nothing worth keeping.
set -euo pipefail

PG_PORT="${HOTLINE_TEST_PG_PORT:-5439}"
REDIS_PORT="${HOTLINE_TEST_REDIS_PORT:-6390}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ "$(id -u)" = 0 ]; then
  SCRATCH="${HOTLINE_SERVICES_DIR:-/tmp/hotline-test-services-$PG_PORT}"
else
  SCRATCH="${HOTLINE_SERVICES_DIR:-$ROOT/var/services}"
fi
PGDATA="$SCRATCH/pg"
REDIS_DIR="$SCRATCH/redis"

pg_bin() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$bin" ] && [ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found" >&2; return 1; }
  echo "$bin"
}

# Run a PostgreSQL program as the user who owns the cluster (postgres when we are root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_packages() {
  if pg_bin >/dev/null 2>&1 && command -v redis-server >/dev/null; then return 0; fi
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql redis-server
  # Debian starts the packaged services; the tests use their own servers on other ports.
}

start() {
  local bin
  bin="$(pg_bin)"
  stop quiet
  mkdir -p "$SCRATCH" "$REDIS_DIR"
  if [ "$(id -u)" = 0 ]; then chmod 755 "$SCRATCH"; install -d -o postgres -g postgres "$PGDATA"; else mkdir -p "$PGDATA"; fi
  as_pg "$bin/initdb" -D "$PGDATA" -U hotline -A trust -E UTF8 --no-locale --no-sync >"$SCRATCH/initdb.log" 2>&1 \
    || { cat "$SCRATCH/initdb.log" >&2; return 1; }
  as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start -o \
    "-p $PG_PORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >/dev/null || { cat "$PGDATA/server.log" >&2; return 1; }
  as_pg "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U hotline hotline
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$REDIS_DIR" \
    --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" --save "" --appendonly no
  for _ in $(seq 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -p "$REDIS_PORT" ping >/dev/null
  echo "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT (data in $SCRATCH)"
}

stop() {
  local bin
  if [ -f "$PGDATA/postmaster.pid" ] && bin="$(pg_bin 2>/dev/null)"; then
    as_pg "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "$REDIS_DIR/redis.pid" ]; then
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true
  fi
  rm -rf "$SCRATCH"
  [ "${1:-}" = quiet ] || echo "stopped PostgreSQL and Redis of the tests"
}

env() {
  echo "HOTLINE_DATABASE_URL=postgres://hotline@127.0.0.1:$PG_PORT/hotline"
  echo "HOTLINE_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

case "${1:-}" in
  install) install_packages ;;
  start) start ;;
  stop) stop ;;
  env) env ;;
  *) echo "usage: $0 install|start|stop|env" >&2; exit 2 ;;
esac
