#!/usr/bin/env bash
# The README's run command: set up what is missing, build, and serve the console at
# http://127.0.0.1:3000 with SQLite under ./data (and the local AWS emulator when no AWS
# credentials are configured; see `--aws` in the README).
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/setup.sh
source .ci/env.sh
printf '\033[1m==> building and starting the console (first build takes several minutes)\033[0m\n' >&2
exec cargo leptos serve
