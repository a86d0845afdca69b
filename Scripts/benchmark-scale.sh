#!/usr/bin/env bash
# Scale benchmark: a survey with millions of submissions on this machine. Generates them
# through the store's ingest path (answers checked, prepared on every core, inserted with
# their tallies, 10,000 a transaction) beside the limit for the same rows (raw SQLite
# inserts from C, same batch, same durability), then reports the size on disk and the
# analysis exports (CSV, XML) beside a plain SQL GROUP BY of the same counts, in the same run.
#
# Usage: Scripts/benchmark-scale.sh [COUNT] [DATABASE]
#   COUNT     submissions (default 5000000)
#   DATABASE  the SQLite file (default /tmp/consult-scale-COUNT.sqlite); reused if it exists
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
count=${1:-5000000}
db=${2:-/tmp/consult-scale-$count.sqlite}
survey=neurotech-2025
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

swift build -c release --product consult >/dev/null
consult=.build/release/consult
cc -O2 -o "$out/raw_insert" Scripts/bench/raw_insert.c -lsqlite3

# Runs a command under GNU time; prints "label  seconds  peak-RSS-MB".
measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" >/dev/null 2>"$out/stderr" || { cat "$out/stderr"; exit 1; }
  read -r seconds kilobytes < "$out/time"
  printf '%-40s %9.2f s %8.1f MB\n' "$label" "$seconds" "$(awk "BEGIN {print $kilobytes / 1024}")"
  echo "$seconds" > "$out/last"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(sqlite3 --version | cut -d' ' -f1) SQLite"
echo
echo "limit: raw SQLite inserts of submissions like the risk assessment's, 10,000 a transaction (same run):"
"$consult" token create --role analyst --name bench --db "$out/raw.sqlite" >/dev/null
echo "  $("$out/raw_insert" "$out/raw.sqlite" 200000 10000)"
rm -f "$out"/raw.sqlite*
echo
if [ -f "$db" ]; then
  echo "ingest: reusing $db"
else
  measure "ingest: consult generate $count" "$consult" generate "$survey" --count "$count" --seed 2025 --batch 10000 --db "$db"
  echo "  $(awk "BEGIN {printf \"%.0f\", $count / $(cat "$out/last")}") submissions/s"
fi
submissions=$(sqlite3 "$db" "SELECT count(*) FROM submission")
echo "database: $submissions submissions, $(du -m "$db" | cut -f1) MB on disk ($(awk "BEGIN {printf \"%.2f\", $(stat -c %s "$db") / $submissions / 1024}") KiB a submission)"
echo
measure "limit: sqlite3 GROUP BY question,option,sector" sqlite3 -csv "$db" "SELECT a.question, a.option, s.final_sector, count(*) FROM answer_value a JOIN submission s ON s.seq = a.submission_seq GROUP BY a.question, a.option, s.final_sector"
limit=$(cat "$out/last")
for format in csv xml; do
  measure "consult export --what analysis --format $format" "$consult" export "$survey" --what analysis --format "$format" --out "$out/analysis-$format" --db "$db"
  printf '%-40s %9.2f × the limit\n' "" "$(awk "BEGIN {print $(cat "$out/last") / $limit}")"
  rm -rf "$out/analysis-$format"
done
