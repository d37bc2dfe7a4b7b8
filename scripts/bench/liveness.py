#!/usr/bin/env python
"""CPU time of the face-liveness check for one sign-in clip (target: ≤ 0.5 s).

A 4 s, 15 fps, 640×480 WebM clip is made from the astronaut photo of scikit-image (the
test clips: a blink and a head turn), then decoded, measured with mediapipe's face mesh and
judged, as the ``supervision.liveness`` job does. CPU time is ``time.process_time`` of the
whole process (mediapipe's own threads included). Prints a table; exits 1 over target.

    PYTHONPATH=. python scripts/bench/liveness.py [--runs 5] [--target 0.5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def clip_path(folder: str) -> Path:
    from tests.handlers import liveness_clips as clips

    frames = clips.static_clip(10) + clips.blink_clip(20, at=4) + clips.turn_clip(30, at=6)
    assert len(frames) == 60  # 4 s at 15 fps
    path = Path(folder) / "bench.webm"
    path.write_bytes(clips.webm(frames))
    return path


def timed(func, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args)
    return result, time.process_time() - cpu, time.perf_counter() - wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--target", type=float, default=0.5, help="CPU seconds per clip")
    args = parser.parse_args()

    from handlers import liveness
    from processes.supervision.liveness import evaluate
    from processes.supervision.settings import liveness as thresholds

    rules = thresholds()
    with tempfile.TemporaryDirectory() as folder:
        path = clip_path(folder)
        size = path.stat().st_size
        rows: dict[str, list[tuple[float, float]]] = {}
        cold = None
        for run in range(args.runs + 1):
            (frames, fps), cpu_d, wall_d = timed(liveness.read_video, path,
                                                 rules["max_frames"], rules["target_width"])
            measured, cpu_m, wall_m = timed(liveness.measure, frames, fps)
            verdict, cpu_e, wall_e = timed(evaluate, measured.features, ["blink", "turn_left"],
                                           rules)
            _, cpu_f, wall_f = timed(liveness.evidence_frames, measured,
                                     [m["frame"] for m in verdict.matched])
            stages = {"decode WebM": (cpu_d, wall_d), "face mesh + features": (cpu_m, wall_m),
                      "rules": (cpu_e, wall_e), "evidence frames (JPEG)": (cpu_f, wall_f)}
            stages["total"] = (sum(c for c, _ in stages.values()),
                               sum(w for _, w in stages.values()))
            if run == 0:
                cold = stages["total"]
                assert verdict.passed, verdict.as_dict()
                continue
            for name, value in stages.items():
                rows.setdefault(name, []).append(value)
    n = len(frames)
    print(f"clip: {n} frames, {fps:.1f} fps, {frames[0].shape[1]}×{frames[0].shape[0]}, "
          f"WebM {size / 1024:.0f} KiB; median of {args.runs} warm runs")
    print(f"{'stage':<24}{'CPU s':>9}{'wall s':>9}{'CPU ms/frame':>14}")
    for name, values in rows.items():
        cpu = statistics.median(c for c, _ in values)
        wall = statistics.median(w for _, w in values)
        print(f"{name:<24}{cpu:>9.3f}{wall:>9.3f}{1000 * cpu / n:>14.2f}")
    total = statistics.median(c for c, _ in rows["total"])
    assert cold is not None
    print(f"{'first clip (cold)':<24}{cold[0]:>9.3f}{cold[1]:>9.3f}{1000 * cold[0] / n:>14.2f}")
    verdict_text = "within" if total <= args.target else "OVER"
    print(f"target ≤ {args.target:.2f} s CPU per clip: {verdict_text} ({total:.3f} s)")
    return 0 if total <= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
