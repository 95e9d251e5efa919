#!/usr/bin/env bash
# The one-command local demo: on a fresh machine, installs moto (pinned, in .venv), starts it on
# loopback as account 189107071895 with state machine execution on, creates what the onboarding
# workflow writes to (a DynamoDB table and an SQS queue: examples/setup_workflow.py), runs
# `provision up stacks/onboarding.toml` (which deploys the state machine, its role, the API and
# the route together), shows the outputs and `provision diff`, starts `provision serve`, posts
# the walkthrough's sample user to POST /new-user, follows the execution to SUCCEEDED and reads
# the saved user back with boto3 (GetItem), a second client. Then the walkthrough's three
# endpoints (stacks/onboarding-walkthrough.toml): posts the sample user asynchronously (202 and
# the execution ARN in Location), polls the status route until SUCCEEDED and prints the output,
# and posts it synchronously. Stops what it started on exit. It installs
# the `provision` it built into ~/.cargo/bin ($CARGO_HOME/bin), as `cargo install --debug` does,
# so that the README's next steps can run a bare `provision`.
#
#   scripts/demo.sh              # run the demo, then clean up
#   scripts/demo.sh --keep       # leave moto and the local gateway running, and print how to use them
#   scripts/demo.sh --no-install # do not install provision into ~/.cargo/bin
set -euo pipefail

keep=false
install=true
for arg in "$@"; do
    case "$arg" in
        --keep) keep=true ;;
        --no-install) install=false ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "demo.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
    esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Installing moto (pinned, in .venv) if missing"
moto_server="$(scripts/moto.sh)"
python="$(dirname "$moto_server")/python"

step "Building provision (the first build compiles about 300 crates: several minutes)"
cargo build
target="$(cargo metadata --format-version 1 --no-deps | "$python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
provision="$target/debug/provision"
bin_dir="${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin"
if [[ "$install" == true ]]; then
    step "Installing provision into $bin_dir (cargo install --debug, reusing the build above)"
    # The same target directory and profile as the build: cargo only links the binary again.
    cargo install --locked --debug --force --quiet --path . --target-dir "$target"
    provision="$bin_dir/provision"
fi

free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
moto_port="$(free_port)"
gateway_port="$(free_port)"
walkthrough_port="$(free_port)"
pids=()
cleanup() {
    if [[ "$keep" == false ]]; then
        for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    fi
}
trap cleanup EXIT

step "Starting moto on 127.0.0.1:$moto_port (account 189107071895, state machines run)"
MOTO_ACCOUNT_ID=189107071895 MOTO_IAM_LOAD_MANAGED_POLICIES=true \
    "$python" scripts/moto_server.py -H 127.0.0.1 -p "$moto_port" >"${TMPDIR:-/tmp}/provision-demo-moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$moto_port/moto-api/" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS -X POST "http://127.0.0.1:$moto_port/moto-api/config" \
    -d '{"stepfunctions":{"execute_state_machine":true}}' >/dev/null

export AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port"
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=ap-southeast-2 AWS_DEFAULT_REGION=ap-southeast-2
unset AWS_PROFILE AWS_SESSION_TOKEN

step "Creating what the workflow writes to: the DynamoDB table and the SQS queue"
"$python" examples/setup_workflow.py --endpoint-url "$AWS_ENDPOINT_URL"

step "provision up stacks/onboarding.toml (the state machine, its role, the API and the route)"
"$provision" up stacks/onboarding.toml

step "provision diff (nothing left to do)"
"$provision" diff stacks/onboarding.toml 2>/dev/null

step "provision serve on 127.0.0.1:$gateway_port"
"$provision" serve stacks/onboarding.toml --port "$gateway_port" 2>"${TMPDIR:-/tmp}/provision-demo-serve.log" &
pids+=($!)
for _ in $(seq 100); do
    grep -q "Serving API" "${TMPDIR:-/tmp}/provision-demo-serve.log" 2>/dev/null && break
    sleep 0.1
done

step "POST /new-user with the walkthrough's sample user, following the execution"
"$provision" invoke stacks/onboarding.toml "POST /new-user" --local "http://127.0.0.1:$gateway_port" --follow \
    --data @examples/new-user.json 2>/dev/null

