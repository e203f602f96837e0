#!/usr/bin/env bash
# Property-based fuzzing of the REST API (/api/v1) against a live console, driven by its
# own OpenAPI document (schemathesis, installed into ./.venv by .ci/setup.sh).
#
# Builds nothing: it runs the server that `cargo leptos build` (or `cargo build -p
# server`) left in $CARGO_TARGET_DIR/debug/server, in sandbox mode against a moto server
# of its own, both on free loopback ports, with a fresh SQLite file. It checks that the
# document is valid OpenAPI 3.1, signs up a user, creates an API token and an
# environment and applies it, and runs schemathesis with a fixed number of examples per
# operation and a fixed seed. Exits non-zero on an invalid document, any 5xx, any
# response its document does not describe (status, content type, headers, body schema),
# a request that breaks the schema but is accepted, an operation that answers without a
# token, a response slower than 10 s, or a request error.
#
#   API_FUZZ_EXAMPLES=200 .ci/api-fuzz.sh    # more examples per operation
#   API_FUZZ_SEED=7 .ci/api-fuzz.sh          # another seed
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/env.sh
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

EXAMPLES="${API_FUZZ_EXAMPLES:-100}"
SEED="${API_FUZZ_SEED:-20261130}"
server="$CARGO_TARGET_DIR/debug/server"
if [ ! -x "$server" ]; then
  echo "api-fuzz: no $server; build it first (cargo leptos build, or cargo build -p server)." >&2
  exit 1
fi
if [ ! -x .venv/bin/st ] || [ ! -x .venv/bin/openapi-spec-validator ]; then
  echo "api-fuzz: schemathesis or openapi-spec-validator missing from .venv; run .ci/setup.sh." >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/api-fuzz.XXXXXX")
