"""Offscreen rendering of a World: RGB frames, PNGs, MP4 rollouts with keyframes.

TinyRenderer (pure CPU, no display, no GL) is the default because it works everywhere, including
headless CI. EGL (GPU or Mesa) is used only when asked for (`use_egl=True` / ROBOSKILL_EGL=1) and the
plugin loads; falling back silently keeps rendering working on any machine.

Every file is written to a temp name in the same folder and then `os.replace`d into place, so a
crash never leaves a half-written PNG/MP4 that a UI would show as broken.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np
import pybullet as p
from pydantic import BaseModel

if TYPE_CHECKING:
    from roboskill.sim.builder import World


class Camera(BaseModel):
    """A look-at camera (world frame). The default frames the robot and the table's work area."""

    target: tuple[float, float, float] = (-0.06, 0.0, 0.12)
    distance: float = 1.1
    yaw: float = -35.0
    """Degrees about z: 0 looks along +y, 90 along -x (from behind the table towards the robot)."""
    pitch: float = -30.0
    fov: float = 55.0
    near: float = 0.02
    far: float = 5.0


CAMERAS: dict[str, Camera] = {
    "default": Camera(),
    "front": Camera(target=(0.0, 0.0, 0.1), distance=1.1, yaw=90.0, pitch=-25.0),
    "side": Camera(target=(-0.1, 0.0, 0.1), distance=1.2, yaw=0.0, pitch=-20.0),
    "top": Camera(target=(-0.05, 0.0, 0.0), distance=1.1, yaw=90.0, pitch=-89.0),
    "close": Camera(target=(0.05, 0.0, 0.08), distance=0.8, yaw=-40.0, pitch=-30.0),
    "back": Camera(target=(-0.12, 0.0, 0.18), distance=1.45, yaw=50.0, pitch=-32.0),
}

_EGL_LOADED: dict[int, bool] = {}


def _camera(camera: Camera | str | None) -> Camera:
    if camera is None:
        return CAMERAS["default"]
    if isinstance(camera, str):
        if camera not in CAMERAS:
            raise ValueError(f"unknown camera {camera!r}; choose one of {sorted(CAMERAS)} or pass a Camera")
        return CAMERAS[camera]
    return camera


def enable_egl(client: int) -> bool:
    """Try to load the EGL renderer plugin into `client`; returns whether it is active."""
    if client in _EGL_LOADED:
        return _EGL_LOADED[client]
    ok = False
    try:
        import pkgutil

        egl = pkgutil.get_loader("eglRenderer")
        plugin = p.loadPlugin(egl.get_filename(), "_eglRendererPlugin", physicsClientId=client) if egl else \
            p.loadPlugin("eglRendererPlugin", physicsClientId=client)
        ok = plugin >= 0
    except Exception:  # any failure means: stay on TinyRenderer
        ok = False
    _EGL_LOADED[client] = ok
    return ok


def render_rgb(world: World, width: int = 640, height: int = 480, camera: Camera | str | None = None,
               *, use_egl: bool | None = None, shadows: bool = True) -> np.ndarray:
    """An (height, width, 3) uint8 RGB image of the world from `camera` (name or Camera)."""
    cam = _camera(camera)
    c = world.client
    if use_egl is None:
        use_egl = os.environ.get("ROBOSKILL_EGL", "") == "1"
    renderer = p.ER_TINY_RENDERER
    if use_egl and enable_egl(c):
        renderer = p.ER_BULLET_HARDWARE_OPENGL
    view = p.computeViewMatrixFromYawPitchRoll(cam.target, cam.distance, cam.yaw, cam.pitch, 0.0, 2,
                                               physicsClientId=c)
    proj = p.computeProjectionMatrixFOV(cam.fov, width / height, cam.near, cam.far, physicsClientId=c)
    _, _, rgba, _, _ = p.getCameraImage(width, height, view, proj, renderer=renderer, shadow=int(shadows),
                                        lightDirection=[0.6, -0.4, 1.0], flags=p.ER_NO_SEGMENTATION_MASK,
                                        physicsClientId=c)
    img = np.asarray(rgba, dtype=np.uint8).reshape(height, width, 4)
    return np.ascontiguousarray(img[:, :, :3])


