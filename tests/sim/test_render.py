"""Offscreen rendering: recognisable PNGs, MP4 rollouts with keyframes, atomic writes."""

from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio
import numpy as np

from roboskill.sim.builder import build_scene
from roboskill.sim.render import VideoRecorder, render_png, render_rgb
from roboskill.sim.spec import SceneSpec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenes"


def test_png_shows_the_scene(tmp_path: Path) -> None:
    with build_scene(SceneSpec.from_file(EXAMPLES / "push_cube.yaml"), seed=0) as world:
        img = render_rgb(world, 160, 120)
        assert img.shape == (120, 160, 3) and img.dtype == np.uint8
        assert img.std() > 20                                   # not blank
        r, g, b = (img[..., i].astype(int) for i in range(3))
        red = (r - g > 60) & (r - b > 60)
        green = (g - r > 50) & (g - b > 30)
        assert red.sum() > 5 and green.sum() > 5                # the red cube and the green target are visible
        out = render_png(world, tmp_path / "a" / "scene.png", 160, 120, camera="top")
        assert out.exists() and iio.imread(out).shape[:2] == (120, 160)
        assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]   # no temp files left


def test_video_and_keyframes(tmp_path: Path) -> None:
    with build_scene(SceneSpec.from_file(EXAMPLES / "push_cube.yaml"), seed=0) as world:
        rec = VideoRecorder(world, tmp_path, width=96, height=72, every=2, n_keyframes=3)
        for i in range(20):
            world.robot.apply_action([0.01, 0.0, -0.01], 1.0)
            world.step(4)
            rec.capture()
        arts = rec.save()
    video = Path(arts["video"])
    assert video.exists() and video.stat().st_size > 1000
    frames = iio.imread(video, index=None)
    assert frames.shape[0] == 10
    keys = sorted((tmp_path / "keyframes").glob("*.png"))
    assert len(keys) == 3
