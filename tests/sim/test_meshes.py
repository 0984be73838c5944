"""User meshes: an OBJ in the assets dir loads convex-decomposed and holds things; oversized files, too many
vertices, bad scale / mass and paths escaping the asset directories are refused fast, naming the limit."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pybullet as p
import pytest

from roboskill.sim import meshes
from roboskill.sim.spec import SceneSpec
from roboskill.sim.validation import static_checks

_FACES = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]


def open_box_obj(size: float = 0.1, wall: float = 0.01) -> str:
    """An open box (bottom + four walls, each a closed slab) as OBJ text."""
    h = size / 2
    slabs = [(0, 0, wall / 2, size, size, wall), (-h + wall / 2, 0, h, wall, size, size), (h - wall / 2, 0, h, wall, size, size),
             (0, -h + wall / 2, h, size, wall, size), (0, h - wall / 2, h, size, wall, size)]
    verts, faces = [], []
    for cx, cy, cz, sx, sy, sz in slabs:
        base = len(verts)
        verts += [(cx + dx * sx / 2, cy + dy * sy / 2, cz + dz * sz / 2) for dx in (-1, 1) for dy in (-1, 1) for dz in (-1, 1)]
        faces += [tuple(base + i + 1 for i in f) for f in _FACES]
    return "\n".join([f"v {x} {y} {z}" for x, y, z in verts] + ["f " + " ".join(map(str, f)) for f in faces]) + "\n"


@pytest.fixture
def assets(_isolated_home: Path) -> Path:
    d = _isolated_home / "assets"
    d.mkdir(exist_ok=True)
    (d / "open_box.obj").write_text(open_box_obj())
    return d


def _scene(asset: str, **kw) -> SceneSpec:
    return SceneSpec.from_dict({"name": "mesh_scene", "start_randomization": {"xy": 0, "yaw": 0, "joints": 0}, "objects": [
        {"kind": "asset", "name": "bin", "asset": asset, **kw, "placement": {"on": "table", "offset": [0.0, 0.0]}},
        # dropped into the bin from above (a mesh named by path carries no `container` tag for `inside:`)
        {"kind": "primitive", "name": "ball", "shape": "sphere", "size": [0.04], "placement": {"position": [0, 0, 0.032]}}]})


def test_a_user_obj_loads_decomposed_and_holds_a_ball(assets: Path) -> None:
    from roboskill.sim.builder import build_scene

    assert static_checks(_scene("open_box.obj", mass=0.3)).ok
    world = build_scene(_scene("open_box.obj", mass=0.3), validate=False)  # the ball may roll a little in the bin
    try:
        body = world.bodies["bin"]
        assert len(p.getCollisionShapeData(body, -1, physicsClientId=world.client)) > 1  # convex parts, not one hull
        assert p.getDynamicsInfo(body, -1, physicsClientId=world.client)[0] == pytest.approx(0.3)
        world.step(240)
        lo, hi = world.object_aabb("bin")
        ball = p.getBasePositionAndOrientation(world.bodies["ball"], physicsClientId=world.client)[0]
        assert lo[2] + 0.01 < ball[2] < lo[2] + 0.05, ball  # on the floor, not fallen through nor on a wall
        assert lo[0] + 0.01 < ball[0] < hi[0] - 0.01 and lo[1] + 0.01 < ball[1] < hi[1] - 0.01, ball  # inside the walls
    finally:
        world.close()
    cached = list((assets.parent / "cache" / "vhacd").glob("*_vhacd.obj"))
    assert len(cached) == 1  # decomposed once, by content hash


def test_oversized_and_over_vertex_meshes_are_refused_fast(assets: Path, monkeypatch) -> None:
    big = assets / "huge.obj"
    with big.open("w") as fh:
        fh.write("v 0.0 0.0 0.0\n" * (meshes.MAX_MESH_BYTES // 14 + 10))
    t = time.perf_counter()
    report = static_checks(_scene("huge.obj"))
    assert time.perf_counter() - t < 1.0
    assert report.errors[0].code == "asset_limit" and "MAX_MESH_BYTES" in report.errors[0].message
    monkeypatch.setattr(meshes, "MAX_VERTICES", 20)
    with pytest.raises(meshes.MeshLimitError, match="MAX_VERTICES") as info:
        meshes.check_mesh("open_box.obj")
    assert info.value.limit == "MAX_VERTICES"


def test_scale_and_mass_ranges(assets: Path) -> None:
    assert "EXTENT_RANGE" in static_checks(_scene("open_box.obj", scale=15.0)).errors[0].message  # 1.5 m across
    assert "MASS_RANGE" in static_checks(_scene("open_box.obj", mass=50.0)).errors[0].message
    assert static_checks(_scene("open_box.obj", scale=0.8)).ok


def test_paths_must_stay_inside_the_asset_directories(assets: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.obj").write_text(open_box_obj())
    os.symlink(outside / "secret.obj", assets / "link.obj")
    for path in ("../outside/secret.obj", str(outside / "secret.obj"), "link.obj", "/etc/passwd.obj"):
        t = time.perf_counter()
        with pytest.raises(meshes.MeshLimitError) as info:
            meshes.resolve_asset_path(path)
        assert time.perf_counter() - t < 1.0
        assert info.value.limit in ("allowed_asset_dirs", "not_found"), path
        report = static_checks(_scene(path))
        assert report.errors and report.errors[0].code == "unknown_asset", path
    assert meshes.resolve_asset_path("open_box.obj") == (assets / "open_box.obj").resolve()
    assert meshes.resolve_asset_path(str(assets / "open_box.obj")) == (assets / "open_box.obj").resolve()


def test_binary_stl_is_read(assets: Path) -> None:
    import struct

    tris = [((0, 0, 0), (0.05, 0, 0), (0, 0.05, 0)), ((0, 0, 0), (0, 0.05, 0), (0, 0, 0.05)),
            ((0, 0, 0), (0, 0, 0.05), (0.05, 0, 0)), ((0.05, 0, 0), (0, 0, 0.05), (0, 0.05, 0))]
    data = b"\0" * 80 + struct.pack("<I", len(tris))
    for tri in tris:
        data += struct.pack("<12fH", 0, 0, 0, *[c for v in tri for c in v], 0)
    (assets / "tetra.stl").write_bytes(data)
    info = meshes.check_mesh("tetra.stl")
    assert info.vertices == 12 and max(info.extents) == pytest.approx(0.05)
    assert meshes.visual_mesh(info).read_text().count("\nf ") == 4  # the 4 triangles, as OBJ faces
