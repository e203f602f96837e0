# Shared environment of the run and test commands (sourced, not executed).
# One target directory outside the clone, so a machine that built once builds fast again.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/batch-console/target}"
export PATH="$PWD/.ci/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# cargo-leptos sets these when it builds; plain cargo gets the same values so the two
# share compiled artifacts instead of rebuilding the Leptos crates.
export LEPTOS_OUTPUT_NAME=console
