"""Measuring a sign-in clip: mediapipe face mesh + OpenCV, per frame.

Heavy imports (cv2, mediapipe, numpy) happen on first use, so the web process and the
other jobs never load them. mediapipe 0.10.21 is the last release whose wheel ships the
face models (newer ones download them at run time, which an offline plant server cannot);
see shared/notes/liveness.md and scripts/_venv.sh for the install.

The judgement itself is ``processes.supervision.liveness.evaluate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from processes.supervision.liveness import ClipFeatures

#: eye landmarks p1..p6 (outer corner, two upper, inner corner, two lower)
R_EYE = (33, 160, 158, 133, 153, 144)
L_EYE = (362, 385, 387, 263, 373, 380)
#: 6 points for the head pose: nose tip, chin, eye outer corners, mouth corners
POSE_POINTS = (1, 152, 33, 263, 61, 291)
#: a generic head in camera axes (x right, y down, z away from the camera), millimetres
POSE_MODEL = ((0.0, 0.0, 0.0), (0.0, 330.0, 65.0), (-225.0, -170.0, 135.0),
              (225.0, -170.0, 135.0), (-150.0, 150.0, 125.0), (150.0, 150.0, 125.0))
#: landmarks that do not move with expression: brows, eye corners, nose, cheeks, forehead
RIGID = (70, 63, 105, 66, 107, 336, 296, 334, 293, 300, 33, 133, 362, 263, 1, 4, 5, 6, 168,
         197, 195, 98, 327, 234, 454, 93, 323, 132, 361, 50, 280, 10, 151)


class ClipError(Exception):
    """The upload cannot be read as a clip or a burst of frames."""


@dataclass
class Measured:
    features: ClipFeatures
    #: RGB frames, kept so the job can store a few as evidence
    frames: list[Any]
    #: per frame: the face box (x0, y0, x1, y1) in pixels, or None
    boxes: list[tuple[int, int, int, int] | None]


def _np() -> Any:
    import numpy

    return numpy


def read_video(path: str | Path, max_frames: int, target_width: int) -> tuple[list[Any], float]:
    """RGB frames and the frame rate of a WebM/MP4 file (timestamps when the header lies)."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ClipError("the clip cannot be decoded (send WebM/VP8 or a JPEG burst)")
    frames, stamps = [], []
    try:
        while len(frames) < max_frames * 4:
            ok, frame = capture.read()
            if not ok:
                break
            stamps.append(capture.get(cv2.CAP_PROP_POS_MSEC))
            frames.append(_fit(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), target_width))
        header_fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
    finally:
        capture.release()
    if not frames:
        raise ClipError("the clip has no frames")
    span = (stamps[-1] - stamps[0]) / 1000.0 if len(stamps) > 1 else 0.0
    fps = (len(frames) - 1) / span if span > 0 else 0.0
    if not 1.0 <= fps <= 120.0:
        fps = header_fps if 1.0 <= header_fps <= 120.0 else 15.0
    return _thin(frames, fps, max_frames)


def read_burst(images: list[bytes], fps: float, max_frames: int, target_width: int
               ) -> tuple[list[Any], float]:
    """RGB frames of a burst of JPEG/PNG images taken ``fps`` per second."""
    import cv2

    np = _np()
    frames = []
    for i, content in enumerate(images):
        frame = cv2.imdecode(np.frombuffer(content, dtype=np.uint8), cv2.IMREAD_COLOR)
        if frame is None:
            raise ClipError(f"frame {i} is not a JPEG/PNG image")
        frames.append(_fit(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), target_width))
    if not frames:
        raise ClipError("the burst has no frames")
    return _thin(frames, fps, max_frames)


def _fit(frame: Any, width: int) -> Any:
    import cv2

    if frame.shape[1] <= width:
        return frame
    height = round(frame.shape[0] * width / frame.shape[1])
    return cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)


def _thin(frames: list[Any], fps: float, max_frames: int) -> tuple[list[Any], float]:
    step = max(1, math.ceil(len(frames) / max_frames))
    return frames[::step], fps / step


def _dist(p: Any, a: int, b: int) -> float:
    return float(math.hypot(p[a][0] - p[b][0], p[a][1] - p[b][1]))


def eye_aspect(p: Any, eye: tuple[int, ...]) -> float:
    return (_dist(p, eye[1], eye[5]) + _dist(p, eye[2], eye[4])) / (2 * _dist(p, eye[0], eye[3]))


