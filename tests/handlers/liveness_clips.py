"""Synthetic sign-in clips made from a real photo (skimage's astronaut, public domain).

The face mesh of the photo is triangulated (Delaunay, plus the frame border) and each
frame is warped triangle by triangle: eyelids pulled shut for a blink, the mesh rotated
about a vertical axis (using its own depth) for a head turn, the whole card rotated in 3-D
for a print tilted in front of the camera. Hand jitter and sensor noise are added so no
two frames are identical. Used by the liveness tests and ``scripts/bench/liveness.py``.
"""

from __future__ import annotations

import math
from functools import cache

import cv2
import numpy as np

FPS = 15.0
SIZE = (640, 480)
#: eyelids (upper, lower) and the crease above each eye (mediapipe face mesh indices)
UPPER = ((246, 161, 160, 159, 158, 157, 173), (466, 388, 387, 386, 385, 384, 398))
LOWER = ((33, 7, 163, 144, 145, 153, 154, 155, 133), (263, 249, 390, 373, 374, 380, 381, 382,
                                                      362))
CREASE = ((247, 30, 29, 27, 28, 56, 190), (467, 260, 259, 257, 258, 286, 414))


@cache
def base_frame() -> np.ndarray:
    """640×480 RGB: the astronaut's head, face about 190 px wide."""
    from skimage import data

    crop = data.astronaut()[5:245, 65:385]
    return cv2.resize(crop, SIZE, interpolation=cv2.INTER_CUBIC)


@cache
def base_mesh() -> np.ndarray:
    """468×3 landmarks of the base frame (x, y in pixels, z in pixels of width)."""
    import mediapipe as mp

    frame = base_frame()
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1) as mesh:
        found = mesh.process(frame).multi_face_landmarks
    assert found, "mediapipe found no face in the base frame"
    w, h = SIZE
    return np.array([(p.x * w, p.y * h, p.z * w) for p in found[0].landmark])


@cache
def _triangles() -> np.ndarray:
    from scipy.spatial import Delaunay

    w, h = SIZE
    border = [(x, y) for x in (0, w / 2, w - 1) for y in (0, h / 2, h - 1) if (x, y) != (w / 2,
                                                                                          h / 2)]
    points = np.vstack([base_mesh()[:, :2], np.array(border)])
    return Delaunay(points).simplices


def _points() -> np.ndarray:
    w, h = SIZE
    border = [(x, y) for x in (0, w / 2, w - 1) for y in (0, h / 2, h - 1) if (x, y) != (w / 2,
                                                                                          h / 2)]
    return np.vstack([base_mesh()[:, :2], np.array(border)])


def warp(moved: np.ndarray, order: np.ndarray | None = None,
         only: set[int] | None = None) -> np.ndarray:
    """The base frame with mesh points moved to ``moved`` (468×2), piecewise affine."""
    src_all = _points()
    dst_all = src_all.copy()
    dst_all[:468] = moved
    base = base_frame()
    out = base.copy()
    tris = _triangles()
    indices = order if order is not None else range(len(tris))
    for t in indices:
        tri = tris[t]
        if only is not None and not only.intersection(tri.tolist()):
            continue
        src, dst = src_all[tri].astype(np.float32), dst_all[tri].astype(np.float32)
        x, y, w, h = cv2.boundingRect(dst)
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + w, SIZE[0]), min(y + h, SIZE[1])
        if x1 <= x0 or y1 <= y0:
            continue
        matrix = cv2.getAffineTransform(dst, src)  # output pixel → source pixel
        matrix[:, 2] += matrix[:, :2] @ np.array([x0, y0], dtype=np.float64)
        patch = cv2.warpAffine(base, matrix, (x1 - x0, y1 - y0),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REFLECT)
        mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
        cv2.fillConvexPoly(mask, np.round(dst - [x0, y0]).astype(np.int32), 1)
        region = out[y0:y1, x0:x1]
        region[mask > 0] = patch[mask > 0]
    return out


def closed_eyes(amount: float) -> np.ndarray:
    """Mesh points with the lids ``amount`` (0..1) of the way shut."""
    mesh = base_mesh()[:, :2].copy()
    moved = mesh.copy()
    for upper, lower, crease in zip(UPPER, LOWER, CREASE, strict=True):
        lid = sorted((mesh[i][0], mesh[i][1]) for i in lower)
        xs, ys = [p[0] for p in lid], [p[1] for p in lid]
        shift = {}
        for i in upper:
            target = float(np.interp(mesh[i][0], xs, ys))
            shift[i] = amount * 0.92 * (target - mesh[i][1])
            moved[i][1] += shift[i]
        for i in crease:
            nearest = min(upper, key=lambda u, i=i: abs(mesh[u][0] - mesh[i][0]))
            moved[i][1] += 0.35 * shift[nearest]
    return moved


