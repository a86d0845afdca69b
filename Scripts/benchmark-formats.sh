#!/usr/bin/env bash
# Export formats benchmark (issue 17): wall time and peak memory of the spreadsheet and
# statistics formats of a large synthetic survey, each beside the CSV export of the same
# content measured in the same run (the raw CSV for the raw exports, the analysis CSV for the
# analysis), with the ratio and whether peak RSS stays within 150 MB.
# Another format is one more `compare` line at the end.
#
# Usage: Scripts/benchmark-formats.sh [COUNT] [DATABASE]
#   COUNT     submissions to generate when DATABASE does not exist yet (default 1000000)
#   DATABASE  the SQLite file to use (default /tmp/consult-bench-COUNT.sqlite); exports only read it
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
count=${1:-1000000}
db=${2:-/tmp/consult-bench-$count.sqlite}
survey=neurotech-2025
memory_goal_mb=150
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

swift build -c release --product consult >/dev/null
consult=.build/release/consult
if [ ! -f "$db" ]; then
  echo "generating $count submissions into $db …"
  "$consult" generate "$survey" --count "$count" --seed 2025 --batch 10000 --db "$db" >/dev/null
fi

# Runs `consult export` under GNU time; prints "label  seconds  peak-RSS-MB" and leaves the
# seconds in $seconds; a refused export (exit ≠ 0) prints the first line of its message instead.
run_export() {
  local what=$1 format=$2 label="consult export --what $1 --format $2"
  if /usr/bin/time -f "%e %M" -o "$out/time" "$consult" export "$survey" --what "$what" --format "$format" \
    --out "$out/$what-$format" --db "$db" >/dev/null 2>"$out/stderr"; then
    read -r seconds kilobytes < "$out/time"
    megabytes=$(awk "BEGIN {print $kilobytes / 1024}")
    printf '%-42s %8.2f s %8.1f MB' "$label" "$seconds" "$megabytes"
    refused=""
  else
    read -r seconds kilobytes < <(tail -n 1 "$out/time")
    printf '%-42s refused after %.2f s: %s' "$label" "$seconds" "$(grep -v '^\[' "$out/stderr" | tr '\r' '\n' | grep . | head -n 1 | cut -c1-160)"
    refused=yes
  fi
  rm -rf "${out:?}/$what-$format"
}

# The CSV export of each content, the yardstick of the other formats.
declare -A baseline
measure_baseline() {
  run_export "$1" csv
  baseline[$1]=$seconds
  echo "   (baseline)"
}

# One format of one content, beside that content's CSV.
compare() {
  local what=$1 format=$2
  run_export "$what" "$format"
  if [ -z "$refused" ]; then
    local within=no
    awk "BEGIN {exit !($megabytes <= $memory_goal_mb)}" && within=yes
    printf '   %5.2f × the %s CSV; RSS ≤ %d MB: %s\n' "$(awk "BEGIN {print $seconds / ${baseline[$what]}}")" "$what" \
      "$memory_goal_mb" "$within"
  else
    echo
  fi
}

submissions=$(sqlite3 "$db" "SELECT count(*) FROM submission")
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg); database: $submissions submissions, $(du -m "$db" | cut -f1) MB"
echo
measure_baseline raw
measure_baseline analysis
compare raw xlsx
compare analysis xlsx
compare raw sav
compare raw dta
