#!/usr/bin/env bash
# Campaign detector benchmark (issue 15, near-duplicate detection), in one run:
#  1. quality: a labelled corpus (Scripts/bench/campaign_corpus.py: campaign letters with mail-merge
#     variation mixed with independent texts of the same topic) clustered by the detector's rule
#     (`consult campaigns evaluate`): precision and recall over pairs for MinHash+LSH at several
#     thresholds and for SimHash beside it, and the confusion matrix at the default threshold;
#     goal: precision >= 99 %, recall >= 95 %;
#  2. clustering from scratch: `consult campaigns rebuild neurotech-2025` on a copy of DATABASE whose
#     free texts are replaced by one `uses_comments` text a submission of the same mix (a third of them
#     from ~N/3000 campaigns; the generator's texts, random words of a 10-word vocabulary, are not
#     language and are removed from the copy), beside the machine's limit for the plainest duplicate
#     search, a `GROUP BY` of exact hashes in sqlite3, in the same run; goal: 1,000,000 submissions <= 120 s;
#     then precision and recall over pairs of these clusters against the corpus labels (goal as in 1.);
#  3. placing one new submission (`consult campaigns measure-assign`: stored, then fingerprinted and
#     placed in its own write transaction, on the same copy): p50/p99; goal: p99 <= 50 ms;
#  4. ingest with and without the detector's worker: POST /submissions of the shipped risk assessment
#     under wrk at 64 connections into fresh files, alternating `consult serve` with the hidden
#     `--benchmark-without-campaign-detection` and without it, INGEST_RUNS times each (default 2);
#     every submission there is a look-alike of the others (the same long description), so the worker
#     places each one in one growing cluster; goal: <= 10 % slower with detection.
#
# Usage: [CONSULT=binary] [INGEST_RUNS=2] [PREPARED=1] [INGEST_ONLY=1] Scripts/benchmark-campaigns.sh [DATABASE] [SECONDS per ingest run, default 10]
#   DATABASE  a neurotech-2025 database (e.g. made by `consult generate neurotech-2025 --count 1000000`); it is
#             copied, never changed. Default: 100,000 submissions generated into a temporary file.
#             PREPARED=1: DATABASE is a copy prepared by an earlier run (its texts already replaced); it is
#             clustered in place and kept.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
source_db=${1:-}
seconds=${2:-10}
survey=neurotech-2025
source Scripts/bench/harness.sh
bench_begin campaign

machine_line

if [ -z "${INGEST_ONLY:-}" ]; then
echo
echo "1. quality on a labelled corpus (Scripts/bench/campaign_corpus.py, seed 2025):"
python3 Scripts/bench/campaign_corpus.py "$work/corpus.jsonl" --seed 2025
python3 - "$consult" "$work/corpus.jsonl" <<'PY'
import collections, json, subprocess, sys
consult, corpus = sys.argv[1:]
labels = {}
for line in open(corpus):
    item = json.loads(line)
    labels[item["id"]] = item["label"]
def pairs(n):
    return n * (n - 1) // 2
def score(method, similarity):
    run = subprocess.run([consult, "campaigns", "evaluate", corpus, "--method", method, "--similarity", str(similarity)],
                         capture_output=True, text=True, check=True)
    cluster = {}
    for line in run.stdout.splitlines():
        id_, leader = line.split("\t")
        cluster[id_] = leader or id_
    cells = collections.Counter((cluster[i], labels[i]) for i in labels)
    tp = sum(pairs(n) for n in cells.values())
    predicted = sum(pairs(n) for n in collections.Counter(cluster.values()).values())
    actual = sum(pairs(n) for n in collections.Counter(labels.values()).values())
    total = pairs(len(labels))
    fp, fn = predicted - tp, actual - tp
    return tp, fp, fn, total - tp - fp - fn, run.stderr.strip()
texts = len(labels)
members = sum(1 for l in labels.values() if l.startswith("c"))
print(f"  {texts} texts: {members} campaign letters in {len({l for l in labels.values() if l.startswith('c')})} campaigns, "
      f"{texts - members} independent texts")
print(f"  {'method':<9} {'threshold':>9} {'precision':>10} {'recall':>8}  {'time':<40}")
default = None
for method, thresholds in [("minhash", [0.15, 0.2, 0.25, 0.3, 0.35, 0.4]), ("simhash", [0.7, 0.75, 0.8, 0.85, 0.9])]:
    for t in thresholds:
        tp, fp, fn, tn, timing = score(method, t)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        mark = ""
        if method == "minhash" and t == 0.25:
            default = (tp, fp, fn, tn, precision, recall)
            mark = "  <- default"
        print(f"  {method:<9} {t:>9.2f} {100 * precision:>9.2f}% {100 * recall:>7.2f}%  {timing}{mark}")
