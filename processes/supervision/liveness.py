"""Face liveness as rules over per-frame features: prompts found, in order, on one face.

The features (eye and mouth aspect ratios, face aspect, head yaw, planarity) are measured
by ``handlers/liveness.py`` with mediapipe and OpenCV; this module only judges them, with
the thresholds in ``processes/data/liveness.json``. Pure Python: testable without a camera.

Why these signals (shared/notes/liveness.md):

* blink — the eye aspect ratio (EAR) is divided by the face aspect relative to its median:
  tilting a print shrinks the eye opening and the face height by the same factor, so the
  ratio stays flat, while a real blink moves only the eyelid;
* turn — a head yaw from a 6-point PnP fit, confirmed by a *planarity residual*: a flat
  print swivelled in front of the camera still maps onto the reference frame by a
  homography, a real head does not;
* open mouth — the inner-lip aspect ratio (MAR) against its own baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import Any

PROMPTS = ("blink", "turn_left", "turn_right", "open_mouth")


@dataclass
class ClipFeatures:
    """Per-frame measurements; ``None`` where the frame had no single face."""

    fps: float
    width: int
    height: int
    faces: list[int]
    face_width: list[float | None] = field(default_factory=list)  # pixels
    ear: list[float | None] = field(default_factory=list)
    mar: list[float | None] = field(default_factory=list)
    aspect: list[float | None] = field(default_factory=list)
    yaw: list[float | None] = field(default_factory=list)  # degrees, + = subject's left
    pitch: list[float | None] = field(default_factory=list)
    planarity: list[float | None] = field(default_factory=list)  # % of inter-ocular distance

    @property
    def frames(self) -> int:
        return len(self.faces)


@dataclass
class LivenessVerdict:
    passed: bool
    reasons: list[str]
    #: prompt → onset frames of every event of that kind found in the clip
    events: dict[str, list[int]]
    #: the requested prompts matched in order: [{"prompt", "frame"}]
    matched: list[dict[str, Any]]
    summary: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "reasons": self.reasons, "events": self.events,
                "matched": self.matched, "summary": self.summary}


def percentile(values: list[float], pct: float) -> float:
    """Linear-interpolated percentile (numpy's default), without numpy."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of nothing")
    rank = (len(ordered) - 1) * pct / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _runs(flags: list[bool | None]) -> list[tuple[int, int]]:
    """(start, end exclusive) of each run of True; None (no face) ends a run."""
    runs, start = [], None
    for i, flag in enumerate([*flags, None]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i))
            start = None
    return runs


def steady(yaw: list[float | None], pitch: list[float | None], limit: float
           ) -> list[bool]:
    """Frames whose head pose is within ``limit`` degrees of the clip's median pose.

    A blink is only believed while the head holds still: a print tilted towards the camera
    narrows the eyes (and swings the PnP pitch) without any eyelid moving.
    """
    yaws = [y for y in yaw if y is not None]
    pitches = [p for p in pitch if p is not None]
    if not yaws or not pitches:
        return [True] * len(yaw)
    mid_yaw, mid_pitch = median(yaws), median(pitches)
    return [y is None or p is None or (abs(y - mid_yaw) <= limit and abs(p - mid_pitch) <= limit)
            for y, p in zip(yaw, pitch, strict=True)]


def blink_onsets(ear: list[float | None], aspect: list[float | None] | None, fps: float,
                 rules: dict[str, Any], still: list[bool] | None = None) -> list[int]:
    """Frames where a blink starts: the eye closes below ``closed_ratio`` of its baseline
    for at most ``max_closed_s`` and opens again above ``open_ratio``, while the head
    holds still (``still``; a frame that moved ends the candidate).

    With ``aspect`` None the raw EAR is used (kept to show what normalisation prevents).
    """
    if aspect is not None:
        known = [a for a in aspect if a]
        mid = median(known) if known else 1.0
        signal = [e / (a / mid) if e is not None and a else None
                  for e, a in zip(ear, aspect, strict=True)]
    else:
        signal = list(ear)
    values = [v for v in signal if v is not None]
    if len(values) < 3:
        return []
    base = percentile(values, rules["baseline_percentile"])
    closed_below, open_above = rules["closed_ratio"] * base, rules["open_ratio"] * base
    longest = max(1, round(rules["max_closed_s"] * fps))
    onsets, closed_at = [], None
    for i, value in enumerate(signal):
        if value is None:
            continue
        if still is not None and not still[i]:
            closed_at = None
            continue
        if closed_at is None and value < closed_below:
            closed_at = i
        elif closed_at is not None and value > open_above:
            if i - closed_at <= longest:
                onsets.append(closed_at)
            closed_at = None
    return onsets


