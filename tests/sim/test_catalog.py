"""The asset catalog: measured sizes, search by meaning, user directories, summaries for prompts."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pybullet_data

from roboskill.sim.catalog import Catalog, find_assets, get_catalog


def test_sizes_are_measured_and_cached(tmp_path: Path) -> None:
    cache = tmp_path / "sizes.json"
    cat = Catalog(cache_path=cache)
    t = time.perf_counter()
    cat.measure()
    assert time.perf_counter() - t < 5.0
    assert cat.entries["cube_small"].size == (0.05, 0.05, 0.05)
    assert abs(cat.entries["cube"].size[0] - 0.05) < 1e-3            # 1 m cube.urdf at default scale 0.05
    assert abs(cat.entries["jenga"].size[0] - 0.15) < 0.01
    art = cat.entries["drawer_cabinet"]
    assert art.kind == "articulated" and art.size is not None and 0.2 < art.size[2] < 0.4
    assert json.loads(cache.read_text())                              # written to disk
    again = Catalog(cache_path=cache)
    assert again.entries["duck"].size == cat.entries["duck"].size     # read back without measuring
    assert again.entries["random_123"].size is None                   # random objects: on demand
    size = again.size("random_123")
    assert size is not None and 0.01 < max(size) < 0.5


def test_every_curated_asset_and_generator_is_listed() -> None:
    cat = get_catalog()
    names = cat.names()
    for n in ("cube", "tray", "lego", "mug", "duck", "teddy", "sphere", "jenga", "domino", "drawer_cabinet",
              "door_cabinet", "lid_box", "button", "lever", "sliding_door", "knob"):
        assert n in names
    assert len(cat.names(include_random=True)) >= len(names) + 1000


def test_find_by_meaning() -> None:
    assert find_assets("ball")[0].name in ("sphere", "red_ball", "soccerball", "marble")
    drawers = find_assets("drawer")
    assert drawers[0].name == "drawer_cabinet"
    containers = {e.name for e in find_assets(tags=["container"])}
    assert {"tray", "mug", "lid_box", "drawer_cabinet"} <= containers
    small = find_assets(tags=["graspable"], max_size=0.06)
    assert small and all(max(e.size) <= 0.06 for e in small)


def test_summary_for_prompts() -> None:
    text = get_catalog().summary(max_items=12)
    assert "drawer_cabinet" in text and "size" in text
    assert len(text.splitlines()) <= 14


def test_user_directory(tmp_path: Path, monkeypatch) -> None:
    user = tmp_path / "assets" / "kitchen"
    user.mkdir(parents=True)
    src = Path(pybullet_data.getDataPath())
    shutil.copy(src / "cube_small.urdf", user / "Spice Jar.urdf")
    shutil.copy(src / "cube.obj", user / "cube.obj")  # the mesh the URDF refers to
    monkeypatch.setenv("ROBOSKILL_ASSETS", str(tmp_path / "assets"))
    cat = get_catalog()
    entry = cat.resolve("spice_jar")
    assert entry.source == "user" and "kitchen" in entry.tags
    assert cat.size("spice_jar") == (0.05, 0.05, 0.05)


def test_unknown_asset_suggests() -> None:
    import pytest

    from roboskill.sim.catalog import UnknownAssetError

    with pytest.raises(UnknownAssetError) as info:
        get_catalog().resolve("dcuk")
    assert "duck" in info.value.fix
    assert get_catalog().resolve("duck_vhacd.urdf").path.endswith("duck_vhacd.urdf")  # pybullet_data relative path
