#!/usr/bin/env bash
# Campaigns benchmark (issue 15, the review and analysis part), in one run:
#  1. the campaigns API through the real server (release build, one keep-alive connection, an
#     analyst token): GET /api/v1/surveys/neurotech-2025/campaigns (every cluster by size and the
#     survey-wide signals: one pass over the survey's submissions and their keyed client
#     addresses) and GET …/campaigns/{id}?compare=… (a 100-member cluster: members, representative
#     under the publication rule, signals with identical closed answers, a word-level comparison),
#     p50/p95 of REPEAT runs after a warm-up, each beside the machine's limit for the same reads:
#     SQLite alone (Python's sqlite3) running the same scans (the submissions with their client
#     keys; the clusters grouped by sector and country; one cluster's members, closed answers and
#     texts), median of REPEAT runs in the same run;
#  2. the analysis export (CSV) with the campaign tables and the counted-once tables over the seeded
#     clusters, beside the same export of a copy without any cluster, in the same run.
# Clusters are seeded as the detector writes them: every 10th submission, 100 to a cluster, every
# other cluster confirmed; the 10 % of submissions in clusters share one client address.
#
# Usage: [CONSULT=binary] Scripts/benchmark-campaign-review.sh [COUNT, default 100000] [REPEAT, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
count=${1:-100000}
repeat=${2:-10}
survey=neurotech-2025
work=$(mktemp -d "${TMPDIR:-/tmp}/consult-campaigns-bench.XXXXXX")
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"' EXIT

# CONSULT=path uses that build instead (e.g. .build/debug/consult; the figures then say so).
if [ -n "${CONSULT:-}" ]; then
  consult=$CONSULT
else
  swift build -c release --product consult >/dev/null
  consult=.build/release/consult
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
seconds_of() {  # runs a command under GNU time, prints its wall seconds
  /usr/bin/time -f "%e" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr"; exit 1; }
  cat "$work/time"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load average $(cut -d' ' -f1-3 /proc/loadavg); binary $consult"
db="$work/campaigns.sqlite"
echo "generating $count submissions …"
"$consult" generate "$survey" --count "$count" --seed 2025 --batch 10000 --db "$db" >/dev/null
token=$("$consult" token create --role analyst --name bench --db "$db" 2>/dev/null)
sqlite3 "$db" <<SQL
INSERT OR IGNORE INTO open_text (submission_seq, question, kind, text)
  SELECT a.submission_seq, q.code, CASE WHEN a.option IS NULL THEN 'answer' ELSE 'other' END, a.text
  FROM answer_value a JOIN answer_code q ON q.id = a.question WHERE a.text IS NOT NULL ORDER BY a.submission_seq, a.position;
INSERT INTO campaign_cluster (id, survey_id, scope, representative_seq, created_at_ms)
  SELECT seq / 1000 + 1, '$survey', '', seq, 1 FROM submission WHERE seq % 1000 = 10;
INSERT INTO campaign_member (submission_seq, scope, cluster_id, similarity, joined_at_ms)
  SELECT seq, '', seq / 1000 + 1, 0.9, 1 FROM submission
  WHERE seq % 10 = 0 AND seq / 1000 + 1 IN (SELECT id FROM campaign_cluster);
UPDATE campaign_cluster SET review = 'confirmed' WHERE id % 2 = 0;
INSERT INTO submission_client (submission_seq, client_key)
  SELECT seq, CASE WHEN seq % 10 = 0 THEN zeroblob(32) ELSE randomblob(32) END FROM submission;
SQL
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
clusters=$(sqlite3 "$db" "SELECT count(*) FROM campaign_cluster")
members=$(sqlite3 "$db" "SELECT count(*) FROM campaign_member")
compare=$(sqlite3 "$db" "SELECT p.pseudonym FROM respondent_pseudonym p WHERE p.submission_seq = 2050")
echo "seeded: $clusters clusters, $members members ($(sqlite3 "$db" "SELECT count(*) FROM campaign_cluster WHERE review = 'confirmed'") confirmed)"

port=$(free_port)
"$consult" serve --db "$db" --port "$port" --rate-limit 0 > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
echo
echo "campaigns API ($repeat runs each after a warm-up, one keep-alive connection):"
python3 - "$port" "$token" "$survey" "$repeat" "$compare" "$db" <<'PY'
import http.client, sqlite3, statistics, sys, time
port, token, survey, repeat, compare, db = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
# The machine's limit: the same reads by SQLite alone (Python's sqlite3, read-only), timed the same way.
reads = {
    "list": [f"SELECT c.client_key, s.received_at_ms FROM submission s LEFT JOIN submission_client c ON c.submission_seq = s.seq WHERE s.survey_id = '{survey}'",
             f"SELECT c.id, s.final_sector, ifnull(s.country, ''), count(*) FROM campaign_cluster c JOIN campaign_member m ON m.cluster_id = c.id JOIN submission s ON s.seq = m.submission_seq WHERE c.survey_id = '{survey}' GROUP BY 1, 2, 3"],
    "one": ["SELECT s.seq, c.client_key, s.received_at_ms, (SELECT group_concat(question || ':' || ifnull(option, '') || ':' || ifnull(number, ''), ';') FROM answer_value WHERE submission_seq = s.seq AND (text IS NULL OR option IS NOT NULL)) FROM submission s LEFT JOIN submission_client c ON c.submission_seq = s.seq WHERE s.seq IN (SELECT submission_seq FROM campaign_member WHERE cluster_id = 3)",
            "SELECT * FROM open_text WHERE submission_seq IN (SELECT submission_seq FROM campaign_member WHERE cluster_id = 3)"],
}
reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
def limit(key):
    def once():
        started = time.perf_counter()
        for sql in reads[key]:
            reader.execute(sql).fetchall()
        return time.perf_counter() - started
    once()
    return statistics.median(once() for _ in range(repeat))
limits = {key: limit(key) for key in reads}
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
def get(path):
    started = time.perf_counter()
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"{path}: {response.status} {body[:300]!r}")
    return time.perf_counter() - started
