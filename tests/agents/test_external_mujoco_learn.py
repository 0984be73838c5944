"""Must-show runs of issue 21: `roboskill learn --env` on Fetch and Meta-World with the offline model,
judged by the env's own success flag (Fetch info["is_success"], Meta-World info["success"]). ~1.5-2 min each."""

from __future__ import annotations

import importlib.util

import pytest

from tests.agents.test_external import _learn_env


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("gymnasium_robotics") is None, reason="pip install roboskill[mujoco]")
def test_cli_learn_env_fetch_push() -> None:
    _learn_env("gymnasium_robotics:FetchPush-v4", "push the block to the target", "60")


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("metaworld") is None, reason="pip install roboskill[mujoco]")
def test_cli_learn_env_metaworld_drawer_open() -> None:
    _learn_env("metaworld:Meta-World/MT1?env_name=drawer-open-v3", "open the drawer", "60")
