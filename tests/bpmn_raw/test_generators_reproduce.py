"""The generators in ``bpmn/tools`` reproduce every committed file of ``bpmn/`` byte for byte.

The diagrams, decision tables and forms are written by ``python bpmn/tools/gen_<type>.py``;
a hand edit of a generated file, or a generator change that moves a single coordinate,
would otherwise go unnoticed until someone regenerates. The generators run as a user runs
them (a script, in a copy of the tree), so the check holds whatever the kit looks like.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BPMN = ROOT / "bpmn"


def generated(folder: Path) -> dict[str, bytes]:
    files = [*folder.glob("*.bpmn"), *folder.glob("*.dmn"), *folder.glob("forms/*.json")]
    return {str(p.relative_to(folder)): p.read_bytes() for p in files}


def test_every_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    shutil.copytree(BPMN / "tools", tmp_path / "bpmn" / "tools",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "processes" / "rules" / "data",
                    tmp_path / "processes" / "rules" / "data")
    scripts = sorted((tmp_path / "bpmn" / "tools").glob("gen_*.py"))
    assert len(scripts) == 8
    for script in scripts:
        result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                                cwd=tmp_path, check=False)
        assert result.returncode == 0, f"{script.name}: {result.stderr}"
    ours, committed = generated(tmp_path / "bpmn"), generated(BPMN)
    assert sorted(ours) == sorted(committed), "a committed file no generator writes, or the reverse"
    stale = [name for name in committed if ours[name] != committed[name]]
    assert stale == [], f"differ from their generator (re-run it, or fix it): {stale}"
