"""The goal, the per-episode verdicts and the labelled videos in a real headless Chromium (issue 17).

Opens a task page of a run with goal judging: the goal card lists its conditions, the best candidate's
verdict table is open, and both labelled videos (success and failure) actually load; then the skill page
with its goal and flagged verification. Saves screenshots for a person to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tracing.fake_run import TASK
from tests.ui.test_browser import CHROMIUM, _free_port, _shot, page  # noqa: F401 - `page` is a fixture (uses our `server`)
from tests.ui.test_goal_dashboard import FAILED_SEEDS, GOAL_RUN, GoalLibrary, make_goal_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} missing (apt-get install -y chromium)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import threading
    import time

    import uvicorn

    from roboskill.ui.server import create_app

    root = tmp_path_factory.mktemp("goal_browser") / "runs"
    make_goal_run(root)
    port = _free_port()
    app = create_app(root, GoalLibrary(), None, allowed_hosts=["127.0.0.1", "localhost"])
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "dashboard did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def _video_loads(pg: object, selector: str) -> float:
    pg.locator(selector).first.scroll_into_view_if_needed()  # type: ignore[attr-defined]
    pg.wait_for_function(  # type: ignore[attr-defined]
        "(sel) => { const v = document.querySelector(sel); return v && v.readyState >= 1 && v.duration > 0; }", arg=selector)
    return pg.evaluate("(sel) => document.querySelector(sel).duration", selector)  # type: ignore[attr-defined]


def test_task_page_goal_verdicts_and_both_videos(server: str, page: object) -> None:
    pg = page  # type: ignore[assignment]
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(f"{server}/runs/{GOAL_RUN}/tasks/{TASK}")
    goal = pg.locator("#goal")
    assert goal.is_visible() and "The cube rests on the block" in goal.inner_text()
    assert goal.locator("ul.goal-conditions li").count() == 2
    best = pg.locator("#verdict-1-0")
    assert best.locator("table.episodes").is_visible()
    assert best.locator("tr.episode.fail").count() == len(FAILED_SEEDS)
    assert "95 % interval 64–95 %" in best.locator("summary").inner_text()
    assert "judged by goal" in best.locator("summary").inner_text()
    assert not pg.locator("#verdict-0-0 table.episodes").is_visible()  # other candidates start folded
    for label in ("success", "failure"):
        assert _video_loads(pg, f"#verdict-1-0 video.labelled.{label}") > 0.5
        assert pg.evaluate(f"() => document.querySelector('#verdict-1-0 .keyframes.{label} img').naturalWidth") > 0
    _shot(pg, "11_task_goal_verdicts")
    pg.click("#verdict-0-0 > summary")
    assert pg.locator("#verdict-0-0 table.episodes").is_visible()
    pg.click("a.iter-link:has-text('iteration 1')")
    pg.wait_for_url("**/iter/1")
    assert _video_loads(pg, "video.rollout.labelled.failure") > 0.5
    _shot(pg, "12_iteration_goal_verdicts")
    assert not errors


def test_skill_page_goal_and_verification(server: str, page: object) -> None:
    pg = page  # type: ignore[assignment]
    pg.goto(f"{server}/skills")
    assert "FLAGGED" in pg.locator("#skills").inner_text()
    pg.click("a.skill-link:has-text('stack_cube')")
    pg.wait_for_url("**/skills/stack_cube")
    assert "cube resting on block" in pg.locator("#goal").inner_text()
    assert "60% of 20" in pg.locator("#verified").inner_text() and "FLAGGED" in pg.locator("#verified").inner_text()
    assert _video_loads(pg, "video.labelled.success") > 0.5
    _shot(pg, "13_skill_goal_verified")
    assert Path(os.environ.get("ROBOSKILL_SCREENSHOTS", "/tmp/roboskill_ui_screens")).is_dir()
