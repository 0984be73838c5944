"""A video grid of the generalist doing several skills side by side (imageio MP4)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def _label(frame: np.ndarray, text: str) -> np.ndarray:
    try:
        from PIL import Image, ImageDraw

        img = Image.fromarray(frame)
        draw = ImageDraw.Draw(img)
        draw.rectangle([0, 0, frame.shape[1], 11], fill=(0, 0, 0))
        draw.text((2, 0), text[: max(4, frame.shape[1] // 6)], fill=(255, 255, 255))
        return np.asarray(img)
    except Exception:  # noqa: BLE001 - a caption is never worth failing the video
        return frame


def write_video_grid(videos: dict[str, list[np.ndarray]], path: str | Path, *, fps: int = 20, scale: int = 2,
                     columns: int | None = None) -> Path | None:
    """Tile each skill's frames (upscaled by `scale`, captioned) into one MP4; shorter clips hold their
    last frame. Returns the path, or None when there are no frames."""
    import imageio.v2 as imageio

    clips = {k: v for k, v in videos.items() if v}
    if not clips:
        return None
    names = list(clips)
    cols = columns or int(np.ceil(np.sqrt(len(names))))
    rows = int(np.ceil(len(names) / cols))
    h, w = clips[names[0]][0].shape[:2]
    H, W = h * scale, w * scale
    T = max(len(v) for v in clips.values())
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    blank = np.zeros((H, W, 3), np.uint8)
    with imageio.get_writer(tmp, format="FFMPEG", mode="I", fps=fps, codec="libx264", macro_block_size=8,
                            ffmpeg_log_level="error", pixelformat="yuv420p") as writer:
        for t in range(T):
            tiles = []
            for name in names:
                f = clips[name][min(t, len(clips[name]) - 1)]
                big = np.kron(f, np.ones((scale, scale, 1), dtype=np.uint8))
                tiles.append(_label(big, name))
            tiles += [blank] * (rows * cols - len(tiles))
            grid = np.concatenate([np.concatenate(tiles[r * cols:(r + 1) * cols], axis=1) for r in range(rows)], axis=0)
            writer.append_data(grid)
    os.replace(tmp, path)
    return path


__all__ = ["write_video_grid"]