free_port() { .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
server_pid=
moto_pid=
stop() {
  for pid in $server_pid $moto_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  server_pid= moto_pid=
}
finish() {
  status=$?
  stop
  if [ "$status" -ne 0 ]; then
    echo "api-fuzz: failed; the console's log (last 40 lines), moto's log and the reports are in $work" >&2
    tail -n 40 "$work/server.log" >&2 || true
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap finish EXIT

# Waits until `url` answers while process `pid` runs (one that lost its port to another
# process exits, and the answer would come from that other process).
await() {
  local pid=$1 url=$2
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 1
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then
      sleep 0.3
      kill -0 "$pid" 2>/dev/null
      return
    fi
    sleep 0.2
  done
  return 1
}

# The emulator is started here rather than by the console, so that this script knows it
# is its own (ports are picked free, then bound: another process may take one between).
started=
for attempt in 1 2 3; do
  moto_port=$(free_port)
  port=$(free_port)
  base="http://127.0.0.1:$port"
  emulator="http://127.0.0.1:$moto_port"
  say "api-fuzz: starting moto on $emulator and the console on $base (fresh SQLite in $work)"
  .venv/bin/moto_server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
  moto_pid=$!
  if await "$moto_pid" "$emulator/moto-api/"; then
    # The rate limit is per token: the fuzzer's would hit the default 600 a minute.
    NO_COLOR=1 \
      DATABASE_URL="sqlite://$work/console.db" \
      CONSOLE_AWS_ENDPOINT_URL="$emulator" \
      CONSOLE_API_REQUESTS_PER_MINUTE=1000000 \
      CONSOLE_CAPACITY_SAMPLE_SECONDS=0 \
      CONSOLE_DRAIN_SECONDS=5 \
      LEPTOS_SITE_ADDR="127.0.0.1:$port" \
      LEPTOS_SITE_ROOT=target/site \
      LEPTOS_OUTPUT_NAME=console \
      "$server" >"$work/server.log" 2>&1 &
    server_pid=$!
    if await "$server_pid" "$base/readyz"; then
      started=1
      break
    fi
  fi
  echo "api-fuzz: attempt $attempt: moto or the console did not start (logs in $work)" >&2
  stop
  rm -f "$work"/console.db*
done
[ -n "$started" ] || exit 1

say "api-fuzz: validating the OpenAPI document"
curl -fsS -o "$work/openapi.json" "$base/api/v1/openapi.json"
.venv/bin/openapi-spec-validator --schema 3.1 "$work/openapi.json"

say "api-fuzz: a user, an API token, and one environment applied in the emulator"
# The environment gains a task and a job definition and is applied before the fuzzing,
# so that the queue, task and capacity operations read (and the fuzzer changes) live
# resources; one job and two tasks give the lists something to show. The `{id}` and
# `{job}` of every path are these; the other parameters, queries and bodies are generated.
ids=$(.venv/bin/python - "$base" "$emulator" <<'PY'
import sys, time, requests

base, emulator = sys.argv[1], sys.argv[2]
v1 = f"{base}/api/v1"
role = "arn:aws:iam::123456789012:role/"


def ok(r, *codes):
    if r.status_code not in codes:
        sys.exit(f"api-fuzz: {r.request.method} {r.url}: {r.status_code} {r.text[:500]}")
    return r.json() if r.content else None


# The emulator's Batch jobs succeed at once instead of trying Docker.
ok(requests.post(f"{emulator}/moto-api/config", json={"batch": {"use_docker": False}}), 200, 201)
web = requests.Session()
web.headers["Accept"] = "application/json"
ok(web.post(f"{base}/api/sign_up", data={"username": "fuzzer", "password": "api-fuzz-password-1"}), 200)
token = ok(web.post(f"{base}/api/create_api_token", data={"name": "api-fuzz", "expires_in_days": "1"}), 200)["token"]
api = requests.Session()
api.headers["Authorization"] = f"Bearer {token}"
env = ok(api.post(f"{v1}/environments", json={"name": "fuzz-env", "region": "us-east-1", "max_vcpus": 16}), 201)["id"]
doc = ok(api.get(f"{v1}/environments/{env}/spec"), 200)
spec = doc["spec"]
# The Batch service role the sandbox creates at start (the emulator insists on one).
spec["compute_environment"]["service_role"] = role + "console-sandbox-batch-service-role"
image = "public.ecr.aws/docker/library/python:3.12-slim"
spec["task_definition"] = {
    "family": "fuzz-env-task", "cpu": 1024, "memory": 2048, "network_mode": "awsvpc",
    "requires_compatibilities": ["FARGATE"], "execution_role": role + "ecsTaskExecutionRole",
    "containers": [{"name": "inference", "image": image, "command": ["python3", "-m", "http.server", "8080"],
                    "memory_reservation": 2048, "essential": True}],
}
spec["job_definition"] = {
    "name": "fuzz-env-job", "image": image, "command": ["python3", "-c", "print(1)"],
    "vcpus": 1, "memory": 2048, "execution_role": role + "ecsTaskExecutionRole",
    "retry_attempts": 1, "timeout_seconds": 600, "platform": "FARGATE",
}
ok(api.put(f"{v1}/environments/{env}/spec",
           json={"base_revision": doc["revision"], "spec": spec, "message": "definitions"}), 200)
plan = ok(api.get(f"{v1}/environments/{env}/plan"), 200)
ok(api.post(f"{v1}/environments/{env}/apply", json={"fingerprint": plan["fingerprint"]}), 202)
for _ in range(300):
    run = ok(api.get(f"{v1}/environments/{env}/runs/latest"), 200)["run"]["run"]
    if run["state"] != "running":
        break
    time.sleep(0.1)
if run["state"] != "succeeded":
    sys.exit(f"api-fuzz: the apply ended {run['state']}: {run['error']}")
job = ok(api.post(f"{v1}/environments/{env}/jobs", json={"name": "fuzz-job"}), 201)["job_id"]
ok(api.post(f"{v1}/environments/{env}/tasks", json={"count": "2", "placement": "fargate"}), 200)
# A second user's token for creating and revoking tokens (see schemathesis.toml below).
other = requests.Session()
other.headers["Accept"] = "application/json"
ok(other.post(f"{base}/api/sign_up", data={"username": "fuzzer-tokens", "password": "api-fuzz-password-2"}), 200)
tokens_token = ok(other.post(f"{base}/api/create_api_token", data={"name": "api-fuzz", "expires_in_days": "1"}), 200)["token"]
print(token, env, job, tokens_token)
PY
)
read -r token env_id job_id tokens_token <<<"$ids"

cat >"$work/schemathesis.toml" <<'EOF'
[parameters]
"path.id" = "${API_FUZZ_ENV_ID}"
"path.job" = "${API_FUZZ_JOB_ID}"

# Tokens are created and revoked as a second user. The fuzzer draws path values from
# earlier answers, and /me and /tokens name the token it sends: revoking that one (as
# the API allows) would leave it nothing but 401s. The second user's token id is never
# in an answer, and the first user's tokens are not the second's to revoke (404).
[[operations]]
include-operation-id = "create_token"
headers = { Authorization = "Bearer ${API_FUZZ_TOKENS_TOKEN}" }

[[operations]]
include-operation-id = "revoke_token"
headers = { Authorization = "Bearer ${API_FUZZ_TOKENS_TOKEN}" }

# Fail as well when the fuzzer could not do its job: an operation that only ever
# answered 401/403 (its token lost), the rate limit hit, the document unusable.
[warnings]
fail-on = ["missing_auth", "rate_limited", "base_url_mismatch", "unresolvable_reference", "missing_deserializer"]
EOF

say "api-fuzz: schemathesis, $EXAMPLES examples per operation, seed $SEED"
# Checks: all of schemathesis's (no 5xx; status codes, content types, headers and bodies
# as documented; requests that break the schema refused with a 4xx; no answer without a
# token; methods a path lacks answered 405 with Allow; the stateful phase's checks on
# what it creates and deletes; responses within 10 s) but one, positive_data_acceptance:
# the document gives the requests' types, not the console's rules (names, regions,
# ARNs, instance types, the job and task forms, revisions that exist), so a request
# that fits the schema is rightly refused with a 422 naming the rule it breaks.
# Restating every rule as JSON Schema would copy the validation instead of testing it.
start=$(date +%s)
set +e
(
  cd "$work" &&
    API_FUZZ_ENV_ID="$env_id" API_FUZZ_JOB_ID="$job_id" API_FUZZ_TOKENS_TOKEN="$tokens_token" \
      "$OLDPWD/.venv/bin/st" --config-file "$work/schemathesis.toml" \
      run "$base/api/v1/openapi.json" \
      --url "$base/api/v1" \
      -H "Authorization: Bearer $token" \
      --checks all \
      --exclude-checks positive_data_acceptance \
      --max-examples "$EXAMPLES" \
      --seed "$SEED" \
      --generation-database none \
      --request-timeout 30 \
      --workers 2 \
      --no-color \
      --report junit --report-dir "$work/report"
) 2>&1 | tee "$work/schemathesis.log"
st_status=${PIPESTATUS[0]}
set -e
seconds=$(( $(date +%s) - start ))

operations=$(sed -n 's/^ *Tested: *\([0-9]*\).*/\1/p' "$work/schemathesis.log" | tail -n 1)
cases=$(sed -n 's/^ *\([0-9]*\) generated.*/\1/p' "$work/schemathesis.log" | tail -n 1)
echo "api-fuzz: ${operations:-?} operations, ${cases:-?} generated test cases, seed $SEED, ${seconds} s; schemathesis exit status $st_status" >&2
exit "$st_status"
