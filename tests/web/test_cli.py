"""The permitflow command as an admin uses it: init, seed-demo, deploy, audit verify."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PERMITFLOW = str(Path(sys.executable).with_name("permitflow"))


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PERMITFLOW, *args], env=env, capture_output=True, text=True,
                          timeout=180, cwd=ROOT)


def test_init_seed_and_audit_verify_on_a_fresh_sqlite(tmp_path):
    db_file = tmp_path / "cli.sqlite"
    env = {**os.environ, "PERMITFLOW_INSTANCE": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{db_file}"}
    env.pop("REDIS_URL", None)
    init = run(["init"], env)
    assert init.returncode == 0, init.stderr
    assert "deployed hot_work v1" in init.stdout
    for key in ("confined_space", "blind_plate", "temporary_power"):
        assert f"deployed {key} v1 ({key}.bpmn)" in init.stdout
    assert "refused" not in init.stderr
    again = run(["init"], env)
    assert again.returncode == 0 and "deployed hot_work v1" in again.stdout  # idempotent
    assert "deployed confined_space v1" in again.stdout
    seeded = run(["seed-demo", "--password", "pw"], env)
    assert seeded.returncode == 0, seeded.stderr
    ok = run(["audit", "verify"], env)
    assert ok.returncode == 0 and "intact" in ok.stdout

    with sqlite3.connect(db_file) as conn:
        conn.execute("UPDATE engine_audit_event SET actor = 'mallory' WHERE id = 1")
    broken = run(["audit", "verify"], env)
    assert broken.returncode == 1 and "BROKEN at event 1" in broken.stderr


def test_deploy_refusal_is_printed_with_locations(tmp_path):
    env = {**os.environ, "PERMITFLOW_INSTANCE": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'd.sqlite'}"}
    env.pop("REDIS_URL", None)
    assert run(["init"], env).returncode == 0
    bad = tmp_path / "bad.bpmn"
    bad.write_text((ROOT / "bpmn" / "hot_work.bpmn").read_text(encoding="utf-8").replace(
        'id="permit.assess"', 'id="permit.nothing"'), encoding="utf-8")
    result = run(["deploy", str(bad)], env)
    assert result.returncode == 1
    assert "bad.bpmn" in result.stderr and "[assess" in result.stderr
    assert "permit.nothing" in result.stderr
