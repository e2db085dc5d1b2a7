#!/usr/bin/env bash
# Create .venv and install danvan-analysis into it.
#   scripts/setup.sh         the toolkit (enough to run `danvan reports`)
#   scripts/setup.sh --test  plus the test tools, Debian's Chromium for the browser tests, and LibreOffice, poppler
#                            and the Liberation fonts for the Word tests
# Safe to rerun: it reuses .venv and only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install --quiet -e '.[test]'
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  fi
  # The Word tests render the .docx with LibreOffice and read the PDF with poppler; Liberation Serif is metric-
  # compatible with Times New Roman, and only its version 2 (fonts-liberation2) has the Vietnamese letters.
  MISSING=""
  command -v soffice >/dev/null 2>&1 || MISSING="$MISSING libreoffice-writer-nogui"
  command -v pdftotext >/dev/null 2>&1 || MISSING="$MISSING poppler-utils"
  fc-list ':charset=1ed9' family 2>/dev/null | grep -q 'Liberation Serif' || MISSING="$MISSING fonts-liberation fonts-liberation2"
  if [ -n "$MISSING" ]; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086  # the list is meant to split into package names
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $MISSING >/dev/null
  fi
else
  .venv/bin/python -m pip install --quiet -e .
fi
# An editable install compiles nothing, and where PYTHONDONTWRITEBYTECODE is set (as on CI machines) Python never
# writes the bytecode itself: every process of a batch (the command, its workers, their kernels) would then compile
# the package's ~100 modules again (about 0.2 s each). Compile them once here.
.venv/bin/python -m compileall -q danvan_analysis >/dev/null
