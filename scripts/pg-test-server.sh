#!/usr/bin/env bash
# scripts/pg-test-server.sh: a throwaway PostgreSQL server for the test suite.
#
# Usage: bash scripts/pg-test-server.sh start|stop|url|status|install
#
#   start    initdb (first time), start the server, create database errand_test if
#            missing, print its URL on stdout. If it is already running: just print
#            the URL. Only the URL goes to stdout; every message goes to stderr.
#   stop     fast shutdown if running (not running is fine).
#   url      print the URL (postgresql://postgres@127.0.0.1:<port>/errand_test).
#   status   print "running ..." / "stopped" on stdout; exit 0 if running, 3 if not.
#   install  only make sure PostgreSQL binaries and the `postgres` OS user exist.
#
# Layout (all under <project root>/.pg-test/ unless ERRAND_TEST_PG_DIR is set;
# gitignored; owned by `postgres` when run as root):
#   data/        the cluster (trust auth, superuser `postgres`, UTF8)
#   sock/        Unix socket directory
#   server.log   server log
#
# Environment:
#   ERRAND_TEST_PG_PORT   TCP port (default 55432); listens on 127.0.0.1 only.
#   ERRAND_TEST_PG_DIR    directory for this server instead of <root>/.pg-test, so a
#                         test can run a server of its own (own dir + own port) next
#                         to the shared one (see test/helpers/own-postgres.ts).
#   ERRAND_APT_UPDATED=1  skip `apt-get update` before installing (caller did it).
#
# The server is tuned for speed, not durability (fsync/synchronous_commit/
# full_page_writes off): it holds nothing worth keeping. PostgreSQL refuses to run
# as root, so when invoked as root the server runs as the `postgres` OS user (via
# runuser); otherwise it runs as the current user. When no PostgreSQL binaries are
# installed (/usr/lib/postgresql/*/bin), root installs the Debian `postgresql`
# package; other users get an error.

set -euo pipefail

ME="pg-test-server.sh"
log() { echo "$ME: $*" >&2; }
die() {
    echo "$ME: error: $*" >&2
    exit 1
}

