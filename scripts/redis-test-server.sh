#!/usr/bin/env bash
# scripts/redis-test-server.sh: a throwaway Redis server for the test suite.
#
# Usage: bash scripts/redis-test-server.sh start|stop|url|status|install
#
#   start    start the server, print its URL on stdout. If it is already running:
#            just print the URL. Only the URL goes to stdout; every message goes to
#            stderr.
#   stop     SIGTERM the server and wait for it (SIGKILL after 30 s); not running
#            is fine.
#   url      print the URL (redis://127.0.0.1:<port>).
#   status   print "running ..." / "stopped" on stdout; exit 0 if running, 3 if not.
#   install  only make sure redis-server and redis-cli exist.
#
# Layout (all under <project root>/.redis-test/ unless ERRAND_TEST_REDIS_DIR is set;
# gitignored):
#   redis.pid    pid file
#   nohup.out    anything the server prints before its log file is open
#   port         the port the running server was started on
#   server.log   server log (the previous start's is server.log.1)
#
# Environment:
#   ERRAND_TEST_REDIS_PORT  TCP port (default 56379); listens on 127.0.0.1 only.
#   ERRAND_TEST_REDIS_DIR   directory for this server instead of <root>/.redis-test,
#                           so a test can run a server of its own (own dir + own port)
#                           next to the shared one (see test/helpers/own-redis.ts).
#   ERRAND_APT_UPDATED=1    skip `apt-get update` before installing (caller did it).
#
# The server keeps nothing on disk (no RDB snapshots, no AOF) and reads no config
# file, so the machine's own Redis configuration (port 6379) never leaks in. It runs
# as the invoking user. When redis-server is missing, root installs the Debian
# `redis-server` package without letting it start the system's own Redis service;
# other users get an error.

set -euo pipefail

ME="redis-test-server.sh"
log() { echo "$ME: $*" >&2; }
die() {
    echo "$ME: error: $*" >&2
    exit 1
}

