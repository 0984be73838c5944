"""Dry-run generated reward/success code on a real scene, inside a sandbox worker process.

Why: a reward that passes the static check can still fail on the scene it was written for (a wrong
object name, a NaN when two objects coincide, a success that is always True). Building the scene,
stepping random actions and calling both functions a few times catches that in about a second,
with the failing line, before any training budget is spent. The component statistics also let the
writer (or a person running `roboskill reward check`) see whether the terms have sensible scales.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from roboskill.tools.sandbox.ast_check import REQUIRED_FUNCTIONS, CodeIssue, check_code
from roboskill.tools.sandbox.loader import SandboxError
from roboskill.tools.sandbox.process import run_in_sandbox_process


class ComponentSummary(BaseModel):
    """Statistics of one reward term over the dry-run steps."""

    mean: float
    min: float
    max: float


class DryRunReport(BaseModel):
    """What happened when the code ran on the scene; `ok` False means `stage` says where it failed."""

    ok: bool
    stage: Literal["check", "scene", "load", "run", "ok"]
    issues: list[CodeIssue] = Field(default_factory=list)
    error: str | None = None
    error_line: int | None = None
    error_kind: str | None = None
    error_field: Literal["source", "success_source"] | None = None
    """Which of the two sources the error (and its line) is in, when `success_source` was given."""
    failed_at_step: int | None = None
    steps: int = 0
    reward: ComponentSummary | None = None
    components: dict[str, ComponentSummary] = Field(default_factory=dict)
    success_steps: int = 0
    median_call_us: float | None = None
    """Median time of one compute_reward + is_success evaluation (microseconds, first call excluded)."""
    warnings: list[str] = Field(default_factory=list)

    def message(self) -> str:
        """A feedback message for the reward writer / the CLI (one problem per line)."""
        if self.stage == "check":
            return "\n".join(str(i) for i in self.issues)
        if not self.ok:
            where = f"line {self.error_line}: " if self.error_line else ""
            step = f" (at dry-run step {self.failed_at_step})" if self.failed_at_step is not None else ""
            return f"{self.stage} failed{step}: {where}{self.error}"
        lines = [f"ok: {self.steps} steps, success on {self.success_steps}"]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _summary(values: list[float]) -> ComponentSummary:
    arr = np.asarray(values, dtype=float)
    return ComponentSummary(mean=float(arr.mean()), min=float(arr.min()), max=float(arr.max()))


def _child(source: str, spec_data: dict[str, Any], steps: int, seed: int, require: tuple[str, ...],
           time_limit_s: float, success_source: str | None = None, asset_home: str | None = None) -> dict[str, Any]:
    """Runs in the sandbox process: build, load, step, evaluate.

    `asset_home`: the parent's ROBOSKILL_HOME, whose URDF cache `prepare_assets` filled — the sandbox
    starts with an empty environment and may not write files, so it must read the parent's cache.
    """
    import os
    import time

    if asset_home is not None:
        os.environ["ROBOSKILL_HOME"] = asset_home

    from roboskill.sim.env import SkillEnv
    from roboskill.sim.spec import SceneSpec
    from roboskill.tools.sandbox.loader import load_reward_module

    try:
        env = SkillEnv(SceneSpec.model_validate(spec_data), None, None, horizon=max(steps, 1), seed=seed)
    except Exception as exc:  # noqa: BLE001 - any build problem is reported, not raised
        return {"stage": "scene", "error": f"{type(exc).__name__}: {exc}"[:800]}
    try:
        fns = load_reward_module(source, time_limit_s=time_limit_s, require=require)
    except SandboxError as exc:
        return {"stage": "load", "error": exc.message, "line": exc.line, "kind": exc.kind, "field": "source"}
    success_fns = fns
    if success_source is not None:
        try:
            success_fns = load_reward_module(success_source, time_limit_s=time_limit_s, require=("is_success",))
        except SandboxError as exc:
            return {"stage": "load", "error": exc.message, "line": exc.line, "kind": exc.kind,
                    "field": "success_source"}
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    totals: list[float] = []
    comps: dict[str, list[float]] = {}
    success = 0
    call_times: list[float] = []
    for step in range(steps + 1):
        if step:
            env.step(rng.uniform(-1.0, 1.0, env.action_space.shape).astype(np.float32))
        field = "source"
        try:
            t0 = time.perf_counter()
            if fns.has_reward and "compute_reward" in require:
                total, components = fns.compute_reward(env.state)
                totals.append(total)
                for k, v in components.items():
                    comps.setdefault(k, []).append(v)
            field = "source" if success_source is None else "success_source"
            if success_fns.has_success and (success_source is not None or "is_success" in require):
                success += int(success_fns.is_success(env.state))
            call_times.append(time.perf_counter() - t0)
        except SandboxError as exc:
            return {"stage": "run", "error": exc.message, "line": exc.line, "kind": exc.kind, "step": step,
                    "field": field}
    return {"stage": "ok", "totals": totals, "components": comps, "success": success, "steps": steps,
            "call_us": float(np.median(call_times[1:] or call_times)) * 1e6}


def dry_run(source: str, spec: Any, steps: int = 20, *, success_source: str | None = None, seed: int = 0,
            require: Iterable[str] | None = None, timeout_s: float = 60.0, memory_mb: int = 1536,
            time_limit_s: float = 0.5) -> DryRunReport:
    """Check `source`, then build `spec` in a sandbox process, step `steps` random actions and call
    the functions after the reset and every step. Never raises for problems in the code or scene:
    they come back in the report with their stage and line.

    One file with both functions: `dry_run(source, spec)`. A plan's separate sources:
    `dry_run(reward_code, spec, success_source=success_code)` — line numbers then refer to the
    source named by `report.error_field`. `require` defaults to both functions (or just
    compute_reward in `source` when `success_source` is given).
    """
    from roboskill.sim.articulated import home_dir
    from roboskill.sim.builder import prepare_assets
    from roboskill.sim.spec import SceneSpec

    if require is None:
        require = ("compute_reward",) if success_source is not None else REQUIRED_FUNCTIONS
    require = tuple(require)
    checks = [("source", source, require)]
    if success_source is not None:
        checks.append(("success_source", success_source, ("is_success",)))
    for field, text, needed in checks:
        issues = check_code(text, require=needed)
        if issues:
            return DryRunReport(ok=False, stage="check", issues=issues, error=issues[0].message,
                                error_line=issues[0].line, error_kind="check", error_field=field)
    spec_obj = spec if isinstance(spec, SceneSpec) else SceneSpec.from_dict(spec)
    try:  # the sandbox process cannot write files: generate the scene's URDFs here first
        prepare_assets(spec_obj)
    except (ValueError, OSError) as exc:
        return DryRunReport(ok=False, stage="scene", error=f"{type(exc).__name__}: {exc}"[:800])
    try:
        out = run_in_sandbox_process(_child, source, spec_obj.model_dump(mode="json"), int(steps), int(seed), require,
                                     time_limit_s, success_source, str(home_dir()),
                                     timeout_s=timeout_s, memory_mb=memory_mb)
    except SandboxError as exc:
        return DryRunReport(ok=False, stage="run", error=exc.message, error_line=exc.line, error_kind=exc.kind)
    stage = out["stage"]
    if stage != "ok":
        return DryRunReport(ok=False, stage=stage, error=out["error"], error_line=out.get("line"),
                            error_kind=out.get("kind"), failed_at_step=out.get("step"),
                            error_field=out.get("field") if success_source is not None else None)
    report = DryRunReport(
        ok=True, stage="ok", steps=out["steps"], success_steps=out["success"], median_call_us=out["call_us"],
        reward=_summary(out["totals"]) if out["totals"] else None,
        components={k: _summary(v) for k, v in out["components"].items()},
    )
    checks_success = "is_success" in require or success_source is not None
    if checks_success and out["success"] == out["steps"] + 1:
        report.warnings.append("is_success was True on every dry-run step, including right after reset: "
                               "the task may be trivially solved or the check is wrong")
    return report
