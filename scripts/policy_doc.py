#!/usr/bin/env python3
"""Write the policy table (web/policy/table.json) into docs/security.md between its markers.

Run after changing the table; tests/web/test_policy_doc.py fails while the page is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "web" / "policy" / "table.json"
DOC = ROOT / "docs" / "security.md"
BEGIN, END = "<!-- policy-table:begin -->", "<!-- policy-table:end -->"


def render() -> str:
    raw = json.loads(TABLE.read_text(encoding="utf-8"))
    lines = ["| group | roles |", "|---|---|"]
    lines += [f"| `@{name}` | {', '.join(roles)} |" for name, roles in raw["groups"].items()]
    lines += ["", "| operation | object | grants (roles → scope) | note |", "|---|---|---|---|"]
    for key, entry in raw["operations"].items():
        grants = "; ".join(
            f"{g['roles'] if isinstance(g['roles'], str) else ', '.join(g['roles'])} → "
            f"{g['scope']}" for g in entry["grants"])
        obj = entry.get("object") or (f"body: {', '.join(entry['body'].values())}"
                                      if entry.get("body") else "")
        lines.append(f"| `{key}` | {obj} | {grants} | {entry.get('note', '')} |")
    return "\n".join(lines)


def updated(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{render()}\n{END}{tail}"


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    new = updated(text)
    if "--check" in sys.argv:
        return 0 if new == text else 1
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
