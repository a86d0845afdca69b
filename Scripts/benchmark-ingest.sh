#!/usr/bin/env bash
# Ingest benchmark: validated, durable submissions over HTTP to the real server (release
# build, fresh SQLite file, rate limit off) under wrk at 1, 16, 64 and 256 connections,
# beside the machine's limit for the same rows with the same durability, measured in the
# same run: Scripts/bench/raw_insert.c (prepared statements, WAL, synchronous=FULL) with one
# commit per submission and with 64 per transaction.
# Each level also prints the server's CPU per accepted submission: utime + stime of the server
# process (/proc/PID/stat, all its threads) before and after the level, divided by the
# submissions stored during it (counted in the file) — beside the CPU of GET /healthz, measured
# the same way in the same run, the cost of an HTTP request that does nothing.
#
# Usage: Scripts/benchmark-ingest.sh [SECONDS per level, default 10]
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
cc -O2 -o "$work/raw_insert" Scripts/bench/raw_insert.c -lsqlite3

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(sqlite3 --version | cut -d' ' -f1) SQLite"
echo
echo "limit: the same rows with prepared statements, WAL, synchronous=FULL (same run):"
"$consult" token create --role analyst --name bench --db "$work/raw.sqlite" >/dev/null
raw_single=$("$work/raw_insert" "$work/raw.sqlite" 2000 1)
raw_batched=$("$work/raw_insert" "$work/raw.sqlite" 50000 64)
echo "  one commit each:     $raw_single"
echo "  64 per transaction:  $raw_batched"
limit=$(echo "$raw_batched" | sed -E 's/.*: ([0-9]+)\/s.*/\1/')

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$consult" serve --db "$work/consult.sqlite" --port "$port" --rate-limit 0 > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

ticks_per_second=$(getconf CLK_TCK)
# The server's CPU so far in clock ticks: utime + stime (fields 14 and 15; the command name in
# field 2 is in parentheses and has no spaces here).
server_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
stored_count() { sqlite3 "$work/consult.sqlite" "SELECT count(*) FROM submission"; }

echo
echo "an empty request: wrk, GET /healthz of the same server, 64 connections, ${seconds} s (same run):"
before=$(server_ticks)
healthz=$(wrk -t2 -c64 -d"${seconds}s" "http://127.0.0.1:$port/healthz")
after=$(server_ticks)
healthz_requests=$(echo "$healthz" | awk '/requests in/ {print $1}')
healthz_rate=$(echo "$healthz" | awk '/^Requests\/sec:/ {printf "%.0f", $2}')
echo "  $healthz_rate requests/s, server CPU $(awk "BEGIN {printf \"%.0f\", ($after - $before) / $ticks_per_second * 1e6 / $healthz_requests}") µs a request"

echo
echo "consult serve, POST /api/v1/surveys/ai-risk-assessment/submissions, ${seconds} s per level:"
printf '  %-12s %12s %10s %10s %8s %14s %16s\n' connections submissions/s p50 p99 errors "of the limit" "CPU/submission"
for connections in 1 16 64 256; do
  threads=$(( connections < 2 ? 1 : 2 ))
  stored_before=$(stored_count)
  before=$(server_ticks)
  result=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s Scripts/bench/ingest.lua \
    "http://127.0.0.1:$port" | grep '^RESULT')
  after=$(server_ticks)
  accepted=$(( $(stored_count) - stored_before ))
  eval "$(echo "$result" | sed 's/^RESULT //')"
  rate=$(awk "BEGIN {printf \"%.0f\", $requests / $duration}")
  cpu=$(awk "BEGIN {printf \"%.0f\", ($accepted > 0 ? ($after - $before) / $ticks_per_second * 1e6 / $accepted : 0)}")
  printf '  %-12s %12s %8s ms %7s ms %8s %13s%% %13s µs\n' "$connections" "$rate" "$p50_ms" "$p99_ms" \
    "$((non2xx + socket_errors))" "$(awk "BEGIN {printf \"%.1f\", 100 * $rate / $limit}")" "$cpu"
done
echo "  (of the limit: the rate over the raw rate with 64 a transaction, $limit/s; CPU/submission: the"
echo "   server's utime + stime during the level over the submissions it stored; goal <= 350 µs)"
stored=$(sqlite3 "$work/consult.sqlite" "SELECT count(*) FROM submission")
echo
echo "stored: $stored submissions; integrity: $(sqlite3 "$work/consult.sqlite" 'PRAGMA integrity_check')"
