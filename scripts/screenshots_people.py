"""Screenshots of the people and certificate pages at a phone viewport (docs/screenshots/).

Reuses scripts/screenshots.py (demo plant, frozen clock, a server per logged-in user):
the alert board, a worker's e-profile and the contractor portal showing a fresh access
code's QR.

    python scripts/screenshots_people.py [--out docs/screenshots] [--width 390]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import screenshots as base

#: more pages to look at (``--all``), not kept in docs/
EXTRA = [("cert-ledger-red", "safety_dept", "/certificates?status=red"),
         ("capabilities", "safety_director", "/capabilities")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(base.ROOT / "docs" / "screenshots"))
    parser.add_argument("--width", type=int, default=390)
    parser.add_argument("--height", type=int, default=844)
    parser.add_argument("--port", type=int, default=5330)
    parser.add_argument("--all", action="store_true", help="also the ledger and the matrix")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = base.build_app(Path(tmp))
        base.seed(app)
        ids = base.people(app)
        code = base.Api(app, "contractor_admin").call("POST", "/access-codes", json={
            "person_id": ids["马超（承包商焊工）"], "scope": "B-3 罐区常压储罐打磨，不得带压堵漏",
            "permit_types": ["hot_work"], "hours": 24})
        servers = [base.serve(app.wsgi_app, args.port)]
        root = f"http://127.0.0.1:{args.port}"
        shots = [("cert-alerts", "safety_dept", "/certificates/alerts", args.height),
                 ("person-profile", "safety_dept", f"/people/{ids['刘洋（焊工）']}",
                  args.height),
                 ("contractor-portal", "contractor_admin", f"/contractor?code={code['id']}",
                  1400)]
        if args.all:
            shots += [(name, user, path, args.height) for name, user, path in EXTRA]
        port = args.port
        for name, user, path, height in shots:
            port += 1
            servers.append(base.serve(base.with_cookie(
                app.wsgi_app, base.login_cookie(root, user), None), port))
            base.shoot(f"http://127.0.0.1:{port}{path}", out / f"{name}.png", args.width,
                       height)
        for server in servers:
            server.shutdown()


if __name__ == "__main__":
    main()
