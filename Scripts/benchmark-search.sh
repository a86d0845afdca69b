#!/usr/bin/env bash
# Reading-room search benchmark (issue 14), in one run:
#  1. the index built by the v7 migration on a copy of DATABASE (its open_text, FTS5 index and
#     coding tables dropped first, so the migration backfills them as it would on an upgrade):
#     the backfill's wall time and the index size (dbstat: open_text and its FTS5 tables; the
#     file before and after);
#  2. search latency through the HTTP API of the real server (release build, consult serve on
#     the copy, one keep-alive connection, GET /api/v1/surveys/neurotech-2025/texts with an
#     analyst token, 50 results and the total counted up to 1,000): p50/p95 of a fixed set of
#     20 queries (words, phrases, prefixes, boolean, with and without a sector filter), each run
#     REPEAT times after one warm-up; goal: p95 <= 100 ms for a word with a sector filter;
#  3. ingest with and without the index in the same run: POST /submissions of the shipped risk
#     assessment (2 free texts each) under wrk at 64 connections into fresh files, alternating
#     `consult serve` with the hidden `--benchmark-without-text-index` (nothing written to
#     open_text, so no FTS5 work) and without it, INGEST_RUNS times each (default 2); goal: <= 15 %
#     slower with the index.
#
# Usage: [CONSULT=binary] [PREPARED=1] [INGEST_RUNS=2] Scripts/benchmark-search.sh [DATABASE] [SECONDS per ingest run, default 10] [REPEAT, default 20]
#   DATABASE  a neurotech-2025 database (e.g. one made by `consult generate neurotech-2025 --count 1000000`);
#             default: 100,000 submissions generated into a temporary file.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
source_db=${1:-}
seconds=${2:-10}
repeat=${3:-20}
survey=neurotech-2025
source Scripts/bench/harness.sh
bench_begin search


machine_line
db="$work/search.sqlite"
mb() { awk "BEGIN {printf \"%.0f\", $1 / 1048576}"; }
if [ -n "${PREPARED:-}" ]; then
  # PREPARED=1: DATABASE already holds the reading room (a copy kept from an earlier run); it is
  # searched in place (a bench token is added) and the backfill is not measured again.
  db=$source_db
  token=$("$consult" token create --role analyst --name "bench $(date +%s)" --db "$db")
  echo "index: $(sqlite3 "$db" "SELECT count(*) FROM submission") submissions, $(sqlite3 "$db" "SELECT count(*) FROM open_text") free texts (prepared earlier)"
  echo "  open_text + its FTS5 index: $(mb "$(sqlite3 "$db" "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'open_text%' OR name LIKE 'sqlite_autoindex_open_text%'")") MB"
else
  if [ -n "$source_db" ]; then
    echo "copying $source_db …"
    sqlite3 "$source_db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    cp "$source_db" "$db"
  else
    echo "generating 100000 submissions …"
    "$consult" generate "$survey" --count 100000 --seed 2025 --batch 10000 --db "$db" >/dev/null
  fi
  # As before the reading room: the v7 migration builds the texts and their index at the next open.
  sqlite3 "$db" "DROP TABLE IF EXISTS coding; DROP TABLE IF EXISTS coding_bulk; DROP TABLE IF EXISTS theme;
    DROP TABLE IF EXISTS open_text_search; DROP TABLE IF EXISTS open_text;
    DELETE FROM grdb_migrations WHERE identifier LIKE 'v7%';"
  submissions=$(sqlite3 "$db" "SELECT count(*) FROM submission")
  before=$(stat -c %s "$db")
  /usr/bin/time -f "%e %M" -o "$work/backfill.time" "$consult" token create --role analyst --name bench --db "$db" > "$work/token"
  token=$(tail -n 1 "$work/token")
  sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
  after=$(stat -c %s "$db")
  read -r backfill_s backfill_kb < "$work/backfill.time"
  texts=$(sqlite3 "$db" "SELECT count(*) FROM open_text")
  index_bytes=$(sqlite3 "$db" "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'open_text%' OR name LIKE 'sqlite_autoindex_open_text%'")
  fts_bytes=$(sqlite3 "$db" "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'open_text_search%'")
  echo
  echo "index: $submissions submissions, $texts free texts"
  echo "  v7 backfill (open_text + FTS5 index, in the migration at open): ${backfill_s} s, peak RSS $(mb $((backfill_kb * 1024))) MB"
  echo "  open_text + its FTS5 index: $(mb "$index_bytes") MB (FTS5 tables alone $(mb "$fts_bytes") MB)"
  echo "  file: $(mb "$before") MB before, $(mb "$after") MB after (+$(awk "BEGIN {printf \"%.1f\", 100 * ($after - $before) / $before}") %; free pages reused first)"

