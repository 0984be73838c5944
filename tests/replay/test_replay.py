"""Replay suite: realistic model transcripts served from a loopback chat-completions server, run through
`roboskill learn` end to end (real scenes, validation, sandbox, motion primitives, goal-judged evaluation,
skill library).

Each transcript (transcripts/*.yaml) was written by hand from how real models (GPT-4o, Qwen2.5, Llama 3.1)
answer these prompts, mistakes included: prose instead of JSON, invalid JSON, an answer cut at the token
limit, a cube twice too big for the gripper, a misnamed object or joint, an omitted field. The system must
repair each through its own loop (REPAIR turns, scene validation, the code checker's dry run); the test
checks that the feedback it sent back names the mistake in words a model can act on, that it then asked
for exactly the answers the transcript has, and that the task ends learned (stored in the library with a
goal-judged success rate at or above `budgets.accept_success`) or refused (nothing stored, exit 1).

Budgets are the product defaults (20 evaluation starts, acceptance bar 0.8, 3 repairs per step, context
window 8192) except `--candidates 1` (the documented `budgets.candidates_per_iteration`): with K = 2 the two
candidates train concurrently and the first to succeed cancels the other, so which index the critic's
hand-written `best_candidate` should name would depend on process timing. One candidate keeps the replay
deterministic and halves the CPU a run needs. Each test prints its wall time and model calls (`-s`).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roboskill.cli.main import app
from roboskill.config import load_settings
from tests.replay.replay_server import ReplayServer, Transcript

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.yaml"))


def learn(transcript: Transcript, server: ReplayServer) -> tuple[int, str]:
    args = ["learn", transcript.instruction, "--no-live", "--llm", "openai", "--base-url", server.base_url,
            "--model", transcript.model, "--candidates", "1"]
    result = CliRunner().invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def final_goal(transcript: Transcript) -> dict:
    """The goal of the goal writer's last answer (the one the system kept)."""
    from roboskill.agents.prompts import extract_json

    return extract_json(transcript.answers["goal_writer"][-1].content)["goal"]


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_replay(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from roboskill.memory import SkillLibrary

    monkeypatch.chdir(tmp_path)  # no roboskill.yaml of the checkout's working directory
    transcript = Transcript.load(path)
    start = time.monotonic()
    with ReplayServer(transcript) as server:
        code, output = learn(transcript, server)
    took = time.monotonic() - start
    print(f"\n[replay] {transcript.name}: exit {code} in {took:.1f} s, {len(server.calls)} model calls "
          f"({', '.join(f'{c.role}#{c.index + 1}' for c in server.calls)})")
    for call in server.calls:
        if call.feedback:
            print(f"  feedback to {call.role}#{call.index + 1}: {call.feedback[:400]}")
    server.check()  # asked no role more often than the transcript answers, and asked for every answer
    problems = server.feedback_problems()
    assert not problems, "\n".join(problems)

    settings = load_settings()
    library = SkillLibrary(settings.library_dir)
    try:
        skills, failures = library.list(), library.list_failures()
    finally:
        library.close()

    if transcript.expect.get("refused"):
        assert code == 1, output  # `learn`: a refusal stores nothing and exits 1
        assert "refused" in output, output
        assert skills == [] and failures == [], "a refused instruction must store nothing"
        return

    assert code == 0, output[-4000:]
    (skill,) = skills
    print(f"  stored {skill.name}: goal success {skill.success_rate:.2f} over {skill.metrics.get('n_episodes')} starts")
    assert skill.name == transcript.expect["learned"]
    report = skill.metrics
    assert report.get("judged_by") == "goal", report.get("judged_by")
    assert int(report.get("n_episodes") or 0) == settings.budgets.eval_episodes
    assert skill.success_rate >= settings.budgets.accept_success, skill.success_rate
    # the stored goal is the goal writer's (repaired) answer, unchanged by anything after it
    assert skill.goal is not None
    assert skill.goal.model_dump(mode="json", exclude_defaults=True)["conditions"] == \
        type(skill.goal).model_validate(final_goal(transcript)).model_dump(mode="json", exclude_defaults=True)["conditions"]
    assert re.search(rf"learned {skill.name}", output), output[-2000:]
