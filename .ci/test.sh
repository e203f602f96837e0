#!/usr/bin/env bash
# The README's test command: unit tests, integration tests against moto, browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/setup.sh
source .ci/env.sh
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if ! command -v chromium >/dev/null; then
  echo "The browser tests need Debian's chromium: apt-get install -y chromium (.ci/run does this)." >&2
  exit 1
fi
if [ ! -d e2e/node_modules ]; then
  say "installing the browser test tools (Playwright, AWS SDK for JS)"
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

say "building the console (server and WASM)"
cargo leptos build

say "unit and integration tests (domain, engine, store, HTTP; AWS = moto)"
cargo test --locked -p app -p server

say "the validation suite again, compiled to WASM (the browser's copy of the rules)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --locked -p app --lib --target wasm32-unknown-unknown

say "browser tests (Playwright + Chromium against the built console and moto)"
(cd e2e && npx playwright test)
