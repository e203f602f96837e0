#!/usr/bin/env bash
# Starts the built console for the browser tests: a fresh SQLite file, the local AWS
# emulator (started by the console itself), on port ${E2E_PORT:-3100}.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
data=$(mktemp -d)
export DATABASE_URL="sqlite://$data/console.db"
export CONSOLE_AWS=emulator
export LEPTOS_SITE_ADDR="127.0.0.1:${E2E_PORT:-3100}"
export LEPTOS_SITE_ROOT=target/site
export LEPTOS_OUTPUT_NAME=console
exec "$target/debug/server"