def turn_onsets(yaw: list[float | None], planarity: list[float | None], direction: int,
                rules: dict[str, Any]) -> tuple[list[int], list[int]]:
    """(real turns, flat turns): runs with yaw past the threshold in ``direction`` (+1 the
    subject's left, -1 their right); real when the run's planarity p90 is high enough."""
    flags = [None if y is None else direction * y >= rules["min_yaw_deg"] for y in yaw]
    real, flat = [], []
    for start, end in _runs(flags):
        residuals = [p for p in planarity[start:end] if p is not None]
        p90 = percentile(residuals, 90) if residuals else 0.0
        (real if p90 >= rules["min_planarity_pct"] else flat).append(start)
    return real, flat


def mouth_onsets(mar: list[float | None], rules: dict[str, Any]) -> list[int]:
    values = [m for m in mar if m is not None]
    if len(values) < 3:
        return []
    threshold = max(rules["min_mar"],
                    rules["min_ratio"] * percentile(values, rules["baseline_percentile"]))
    return [start for start, _ in _runs([None if m is None else m >= threshold for m in mar])]


def match_in_order(prompts: list[str], events: dict[str, list[int]]
                   ) -> list[dict[str, Any]] | None:
    """The earliest event of each prompt after the previous one, or None if impossible.

    A natural blink before the requested one does not spoil the order: only a requested
    event that cannot follow its predecessor does.
    """
    matched, after = [], -1
    for prompt in prompts:
        later = [f for f in events.get(prompt, []) if f > after]
        if not later:
            return None
        after = later[0]
        matched.append({"prompt": prompt, "frame": after})
    return matched


def evaluate(features: ClipFeatures, prompts: list[str], rules: dict[str, Any]
             ) -> LivenessVerdict:
    """Judge one clip against the prompts asked, in their order."""
    reasons: list[str] = []
    n = features.frames
    summary: dict[str, Any] = {"frames": n, "fps": round(features.fps, 2),
                               "size": [features.width, features.height]}
    if n == 0:
        return LivenessVerdict(False, ["clip_unreadable"], {}, [], summary)
    duration = n / features.fps if features.fps else 0.0
    summary["duration_s"] = round(duration, 2)
    if duration < rules["min_duration_s"]:
        reasons.append("clip_too_short")
    one = sum(1 for f in features.faces if f == 1) / n
    many = sum(1 for f in features.faces if f >= 2) / n
    none = sum(1 for f in features.faces if f == 0) / n
    summary.update(one_face_share=round(one, 3), multi_face_share=round(many, 3),
                   no_face_share=round(none, 3))
    if one < rules["one_face_share"]:
        reasons.append("multiple_faces" if many > 0 and many >= none else "no_face")
    widths = [w for w in features.face_width if w]
    if not widths:
        return LivenessVerdict(False, reasons or ["no_face"], {}, [], summary)
    width_frac = median(widths) / features.width
    summary["face_width_frac"] = round(width_frac, 3)
    if width_frac < rules["min_face_width_frac"]:
        reasons.append("face_too_small")

    still = steady(features.yaw, features.pitch, rules["blink"]["max_pose_change_deg"])
    blinks = blink_onsets(features.ear, features.aspect, features.fps, rules["blink"], still)
    raw_blinks = blink_onsets(features.ear, None, features.fps, rules["blink"])
    left, flat_left = turn_onsets(features.yaw, features.planarity, +1, rules["turn"])
    right, flat_right = turn_onsets(features.yaw, features.planarity, -1, rules["turn"])
    mouth = mouth_onsets(features.mar, rules["mouth"])
    events = {"blink": blinks, "turn_left": left, "turn_right": right, "open_mouth": mouth}
    yaws = [y for y in features.yaw if y is not None]
    planar = [p for p in features.planarity if p is not None]
    ears = [e for e in features.ear if e is not None]
    mars = [m for m in features.mar if m is not None]
    summary.update(
        blinks=len(blinks), raw_ear_blinks=len(raw_blinks), flat_turns=len(flat_left)
        + len(flat_right), yaw_range=[round(min(yaws), 1), round(max(yaws), 1)] if yaws
        else None, planarity_p90=round(percentile(planar, 90), 2) if planar else None,
        ear_min_rel=round(min(ears) / percentile(ears, 75), 3) if ears else None,
        mar_max=round(max(mars), 3) if mars else None)

    matched: list[dict[str, Any]] = []
    unknown = [p for p in prompts if p not in PROMPTS]
    reasons += [f"prompt_unknown:{p}" for p in unknown]
    missing = [p for p in prompts if p in PROMPTS and not events[p]]
    reasons += [f"prompt_missing:{p}" for p in missing]
    if not missing and not unknown:
        found = match_in_order(prompts, events)
        if found is None:
            reasons.append("wrong_order")
        else:
            matched = found
    return LivenessVerdict(not reasons, reasons, events, matched, summary)
