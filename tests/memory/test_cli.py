from __future__ import annotations

import json

from typer.testing import CliRunner

from roboskill.cli.main import app
from roboskill.memory import SkillLibrary
from tests.memory.conftest import SKILLS, make_failure, make_record

runner = CliRunner()


def _lib(tmp_path):
    lib = SkillLibrary(tmp_path / "lib")
    for name, desc in SKILLS:
        lib.add_skill(make_record(name, desc))
    lib.add_failure(make_failure("stack_three", "stack three cubes into a tower"))
    lib.close()
    return str(tmp_path / "lib")


def test_skills_cli_end_to_end(tmp_path, embedder):
    lib = _lib(tmp_path)
    res = runner.invoke(app, ["skills", "list", "--library", lib, "--json", "--failures"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [s["name"] for s in data["skills"]] == [n for n, _ in SKILLS]
    assert data["failures"][0]["name"] == "stack_three"

    res = runner.invoke(app, ["skills", "list", "--library", lib])
    assert res.exit_code == 0 and "open_top_drawer" in res.output

    res = runner.invoke(app, ["skills", "show", "open_top_drawer", "--library", lib])
    assert res.exit_code == 0, res.output
    assert "rollout.mp4" in res.output and "trajectory.npz" in res.output and "mean_return" in res.output
    res = runner.invoke(app, ["skills", "show", "open_top_drawer", "--library", lib, "--json"])
    assert json.loads(res.output)["artefacts"]["video"].endswith("rollout.mp4")

    res = runner.invoke(app, ["skills", "search", "open a cabinet compartment", "--library", lib, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["results"][0]["name"] == "open_top_drawer"
    assert data["novelty"]["nearest"][0][0] == "open_top_drawer"
    res = runner.invoke(app, ["skills", "search", "close the top drawer", "--library", lib, "--json"])
    assert json.loads(res.output)["novelty"]["novel"] is True
    res = runner.invoke(app, ["skills", "search", "open the top drawer", "--library", lib])
    assert res.exit_code == 0 and "already learned" in res.output

    out = tmp_path / "export.json"
    res = runner.invoke(app, ["skills", "export", str(out), "--library", lib, "--json"])
    assert json.loads(res.output) == {"file": str(out), "skills": len(SKILLS), "failures": 1}
    other = str(tmp_path / "other")
    res = runner.invoke(app, ["skills", "import", str(out), "--library", other, "--json"])
    assert json.loads(res.output)["skills_added"] == len(SKILLS)

    res = runner.invoke(app, ["skills", "remove", "press_button", "--library", other, "--json"])
    assert json.loads(res.output)["removed"] == "press_button"
    res = runner.invoke(app, ["skills", "list", "--library", other, "--json"])
    assert "press_button" not in [s["name"] for s in json.loads(res.output)["skills"]]


def test_skills_cli_errors_are_clear(tmp_path):
    lib = str(tmp_path / "lib")
    res = runner.invoke(app, ["skills", "show", "nope", "--library", lib])
    assert res.exit_code == 1 and "no skill named 'nope'" in res.output
    res = runner.invoke(app, ["skills", "import", str(tmp_path / "missing.json"), "--library", lib])
    assert res.exit_code == 1 and "missing.json: file not found" in res.output
    bad = tmp_path / "corrupt"
    bad.mkdir()
    (bad / "records.sqlite").write_bytes(b"garbage" * 200)
    res = runner.invoke(app, ["skills", "list", "--library", str(bad)])
    assert res.exit_code == 1 and "records.sqlite" in res.output and "Traceback" not in res.output


def test_default_library_comes_from_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("ROBOSKILL_HOME", str(tmp_path / "home"))
    res = runner.invoke(app, ["skills", "list", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["library"] == str(tmp_path / "home" / "library")
