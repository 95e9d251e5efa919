#!/usr/bin/env bash
# Idempotently provision the Python venv that holds moto_server for the
# integration tests, then print the absolute path of moto_server on stdout.
#
#   scripts/moto.sh            # create/refresh .venv if needed, print path
#   PYTHON=python3.12 scripts/moto.sh
#
# The venv lives at <repo>/.venv (gitignored). It is rebuilt whenever
# scripts/requirements-test.txt changes (tracked by a stamp inside the venv)
# or when the venv is broken. All progress output goes to stderr so callers
# can do MOTO_SERVER="$(scripts/moto.sh)".
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
req="$root/scripts/requirements-test.txt"
stamp="$venv/.requirements-test.sha256"
python="${PYTHON:-python3}"

log() { printf 'moto.sh: %s\n' "$*" >&2; }

want="$(sha256sum "$req" | cut -d' ' -f1)"

venv_ok() {
    [[ -x "$venv/bin/python" && -x "$venv/bin/moto_server" && -f "$stamp" ]] &&
        [[ "$(cat "$stamp")" == "$want" ]] &&
        "$venv/bin/python" -c 'import moto.server' >/dev/null 2>&1
}

if ! venv_ok; then
    if ! command -v "$python" >/dev/null 2>&1; then
        log "error: $python not found; install Python 3 (with venv) or set PYTHON"
        exit 1
    fi
    if [[ -d "$venv" ]] && ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
        log "removing broken venv at $venv"
        rm -rf "$venv"
    fi
    if [[ ! -x "$venv/bin/python" ]]; then
        log "creating venv at $venv with $("$python" --version 2>&1)"
        "$python" -m venv "$venv"
    fi
    log "installing pinned test requirements (this takes a minute the first time)"
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet \
        -r "$req" >&2
    "$venv/bin/python" -c 'import moto.server' >&2
    printf '%s\n' "$want" >"$stamp"
    log "moto $("$venv/bin/python" -c 'import moto; print(moto.__version__)') ready"
fi

printf '%s\n' "$venv/bin/moto_server"
