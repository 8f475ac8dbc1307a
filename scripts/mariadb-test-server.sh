#!/usr/bin/env bash
# scripts/mariadb-test-server.sh: a throwaway MariaDB server for the test suite.
#
# Usage: bash scripts/mariadb-test-server.sh start|stop|url|status|install
#
#   start    mariadb-install-db (first time), start the server, create database
#            errand_test if missing, print its URL on stdout. If it is already
#            running: just print the URL. Only the URL goes to stdout; every message
#            goes to stderr.
#   stop     SIGTERM the server and wait for it (SIGKILL after 30 s); not running
#            is fine.
#   url      print the URL (mariadb://root@127.0.0.1:<port>/errand_test).
#   status   print "running ..." / "stopped" on stdout; exit 0 if running, 3 if not.
#   install  only make sure the MariaDB server binaries and the `mysql` OS user exist.
#
# Layout (all under <project root>/.mariadb-test/ unless ERRAND_TEST_MARIADB_DIR is
# set; gitignored; owned by `mysql` when run as root):
#   data/          the data directory (root has no password, over TCP from 127.0.0.1
#                  and over the socket)
#   sock/          Unix socket directory (mariadb.sock)
#   mariadbd.pid   pid file
#   port           the port the running server was started on
#   server.log     server log (the previous start's is server.log.1)
#
# Environment:
#   ERRAND_TEST_MARIADB_PORT  TCP port (default 53306); listens on 127.0.0.1 only.
#   ERRAND_TEST_MARIADB_DIR   directory for this server instead of <root>/.mariadb-test,
#                             so a test can run a server of its own (own dir + own
#                             port) next to the shared one (test/helpers/own-mariadb.ts).
#   ERRAND_APT_UPDATED=1      skip `apt-get update` before installing (caller did it).
#
# The server is tuned for speed, not durability (no binary log, no flush at commit,
# no doublewrite, small buffer pool): it holds nothing worth keeping. It reads no
# option file (--no-defaults), so the machine's own MariaDB configuration (port
# 3306, /run/mysqld) never leaks in. mariadbd refuses to run as root, so when invoked
# as root it runs as the `mysql` OS user (--user=mysql); otherwise as the current
# user. When the binaries are missing, root installs the Debian `mariadb-server`
# package without letting it start the system's own MariaDB service; other users get
# an error.

set -euo pipefail

ME="mariadb-test-server.sh"
log() { echo "$ME: $*" >&2; }
die() {
    echo "$ME: error: $*" >&2
    exit 1
}

