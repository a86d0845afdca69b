#!/usr/bin/env bash
# Runs every test of consult. Usage: Scripts/test.sh [swift test options]
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift test "$@"
