#!/usr/bin/env bash
# scripts/test.sh: THE test command of this project.
#
#   bash scripts/test.sh                          # typecheck + the whole suite
#   bash scripts/test.sh test/core/foo.test.ts    # typecheck + selected files
#   bash scripts/test.sh --match 'claims*'        # any ava arguments pass through
#
# Steps:
#   1. put a suitable Node first on PATH (scripts/node-env.sh; installs Node 24
#      into .tools/ if the system node is too old);
#   2. `npm ci` if node_modules is missing;
#   3. unless ERRAND_TEST_PG_URL is already set, start the throwaway PostgreSQL
#      (scripts/pg-test-server.sh) and export its URL as ERRAND_TEST_PG_URL. If this
#      run started it, it is stopped again on exit (success, failure or Ctrl-C); a
#      server that was already running is left running;
#   3b. likewise the throwaway MariaDB (scripts/mariadb-test-server.sh) as ERRAND_TEST_MARIADB_URL;
#   4. `npm run typecheck`, then `npm run build` (the CLI tests run the built `errand` binary);
#   5. `npx ava "$@"`; the exit status is ava's.
#
# Works from any directory: file arguments relative to the caller's directory are
# rewritten relative to the project root, where ava runs.

set -euo pipefail

ME="test.sh"
log() { echo "$ME: $*" >&2; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PG_SCRIPT="$ROOT/scripts/pg-test-server.sh"
MARIADB_SCRIPT="$ROOT/scripts/mariadb-test-server.sh"
CALLER_DIR="$(pwd -P)"

# --- ava arguments: make caller-relative paths root-relative ---------------------
args=()
for a in "$@"; do
    if [ "$CALLER_DIR" != "$ROOT" ] && [[ $a != -* && $a != /* ]]; then
        path="$a" suffix=""
        # ava accepts `file.ts:12` / `file.ts:3-5` to select tests by line.
        if [ ! -e "$path" ] && [[ $a =~ ^(.+)(:[0-9][0-9,-]*)$ ]]; then
            path="${BASH_REMATCH[1]}" suffix="${BASH_REMATCH[2]}"
        fi
        if [ -e "$path" ]; then
            a="$(realpath --relative-to="$ROOT" "$path")$suffix"
        fi
    fi
    args+=("$a")
done

cd "$ROOT"

# --- Node ------------------------------------------------------------------------
# shellcheck source=scripts/node-env.sh
. "$ROOT/scripts/node-env.sh"

# --- dependencies ----------------------------------------------------------------
if [ ! -d node_modules ]; then
    log "node_modules missing: npm ci"
    npm ci --no-audit --no-fund
fi

# --- PostgreSQL --------------------------------------------------------------------
STARTED_PG=0
STARTED_MARIADB=0
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [ "$STARTED_MARIADB" -eq 1 ]; then
        log "stopping the throwaway MariaDB started by this run"
        bash "$MARIADB_SCRIPT" stop || log "warning: could not stop the test MariaDB"
    fi
    if [ "$STARTED_PG" -eq 1 ]; then
        log "stopping the throwaway PostgreSQL started by this run"
        bash "$PG_SCRIPT" stop || log "warning: could not stop the test PostgreSQL"
    fi
    exit "$rc"
}
trap cleanup EXIT
# On a signal, exit with the conventional status; the EXIT trap then cleans up.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${ERRAND_TEST_PG_URL:-}" ]; then
    log "using ERRAND_TEST_PG_URL from the environment"
else
    if bash "$PG_SCRIPT" status >/dev/null 2>&1; then
        log "throwaway PostgreSQL already running; leaving it running afterwards"
    else
        # Set before starting: a half-started server is stopped on exit too.
        STARTED_PG=1
    fi
    ERRAND_TEST_PG_URL="$(bash "$PG_SCRIPT" start)"
    export ERRAND_TEST_PG_URL
    log "ERRAND_TEST_PG_URL=$ERRAND_TEST_PG_URL"
fi

# --- MariaDB (both mysql:// and mariadb:// tests run against it) ------------------------
if [ -n "${ERRAND_TEST_MARIADB_URL:-}" ]; then
    log "using ERRAND_TEST_MARIADB_URL from the environment"
else
    if bash "$MARIADB_SCRIPT" status >/dev/null 2>&1; then
        log "throwaway MariaDB already running; leaving it running afterwards"
    else
        STARTED_MARIADB=1
    fi
    ERRAND_TEST_MARIADB_URL="$(bash "$MARIADB_SCRIPT" start)"
    export ERRAND_TEST_MARIADB_URL
    log "ERRAND_TEST_MARIADB_URL=$ERRAND_TEST_MARIADB_URL"
fi

# --- typecheck, then the tests -------------------------------------------------------
log "npm run typecheck"
npm run typecheck
log "npm run build"
npm run build

log "npx ava ${args[*]:-}"
set +e
npx --no-install ava "${args[@]}"
rc=$?
set -e
exit "$rc"
