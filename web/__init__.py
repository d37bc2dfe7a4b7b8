"""The Flask application factory: the composition root that wires every layer together."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request, session
from flask_babel import Babel
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

import handlers
from engine import Engine, OperatorRegistry, db
from engine.db import install_sqlite_pragmas
from handlers.broker import Jobs, make_broker

from . import api_csrf, config, errors, limits, policy, security_headers, throttle
from .auth import login_manager

LANGUAGES = ("zh_CN", "en")
MIGRATIONS = str(Path(__file__).parent / "migrations")

babel = Babel()
csrf = CSRFProtect()
migrate = Migrate()


def select_locale() -> str:
    """Chinese unless the person chose English: plant phones are often set to English
    without their users reading it, so the browser's language is not followed."""
    chosen = request.args.get("lang") or session.get("lang")
    return chosen if chosen in LANGUAGES else "zh_CN"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("PERMITFLOW_INSTANCE")
                or str(Path.cwd() / "instance"))
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.from_env(app.instance_path))
    app.config.from_mapping(security_headers.config_from_env())
    app.config.update(
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)

    from processes.supervision import settings as supervision_settings

    supervision_settings.force_method(app.config.get("SUPERVISION_METHOD"))
    from werkzeug.routing import IntegerConverter

    class BoundedInt(IntegerConverter):
        """Ids beyond a database integer are simply not found (404), not a 500."""

        def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("max", 2**63 - 1)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = BoundedInt
    install_sqlite_pragmas()
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    api_csrf.init_app(app)
    security_headers.init_app(app)
    login_manager.init_app(app)

    registry = OperatorRegistry()
    handlers.register(registry)
    from processes import inbox

    engine = Engine(registry, task_due=inbox.due_at)
    jobs = Jobs(app, make_broker(app.config.get("REDIS_URL"),
                                 namespace=app.config.get("REDIS_NAMESPACE", "permitflow"),
                                 heartbeat_timeout_ms=int(app.config.get("REDIS_HEARTBEAT_MS")
                                                          or 20_000)))
    handlers.declare_jobs(jobs)
    app.extensions["permitflow"] = {"engine": engine, "jobs": jobs}

    from .api import bp as api_bp
    from .pages import bp as pages_bp
    from .pages.access import bp as access_bp
    from .pages.supervision import bp as supervision_pages_bp

    csrf.exempt(api_bp)  # the API's own check: web/api_csrf.py (bearer tokens need none)
    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(access_bp)
    app.register_blueprint(supervision_pages_bp)
    throttle.init_app(app)
    errors.init_app(app)
    policy.init_app(app)
    limits.init_app(app)

    from . import cli

    cli.init_app(app)
    return app


def get_engine() -> Engine:
    return current_app.extensions["permitflow"]["engine"]


def get_jobs() -> Jobs:
    return current_app.extensions["permitflow"]["jobs"]
