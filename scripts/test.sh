#!/usr/bin/env bash
# Run the whole test suite against a real moto_server.
#
#   scripts/test.sh              # cargo test --all-targets
#   scripts/test.sh --locked     # extra args are appended to cargo test
#
# scripts/moto.sh provisions .venv (pinned moto[server]) on first use; the
# integration tests start moto_servers from $MOTO_SERVER, pool them and reset one
# (POST /moto-api/reset) for each test; a test holds its server alone while it runs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

MOTO_SERVER="$(scripts/moto.sh)"
export MOTO_SERVER
echo "test.sh: MOTO_SERVER=$MOTO_SERVER" >&2

cargo test --all-targets "$@"
