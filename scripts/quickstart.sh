#!/usr/bin/env bash
# scripts/quickstart.sh: install errand and run the quick start (examples/quickstart) end to end.
#
#   bash scripts/quickstart.sh                                   # SQLite file, no server needed
#   ERRAND_URL=postgresql://postgres@127.0.0.1:5432/errand_quickstart bash scripts/quickstart.sh
#
# Steps: Node >= 22.20 on PATH (scripts/node-env.sh installs Node 24 into .tools/ when the system
# node is older), `npm ci` when node_modules is missing, `npm run build` (the example imports
# "errand", i.e. dist/), then:
#   1. errand migrate          create the table (SQLite would also migrate itself; PostgreSQL does not)
#   2. enqueue.ts              enqueue 8 tasks, one deferred 3 s ahead, ids saved to out/enqueued.json
#   3. errand worker --batch   run everything due, then exit; the deferred task (and the retry of
#                              syncInventory, due 0.5 s after its first failure) may stay READY
#   4. errand status           what is left
#   5. sleep 3, errand worker --batch again: the deferred task and the retry are due now. Two short
#      drain passes instead of one long-running worker: each pass ends by itself, and the sleep
#      covers the longest delay enqueue.ts asks for, so nothing is left waiting when results run.
#   6. results.ts              read every result back by id and print a table
#   7. errand worker --queue periodic --max-tasks 1: a long-running worker schedules the config's
#      periodic task (every 2 s), runs the first slot it enqueued, and exits (bounded by `timeout`)
#   8. errand schedules        the periodic task's next and last fire times
#
# A failing task is an expected FAILED row, not a failure of this script: it exits 0 when every
# step ran. Worker logs are pino JSON on stderr; here they go through pretty-logs.mjs to be readable.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/node-env.sh
. scripts/node-env.sh

if [ ! -d node_modules ]; then
    echo "quickstart: installing dependencies (npm ci)" >&2
    npm ci --no-audit --no-fund >&2
fi
echo "quickstart: building (npm run build)" >&2
npm run --silent build >&2

example=examples/quickstart
config="$example/errand.config.ts"
export ERRAND_LOG_LEVEL="${ERRAND_LOG_LEVEL:-info}"

errand() { node bin/errand.js "$@"; }
pretty() { node "$example/pretty-logs.mjs"; }
step() { printf '\n== %s\n' "$*"; }

url="${ERRAND_URL:-}"
case "$url" in
    "" | sqlite:*)
        # A fresh database each run: the default file, or the sqlite: file ERRAND_URL names (a
        # relative path is relative to the repository root, where this script runs).
        db="${url#sqlite:}"
        db="${db#//}"
        [ -n "$db" ] || db="$example/out/errand.sqlite3"
        if [ "$db" != ":memory:" ]; then rm -f "$db" "$db-wal" "$db-shm" "$db-journal"; fi
        echo "quickstart: database ${url:-sqlite:$db}" >&2
        ;;
    redis*)
        # Redis through BullMQ (the config picks BullMQBackend): no table to migrate.
        echo "quickstart: Redis $(printf '%s' "$url" | sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#')" >&2
        ;;
    *)
        # The url as given, password hidden. The table is kept: results.ts shows this run's tasks only.
        echo "quickstart: database $(printf '%s' "$url" | sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#')" >&2
        ;;
esac

case "$url" in
    redis*) ;;
    *)
        step "errand migrate"
        errand migrate --config "$config" 2>&1 | pretty
        ;;
esac

step "enqueue (examples/quickstart/enqueue.ts)"
node --import tsx "$example/enqueue.ts" 2>&1 | pretty

step "errand worker --batch (everything due now)"
errand worker --batch --config "$config" 2>&1 | pretty

step "errand status"
errand status --config "$config" 2>&1 | pretty

step "sleep 3 s: the deferred task becomes due"
sleep 3

step "errand worker --batch (again)"
errand worker --batch --config "$config" 2>&1 | pretty

step "results (examples/quickstart/results.ts)"
node --import tsx "$example/results.ts"

step "errand worker --queue periodic --max-tasks 1 (schedules the periodic task, runs one slot)"
timeout 60 node bin/errand.js worker --queue periodic --max-tasks 1 --config "$config" 2>&1 | pretty

step "errand schedules"
errand schedules --config "$config" 2>&1 | pretty