def _atomic_target(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")


def save_png(image: np.ndarray, path: str | Path) -> Path:
    """Write an RGB(A) uint8 image as PNG atomically."""
    import imageio.v3 as iio

    path = Path(path)
    tmp = _atomic_target(path)
    iio.imwrite(tmp, np.asarray(image, dtype=np.uint8), extension=".png")
    os.replace(tmp, path)
    return path


def render_png(world: World, path: str | Path, width: int = 640, height: int = 480,
               camera: Camera | str | None = None) -> Path:
    """Render and save in one call."""
    return save_png(render_rgb(world, width, height, camera), path)


def label_frame(frame: np.ndarray, text: str, color: Sequence[int] = (40, 150, 60)) -> np.ndarray:
    """A copy of `frame` with a coloured banner across the top carrying `text` (e.g. "SUCCESS seed 5")."""
    img = np.array(frame, dtype=np.uint8, copy=True)
    h = max(10, min(18, img.shape[0] // 10))
    img[:h] = np.asarray(color, dtype=np.uint8)[:3]
    try:
        from PIL import Image, ImageDraw

        pil = Image.fromarray(img)
        ImageDraw.Draw(pil).text((4, max(0, (h - 11) // 2)), text, fill=(255, 255, 255))
        img = np.asarray(pil, dtype=np.uint8)
    except Exception:  # noqa: BLE001 - without Pillow the colour of the banner still tells
        pass
    return img


@dataclass
class VideoRecorder:
    """Collect frames of a rollout and write `video_name` (default `rollout.mp4`) plus keyframe PNGs.

    Usage: `rec = VideoRecorder(world, out_dir)`, then `rec.capture()` after env steps (it keeps
    every `every`-th call), then `rec.save()` -> dict of artefact paths ("video", "keyframes").
    `keyframes_dir` names the keyframe folder; `label` (with `label_color`) draws a banner on every
    frame when saving, e.g. "SUCCESS seed 41" in green.
    """

    world: World
    out_dir: Path
    width: int = 320
    height: int = 240
    fps: int = 20
    every: int = 1
    camera: Camera | str | None = None
    n_keyframes: int = 4
    video_name: str = "rollout.mp4"
    keyframes_dir: str = "keyframes"
    label: str = ""
    label_color: tuple[int, int, int] = (40, 150, 60)

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
        self.frames: list[np.ndarray] = []
        self._calls = 0

    def capture(self, force: bool = False) -> None:
        if force or self._calls % max(1, self.every) == 0:
            self.frames.append(render_rgb(self.world, self.width, self.height, self.camera))
        self._calls += 1

    def add_frame(self, frame: np.ndarray) -> None:
        self.frames.append(np.asarray(frame, dtype=np.uint8))

    def save(self, keyframe_indices: Sequence[int] | None = None) -> dict[str, str]:
        """Write the MP4 and keyframes (first, evenly spaced, last); returns artefact paths."""
        if not self.frames:
            raise ValueError("VideoRecorder.save: no frames captured (call capture() during the rollout)")
        import imageio.v2 as imageio

        video = self.out_dir / self.video_name
        frames = [label_frame(f, self.label, self.label_color) for f in self.frames] if self.label else self.frames
        tmp = _atomic_target(video)
        with imageio.get_writer(tmp, format="FFMPEG", mode="I", fps=self.fps, codec="libx264",
                                macro_block_size=8, ffmpeg_log_level="error", pixelformat="yuv420p") as writer:
            for f in frames:
                writer.append_data(f)
        os.replace(tmp, video)
        n = len(frames)
        if keyframe_indices is None:
            k = max(1, min(self.n_keyframes, n))
            keyframe_indices = sorted({round(i * (n - 1) / max(1, k - 1)) for i in range(k)})
        kdir = self.out_dir / self.keyframes_dir
        keys = [str(save_png(frames[i], kdir / f"frame_{i:04d}.png")) for i in keyframe_indices]
        return {"video": str(video), "keyframes": str(kdir), **{f"keyframe_{j}": k for j, k in enumerate(keys)}}


__all__ = ["CAMERAS", "Camera", "VideoRecorder", "enable_egl", "label_frame", "render_png", "render_rgb", "save_png"]
