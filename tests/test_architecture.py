"""The layering is the architecture: imports point web → handlers → processes → engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_layers_contract_is_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_engine_imports_nothing_of_the_permit_domain():
    for path in (ROOT / "engine").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for other in ("processes", "handlers", "web"):
            assert f"from {other}" not in text and f"import {other}" not in text, path


def test_no_module_grows_past_800_lines():
    for package in ("engine", "processes", "handlers", "web"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            lines = path.read_text(encoding="utf-8").count("\n")
            assert lines <= 800, f"{path} has {lines} lines: split it"


def test_environment_is_clean_of_debug_flags():
    assert os.environ.get("FLASK_DEBUG") in (None, "0")
