#!/usr/bin/env bash
# bench/run.sh: what `npm run bench [-- flags]` runs (flags: see bench/bench.mjs or --help).
#
# Builds errand (dist/, unless --no-build), starts a private PostgreSQL, Redis and MariaDB on 127.0.0.1
# on free ports (data under bench/.pg, bench/.redis and bench/.mariadb, all gitignored; as root the
# PostgreSQL server runs as the `postgres` user, MariaDB as `mysql`), runs bench/bench.mjs, and stops
# the servers on exit, also on failure or Ctrl-C.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
log() { echo "bench: $*" >&2; }

# shellcheck source=../scripts/node-env.sh
. "$ROOT/scripts/node-env.sh"
[ -d node_modules/graphile-worker ] || npm ci --no-audit --no-fund >&2

BUILD=1
for a in "$@"; do [ "$a" = --no-build ] && BUILD=0; done
for a in "$@"; do [ "$a" = --help ] && exec node bench/bench.mjs --help; done
if [ "$BUILD" = 1 ]; then npm run --silent build >&2; fi

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# ------------------------------------------------------------------ PostgreSQL
bash scripts/pg-test-server.sh install # binaries (apt-get when missing, as root) and the postgres user
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
PG_DIR="$ROOT/bench/.pg"
AS_PG=()
if [ "$(id -u)" -eq 0 ]; then
    AS_PG=(runuser -u postgres --)
    if ! runuser -u postgres -- test -x "$ROOT/bench"; then # e.g. a checkout under /root
        PG_DIR="/tmp/errand-bench-pg-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
    fi
fi
SOCK="/tmp/errand-bench-sock-$$"
mkdir -p "$PG_DIR" "$SOCK"
[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$PG_DIR" "$SOCK"
if [ ! -f "$PG_DIR/data/PG_VERSION" ] || [ "$(cat "$PG_DIR/data/PG_VERSION")" != "$(basename "$(dirname "$PGBIN")")" ]; then
    rm -rf "$PG_DIR/data"
    (cd / && "${AS_PG[@]}" "$PGBIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1) ||
        { cat "$PG_DIR/initdb.log" >&2; exit 1; }
fi
PG_PORT="$(free_port)"
PRELOAD=""
[ -f "$PGBIN/../lib/pg_stat_statements.so" ] && PRELOAD="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=none"
REDIS_STARTED=""
MARIADB_STARTED=""
cleanup() {
    set +e
    [ -n "$MARIADB_STARTED" ] && "${MARIADB_ENV[@]}" bash scripts/mariadb-test-server.sh stop >/dev/null 2>&1
    (cd / && "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1)
    [ -n "$REDIS_STARTED" ] && "${REDIS_ENV[@]}" bash scripts/redis-test-server.sh stop >/dev/null 2>&1
    rm -rf "$SOCK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Tuned for speed, not durability, like the test server: every system runs on this same server.
(cd / && "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
    -o "-p $PG_PORT -k $SOCK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 $PRELOAD" >/dev/null) ||
    { tail -n 20 "$PG_DIR/server.log" >&2; exit 1; }
log "PostgreSQL $(basename "$(dirname "$PGBIN")") on 127.0.0.1:$PG_PORT ($PG_DIR)"

# ----------------------------------------------------------------------- Redis
# A throwaway server of the bench's own (scripts/redis-test-server.sh: Debian's redis-server, installed
# as root when missing, no persistence, no config file; data under bench/.redis), for BullMQ and errand on
# BullMQ; both are skipped without it.
export BENCH_REDIS_PORT=""
REDIS_ENV=(env ERRAND_TEST_REDIS_DIR="$ROOT/bench/.redis")
if bash scripts/redis-test-server.sh install; then
    REDIS_PORT="$(free_port)"
    REDIS_ENV+=(ERRAND_TEST_REDIS_PORT="$REDIS_PORT")
    "${REDIS_ENV[@]}" bash scripts/redis-test-server.sh start >/dev/null
    REDIS_STARTED=1
    BENCH_REDIS_PORT="$REDIS_PORT"
    export BENCH_REDIS_PID="$(cat "$ROOT/bench/.redis/redis.pid")"
    export BENCH_REDIS_VERSION="$(redis-server --version 2>/dev/null | sed -E 's/.*v=([^ ]+).*/\1/')"
    log "Redis $BENCH_REDIS_VERSION on 127.0.0.1:$BENCH_REDIS_PORT"
else
    log "no redis-server: BullMQ and errand on BullMQ are skipped"
fi

# --------------------------------------------------------------------- MariaDB
# errand's MariaDB drain row: a throwaway server of the bench's own (scripts/mariadb-test-server.sh:
# Debian's mariadb-server, installed as root when missing, tuned for speed; data under bench/.mariadb).
export BENCH_MARIADB_URL=""
MARIADB_ENV=(env ERRAND_TEST_MARIADB_DIR="$ROOT/bench/.mariadb")
if bash scripts/mariadb-test-server.sh install; then
    MARIADB_PORT="$(free_port)"
    MARIADB_ENV+=(ERRAND_TEST_MARIADB_PORT="$MARIADB_PORT")
    "${MARIADB_ENV[@]}" bash scripts/mariadb-test-server.sh start >/dev/null
    MARIADB_STARTED=1
    BENCH_MARIADB_URL="mariadb://root@127.0.0.1:$MARIADB_PORT"
    log "MariaDB on 127.0.0.1:$MARIADB_PORT"
else
    log "no MariaDB server: errand's MariaDB drain is skipped"
fi

export BENCH_PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT"
export BENCH_PG_DATA="$PG_DIR/data"
node bench/bench.mjs "$@"
