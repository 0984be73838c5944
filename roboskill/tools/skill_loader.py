"""Rebuild a stored skill's solution objects (`roboskill.tools.skills`) from its plan and artefacts.

Why one loader: re-verification (`roboskill.tools.verify`), distillation experts
(`roboskill.tools.distill.experts`) and anything else that replays a learned skill must rebuild it
the same way it was evaluated:

- a primitive sub-task re-runs its motion primitive (closed loop on the state: nothing stored);
- a trajopt sub-task is re-planned by MPC from the stored nominal trajectory (`nominal_<i>` in
  `trajectory.npz`, with the `trajopt_config` it was evaluated with) — or, open loop, replays its
  segment of the executed actions of the stored evaluation episode (`subtask_ends` split them);
- an RL sub-task runs its saved SB3 policy (`policy_<sub-task>.zip` next to the artefacts);
- a `skill` sub-task (a reused library skill) rebuilds that skill from the copy resolved into the plan
  (`SkillCall.resolved`: its plan and artefacts), renamed by the call's `bind`, as one `ChainedSkill`.

A missing artefact raises `SkillLoadError` naming the skill, the sub-task and the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


class SkillLoadError(ValueError):
    """A stored skill cannot be rebuilt (missing trajectory or policy file); the message says which."""


def load_trajectory(path: str | Path) -> dict[str, np.ndarray]:
    """Every array of a `trajectory.npz` (no pickles)."""
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def load_sb3(path: Path, skill: str, sub: str) -> Any:
    """A saved SB3 policy (PPO, else SAC) on the CPU."""
    from stable_baselines3 import PPO, SAC

    errors = []
    for cls in (PPO, SAC):
        try:
            return cls.load(str(path), device="cpu")
        except Exception as exc:  # noqa: BLE001 - try the next algorithm
            errors.append(f"{cls.__name__}: {exc}")
    raise SkillLoadError(f"skill {skill!r}, sub-task {sub!r}: cannot load RL policy {path} ({'; '.join(errors)})")


def artefact_dir(artefacts: dict[str, str]) -> Path | None:
    """The folder of a skill's artefacts (where its policies and trajectory were written)."""
    for key in ("policy", "trajectory", "metrics"):
        if artefacts.get(key):
            return Path(artefacts[key]).parent
    return None


def trajopt_config(traj: dict[str, np.ndarray] | None, override: dict[str, Any] | None = None) -> Any:
    """The TrajoptConfig a trajectory was evaluated with (stored as JSON), updated by `override`."""
    from roboskill.tools.trajopt import TrajoptConfig

    fields: dict[str, Any] = {}
    if traj is not None and "trajopt_config" in traj:
        try:
            fields = dict(json.loads(str(traj["trajopt_config"])))
        except (TypeError, ValueError):
            fields = {}
    fields.update(override or {})
    known = set(TrajoptConfig.__dataclass_fields__)
    return TrajoptConfig(**{k: v for k, v in fields.items() if k in known})


def build_skills(plan: Any, artefacts: dict[str, str], *, name: str = "skill", closed_loop_trajopt: bool = True,
                 trajopt: dict[str, Any] | None = None) -> list[Any]:
    """One `roboskill.tools.skills` object per sub-task of `plan` (see the module docstring).

    closed_loop_trajopt=True re-plans trajopt sub-tasks with MPC (as evaluation did), from the stored
    nominal trajectory when there is one; False replays the stored executed actions open loop.
    `trajopt`: TrajoptConfig fields overriding the stored ones.
    """
    from roboskill.tools.skills import ChainedSkill, PolicySkill, PrimitiveSkill, TrajectorySkill

    skills: list[Any] = []
    traj: dict[str, np.ndarray] | None = None
    for i, sub in enumerate(plan.subtasks):
        if sub.learner == "primitive":
            skills.append(PrimitiveSkill(sub.primitive))
        elif sub.learner == "skill":
            skills.append(reused_skill(sub, name=name, closed_loop_trajopt=closed_loop_trajopt, trajopt=trajopt))
        elif sub.learner == "trajopt":
            if traj is None:
                path = artefacts.get("trajectory")
                if not path or not Path(path).exists():
                    raise SkillLoadError(f"skill {name!r}, sub-task {sub.name!r} (trajopt): trajectory artefact "
                                         f"{path!r} not found; re-learn the skill or leave it out")
                traj = load_trajectory(path)
            acts = np.asarray(traj["actions"], dtype=np.float32).reshape(-1, 5)
            ends = np.asarray(traj.get("subtask_ends", [len(acts)] * len(plan.subtasks))).reshape(-1)
            start = int(ends[i - 1]) if i > 0 and i - 1 < len(ends) else 0
            stop = int(ends[i]) if i < len(ends) else len(acts)
            segment = acts[start:stop]
            if closed_loop_trajopt:
                cfg = trajopt_config(traj, trajopt)
                nominal = traj.get(f"nominal_{i}")
                actions = np.asarray(nominal, dtype=np.float32).reshape(-1, 5) if nominal is not None else segment
                skills.append(TrajectorySkill(actions, cfg, max_sim_steps=cfg.eval_max_sim_steps, closed_loop=True))
            else:
                skills.append(TrajectorySkill(segment, closed_loop=False))
        else:
            base = artefact_dir(artefacts)
            path = base / f"policy_{sub.name}.zip" if base is not None else None
            if path is None or not path.exists():
                alt = artefacts.get("policy")
                path = Path(alt) if alt else path
            if path is None or not path.exists():
                raise SkillLoadError(f"skill {name!r}, sub-task {sub.name!r} (rl): policy file "
                                     f"policy_{sub.name}.zip not found next to the skill's artefacts; re-learn it")
            skills.append(PolicySkill(load_sb3(path, name, sub.name)))
    return skills


def reused_skill(sub: Any, *, name: str = "skill", closed_loop_trajopt: bool = True,
                 trajopt: dict[str, Any] | None = None) -> Any:
    """The `ChainedSkill` of a `skill` sub-task: the resolved library skill, renamed by the call's `bind`."""
    from roboskill.tools.rebind import rebind_plan
    from roboskill.tools.skills import ChainedSkill

    call = sub.skill
    if call is None or call.resolved is None:
        raise SkillLoadError(f"skill {name!r}, sub-task {sub.name!r} (skill): the reused skill "
                             f"{getattr(call, 'name', '?')!r} was never resolved from the library")
    inner = call.resolved
    plan = rebind_plan(inner.plan, call.bind)
    parts = build_skills(plan, inner.artefacts, name=inner.name, closed_loop_trajopt=closed_loop_trajopt, trajopt=trajopt)
    return ChainedSkill(inner.name, plan, parts)


__all__ = ["SkillLoadError", "reused_skill", "artefact_dir", "build_skills", "load_sb3", "load_trajectory", "trajopt_config"]
