#!/usr/bin/env bash
# The project's entry point: `start` runs Switchboard (embedded database, demo data, console + API on
# one port); `test` runs the whole suite and ends with the totals line; `bench` runs the benchmarks.
# Works on a machine with only an old Node and npm: scripts/toolchain.sh fetches what is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/toolchain.sh

build_web_if_stale() {
  # Rebuild the console when its build is missing or older than any of its sources.
  if [ ! -f web/build/handler.js ] || [ -n "$(find web/src web/static web/vite.config.ts web/package.json ../shared/api-contract.graphql schema/schema.graphql -newer web/build/handler.js -print -quit 2>/dev/null)" ]; then
    # Vite's progress goes to a log; a failing build shows its end.
    echo "building the console (web/) …" >&2
    local log
    log="$(mktemp "${TMPDIR:-/tmp}/switchboard-web-build.XXXXXX")"
    if ! pnpm --filter @switchboard/web build >"$log" 2>&1; then
      tail -n 40 "$log" >&2
      echo "the console's build failed (whole output: $log)" >&2
      return 1
    fi
    rm -f "$log"
  fi
}

ensure_postgres() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null 2>&1; then
      echo "starting the machine's PostgreSQL …" >&2
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >&2 || true
    fi
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && return 0; sleep 1; done
  echo "PostgreSQL is not reachable on 127.0.0.1:5432 (tests need the machine's real PostgreSQL)" >&2
  return 1
}

ensure_redis() {
  if command -v redis-cli >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null 2>&1 || true
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests …" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 || echo "could not install chromium; browser tests will fail" >&2
  fi
}

cmd="${1:-start}"
shift || true
case "$cmd" in
  start)
    build_web_if_stale
    export SWITCHBOARD_DEMO="${SWITCHBOARD_DEMO:-1}"
    # V8's young generation grows to 2 × 64 MB semi-spaces on a machine with this much memory; under
    # load the server filled it and RSS rose by ~130 MB with no more live data. 16 MB semi-spaces keep
    # RSS within DESIGN.md's budget at the same throughput (test/bench/bench-util.ts SERVER_NODE_FLAGS,
    # which the benchmarks use, must say the same). Override with SWITCHBOARD_NODE_FLAGS.
    # shellcheck disable=SC2086
    exec node ${SWITCHBOARD_NODE_FLAGS---max-semi-space-size=16 --heap-growing-percent=50} server/src/main.ts "$@"
    ;;
  test)
    ensure_postgres
    ensure_redis
    ensure_chromium
    build_web_if_stale
    mkdir -p test-results
    checks_failed=0
    checks_passed=0
    echo "== lint (biome) ==" >&2
    if pnpm exec biome check . >test-results/lint.txt 2>&1; then checks_passed=$((checks_passed + 1)); else checks_failed=$((checks_failed + 1)); tail -n 40 test-results/lint.txt; fi
    echo "== typecheck (tsc) ==" >&2
    if pnpm exec tsc -p tsconfig.json --noEmit >test-results/tsc.txt 2>&1; then checks_passed=$((checks_passed + 1)); else checks_failed=$((checks_failed + 1)); tail -n 40 test-results/tsc.txt; fi
    echo "== console typecheck (svelte-check) ==" >&2
    if pnpm --filter @switchboard/web run check >test-results/svelte-check.txt 2>&1; then checks_passed=$((checks_passed + 1)); else checks_failed=$((checks_failed + 1)); tail -n 40 test-results/svelte-check.txt; fi
    # The printed-schema drift check (schema/schema.graphql equals what the code prints) is a test of
    # its own, schema/src/schema-sdl.test.ts, so a lone clone checks itself. The public contract lives
    # outside the repository, in ../shared beside the checkout (or beside the repository a clone was
    # made from); it is checked when it is there, and its absence is not a failure.
    shared=../shared
    if [ ! -f "$shared/tools/contract-check.mjs" ]; then
      origin=$(git config --get remote.origin.url 2>/dev/null || true)
      [ -n "$origin" ] && [ -f "$(dirname "$origin")/shared/tools/contract-check.mjs" ] && shared="$(dirname "$origin")/shared"
    fi
    if [ -f "$shared/tools/contract-check.mjs" ]; then
      echo "== contract check ($shared/tools/contract-check.mjs) ==" >&2
      if node "$shared/tools/contract-check.mjs" >test-results/contract.txt 2>&1; then checks_passed=$((checks_passed + 1)); else checks_failed=$((checks_failed + 1)); cat test-results/contract.txt; fi
    else
      echo "== contract check: skipped (no ../shared/tools/contract-check.mjs beside this checkout) ==" >&2
    fi
    echo "== vitest ==" >&2
    set +e
    pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@"
    set -e
    exec node scripts/test-totals.ts test-results/vitest.json "$checks_passed" "$checks_failed"
    ;;
  bench)
    ensure_postgres
    exec node test/bench/run.ts "$@"
    ;;
  *)
    echo "usage: scripts/sb.sh start|test|bench" >&2
    exit 2
    ;;
esac
