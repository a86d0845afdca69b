#!/usr/bin/env bash
# Measures the free texts' language rule (CLD2, issue 15) on the corpus shipped with the tests:
# accuracy per language, the English texts over 100 characters flagged as foreign (goal: at most
# 1 %), the texts judged wrong, and what judging a text costs beside a plain pass over its letters.
# Usage: Scripts/language-accuracy.sh [CORPUS.tsv] [--survey-language en]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-Tests/Language/corpus.tsv}"
shift || true
consult=.build/debug/consult
if [ ! -x "$consult" ]; then
  swift build --product consult >/dev/null
fi
echo "machine: $(nproc) cores, $(uname -m); corpus: $corpus"
"$consult" language-accuracy "$corpus" "$@"
