#!/usr/bin/env bash
# Runs the browser tests (Tests/Browser): headless Chromium, driven by selenium through
# chromedriver, against the real consult server. Installs Chromium, chromedriver and
# selenium when they are missing, and builds the consult binary.
#
# Usage: Scripts/browser-test.sh [--screenshots DIR] [unittest options, e.g. -k organizer]
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for package in chromium chromium-driver; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-pip)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "browser-test: installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! python3 -c "import selenium" >/dev/null 2>&1; then
  echo "browser-test: installing the Python module selenium"
  python3 -m pip install --quiet selenium 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages selenium 2>/dev/null \
    || { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-selenium >/dev/null; }
fi

swift build --product consult
python3 Tests/Browser/browser_test.py --consult .build/debug/consult "$@"
