"""The short drills (``scripts/drills/run.py --short``) on PostgreSQL + Redis.

They start ``permitflow serve``, two workers and a redis-server of their own, so they run
only where the services are (CI sets DATABASE_URL and REDIS_URL, and under
PERMITFLOW_REQUIRE_SERVICES=1 they must run). The database they use is a sibling of
DATABASE_URL's, named ``<name>_drill``, created and dropped by the drill.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
HAVE_SERVICES = DATABASE_URL.startswith("postgresql") and bool(os.environ.get("REDIS_URL"))

pytestmark = pytest.mark.skipif(not HAVE_SERVICES and not REQUIRE_SERVICES,
                                reason="needs PostgreSQL (DATABASE_URL) and REDIS_URL")


def test_the_short_drills_pass_on_postgresql_and_redis():
    assert HAVE_SERVICES, "PERMITFLOW_REQUIRE_SERVICES=1 needs a PostgreSQL DATABASE_URL"
    assert shutil.which("redis-server"), "the drills start their own redis-server"
    from sqlalchemy.engine import URL, make_url

    url = make_url(DATABASE_URL)
    base = URL.create("postgresql", username=url.username, password=url.password,
                      host=url.host, port=url.port).render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "drills" / "run.py"), "--short",
         "--pg-base", base, "--db", f"{url.database}_drill"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    table = done.stdout
    assert done.returncode == 0, f"{table[-4000:]}\n{done.stderr[-3000:]}"
    for scenario in ("load", "races", "timers", "kill -9", "redis restarted empty",
                     "postgres backends cut"):
        assert scenario in table, table
    header = next(line for line in table.splitlines() if line.startswith("scenario"))
    assert [c.strip() for c in header.split("|")][1:5] == ["requests", "5xx", "lost",
                                                          "duplicated"]
