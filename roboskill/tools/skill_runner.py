"""Run a stored skill anywhere: in its own scene or in another one, with its objects rebound.

Why a module of its own: a library skill is only worth keeping if it can be executed again — by a
user (`roboskill skills run`), by a later plan that reuses it, by a benchmark. Running it means
rebuilding it from its artefacts exactly as it was evaluated (`roboskill.tools.skill_loader`) and
judging every episode by its task's fixed goal (`roboskill.sim.goals.judge`), so "it ran" always
means "the goal held at the end, from a varied start".

Rebinding (`--bind cube=red_block`) renames what the skill refers to — primitive arguments, the
goal's objects and conditions, the string literals of generated reward/success code, and the
observation an RL policy reads — so a skill learned on `cube` can act on `red_block`. A binding of
an object renames its links and joints too (`cabinet=desk` maps `cabinet.drawer_0` to
`desk.drawer_0`); a qualified binding (`cabinet.drawer_0=desk.drawer_1`) wins over it. Whatever the
target scene lacks is reported before any episode runs, with the names the scene does have.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from roboskill.tools.plan import EpisodeOutcome, SkillPlan
from roboskill.tools.rebind import plan_names, rebind_goal, rebind_name, rebind_plan


class SkillRunError(ValueError):
    """A stored skill cannot run here (bad binding, names the scene lacks, missing artefacts); says why."""


class SkillRun(BaseModel):
    """The result of `run_skill` (what `skills run --json` prints)."""

    name: str = Field(description="the library skill that ran")
    scene: str = Field(description="name of the scene it ran in")
    own_scene: bool = Field(description="True when it ran in the scene it was learned in")
    bindings: dict[str, str] = Field(default_factory=dict, description="skill name -> scene name renames applied")
    goal: str = Field(description="the (rebound) goal every episode was judged by, in words")
    n: int = Field(description="episodes run")
    successes: int = Field(description="episodes whose goal held at the end, objects at rest")
    rate: float = Field(description="successes / n")
    ci95: tuple[float, float] = Field(description="Wilson 95 % interval of the success rate")
    seeds: list[int] = Field(default_factory=list, description="episode seeds (3 mod 4: never a training or evaluation seed)")
    episodes: list[EpisodeOutcome] = Field(default_factory=list)
    video: str | None = Field(None, description="path of the MP4 of the first episode, when asked for")


# ------------------------------------------------------------------------------------- checks
def missing_names(plan: SkillPlan, goal: Any, spec: Any, world: Any) -> list[str]:
    """Problems running `plan` judged by `goal` in the built `world` of `spec`, each naming what exists."""
    from roboskill.sim.goals import scene_errors

    problems = list(scene_errors(goal, spec)) if goal is not None else []
    objects, joints, links = set(world.bodies) - {"table"}, set(world.joints), set(world.links)
    for name in sorted(plan_names(plan)):
        if "." in name:
            if name not in joints and name not in links:
                problems.append(f"the skill uses {name!r}, which this scene does not have; its joints are "
                                f"{sorted(joints) or 'none'} (bind it with --bind {name}=<object>.<joint>)")
        elif name not in objects and name != "table":
            problems.append(f"the skill uses object {name!r}, which this scene does not have; its objects are "
                            f"{sorted(objects)} (bind it with --bind {name}=<object>)")
    return problems


def observation_adapter(source_layout: dict[str, tuple[int, int]], env: Any, mapping: dict[str, str]) -> Any:
    """A function env -> the observation an RL policy trained on `source_layout` expects, read from `env`'s
    own layout through the bindings; raises SkillRunError naming what the new scene lacks."""
    target = env.observation_layout()
    pairs: list[tuple[slice, slice]] = []
    missing: list[str] = []
    for key, (a, b) in source_layout.items():
        if key == "proprio":
            src_key = key
        else:
            thing, _, field = key.rpartition(".")
            src_key = f"{rebind_name(thing, mapping)}.{field}"
        if src_key not in target:
            missing.append(key.rpartition(".")[0] or key)
            continue
        c, d = target[src_key]
        if d - c != b - a:
            raise SkillRunError(f"observation part {key!r} has {b - a} numbers in the skill but {d - c} here")
        pairs.append((slice(a, b), slice(c, d)))
    if missing:
        raise SkillRunError("the RL policy observes " + ", ".join(sorted(set(missing))) + ", which this scene lacks; "
                            "bind them with --bind")
    size = max((b for _, (a, b) in source_layout.items()), default=0)

    def observe(live: Any) -> np.ndarray:
        full = live.current_observation()
        out = np.zeros(size, dtype=np.float32)
        for dst, src in pairs:
            out[dst] = full[src]
        return out

    return observe


# ------------------------------------------------------------------------------------- running
def run_skill(record: Any, *, scene: Any = None, bindings: dict[str, str] | None = None, episodes: int = 5,
              seed: int = 0, video: str | Path | None = None) -> SkillRun:
    """Run a stored skill (`SkillRecord`) `episodes` times from varied starts, each judged by its (rebound) goal.

    `scene`: a SceneSpec to run in (default: the skill's own scene). `bindings`: skill name -> scene name.
    `video`: write the first episode to this MP4 (labelled SUCCESS/FAILURE). Raises SkillRunError when the
    skill has no goal, its artefacts are missing or the scene lacks what it acts on.
    """
    from roboskill.sim.goals import wilson_interval
    from roboskill.tools.evaluate import run_episode, verification_seeds
    from roboskill.tools.runtime import make_plan_env
    from roboskill.tools.skill_loader import SkillLoadError, build_skills
    from roboskill.tools.skills import PolicySkill
    from roboskill.tools.verify import fresh_seeds

    mapping = dict(bindings or {})
    if record.goal is None:
        raise SkillRunError(f"skill {record.name!r} was stored without a task goal, so no run of it can be judged; "
                            "re-learn it")
    if getattr(record, "env_id", None) or (record.metrics or {}).get("env_id"):
        raise SkillRunError(f"skill {record.name!r} was learned in an external environment; run it there")
    own = scene is None
    spec = record.scene if own else scene
    unknown = sorted(k for k in mapping if k.partition(".")[0] not in _skill_objects(record))
    if unknown:
        raise SkillRunError(f"--bind names {unknown}, which skill {record.name!r} does not use; it uses "
                            f"{sorted(_skill_objects(record))}")
    plan = rebind_plan(record.plan, mapping)
    goal = rebind_goal(record.goal, mapping)
    try:
        skills = build_skills(plan, record.artefacts, name=record.name, closed_loop_trajopt=True)
    except SkillLoadError as exc:
        raise SkillRunError(str(exc)) from None
    env = make_plan_env(spec, seed=0)
    try:
        problems = missing_names(plan, goal, spec, env.world)
        if problems:
            raise SkillRunError(f"skill {record.name!r} cannot run in scene {spec.name!r}: " + "; ".join(problems))
        if any(isinstance(s, PolicySkill) for s in skills) and not own:
            source = make_plan_env(record.scene, seed=0)
            try:
                layout = source.observation_layout()
            finally:
                source.close()
            adapter = observation_adapter(layout, env, mapping)
            for s in skills:
                if isinstance(s, PolicySkill):
                    s.obs_fn = adapter
        seeds = fresh_seeds(record, episodes, seed) if own else verification_seeds(episodes, seed)
        outcomes: list[EpisodeOutcome] = []
        video_path: str | None = None
        for i, s in enumerate(seeds):
            recorder = _recorder(env, video) if (video and i == 0) else None
            ep = run_episode(env, plan, skills, int(s), goal=goal, recorder=recorder)
            outcomes.append(ep.outcome())
            if recorder is not None and recorder.frames:
                recorder.label = f"{'SUCCESS' if ep.success else 'FAILURE'}  seed {s}"
                recorder.label_color = (40, 150, 60) if ep.success else (190, 40, 40)
                video_path = recorder.save()["video"]
    finally:
        env.close()
    wins = sum(1 for o in outcomes if o.success)
    return SkillRun(name=record.name, scene=spec.name, own_scene=own, bindings=mapping, goal=goal.describe(),
                    n=len(outcomes), successes=wins, rate=wins / len(outcomes) if outcomes else 0.0,
                    ci95=wilson_interval(wins, len(outcomes)), seeds=[int(s) for s in seeds], episodes=outcomes,
                    video=video_path)


def run_skill_job(payload: str) -> dict[str, Any]:
    """Worker entry (`roboskill.tools.executor.run_job_process`): JSON {record, scene, bindings, episodes, seed,
    video}; a SkillRunError comes back as {"error": message} so the caller can show it as it is."""
    import json

    from roboskill.memory.records import SkillRecord
    from roboskill.sim.spec import SceneSpec

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover - torch is a dependency; RL skills need it
        pass
    args = json.loads(payload)
    record = SkillRecord.model_validate(args["record"])
    scene = SceneSpec.model_validate(args["scene"]) if args.get("scene") else None
    try:
        return run_skill(record, scene=scene, bindings=args.get("bindings") or {}, episodes=int(args["episodes"]),
                         seed=int(args.get("seed", 0)), video=args.get("video")).model_dump(mode="json")
    except SkillRunError as exc:
        return {"error": str(exc)}


def run_skill_isolated(record: Any, *, scene: Any = None, bindings: dict[str, str] | None = None, episodes: int = 5,
                       seed: int = 0, video: str | Path | None = None, timeout_s: float | None = None) -> SkillRun:
    """`run_skill` in a resource-limited worker process (a stored skill's generated code is untrusted)."""
    import json

    from roboskill.tools.executor import run_job_process

    payload = json.dumps({"record": record.model_dump(mode="json"),
                          "scene": scene.model_dump(mode="json") if scene is not None else None,
                          "bindings": bindings or {}, "episodes": episodes, "seed": seed,
                          "video": str(Path(video).resolve()) if video else None})
    limit = timeout_s if timeout_s is not None else 120.0 + 120.0 * episodes
    try:
        out = run_job_process(run_skill_job, payload, timeout_s=limit)
    except RuntimeError as exc:
        raise SkillRunError(f"the run worker failed: {exc}"[:800]) from None
    if "error" in out:
        raise SkillRunError(out["error"])
    return SkillRun.model_validate(out)


def _skill_objects(record: Any) -> set[str]:
    names = {o.name for o in record.scene.objects}
    return names | {n.partition(".")[0] for n in plan_names(record.plan)}


def _recorder(env: Any, video: str | Path) -> Any:
    from roboskill.sim.render import VideoRecorder

    path = Path(video)
    path.parent.mkdir(parents=True, exist_ok=True)
    return VideoRecorder(env.world, path.parent, every=2, fps=20, video_name=path.name,
                         keyframes_dir=f"{path.stem}_keyframes")


__all__ = ["SkillRun", "SkillRunError", "missing_names", "observation_adapter", "run_skill",
           "run_skill_isolated", "run_skill_job"]
