#!/usr/bin/env bash
# Installs what the console needs to build and run, and only what is missing:
# the wasm32 target, cargo-leptos, wasm-bindgen-cli (the version Cargo.lock pins),
# wasm-opt (npm binaryen) and the moto server (the local AWS emulator) in ./.venv.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

CARGO_LEPTOS_VERSION=0.3.11

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (once per machine; ~20 minutes on 2 cores)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --ignore-rust-version
fi

wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$wasm_bindgen_version"; then
  say "installing wasm-bindgen-cli $wasm_bindgen_version (the version Cargo.lock pins; ~5 minutes)"
  CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback \
    cargo install wasm-bindgen-cli --version "=$wasm_bindgen_version"
fi

if [ ! -x .ci/tools/node_modules/.bin/wasm-opt ]; then
  say "installing wasm-opt (npm binaryen)"
  (cd .ci/tools && npm ci --no-audit --no-fund --loglevel=error)
fi

if ! .venv/bin/python -c 'import moto' 2>/dev/null; then
  say "installing the local AWS emulator (moto server) into .venv"
  python3 -m venv .venv
  .venv/bin/pip install --quiet -r .ci/requirements-moto.txt
fi

SCHEMATHESIS_VERSION=4.32.5
if ! .venv/bin/st --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION\$"; then
  say "installing schemathesis $SCHEMATHESIS_VERSION (the REST API fuzzer) into .venv"
  .venv/bin/pip install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi
