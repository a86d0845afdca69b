#!/usr/bin/env bash
# Installs what consult's build and tests need on a fresh Debian machine, and
# nothing when it is all there already. Called by run.sh and test.sh.
set -euo pipefail

debian_packages=(libsqlite3-dev libxml2-dev zlib1g-dev pkg-config tzdata sqlite3 libxml2-utils nginx openssl)
# SPSS and Stata exports (issue #17): ReadStat writes them, pyreadstat reads them back in the tests.
debian_packages+=(libreadstat-dev)
python_modules=(jsonschema yaml)
# The XLSX exports (issue 17): libxlsxwriter to write them; openpyxl, pandas and LibreOffice to read them back.
debian_packages+=(libxlsxwriter-dev libreoffice-calc-nogui)
xlsx_python_modules=(openpyxl pandas)
# Position papers (extract): pdftotext reads attached PDFs' text; prlimit (util-linux) limits it.
debian_packages+=(poppler-utils util-linux)
# Scripts/benchmark-attachments.sh compares the attachments export with zip.
debian_packages+=(zip)
# Position papers (issue 16): the upload benchmark's arithmetic and health probe.
debian_packages+=(bc curl)
# Language of the free texts (issue 15): CLD2, linked by the CCLD2 target.
debian_packages+=(libcld2-dev)
# PostgreSQL (issue 18): the server of the throw-away test clusters (Scripts/postgres-cluster.sh) and psql.
# Debian's package also creates a `main` cluster on port 5432; the test clusters never use that port or its
# socket folder, so it is left as the package leaves it.
debian_packages+=(postgresql)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for package in "${debian_packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ! command -v python3 >/dev/null 2>&1; then
  missing+=(python3 python3-pip)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

for module in "${python_modules[@]}"; do
  if ! python3 -c "import $module" >/dev/null 2>&1; then
    echo "setup: installing the Python modules jsonschema and PyYAML"
    python3 -m pip install --quiet jsonschema pyyaml 2>/dev/null \
      || python3 -m pip install --quiet --break-system-packages jsonschema pyyaml 2>/dev/null \
      || { as_root apt-get update -qq && as_root apt-get install -y -qq python3-jsonschema python3-yaml >/dev/null; }
    break
  fi
done

for module in "${xlsx_python_modules[@]}"; do
  if ! python3 -c "import $module" >/dev/null 2>&1; then
    echo "setup: installing the Python modules ${xlsx_python_modules[*]}"
    python3 -m pip install --quiet "${xlsx_python_modules[@]}" 2>/dev/null \
      || python3 -m pip install --quiet --break-system-packages "${xlsx_python_modules[@]}" 2>/dev/null \
      || { as_root apt-get update -qq && as_root apt-get install -y -qq python3-openpyxl python3-pandas >/dev/null; }
    break
  fi
done
# SPSS and Stata exports (issue #17): the reader tests use pyreadstat (which brings pandas).
if ! python3 -c "import pyreadstat" >/dev/null 2>&1; then
  echo "setup: installing the Python module pyreadstat"
  python3 -m pip install --quiet pyreadstat 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages pyreadstat
fi
