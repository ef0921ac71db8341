#!/usr/bin/env bash
# Idempotent setup for the browser test (tests/browser/test_browser_viewer.py):
# Debian's chromium (apt); the playwright Python package comes pinned from requirements.txt.
# Never runs `playwright install`: the test drives /usr/bin/chromium directly.
# Usage: tools/install_browser.sh [path/to/python]   (default: .venv/bin/python)
set -euo pipefail
PY="${1:-.venv/bin/python}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

if ! [ -x /usr/bin/chromium ]; then
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium
fi
/usr/bin/chromium --version
"$PY" -c "import playwright, importlib.metadata as m; print('playwright', m.version('playwright'))"
