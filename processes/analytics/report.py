"""The quarterly safety audit report as a PDF: Jinja2 template → WeasyPrint.

Text is set in Noto Sans CJK SC, which WeasyPrint finds through fontconfig and embeds
(subset) in the PDF, so Chinese renders on any reader. Charts are PNGs from ``charts``
embedded as data URIs. An empty quarter still yields a PDF that says so.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from . import charts

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html"]))
    env.filters["pct"] = lambda v: "—" if v is None else f"{v:.1f} %"
    env.filters["num"] = lambda v: "—" if v is None else (f"{v:,.2f}" if isinstance(v, float)
                                                          else f"{v:,}")
    return env


def _uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_charts(data: dict[str, Any]) -> dict[str, str]:
    if data["empty"]:
        return {}
    out = {"monthly": _uri(charts.monthly_bars(data["monthly"]))}
    if data["compliance_by_month"]:
        out["compliance"] = _uri(charts.compliance_line(data["compliance_by_month"]))
    if data["heatmap"]:
        out["heatmap"] = _uri(charts.slot_heatmap(data["heatmap"]))
    fvd = data["failures_vs_density"]
    if fvd["points"]:
        out["scatter"] = _uri(charts.failure_scatter(fvd["points"], fvd["r"]))
    return out


def render_html(data: dict[str, Any], *, plant: str, generated_at: datetime) -> str:
    return environment().get_template("quarterly.html").render(
        d=data, charts=render_charts(data), plant=plant,
        generated_at=generated_at.strftime("%Y-%m-%d %H:%M"))


def render_pdf(data: dict[str, Any], path: Path, *, plant: str, generated_at: datetime,
               progress: Callable[[int, str], None] = lambda pct, stage: None) -> Path:
    from weasyprint import HTML

    progress(70, "charts")
    html = render_html(data, plant=plant, generated_at=generated_at)
    progress(85, "PDF")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    HTML(string=html, base_url=str(TEMPLATES)).write_pdf(str(tmp))
    tmp.replace(path)  # a reader never sees half a file
    return path
