#!/usr/bin/env bash
# Front-end libraries: install the versions pinned by package-lock.json (npm ci), copy
# the files the pages load into web/static/vendor (git-ignored) and bundle the console
# modeler (web/static/js/src: bpmn-js + properties panel + permitflow's provider) and the
# decision-table editor (dmn-js) with esbuild. Re-runs only when the lock file or the bundle's sources change. Without npm
# the pages still work: they show tables instead of charts, node lists instead of BPMN
# diagrams, and the modeler offers download/upload for a desktop modeler.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
vendor="web/static/vendor"
stamp="$vendor/.lock-sha256"
want="$(cat package-lock.json web/static/js/src/* | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "vendor.sh: npm not found; pages will show tables instead of charts and maps" >&2
  exit 0
fi
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
rm -rf "$vendor"
mkdir -p "$vendor/echarts" "$vendor/leaflet" "$vendor/bpmn-js" "$vendor/dmn-js" "$vendor/permitflow"
cp node_modules/echarts/dist/echarts.min.js "$vendor/echarts/"
cp node_modules/echarts/LICENSE "$vendor/echarts/" 2>/dev/null || true
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$vendor/leaflet/"
cp -r node_modules/leaflet/dist/images "$vendor/leaflet/"
cp node_modules/leaflet/LICENSE "$vendor/leaflet/" 2>/dev/null || true
cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js \
   node_modules/bpmn-js/dist/bpmn-modeler.production.min.js "$vendor/bpmn-js/"
cp -r node_modules/bpmn-js/dist/assets/. "$vendor/bpmn-js/"
cp node_modules/bpmn-js/LICENSE "$vendor/bpmn-js/" 2>/dev/null || true
cp -r node_modules/dmn-js/dist/assets/. "$vendor/dmn-js/"
cp node_modules/dmn-js/LICENSE "$vendor/dmn-js/" 2>/dev/null || true
# The modeler bundle: bpmn-js Modeler + properties panel + our spiffworkflow provider.
node_modules/.bin/esbuild web/static/js/src/modeler-entry.js --bundle --minify \
  --format=iife --target=es2019 --legal-comments=eof --log-level=warning \
  --outfile="$vendor/permitflow/modeler.js"
cp node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css "$vendor/permitflow/"
# The decision-table editor: dmn-js from its sources (its UMD file logs Inferno's
# development-build warning as a console error on every page).
node_modules/.bin/esbuild web/static/js/src/dmn-entry.js --bundle --minify \
  --format=iife --target=es2019 --legal-comments=eof --log-level=warning \
  --outfile="$vendor/permitflow/dmn-modeler.js"
echo "$want" > "$stamp"
echo "vendor.sh: echarts, leaflet, bpmn-js, dmn-js and the modeler bundle in $vendor"
