"""Server-rendered pages (Jinja2, mobile-first, zh-CN first).

One module per page family; they only parse, authorize, call ``processes`` and render.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from flask_login import current_user

bp = Blueprint("pages", __name__)


@bp.record_once
def _setup(state: Any) -> None:
    from ..auth import login_manager
    from . import display

    display.init_app(state.app)
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "info"


@bp.app_context_processor
def _layout_context() -> dict[str, Any]:
    """What the base layout needs on every page, including error pages."""
    person = current_user.person if current_user and current_user.is_authenticated else None

    def inbox_count() -> int | None:
        if person is None:
            return None
        from sqlalchemy.exc import SQLAlchemyError

        from engine import db
        from processes import tasks as open_tasks

        try:
            return len(open_tasks.inbox(db.session, person))
        except SQLAlchemyError:  # an error page must render even when the database fails
            return None

    return {"me": person, "inbox_count": inbox_count}


from . import (  # noqa: E402,F401
    account,
    analytics,
    apply,
    auth,
    console,
    home,
    inbox,
    notifications,
    people,
    permits,
    personal_data,
    tasks,
)
