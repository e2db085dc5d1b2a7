#!/usr/bin/env bash
# Create .venv and install danvan-analysis into it.
#   scripts/setup.sh         the toolkit (enough to run `danvan reports`)
#   scripts/setup.sh --test  plus the test tools and Debian's Chromium for the browser tests
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
else
  .venv/bin/python -m pip install --quiet -e .
fi
