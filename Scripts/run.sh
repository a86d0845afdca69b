#!/usr/bin/env bash
# Starts consult on http://127.0.0.1:8080 with the shipped surveys and ./consult.sqlite.
# Usage: Scripts/run.sh [consult serve options], e.g. --port 9000 --db /tmp/c.sqlite
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build -c release --product consult
exec .build/release/consult serve "$@"
