#!/usr/bin/env bash
# scripts/install-test.sh: install errand the way the README says, into an empty project, and run the
# README's getting-started app on SQLite.
#
#   bash scripts/install-test.sh              # called by .ci/run
#   ERRAND_INSTALL_TEST_KEEP=1 bash scripts/install-test.sh   # keep the temporary project, print its path
#
# Steps:
#   1. npm run build, npm pack: errand-<version>.tgz in a temporary directory;
#   2. an empty project there ({"type": "module"}), then the README's install line, taken from the README
#      itself (`npm install errand @mikro-orm/sqlite`), with the tarball's path standing in for `errand`:
#      npm's default resolution, no --legacy-peer-deps, no --force, no pinned versions;
#   3. errand.config.ts and app.ts, copied from the README's "Getting started" code blocks;
#   4. npx tsx app.ts enqueue → an id; npx errand worker --batch; npx tsx app.ts result <id> must print
#      `SUCCESSFUL hello, world`.
# Exits non-zero, naming the step, when any of this fails.
set -euo pipefail

ME="install-test.sh"
log() { echo "$ME: $*" >&2; }
fail() {
    log "FAILED: $*"
    exit 1
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
# shellcheck source=scripts/node-env.sh
. scripts/node-env.sh

WORK="$(mktemp -d "${TMPDIR:-/tmp}/errand-install-test.XXXXXX")"
cleanup() {
    if [ -n "${ERRAND_INSTALL_TEST_KEEP:-}" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# --- 1. pack ---------------------------------------------------------------------------
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund >&2; fi
log "npm run build && npm pack"
npm run --silent build >&2
tarball="$WORK/$(npm pack --silent --pack-destination "$WORK" | tail -1)"
[ -f "$tarball" ] || fail "npm pack did not produce $tarball"

# --- 2. the README's install line --------------------------------------------------------
readme_line="npm install errand @mikro-orm/sqlite"
grep -q "^$readme_line " README.md || fail "the README no longer has the line '$readme_line'"
app="$WORK/app"
mkdir "$app"
printf '{ "name": "errand-install-test", "private": true, "type": "module" }\n' >"$app/package.json"
log "in an empty project: ${readme_line/errand/$tarball}"
(cd "$app" && npm install --no-audit --no-fund "$tarball" @mikro-orm/sqlite) >"$WORK/npm-install.log" 2>&1 || {
    cat "$WORK/npm-install.log" >&2
    fail "the README's install line"
}
cat "$WORK/npm-install.log" >&2
# Exact peer pins make npm override them with a warning (and pick an older driver) instead of failing.
if grep -q ERESOLVE "$WORK/npm-install.log"; then fail "npm reported a peer dependency conflict (ERESOLVE)"; fi
(cd "$app" && npm ls --all @mikro-orm/core @mikro-orm/sqlite kysely) >&2 || fail "npm ls: an unmet or invalid dependency"
# errand's ranges must accept the newest driver: npm's default resolution installs it.
newest="$(npm view @mikro-orm/sqlite version)"
installed="$(cd "$app" && node -p 'require("@mikro-orm/sqlite/package.json").version')"
[ "$installed" = "$newest" ] || fail "installed @mikro-orm/sqlite@$installed, but the newest is $newest"
log "@mikro-orm/sqlite@$installed (the newest) resolved with errand's peer ranges"

# --- 3. the README's getting-started files ----------------------------------------------
# The ```ts block that follows the marker line `<!-- getting-started:<file> -->`.
extract() {
    awk -v marker="<!-- getting-started:$1 -->" '
        $0 == marker { found = 1; next }
        found == 1 && /^```/ { found = 2; next }
        found == 2 && /^```/ { exit }
        found == 2 { print }
    ' README.md
}
for file in errand.config.ts app.ts; do
    extract "$file" >"$app/$file"
    [ -s "$app/$file" ] || fail "README: no code block after <!-- getting-started:$file -->"
done

# --- 4. enqueue, worker, result -----------------------------------------------------------
cd "$app"
export ERRAND_LOG_LEVEL="${ERRAND_LOG_LEVEL:-warn}"
log "npx tsx app.ts enqueue"
id="$(npx --no-install tsx app.ts enqueue)" || fail "npx tsx app.ts enqueue"
[[ $id =~ ^[0-9a-f-]{36}$ ]] || fail "app.ts enqueue printed '$id', not a task id"
log "npx errand worker --batch"
npx --no-install errand worker --batch >&2 || fail "npx errand worker --batch"
log "npx tsx app.ts result $id"
result="$(npx --no-install tsx app.ts result "$id")" || fail "npx tsx app.ts result"
echo "$result"
[ "$result" = "SUCCESSFUL hello, world" ] || fail "expected 'SUCCESSFUL hello, world', got '$result'"
log "ok: installed with '$readme_line', enqueued, ran and read back on SQLite"