fi

start_server "$db"
echo
echo "search over HTTP ($consult serve; one keep-alive connection; 50 results and the total counted up to 1,000; $repeat runs per query after a warm-up):"
python3 - "$port" "$token" "$survey" "$repeat" <<'PY'
import http.client, json, statistics, sys, time, urllib.parse
port, token, survey, repeat = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
queries = [
    ("word", "privacy", None), ("word + sector", "privacy", "academia"),
    ("word", "oversight", None), ("word + sector", "oversight", "law_enforcement"),
    ("word + sector", "court", "civil_society"), ("phrase", '"mental privacy"', None),
    ("phrase + sector", '"consent evidence"', "industry"), ("phrase, 3 words", '"data risk law"', None),
    ("prefix", "priv*", None), ("prefix + sector", "over*", "academia"),
    ("prefix, short", "co*", None), ("AND", "privacy AND court", None),
    ("AND + sector", "consent AND training", "government_policy"), ("OR", "privacy OR consent", None),
    ("OR + sector", "court OR law", "criminal_justice"), ("NOT", "privacy NOT data", None),
    ("NOT + sector", "risk NOT evidence", "academia"), ("group", "(law OR court) AND evidence", None),
    ("rare word", "emoji", None), ("rare word + sector", "hyperlink", "industry"),
]
connection = http.client.HTTPConnection("127.0.0.1", port)
def run(q, sector):
    params = {"q": q}
    if sector:
        params["sector"] = sector
    started = time.perf_counter()
    connection.request("GET", f"/api/v1/surveys/{survey}/texts?" + urllib.parse.urlencode(params),
                       headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        sys.exit(f"{q}: HTTP {response.status} {body[:200]!r}")
    return elapsed, json.loads(body)
def p95(values):
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
everything, word_sector = [], []
print(f"  {'kind':<20} {'query':<30} {'sector':<16} {'total':>9} {'p50 ms':>8} {'p95 ms':>8}")
for kind, q, sector in queries:
    _, reply = run(q, sector)
    times = [run(q, sector)[0] for _ in range(repeat)]
    everything += times
    if kind == "word + sector":
        word_sector += times
    total = f"{reply['total']}{'' if reply['total_is_exact'] else '+'}"
    print(f"  {kind:<20} {q:<30} {sector or '-':<16} {total:>9} {statistics.median(times):8.1f} {p95(times):8.1f}")
print(f"  all 20 queries: p50 {statistics.median(everything):.1f} ms, p95 {p95(everything):.1f} ms")
goal = p95(word_sector)
print(f"  goal, a word with a sector filter: p95 {goal:.1f} ms (goal <= 100 ms): {'met' if goal <= 100 else 'NOT met'}")
PY
stop_server

echo
echo "ingest with and without the index (POST /submissions of ai-risk-assessment, wrk 64 connections, ${seconds} s each, fresh files):"
rates=()
for run in $(seq "${INGEST_RUNS:-2}"); do
  for mode in without with; do
    fresh="$work/ingest-$mode-$run.sqlite"
    if [ "$mode" = without ]; then start_server "$fresh" --benchmark-without-text-index; else start_server "$fresh"; fi
    result=$(wrk -t2 -c64 -d"${seconds}s" --latency -s Scripts/bench/ingest.lua "http://127.0.0.1:$port" | grep '^RESULT')
    stop_server
    eval "$(echo "$result" | sed 's/^RESULT //')"
    rate=$(awk "BEGIN {printf \"%.0f\", $requests / $duration}")
    stored_texts=$(sqlite3 "$fresh" "SELECT count(*) FROM open_text")
    printf '  run %s, %-7s index: %6s submissions/s, p50 %6s ms, p99 %6s ms, errors %s, open_text rows %s\n' \
      "$run" "$mode" "$rate" "$p50_ms" "$p99_ms" "$((non2xx + socket_errors))" "$stored_texts"
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
with_index = sum(rates["with"]) / len(rates["with"])
without = sum(rates["without"]) / len(rates["without"])
slower = 100 * (without - with_index) / without
print(f"  mean: {without:.0f}/s without, {with_index:.0f}/s with the index: {slower:.1f} % slower "
      f"(goal <= 15 %): {'met' if slower <= 15 else 'NOT met'}")
PY
