#!/usr/bin/env bash
# REFI-QDA project export benchmark (refiqda): wall time, peak memory and size of
# `consult export --format qdpx` on a synthetic survey with one coding on every third free text,
# beside the machine's limit for the same work measured in the same run: sqlite3 reading the same
# texts and codings in the same order, and gzip -6 deflating the same bytes.
#
# Usage: Scripts/benchmark-refiqda.sh [COUNT] [DATABASE]
#   COUNT     submissions to generate when DATABASE does not exist yet (default 1000000)
#   DATABASE  the SQLite file to use (default /tmp/consult-bench-refiqda-COUNT.sqlite)
#   CONSULT   environment: the consult binary (default: a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
db=${2:-/tmp/consult-bench-refiqda-$count.sqlite}
survey=neurotech-2025
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if [ -z "${CONSULT:-}" ]; then
  swift build -c release --product consult >/dev/null
  CONSULT=.build/release/consult
fi
if [ ! -f "$db" ]; then
  echo "generating $count submissions into $db …"
  "$CONSULT" generate "$survey" --count "$count" --seed 2025 --batch 10000 --db "$db" >/dev/null
  # The reading room's texts (kept at ingest once the search part is merged; filled here if not),
  # two coders, three themes, and a coding on every third text: its first 20 characters.
  sqlite3 "$db" <<'SQL'
INSERT OR IGNORE INTO open_text (submission_seq, question, kind, text)
  SELECT a.submission_seq, q.code, CASE WHEN a.option IS NULL THEN 'answer' ELSE 'other' END, a.text
  FROM answer_value a JOIN answer_code q ON q.id = a.question WHERE a.text IS NOT NULL;
INSERT INTO role_token (role, name, token_hash, created_at_ms) VALUES ('analyst', 'Bench One', randomblob(32), 1),
  ('analyst', 'Bench Two', randomblob(32), 1);
INSERT INTO theme (survey_id, guid, parent_id, depth, name, colour, created_at_ms) VALUES
  ('neurotech-2025', '0902CDEB-AC64-4854-954E-5FD5F1CBB172', NULL, 1, 'Risks', '#CC0000', 1),
  ('neurotech-2025', 'DD2392D8-0DC0-475F-9D4D-BCE3A05B201F', NULL, 1, 'Uses', '#0055AA', 1),
  ('neurotech-2025', 'E62D9BBB-596A-4EB7-960E-98DD75D503EF', NULL, 1, 'Safeguards', '#00AA55', 1);
INSERT INTO coding (guid, survey_id, theme_id, submission_seq, question, kind, version, start_offset, end_offset,
    coder_id, coded_at_ms)
  SELECT upper(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-8'
      || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
    'neurotech-2025', (SELECT min(id) FROM theme) + o.id % 3, o.submission_seq, o.question, o.kind, 1, 0,
    min(20, length(o.text)), (SELECT min(id) FROM role_token) + o.id % 2, 1795000000000
  FROM open_text o WHERE o.id % 3 = 0 AND length(o.text) > 0;
SQL
fi

measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" >/dev/null 2>"$out/stderr" || { cat "$out/stderr"; exit 1; }
  read -r seconds kilobytes < "$out/time"
  printf '%-44s %8.2f s %8.1f MB\n' "$label" "$seconds" "$(awk "BEGIN {print $kilobytes / 1024}")"
  echo "$seconds" > "$out/last"
}

submissions=$(sqlite3 "$db" "SELECT count(*) FROM submission")
texts=$(sqlite3 "$db" "SELECT count(*) FROM open_text")
codings=$(sqlite3 "$db" "SELECT count(*) FROM coding WHERE removed_at_ms IS NULL")
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $submissions submissions, $texts texts, $codings codings"
echo "binary: $CONSULT"
echo
echo "limit (same rows, same run):"
measure "sqlite3 texts + codings | gzip -6" bash -c "sqlite3 '$db' \"SELECT s.id, s.final_sector, s.country, s.publication, o.question, o.text FROM submission s JOIN open_text o ON o.submission_seq = s.seq ORDER BY s.seq; SELECT c.guid, c.submission_seq, c.start_offset, c.end_offset FROM coding c ORDER BY c.submission_seq\" | gzip -6"
limit=$(cat "$out/last")
echo
echo "consult:"
measure "consult export --format qdpx" "$CONSULT" export "$survey" --format qdpx --out "$out/qdpx" --db "$db"
seconds=$(cat "$out/last")
printf '%-44s %8.2f × the limit; archive %s MB\n' "" "$(awk "BEGIN {print $seconds / $limit}")" "$(du -m "$out/qdpx/project.qdpx" | cut -f1)"
measure "consult export --what analysis --format xml" "$CONSULT" export "$survey" --what analysis --format xml --out "$out/xml" --db "$db"
