#!/usr/bin/env bash
# Re-extract the UI strings and update both catalogues (the commands of babel.cfg); then fill
# the new English msgstrs in web/translations/en/LC_MESSAGES/messages.po and run
# `scripts/i18n.sh compile`. zh_CN repeats the msgids (filled here).
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel="${PYBABEL:-.venv/bin/pybabel}"
if [ "${1:-}" = "compile" ]; then
  "$pybabel" compile -d web/translations
  exit 0
fi
"$pybabel" extract -F babel.cfg -k _l -k lazy_gettext --project=permitflow --version=0.1.0 \
  -o web/translations/messages.pot . >/dev/null
"$pybabel" update -i web/translations/messages.pot -d web/translations --no-fuzzy-matching \
  --ignore-obsolete
.venv/bin/python - <<'PY'
from babel.messages.pofile import read_po, write_po
path = "web/translations/zh_CN/LC_MESSAGES/messages.po"
with open(path, "rb") as f:
    cat = read_po(f)
for m in cat:
    if m.id and not m.string:
        m.string = m.id
with open(path, "wb") as f:
    write_po(f, cat, width=76)
with open("web/translations/en/LC_MESSAGES/messages.po", "rb") as f:
    missing = [m.id for m in read_po(f) if m.id and not m.string]
for mid in missing:
    print("untranslated (en):", mid)
PY
