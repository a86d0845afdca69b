#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests (issue 18), all of it in one folder.
#   Scripts/postgres-cluster.sh start DIR [PID]     creates the cluster in DIR (or starts the one already there, with its
#                                                   data and port) and prints its URL; with PID, a watcher stops it and
#                                                   removes DIR once process PID has ended (a test run killed midway)
#   Scripts/postgres-cluster.sh stop DIR            stops it (-m fast) and removes DIR
#   Scripts/postgres-cluster.sh stop-immediate DIR  stops it as a crash would (-m immediate) and keeps DIR
#   Scripts/postgres-cluster.sh url DIR             prints the URL again
#   Scripts/postgres-cluster.sh replica PRIMARY DIR [PID]
#                                                   makes DIR a streaming replica of the cluster in PRIMARY, which then
#                                                   waits for it at every commit (synchronous_standby_names), and prints
#                                                   its URL once it replicates synchronously
#   Scripts/postgres-cluster.sh promote DIR         promotes the replica in DIR to a primary (failover)
# Loopback only, on a port chosen by the OS, the socket in DIR, fsync and synchronous_commit on, a `consult`
# superuser with trust authentication. initdb refuses to run as root, so as root the server runs as the
# unprivileged `postgres` user that Debian's package creates. Debian's own `main` cluster (port 5432) is left
# alone: this one never uses that port or its socket folder.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR [OWNER_PID] | stop DIR | stop-immediate DIR | url DIR | replica PRIMARY DIR [OWNER_PID] | promote DIR" >&2
  exit 2
}
command=${1:-}
if [ "$command" = replica ]; then
  [ "$#" -eq 3 ] || [ "$#" -eq 4 ] || usage
  primary=$(cd "$2" && pwd)
  dir=$3
  owner=${4:-}
else
  [ "$#" -eq 2 ] || { [ "$#" -eq 3 ] && [ "$1" = start ]; } || usage
  dir=$2
  owner=${3:-}
fi

self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
fail() { echo "postgres-cluster: $*" >&2; exit 1; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$bin" ] && [ -x "$bin/initdb" ] \
  || fail "no PostgreSQL server under /usr/lib/postgresql/*/bin: install Debian's postgresql package (Scripts/setup.sh does)"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$dir" && runuser -u postgres -- "$@")
  else
    (cd "$dir" && "$@")
  fi
}

print_url() {
  echo "postgresql://consult@127.0.0.1:$(cat "$dir/port")/postgres"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

log_tail() {
  [ -f "$dir/log" ] && tail -n 15 "$dir/log" >&2 || true
}

start_server() {
  if as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    return 0
  fi
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 -s start >/dev/null
}

create() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 \
      || fail "running as root, and there is no 'postgres' user to run the server: install Debian's postgresql package"
    chown postgres: "$dir"
    runuser -u postgres -- test -w "$dir" \
      || fail "the postgres user cannot reach $dir: put it under a folder that others may enter, such as /tmp"
  fi
  as_owner "$bin/initdb" -D "$dir/data" -U consult -A trust -E UTF8 --locale=C -N >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; fail "initdb failed in $dir/data"; }
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<CONF
# Scripts/postgres-cluster.sh (attempt $attempt)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 200
CONF
    echo "$port" >"$dir/port"
    if start_server; then
      return 0
    fi
    # Another process may have taken the port between the OS's choice and the server's bind: try another.
    grep -q "Address already in use" "$dir/log" 2>/dev/null || break
  done
  log_tail
  fail "the PostgreSQL server in $dir did not start (its log: $dir/log)"
}

watch_owner() {
  if [ -n "$owner" ]; then
    # Detached, and holding none of the caller's pipes, so that the caller's reads end when this script does.
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; exec bash "$2" stop "$3"' \
      watcher "$owner" "$self" "$dir" </dev/null >/dev/null 2>&1 &
  fi
}

psql_on() {  # psql_on PORT SQL: runs SQL on the cluster at PORT and prints the bare result
  as_owner "$bin/psql" -X -A -t -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U consult -d postgres -c "$2"
}

case "$command" in
  replica)
    [ -f "$primary/port" ] || fail "no cluster in $primary"
    primary_port=$(cat "$primary/port")
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "${#dir}" -le 80 ] || fail "$dir is too long a path for the server's Unix socket: use a shorter one"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
    as_owner "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U consult -D "$dir/data" -X stream -R -c fast \
      >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; fail "pg_basebackup from $primary failed"; }
    port=$(free_port)
    echo "$port" >"$dir/port"
    as_owner tee -a "$dir/data/postgresql.auto.conf" >/dev/null <<CONF
# Scripts/postgres-cluster.sh replica of $primary
port = $port
unix_socket_directories = '$dir'
primary_conninfo = 'host=127.0.0.1 port=$primary_port user=consult application_name=consult_replica'
CONF
    start_server || { log_tail; fail "the replica in $dir did not start (its log: $dir/log)"; }
    psql_on "$primary_port" "ALTER SYSTEM SET synchronous_standby_names = 'consult_replica'" >/dev/null
    psql_on "$primary_port" "SELECT pg_reload_conf()" >/dev/null
    for attempt in $(seq 1 120); do
      state=$(psql_on "$primary_port" "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'consult_replica'")
      [ "$state" = sync ] && break
      sleep 0.5
    done
    [ "$state" = sync ] || { log_tail; fail "the replica in $dir does not replicate synchronously (state: '${state:-none}')"; }
    watch_owner
    print_url
    ;;
  promote)
    dir=$(cd "$dir" && pwd)
    as_owner "$bin/pg_ctl" -D "$dir/data" -w -t 60 -s promote >/dev/null || { log_tail; fail "the replica in $dir was not promoted"; }
    print_url
    ;;
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "${#dir}" -le 80 ] || fail "$dir is too long a path for the server's Unix socket: use a shorter one"
    if [ -f "$dir/data/PG_VERSION" ]; then
      start_server || { log_tail; fail "the PostgreSQL server in $dir did not start again (its log: $dir/log)"; }
      owner=""  # the watcher started with the cluster still watches
    else
      create
    fi
    watch_owner
    print_url
    ;;
  stop)
    [ -d "$dir" ] || exit 0
    dir=$(cd "$dir" && pwd)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop >/dev/null \
        || { log_tail; echo "postgres-cluster: the server in $dir did not stop cleanly" >&2; }
    fi
    rm -rf "$dir"
    ;;
  stop-immediate)
    dir=$(cd "$dir" && pwd)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 60 -s stop >/dev/null \
      || { log_tail; fail "the server in $dir did not stop"; }
    ;;
  url)
    [ -f "$dir/port" ] || fail "no cluster in $dir"
    print_url
    ;;
  *)
    usage
    ;;
esac
