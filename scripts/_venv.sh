# Sourced by scripts/demo and scripts/test: make sure .venv exists with the project installed.
# Needs only Python 3.11 (or 3.12) on PATH. Reinstalls when setup.cfg changes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
pick_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else 1)'; then
      echo "$candidate"; return 0
    fi
  done
  echo "permitflow needs Python 3.11 or 3.12 on PATH" >&2; return 1
}
if [ ! -x .venv/bin/python ]; then
  "$(pick_python)" -m venv .venv
fi
stamp=".venv/.permitflow-installed"
# mediapipe 0.10.21 is the last release whose wheel ships the face models (newer ones download
# them at run time, which an offline plant server cannot). Its metadata pins numpy<2 and pulls
# opencv-contrib-python, jax and more that the face solutions never import, so it goes in
# without dependencies; the ones it does need are the 'liveness' extra (setup.cfg).
MEDIAPIPE="mediapipe==0.10.21"
want="$(cat setup.cfg pyproject.toml | sha256sum | cut -d' ' -f1)-$MEDIAPIPE"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test,liveness]'
  .venv/bin/python -m pip install --quiet --no-deps "$MEDIAPIPE"
  echo "$want" > "$stamp"
fi
# System packages: espeak-ng speaks the pre-work voice memos (else they go out as text);
# fonts-noto-cjk puts Chinese glyphs into the quarterly PDF; poppler-utils (pdftotext) lets
# the tests read the PDF back; chromium runs the browser tests (tests/browser, driven by
# Playwright's bundled driver, never a browser it downloads) and scripts/screenshots*.py.
# Installed when running as root with apt, else named.
missing=()
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; } ||
      echo "note: could not install ${missing[*]}" >&2
  else
    echo "note: please install ${missing[*]} (Debian packages)" >&2
  fi
fi
# Front-end libraries (ECharts, Leaflet) from npm, pinned by package-lock.json.
bash "$root/scripts/vendor.sh" || echo "note: front-end libraries not installed; pages fall back to tables" >&2
export PATH="$root/.venv/bin:$PATH"