step "The user the workflow saved in DynamoDB (GetItem with boto3, a second client)"
"$python" - <<'PY'
import boto3, json, sys
user = json.load(open("examples/new-user.json"))["input"]["user"]
item = boto3.client("dynamodb").get_item(
    TableName="user-onboarding-users", Key={"userId": {"S": user["userId"]}}
).get("Item")
print(json.dumps(item, indent=2))
if not item or item["email"]["S"] != user["email"]:
    sys.exit(f"demo.sh: the workflow did not save {user['userId']}")
PY

step "The walkthrough's three endpoints: provision up stacks/onboarding-walkthrough.toml"
# The workflow again, as a STANDARD and an EXPRESS machine, with a synchronous route, an
# asynchronous one (202 and the ARN in Location) and a status route, whose helper machine and
# role the stack owns.
"$provision" up stacks/onboarding-walkthrough.toml

step "provision serve stacks/onboarding-walkthrough.toml on 127.0.0.1:$walkthrough_port"
"$provision" serve stacks/onboarding-walkthrough.toml --port "$walkthrough_port" \
    2>"${TMPDIR:-/tmp}/provision-demo-walkthrough.log" &
pids+=($!)
for _ in $(seq 100); do
    grep -q "Serving API" "${TMPDIR:-/tmp}/provision-demo-walkthrough.log" 2>/dev/null && break
    sleep 0.1
done
walkthrough="http://127.0.0.1:$walkthrough_port"

step "POST /process-user-onboarding (asynchronous): 202 and the execution ARN in Location"
headers="$(curl -sS -o /dev/null -D - -X POST "$walkthrough/process-user-onboarding" \
    -H 'content-type: application/json' --data @examples/new-user.json | tr -d '\r')"
printf '%s\n' "$headers" | grep -iE '^(HTTP/|location:)'
execution="$(printf '%s\n' "$headers" | sed -n 's/^[Ll]ocation: //p')"
[[ "$headers" == HTTP/1.1\ 202* && -n "$execution" ]] || { echo "demo.sh: expected 202 with a Location" >&2; exit 1; }

step "GET /onboarding-status/{executionArn} until SUCCEEDED"
for attempt in $(seq 60); do
    described="$("$provision" invoke stacks/onboarding-walkthrough.toml "GET /onboarding-status/$execution" \
        --local "$walkthrough" 2>/dev/null)"
    state="$(printf '%s\n' "$described" | sed -n 's/^Execution //p')"
    echo "attempt $attempt: $state"
    [[ "$state" == RUNNING ]] || break
    sleep 0.5
done
printf '%s\n' "$described"
[[ "$state" == SUCCEEDED ]] || { echo "demo.sh: the execution ended $state" >&2; exit 1; }

step "POST /process-user-onboarding-sync (synchronous): the EXPRESS run's output"
"$provision" invoke stacks/onboarding-walkthrough.toml "POST /process-user-onboarding-sync" \
    --local "$walkthrough" --data @examples/new-user.json 2>/dev/null

if [[ "$keep" == true ]]; then
    step "Left running (--keep)"
    echo "moto:          $AWS_ENDPOINT_URL   (pids ${pids[*]})"
    echo "local gateway: http://127.0.0.1:$gateway_port (walkthrough: http://127.0.0.1:$walkthrough_port)"
    echo "try:  AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo \\"
    echo "        $provision invoke stacks/onboarding.toml \"POST /new-user\" --local http://127.0.0.1:$gateway_port --data @examples/new-user.json --follow"
else
    step "Done: stopping moto and the local gateway"
fi
if [[ "$install" == true ]]; then
    echo "provision is installed: $provision ($("$provision" --version))"
    if [[ "$(command -v provision || true)" != "$provision" ]]; then
        echo "$bin_dir is not on your PATH: add it (export PATH=\"$bin_dir:\$PATH\") to run a bare \`provision\`"
    fi
    echo "remove it with: cargo uninstall provision"
else
    echo "provision was built at $provision (not installed: --no-install)"
fi
