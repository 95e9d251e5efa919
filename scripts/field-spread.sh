#!/usr/bin/env bash
# How far one stack field is spread through src/: the files and the folders (places) that spell it.
# The target (issue 25, "a resource kind is a unit"): at most 4 folders (the kind's unit, the
# stack file's model, the gateway where serve emulates it) and at most 10 files per field.
#
# Two counts per field:
#   raw    the issue's own measure, `grep -rli WORD src` (it also counts other concepts that share
#          the word, e.g. AWS's ThrottlingException for "throttling");
#   field  the field's own identifiers: the TOML key, the SDK/CloudFormation member, the model's
#          Rust field (e.g. throttling_burst_limit / ThrottlingBurstLimit).
# Usage: scripts/field-spread.sh [-v]   (-v lists the files of each field count)
set -euo pipefail
cd "$(dirname "$0")/.."
verbose=${1:-}

fields=(
  "stage throttling|throttling|throttling_(burst|rate)_limit|throttling(burst|rate)limit"
  "authorizer identity source|identity_source|identity_?source"
  "stage access logs|access_log|access_?log"
  "CORS max age|max_age|max_?age"
  "role permissions boundary|permissions_boundary|permissions_?boundary"
)

count() { # pattern flags -> "files folders"
  local files
  files=$(grep -rliE "$1" src || true)
  if [ -z "$files" ]; then echo "0 0"; return; fi
  echo "$(echo "$files" | wc -l) $(echo "$files" | xargs -n1 dirname | sort -u | wc -l)"
}

printf '%-28s %12s %12s\n' field "raw f/dirs" "field f/dirs"
for entry in "${fields[@]}"; do
  IFS='|' read -r name raw pattern <<<"$entry"
  # The pattern itself holds a `|`: everything after the second separator.
  pattern=${entry#*|*|}
  read -r rf rd <<<"$(count "$raw")"
  read -r ff fd <<<"$(count "$pattern")"
  printf '%-28s %12s %12s\n' "$name" "$rf/$rd" "$ff/$fd"
  if [ "$verbose" = "-v" ]; then
    grep -rliE "$pattern" src | sort | sed 's/^/    /'
  fi
done