tp, fp, fn, tn, precision, recall = default
print("  confusion matrix over pairs at the default (MinHash, 0.25):")
print(f"    {'':<24} {'same campaign':>15} {'not':>15}")
print(f"    {'same cluster':<24} {tp:>15,} {fp:>15,}")
print(f"    {'not':<24} {fn:>15,} {tn:>15,}")
ok = precision >= 0.99 and recall >= 0.95
print(f"  goal precision >= 99 %, recall >= 95 %: {100 * precision:.2f} %, {100 * recall:.2f} %: {'met' if ok else 'NOT met'}")
PY

echo
db="$work/campaigns.sqlite"
if [ -n "${PREPARED:-}" ]; then
  db=$source_db
  echo "2. clustering from scratch: $db, prepared earlier"
elif [ -n "$source_db" ]; then
  echo "2. clustering from scratch: copying $source_db …"
  cp "$source_db" "$db"
  [ -f "$source_db-wal" ] && cp "$source_db-wal" "$db-wal"
else
  echo "2. clustering from scratch: generating 100000 submissions …"
  "$consult" generate "$survey" --count 100000 --seed 2025 --batch 10000 --db "$db" >/dev/null
fi
submissions=$(sqlite3 "$db" "SELECT count(*) FROM submission WHERE survey_id = '$survey'")
# The copy's texts and their labels (deterministic: a prepared copy was filled with the same ones).
python3 Scripts/bench/campaign_corpus.py "$work/texts.jsonl" --texts "$submissions" --seed 7
if [ -z "${PREPARED:-}" ]; then
start=$(date +%s.%N)
"$consult" token list --db "$db" >/dev/null  # opens the copy: brings its schema up to date
echo "  schema brought up to date (migrations, the detector's queue filled): $(awk "BEGIN {printf \"%.1f\", $(date +%s.%N) - $start}") s"
python3 - "$db" "$work/texts.jsonl" "$survey" <<'PY'
import json, sqlite3, sys
db, texts, survey = sys.argv[1:]
connection = sqlite3.connect(db)
# The copy only: the search index is not needed here, so its triggers go before the texts change.
for trigger in ["open_text_indexed", "open_text_unindexed", "open_text_reindexed"]:
    connection.execute(f"DROP TRIGGER IF EXISTS {trigger}")
connection.execute("DELETE FROM open_text WHERE kind <> 'sector'")
seqs = [row[0] for row in connection.execute("SELECT seq FROM submission WHERE survey_id = ? ORDER BY seq", (survey,))]
with open(texts) as source:
    rows = ((seq, json.loads(line)["text"]) for seq, line in zip(seqs, source))
    connection.executemany("""
        INSERT INTO open_text (submission_seq, question, kind, text) VALUES (?, 'uses_comments', 'answer', ?)
        ON CONFLICT (submission_seq, question, kind) DO UPDATE SET text = excluded.text""", rows)
connection.commit()
print(f"  {len(seqs)} submissions: uses_comments replaced by the corpus mix; "
      f"{connection.execute('SELECT count(*) FROM open_text').fetchone()[0]} free texts in all")
PY
fi
/usr/bin/time -f "%e %M" -o "$work/time" "$consult" campaigns rebuild "$survey" --db "$db" > "$work/rebuild.txt"
read -r rebuild_s rebuild_kb < "$work/time"
sed 's/^/  /' "$work/rebuild.txt"
printf '  consult campaigns rebuild: %.2f s (%.0f submissions/s), peak RSS %.0f MB; goal for 1,000,000: <= 120 s\n' \
  "$rebuild_s" "$(awk "BEGIN {print $submissions / $rebuild_s}")" "$(awk "BEGIN {print $rebuild_kb / 1024}")"
python3 - "$db" "$work/texts.jsonl" "$survey" <<'PY'
import collections, json, sqlite3, sys
db, texts, survey = sys.argv[1:]
connection = sqlite3.connect(db)
seqs = [row[0] for row in connection.execute("SELECT seq FROM submission WHERE survey_id = ? ORDER BY seq", (survey,))]
with open(texts) as source:
    labels = {seq: json.loads(line)["label"] for seq, line in zip(seqs, source)}
