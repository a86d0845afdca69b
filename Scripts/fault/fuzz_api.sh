#!/usr/bin/env bash
# Fuzzes the HTTP API with schemathesis against the OpenAPI document the server itself
# serves (GET /openapi.json): every response must not be a server error and must conform
# to the document (status code, content type, body schema).
#
# Starts its own `consult serve` (a private copy of the binary) on a fresh temporary
# database with an organizer and an analyst token, one submission and one draft, then runs
# schemathesis four times with a fixed seed: without credentials, with the submission's
# edit token (the submission routes), with the draft's resume token (the draft routes) and
# with the organizer token (every protected route). Stops the server at the end.
#
#   Scripts/fault/fuzz_api.sh [--consult PATH] [--keep] [--postgres]
#
# With --postgres the server runs on a throw-away PostgreSQL cluster (Scripts/postgres-cluster.sh,
# removed at the end) instead of an SQLite file (issue 18).
#
# Environment: FUZZ_EXAMPLES (test cases per operation and phase, default 50; CI uses ~10),
# FUZZ_SEED (default 20251110), FUZZ_TIME_LIMIT (seconds per run, default 900),
# FUZZ_WORKERS (default 1, for repeatable runs).
#
# Prints schemathesis' report of each run, then `fuzz: N operations, R requests, F failures`;
# exits non-zero if any run found a failure, errored or ran out of time.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
consult="$repo/.build/debug/consult"
keep=0
postgres=0
while [ $# -gt 0 ]; do
  case "$1" in
    --consult) consult="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --postgres) postgres=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "fuzz: unknown option $1" >&2; exit 2 ;;
  esac
done
examples="${FUZZ_EXAMPLES:-50}"
seed="${FUZZ_SEED:-20251110}"
time_limit="${FUZZ_TIME_LIMIT:-900}"
workers="${FUZZ_WORKERS:-1}"

# --- schemathesis ------------------------------------------------------------------------
if ! python3 -c 'import schemathesis' 2>/dev/null; then
  echo "fuzz: installing schemathesis" >&2
  python3 -m pip install --quiet schemathesis 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages schemathesis \
    || { echo "fuzz: cannot install schemathesis" >&2; exit 2; }
fi
st_version="$(python3 -c 'import schemathesis; print(schemathesis.__version__)')"
st_major="${st_version%%.*}"
echo "fuzz: schemathesis $st_version, $examples examples per operation, seed $seed"