for label, key, path in [("GET …/campaigns (all clusters, survey signals)", "list", f"/api/v1/surveys/{survey}/campaigns"),
                         ("GET …/campaigns/3?compare=… (100 members)", "one", f"/api/v1/surveys/{survey}/campaigns/3?compare={compare}")]:
    get(path)
    times = sorted(get(path) for _ in range(repeat))
    p50, p95 = statistics.median(times), times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    limit = limits[key]
    print(f"  {label:<46} p50 {p50 * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms  (SQLite alone: {limit * 1000:.1f} ms, {p50 / limit:.1f} ×)")
PY
kill "$server"; wait "$server" 2>/dev/null || true; server=""

echo
echo "analysis export (CSV, every table), same run:"
plain="$work/plain.sqlite"
cp "$db" "$plain"
sqlite3 "$plain" "DELETE FROM campaign_member; DELETE FROM campaign_cluster;"
without=$(seconds_of "$consult" export "$survey" --what analysis --format csv --out "$work/plain-out" --db "$plain")
with=$(seconds_of "$consult" export "$survey" --what analysis --format csv --out "$work/with-out" --db "$db")
printf '  %-46s %8.2f s\n' "without clusters" "$without" "with $clusters clusters ($members members)" "$with"
printf '  %-46s %8.1f %%\n' "cost of the campaign and counted-once tables" "$(awk "BEGIN {print 100 * ($with - $without) / $without}")"
echo "  left out of the counted-once tables: $(python3 -c "
import csv,sys
rows=list(csv.DictReader(open('$work/with-out/sectors_counted_once.csv', encoding='utf-8-sig')))
every=list(csv.DictReader(open('$work/with-out/respondents_by_sector.csv', encoding='utf-8-sig')))
a=[r for r in rows if r['sector']=='all'][0]['respondents']; b=[r for r in every if r['sector']=='all'][0]['respondents']
print(f'{int(b) - int(a)} of {b} submissions')")"
