#!/usr/bin/env bash
# Builds Google Colab's custom widget manager for tests/browser/test_browser_colab.py (idempotent).
#
# Copies the unmodified sources of colab-cdn-widget-manager (Apache-2.0; ../shared, read only)
# into a git-ignored build folder, installs from the npm registry only esbuild and the
# @jupyter-widgets packages its package.json names, at the versions its package-lock.json
# pins (the lock also pins what they pull in), and bundles dist/manager.min.js with its own
# build.js. Its test tooling (karma, jest, puppeteer) is left out: it downloads browsers.
# A new upstream commit starts the build folder afresh.
#
# Usage: tools/build_colab_manager.sh [SOURCE] [BUILD]
#        (defaults: ../shared/colab-cdn-widget-manager and .build/colab-manager)
set -euo pipefail
SRC="${1:-../shared/colab-cdn-widget-manager}"
OUT="${2:-.build/colab-manager}"

if ! [ -f "$SRC/src/manager.ts" ]; then
    echo "Colab's widget manager sources are not at $SRC: tests/browser/test_browser_colab.py will skip." >&2
    exit 0
fi
command -v npm >/dev/null || { echo "npm (Node 18 or later) is needed to build Colab's widget manager." >&2; exit 1; }

if ! cmp -s "$SRC/UPSTREAM_COMMIT" "$OUT/UPSTREAM_COMMIT"; then
    rm -rf "$OUT"
    mkdir -p "$OUT"
    cp "$SRC/package-lock.json" "$OUT/package-lock.json"  # npm rewrites it; kept between runs
fi
rm -rf "$OUT/src"
cp -r "$SRC/src" "$SRC/build.js" "$SRC/LICENSE" "$SRC/UPSTREAM_COMMIT" "$OUT/"

# package.json: esbuild and the @jupyter-widgets packages upstream names, at its locked versions.
node - "$SRC" "$OUT" <<'EOF'
const fs = require("fs");
const [src, out] = process.argv.slice(2);
const upstream = JSON.parse(fs.readFileSync(`${src}/package.json`, "utf8"));
const locked = JSON.parse(fs.readFileSync(`${src}/package-lock.json`, "utf8")).dependencies;
const named = Object.keys({ ...upstream.dependencies, ...upstream.devDependencies })
  .filter((name) => name === "esbuild" || name.startsWith("@jupyter-widgets/"));
const devDependencies = Object.fromEntries(named.map((name) => [name, locked[name].version]));
const pkg = { name: "colab-manager-build", private: true, version: "0.0.0", devDependencies,
              allowScripts: { esbuild: true } };  // esbuild's postinstall fetches its binary
fs.writeFileSync(`${out}/package.json`, JSON.stringify(pkg, null, 2) + "\n");
console.log("colab-cdn-widget-manager build packages:", JSON.stringify(devDependencies));
EOF

(cd "$OUT" && npm install --no-audit --no-fund --loglevel=error && node build.js)
echo "built $OUT/dist/manager.min.js from colab-cdn-widget-manager $(cut -c1-12 "$OUT/UPSTREAM_COMMIT")"
touch "$OUT/.setup-done"
