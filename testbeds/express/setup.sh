#!/usr/bin/env bash
# Idempotent setup of the Express testbed's npm packages.
#   bash testbeds/express/setup.sh      (from any directory)
# Runs `npm ci` (exact versions of package-lock.json, no install scripts) only when
# node_modules is missing or package-lock.json changed since the last install
# (tracked by the sha256 stored in node_modules/.package-lock.sha256). A second run
# is a fast no-op. Needs node >= 20 and npm; the npm registry the first time.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOCK="$HERE/package-lock.json"
STAMP="$HERE/node_modules/.package-lock.sha256"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "testbeds/express: node and npm are required (apt-get install nodejs npm)" >&2
    exit 1
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if (( major < 20 )); then
    echo "testbeds/express: node >= 20 is required, found $(node --version)" >&2
    exit 1
fi

want="$(sha256sum "$LOCK" | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    echo "testbeds/express: node_modules up to date ($HERE/node_modules)"
    exit 0
fi

echo "testbeds/express: npm ci"
cd "$HERE"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
printf '%s' "$want" > "$STAMP"
versions="$(node -p '["express", "cors", "sql.js", "nunjucks"].map((p) => p + " " + JSON.parse(require("fs").readFileSync("node_modules/" + p + "/package.json")).version).join(", ")')"
echo "testbeds/express: ready (node $(node --version), $versions)"
