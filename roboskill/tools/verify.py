"""Re-verify stored skills: replay them from fresh varied starts, judged by their task's fixed goal.

Why: a skill's stored success rate is what its own evaluation said when it was accepted; the library,
the curriculum and distillation trust it. `skills verify` checks it again, on seeds no training or
evaluation episode ever used (`roboskill.tools.evaluate.verification_seeds`: 3 mod 4, where training
seeds are even and evaluation seeds 1 mod 4), with the skill rebuilt from its stored artefacts the
way it was evaluated (`roboskill.tools.skill_loader`). Skills whose goal success falls below the
threshold are flagged (their record's `metrics["verified"]`), never deleted. A skill without a goal
(older records, external envs) cannot be verified and says so.

`replay_skill(record, seeds, on_end=...)` is the reusable core: a benchmark passes `on_end(env, seed)`
to apply its own independent physical checks to the live end state of every episode.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, Field

from roboskill.tools.plan import EpisodeOutcome

NO_GOAL = "no goal: cannot verify"
DEFAULT_THRESHOLD = 0.8
DEFAULT_EPISODES = 20


class VerifyError(ValueError):
    """A skill that cannot be replayed (no goal, missing artefacts, bad seeds); the message says why."""


class VerifyResult(BaseModel):
    """One skill's re-verification (what `skills verify --json` prints per skill)."""

    name: str
    verified: bool = Field(description="False when the skill could not be replayed (see `reason`)")
    reason: str = ""
    goal: str | None = Field(None, description="the goal in words")
    n: int = 0
    successes: int = 0
    rate: float | None = None
    ci95: tuple[float, float] | None = None
    threshold: float = DEFAULT_THRESHOLD
    flagged: bool = False
    stored_success_rate: float | None = None
    seeds: list[int] = Field(default_factory=list)
    episodes: list[EpisodeOutcome] = Field(default_factory=list)
    at: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def metrics_entry(self) -> dict[str, Any]:
        """What is written into the record's metrics as `verified`."""
        return {"rate": self.rate, "ci95": list(self.ci95) if self.ci95 else None, "n": self.n, "at": self.at,
                "flagged": self.flagged, "threshold": self.threshold}


def used_seeds(record: Any) -> set[int]:
    """Seeds of the record's stored evaluation episodes (never reused for verification)."""
    eps = (record.metrics or {}).get("episodes") or []
    return {int(e["seed"]) for e in eps if isinstance(e, dict) and isinstance(e.get("seed"), int)}


def fresh_seeds(record: Any, n: int, base: int = 0) -> list[int]:
    """`n` verification seeds (3 mod 4) that none of the record's stored episodes used."""
    from roboskill.tools.evaluate import verification_seeds

    used = used_seeds(record)
    return [s for s in verification_seeds(n + len(used), base) if s not in used][:n]


def replay_skill(record: Any, seeds: list[int], *, on_end: Callable[[Any, int], None] | None = None,
                 trajopt: dict[str, Any] | None = None) -> list[EpisodeOutcome]:
    """Replay a stored skill (a `SkillRecord` or its dict) once per seed, each episode judged by its goal.

    Every episode runs the whole chain from `env.reset(seed)` (odd seeds only: even ones are training
    seeds), then `roboskill.sim.goals.judge` settles and decides it; `on_end(env, seed)` is then called
    with the live env. `trajopt`: TrajoptConfig fields overriding the stored ones. Raises VerifyError
    for a skill without a goal or whose artefacts are missing.
    """
    from roboskill.memory.records import SkillRecord
    from roboskill.tools.evaluate import run_episode
    from roboskill.tools.runtime import make_plan_env
    from roboskill.tools.skill_loader import SkillLoadError, build_skills

    rec = record if isinstance(record, SkillRecord) else SkillRecord.model_validate(record)
    if rec.goal is None:
        raise VerifyError(f"skill {rec.name!r}: {NO_GOAL} (it was stored without a task goal)")
    bad = [s for s in seeds if int(s) % 2 == 0]
    if bad:
        raise VerifyError(f"seeds {bad[:5]} are even: even seeds are training seeds; use verification_seeds()")
    try:
        skills = build_skills(rec.plan, rec.artefacts, name=rec.name, closed_loop_trajopt=True, trajopt=trajopt)
    except SkillLoadError as exc:
        raise VerifyError(str(exc)) from None
    env = make_plan_env(rec.scene, seed=0)
    try:
        return [run_episode(env, rec.plan, skills, int(s), goal=rec.goal, on_end=on_end).outcome() for s in seeds]
    finally:
        env.close()


