#!/usr/bin/env bash
# Starts the built console for the browser tests: a fresh SQLite file, the local AWS
# emulator, on port ${E2E_PORT:-3100}.
#
# With E2E_AWS_DELAY=<seconds> (the live-apply test's server) the emulator is started
# here behind e2e/slow-aws.py, which makes every mutating AWS call take that long (as
# real AWS does) and refuses once the job queue of an environment named "*fail-once*".
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
data=$(mktemp -d)
export DATABASE_URL="sqlite://$data/console.db"
export LEPTOS_SITE_ADDR="127.0.0.1:${E2E_PORT:-3100}"
export LEPTOS_SITE_ROOT=target/site
export LEPTOS_OUTPUT_NAME=console
# The capacity test reads the page twice a second apart and expects two samples.
export CONSOLE_CAPACITY_VIEW_SAMPLE_SECONDS=1
if [ -z "${E2E_AWS_DELAY:-}" ]; then
  export CONSOLE_AWS=emulator
  exec "$target/debug/server"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
moto_port=$(free_port)
proxy_port=$(free_port)
.venv/bin/moto_server -H 127.0.0.1 -p "$moto_port" >"$data/moto.log" 2>&1 &
moto=$!
python3 e2e/slow-aws.py "$proxy_port" "http://127.0.0.1:$moto_port" "$E2E_AWS_DELAY" &
proxy=$!
trap 'kill $moto $proxy 2>/dev/null || true' EXIT
python3 - "$moto_port" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=1)
        break
    except Exception:
        time.sleep(0.1)
PY
export CONSOLE_AWS_ENDPOINT_URL="http://127.0.0.1:$proxy_port"
"$target/debug/server" &
server=$!
trap 'kill $server $moto $proxy 2>/dev/null || true' EXIT INT TERM
wait $server