cluster = {seq: ("alone", seq) for seq in seqs}
for seq, cluster_id in connection.execute("""
        SELECT m.submission_seq, m.cluster_id FROM campaign_member m JOIN submission s ON s.seq = m.submission_seq
        WHERE s.survey_id = ? AND m.scope = '' AND m.cluster_id IS NOT NULL""", (survey,)):
    cluster[seq] = ("cluster", cluster_id)
def pairs(n):
    return n * (n - 1) // 2
tp = sum(pairs(n) for n in collections.Counter((cluster[s], labels[s]) for s in seqs).values())
predicted = sum(pairs(n) for n in collections.Counter(cluster.values()).values())
actual = sum(pairs(n) for n in collections.Counter(labels.values()).values())
fp, fn = predicted - tp, actual - tp
precision, recall = tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0
print(f"  quality of these clusters over pairs (labels of the corpus mix): precision {100 * precision:.2f} %, "
      f"recall {100 * recall:.2f} % (true positives {tp:,}, false positives {fp:,}, false negatives {fn:,}); "
      f"goal >= 99 %, >= 95 %: {'met' if precision >= 0.99 and recall >= 0.95 else 'NOT met'}")
PY
/usr/bin/time -f "%e" -o "$work/time" sqlite3 "$db" \
  "SELECT count(*), coalesce(sum(n), 0) FROM (SELECT exact_hash, count(*) AS n FROM near_duplicate_print WHERE survey_id = '$survey' GROUP BY scope, exact_hash HAVING n > 1)" > "$work/groups.txt"
printf '  limit: sqlite3 GROUP BY of the exact hashes (%s groups|members): %.2f s; the rebuild took %.1f × that\n' \
  "$(cat "$work/groups.txt")" "$(cat "$work/time")" "$(awk "BEGIN {print $rebuild_s / $(cat "$work/time")}")"
/usr/bin/time -f "%e" -o "$work/time" sqlite3 "$db" \
  "SELECT count(*) FROM (SELECT text FROM open_text GROUP BY question, text HAVING count(*) > 1)" > "$work/groups.txt"
printf '  limit: sqlite3 GROUP BY of the raw texts, no hashing (%s groups): %.2f s\n' "$(cat "$work/groups.txt")" "$(cat "$work/time")"

echo
echo "3. placing one new submission (on the same copy):"
echo "  $("$consult" campaigns measure-assign "$survey" --corpus "$work/corpus.jsonl" --count "${ASSIGN_COUNT:-1000}" --db "$db")"
if [ -z "${PREPARED:-}" ]; then rm -f "$db" "$db-wal" "$db-shm"; fi
fi


echo
echo "4. ingest with and without detection (POST /submissions of ai-risk-assessment, wrk 64 connections, ${seconds} s each, fresh files):"
rates=()
for run in $(seq "${INGEST_RUNS:-2}"); do
  for mode in without with; do
    fresh="$work/ingest-$mode-$run.sqlite"
    if [ "$mode" = without ]; then start_server "$fresh" --benchmark-without-campaign-detection; else start_server "$fresh"; fi
    result=$(wrk -t2 -c64 -d"${seconds}s" --latency -s Scripts/bench/ingest.lua "http://127.0.0.1:$port" | grep '^RESULT')
    # The worker's lag: how long after the load the last submission is placed.
    lag_start=$(date +%s.%N)
    if [ "$mode" = with ]; then
      for _ in $(seq 600); do
        [ "$(sqlite3 "$fresh" "SELECT count(*) FROM near_duplicate_queue")" = 0 ] && break; sleep 0.1
      done
    fi
    lag=$(awk "BEGIN {printf \"%.1f\", $(date +%s.%N) - $lag_start}")
    stop_server
    eval "$(echo "$result" | sed 's/^RESULT //')"
    rate=$(awk "BEGIN {printf \"%.0f\", $requests / $duration}")
    members=$(sqlite3 "$fresh" "SELECT count(*) FROM campaign_member WHERE scope = ''")
    printf '  run %s, %-7s detection: %6s submissions/s, p50 %6s ms, p99 %6s ms, errors %s, clustered %s, queue empty %s s after the load\n' \
      "$run" "$mode" "$rate" "$p50_ms" "$p99_ms" "$((non2xx + socket_errors))" "$members" "$lag"
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
with_detection = sum(rates["with"]) / len(rates["with"])
without = sum(rates["without"]) / len(rates["without"])
slower = 100 * (without - with_detection) / without
print(f"  mean: {without:.0f}/s without, {with_detection:.0f}/s with detection: {slower:.1f} % slower "
      f"(goal <= 10 %): {'met' if slower <= 10 else 'NOT met'}")
PY