def turned(degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """Mesh points of the head turned ``degrees`` about a vertical axis (+ = the subject's
    left: the nose moves to the image's right), and a back-to-front drawing order."""
    mesh = base_mesh()
    centre = mesh.mean(axis=0)
    theta = math.radians(degrees)
    x, z = mesh[:, 0] - centre[0], mesh[:, 2] - centre[2]
    # mediapipe z grows away from the camera; turning left brings the left cheek closer
    moved = mesh[:, :2].copy()
    moved[:, 0] = centre[0] + x * math.cos(theta) - z * math.sin(theta)
    depth = x * math.sin(theta) + z * math.cos(theta)
    tris = _triangles()
    depth_all = np.concatenate([depth, np.full(len(_points()) - 468, depth.max() + 1)])
    order = np.argsort(-depth_all[tris].mean(axis=1))
    return moved, order


def tilted(frame: np.ndarray, degrees: float, axis: str = "x") -> np.ndarray:
    """The frame as a flat card rotated in 3-D about its horizontal (x) or vertical (y) axis."""
    w, h = frame.shape[1], frame.shape[0]
    f = float(w)
    theta = math.radians(degrees)
    corners = np.array([(0, 0), (w, 0), (w, h), (0, h)], dtype=np.float64)
    projected = []
    for u, v in corners:
        x, y, z = u - w / 2, v - h / 2, 0.0
        if axis == "x":
            y, z = y * math.cos(theta), y * math.sin(theta)
        else:
            x, z = x * math.cos(theta), x * math.sin(theta)
        scale = f / (f + z)
        projected.append((w / 2 + x * scale, h / 2 + y * scale))
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32),
                                         np.array(projected, dtype=np.float32))
    return cv2.warpPerspective(frame, matrix, (w, h), borderValue=(90, 90, 90))


def shaken(frames: list[np.ndarray], seed: int = 7, jitter: float = 1.5,
           noise: float = 2.0) -> list[np.ndarray]:
    """Hand jitter (sub-pixel shifts) and sensor noise, reproducibly."""
    rng = np.random.default_rng(seed)
    out = []
    for frame in frames:
        dx, dy = rng.uniform(-jitter, jitter, 2)
        moved = cv2.warpAffine(frame, np.float32([[1, 0, dx], [0, 1, dy]]), SIZE,
                               borderMode=cv2.BORDER_REFLECT)
        grain = rng.normal(0, noise, moved.shape)
        out.append(np.clip(moved.astype(np.float64) + grain, 0, 255).astype(np.uint8))
    return out


def static_clip(frames: int = 30) -> list[np.ndarray]:
    return shaken([base_frame()] * frames)


def blink_clip(frames: int = 30, at: int = 10) -> list[np.ndarray]:
    """A still face that blinks once: lids shut over six frames starting at ``at``."""
    profile = [0.5, 1.0, 1.0, 1.0, 1.0, 0.5]
    eyes = set().union(*UPPER, *CREASE)
    out = []
    for i in range(frames):
        k = i - at
        out.append(warp(closed_eyes(profile[k]), only=eyes) if 0 <= k < len(profile)
                   else base_frame())
    return shaken(out)


def turn_clip(frames: int = 30, at: int = 8, degrees: float = 30.0) -> list[np.ndarray]:
    """A head turning 0 → ``degrees`` → 0 over twelve frames starting at ``at``."""
    ramp = [0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.5, 0.25]
    out = []
    for i in range(frames):
        k = i - at
        if 0 <= k < len(ramp):
            moved, order = turned(degrees * ramp[k])
            out.append(warp(moved, order))
        else:
            out.append(base_frame())
    return shaken(out)


def tilted_print_clip(frames: int = 30, degrees: float = 60.0, axis: str = "x"
                      ) -> list[np.ndarray]:
    """A printed photo swung forward and back (±``degrees``) in front of the camera."""
    return shaken([tilted(base_frame(), degrees * math.sin(2 * math.pi * i / frames), axis)
                   for i in range(frames)])


def two_faces_clip(frames: int = 30) -> list[np.ndarray]:
    face = cv2.resize(base_frame()[0:480, 80:560], (300, 300), interpolation=cv2.INTER_AREA)
    canvas = np.full((SIZE[1], SIZE[0], 3), 120, dtype=np.uint8)
    canvas[90:390, 10:310] = face
    canvas[90:390, 330:630] = face
    return shaken([canvas] * frames)


def no_face_clip(frames: int = 30) -> list[np.ndarray]:
    from skimage import data

    return shaken([cv2.resize(data.coffee(), SIZE, interpolation=cv2.INTER_AREA)] * frames)


def small_face_clip(frames: int = 30, width: int = 200) -> list[np.ndarray]:
    """The face shrunk so it is about ``width``/3.4 px wide in a 640×480 frame."""
    height = round(width * SIZE[1] / SIZE[0])
    small = cv2.resize(base_frame(), (width, height), interpolation=cv2.INTER_AREA)
    canvas = np.full((SIZE[1], SIZE[0], 3), 120, dtype=np.uint8)
    y, x = (SIZE[1] - height) // 2, (SIZE[0] - width) // 2
    canvas[y:y + height, x:x + width] = small
    return shaken([canvas] * frames)


def webm(frames: list[np.ndarray], fps: float = FPS) -> bytes:
    """Encode RGB frames as VP8 WebM, as a phone's MediaRecorder would send them."""
    import os
    import tempfile

    fd, path = tempfile.mkstemp(suffix=".webm")
    os.close(fd)
    try:
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"VP80"), fps, SIZE)
        for frame in frames:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        writer.release()
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)


def jpegs(frames: list[np.ndarray], quality: int = 80) -> list[bytes]:
    out = []
    for frame in frames:
        ok, data = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR),
                                [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        out.append(data.tobytes())
    return out
