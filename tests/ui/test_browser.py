"""The dashboard in a real headless Chromium (Debian's package) driven by Playwright.

Clicks through runs → task → iteration → reward diff → video, the skills page and the trace tree, checks
that the rollout video actually loads (duration > 0), and saves screenshots for a person to look at.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tracing.fake_run import RUN_ID, TASK, make_fake_run
from tests.ui.test_server import FakeLibrary

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} missing (apt-get install -y chromium)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from roboskill.ui.server import create_app

    root = tmp_path_factory.mktemp("browser") / "runs"
    make_fake_run(root)

    def backend(run_id: str | None, text: str) -> dict:
        return {"run_id": "chat1", "reply": f"noted: {text}", "pending": None,
                "directives": [{"kind": "focus", "text": text}], "status": "finished"}

    port = _free_port()
    app = create_app(root, FakeLibrary(), backend, allowed_hosts=["127.0.0.1", "localhost"])
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


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        pg.set_default_timeout(15_000)
        yield pg
        browser.close()


def _shot(page: object, name: str) -> Path:
    out = Path(os.environ.get("ROBOSKILL_SCREENSHOTS", "/tmp/roboskill_ui_screens"))
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    assert path.stat().st_size > 5_000
    return path


def test_click_through_run_task_iteration_video(server: str, page: object) -> None:
    pg = page  # type: ignore[assignment]
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(server + "/")
    assert pg.locator("table#runs").is_visible()
    _shot(pg, "01_runs")
    pg.click(f"a.run-link:has-text('{RUN_ID}')")
    pg.wait_for_url(f"**/runs/{RUN_ID}")
    assert pg.locator("#run-summary").is_visible() and pg.locator(".timeline .bar").count() >= 6
    _shot(pg, "02_run")
    pg.click(f"a.task-link:has-text('{TASK}')")
    pg.wait_for_url(f"**/tasks/{TASK}")
    assert pg.locator("table.diff").first.is_visible()
    assert pg.locator("table.diff .diff_add, table.diff .diff_chg").count() > 0
    _shot(pg, "03_task_diff")
    pg.click("a.iter-link:has-text('iteration 1')")
    pg.wait_for_url("**/iter/1")
    video = pg.locator("video.rollout").first
    video.scroll_into_view_if_needed()
    pg.wait_for_function("() => { const v = document.querySelector('video.rollout'); "
                         "return v && v.readyState >= 1 && v.duration > 0; }")
    duration = pg.evaluate("() => document.querySelector('video.rollout').duration")
    assert duration > 0.5  # 12 frames at 10 fps
    assert pg.evaluate("() => document.querySelector('img.curves').naturalWidth") > 0
    assert pg.locator("table.reflection").is_visible()
    _shot(pg, "04_iteration")
    assert not errors


def test_trace_tree_skills_and_chat(server: str, page: object) -> None:
    pg = page  # type: ignore[assignment]
    pg.goto(f"{server}/runs/{RUN_ID}")
    pg.click(".timeline .bar.node >> nth=2")
    pg.wait_for_url("**/trace?span=*")
    assert pg.locator("#trace-tree details.span").count() >= 1
    pg.goto(f"{server}/runs/{RUN_ID}/trace")
    tree = pg.locator("#trace-tree")
    assert tree.locator("summary:has-text('write_rewards')").count() == 2
    tree.locator("details.span.node summary:has-text('write_rewards')").first.click()
    tree.locator("details.span.llm summary").nth(2).click()
    assert pg.locator("text=ROLE: reward_writer").first.is_visible()
    _shot(pg, "05_trace")
    pg.click("#nav-skills")
    pg.fill("#skill-query", "drawer")
    pg.press("#skill-query", "Enter")
    pg.wait_for_url("**/skills?q=drawer")
    assert pg.locator("tr.skill").count() == 1 and "open_drawer" in pg.locator("#skills").inner_text()
    _shot(pg, "06_skills")
    pg.click("#nav-chat")
    pg.fill("#chat-text", "focus on drawers")
    pg.click("#chat-form button")
    pg.wait_for_selector("#chat-log .msg.bot:has-text('noted: focus on drawers')")
    _shot(pg, "07_chat")
