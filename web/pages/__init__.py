"""Server-rendered pages (Jinja2, mobile-first, zh-CN first)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__)

from . import analytics, views  # noqa: E402,F401
