#!/usr/bin/env bash
# Before and after in the same run: ingest over HTTP (wrk, 16 and 64 connections) and the raw
# CSV export of one generated database, by the release build of REV_BEFORE and of the working
# tree, alternately (before, after, before, after …) so that the machine's drift falls on both.
# Issue 18 asks it of the store's move behind role protocols: the SQLite engine must lose nothing.
#
# Usage: Scripts/benchmark-compare.sh REV_BEFORE [SECONDS per ingest run, default 10] [SUBMISSIONS to export, default 100000]
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
before_rev=${1:?usage: Scripts/benchmark-compare.sh REV_BEFORE [SECONDS] [SUBMISSIONS]}
seconds=${2:-10}
count=${3:-100000}
source Scripts/bench/harness.sh
CONSULT=/bin/true bench_begin compare

echo "building the release binary of $before_rev and of the working tree …"
# The earlier build is kept in .build-compare/<commit> (ignored by git), so a second run starts at once.
before_tree=".build-compare/$(git rev-parse "$before_rev")"
[ -d "$before_tree" ] || git worktree add --detach "$before_tree" "$before_rev" >/dev/null 2>&1
(cd "$before_tree" && swift build -c release --product consult >/dev/null)
swift build -c release --product consult >/dev/null
before_binary="$before_tree/.build/release/consult"
after_binary=.build/release/consult

consult=$after_binary
machine_line
echo "before: $before_rev ($(git rev-parse --short "$before_rev")); after: the working tree ($(git rev-parse --short HEAD)$(git diff --quiet || echo ', with changes'))"

ticks_per_second=$(getconf CLK_TCK)
server_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
# One ingest run: a fresh database, wrk for $seconds; prints "rate p99 cpu-per-submission".
ingest_run() {
  local binary=$1 connections=$2
  consult=$binary
  rm -f "$work/ingest.sqlite"*
  start_server "$work/ingest.sqlite"
  local ticks=$(server_ticks)
  local result
  result=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -s Scripts/bench/ingest.lua "http://127.0.0.1:$port" | grep '^RESULT')
  local after_ticks=$(server_ticks)
  stop_server
  eval "$(echo "$result" | sed 's/^RESULT //')"
  local stored
  stored=$(sqlite3 "$work/ingest.sqlite" "SELECT count(*) FROM submission")
  awk -v r="$requests" -v d="$duration" -v p="$p99_ms" -v t=$((after_ticks - ticks)) -v hz="$ticks_per_second" -v n="$stored" \
    'BEGIN { printf "%.0f %s %.0f\n", r / d, p, (n > 0 ? t / hz * 1e6 / n : 0) }'
}

echo
echo "ingest, POST /api/v1/surveys/ai-risk-assessment/submissions, ${seconds} s a run, fresh database each run:"
printf '  %-12s %-8s %14s %10s %16s\n' connections build submissions/s p99 CPU/submission
for connections in 16 64; do
  for round in 1 2; do
    for build in before after; do
      binary=$before_binary; [ "$build" = after ] && binary=$after_binary
      read -r rate p99 cpu < <(ingest_run "$binary" "$connections")
      printf '  %-12s %-8s %14s %7s ms %13s µs\n' "$connections" "$build" "$rate" "$p99" "$cpu"
      echo "$connections $build $rate $cpu" >> "$work/ingest.results"
    done
  done
done
awk '{ rate[$1" "$2] += $3; cpu[$1" "$2] += $4 }
  END { for (c in rate) if (c ~ / after$/) { split(c, k, " "); b = k[1]" before";
    printf "  %s connections: after/before %.3f (rate), %.3f (CPU per submission)\n", k[1], rate[c] / rate[b], cpu[c] / cpu[b] } }' \
  "$work/ingest.results" | sort -n

echo
echo "raw CSV export of $count generated submissions (neurotech-2025), the same database:"
"$after_binary" generate neurotech-2025 --count "$count" --seed 2025 --batch 10000 --db "$work/export.sqlite" >/dev/null
for round in 1 2; do
  for build in before after; do
    binary=$before_binary; [ "$build" = after ] && binary=$after_binary
    /usr/bin/time -f "%e %U %S" -o "$work/time" "$binary" export neurotech-2025 --what raw --format csv \
      --out "$work/out-$build-$round" --db "$work/export.sqlite" >/dev/null 2>&1
    read -r wall user system < "$work/time"
    printf '  %-8s %8.2f s %8.2f s CPU   sha256 %s\n' "$build" "$wall" "$(awk "BEGIN {print $user + $system}")" \
      "$(cat "$work/out-$build-$round"/*.csv | sha256sum | cut -c1-16)"
    echo "$build $wall" >> "$work/export.results"
  done
done
awk '{ t[$1] += $2 } END { printf "  after/before %.3f (wall time)\n", t["after"] / t["before"] }' "$work/export.results"
