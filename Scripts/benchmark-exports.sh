#!/usr/bin/env bash
# Export benchmark: wall time and peak memory of every export of a large synthetic survey,
# beside the machine's limits for the same work measured in the same run (sqlite3 -csv
# dumping the same rows, and a plain SQL GROUP BY of the same counts). With COUNT 5000000
# it is the scale benchmark: the generation time (the store's ingest path: answers checked,
# prepared, inserted with their tallies, 10,000 a transaction) and the size on disk come first.
#
# Usage: Scripts/benchmark-exports.sh [COUNT] [DATABASE]
#   COUNT     submissions to generate when DATABASE does not exist yet (default 1000000)
#   DATABASE  the SQLite file to use (default /tmp/consult-bench-COUNT.sqlite)
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
  /usr/bin/time -f "%e" -o "$out/generate.time" "$consult" generate "$survey" --count "$count" --seed 2025 --batch 10000 --db "$db" >/dev/null
  echo "generated in $(cat "$out/generate.time") s: $(awk "BEGIN {printf \"%.0f\", $count / $(cat "$out/generate.time")}") submissions/s"
fi

# Runs a command under GNU time; prints "label  seconds  peak-RSS-MB".
measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" >/dev/null 2>"$out/stderr" || { cat "$out/stderr"; exit 1; }
  read -r seconds kilobytes < "$out/time"
  printf '%-34s %8.2f s %8.1f MB\n' "$label" "$seconds" "$(awk "BEGIN {print $kilobytes / 1024}")"
  echo "$seconds" > "$out/last"
}

submissions=$(sqlite3 "$db" "SELECT count(*) FROM submission")
size=$(du -m "$db" | cut -f1)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; database: $submissions submissions, $size MB"
echo
echo "limits (same rows, same run):"
measure "sqlite3 -csv raw rows" sqlite3 -csv "$db" "SELECT s.id, s.received_at_ms, s.final_sector, s.country, s.publication, v.answers_json FROM submission s JOIN submission_version v ON v.submission_seq = s.seq AND v.version = s.version ORDER BY s.seq"
limit_raw=$(cat "$out/last")
measure "sqlite3 GROUP BY question,option,sector" sqlite3 -csv "$db" "SELECT a.question, a.option, s.final_sector, count(*) FROM answer_value a JOIN submission s ON s.seq = a.submission_seq GROUP BY a.question, a.option, s.final_sector"
limit_group=$(cat "$out/last")
echo
echo "consult exports:"
for what in raw analysis; do
  for format in csv xml; do
    measure "consult export --what $what --format $format" "$consult" export "$survey" --what "$what" --format "$format" --out "$out/$what-$format" --db "$db"
    seconds=$(cat "$out/last")
    if [ "$what" = raw ]; then limit=$limit_raw; else limit=$limit_group; fi
    printf '%-34s %8.2f × the limit\n' "" "$(awk "BEGIN {print $seconds / $limit}")"
    rm -rf "$out/$what-$format"
  done
done