# --- the server --------------------------------------------------------------------------
if [ ! -x "$consult" ]; then
  echo "fuzz: $consult does not exist; build it with \`swift build --product consult\`" >&2
  exit 2
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/consult-fuzz-XXXXXX")"
mkdir "$work/bin"
cp "$consult" "$work/bin/consult"
for bundle in "$(dirname "$consult")"/*.resources; do
  [ -d "$bundle" ] && cp -R "$bundle" "$work/bin/"
done
bin="$work/bin/consult"
db="$work/consult.sqlite"
server_pid=""
cluster=""
if [ "$postgres" = 1 ]; then
  # Its folder must be one the server's user may enter (/tmp), and short enough for the socket's path.
  cluster="/tmp/consult-fuzz-pg-$$"
  db="$(bash "$repo/Scripts/postgres-cluster.sh" start "$cluster" $$)" || { echo "fuzz: no PostgreSQL cluster" >&2; exit 2; }
  echo "fuzz: on PostgreSQL ($db)"
fi

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    for _ in $(seq 1 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$server_pid" 2>/dev/null && kill -KILL "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  if [ -n "$cluster" ]; then bash "$repo/Scripts/postgres-cluster.sh" stop "$cluster"; fi
  if [ "$keep" = 1 ]; then echo "fuzz: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

organizer="$("$bin" token create --role organizer --name "Fuzz Organizer" --db "$db" | tail -n 1)" || exit 2
"$bin" token create --role analyst --name "Fuzz Analyst" --db "$db" >/dev/null || exit 2
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
serve=("$bin" serve --db "$db" --surveys "$repo/Surveys" --host 127.0.0.1 --port "$port")
if "$bin" serve --help 2>/dev/null | grep -q -- '--rate-limit'; then serve+=(--rate-limit 0); fi
"${serve[@]}" >"$work/serve.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"

# One request with python (no curl needed): prints the status, then the body.
http() { # METHOD URL [BODY-FILE]
  python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
method, url = sys.argv[1], sys.argv[2]
data = open(sys.argv[3], "rb").read() if len(sys.argv) > 3 else None
request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=10) as response:
        status, body = response.status, response.read()
except urllib.error.HTTPError as error:
    status, body = error.code, error.read()
except OSError:
    status, body = 0, b""
print(status)
sys.stdout.write(body.decode("utf-8", "replace"))
PY
}

healthy=0
for _ in $(seq 1 200); do   # at most about 20 s
  kill -0 "$server_pid" 2>/dev/null || break
  if [ "$(http GET "$base/healthz" | head -n 1)" = 200 ]; then healthy=1; break; fi
  sleep 0.1
done
if [ "$healthy" != 1 ]; then
  echo "fuzz: consult serve did not become healthy on port $port" >&2
  tail -n 30 "$work/serve.log" >&2
  exit 2
fi

# Seed: one submission (its edit token opens the submission routes) and one draft.
created="$(http POST "$base/api/v1/surveys/ai-risk-assessment/submissions" "$repo/Scripts/examples/ai-risk-submission.json")"
echo '{"answers": {"system_name": "Fuzzed system"}}' >"$work/draft.json"
drafted="$(http POST "$base/api/v1/surveys/ai-risk-assessment/drafts" "$work/draft.json")"
read -r submission_id edit_token draft_id resume_token < <(python3 - "$created" "$drafted" <<'PY'
import json, sys
created, drafted = (json.loads(text.split("\n", 1)[1]) for text in sys.argv[1:3])
print(created["id"], created["edit_token"], drafted["id"], drafted["resume_token"])
PY
) || { echo "fuzz: seeding failed: $created $drafted" >&2; exit 2; }

# Known ids, offered to the generator beside random ones, so that requests reach the handlers.
tables="$(python3 - <<'PY'
print(", ".join(f'"{t}.csv"' for t in ["respondents_by_sector", "respondents_by_region", "choices", "scales",
                                         "scale_distribution", "levels", "open_text", "codebook"]))
PY
)"
cat >"$work/schemathesis.toml" <<EOF
[dictionaries.surveys]
values = ["ai-risk-assessment", "neurotech-2025"]
[dictionaries.submissions]
values = ["$submission_id"]
[dictionaries.drafts]
values = ["$draft_id"]
[dictionaries.tables]
values = [$tables]

[parameters]
"path.surveyId" = { dictionary = "surveys", probability = 0.7 }
"path.submissionId" = { dictionary = "submissions", probability = 0.7 }
"path.draftId" = { dictionary = "drafts", probability = 0.7 }
"path.tableFile" = { dictionary = "tables", probability = 0.7 }
EOF

# --- the runs ----------------------------------------------------------------------------
checks="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
total_requests=0
total_failures=0
operations=0
run_number=0

fuzz() { # LABEL [schemathesis options…]
  local label="$1"; shift
  run_number=$((run_number + 1))
  local reports="$work/reports-$run_number"
  mkdir -p "$reports"
  echo
  echo "=== fuzz run $run_number: $label"
  local command
  if [ "$st_major" -ge 4 ]; then
    command=(python3 -m schemathesis.cli --config-file "$work/schemathesis.toml" run "$base/openapi.json"
      --checks "$checks" --max-examples "$examples" --seed "$seed" --workers "$workers"
      --generation-database none --request-timeout 30 --no-color
      --report json,vcr --report-json-path "$reports/report.json" --report-vcr-path "$reports/cassette.yaml" "$@")
  else
    command=(python3 -m schemathesis.cli run "$base/openapi.json"
      --checks "$checks" --hypothesis-max-examples "$examples" --hypothesis-seed "$seed" --workers "$workers"
      --hypothesis-database none --request-timeout 30000 --no-color
      --cassette-path "$reports/cassette.yaml" "$@")
  fi
  (cd "$work" && timeout -k 15 "$time_limit" "${command[@]}") 2>&1 | tee "$reports/output.txt"
  local status=${PIPESTATUS[0]}
  # R requests (cassette interactions), N operations tested, F unique failures + errors (+1 if it timed out).
  read -r requests tested failures < <(python3 - "$reports" "$status" <<'PY'
import json, pathlib, re, sys
reports, status = pathlib.Path(sys.argv[1]), int(sys.argv[2])
cassette = reports / "cassette.yaml"
requests = sum(1 for line in cassette.read_text(errors="replace").splitlines() if line.startswith("- id:")) \
    if cassette.exists() else 0
output = (reports / "output.txt").read_text(errors="replace")
report = reports / "report.json"
if report.exists():
    data = json.loads(report.read_text())
    tested = data["operations"]["tested"]
    failures = data["test_cases"]["unique_failures"] + len(data.get("errors", []))
else:  # schemathesis 3: read the summary lines
    tested = len(set(re.findall(r"^(?:GET|PUT|POST|DELETE|PATCH) (/\S+)", output, re.M)))
    counts = re.search(r"=+ .*?(\d+) failed", output)
    errors = re.search(r"(\d+) errored", output)
    failures = (int(counts.group(1)) if counts else 0) + (int(errors.group(1)) if errors else 0)
if status == 124 or status == 137:
    failures += 1
    print(f"fuzz: the run did not finish within its time limit", file=sys.stderr)
elif status not in (0, 1) and failures == 0:
    failures += 1  # schemathesis itself failed
print(requests, tested, failures)
PY
)
  echo "fuzz run $run_number ($label): $tested operations, $requests requests, $failures failures (exit $status)"
  total_requests=$((total_requests + requests))
  total_failures=$((total_failures + failures))
  [ "$tested" -gt "$operations" ] && operations=$tested
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "fuzz: the server died during run $run_number; its log ends with:" >&2
    tail -n 30 "$work/serve.log" >&2
    total_failures=$((total_failures + 1))
    return 1
  fi
}

# The organizer's run comes last: it may move a deadline into the past and close the survey.
fuzz "no credentials" \
  && fuzz "edit token" -H "Authorization: Bearer $edit_token" --include-path-regex '^/api/v1/submissions/' \
  && fuzz "resume token" -H "Authorization: Bearer $resume_token" --include-path-regex '^/api/v1/drafts/' \
  && fuzz "organizer token" -H "Authorization: Bearer $organizer"

if [ "$(http GET "$base/healthz" | head -n 1)" != 200 ]; then
  echo "fuzz: /healthz no longer answers 200" >&2
  total_failures=$((total_failures + 1))
fi
unexpected="$(grep -c 'unexpected error' "$work/serve.log" || true)"
[ "${unexpected:-0}" != 0 ] && echo "fuzz: the server logged $unexpected unexpected errors" \
  && grep 'unexpected error' "$work/serve.log" | head -n 5
echo
# On PostgreSQL the summary is named as reliability.sh's part is.
echo "$([ "$postgres" = 1 ] && echo fuzz-pg || echo fuzz): $operations operations, $total_requests requests, $total_failures failures"
[ "$total_failures" -eq 0 ]