# ---------------------------------------------------------------- configuration
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PORT="${ERRAND_TEST_PG_PORT:-55432}"
# Absolute path, resolved against the caller's directory (we cd / below).
REQ_DIR="${ERRAND_TEST_PG_DIR:-$ROOT/.pg-test}"
case "$REQ_DIR" in /*) ;; *) REQ_DIR="$PWD/$REQ_DIR" ;; esac
REQ_DIR="${REQ_DIR%/}"
DB_NAME="errand_test"
DB_SUPERUSER="postgres" # the cluster's superuser name (initdb -U)
PG_OS_USER="postgres"   # the OS account running the server when we are root

if ! [[ $PORT =~ ^[0-9]+$ ]] || ((PORT < 1 || PORT > 65535)); then
    die "ERRAND_TEST_PG_PORT must be a TCP port number, got '$PORT'"
fi

if [ "$(id -u)" -eq 0 ]; then IS_ROOT=1; else IS_ROOT=0; fi

# Keep the caller's libpq/pg_ctl environment from redirecting our own commands
# (we always pass host, port, user and database explicitly).
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE PGSERVICE \
    PGSERVICEFILE PGSSLMODE PGOPTIONS PGDATA PGTZ PGCLIENTENCODING || true

# Run from a directory every user can read: tools run as `postgres` warn or fail
# when they cannot access the current directory.
cd /

# Run a command as the server's OS user. fd 9 (our lock, see take_lock) is closed
# for it: the postmaster started by pg_ctl must not inherit and hold the lock.
as_pg() {
    if [ "$IS_ROOT" -eq 1 ]; then
        runuser -u "$PG_OS_USER" -- "$@" 9>&-
    else
        "$@" 9>&-
    fi
}

# ------------------------------------------------------------------ directories
# Normally $REQ_DIR (<root>/.pg-test). Two fallbacks, each announced on stderr:
#  - as root, if `postgres` cannot reach that directory (e.g. a clone under /root,
#    mode 700), the cluster lives in /tmp/errand-pg-test-<hash of the path> instead;
#  - a Unix socket path is limited to ~107 bytes; for deep checkouts the socket
#    directory moves to /tmp/errand-pg-sock-<hash of the path>.
resolve_dirs() {
    local hash probe
    hash="$(printf '%s' "$REQ_DIR" | cksum | cut -d' ' -f1)"
    PG_DIR="$REQ_DIR"
    if [ "$IS_ROOT" -eq 1 ] && id -u "$PG_OS_USER" >/dev/null 2>&1; then
        # Nearest existing ancestor (the rest is created by mkdir -p, mode 755).
        probe="$PG_DIR"
        while [ ! -e "$probe" ] && [ "$probe" != / ]; do probe="$(dirname "$probe")"; done
        if ! runuser -u "$PG_OS_USER" -- test -x "$probe" 2>/dev/null; then
            PG_DIR="/tmp/errand-pg-test-$hash"
            [ "${1:-}" = quiet ] ||
                log "note: user '$PG_OS_USER' cannot access $REQ_DIR; using $PG_DIR instead"
        fi
    fi
    DATA="$PG_DIR/data"
    SOCK="$PG_DIR/sock"
    LOGFILE="$PG_DIR/server.log"
    if [ "${#SOCK}" -gt 90 ]; then
        SOCK="/tmp/errand-pg-sock-$hash"
        [ "${1:-}" = quiet ] || log "note: socket path too long; using socket directory $SOCK"
    fi
    case "$PG_DIR$SOCK" in *"'"* | *'"'*) die "paths containing quotes are not supported: $PG_DIR" ;; esac
}

# ------------------------------------------------------------------- binaries
# Sets PGBIN. Prefers the major version the existing cluster was created with.
find_pgbin() {
    PGBIN=""
    if [ -f "${DATA:-/nonexistent}/PG_VERSION" ]; then
        local v
        v="$(cat "$DATA/PG_VERSION")"
        if [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ]; then
            PGBIN="/usr/lib/postgresql/$v/bin"
            return 0
        fi
    fi
    local d
    # Newest installed major version that has the server tools.
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            PGBIN="$d"
            return 0
        fi
    done
    return 1
}

apt_get() {
    # Wait for a concurrent dpkg/apt run instead of failing on its lock.
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@" </dev/null >&2
}

install_postgresql() {
    if [ "$IS_ROOT" -ne 1 ]; then
        die "no PostgreSQL server binaries found (/usr/lib/postgresql/*/bin). Install them" \
            "first (e.g. 'sudo apt-get install -y postgresql'), or run this script as root."
    fi
    command -v apt-get >/dev/null 2>&1 ||
        die "no PostgreSQL server binaries found and no apt-get to install them; install PostgreSQL manually"
    log "PostgreSQL not found; installing the Debian 'postgresql' package ..."
    if [ "${ERRAND_APT_UPDATED:-}" != 1 ]; then
        apt_get update || die "apt-get update failed"
    fi
    # Install postgresql-common first and tell it not to create (and start) the
    # default cluster on port 5432: we only want the binaries. Same approach as the
    # official postgres Docker image. Harmless if the file or setting is missing.
    apt_get install -y postgresql-common || die "apt-get install postgresql-common failed"
    if [ -f /etc/postgresql-common/createcluster.conf ]; then
        sed -ri 's/^#?[[:space:]]*(create_main_cluster)[[:space:]]*=.*$/\1 = false/' \
            /etc/postgresql-common/createcluster.conf || true
    fi
    apt_get install -y postgresql || die "apt-get install postgresql failed"
    find_pgbin || die "the postgresql package is installed but no /usr/lib/postgresql/*/bin with initdb/pg_ctl exists"
    log "installed PostgreSQL server binaries in $PGBIN"
}

