#!/usr/bin/env bash
# Runs every test of consult: the Swift tests, then the browser tests (Tests/Browser), then
# consult behind a real nginx with TLS (Tests/Deployment), then the readers of the exports (Tests/Readers).
# Usage: Scripts/test.sh [swift test options]
# Fails if any fails; each part runs even when an earlier one failed.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
status=0
swift test "$@" || status=$?
Scripts/browser-test.sh || status=$?
{ swift build --product consult && python3 Tests/Deployment/nginx_test.py --consult .build/debug/consult; } || status=$?
# Two nodes on one database behind nginx: the deadline race and a node killed under load (issue 18).
{ swift build --product consult && python3 Tests/Deployment/two_nodes_test.py --consult .build/debug/consult; } || status=$?
# The same on PostgreSQL with a synchronous replica, plus a crash of the database and a failover to the replica.
{ swift build --product consult && python3 Tests/Deployment/two_nodes_test.py --consult .build/debug/consult --postgres; } || status=$?
# The XLSX exports read back by openpyxl, pandas and LibreOffice (issue 17).
{ swift build --product consult && python3 Tests/Readers/xlsx_test.py --consult .build/debug/consult; } || status=$?
# SPSS and Stata exports (issue #17), read back by pyreadstat.
{ swift build --product consult && python3 Tests/Readers/readstat_test.py --consult .build/debug/consult; } || status=$?
# refiqda: the REFI-QDA project and codebook read by zipfile, ElementTree and xmllint against ../shared/refi-qda.
{ swift build --product consult && python3 Tests/Readers/refiqda_test.py --consult .build/debug/consult; } || status=$?
# PostgreSQL (issue 18): the throw-away cluster script and its Python helper for the multi-node suites.
python3 Scripts/fault/pgcluster_test.py || status=$?
exit "$status"
