"""Jinja filters and globals: local times, countdowns, labels.

Times are stored in UTC; people read them in the plant's time zone (``PLANT_TIMEZONE``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import get_locale, gettext

from engine import clock
from processes import catalog

from . import labels


def plant_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("PLANT_TIMEZONE") or "Asia/Shanghai")


def as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def local_dt(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC (or any aware) time as the plant's wall-clock time."""
    moment = as_datetime(value)
    if moment is None:
        return "" if value is None else str(value)
    if moment.tzinfo is None:
        return moment.strftime(fmt)
    return moment.astimezone(plant_zone()).strftime(fmt)


def _span(minutes: int) -> str:
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return gettext("%(d)d 天 %(h)d 小时", d=days, h=hours)
    if hours:
        return gettext("%(h)d 小时 %(m)d 分", h=hours, m=mins)
    return gettext("%(m)d 分钟", m=mins)


def remaining(until: Any) -> str:
    """Validity left, for a countdown: "剩余 3 小时 20 分" or "已到期"."""
    moment = as_datetime(until)
    if moment is None:
        return ""
    minutes = int((moment - clock.now()).total_seconds() // 60)
    if minutes <= 0:
        return gettext("已到期")
    return gettext("剩余 %(span)s", span=_span(minutes))


def waited(since: Any) -> str:
    """How long something has been waiting: "等待 25 分钟"."""
    moment = as_datetime(since)
    if moment is None:
        return ""
    minutes = max(0, int((clock.now() - moment).total_seconds() // 60))
    if minutes < 1:
        return gettext("刚刚")
    return gettext("已等待 %(span)s", span=_span(minutes))


def due_text(due: Any) -> str:
    """A task's deadline in words, so urgency never depends on colour alone."""
    moment = as_datetime(due)
    if moment is None:
        return ""
    minutes = int((moment - clock.now()).total_seconds() // 60)
    if minutes < 0:
        return gettext("已超时 %(span)s", span=_span(-minutes))
    if minutes == 0:
        return gettext("已到期")
    return gettext("%(span)s 后到期", span=_span(minutes))


def type_name(key: str | None) -> str:
    """A permit type's name in the current language."""
    ptype = catalog.permit_type(key or "")
    if ptype is None:
        return key or ""
    return ptype.name_en if is_english() else ptype.name_zh


def is_english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def init_app(app: Flask) -> None:
    app.add_template_filter(local_dt, "local_dt")
    app.add_template_filter(remaining, "remaining")
    app.add_template_filter(waited, "waited")
    app.add_template_filter(due_text, "due_text")
    app.add_template_global(labels.label, "label")
    app.add_template_global(labels.step_name, "step_name")
    app.add_template_global(is_english, "is_english")
    app.add_template_global(type_name, "type_name")
