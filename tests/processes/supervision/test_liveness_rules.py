"""The liveness rules on hand-made feature traces: order, durations, reason codes."""

from __future__ import annotations

import pytest

from processes.supervision import liveness
from processes.supervision.liveness import ClipFeatures, evaluate
from processes.supervision.settings import liveness as thresholds

RULES = thresholds()
N = 45  # 3 s at 15 fps


def clip(*, faces=None, ear=None, mar=None, yaw=None, planarity=None, aspect=None, pitch=None,
         width=180.0, frames=N) -> ClipFeatures:
    def series(values, default):
        return list(values) if values is not None else [default] * frames

    return ClipFeatures(fps=15.0, width=640, height=480, faces=series(faces, 1),
                        face_width=[width] * frames, ear=series(ear, 0.30),
                        mar=series(mar, 0.15), aspect=series(aspect, 1.15),
                        yaw=series(yaw, 0.0), pitch=series(pitch, -10.0),
                        planarity=series(planarity, 1.0))


def with_blink(ear, at, length=4, depth=0.15):
    out = list(ear)
    for i in range(at, at + length):
        out[i] = depth
    return out


def with_turn(values, at, length=8, degrees=30.0):
    out = list(values)
    for i in range(at, at + length):
        out[i] = degrees
    return out


def test_blink_then_turn_in_order_passes_and_says_where():
    ear = with_blink([0.30] * N, 8)
    yaw = with_turn([0.0] * N, 25)
    planarity = with_turn([1.0] * N, 25, degrees=6.0)
    verdict = evaluate(clip(ear=ear, yaw=yaw, planarity=planarity), ["blink", "turn_left"], RULES)
    assert verdict.passed, verdict.reasons
    assert verdict.matched == [{"prompt": "blink", "frame": 8},
                               {"prompt": "turn_left", "frame": 25}]


def test_the_same_clip_asked_in_the_other_order_fails():
    ear = with_blink([0.30] * N, 8)
    yaw = with_turn([0.0] * N, 25)
    planarity = with_turn([1.0] * N, 25, degrees=6.0)
    verdict = evaluate(clip(ear=ear, yaw=yaw, planarity=planarity), ["turn_left", "blink"], RULES)
    assert verdict.reasons == ["wrong_order"]


def test_a_natural_blink_before_the_prompted_one_does_not_spoil_the_order():
    ear = with_blink(with_blink([0.30] * N, 2), 35)
    yaw = with_turn([0.0] * N, 15)
    planarity = with_turn([1.0] * N, 15, degrees=6.0)
    verdict = evaluate(clip(ear=ear, yaw=yaw, planarity=planarity), ["turn_left", "blink"], RULES)
    assert verdict.passed
    assert verdict.matched[1] == {"prompt": "blink", "frame": 35}


def test_static_trace_misses_every_prompt():
    verdict = evaluate(clip(), list(liveness.PROMPTS), RULES)
    assert verdict.reasons == [f"prompt_missing:{p}" for p in liveness.PROMPTS]


def test_eyes_closed_too_long_is_not_a_blink():
    assert evaluate(clip(ear=with_blink([0.30] * N, 5, length=20)), ["blink"],
                    RULES).reasons == ["prompt_missing:blink"]


def test_a_narrowing_that_follows_the_face_aspect_is_not_a_blink():
    # a print tilted away: eyes and face shrink together
    ear = with_blink([0.30] * N, 10, depth=0.18)
    aspect = with_blink([1.15] * N, 10, depth=0.70)
    verdict = evaluate(clip(ear=ear, aspect=aspect), ["blink"], RULES)
    assert verdict.reasons == ["prompt_missing:blink"]
    assert verdict.summary["raw_ear_blinks"] == 1


def test_a_flat_swivel_is_not_a_turn():
    yaw = with_turn([0.0] * N, 10, degrees=-30.0)
    verdict = evaluate(clip(yaw=yaw), ["turn_right"], RULES)  # planarity stays at 1 %
    assert verdict.reasons == ["prompt_missing:turn_right"]
    assert verdict.summary["flat_turns"] == 1


def test_mouth_opening_is_judged_against_its_own_baseline():
    mar = with_turn([0.15] * N, 20, length=6, degrees=0.45)
    assert evaluate(clip(mar=mar), ["open_mouth"], RULES).passed
    small = with_turn([0.15] * N, 20, length=6, degrees=0.28)  # below 0.35
    assert not evaluate(clip(mar=small), ["open_mouth"], RULES).passed


@pytest.mark.parametrize(("faces", "reason"), [
    ([0] * N, "no_face"),
    ([2] * N, "multiple_faces"),
    ([1] * 30 + [2] * 15, "multiple_faces"),
    ([1] * 30 + [0] * 15, "no_face"),
])
def test_face_count_reasons(faces, reason):
    assert reason in evaluate(clip(faces=faces), ["blink"], RULES).reasons


def test_one_face_in_90_percent_of_frames_is_enough():
    faces = [1] * 41 + [0] * 4  # 91 %
    assert evaluate(clip(faces=faces, ear=with_blink([0.30] * N, 8)), ["blink"], RULES).passed


def test_small_face_short_clip_and_unknown_prompt():
    assert "face_too_small" in evaluate(clip(width=90.0), ["blink"], RULES).reasons
    assert "clip_too_short" in evaluate(clip(frames=20), ["blink"], RULES).reasons
    assert "prompt_unknown:wink" in evaluate(clip(), ["wink"], RULES).reasons
    empty = ClipFeatures(fps=15, width=640, height=480, faces=[])
    assert evaluate(empty, ["blink"], RULES).reasons == ["clip_unreadable"]


def test_percentile_matches_numpy_linear():
    assert liveness.percentile([1, 2, 3, 4], 75) == pytest.approx(3.25)
    assert liveness.percentile([5], 90) == 5
