#!/usr/bin/env python3
"""schemathesis over the whole OpenAPI document, as each demo role: 0 server errors.

Starts the demo (SQLite, a fresh instance folder, its own port), takes a bearer token per
role, and runs the ``schemathesis`` command (installed apart from the project: it pins its
own versions — ``python -m venv /tmp/fuzzvenv && /tmp/fuzzvenv/bin/pip install schemathesis``)
with the server-error check only: 4xx answers are the API refusing bad input, which is right.
Prints one row per role and the total.

    .venv/bin/python scripts/fuzz_api.py --schemathesis /tmp/fuzzvenv/bin/schemathesis
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("applicant", "watcher", "team_leader", "unit_approver", "specialist", "safety_dept",
         "plant_leader", "power_supplier", "safety_director", "contractor_admin", "designer",
         "admin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_json(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schemathesis", default="schemathesis")
    ap.add_argument("--max-examples", type=int, default=10)
    ap.add_argument("--roles", nargs="*", default=list(ROLES))
    args = ap.parse_args()
    port = free_port()
    instance = tempfile.mkdtemp(prefix="pf-fuzz-")
    env = {**os.environ, "PERMITFLOW_INSTANCE": instance,
           "PERMITFLOW_SUPERVISION_METHOD": "confirmation",
           # the fuzzer sends wrong passwords by the thousand: keep it from locking the demo
           "PERMITFLOW_LOGIN_FAILURES_PER_USERNAME": "1000000 per 1 minute",
           "PERMITFLOW_LOGIN_FAILURES_PER_ADDRESS": "1000000 per 1 minute",
           "PERMITFLOW_LOGIN_LOCK_AFTER": "1000000"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    log = (Path(instance) / "server.log").open("w")
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "permitflow"), "demo", "--port",
                               str(port)], env=env, cwd=instance,
                              stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        rows, total_requests, total_errors = [], 0, 0
        for role in args.roles:
            token = post_json(f"{base}/api/v1/auth/token",
                              {"username": role, "password": "demo"})["token"]
            done = subprocess.run(
                [args.schemathesis, "run", f"{base}/api/v1/openapi.json", "--checks",
                 "not_a_server_error", "--max-examples", str(args.max_examples),
                 "--header", f"Authorization: Bearer {token}", "--no-color",
                 "--suppress-health-check", "all"],
                capture_output=True, text=True)
            out = done.stdout + done.stderr
            found = re.findall(r"(\d+) (?:generated|requests?|test cases?)", out)
            requests_ = max((int(n) for n in found), default=0)
            errors = len(re.findall(r"Server error", out))
            rows.append((role, requests_, errors, done.returncode))
            total_requests += requests_
            total_errors += errors
            (Path(instance) / f"schemathesis-{role}.log").write_text(out)
        print(f"{'role':<18}{'requests':>10}{'5xx':>6}  exit")
        for role, n, e, rc in rows:
            print(f"{role:<18}{n:>10}{e:>6}  {rc}")
        print(f"{'total':<18}{total_requests:>10}{total_errors:>6}")
        print(f"logs: {instance}")
        return 1 if total_errors else 0
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    sys.exit(main())
