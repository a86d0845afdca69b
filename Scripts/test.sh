#!/usr/bin/env bash
# Runs every test of consult: the Swift tests, then the browser tests (Tests/Browser).
# Usage: Scripts/test.sh [swift test options]
# Fails if either fails; the browser tests run even when a Swift test failed.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
status=0
swift test "$@" || status=$?
Scripts/browser-test.sh || status=$?
exit "$status"
