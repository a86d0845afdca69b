#!/usr/bin/env bash
# Ingest on PostgreSQL (issue 18): validated, durable submissions over HTTP to `consult serve` (release build, rate
# limit off) on a throw-away PostgreSQL cluster with one node and with two nodes, beside the same on SQLite and
# beside the machine's limit for the same rows on PostgreSQL — pgbench storing exactly what consult stores for a
# submission (Scripts/bench/postgres_raw.py: the deadline lock shared and the deadline read, the submission, its version, 37 answer
# rows, the tallies in one shard), one transaction a submission, on the same cluster, in the same run.
# Every figure is measured at the same number of connections. Each consult level also prints the server's CPU per
# stored submission (utime + stime of every node's process, /proc/PID/stat) and PostgreSQL's (all its processes).
#
# Usage: Scripts/benchmark-postgres.sh [SECONDS per level, default 10] [CONNECTIONS, default 64]
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
seconds=${1:-10}
connections=${2:-64}
if ! command -v wrk >/dev/null 2>&1; then
  echo "setup: installing wrk"
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y -qq wrk >/dev/null; fi
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
work=$(mktemp -d)
cluster=/tmp/consult-bench-pg-$$
servers=()
stop_servers() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${servers[@]}"; do wait "$pid" 2>/dev/null || true; done
  servers=()
}
trap 'stop_servers; bash Scripts/postgres-cluster.sh stop "$cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

swift build -c release --product consult >/dev/null
consult=.build/release/consult
url=$(bash Scripts/postgres-cluster.sh start "$cluster" $$)
database_url() { echo "${url%/*}/$1"; }
sql() { "$pgbin/psql" -X -A -t -q -v ON_ERROR_STOP=1 "$1" -c "$2"; }
for name in bench_limit bench_one bench_two; do sql "$url" "CREATE DATABASE $name"; done

ticks_per_second=$(getconf CLK_TCK)
ticks_of() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Every process of the cluster: the postmaster and its children (backends come and go; those gone are not counted,
# so PostgreSQL's figure is a lower bound).
postgres_ticks() {
  local postmaster
  postmaster=$(head -n 1 "$cluster/data/postmaster.pid")
  local total=$(ticks_of "$postmaster")
  for child in $(ps -o pid= --ppid "$postmaster"); do total=$((total + $(ticks_of "$child"))); done
  echo "$total"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $("$pgbin/postgres" --version); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "each level: ${seconds} s at ${connections} connections"
echo

echo "limit: pgbench, the same rows in the same transactions, straight into PostgreSQL (same cluster, same run):"
"$consult" token list --db "$(database_url bench_limit)" >/dev/null   # the schema, migrated as consult does
python3 Scripts/bench/postgres_raw.py > "$work/raw.pgbench"
raw=$("$pgbin/pgbench" -n -c "$connections" -j 2 -T "$seconds" -f "$work/raw.pgbench" "$(database_url bench_limit)" 2>&1)
limit=$(echo "$raw" | awk '/^tps = / {printf "%.0f", $3}')
raw_latency=$(echo "$raw" | awk '/^latency average/ {print $4}')
echo "  $limit submissions/s, average latency $raw_latency ms; $(echo "$raw" | awk '/failed transactions/ {print $5}') failed"
echo

printf '  %-28s %12s %10s %10s %8s %13s %15s %15s\n' "" submissions/s p50 p99 errors "of the limit" "consult CPU/sub" "PostgreSQL CPU/sub"

# measure NAME DB-COUNT-COMMAND NODE-PORTS...: wrk over the nodes (connections shared out), the rate, latency and CPU.
measure() {
  local name=$1 count=$2; shift 2
  local ports=("$@") each=$((connections / $#)) before_count before_server=0 before_postgres after_server=0
  before_count=$(eval "$count")
  for pid in "${servers[@]}"; do before_server=$((before_server + $(ticks_of "$pid"))); done
  before_postgres=$(postgres_ticks)
  local outputs=()
  for port in "${ports[@]}"; do
    wrk -t1 -c"$each" -d"${seconds}s" --latency -s Scripts/bench/ingest.lua "http://127.0.0.1:$port" > "$work/wrk-$port" &
    outputs+=("$!")
  done
  for pid in "${outputs[@]}"; do wait "$pid"; done
  for pid in "${servers[@]}"; do after_server=$((after_server + $(ticks_of "$pid"))); done
  local after_postgres stored requests=0 duration=0 errors=0 p50=0 p99=0
  after_postgres=$(postgres_ticks)
  stored=$(( $(eval "$count") - before_count ))
  for port in "${ports[@]}"; do
    eval "$(grep '^RESULT' "$work/wrk-$port" | sed 's/^RESULT //')"
    requests=$((requests + 0)); errors=$((errors + non2xx + socket_errors))
    p50=$(awk "BEGIN {print ($p50_ms > $p50) ? $p50_ms : $p50}"); p99=$(awk "BEGIN {print ($p99_ms > $p99) ? $p99_ms : $p99}")
  done
  local rate
  rate=$(awk "BEGIN {printf \"%.0f\", $stored / $seconds}")
  printf '  %-28s %12s %8s ms %7s ms %8s %12s%% %12s µs %15s\n' "$name" "$rate" "$p50" "$p99" "$errors" \
    "$(awk "BEGIN {printf \"%.1f\", 100 * $rate / $limit}")" \
    "$(awk "BEGIN {printf \"%.0f\", ($stored > 0 ? ($after_server - $before_server) / $ticks_per_second * 1e6 / $stored : 0)}")" \
    "$( [ "$name" = "consult, SQLite, 1 node" ] && echo "—" || awk "BEGIN {printf \"%.0f µs\", ($stored > 0 ? ($after_postgres - $before_postgres) / $ticks_per_second * 1e6 / $stored : 0)}")"
}

start_node() {  # start_node DB PORT
  "$consult" serve --db "$1" --port "$2" --rate-limit 0 > "$work/node-$2.log" 2>&1 &
  servers+=("$!")
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "the node on port $2 did not start:" >&2; tail -n 20 "$work/node-$2.log" >&2; exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

port=$(free_port)
start_node "$work/consult.sqlite" "$port"
measure "consult, SQLite, 1 node" "sqlite3 '$work/consult.sqlite' 'SELECT count(*) FROM submission'" "$port"
stop_servers

port=$(free_port)
start_node "$(database_url bench_one)" "$port"
measure "consult, PostgreSQL, 1 node" "sql '$(database_url bench_one)' 'SELECT count(*) FROM submission'" "$port"
stop_servers

first=$(free_port); second=$(free_port)
start_node "$(database_url bench_two)" "$first"
start_node "$(database_url bench_two)" "$second"
measure "consult, PostgreSQL, 2 nodes" "sql '$(database_url bench_two)' 'SELECT count(*) FROM submission'" "$first" "$second"
stop_servers

echo "  (of the limit: the rate over pgbench's rate for the same rows, $limit/s; two nodes share the machine's"
echo "   $(nproc) cores with PostgreSQL and wrk; consult CPU: every node's utime + stime over the submissions stored;"
echo "   PostgreSQL CPU: its processes' utime + stime, a lower bound)"
for name in bench_one bench_two; do
  echo "stored on PostgreSQL ($name): $(sql "$(database_url $name)" 'SELECT count(*) FROM submission') submissions;" \
    "answer rows $(sql "$(database_url $name)" 'SELECT count(*) FROM answer_value'), tallies agree:" \
    "$(sql "$(database_url $name)" "SELECT (SELECT sum(respondents) FROM question_tally WHERE question = 'country') = (SELECT count(*) FROM submission)")"
done
