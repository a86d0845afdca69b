#!/usr/bin/env bash
# SPSS and Stata export benchmark (issue #17): wall time and peak memory of the raw export as
# .sav and .dta beside the raw CSV export of the same database in the same run (the goal: at
# most 3 × the CSV's time, peak RSS flat, at most 150 MB for 1,000,000 submissions).
#
# Usage: Scripts/benchmark-readstat.sh [COUNT] [DATABASE]
#   COUNT     submissions to generate when DATABASE does not exist yet (default 1000000)
#   DATABASE  the SQLite file to read (default /tmp/consult-bench-COUNT.sqlite); it is copied
#             first, so the file given is never changed
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
count=${1:-1000000}
db=${2:-/tmp/consult-bench-$count.sqlite}
survey=neurotech-2025
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

swift build -c release --product consult >/dev/null
consult=.build/release/consult
if [ ! -f "$db" ]; then
  echo "generating $count submissions into $db …"
  "$consult" generate "$survey" --count "$count" --seed 2025 --batch 10000 --db "$db" >/dev/null
fi
cp "$db" "$out/bench.sqlite"

# Runs a command under GNU time; prints "label  seconds  peak-RSS-MB".
measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" >/dev/null 2>"$out/stderr" || { cat "$out/stderr"; exit 1; }
  read -r seconds kilobytes < "$out/time"
  printf '%-36s %8.2f s %8.1f MB peak RSS\n' "$label" "$seconds" "$(awk "BEGIN {print $kilobytes / 1024}")"
  echo "$seconds" > "$out/last"
}

submissions=$(sqlite3 "$out/bench.sqlite" "SELECT count(*) FROM submission")
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; database: $submissions submissions, $(du -m "$out/bench.sqlite" | cut -f1) MB"
measure "consult export --what raw --format csv" "$consult" export "$survey" --what raw --format csv --out "$out/csv" --db "$out/bench.sqlite"
csv=$(cat "$out/last")
echo "  $(du -m "$out/csv/responses.csv" | cut -f1) MB"
rm -rf "$out/csv"
for format in sav dta; do
  measure "consult export --what raw --format $format" "$consult" export "$survey" --what raw --format "$format" --out "$out/$format" --db "$out/bench.sqlite"
  printf '  %s MB, %.2f × the raw CSV export (goal ≤ 3 ×)\n' "$(du -m "$out/$format/responses.$format" | cut -f1)" "$(awk "BEGIN {print $(cat "$out/last") / $csv}")"
  rm -rf "$out/$format"
done
