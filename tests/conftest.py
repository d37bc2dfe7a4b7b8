"""Shared fixtures: a database per run (SQLite file, or PostgreSQL from DATABASE_URL).

In CI ``PERMITFLOW_REQUIRE_SERVICES=1`` is set for the PostgreSQL + Redis run: a test that
needs a service then fails, never skips, when the service is missing.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine import clock as engine_clock
from engine.db import db

REQUIRE_SERVICES = os.environ.get("PERMITFLOW_REQUIRE_SERVICES") == "1"
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
#: tests of row locks and real concurrency (SQLite serialises writers; nothing to race)
needs_postgres = pytest.mark.skipif(not ON_POSTGRES and not REQUIRE_SERVICES,
                                    reason="PostgreSQL only: set DATABASE_URL (CI does)")


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_SERVICES and not os.environ.get("DATABASE_URL"):
        raise pytest.UsageError("PERMITFLOW_REQUIRE_SERVICES=1 needs DATABASE_URL")


#: pytest-xdist's worker name (gw0, gw1 …), "" when the suite runs in one process
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'permitflow-test.sqlite'}"
    if not WORKER:
        return url
    # Parallel workers each get a database of their own next to the one CI named.
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    mine = base.set(database=f"{base.database}_{WORKER}")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{mine.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{mine.database}"'))
    admin.dispose()
    return mine.render_as_string(hide_password=False)


def clean_tables() -> None:
    """Empty every table (children first): faster than re-creating the schema per test."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture()
def frozen_clock():
    clock = engine_clock.FrozenClock(datetime(2026, 6, 3, 2, 0, tzinfo=UTC))
    engine_clock.set_default_clock(clock)
    yield clock
    engine_clock.set_default_clock(engine_clock.Clock())


@pytest.fixture(autouse=True)
def supervision_profile():
    """Every permit type signs its watcher in by a plain confirmation here.

    The plant's settings make hot work prove presence with QR + GPS + face; scenarios about
    the permit flow do not need a camera, so this default lays a plain profile over the
    settings. Supervision tests override this fixture to get the plant's real settings.
    """
    from processes.supervision import settings

    with settings.override({"by_type": {}, "by_area": {}}):
        yield "plain"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return Path(__file__).parent


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    from web import create_app

    # the instance folder (secret key …) of this run, not the checkout's, nor another worker's
    os.environ.setdefault("PERMITFLOW_INSTANCE", str(tmp_path_factory.mktemp("instance")))
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "REDIS_NAMESPACE": f"permitflow-test{'-' + WORKER if WORKER else ''}",
        "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        "REPORT_FOLDER": str(tmp_path_factory.mktemp("reports")),
        "WTF_CSRF_ENABLED": False,
    })
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture()
def plant(app, frozen_clock):
    """A fresh demo plant (sites, areas, people, certificates) and hot_work deployed."""
    seed_plant(app)
    yield app
    with app.app_context():
        db.session.remove()


def seed_plant(app) -> None:
    """Empty the database, then seed the demo plant and deploy hot_work (see ``plant``)."""
    from engine.deploy import collect_related
    from processes import demo
    from web import get_engine, get_jobs, throttle

    with app.app_context():
        db.session.remove()
        clean_tables()
        # Messages earlier tests relayed would otherwise wait in the shared broker and be
        # run by the next test that starts a worker.
        get_jobs().broker.flush_all()
        # Failed logins of earlier tests must not throttle this one (web/throttle.py).
        throttle.reset(app)
        demo.seed(db.session, password_hash=_fast_hash, password="demo")
        bpmn = Path(app.config["BPMN_FOLDER"]) / "hot_work.bpmn"
        get_engine().deploy(db.session, collect_related(bpmn), actor="test")
        db.session.commit()
        db.session.remove()


def _fast_hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    # Cheap hashing keeps the suite fast; production uses the default scrypt cost.
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


@pytest.fixture()
def plant_all(plant):
    """The demo plant with every permit type found in bpmn/ deployed (``permitflow init``)."""
    from engine.deploy import collect_related
    from web import get_engine
    from web.cli import bpmn_files

    with plant.app_context():
        for path in bpmn_files(Path(plant.config["BPMN_FOLDER"])):
            get_engine().deploy(db.session, collect_related(path), actor="test")
        db.session.commit()
    return plant
