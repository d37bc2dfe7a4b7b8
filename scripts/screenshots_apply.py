"""Screenshots of the apply page for several permit types, for docs/screenshots/apply-*.png.

Same set-up as ``scripts/screenshots.py`` (temporary SQLite, demo plant, frozen clock,
headless Chromium at a phone viewport), but with every type found in bpmn/ deployed.

    python scripts/screenshots_apply.py [--types lifting temporary_power excavation]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import screenshots as shots


def seed_all(app: Any) -> None:
    from engine import db
    from engine.deploy import collect_related
    from web import get_engine
    from web.cli import bpmn_files

    shots.seed(app)
    with app.app_context():
        for path in bpmn_files(Path(app.config["BPMN_FOLDER"])):
            if path.stem != "hot_work":
                get_engine().deploy(db.session, collect_related(path), actor="screenshots")
        db.session.commit()


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(shots.ROOT / "docs" / "screenshots"))
    parser.add_argument("--types", nargs="+",
                        default=["lifting", "temporary_power", "excavation"])
    parser.add_argument("--width", type=int, default=390)
    parser.add_argument("--height", type=int, default=2400)
    parser.add_argument("--port", type=int, default=5330)
    args = parser.parse_args(list(argv) if argv is not None else None)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = shots.build_app(Path(tmp))
        seed_all(app)
        plain = shots.serve(app.wsgi_app, args.port)
        base = f"http://127.0.0.1:{args.port}"
        user = shots.serve(shots.with_cookie(app.wsgi_app,
                                             shots.login_cookie(base, "applicant"), None),
                           args.port + 1)
        target = f"http://127.0.0.1:{args.port + 1}"
        shots.shoot(target + "/", out / "home-types.png", args.width, 1100)
        for kind in args.types:
            shots.shoot(f"{target}/permits/new/{kind}", out / f"apply-{kind}.png",
                        args.width, args.height)
        for server in (plain, user):
            server.shutdown()


if __name__ == "__main__":
    main()
