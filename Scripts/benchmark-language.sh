#!/usr/bin/env bash
# What guessing the free texts' languages (CLD2, issue 15) costs at ingest: POST /submissions of the
# shipped risk assessment (2 free texts each; Scripts/bench/ingest.lua) under wrk at 64 connections,
# alternating the normal server and `consult serve --benchmark-without-language` (a hidden flag that
# stores every text as undetermined without asking CLD2), on fresh files, RUNS pairs; then the
# per-text cost beside a plain pass over the same letters (consult language-accuracy), same run.
#
# Usage: [CONSULT=binary] [RUNS=3] Scripts/benchmark-language.sh [SECONDS per ingest run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
seconds=${1:-10}
source Scripts/bench/harness.sh
bench_begin language

echo "machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); binary $consult"
echo "ingest with and without the language guess (wrk 64 connections, ${seconds} s each, fresh files):"
rates=()
for run in $(seq "${RUNS:-3}"); do
  for mode in without with; do
    fresh="$work/ingest-$mode-$run.sqlite"
    if [ "$mode" = without ]; then start_server "$fresh" --benchmark-without-language; else start_server "$fresh"; fi
    result=$(wrk -t2 -c64 -d"${seconds}s" --latency -s Scripts/bench/ingest.lua "http://127.0.0.1:$port" | grep '^RESULT')
    stop_server
    eval "$(echo "$result" | sed 's/^RESULT //')"
    rate=$(awk "BEGIN {printf \"%.0f\", $requests / $duration}")
    judged=$(sqlite3 "$fresh" "SELECT count(*) FROM open_text WHERE language <> 'und'")
    printf '  run %s, %-7s the guess: %6s submissions/s, p50 %6s ms, p99 %6s ms, errors %s, texts with a language %s\n' \
      "$run" "$mode" "$rate" "$p50_ms" "$p99_ms" "$((non2xx + socket_errors))" "$judged"
    rates+=("$mode:$rate")
    rm -f "$fresh" "$fresh-wal" "$fresh-shm"
  done
done
python3 - "${rates[@]}" <<'PY'
import sys
rates = {"with": [], "without": []}
for item in sys.argv[1:]:
    mode, rate = item.split(":")
    rates[mode].append(float(rate))
with_guess = sum(rates["with"]) / len(rates["with"])
without = sum(rates["without"]) / len(rates["without"])
print(f"  mean: {without:.0f}/s without, {with_guess:.0f}/s with the guess: {100 * (without - with_guess) / without:.1f} % slower")
PY
echo
echo "per text, on the corpus shipped with the tests:"
"$consult" language-accuracy Tests/Language/corpus.tsv | tail -1