# ---------------------------------------------------------------- configuration
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PORT="${ERRAND_TEST_MARIADB_PORT:-53306}"
# Absolute path, resolved against the caller's directory (we cd / below).
REQ_DIR="${ERRAND_TEST_MARIADB_DIR:-$ROOT/.mariadb-test}"
case "$REQ_DIR" in /*) ;; *) REQ_DIR="$PWD/$REQ_DIR" ;; esac
REQ_DIR="${REQ_DIR%/}"
DB_NAME="errand_test"
OS_USER="mysql" # the OS account running the server when we are root

if ! [[ $PORT =~ ^[0-9]+$ ]] || ((PORT < 1 || PORT > 65535)); then
    die "ERRAND_TEST_MARIADB_PORT must be a TCP port number, got '$PORT'"
fi

if [ "$(id -u)" -eq 0 ]; then IS_ROOT=1; else IS_ROOT=0; fi

# Keep the caller's client environment from redirecting our own commands.
unset MYSQL_HOST MYSQL_TCP_PORT MYSQL_UNIX_PORT MYSQL_PWD MYSQL_HISTFILE || true

# Run from a directory every user can read (the server's user included).
cd /

# ------------------------------------------------------------------ directories
# Normally $REQ_DIR. Two fallbacks, each announced on stderr:
#  - as root, if `mysql` cannot reach that directory (e.g. a clone under /root,
#    mode 700), the server lives in /tmp/errand-mariadb-test-<hash of the path>;
#  - a Unix socket path is limited to ~107 bytes; for deep checkouts the socket
#    directory moves to /tmp/errand-mariadb-sock-<hash of the path>.
resolve_dirs() {
    local hash probe
    hash="$(printf '%s' "$REQ_DIR" | cksum | cut -d' ' -f1)"
    DB_DIR="$REQ_DIR"
    if [ "$IS_ROOT" -eq 1 ] && id -u "$OS_USER" >/dev/null 2>&1; then
        probe="$DB_DIR" # nearest existing ancestor (the rest is created by mkdir -p, mode 755)
        while [ ! -e "$probe" ] && [ "$probe" != / ]; do probe="$(dirname "$probe")"; done
        if ! runuser -u "$OS_USER" -- test -x "$probe" 2>/dev/null; then
            DB_DIR="/tmp/errand-mariadb-test-$hash"
            [ "${1:-}" = quiet ] ||
                log "note: user '$OS_USER' cannot access $REQ_DIR; using $DB_DIR instead"
        fi
    fi
    DATA="$DB_DIR/data"
    SOCK_DIR="$DB_DIR/sock"
    PIDFILE="$DB_DIR/mariadbd.pid"
    PORTFILE="$DB_DIR/port"
    LOGFILE="$DB_DIR/server.log"
    if [ "${#SOCK_DIR}" -gt 90 ]; then
        SOCK_DIR="/tmp/errand-mariadb-sock-$hash"
        [ "${1:-}" = quiet ] || log "note: socket path too long; using socket directory $SOCK_DIR"
    fi
    SOCK="$SOCK_DIR/mariadb.sock"
}

# ------------------------------------------------------------------- binaries
# Sets MARIADBD, INSTALL_DB, CLIENT (mariadbd lives in /usr/sbin, often not on PATH).
find_bins() {
    MARIADBD="$(PATH="$PATH:/usr/sbin:/usr/bin" command -v mariadbd)" || return 1
    INSTALL_DB="$(PATH="$PATH:/usr/sbin:/usr/bin" command -v mariadb-install-db)" || return 1
    CLIENT="$(PATH="$PATH:/usr/sbin:/usr/bin" command -v mariadb)" || return 1
}

apt_get() {
    # Wait for a concurrent dpkg/apt run instead of failing on its lock.
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@" </dev/null >&2
}

# Install Debian packages without starting their services: a policy-rc.d that
# denies every start (exit 101) is in place during the install, then the previous
# one (if any) is put back. CI machines may or may not run their own MariaDB/Redis;
# the install must not change that.
SAVED_POLICY=""
restore_policy() {
    if [ -n "$SAVED_POLICY" ]; then
        mv -f "$SAVED_POLICY" /usr/sbin/policy-rc.d
    else
        rm -f /usr/sbin/policy-rc.d
    fi
}
apt_install_no_start() {
    exec 8>/tmp/errand-test-server-install.lock # one install (and policy swap) at a time
    flock -w 900 8 || die "timed out waiting for another install (/tmp/errand-test-server-install.lock)"
    if [ -e /usr/sbin/policy-rc.d ]; then
        SAVED_POLICY="/usr/sbin/policy-rc.d.errand-saved.$$"
        mv -f /usr/sbin/policy-rc.d "$SAVED_POLICY"
    fi
    trap restore_policy EXIT
    printf '#!/bin/sh\n# errand test-server install: start no service\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    local rc=0
    apt_get install -y --no-install-recommends "$@" || rc=$?
    restore_policy
    trap - EXIT
    exec 8>&-
    return "$rc"
}

install_mariadb() {
    if [ "$IS_ROOT" -ne 1 ]; then
        die "no MariaDB server binaries found (mariadbd, mariadb-install-db). Install them" \
            "first (e.g. 'sudo apt-get install -y mariadb-server'), or run this script as root."
    fi
    command -v apt-get >/dev/null 2>&1 ||
        die "no MariaDB server binaries found and no apt-get to install them; install MariaDB manually"
    log "MariaDB not found; installing the Debian 'mariadb-server' package ..."
    if [ "${ERRAND_APT_UPDATED:-}" != 1 ]; then
        apt_get update || die "apt-get update failed"
    fi
    apt_install_no_start mariadb-server mariadb-client || die "apt-get install mariadb-server failed"
    find_bins || die "the mariadb-server package is installed but mariadbd/mariadb-install-db/mariadb are missing"
    log "installed MariaDB: $MARIADBD"
}

ensure_os_user() {
    [ "$IS_ROOT" -eq 1 ] || return 0
    id -u "$OS_USER" >/dev/null 2>&1 && return 0
    log "creating system user '$OS_USER'"
    useradd --system --user-group --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin "$OS_USER" || die "could not create user '$OS_USER'"
}

ensure_installed() {
    find_bins || install_mariadb
    ensure_os_user
}

# ----------------------------------------------------------------- run state
# True if the process exists and is not a zombie: a server killed after its parent
# script exited is reaped by PID 1, which in some containers never reaps.
alive() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [ "${stat%% *}" != Z ]
}

# PID of our server if it is running, else fail. A stale pid file (killed container)
# can name a PID now used by an unrelated process, so require a mariadbd whose cwd
# is our data directory (the server chdirs into it).
running_pid() {
    local pid comm cwd
    [ -f "$PIDFILE" ] || return 1
    pid="$(head -n 1 "$PIDFILE" 2>/dev/null)" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    alive "$pid" || return 1
    comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || return 1
    case "$comm" in mariadbd | mysqld) ;; *) return 1 ;; esac
    if cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null)" && [ -n "$cwd" ]; then
        [ "$cwd" = "$(cd "$DATA" && pwd -P)" ] || return 1
    fi
    echo "$pid"
}

running_port() {
    local p
    p="$(cat "$PORTFILE" 2>/dev/null || true)"
    if [[ $p =~ ^[0-9]+$ ]]; then echo "$p"; else echo "$PORT"; fi
}

url_for() { echo "mariadb://root@127.0.0.1:$1/$DB_NAME"; }

clean_stale() {
    if [ -f "$PIDFILE" ]; then
        log "removing stale $PIDFILE (server not running)"
    fi
    rm -f "$PIDFILE" "$PORTFILE" "$SOCK" "$SOCK.lock" 2>/dev/null || true
}

# run_sql <sql>: as root over the Unix socket (root@localhost has no password).
run_sql() {
    "$CLIENT" --no-defaults --protocol=socket -S "$SOCK" -uroot -N -B -e "$1"
}

# The database, and root over TCP from 127.0.0.1 (the server resolves no names, so
# root@localhost matches only the socket). Idempotent: runs on every start.
ensure_database() {
    run_sql "CREATE DATABASE IF NOT EXISTS $DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
        CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
        GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;" >&2 ||
        die "cannot set up database $DB_NAME (socket $SOCK); see $LOGFILE"
}

# ----------------------------------------------------------------- commands
# Serialize start/stop of the same server (e.g. two test runs at once).
take_lock() {
    mkdir -p "$DB_DIR"
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$DB_DIR/.lock"
        flock -w 300 9 || die "timed out waiting for another $ME run ($DB_DIR/.lock)"
    fi
}

cmd_start() {
    resolve_dirs
    ensure_installed
    resolve_dirs quiet # the mysql user may just have been created
    take_lock

    local pid
    if pid="$(running_pid)"; then
        local rport
        rport="$(running_port)"
        log "already running (pid $pid, port $rport, data $DATA)"
        [ "$rport" = "$PORT" ] || log "warning: running on port $rport, not ERRAND_TEST_MARIADB_PORT=$PORT"
        ensure_database
        url_for "$rport"
        return 0
    fi
    clean_stale

    local as_user=()
    [ "$IS_ROOT" -eq 1 ] && as_user=(--user="$OS_USER")
    # An interrupted mariadb-install-db leaves a data directory without the system
    # tables: it only ever holds test data, so recreate it.
    if [ -d "$DATA" ] && [ ! -d "$DATA/mysql" ]; then
        log "removing incomplete data directory $DATA"
        rm -rf "$DATA"
    fi
    mkdir -p "$DB_DIR" "$SOCK_DIR"
    # Everything the server writes (data, socket, pid, log) must belong to its OS user.
    if [ "$IS_ROOT" -eq 1 ]; then chown -R "$OS_USER:$OS_USER" "$DB_DIR" "$SOCK_DIR"; fi

    if [ ! -d "$DATA" ]; then
        log "mariadb-install-db $DATA"
        if ! "$INSTALL_DB" --no-defaults --datadir="$DATA" "${as_user[@]}" \
            --auth-root-authentication-method=normal --skip-test-db \
            >"$DB_DIR/install-db.log" 2>&1 9>&-; then
            cat "$DB_DIR/install-db.log" >&2
            rm -rf "$DATA"
            die "mariadb-install-db failed"
        fi
        rm -f "$DB_DIR/install-db.log"
    fi

    # Fresh log per start, so the tail shown on failure is about this attempt.
    if [ -f "$LOGFILE" ]; then mv -f "$LOGFILE" "$LOGFILE.1"; fi
    log "starting MariaDB on 127.0.0.1:$PORT (data $DATA)"
    echo "$PORT" >"$PORTFILE"
    # setsid + nohup: the server outlives this script and its terminal; fd 9 (our
    # lock) is closed so the server does not hold it.
    setsid nohup "$MARIADBD" --no-defaults "${as_user[@]}" --datadir="$DATA" \
        --port="$PORT" --bind-address=127.0.0.1 --socket="$SOCK" \
        --pid-file="$PIDFILE" --log-error="$LOGFILE" --skip-name-resolve \
        --skip-log-bin --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
        --innodb-buffer-pool-size=128M --max-connections=300 \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
        </dev/null >"$DB_DIR/nohup.out" 2>&1 9>&- &
    local spawned=$! i
    for ((i = 0; i < 600; i++)); do
        if run_sql "SELECT 1" >/dev/null 2>&1 && running_pid >/dev/null; then break; fi
        if ! alive "$spawned"; then i=600; break; fi
        sleep 0.1
    done
    if ((i >= 600)); then
        log "server log ($LOGFILE), last lines:"
        tail -n 25 "$LOGFILE" "$DB_DIR/nohup.out" >&2 2>/dev/null || true
        kill -KILL "$spawned" 2>/dev/null || true
        die "could not start MariaDB (port $PORT in use? set ERRAND_TEST_MARIADB_PORT to another port)"
    fi

    ensure_database
    url_for "$PORT"
}

cmd_stop() {
    resolve_dirs quiet
    [ -d "$DB_DIR" ] || {
        log "not running (no $DB_DIR)"
        return 0
    }
    take_lock
    local pid i
    if ! pid="$(running_pid)"; then
        log "not running"
        clean_stale
        return 0
    fi
    log "stopping (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        log "still running after 30 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
        ! alive "$pid" || die "could not stop MariaDB (pid $pid)"
    fi
    clean_stale 2>/dev/null
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
        log "MariaDB server: $MARIADBD"
        ;;
    *)
        echo "usage: $ME start|stop|url|status|install" >&2
        exit 2
        ;;
esac
