#!/usr/bin/env bash
# The whole own-dispatcher flow as one script, for a dispatcher in any language:
#   DISPATCHER_CMD="java -jar app.jar --spring.profiles.active=loadtest" examples/team-dispatcher/loadtest.sh
# Starts the mocks, then your dispatcher (DISPATCHER_CMD, which must listen on DISPATCHER_URL and send to
# MOCKS_URL/<provider>), runs the scenario against both, stops what it started, and exits with floodgate's
# exit code (0 pass, 1 fail, 3 invalid, 4 bad input).
set -euo pipefail
# Job control: each background job gets its own process group, so stopping it stops its children
# too (npx runs npm, which runs node; a DISPATCHER_CMD may start more than one process).
set -m
cd "$(dirname "$0")/../.."
: "${DISPATCHER_CMD:?set DISPATCHER_CMD to the command that starts your dispatcher}"
DISPATCHER_URL=${DISPATCHER_URL:-http://127.0.0.1:8080}
MOCKS_URL=${MOCKS_URL:-http://127.0.0.1:9090}
SCENARIO=${SCENARIO:-examples/team-dispatcher/scenario.yaml}

npx floodgate mock --config examples/team-dispatcher/mocks.yaml --port "${MOCKS_URL##*:}" &
mocks=$!
bash -c "$DISPATCHER_CMD" &
dispatcher=$!
trap 'kill -TERM -- -"$dispatcher" -"$mocks" 2>/dev/null || true' EXIT

wait_for() { # url: up to 60 s for any HTTP answer
  for _ in $(seq 1 120); do curl -s -o /dev/null "$1" && return 0; sleep 0.5; done
  echo "loadtest.sh: nothing answers at $1" >&2; return 3
}
wait_for "$MOCKS_URL/healthz"
wait_for "$DISPATCHER_URL/"

npx floodgate run "$SCENARIO" --target "$DISPATCHER_URL" --mocks "$MOCKS_URL"