ensure_pg_os_user() {
    [ "$IS_ROOT" -eq 1 ] || return 0
    id -u "$PG_OS_USER" >/dev/null 2>&1 && return 0
    log "creating system user '$PG_OS_USER'"
    useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
        --shell /bin/bash "$PG_OS_USER" || die "could not create user '$PG_OS_USER'"
}

ensure_installed() {
    find_pgbin || install_postgresql
    ensure_pg_os_user
}

# ----------------------------------------------------------------- run state
# PID of our postmaster if it is running, else fail. Stricter than `pg_ctl status`
# (which trusts any live PID): after a container restart, a stale postmaster.pid can
# name a PID now used by an unrelated process. The postmaster chdirs into its data
# directory, so require a postgres process whose cwd is our data directory.
running_pid() {
    local pidfile="$DATA/postmaster.pid" pid comm cwd
    [ -f "$pidfile" ] || return 1
    pid="$(head -n 1 "$pidfile" 2>/dev/null)" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [ -d "/proc/$pid" ] || return 1
    comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || return 1
    case "$comm" in postgres | postmaster) ;; *) return 1 ;; esac
    if cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null)" && [ -n "$cwd" ]; then
        [ "$cwd" = "$(cd "$DATA" && pwd -P)" ] || return 1
    fi
    echo "$pid"
}

# Port the running server listens on (line 4 of postmaster.pid), else $PORT.
running_port() {
    local p
    p="$(sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true)"
    if [[ $p =~ ^[0-9]+$ ]]; then echo "$p"; else echo "$PORT"; fi
}

url_for() { echo "postgresql://$DB_SUPERUSER@127.0.0.1:$1/$DB_NAME"; }

# Remove leftovers of a server that is not running (crash, killed container).
clean_stale() {
    local oldport
    oldport="$(running_port)" # the port the dead server used, if it left a pid file
    if [ "$oldport" != "$PORT" ]; then
        rm -f "$SOCK/.s.PGSQL.$oldport" "$SOCK/.s.PGSQL.$oldport.lock" 2>/dev/null || true
    fi
    if [ -f "$DATA/postmaster.pid" ]; then
        log "removing stale $DATA/postmaster.pid (server not running)"
        rm -f "$DATA/postmaster.pid"
    fi
    # Stale socket/lock files of our port (the /tmp fallback socket directory is
    # per data directory, but leave other ports' files alone anyway).
    rm -f "$SOCK/.s.PGSQL.$PORT" "$SOCK/.s.PGSQL.$PORT.lock" 2>/dev/null || true
}

# --------------------------------------------------------------------- psql
# run_psql <port> <database> <sql>: one statement via the Unix socket, unaligned
# tuples-only output. Trust auth, so root may connect as the `postgres` role too.
run_psql() {
    "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 \
        -h "$SOCK" -p "$1" -U "$DB_SUPERUSER" -d "$2" -c "$3"
}

ensure_database() {
    local port="$1" exists
    exists="$(run_psql "$port" postgres "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ||
        die "cannot connect to the test server (socket $SOCK, port $port); see $LOGFILE"
    if [ "$exists" != 1 ]; then
        log "creating database $DB_NAME"
        if ! run_psql "$port" postgres "CREATE DATABASE $DB_NAME" >&2; then
            # A concurrent `start` may have created it meanwhile.
            exists="$(run_psql "$port" postgres "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" || true
            [ "$exists" = 1 ] || die "could not create database $DB_NAME"
        fi
    fi
}

# ----------------------------------------------------------------- commands
# Serialize start/stop of the same cluster (e.g. two test runs at once).
take_lock() {
    mkdir -p "$PG_DIR"
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$PG_DIR/.lock"
        flock -w 300 9 || die "timed out waiting for another $ME run ($PG_DIR/.lock)"
    fi
}

