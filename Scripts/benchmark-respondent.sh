#!/usr/bin/env bash
# Respondent benchmark: respondents completing the web form of the risk assessment as a
# browser without JavaScript would (introduction, start, the nine pages each shown and posted,
# review, submit, confirmation: 23 requests, with the session and draft cookies and each form's
# anti-forgery token), against the real server (release build, fresh SQLite file, rate limit
# off), with Scripts/bench/respondent.c at 1, 16, 64 and 256 connections, beside the machine's
# limit for the same HTTP work measured in the same run: wrk on GET /healthz of the same server
# at 64 connections. Ends with the stored submissions, which must be the respondents counted.
# CPU: each level prints the server's CPU per respondent (utime + stime of the server process,
# /proc/PID/stat, over the level, divided by the respondents counted); then one connection plays
# respondents for SECONDS more while respondent.c reads the CPU time of all the server's threads
# (/proc/PID/task/*/schedstat) before each request and after its response, which charges each
# kind of page its own CPU (one connection: the server serves one request at a time). Work done
# between requests (background workers) is charged to no page; the total beside shows how much.
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
# Every simulated browser comes from 127.0.0.1: the cap of open drafts per address (100 by
# default) would refuse the 256-connection level, which stands for 256 browsers on their own addresses.
"$consult" serve --db "$work/consult.sqlite" --port "$port" --rate-limit 0 --drafts-per-address 100000 > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
if ! curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
  echo "the server did not start:" >&2
  tail -20 "$work/server.log" >&2
  exit 1
fi

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
echo
ticks_per_second=$(getconf CLK_TCK)
# The server's CPU so far in clock ticks: utime + stime (fields 14 and 15 of /proc/PID/stat).
server_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
echo "limit: wrk, GET /healthz of the same server, 64 connections, ${seconds} s (same run):"
before=$(server_ticks)
healthz=$(wrk -t2 -c64 -d"${seconds}s" "http://127.0.0.1:$port/healthz")
after=$(server_ticks)
limit=$(echo "$healthz" | awk '/^Requests\/sec:/ {printf "%.0f", $2}')
healthz_requests=$(echo "$healthz" | awk '/requests in/ {print $1}')
echo "  $limit requests/s, server CPU $(awk "BEGIN {printf \"%.0f\", ($after - $before) / $ticks_per_second * 1e6 / $healthz_requests}") µs a request"
echo "  ($(awk "BEGIN {printf \"%.0f\", $limit / 23}") respondents/s if each of the 23 requests cost what /healthz costs)"

echo
echo "consult serve, respondents through the web form of ai-risk-assessment (23 requests each), ${seconds} s per level:"
printf '  %-12s %13s %10s %11s %11s %8s %14s %16s\n' connections respondents/s requests/s p50 p99 errors "of the limit" "CPU/respondent"
counted=0
failed=0
steps=()
for connections in 1 16 64 256; do
  before=$(server_ticks)
  output=$("$work/respondent" "$port" "$connections" "$seconds")
  after=$(server_ticks)
  result=$(echo "$output" | grep '^RESULT')
  eval "$(echo "$result" | sed 's/^RESULT //')"
  rate=$(awk "BEGIN {printf \"%.1f\", $respondents / $duration}")
  request_rate=$(awk "BEGIN {printf \"%.0f\", $requests / $duration}")
  printf '  %-12s %13s %10s %8s ms %8s ms %8s %13s%% %13s µs\n' "$connections" "$rate" "$request_rate" "$p50_ms" "$p99_ms" \
    "$errors" "$(awk "BEGIN {printf \"%.1f\", 100 * $request_rate / $limit}")" \
    "$(awk "BEGIN {printf \"%.0f\", ($respondents > 0 ? ($after - $before) / $ticks_per_second * 1e6 / $respondents : 0)}")"
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

echo
echo "server CPU of each request (µs), one connection, ${seconds} s, measured around each request:"
output=$("$work/respondent" "$port" 1 "$seconds" "$server")
eval "$(echo "$output" | grep '^RESULT' | sed 's/^RESULT //')"
echo "$output" | grep '^ERROR' | sed 's/^ERROR /    error: /' || true
counted=$((counted + respondents))
failed=$((failed + errors))
cpu_line=$(echo "$output" | grep '^CPU ' | sed 's/^CPU //')
for field in $cpu_line; do printf ' %12s' "${field%%=*}"; done
echo
for field in $cpu_line; do printf ' %12s' "${field#*=}"; done
echo
eval "$(echo "$output" | grep '^CPU_TOTAL' | sed 's/^CPU_TOTAL //')"
echo "  a respondent (1 introduction, 1 start, 9 page views, 9 page posts, review, submit, confirmation):" \
  "$(awk "BEGIN {printf \"%.0f\", $charged_us / $respondents}") µs charged to its requests;" \
  "$(awk "BEGIN {printf \"%.1f\", 100 * $charged_us / $server_us}") % of the server's CPU in that run was charged to a request"

stored=$(sqlite3 "$work/consult.sqlite" "SELECT count(*) FROM submission")
integrity=$(sqlite3 "$work/consult.sqlite" 'PRAGMA integrity_check')
echo
echo "stored: $stored submissions, $counted respondents counted; integrity: $integrity"
echo "took ${SECONDS} s"
if [ "$failed" -ne 0 ] || [ "$stored" -ne "$counted" ] || [ "$integrity" != ok ]; then
  echo "FAILED: $failed errors; $stored stored for $counted respondents counted; integrity: $integrity" >&2
  exit 1
fi
