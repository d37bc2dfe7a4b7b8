"""Face liveness on real images: mediapipe face mesh over clips made from a real photo.

No mocks: the clips are the public-domain astronaut photo of scikit-image, warped (eyelids
shut, head turned, card tilted), with jitter and sensor noise (``liveness_clips.py``).
"""

from __future__ import annotations

import pytest

from handlers import liveness
from processes.supervision.liveness import PROMPTS, evaluate
from processes.supervision.settings import liveness as thresholds
from tests.handlers import liveness_clips as clips

RULES = thresholds()


@pytest.fixture(scope="module")
def measured():
    """Each clip measured once for the module (mediapipe runs ≈ 0.1 s per 30 frames)."""
    cache: dict[str, liveness.Measured] = {}

    def get(name: str) -> liveness.Measured:
        if name not in cache:
            frames = {
                "static": clips.static_clip,
                "blink": clips.blink_clip,
                "tilted_print": clips.tilted_print_clip,
                "blink_then_turn": lambda: clips.blink_clip(20, at=4) + clips.turn_clip(24, at=4),
                "two_faces": clips.two_faces_clip,
                "no_face": clips.no_face_clip,
                "small_face": lambda: clips.small_face_clip(width=320),
                "swivelled_print": lambda: clips.tilted_print_clip(degrees=45, axis="y"),
            }[name]()
            cache[name] = liveness.measure(frames, clips.FPS)
        return cache[name]

    return get


def judge(measured, name, prompts):
    return evaluate(measured(name).features, prompts, RULES)


def test_a_blink_clip_passes_blink(measured):
    verdict = judge(measured, "blink", ["blink"])
    assert verdict.passed, verdict.as_dict()
    assert verdict.matched[0]["frame"] in range(10, 16)  # the lids shut at frame 10
    assert verdict.summary["one_face_share"] == 1.0


def test_the_static_clip_fails_every_prompt(measured):
    verdict = judge(measured, "static", list(PROMPTS))
    assert verdict.reasons == [f"prompt_missing:{p}" for p in PROMPTS]
    assert verdict.summary["blinks"] == 0


def test_a_print_tilted_60_degrees_does_not_count_blinks(measured):
    verdict = judge(measured, "tilted_print", ["blink"])
    assert verdict.reasons == ["prompt_missing:blink"]
    assert verdict.summary["blinks"] == 0
    # the regression guard: the raw eye aspect ratio alone would have seen blinks
    assert verdict.summary["raw_ear_blinks"] >= 1


def test_prompts_in_the_wrong_order_fail(measured):
    right = judge(measured, "blink_then_turn", ["blink", "turn_left"])
    assert right.passed, right.as_dict()
    wrong = judge(measured, "blink_then_turn", ["turn_left", "blink"])
    assert wrong.reasons == ["wrong_order"]


def test_turns_are_read_from_the_subject_side(measured):
    verdict = judge(measured, "blink_then_turn", ["turn_right"])
    assert verdict.reasons == ["prompt_missing:turn_right"]
    assert verdict.summary["planarity_p90"] > RULES["turn"]["min_planarity_pct"]


@pytest.mark.parametrize(("clip", "reason"), [
    ("two_faces", "multiple_faces"), ("no_face", "no_face"), ("small_face", "face_too_small")])
def test_faces_that_cannot_sign_in_have_their_own_reason(measured, clip, reason):
    verdict = judge(measured, clip, ["blink"])
    assert reason in verdict.reasons
    assert not verdict.passed


@pytest.mark.xfail(strict=True, reason="known gap (shared/notes/liveness.md): a flat print "
                   "swivelled by 45° yields PnP yaw and enough mesh non-planarity to pass a turn")
def test_a_swivelled_print_does_not_pass_a_turn(measured):
    verdict = judge(measured, "swivelled_print", ["turn_left"])
    assert verdict.reasons == ["prompt_missing:turn_left"]


def test_a_webm_clip_and_a_jpeg_burst_read_back_the_same(tmp_path):
    frames = clips.blink_clip()
    path = tmp_path / "clip.webm"
    path.write_bytes(clips.webm(frames))
    video, fps = liveness.read_video(path, RULES["max_frames"], RULES["target_width"])
    assert len(video) == len(frames) and fps == pytest.approx(15.0, rel=0.1)
    burst, burst_fps = liveness.read_burst(clips.jpegs(frames), 15.0, RULES["max_frames"], 640)
    assert len(burst) == len(frames) and burst_fps == 15.0
    assert evaluate(liveness.measure(video, fps).features, ["blink"], RULES).passed
    kept = liveness.evidence_frames(liveness.measure(burst, burst_fps), [12], keep=3)
    assert 1 <= len(kept) <= 3 and all(k.startswith(b"\xff\xd8") for k in kept)


def test_unreadable_uploads_are_refused_with_a_reason(tmp_path):
    bad = tmp_path / "x.webm"
    bad.write_bytes(b"\x1aE\xdf\xa3 not really a webm")
    with pytest.raises(liveness.ClipError):
        liveness.read_video(bad, 120, 640)
    with pytest.raises(liveness.ClipError):
        liveness.read_burst([b"\xff\xd8\xff garbage"], 15, 120, 640)