# ---------------------------------------------------------------- configuration
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PORT="${ERRAND_TEST_REDIS_PORT:-56379}"
# Absolute path, resolved against the caller's directory (we cd / below).
REDIS_DIR="${ERRAND_TEST_REDIS_DIR:-$ROOT/.redis-test}"
case "$REDIS_DIR" in /*) ;; *) REDIS_DIR="$PWD/$REDIS_DIR" ;; esac
REDIS_DIR="${REDIS_DIR%/}"
PIDFILE="$REDIS_DIR/redis.pid"
PORTFILE="$REDIS_DIR/port"
LOGFILE="$REDIS_DIR/server.log"

if ! [[ $PORT =~ ^[0-9]+$ ]] || ((PORT < 1 || PORT > 65535)); then
    die "ERRAND_TEST_REDIS_PORT must be a TCP port number, got '$PORT'"
fi
case "$REDIS_DIR" in *[[:space:]\"\']*) die "ERRAND_TEST_REDIS_DIR must not contain spaces or quotes: $REDIS_DIR" ;; esac

if [ "$(id -u)" -eq 0 ]; then IS_ROOT=1; else IS_ROOT=0; fi
unset REDISCLI_AUTH || true
cd /

# ------------------------------------------------------------------- binaries
# Sets SERVER and CLI.
find_bins() {
    SERVER="$(PATH="$PATH:/usr/sbin:/usr/bin" command -v redis-server)" || return 1
    CLI="$(PATH="$PATH:/usr/sbin:/usr/bin" command -v redis-cli)" || return 1
}

apt_get() {
    # Wait for a concurrent dpkg/apt run instead of failing on its lock.
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@" </dev/null >&2
}

# Install Debian packages without starting their services: a policy-rc.d that
# denies every start (exit 101) is in place during the install, then the previous
# one (if any) is put back. CI machines may or may not run their own Redis; the
# install must not change that.
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

ensure_installed() {
    find_bins && return 0
    if [ "$IS_ROOT" -ne 1 ]; then
        die "redis-server/redis-cli not found. Install them first (e.g." \
            "'sudo apt-get install -y redis-server'), or run this script as root."
    fi
    command -v apt-get >/dev/null 2>&1 ||
        die "redis-server not found and no apt-get to install it; install Redis manually"
    log "Redis not found; installing the Debian 'redis-server' package ..."
    if [ "${ERRAND_APT_UPDATED:-}" != 1 ]; then
        apt_get update || die "apt-get update failed"
    fi
    apt_install_no_start redis-server redis-tools || die "apt-get install redis-server failed"
    find_bins || die "the redis-server package is installed but redis-server/redis-cli are missing"
    log "installed Redis: $SERVER"
}

# ----------------------------------------------------------------- run state
# True if the process exists and is not a zombie: a server killed after its parent
# exited is reaped by PID 1, which in some containers never reaps.
alive() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [ "${stat%% *}" != Z ]
}

# PID of our server if it is running, else fail. A stale pid file (killed container)
# can name a PID now used by an unrelated process, so require a redis-server whose
# cwd is our directory (--dir chdirs into it).
running_pid() {
    local pid comm cwd
    [ -f "$PIDFILE" ] || return 1
    pid="$(head -n 1 "$PIDFILE" 2>/dev/null)" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    alive "$pid" || return 1
    comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || return 1
    case "$comm" in redis-server*) ;; *) return 1 ;; esac
    if cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null)" && [ -n "$cwd" ]; then
        [ "$cwd" = "$(cd "$REDIS_DIR" && pwd -P)" ] || return 1
    fi
    echo "$pid"
}

running_port() {
    local p
    p="$(cat "$PORTFILE" 2>/dev/null || true)"
    if [[ $p =~ ^[0-9]+$ ]]; then echo "$p"; else echo "$PORT"; fi
}

url_for() { echo "redis://127.0.0.1:$1"; }

clean_stale() {
    if [ -f "$PIDFILE" ]; then log "removing stale $PIDFILE (server not running)"; fi
    rm -f "$PIDFILE" "$PORTFILE" 2>/dev/null || true
}

ping() { [ "$("$CLI" -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]; }

# ----------------------------------------------------------------- commands
# Serialize start/stop of the same server (e.g. two test runs at once).
take_lock() {
    mkdir -p "$REDIS_DIR"
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$REDIS_DIR/.lock"
        flock -w 300 9 || die "timed out waiting for another $ME run ($REDIS_DIR/.lock)"
    fi
}

cmd_start() {
    ensure_installed
    take_lock

    local pid
    if pid="$(running_pid)"; then
        local rport
        rport="$(running_port)"
        log "already running (pid $pid, port $rport, dir $REDIS_DIR)"
        [ "$rport" = "$PORT" ] || log "warning: running on port $rport, not ERRAND_TEST_REDIS_PORT=$PORT"
        url_for "$rport"
        return 0
    fi
    clean_stale

    # Fresh log per start, so the tail shown on failure is about this attempt.
    if [ -f "$LOGFILE" ]; then mv -f "$LOGFILE" "$LOGFILE.1"; fi
    log "starting Redis on 127.0.0.1:$PORT (dir $REDIS_DIR)"
    echo "$PORT" >"$PORTFILE"
    # setsid + nohup rather than --daemonize: the server outlives this script, and
    # $! is the server itself, so a failed start (port in use) is seen at once
    # instead of after the whole wait (the daemon writes its pid file only once it
    # listens). fd 9 (our lock) is closed so the server does not hold it.
    setsid nohup "$SERVER" --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize no --pidfile "$PIDFILE" --logfile "$LOGFILE" --dir "$REDIS_DIR" \
        </dev/null >"$REDIS_DIR/nohup.out" 2>&1 9>&- &
    local spawned=$! i
    for ((i = 0; i < 600; i++)); do
        if ping "$PORT" && running_pid >/dev/null; then break; fi
        if ! alive "$spawned"; then i=600; break; fi
        sleep 0.1
    done
    if ((i >= 600)); then
        log "server log ($LOGFILE), last lines:"
        tail -n 25 "$LOGFILE" "$REDIS_DIR/nohup.out" >&2 2>/dev/null || true
        kill -KILL "$spawned" 2>/dev/null || true
        die "could not start Redis (port $PORT in use? set ERRAND_TEST_REDIS_PORT to another port)"
    fi
    url_for "$PORT"
}

cmd_stop() {
    [ -d "$REDIS_DIR" ] || {
        log "not running (no $REDIS_DIR)"
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
        ! alive "$pid" || die "could not stop Redis (pid $pid)"
    fi
    clean_stale 2>/dev/null
}

cmd_url() {
    local port="$PORT"
    if running_pid >/dev/null; then port="$(running_port)"; fi
    url_for "$port"
}

cmd_status() {
    local pid
    if pid="$(running_pid)"; then
        echo "running: pid $pid, $(url_for "$(running_port)"), dir $REDIS_DIR"
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
        ensure_installed
        log "Redis server: $SERVER"
        ;;
    *)
        echo "usage: $ME start|stop|url|status|install" >&2
        exit 2
        ;;
esac
