# Shared by the wrk benchmarks (source it after `cd` to the repository): `bench_begin NAME` installs
# wrk if missing, makes the scratch folder $work (removed on exit, with any server still running)
# and picks the binary $consult — CONSULT=path uses that build instead (the figures then say so),
# else a fresh release build. Then start_server DATABASE [serve options…] sets $server and $port,
# stop_server stops it, and machine_line prints what the figures were measured on.
bench_begin() {
  if ! command -v wrk >/dev/null 2>&1; then
    echo "setup: installing wrk"
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y -qq wrk >/dev/null; fi
  fi
  work=$(mktemp -d "${TMPDIR:-/tmp}/consult-$1-bench.XXXXXX")
  server=""
  trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"' EXIT
  if [ -n "${CONSULT:-}" ]; then
    consult=$CONSULT
  else
    swift build -c release --product consult >/dev/null
    consult=.build/release/consult
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_server() {  # DATABASE [extra serve options…]; sets $server and $port
  local db=$1; shift
  port=$(free_port)
  "$consult" serve --db "$db" --port "$port" --rate-limit 0 "$@" > "$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start:"; cat "$work/server.log"; exit 1
}

stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }

machine_line() {
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(sqlite3 --version | cut -d' ' -f1) SQLite; load average $(cut -d' ' -f1-3 /proc/loadavg); binary $consult"
}
