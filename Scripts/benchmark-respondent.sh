#!/usr/bin/env bash
# Respondent benchmark: respondents completing the web form of the risk assessment as a
# browser without JavaScript would (introduction, start, the nine pages each shown and posted,
# review, submit, confirmation: 23 requests, with the session and draft cookies and each form's
# anti-forgery token), against the real server (release build, fresh SQLite file, rate limit
# off), with Scripts/bench/respondent.c at 1, 16, 64 and 256 connections, beside the machine's
# limit for the same HTTP work measured in the same run: wrk on GET /healthz of the same server
# at 64 connections. Ends with the stored submissions, which must be the respondents counted.
#
# Usage: Scripts/benchmark-respondent.sh [SECONDS per level, default 10]
# Exits non-zero when a request failed or the stored submissions are not the respondents counted.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
seconds=${1:-10}
if ! command -v wrk >/dev/null 2>&1; then
  echo "setup: installing wrk"
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y -qq wrk >/dev/null; fi
fi
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

swift build -c release --product consult >/dev/null
consult=.build/release/consult
cc -O2 -o "$work/respondent" Scripts/bench/respondent.c -lpthread

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$consult" serve --db "$work/consult.sqlite" --port "$port" --rate-limit 0 > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
if ! curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
  echo "the server did not start:" >&2
  tail -20 "$work/server.log" >&2
  exit 1
fi

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
echo
echo "limit: wrk, GET /healthz of the same server, 64 connections, ${seconds} s (same run):"
limit=$(wrk -t2 -c64 -d"${seconds}s" "http://127.0.0.1:$port/healthz" | awk '/^Requests\/sec:/ {printf "%.0f", $2}')
echo "  $limit requests/s"

echo
echo "consult serve, respondents through the web form of ai-risk-assessment (23 requests each), ${seconds} s per level:"
printf '  %-12s %13s %10s %11s %11s %8s %14s\n' connections respondents/s requests/s p50 p99 errors "of the limit"
counted=0
failed=0
steps=()
for connections in 1 16 64 256; do
  output=$("$work/respondent" "$port" "$connections" "$seconds")
  result=$(echo "$output" | grep '^RESULT')
  eval "$(echo "$result" | sed 's/^RESULT //')"
  rate=$(awk "BEGIN {printf \"%.1f\", $respondents / $duration}")
  request_rate=$(awk "BEGIN {printf \"%.0f\", $requests / $duration}")
  printf '  %-12s %13s %10s %8s ms %8s ms %8s %13s%%\n' "$connections" "$rate" "$request_rate" "$p50_ms" "$p99_ms" \
    "$errors" "$(awk "BEGIN {printf \"%.1f\", 100 * $request_rate / $limit}")"
  echo "$output" | grep '^ERROR' | sed 's/^ERROR /    error: /' || true
  steps+=("$connections $(echo "$output" | grep '^STEPS' | sed 's/^STEPS //')")
  counted=$((counted + respondents))
  failed=$((failed + errors))
done

echo
echo "mean time of each request (ms):"
printf '  %-12s' connections
for field in ${steps[0]#* }; do printf ' %12s' "${field%%=*}"; done
echo
for line in "${steps[@]}"; do
  printf '  %-12s' "${line%% *}"
  for field in ${line#* }; do printf ' %12s' "${field#*=}"; done
  echo
done

stored=$(sqlite3 "$work/consult.sqlite" "SELECT count(*) FROM submission")
integrity=$(sqlite3 "$work/consult.sqlite" 'PRAGMA integrity_check')
echo
echo "stored: $stored submissions, $counted respondents counted; integrity: $integrity"
echo "took ${SECONDS} s"
if [ "$failed" -ne 0 ] || [ "$stored" -ne "$counted" ] || [ "$integrity" != ok ]; then
  echo "FAILED: $failed errors; $stored stored for $counted respondents counted; integrity: $integrity" >&2
  exit 1
fi
