#!/usr/bin/env bash
# Idempotent setup of the grading sandbox's system tools: bubblewrap (Debian's package) and
# util-linux's setpriv/prlimit. Without root it only says what is missing.
set -euo pipefail
missing=()
command -v bwrap >/dev/null || missing+=(bubblewrap)
{ command -v setpriv >/dev/null && command -v prlimit >/dev/null; } || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    else
        echo "The grading sandbox needs: ${missing[*]} (e.g. sudo apt-get install ${missing[*]})." >&2
        exit 1
    fi
fi
bwrap --version
