#!/usr/bin/env bash
# Short fuzz runs of the pure domain (app/fuzz: spec parsing + validation + plan, and the
# input parsers): every seed and past crash in app/fuzz/seeds/<target> is replayed, then
# each target is fuzzed for FUZZ_SECONDS (default 30). Longer by hand:
#   FUZZ_SECONDS=3600 .ci/fuzz.sh
# A crash stops the run and leaves its input under app/fuzz/artifacts/<target>/: fix the
# bug, then copy the input into app/fuzz/seeds/<target>/ so every run replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if ! rustup toolchain list | grep -q '^nightly'; then
  say "installing the nightly toolchain (cargo-fuzz needs it)"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz"
  cargo install cargo-fuzz --version 0.13.2 --locked
fi

export CARGO_TARGET_DIR="$HOME/.cache/batch-console/fuzz-target"
corpus="$HOME/.cache/batch-console/fuzz-corpus"
seconds="${FUZZ_SECONDS:-30}"
for target in spec inputs; do
  mkdir -p "$corpus/$target"
  log=$(mktemp)
  say "fuzzing $target for ${seconds}s (seeds and past crashes first)"
  if ! (cd app && cargo +nightly fuzz run --fuzz-dir fuzz "$target" \
      "$corpus/$target" "fuzz/seeds/$target" -- \
      -max_total_time="$seconds" -print_final_stats=1) >"$log" 2>&1; then
    grep -v '^#[0-9]' "$log" | tail -60 >&2
    echo "fuzz target $target failed: see the input under app/fuzz/artifacts/$target/" >&2
    exit 1
  fi
  grep -E '^Done [0-9]+ runs|stat::number_of_executed_units' "$log" | head -1
  rm -f "$log"
done
