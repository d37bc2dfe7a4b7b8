"""Engine tests run the runtime on a bare Flask app: the engine knows nothing of permits."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from engine import Engine, OperatorRegistry, Refusal
from engine.db import db
from tests.conftest import clean_tables

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def engine_app(database_url: str) -> Flask:
    app = Flask("engine-tests")
    app.config.update(SQLALCHEMY_DATABASE_URI=database_url)
    db.init_app(app)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture()
def session(engine_app: Flask):
    with engine_app.app_context():
        clean_tables()
        yield db.session
        db.session.rollback()


class Calls(list):
    fail: Exception | None = None


@pytest.fixture()
def calls() -> Calls:
    return Calls()


@pytest.fixture()
def engine(calls: Calls) -> Engine:
    registry = OperatorRegistry()

    @registry.register("test.check")
    def check(ctx, amount):
        """Flags big amounts; refuses negative ones; fails on demand."""
        calls.append((ctx.bpmn_id, amount))
        if calls.fail is not None:
            raise calls.fail
        if amount > 999:
            raise Refusal({"amount": ["too big to handle"]}, code="too_big")
        ctx.enqueue("test.notify", {"amount": amount})
        return {"big": amount >= 100}

    return Engine(registry)


def simple_files(*extra: str) -> list[tuple[str, bytes]]:
    names = ["simple.bpmn", "simple.fill.schema.json", "simple.approve.schema.json", *extra]
    return [(n, (DATA / n).read_bytes()) for n in names]