def verify_skill(record: Any, *, episodes: int = DEFAULT_EPISODES, threshold: float = DEFAULT_THRESHOLD,
                 seed: int = 0) -> VerifyResult:
    """Replay `record` from `episodes` fresh verification starts; never raises (reasons go in the result)."""
    from roboskill.memory.records import SkillRecord
    from roboskill.sim.goals import wilson_interval

    rec = record if isinstance(record, SkillRecord) else SkillRecord.model_validate(record)
    base = VerifyResult(name=rec.name, verified=False, threshold=threshold, stored_success_rate=rec.success_rate,
                        goal=rec.goal.describe() if rec.goal is not None else None)
    if rec.goal is None:
        return base.model_copy(update={"reason": NO_GOAL})
    seeds = fresh_seeds(rec, episodes, seed)
    try:
        outs = replay_skill(rec, seeds)
    except VerifyError as exc:
        return base.model_copy(update={"reason": str(exc), "seeds": seeds})
    except Exception as exc:  # noqa: BLE001 - a broken skill is a result, not a crash of `verify --all`
        return base.model_copy(update={"reason": f"replay failed: {type(exc).__name__}: {exc}"[:500], "seeds": seeds})
    wins = sum(1 for o in outs if o.success)
    rate = wins / len(outs) if outs else 0.0
    return base.model_copy(update={
        "verified": True, "n": len(outs), "successes": wins, "rate": rate, "ci95": wilson_interval(wins, len(outs)),
        "flagged": rate < threshold, "seeds": seeds, "episodes": outs})


def with_verification(record: Any, result: VerifyResult) -> Any:
    """A copy of `record` whose metrics carry `verified` {rate, ci95, n, at, flagged, threshold}."""
    return record.model_copy(update={"metrics": {**(record.metrics or {}), "verified": result.metrics_entry()}})


def verify_job(payload: str) -> dict[str, Any]:
    """Worker entry (`roboskill.tools.executor.run_job_process`): JSON {record, episodes, threshold, seed}."""
    import json

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover - torch is a dependency; RL skills need it
        pass
    args = json.loads(payload)
    return verify_skill(args["record"], episodes=int(args["episodes"]), threshold=float(args["threshold"]),
                        seed=int(args.get("seed", 0))).model_dump(mode="json")


def verify_isolated(record: Any, *, episodes: int = DEFAULT_EPISODES, threshold: float = DEFAULT_THRESHOLD,
                    seed: int = 0, timeout_s: float | None = None) -> VerifyResult:
    """`verify_skill` in a resource-limited worker process (the stored reward code is untrusted)."""
    import json

    from roboskill.tools.executor import run_job_process

    payload = json.dumps({"record": record.model_dump(mode="json"), "episodes": episodes, "threshold": threshold,
                          "seed": seed})
    limit = timeout_s if timeout_s is not None else 120.0 + 120.0 * episodes
    try:
        return VerifyResult.model_validate(run_job_process(verify_job, payload, timeout_s=limit))
    except RuntimeError as exc:
        return VerifyResult(name=record.name, verified=False, reason=f"replay worker failed: {exc}"[:500],
                            threshold=threshold, stored_success_rate=record.success_rate,
                            goal=record.goal.describe() if record.goal is not None else None)


__all__ = ["DEFAULT_EPISODES", "DEFAULT_THRESHOLD", "NO_GOAL", "VerifyError", "VerifyResult", "fresh_seeds",
           "replay_skill", "used_seeds", "verify_isolated", "verify_job", "verify_skill", "with_verification"]
