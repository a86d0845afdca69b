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

# Runs a command under GNU time; prints "label  seconds  peak-RSS-MB  CPU seconds" and leaves
# wall and CPU (user + system) seconds in $out/last and $out/cpu.
measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$out/time" "$@" >/dev/null 2>"$out/stderr" || { cat "$out/stderr"; exit 1; }
  read -r seconds kilobytes user system < "$out/time"
  cpu=$(awk "BEGIN {print $user + $system}")
  printf '%-34s %8.2f s %8.1f MB %8.2f s CPU\n' "$label" "$seconds" "$(awk "BEGIN {print $kilobytes / 1024}")" "$cpu"
  echo "$seconds" > "$out/last"
  echo "$cpu" > "$out/cpu"
  echo "$kilobytes" > "$out/kilobytes"
}

submissions=$(sqlite3 "$db" "SELECT count(*) FROM submission")
size=$(du -m "$db" | cut -f1)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg); database: $submissions submissions, $size MB"
echo
echo "limits (same rows, same run):"
measure "sqlite3 -csv raw rows" sqlite3 -csv "$db" "SELECT s.id, s.received_at_ms, s.final_sector, s.country, s.publication, v.answers_json FROM submission s JOIN submission_version v ON v.submission_seq = s.seq AND v.version = s.version ORDER BY s.seq"
limit_raw=$(cat "$out/last"); limit_raw_cpu=$(cat "$out/cpu")
measure "sqlite3 GROUP BY question,option,sector" sqlite3 -csv "$db" "SELECT a.question, a.option, s.final_sector, count(*) FROM answer_value a JOIN submission s ON s.seq = a.submission_seq GROUP BY a.question, a.option, s.final_sector"
limit_group=$(cat "$out/last")
echo
echo "consult exports (issue 19 goals: raw CSV ≤ 1.5 × and raw XML ≤ 2.5 × sqlite3 -csv; analysis ≤ 10 s, peak RSS ≤ 150 MB):"
for what in raw analysis; do
  for format in csv xml; do
    measure "consult export --what $what --format $format" "$consult" export "$survey" --what "$what" --format "$format" --out "$out/$what-$format" --db "$db"
    seconds=$(cat "$out/last"); cpu=$(cat "$out/cpu"); megabytes=$(awk "BEGIN {print $(cat "$out/kilobytes") / 1024}")
    per100k=$(awk "BEGIN {printf \"%.2f\", $cpu * 100000 / $submissions}")
    if [ "$what" = raw ]; then
      goal=1.5; [ "$format" = xml ] && goal=2.5
      ratio=$(awk "BEGIN {printf \"%.2f\", $seconds / $limit_raw}")
      cpu_ratio=$(awk "BEGIN {printf \"%.2f\", $cpu / $limit_raw_cpu}")
      met=no; awk "BEGIN {exit !($ratio <= $goal)}" && met=yes
      printf '%-34s %8s × the limit %.2f s (goal ≤ %s ×: %s); CPU %s × the limit'"'"'s %.2f s; %s s CPU per 100,000 rows\n' \
        "" "$ratio" "$limit_raw" "$goal" "$met" "$cpu_ratio" "$limit_raw_cpu" "$per100k"
    else
      met=no; awk "BEGIN {exit !($seconds <= 10 && $megabytes <= 150)}" && met=yes
      printf '%-34s %8.2f × the GROUP BY limit %.2f s; goal ≤ 10 s and ≤ 150 MB: %s; %s s CPU per 100,000 submissions\n' \
        "" "$(awk "BEGIN {print $seconds / $limit_group}")" "$limit_group" "$met" "$per100k"
    fi
    rm -rf "$out/$what-$format"
  done
done
