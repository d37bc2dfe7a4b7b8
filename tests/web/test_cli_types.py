"""``permitflow init`` deploys every permit type whose diagram is in bpmn/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PERMITFLOW = str(Path(sys.executable).with_name("permitflow"))


def test_init_deploys_every_type_in_bpmn(tmp_path):
    env = {**os.environ, "PERMITFLOW_INSTANCE": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'types.sqlite'}"}
    env.pop("REDIS_URL", None)
    result = subprocess.run([PERMITFLOW, "init"], env=env, capture_output=True, text=True,
                            timeout=180, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    for key in ("hot_work", "work_at_height", "lifting", "excavation", "road_closure"):
        assert f"deployed {key} v1 ({key}.bpmn)" in result.stdout, result.stdout
