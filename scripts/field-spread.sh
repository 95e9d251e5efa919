#!/usr/bin/env bash
# How far one stack field is spread through src/: the files and the folders (places) that spell it.
# The target (issue 25, "a resource kind is a unit"): at most 4 folders (the kind's unit, the
# stack file's model, the gateway where serve emulates it) and at most 10 files per field, in
# both the `field` and the `code` counts. The integration test
# `docs::every_tracked_field_is_spelled_in_at_most_ten_files_and_four_folders_of_src` reads the
# `fields` list below and fails when a field's `field` count goes over, naming the files: add a
# new field to the list and the test holds it too.
#
# Three counts per field:
#   raw    the issue's own measure, `grep -rli WORD src`. It also counts other concepts that share
#          the word. For "throttling" that is most of it, and it stays: AWS's throttling answers
#          that calls pace and retry on (aws.rs, error.rs, pace.rs: ThrottlingException, 429), the
#          `no-throttling` warning's name and help (stack/diagnostic.rs, stack/validate.rs, and
#          outputs.rs's test stack that acknowledges it), what serve says it emulates and its
#          token buckets (commands/serve.rs, gateway/), and prose users read (openapi.rs's note
#          in the document, stack/starter.rs's comment);
#   field  the field's own identifiers: the TOML key, the SDK/CloudFormation member, the model's
#          Rust field (e.g. throttling_burst_limit / ThrottlingBurstLimit), tests included;
#   code   the same identifiers outside tests: a file's `#[cfg(test)]` module (from that line to
#          the end of the file) and `tests.rs` files are left out. Tests elsewhere that need a
#          stack or a value with the field take it from the unit's `samples`, so the two counts
#          differ only by a unit-adjacent test (stack/schema.rs's `[stage.access_log]` table).
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

# The files whose code (tests left out) spells the pattern.
code_files() {
  find src -name '*.rs' ! -name tests.rs | sort | while read -r f; do
    # No -q: grep reads to the end, so awk never dies of a closed pipe (pipefail would say no match).
    if awk '/^#\[cfg\(test\)\]/ { exit } { print }' "$f" | grep -iE "$1" >/dev/null; then echo "$f"; fi
  done
}

count() { # pattern flags -> "files folders"
  local files
  files=$(grep -rliE "$1" src || true)
  if [ -z "$files" ]; then echo "0 0"; return; fi
  echo "$(echo "$files" | wc -l) $(echo "$files" | xargs -n1 dirname | sort -u | wc -l)"
}

printf '%-28s %12s %12s %12s\n' field "raw f/dirs" "field f/dirs" "code f/dirs"
for entry in "${fields[@]}"; do
  IFS='|' read -r name raw pattern <<<"$entry"
  # The pattern itself holds a `|`: everything after the second separator.
  pattern=${entry#*|*|}
  read -r rf rd <<<"$(count "$raw")"
  read -r ff fd <<<"$(count "$pattern")"
  codes=$(code_files "$pattern")
  cf=$(echo "$codes" | grep -c . || true)
  cd_=$(echo "$codes" | grep . | xargs -r -n1 dirname | sort -u | wc -l)
  printf '%-28s %12s %12s %12s\n' "$name" "$rf/$rd" "$ff/$fd" "$cf/$cd_"
  if [ "$verbose" = "-v" ]; then
    grep -rliE "$pattern" src | sort | while read -r f; do
      if echo "$codes" | grep -qx "$f"; then echo "    $f"; else echo "    $f (tests only)"; fi
    done
  fi
done
