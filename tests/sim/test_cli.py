"""`roboskill scene build / validate / catalog`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from roboskill.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenes"
runner = CliRunner()


def test_build_and_render(tmp_path: Path) -> None:
    out = tmp_path / "scene.png"
    res = runner.invoke(app, ["scene", "build", str(EXAMPLES / "lid_box.yaml"), "--render", str(out),
                              "--width", "160", "--height", "120"])
    assert res.exit_code == 0, res.output
    assert out.exists() and "valid" in res.output


def test_invalid_spec_exits_nonzero_listing_all_problems() -> None:
    res = runner.invoke(app, ["scene", "build", str(EXAMPLES / "invalid" / "broken_scene.yaml")])
    assert res.exit_code == 1
    for word in ("cooking_pot", "far_cube", "marble", "sofa", "drawer_7"):
        assert word in res.output


def test_schema_error_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nobjects:\n  - {kind: primitive, name: c, shape: box, size: [1]}\n")
    res = runner.invoke(app, ["scene", "validate", str(bad)])
    assert res.exit_code == 2 and "needs size" in res.output


def test_catalog_json() -> None:
    res = runner.invoke(app, ["scene", "catalog", "--query", "duck", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data[0]["name"] == "duck" and data[0]["size"] is not None
