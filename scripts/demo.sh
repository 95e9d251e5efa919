#!/usr/bin/env bash
# The one-command local demo: on a fresh machine, installs moto (pinned, in .venv), starts it on
# loopback as account 189107071895 with state machine execution on, creates the onboarding
# workflow (DynamoDB table + SQS queue + state machine, examples/), runs
# `provision up stacks/onboarding.toml`, shows the outputs and `provision diff`, starts
# `provision serve`, posts the walkthrough's sample user to POST /new-user, follows the execution
# to SUCCEEDED and shows the item the workflow saved. Stops what it started on exit. It installs
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
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
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

step "Creating the onboarding workflow (examples/onboarding.asl.json) with its table and queue"
"$python" examples/setup_workflow.py --endpoint-url "$AWS_ENDPOINT_URL"

step "provision up stacks/onboarding.toml"
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

step "The user the workflow saved in DynamoDB"
"$python" - <<'PY'
import boto3, json
items = boto3.client("dynamodb").scan(TableName="user-onboarding-users")["Items"]
print(json.dumps(items, indent=2))
PY

if [[ "$keep" == true ]]; then
    step "Left running (--keep)"
    echo "moto:          $AWS_ENDPOINT_URL   (pids ${pids[*]})"
    echo "local gateway: http://127.0.0.1:$gateway_port"
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
