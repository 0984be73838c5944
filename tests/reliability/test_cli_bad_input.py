"""Bad files at the CLI: a clear error naming the file, a non-zero exit, never a Python traceback, and the
file left as it was. A few cases run as real subprocesses (what a person sees, typer's exception handler
included); the rest through typer's CliRunner.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from roboskill.cli.main import app

EXPORT = "roboskill-skill-library"
BAD_SCENES: dict[str, bytes] = {
    "not_yaml.yaml": b"name: [unclosed\nobjects: {",
    "deep.yaml": b"[" * 1500,
    "list.yaml": b"- a\n- b\n",
    "binary.yaml": b"\xff\xfe\x00\x01garbage",
    "nan.json": json.dumps({"name": "x", "objects": [{"kind": "primitive", "name": "cube", "shape": "box",
                                                       "size": [0.02, float("nan"), 0.02]}]}).encode(),
    "wrong_types.yaml": b"name: x\nobjects:\n  - kind: primitive\n    name: Cube!\n    shape: cone\n    size: big\n",
    "python_tag.yaml": b"!!python/object/apply:os.system ['echo pwned']\n",
    "empty.yaml": b"",
}
BAD_CONFIGS: dict[str, bytes] = {
    "not_yaml.yaml": b"llm: [unclosed",
    "int_key.yaml": b"1: 2\n",
    "deep.yaml": b"[" * 1500,
    "typo.yaml": b"llm:\n  modle: gpt-4o\n",
    "bad_value.yaml": b"budgets:\n  max_tasks: -3\n",
    "scalar.yaml": b"just text\n",
    "binary.yaml": b"\xff\xfe\x00\x01",
}
BAD_EXPORTS: dict[str, bytes] = {
    "not_json.json": b"{not json",
    "wrong_format.json": json.dumps({"format": "something-else", "skills": []}).encode(),
    "bad_version.json": json.dumps({"format": EXPORT, "version": "abc", "skills": []}).encode(),
    "bad_record.json": json.dumps({"format": EXPORT, "version": 1, "skills": [{"name": "Bad Name!"}]}).encode(),
    "list.json": b"[]",
    "binary.json": b"\xff\xfe\x00",
    "deep.json": b"[" * 100_000,
}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check(res: Any, path: Path) -> None:
    out = res.output
    assert res.exit_code != 0, out
    assert "Traceback" not in out, out
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert path.name in out.replace("\n", ""), f"error should name {path.name}: {out}"


@pytest.mark.parametrize("name", sorted(BAD_SCENES))
def test_scene_build_bad_spec(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_SCENES[name])
    before = _sha(path)
    for cmd in ("build", "validate"):
        _check(CliRunner().invoke(app, ["scene", cmd, str(path)]), path)
    assert _sha(path) == before


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_run_with_bad_config(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_CONFIGS[name])
    before = _sha(path)
    _check(CliRunner().invoke(app, ["run", "--config", str(path), "--no-live", "--llm", "offline"]), path)
    assert _sha(path) == before
    assert not any((Path(os.environ["ROBOSKILL_HOME"]) / "runs").glob("*")), "a bad config must not start a run"


@pytest.mark.parametrize("name", sorted(BAD_EXPORTS))
def test_skills_import_bad_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_EXPORTS[name])
    before = _sha(path)
    _check(CliRunner().invoke(app, ["skills", "import", str(path), "--library", str(tmp_path / "lib")]), path)
    assert _sha(path) == before


@pytest.mark.parametrize("args, name, content", [
    (["scene", "build"], "bad_scene.yaml", BAD_SCENES["wrong_types.yaml"]),
    (["run", "--no-live", "--config"], "bad_config.yaml", BAD_CONFIGS["int_key.yaml"]),
    (["skills", "import"], "bad_export.json", BAD_EXPORTS["bad_version.json"]),
])
def test_real_process_prints_no_traceback(tmp_path: Path, args: list[str], name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    extra = ["--library", str(tmp_path / "lib")] if args[0] == "skills" else []
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run([sys.executable, "-m", "roboskill.cli.main", *args, str(path), *extra],
                          capture_output=True, text=True, timeout=120, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "Traceback" not in out and "File \"" not in out, out
    assert name in out.replace("\n", ""), out
