#!/usr/bin/env bash
# The README's "Try it by hand" steps, run as written against a fresh moto on a free port: install
# moto, start it, let its state machines run, point the environment at it with dummy credentials,
# create the onboarding workflow, `provision up`, `provision serve`, then
# `provision invoke --local ... --follow` until the execution SUCCEEDED. Exits non-zero as soon as
# a step fails, and stops what it started.
#
#   scripts/getting-started.sh
#
# Environment: PROVISION (the binary to test; default: `cargo build`, then target/debug/provision),
# MOTO_SERVER (an installed moto_server; default: scripts/moto.sh installs the pinned one into .venv),
# GETTING_STARTED_TIMEOUT (seconds before the whole run gives up, default 180).
#
# The steps below are the README's block between the getting-started markers, with two loopback
# ports picked at random instead of 5000 and 8080, "$python" for .venv/bin/python and
# "$provision" for provision. tests/it/getting_started.rs checks that every README line is here, in
# order, and runs this script.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n==> %s\n' "$*" >&2; }
fail() { printf 'getting-started.sh: %s\n' "$*" >&2; exit 1; }

pids=()
cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ $status -eq 0 ]]; then
        printf '\ngetting-started.sh: every step passed\n' >&2
    else
        printf '\ngetting-started.sh: FAILED (exit %s)\n' "$status" >&2
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'fail "stopped: Ctrl-C, or GETTING_STARTED_TIMEOUT passed"' INT TERM

# A watchdog, because the README's wait loops have no bound of their own. Its output goes
# nowhere, so that it cannot hold the caller's pipes open once this script is done.
(
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    sleep "${GETTING_STARTED_TIMEOUT:-180}" &
    sleeper=$!
    wait "$sleeper" && kill -TERM $$
) >/dev/null 2>&1 &
pids+=($!)

unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_APIGATEWAYV2 \
    AWS_ENDPOINT_URL_IAM AWS_ENDPOINT_URL_SFN AWS_ENDPOINT_URL_STS

step "1. Install moto (pinned, in .venv), unless MOTO_SERVER names one"
if [[ -z "${MOTO_SERVER:-}" ]]; then
    export MOTO_SERVER=$(scripts/moto.sh)
fi
[[ -x "$MOTO_SERVER" ]] || fail "MOTO_SERVER=$MOTO_SERVER is not an executable"
python="$(dirname "$MOTO_SERVER")/python"
[[ -x "$python" ]] || fail "no python next to $MOTO_SERVER"

if [[ -n "${PROVISION:-}" ]]; then
    provision="$PROVISION"
else
    step "Building provision"
    cargo build --quiet --bin provision
    provision="$(cargo metadata --format-version 1 --no-deps | "$python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/provision"
fi
[[ -x "$provision" ]] || fail "no provision binary at $provision"

free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
moto_port="$(free_port)"
gateway_port="$(free_port)"
while [[ "$gateway_port" == "$moto_port" ]]; do gateway_port="$(free_port)"; done

step "2. Start moto on 127.0.0.1:$moto_port"
MOTO_ACCOUNT_ID=189107071895 MOTO_IAM_LOAD_MANAGED_POLICIES=true \
    "$python" scripts/moto_server.py -H 127.0.0.1 -p $moto_port &
pids+=($!)
until curl -fs http://127.0.0.1:$moto_port/moto-api/ >/dev/null; do sleep 0.2; done

step "3. Let moto run state machines"
curl -fsS -X POST http://127.0.0.1:$moto_port/moto-api/config \
    -d '{"stepfunctions":{"execute_state_machine":true}}'
echo

step "4. Point the AWS SDKs at moto, with dummy credentials"
export AWS_ENDPOINT_URL=http://127.0.0.1:$moto_port AWS_ACCESS_KEY_ID=test \
    AWS_SECRET_ACCESS_KEY=test AWS_REGION=ap-southeast-2

step "5. Create the table and the queue the onboarding workflow writes to"
"$python" examples/setup_workflow.py --endpoint-url $AWS_ENDPOINT_URL

step "6. provision up (the workflow, its role, the API and the route)"
"$provision" up stacks/onboarding.toml

step "7. provision serve on 127.0.0.1:$gateway_port"
"$provision" serve stacks/onboarding.toml --port $gateway_port &
pids+=($!)
until curl -s -o /dev/null http://127.0.0.1:$gateway_port/; do sleep 0.2; done

step "8. provision invoke --local ... --follow, until the execution ends"
"$provision" invoke stacks/onboarding.toml "POST /new-user" --data @examples/new-user.json \
    --local http://127.0.0.1:$gateway_port --follow
