#!/usr/bin/env bash
# Builds consult and checks the shipped surveys. Usage: Scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build -c release --product consult
exec .build/release/consult survey validate Surveys/*.yaml