def head_pose(points: Any, width: int, height: int) -> tuple[float, float]:
    """(yaw, pitch) in degrees; yaw > 0 when the nose points to the image's right, which is
    the subject's left (the camera image is not mirrored)."""
    import cv2

    np = _np()
    camera = np.array([[width, 0, width / 2], [0, width, height / 2], [0, 0, 1]], dtype=float)
    image = np.array([points[i][:2] for i in POSE_POINTS], dtype=float)
    ok, rvec, _ = cv2.solvePnP(np.array(POSE_MODEL), image, camera, None,
                               flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        return 0.0, 0.0
    rotation, _ = cv2.Rodrigues(rvec)
    forward = rotation @ np.array([0.0, 0.0, -1.0])  # out of the face, towards the camera
    yaw = math.degrees(math.atan2(forward[0], -forward[2]))
    pitch = math.degrees(math.atan2(-forward[1], -forward[2]))
    return yaw, pitch


def planarity(reference: Any, points: Any) -> float:
    """RMS residual of the best homography reference → points on the rigid landmarks, as a
    percentage of the inter-ocular distance: ~1 % for a flat print, several % for a head."""
    import cv2

    np = _np()
    src = np.array([reference[i][:2] for i in RIGID], dtype=np.float64)
    dst = np.array([points[i][:2] for i in RIGID], dtype=np.float64)
    matrix, _ = cv2.findHomography(src, dst, 0)
    if matrix is None:
        return 0.0
    projected = cv2.perspectiveTransform(src.reshape(-1, 1, 2), matrix).reshape(-1, 2)
    rms = float(np.sqrt(np.mean(np.sum((projected - dst) ** 2, axis=1))))
    ocular = float(np.linalg.norm(dst[10] - dst[13]))  # 33 ↔ 263, outer eye corners
    return 100.0 * rms / ocular if ocular else 0.0


def measure(frames: list[Any], fps: float) -> Measured:
    """Run the face mesh over the frames (one mesh per clip: it is stateful in video mode)."""
    import mediapipe as mp

    np = _np()
    height, width = frames[0].shape[:2]
    feats = ClipFeatures(fps=fps, width=width, height=height, faces=[])
    boxes: list[tuple[int, int, int, int] | None] = []
    meshes: list[Any] = []
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=2,
                                         refine_landmarks=True,
                                         min_detection_confidence=0.5,
                                         min_tracking_confidence=0.5) as mesh:
        for frame in frames:
            h, w = frame.shape[:2]
            found = mesh.process(frame).multi_face_landmarks or []
            feats.faces.append(len(found))
            if len(found) != 1:
                meshes.append(None)
                boxes.append(None)
                continue
            pts = np.array([(lm.x * w, lm.y * h, lm.z * w) for lm in found[0].landmark])
            meshes.append(pts)
            x0, y0 = pts[:, 0].min(), pts[:, 1].min()
            x1, y1 = pts[:, 0].max(), pts[:, 1].max()
            boxes.append((int(x0), int(y0), int(x1), int(y1)))
    reference = _reference(meshes, width, height)
    for pts in meshes:
        if pts is None:
            for series in (feats.face_width, feats.ear, feats.mar, feats.aspect, feats.yaw,
                           feats.pitch, feats.planarity):
                series.append(None)
            continue
        face_w = _dist(pts, 234, 454)
        yaw, pitch = head_pose(pts, width, height)
        feats.face_width.append(face_w)
        feats.ear.append((eye_aspect(pts, R_EYE) + eye_aspect(pts, L_EYE)) / 2)
        feats.mar.append(_dist(pts, 13, 14) / max(_dist(pts, 78, 308), 1e-6))
        feats.aspect.append(_dist(pts, 10, 152) / max(face_w, 1e-6))
        feats.yaw.append(yaw)
        feats.pitch.append(pitch)
        feats.planarity.append(planarity(reference, pts) if reference is not None else None)
    return Measured(feats, frames, boxes)


def _reference(meshes: list[Any], width: int, height: int) -> Any:
    """The most frontal of the first frames: the planarity residual is measured from it."""
    candidates = [m for m in meshes if m is not None][:10]
    if not candidates:
        return None
    return min(candidates, key=lambda m: abs(head_pose(m, width, height)[0]))


def evidence_frames(measured: Measured, frame_indices: list[int], keep: int = 3,
                    quality: int = 85) -> list[bytes]:
    """JPEGs of the most frontal face frame and of the matched prompt events (≤ ``keep``)."""
    import cv2

    feats = measured.features
    chosen: list[int] = []
    frontal = [(abs(y), i) for i, y in enumerate(feats.yaw) if y is not None]
    if frontal:
        chosen.append(min(frontal)[1])
    for index in frame_indices:
        if index not in chosen and 0 <= index < len(measured.frames):
            chosen.append(index)
    if not chosen:
        chosen = sorted({0, len(measured.frames) // 2, len(measured.frames) - 1})
    out = []
    for index in chosen[:keep]:
        ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(measured.frames[index], cv2.COLOR_RGB2BGR),
                                [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            out.append(jpeg.tobytes())
    return out
