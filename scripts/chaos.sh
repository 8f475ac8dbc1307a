#!/usr/bin/env bash
# The chaos suite at full size (`npm run chaos`): PostgreSQL stopped for 45 s and for 90 s mid-drain of
# 3,000 tasks with 2 workers and the default 30 s lease. CI runs the same test at a small size.
# Override with CHAOS_TASKS, CHAOS_DOWN_MS (comma-separated), CHAOS_LEASE_MS.
set -euo pipefail
cd "$(dirname "$0")/.."
export CHAOS_TASKS="${CHAOS_TASKS:-3000}"
export CHAOS_DOWN_MS="${CHAOS_DOWN_MS:-45000,90000}"
export CHAOS_LEASE_MS="${CHAOS_LEASE_MS:-30000}"
exec bash scripts/test.sh test/backends/database/chaos-outage.test.ts "$@"
