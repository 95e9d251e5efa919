#!/usr/bin/env bash
# Run the whole test suite against a real moto_server.
#
#   scripts/test.sh              # cargo test --all-targets
#   scripts/test.sh --locked     # extra args are appended to cargo test
#
# scripts/moto.sh provisions .venv (pinned moto[server]) on first use; the
# integration tests start one moto_server per test from $MOTO_SERVER.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

MOTO_SERVER="$(scripts/moto.sh)"
export MOTO_SERVER
echo "test.sh: MOTO_SERVER=$MOTO_SERVER" >&2

cargo test --all-targets "$@"
