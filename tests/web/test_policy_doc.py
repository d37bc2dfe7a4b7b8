"""docs/security.md carries the policy table as it is, not as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_security_page_shows_the_current_policy_table():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "policy_doc.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, "docs/security.md is stale: run scripts/policy_doc.py"
