#!/usr/bin/env bash
# Position papers (extract) benchmark: the background extraction of attached PDFs by `consult
# serve` and the attachments export, each beside the machine's limit for the same work in the
# same run: pdftotext run directly over the same files one after the other (what the worker does,
# without the database), and `zip -r` (deflate) and `cp` of the same bytes.
#
# Usage: Scripts/benchmark-attachments.sh [FILES] [PAGES]
#   FILES  PDFs to attach, one per submission (default 500)
#   PAGES  pages of text per PDF (default 20; ~2 KB of text a page)
# CONSULT=path/to/consult uses that binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
files=${1:-500}
pages=${2:-20}
survey=neurotech-2025
out=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$out"' EXIT

if [ -z "${CONSULT:-}" ]; then
  swift build -c release --product consult >/dev/null
  CONSULT=.build/release/consult
fi
db=$out/consult.sqlite
"$CONSULT" generate "$survey" --count "$files" --seed 16 --db "$db" >/dev/null
mkdir "$out/pdfs"
# One distinct PDF per submission, inserted as the files part stores them (bound, current).
python3 - "$db" "$out/pdfs" "$files" "$pages" <<'PY'
import hashlib, random, sqlite3, sys, zlib
db, folder, files, pages = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
words = ("consultation privacy evidence court neural data consent rights police oversight "
         "proportionality safeguards accuracy procedure review appeal").split()
rng = random.Random(16)
def pdf(seed):
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(pages)), pages),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i in range(pages):
        lines = b"".join(b"(%s) '\n" % " ".join(rng.choice(words) for _ in range(12)).encode() for _ in range(25))
        content = zlib.compress(b"BT /F1 9 Tf 11 TL 40 760 Td\n" + lines + b"ET")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> >> >>" % (5 + 2 * i))
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(content), content))
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out)); out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
connection = sqlite3.connect(db)
seqs = [row[0] for row in connection.execute("SELECT seq FROM submission ORDER BY seq")]
connection.execute("UPDATE submission SET publication = 'public_anonymous'")
for seq in seqs:
    content = pdf(seq)
    open(f"{folder}/{seq}.pdf", "wb").write(content)
    connection.execute(
        "INSERT INTO attachment (public_id, survey_id, question, submission_seq, file_name, kind, size, sha256, "
        "uploaded_at_ms, content) VALUES (?, 'neurotech-2025', 'uses_comments', ?, ?, 'pdf', ?, ?, 0, ?)",
        (f"f-{seq}", seq, f"paper-{seq}.pdf", len(content), hashlib.sha256(content).digest(), content))
connection.commit()
PY
megabytes=$(du -sm "$out/pdfs" | cut -f1)
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $files PDFs of $pages pages, $megabytes MB"
echo

# The limit: pdftotext over the same files, one after the other, as the worker runs it.
start=$(date +%s.%N)
for pdf in "$out"/pdfs/*.pdf; do pdftotext -q -enc UTF-8 -eol unix "$pdf" - >/dev/null; done
direct=$(awk "BEGIN {print $(date +%s.%N) - $start}")

# consult serve's worker: every file gets its text row.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start=$(date +%s.%N)
"$CONSULT" serve --db "$db" --port "$port" >"$out/serve.log" 2>&1 &
server=$!
until [ "$(sqlite3 "$db" "SELECT count(*) FROM attachment_text" 2>/dev/null || echo 0)" -ge "$files" ]; do sleep 0.2; done
# From the worker's own record (the server's start-up not counted): the span of extracted_at_ms,
# stretched by one file for the first one.
worker=$(sqlite3 "$db" "SELECT (max(extracted_at_ms) - min(extracted_at_ms)) / 1000.0 * count(*) / (count(*) - 1) FROM attachment_text")
rss=$(awk '/VmHWM/ {print $2 / 1024}' "/proc/$server/status")
kill "$server"; wait "$server" 2>/dev/null || true; server=
failed=$(sqlite3 "$db" "SELECT count(*) FROM attachment_text WHERE status = 'failed'")
characters=$(sqlite3 "$db" "SELECT sum(characters) FROM attachment_text")

printf '%-44s %8.2f s %8.1f files/s\n' "pdftotext directly (the limit)" "$direct" "$(awk "BEGIN {print $files / $direct}")"
printf '%-44s %8.2f s %8.1f files/s  serve peak RSS %.0f MB\n' "consult serve's extraction worker" "$worker" \
  "$(awk "BEGIN {print $files / $worker}")" "$rss"
echo "  ($failed failed; $characters characters extracted and indexed)"
echo

# The export beside zip -r and cp of the same bytes.
measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" >/dev/null 2>"$out/stderr" || { cat "$out/stderr"; exit 1; }
  read -r seconds kilobytes < "$out/time"
  printf '%-44s %8.2f s %8.1f MB peak RSS\n' "$label" "$seconds" "$(awk "BEGIN {print $kilobytes / 1024}")"
}
measure "consult export --format attachments" "$CONSULT" export "$survey" --format attachments --out "$out/export" --db "$db"
measure "zip -r of the same files (the limit)" zip -qr "$out/same.zip" "$out/pdfs"
measure "cp -r of the same files" cp -r "$out/pdfs" "$out/copy"
echo "archive sizes: consult $(du -m "$out/export/attachments.zip" | cut -f1) MB, zip $(du -m "$out/same.zip" | cut -f1) MB"
