#!/usr/bin/env bash
# The README's test command: unit tests, integration tests against moto, browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/setup.sh
source .ci/env.sh
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The shared target directory keeps every test binary ever linked (each dependency
# change gives them new names): drop the ones unused for a day.
if [ -d "$CARGO_TARGET_DIR/debug/deps" ]; then
  find "$CARGO_TARGET_DIR/debug/deps" -maxdepth 1 -type f -perm -u+x ! -name '*.*' -mtime +1 -delete
fi

if ! command -v chromium >/dev/null; then
  echo "The browser tests need Debian's chromium: apt-get install -y chromium (.ci/run does this)." >&2
  exit 1
fi
if [ ! -d e2e/node_modules ]; then
  say "installing the browser test tools (Playwright, AWS SDK for JS)"
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

# PostgreSQL for the store suite's second backend (installed but stopped on CI machines).
if [ -z "${CONSOLE_TEST_POSTGRES_URL:-}" ] && [ -z "${CONSOLE_TEST_SKIP_POSTGRES:-}" ]; then
  if command -v pg_ctlcluster >/dev/null && [ "$(id -u)" = 0 ]; then
    cluster=$(pg_lsclusters --no-header | awk 'NR==1 { print $1 " " $2 }')
    if [ -n "$cluster" ]; then
      say "starting PostgreSQL $cluster for the store tests"
      pg_ctlcluster $cluster start 2>/dev/null || true
      for _ in $(seq 1 50); do su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break; sleep 0.2; done
      su postgres -c "psql -qc \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'root') THEN CREATE ROLE root SUPERUSER LOGIN; END IF; END\\\$\\\$\"" >/dev/null
      export CONSOLE_TEST_POSTGRES_URL="postgres://root@%2Fvar%2Frun%2Fpostgresql/postgres"
    fi
  fi
  if [ -z "${CONSOLE_TEST_POSTGRES_URL:-}" ]; then
    echo "PostgreSQL is not available: the store suite runs on SQLite only (set CONSOLE_TEST_POSTGRES_URL to include it)." >&2
    export CONSOLE_TEST_SKIP_POSTGRES=1
  fi
fi

say "building the console (server and WASM)"
cargo leptos build

say "unit and integration tests (domain, engine, store, HTTP; AWS = moto)"
cargo test --locked -p app -p server

say "the REST API fuzzed against a live console (schemathesis, from the OpenAPI document)"
.ci/api-fuzz.sh

say "the validation suite again, compiled to WASM (the browser's copy of the rules)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --locked -p app --lib --target wasm32-unknown-unknown

say "the hydrate WASM's size budget"
.ci/wasm-budget.sh

say "short fuzz runs of the domain (app/fuzz)"
.ci/fuzz.sh

say "browser tests (Playwright + Chromium against the built console and moto)"
(cd e2e && npx playwright test)