cmd_start() {
    resolve_dirs
    ensure_installed
    resolve_dirs quiet # the postgres user may just have been created
    take_lock

    local pid
    if pid="$(running_pid)"; then
        local rport
        rport="$(running_port)"
        log "already running (pid $pid, port $rport, data $DATA)"
        [ "$rport" = "$PORT" ] || log "warning: running on port $rport, not ERRAND_TEST_PG_PORT=$PORT"
        ensure_database "$rport"
        url_for "$rport"
        return 0
    fi
    clean_stale

    mkdir -p "$PG_DIR" "$SOCK"
    # Everything the server writes (data, socket, log) must belong to its OS user.
    if [ "$IS_ROOT" -eq 1 ]; then
        chown -R "$PG_OS_USER:$PG_OS_USER" "$PG_DIR" "$SOCK"
    fi

    find_pgbin || die "no PostgreSQL binaries found"
    local major
    major="$(basename "$(dirname "$PGBIN")")"

    # A data directory from an interrupted initdb, or from another major version,
    # is useless: it only ever holds test data, so recreate it.
    if [ -d "$DATA" ] && [ ! -f "$DATA/PG_VERSION" ]; then
        log "removing incomplete data directory $DATA"
        rm -rf "$DATA"
    elif [ -f "$DATA/PG_VERSION" ] && [ "$(cat "$DATA/PG_VERSION")" != "$major" ]; then
        log "data directory is for PostgreSQL $(cat "$DATA/PG_VERSION"), binaries are $major: recreating it"
        rm -rf "$DATA"
    fi

    if [ ! -d "$DATA" ]; then
        log "initdb $DATA (PostgreSQL $major)"
        # --locale=C: do not depend on the machine's generated locales.
        if ! as_pg "$PGBIN/initdb" -D "$DATA" -U "$DB_SUPERUSER" --auth=trust -E UTF8 \
            --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1; then
            cat "$PG_DIR/initdb.log" >&2
            rm -rf "$DATA"
            die "initdb failed"
        fi
        rm -f "$PG_DIR/initdb.log"
    fi

    # Fresh log per start (the previous one is kept as server.log.1), so the tail
    # shown on failure is about this attempt.
    if [ -f "$LOGFILE" ]; then mv -f "$LOGFILE" "$LOGFILE.1"; fi
    log "starting PostgreSQL $major on 127.0.0.1:$PORT (data $DATA)"
    local opts="-p $PORT -k '$SOCK' -c listen_addresses=127.0.0.1"
    opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    if ! as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 -o "$opts" start >&2; then
        log "server log ($LOGFILE), last lines:"
        tail -n 25 "$LOGFILE" >&2 || true
        die "could not start PostgreSQL (port $PORT in use? set ERRAND_TEST_PG_PORT to another port)"
    fi

    ensure_database "$PORT"
    url_for "$PORT"
}

cmd_stop() {
    resolve_dirs quiet
    [ -d "$PG_DIR" ] || {
        log "not running (no $PG_DIR)"
        return 0
    }
    take_lock
    local pid
    if ! pid="$(running_pid)"; then
        log "not running"
        clean_stale
        return 0
    fi
    find_pgbin || die "server is running (pid $pid) but no PostgreSQL binaries were found to stop it"
    log "stopping (pid $pid)"
    if ! as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >&2; then
        # Last resort: immediate shutdown, so nothing lingers after the tests.
        log "fast shutdown failed; trying immediate shutdown"
        as_pg "$PGBIN/pg_ctl" -D "$DATA" -m immediate -w -t 30 stop >&2 ||
            die "could not stop PostgreSQL (pid $pid)"
    fi
}

cmd_url() {
    resolve_dirs quiet
    local port="$PORT"
    if running_pid >/dev/null; then port="$(running_port)"; fi
    url_for "$port"
}

cmd_status() {
    resolve_dirs quiet
    local pid
    if pid="$(running_pid)"; then
        echo "running: pid $pid, $(url_for "$(running_port)"), data $DATA"
        return 0
    fi
    echo "stopped"
    return 3
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    url) cmd_url ;;
    status) cmd_status ;;
    install)
        resolve_dirs quiet
        ensure_installed
        log "PostgreSQL binaries: $PGBIN"
        ;;
    *)
        echo "usage: $ME start|stop|url|status|install" >&2
        exit 2
        ;;
esac
