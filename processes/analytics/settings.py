"""Analytics settings as data (processes/data/analytics.json), read once."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PATH = Path(__file__).resolve().parent.parent / "data" / "analytics.json"


@cache
def load() -> dict[str, Any]:
    return json.loads(PATH.read_text(encoding="utf-8"))


def heatmap_min_jobs() -> int:
    return int(load()["heatmap"]["min_jobs"])


def heatmap_confidence() -> float:
    return float(load()["heatmap"]["confidence"])


def quality_weights() -> dict[str, float]:
    return {k: float(v) for k, v in load()["quality_score"]["weights"].items()}


def incident_categories() -> list[str]:
    return list(load()["incident_categories"])
