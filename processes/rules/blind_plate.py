"""Line-blinding rules (GB 30871-2022 clause 7).

- One permit = one blind, one action (insert 堵 or remove 抽); insert and remove are separate
  permits (7.10, 7.11): the application carries a single blind and a single action.
- Never two blinding jobs on one line at once (7.10): lines are compared by `line_key`.
- Protection follows the medium (7.7–7.9): the conditions below decide which Form A.3 items
  may not be marked not applicable.

The numbers are in `data/blind_plate.json`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from processes.rules import data

_DATA: Final = data.load("blind_plate.json")
ACTIONS: Final = dict(_DATA["actions"])
"""insert → 堵, remove → 抽."""
HOT_MEDIUM_MIN_C: Final = float(_DATA["media"]["hot_medium_min_celsius"])
COLD_MEDIUM_MAX_C: Final = float(_DATA["media"]["cold_medium_max_celsius"])
TOXIC_DETECTOR_GASES: Final = tuple(_DATA["toxic_detector_gases"]["gases"])


def line_key(line_id: str) -> str:
    """A line number as compared for the one-job-per-line rule: width-folded (full-width
    characters as typed on a phone), upper case, without spaces, every dash alike."""
    text = unicodedata.normalize("NFKC", line_id or "").upper()
    text = re.sub(r"\s+", "", text)
    return re.sub(r"[‐‑‒–—―_]", "-", text)


def conditions(*, hazard_class: str, temperature_c: float | None, toxic: bool,
               corrosive: bool) -> frozenset[str]:
    """The job conditions that make Form A.3 items compulsory (7.6–7.9)."""
    found = set()
    if hazard_class == "fire_explosion":
        found.add("hazardous_area")
    if toxic:
        found.add("toxic_medium")
    if corrosive:
        found.add("corrosive_medium")
    if temperature_c is not None and temperature_c >= HOT_MEDIUM_MIN_C:
        found.add("hot_medium")
    if temperature_c is not None and temperature_c <= COLD_MEDIUM_MAX_C:
        found.add("cold_medium")
    return frozenset(found)
