#!/usr/bin/env bash
# Upload benchmark (position papers, issue 16): 10 MB PDFs uploaded through the API at 16
# connections to a real `consult serve`, each spooled, checked, hashed and written into the
# database with incremental BLOB I/O and an fsync'd commit. Reports the throughput and the
# server's peak RSS beside the limit for the same bytes on the same disk in the same run:
# `cp` of the same files into a folder beside the database, then `sync`.
#
# Usage: Scripts/benchmark-uploads.sh [UPLOADS] [CONNECTIONS]
#   UPLOADS      how many 10 MB files (default 160)
#   CONNECTIONS  concurrent clients (default 16)
# CONSULT=path runs that binary instead of a fresh release build.
set -euo pipefail
cd "$(dirname "$0")/.."
uploads=${1:-160}
connections=${2:-16}
work=$(mktemp -d /var/tmp/consult-uploads-bench-XXXXXX)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
if [ -z "${CONSULT:-}" ]; then
  swift build -c release --product consult >/dev/null
  CONSULT=.build/release/consult
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; disk of $work: $(df -h "$work" | awk 'NR==2 {print $1}')"
echo "binary: $CONSULT"

# The files: 10 MB each (10,000,000 bytes of random data between a PDF header and trailer).
python3 - "$work/files" "$uploads" <<'PY'
import os, sys
folder, count = sys.argv[1], int(sys.argv[2])
os.makedirs(folder)
body = os.urandom(10_000_000 - 40)
for index in range(count):
    with open(os.path.join(folder, f"paper-{index:04d}.pdf"), "wb") as out:
        out.write(b"%PDF-1.7\n" + f"{index:08d}".encode() + body + b"\nstartxref\n0\n%%EOF\n")
PY
bytes=$(du -cb "$work"/files/*.pdf | tail -1 | cut -f1)

# The limit: the same bytes copied to the same disk, made durable.
sync
start=$(date +%s.%N)
mkdir "$work/copy"
cp "$work"/files/*.pdf "$work/copy/"
sync
limit=$(echo "$(date +%s.%N) - $start" | bc)
rm -rf "$work/copy"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$CONSULT" serve --db "$work/consult.sqlite" --surveys Surveys --host 127.0.0.1 --port "$port" --rate-limit 0 \
  > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
rss_before=$(awk '/VmRSS/ {print $2}' /proc/$server/status)

python3 - "$work/files" "$port" "$connections" > "$work/result" <<'PY'
import http.client, os, sys, threading, time
folder, port, connections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
files = sorted(os.path.join(folder, name) for name in os.listdir(folder))
lock, failures, done = threading.Lock(), [], []
def client(mine):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    for path in mine:
        with open(path, "rb") as data:  # streamed from the file, as a client would
            connection.request("POST", "/api/v1/surveys/position-papers/files?question=paper&name=p.pdf", body=data,
                               headers={"Content-Type": "application/pdf", "Content-Length": str(os.path.getsize(path))})
            response = connection.getresponse()
            response.read()
            with lock:
                (done if response.status == 201 else failures).append(response.status)
start = time.monotonic()
threads = [threading.Thread(target=client, args=(files[index::connections],)) for index in range(connections)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(f"{time.monotonic() - start:.3f} {len(done)} {len(failures)}")
PY
read -r seconds acknowledged failed < "$work/result"
peak=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
kill -TERM "$server"; wait "$server" || true
stored=$(sqlite3 "$work/consult.sqlite" "SELECT count(*), sum(size) FROM attachment")

mb=$(echo "$bytes / 1000000" | bc -l)
printf 'uploads: %d x 10 MB at %d connections: %.2f s, %.1f MB/s, %.1f uploads/s (%d refused)\n' \
  "$acknowledged" "$connections" "$seconds" "$(echo "$mb / $seconds" | bc -l)" "$(echo "$acknowledged / $seconds" | bc -l)" "$failed"
printf 'limit:   cp of the same %.0f MB to the same disk + sync: %.2f s, %.1f MB/s\n' "$mb" "$limit" "$(echo "$mb / $limit" | bc -l)"
printf 'server RSS: %.1f MB at start, %.1f MB peak (VmHWM); stored: %s (rows|bytes)\n' \
  "$(echo "$rss_before / 1024" | bc -l)" "$(echo "$peak / 1024" | bc -l)" "$stored"
