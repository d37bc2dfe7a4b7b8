#!/usr/bin/env bash
# Front-end libraries: install the versions pinned by package-lock.json (npm ci) and copy
# the files the pages load into web/static/vendor (git-ignored). Re-runs only when the lock
# file changes. Without npm the pages still work: they show tables instead of charts
# and node lists instead of BPMN diagrams.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
vendor="web/static/vendor"
stamp="$vendor/.lock-sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "vendor.sh: npm not found; pages will show tables instead of charts and maps" >&2
  exit 0
fi
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
rm -rf "$vendor"
mkdir -p "$vendor/echarts" "$vendor/leaflet" "$vendor/bpmn-js"
cp node_modules/echarts/dist/echarts.min.js "$vendor/echarts/"
cp node_modules/echarts/LICENSE "$vendor/echarts/" 2>/dev/null || true
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$vendor/leaflet/"
cp -r node_modules/leaflet/dist/images "$vendor/leaflet/"
cp node_modules/leaflet/LICENSE "$vendor/leaflet/" 2>/dev/null || true
cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js \
   node_modules/bpmn-js/dist/bpmn-modeler.production.min.js "$vendor/bpmn-js/"
cp -r node_modules/bpmn-js/dist/assets/. "$vendor/bpmn-js/"
cp node_modules/bpmn-js/LICENSE "$vendor/bpmn-js/" 2>/dev/null || true
echo "$want" > "$stamp"
echo "vendor.sh: echarts, leaflet and bpmn-js copied into $vendor"
