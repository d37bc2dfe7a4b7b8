"""Report charts drawn server-side with matplotlib (Agg, no pyplot: thread-safe in jobs).

Chinese labels need a CJK font: Noto Sans CJK SC (Debian fonts-noto-cjk) when installed;
matplotlib falls back to its default font otherwise (the glyphs then show as boxes, which
the report's own text, rendered by WeasyPrint, does not depend on).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from matplotlib import rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .slots import WEEKDAYS_ZH

FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "DejaVu Sans"]
DPI = 150


def _figure(width: float = 7.0, height: float = 3.0) -> Figure:
    rcParams["font.sans-serif"] = FONTS
    rcParams["font.family"] = "sans-serif"
    rcParams["axes.unicode_minus"] = False
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def monthly_bars(monthly: list[dict[str, Any]]) -> bytes:
    """Jobs per month (bars) with incidents + near misses per 1,000 jobs (line)."""
    fig = _figure()
    ax = fig.add_subplot()
    months = [m["month"] for m in monthly]
    jobs = [m["jobs"] for m in monthly]
    ax.bar(months, jobs, color="#4e79a7", label="作业数 jobs")
    ax.set_ylabel("作业数 jobs")
    ax2 = ax.twinx()
    rate = [1000.0 * (m["incidents"] + m["near_misses"]) / m["jobs"] if m["jobs"] else 0
            for m in monthly]
    ax2.plot(months, rate, color="#e15759", marker="o", label="每千次事故+未遂")
    ax2.set_ylabel("每千次作业 per 1,000")
    ax.set_title("月度作业与事故率 Jobs and incident rate by month")
    return _png(fig)


def compliance_line(by_month: list[dict[str, Any]]) -> bytes:
    fig = _figure()
    ax = fig.add_subplot()
    labels = [r["label"] for r in by_month]
    def series(key: str) -> list[float]:
        return [np.nan if r[key] is None else r[key] for r in by_month]

    ax.plot(labels, series("rate"), marker="o", label="流程合规率")
    ax.plot(labels, series("on_time_rate"), marker="s", label="按时关闭率")
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.legend(loc="lower right")
    ax.set_title("合规率与按时关闭率 Compliance and on-time closing")
    return _png(fig)


def slot_heatmap(grid: dict[str, Any]) -> bytes:
    """Weekday × hour risk ratios; flagged cells outlined."""
    ratio = np.full((7, 24), np.nan)
    for cell in grid["cells"]:
        if cell["weekday"] is not None and cell["hour"] is not None and cell["jobs"]:
            ratio[cell["weekday"], cell["hour"]] = cell["risk_ratio"] or 0.0
    fig = _figure(7.0, 3.2)
    ax = fig.add_subplot()
    top = max(3.0, float(np.nanmax(ratio)) if np.isfinite(ratio).any() else 3.0)
    image = ax.imshow(ratio, aspect="auto", cmap="YlOrRd", vmin=0, vmax=top)
    ax.set_yticks(range(7), WEEKDAYS_ZH)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    for cell in grid["cells"]:
        if cell["flagged"]:
            ax.add_patch(_box(cell["hour"], cell["weekday"]))
    fig.colorbar(image, ax=ax, label="风险比 risk ratio")
    ax.set_title("时段风险热力图 Risk ratio by weekday × hour (框 = 显著)")
    return _png(fig)


def _box(x: int, y: int) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, edgecolor="#000", linewidth=1.5)


def failure_scatter(points: list[dict[str, Any]], r: float | None) -> bytes:
    fig = _figure(6.0, 3.2)
    ax = fig.add_subplot()
    xs = [p["density"] for p in points]
    ys = [p["failure_rate"] for p in points]
    ax.scatter(xs, ys, color="#59a14f")
    for p in points:
        ax.annotate(p["code"], (p["density"], p["failure_rate"]), fontsize=7,
                    xytext=(3, 3), textcoords="offset points")
    if len(points) >= 2 and len(set(xs)) > 1:
        slope, intercept = np.polyfit(xs, ys, 1)
        line_x = np.linspace(min(xs), max(xs), 20)
        ax.plot(line_x, slope * line_x + intercept, color="#888", linestyle="--")
    ax.set_xlabel("特殊作业密度 jobs / month / ha")
    ax.set_ylabel("设备故障 failures / month")
    ax.set_title(f"设备故障率与作业密度 (Pearson r = {r:.2f})" if r is not None
                 else "设备故障率与作业密度 (r: 数据不足)")
    return _png(fig)
