#!/usr/bin/env bash
# The hydrate WASM's size budget: builds the release WASM (its own `wasm-release`
# profile, then wasm-opt), prints its raw and brotli sizes, and fails above the budget
# in .ci/wasm-budget-bytes (brotli -q 11). Raise the budget only with the reason in the
# commit and the figure in docs/perf.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/env.sh
budget=$(tr -d '[:space:]' < .ci/wasm-budget-bytes)
site=$(mktemp -d)
trap 'rm -rf "$site"' EXIT
LEPTOS_SITE_ROOT="$site" cargo leptos build --release --frontend-only >/dev/null 2>&1 \
  || LEPTOS_SITE_ROOT="$site" cargo leptos build --release --frontend-only
wasm="$site/pkg/console.wasm"
raw=$(stat -c %s "$wasm")
compressed=$(brotli -c -q 11 "$wasm" | wc -c)
echo "hydrate WASM: $raw bytes raw, $compressed bytes brotli (budget $budget)"
if [ "$compressed" -gt "$budget" ]; then
  echo "the hydrate WASM is over its budget by $(( compressed - budget )) bytes" >&2
  exit 1
fi
