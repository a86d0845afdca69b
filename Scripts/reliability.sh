#!/usr/bin/env bash
# Reliability: nothing lost, nothing let in. Runs every fault, load and hostile-input test
# against the real server and ends with one line per part and "N passed, N failed".
#
# Usage: Scripts/reliability.sh [--quick]
#   --quick   the shortened run CI makes on every landing (a few kills, a bounded fuzz)
#
# Parts (each also runs on its own, see its --help):
#   crash     SIGKILL and SIGTERM under 32 concurrent clients; every 201 must survive  (Scripts/fault/crash_test.py)
#   disk      a full, then read-only, file system: 503s, nothing half-written, recovery (Scripts/fault/disk_test.py)
#   hostile   100+ hand-made bad requests, each with its status, the database unchanged (Scripts/fault/hostile_requests.py)
#   fuzz      schemathesis against the OpenAPI document: no 5xx, responses as documented (Scripts/fault/fuzz_api.sh)
#   fuzz-pg   the same against a node on a throw-away PostgreSQL cluster (fuzz_api.sh --postgres)
#   uploads   SIGKILL while position papers are uploaded and submitted; no file lost, half-written or orphaned (Scripts/fault/upload_crash_test.py)
#   backup    consult backup under load; the copy restores every acknowledged submission (Scripts/fault/backup_test.py)
set -uo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh

quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; fi

swift build --product consult >/dev/null || { echo "reliability: the build failed"; exit 1; }
binary=$(mktemp -d)/consult
cp .build/debug/consult "$binary"
cp -R .build/debug/consult_ConsultServer.resources "$(dirname "$binary")/"
trap 'rm -rf "$(dirname "$binary")"' EXIT

if [ "$quick" = 1 ]; then
  crash_args=(--kills 3 --sigterm-rounds 1)
  export FUZZ_EXAMPLES=${FUZZ_EXAMPLES:-10}
else
  crash_args=(--kills 20 --sigterm-rounds 5)
  export FUZZ_EXAMPLES=${FUZZ_EXAMPLES:-50}
fi

passed=0
failed=0
summary=()
log=$(mktemp)

# The figures part $2 printed in log $1: its lines like "crash test: 20 kills survived, …", joined.
figures() {
  grep -E "^($2|$2 test|sigterm test): [0-9]" "$1" | paste -sd ';' - | sed 's/;/; /g'
}

# Runs one part, keeps its summary lines, and counts it as passed or failed.
part() {
  local name=$1; shift
  echo "== $name: $*"
  local started=$SECONDS
  if "$@" 2>&1 | tee "$log"; [ "${PIPESTATUS[0]}" -eq 0 ]; then
    passed=$((passed + 1))
    summary+=("$(printf '%-8s passed in %3d s — %s' "$name" $((SECONDS - started)) "$(figures "$log" "$name")")")
  else
    failed=$((failed + 1))
    summary+=("$(printf '%-8s FAILED in %3d s — %s' "$name" $((SECONDS - started)) "$(grep -E "^$name: " "$log" | tail -1)")")
  fi
}

part crash python3 Scripts/fault/crash_test.py --consult "$binary" "${crash_args[@]}"
# Position papers: SIGKILL while files are uploaded and submitted (Scripts/fault/upload_crash_test.py).
part uploads python3 Scripts/fault/upload_crash_test.py --consult "$binary" --kills $([ "$quick" = 1 ] && echo 2 || echo 6)
part disk python3 Scripts/fault/disk_test.py --consult "$binary"
part hostile python3 Scripts/fault/hostile_requests.py --consult "$binary"
part fuzz bash Scripts/fault/fuzz_api.sh --consult "$binary"
# The same fuzz against a node on PostgreSQL (issue 18).
part fuzz-pg bash Scripts/fault/fuzz_api.sh --consult "$binary" --postgres
part backup python3 Scripts/fault/backup_test.py --consult "$binary"
rm -f "$log"

echo
echo "reliability$([ "$quick" = 1 ] && echo " (quick)"):"
for line in "${summary[@]}"; do echo "  $line"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
