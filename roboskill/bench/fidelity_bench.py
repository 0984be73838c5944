"""`roboskill bench fidelity`: does a skill the system accepts really do what the instruction says?

For every instruction of a corpus written for this benchmark (`roboskill/data/fidelity/instructions.yaml`;
>= 30 entries, >= 8 the simulator cannot represent: liquids, cloth and other deformables, things no
catalog entry can build, actions with no meaning for a one-arm gripper robot):

1. `roboskill learn "<instruction>"` runs as a subprocess with the offline model, its own fresh
   ROBOSKILL_HOME and the suite's budgets;
2. the outcome is read from the outside: *refused* (non-zero exit and the output says "refus...");
   *accepted* (a skill is in that home's library); otherwise *not learned* (gave up, crashed, timed out);
3. an accepted skill is replayed from >= 10 fresh seeds (`roboskill.tools.verify.replay_skill`, seeds
   disjoint from the run's own) and, after each episode, the instruction's hand-written check
   (`fidelity_predicates.py`, raw PyBullet state, never the goal compiler in `roboskill.sim.goals`) judges
   the live world: the independent success rate. Verified means >= 0.8. A stored scene that lacks what
   the instruction names fails every episode without a replay (a silent substitution).

Figures: accepted, verified, false acceptances (accepted but independently < 0.8, or accepted although
impossible), refusals of impossible instructions, wrongful refusals of possible ones. Targets: >= 90 %
of accepted skills verified, 0 false acceptances, every impossible instruction refused.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from roboskill.bench.home import roboskill_home
from roboskill.bench.results import BenchResult, Metric, Table

#: Independent success rate a skill needs to count as verified.
VERIFY_THRESHOLD = 0.8
#: Replay seeds: SEED_BASE + 4000 x bench seed + 4 i + 3 - odd, 3 mod 4 (the verification residue class:
#: training seeds are even, evaluation seeds 1 mod 4) and far above the seeds a run itself uses.
SEED_BASE = 910_000
UNSUPPORTED_KINDS = ("liquid", "deformable", "unbuildable", "no_meaning")
#: The corpus shipped with the package.
CORPUS_FILE = Path(__file__).resolve().parents[1] / "data" / "fidelity" / "instructions.yaml"


# ------------------------------------------------------------------------------------ the corpus
@dataclass(frozen=True)
class Instruction:
    id: str
    instruction: str
    possible: bool
    unsupported: str | None = None
    quick: bool = False


def load_corpus(path: str | Path | None = None) -> list[Instruction]:
    """The corpus (package data unless `path`); validated: unique ids, impossible ones say why."""
    path = Path(path) if path is not None else CORPUS_FILE
    text, source = path.read_text(encoding="utf-8"), str(path)
    raw = yaml.safe_load(text)
    if not isinstance(raw, list):
        raise ValueError(f"{source}: expected a list of instructions")
    items, seen = [], set()
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or not {"id", "instruction", "possible"} <= set(entry):
            raise ValueError(f"{source}: entry {i} needs id, instruction and possible")
        item = Instruction(str(entry["id"]), str(entry["instruction"]).strip(), bool(entry["possible"]),
                           entry.get("unsupported"), bool(entry.get("quick", False)))
        if item.id in seen:
            raise ValueError(f"{source}: duplicate id {item.id!r}")
        if not item.possible and item.unsupported not in UNSUPPORTED_KINDS:
            raise ValueError(f"{source}: {item.id}: impossible entries need unsupported: one of {UNSUPPORTED_KINDS}")
        seen.add(item.id)
        items.append(item)
    return items


# ------------------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class FidelityParams:
    """Budgets of one suite run (passed to `roboskill learn` as flags)."""

    train_budget_s: float = 60.0
    max_iterations: int = 3
    candidates: int = 2
    replay_episodes: int = 10
    learn_timeout_s: float = 1800.0
    jobs: int = 1
    llm: str = "offline"
    seed: int = 0

    def seeds(self) -> list[int]:
        return [SEED_BASE + 4000 * self.seed + 4 * i + 3 for i in range(self.replay_episodes)]


def params_for(mode: Any) -> tuple[FidelityParams, Callable[[Instruction], bool]]:
    """Budgets and the instruction subset for a runner.BenchMode."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    jobs = int(os.environ.get("ROBOSKILL_FIDELITY_JOBS", "0") or 0) or max(1, min(4, cores // 4))
    seed = int(getattr(mode, "seed", 0))
    if getattr(mode, "smoke", False):
        return (FidelityParams(train_budget_s=5.0, max_iterations=1, candidates=1, replay_episodes=10,
                               learn_timeout_s=300.0, jobs=1, seed=seed),
                lambda it: it.id == "sing_birthday")
    if getattr(mode, "quick", False):
        # ROBOSKILL_FIDELITY_CORPUS=all: the quick budgets over the whole corpus (every instruction judged in about
        # an hour on 2 cores, where the full budgets take several)
        whole = os.environ.get("ROBOSKILL_FIDELITY_CORPUS", "") == "all"
        # the learn timeout only catches a hung run: a wall-clock limit near the real duration turns a loaded
        # machine's slower runs into "not learned" (seen: 600 s killed learns that finish in ~2 min idle)
        return (FidelityParams(train_budget_s=20.0, max_iterations=2, candidates=2, replay_episodes=10,
                               learn_timeout_s=1800.0, jobs=jobs, seed=seed),
                _only((lambda it: True) if whole else (lambda it: it.quick)))
    return FidelityParams(jobs=jobs, seed=seed), _only(lambda it: True)


def _only(pick: Callable[[Instruction], bool]) -> Callable[[Instruction], bool]:
    """ROBOSKILL_FIDELITY_ONLY=id,id: re-measure just those entries (a partial run; its figures are not the suite's)."""
    only = {x.strip() for x in os.environ.get("ROBOSKILL_FIDELITY_ONLY", "").split(",") if x.strip()}
    return (lambda it: it.id in only) if only else pick


# ------------------------------------------------------------------------------ learn / replay io
@dataclass
class LearnRun:
    """What `roboskill learn` did, seen from outside."""

    returncode: int | None
    output: str
    wall_s: float
    timed_out: bool = False


def learn_command(item: Instruction, params: FidelityParams) -> list[str]:
    cmd = [sys.executable, "-c", "from roboskill.cli.main import app; app(prog_name='roboskill')",
           "learn", item.instruction, "--llm", params.llm, "--no-live",
           "--train-budget", f"{params.train_budget_s:g}", "--max-iterations", str(params.max_iterations),
           "--candidates", str(params.candidates), "--seed", str(params.seed), "--run-id", f"fidelity-{item.id}"]
    if params.jobs > 1:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        cmd += ["--workers", str(max(1, cores // params.jobs))]
    return cmd


def learn_subprocess(item: Instruction, home: Path, params: FidelityParams) -> LearnRun:
    """Run `roboskill learn` for one instruction in its own ROBOSKILL_HOME."""
    env = dict(os.environ, ROBOSKILL_HOME=str(home), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"),
               COLUMNS="160")
    env.pop("ROBOSKILL_LIBRARY_PATH", None)
    env.pop("ROBOSKILL_RUNS_DIR", None)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(learn_command(item, params), capture_output=True, text=True, env=env,
                              timeout=params.learn_timeout_s, stdin=subprocess.DEVNULL)
        return LearnRun(proc.returncode, (proc.stdout or "") + (proc.stderr or ""), time.perf_counter() - t0)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or b""
        text = out.decode(errors="replace") if isinstance(out, bytes) else str(out)
        return LearnRun(None, text, time.perf_counter() - t0, timed_out=True)


def accepted_skill(home: Path) -> Any | None:
    """The skill record `learn` stored in `home`'s library (newest first), or None."""
    from roboskill.config import Settings
    from roboskill.memory.library import SkillLibrary

    library_dir = Settings(home=home).library_dir
    if not library_dir.exists():
        return None
    with roboskill_home(home):
        lib = SkillLibrary(library_dir)
        try:
            skills = lib.list()
        finally:
            lib.close()
    if not skills:
        return None
    return sorted(skills, key=lambda s: s.created_at)[-1]


def replay_with_verify(record: Any, seeds: list[int], on_end: Callable[[Any, int], None], home: Path) -> list[Any]:
    """Replay through `roboskill.tools.verify.replay_skill` (fresh starts; on_end gets the live env)."""
    from roboskill.tools.verify import replay_skill

    with roboskill_home(home):
        return list(replay_skill(record, seeds, on_end=on_end))


# ------------------------------------------------------------------------------------- judging
@dataclass
class ItemResult:
    """Everything the suite learned about one instruction."""

    id: str
    instruction: str
    possible: bool
    unsupported: str | None
    outcome: str = ""
    """refused | accepted | not_learned | timeout"""
    verdict: str = ""
    """verified | false_acceptance | correct_refusal | wrongful_refusal | not_learned | not_refused | unverified"""
    returncode: int | None = None
    refusal: str = ""
    skill: str | None = None
    system_success_rate: float | None = None
    scene_objects: list[str] = field(default_factory=list)
    independent_successes: int = 0
    episodes: int = 0
    independent_rate: float | None = None
    system_episode_successes: int | None = None
    episode_reasons: list[str] = field(default_factory=list)
    reason: str = ""
    learn_wall_s: float = 0.0
    replay_wall_s: float = 0.0
    output_tail: str = ""


_BOX = set("│┃┏┓┗┛┡┩━─┌┐└┘├┤┬┴┼╇╈═║╭╮╯╰")


def _refusal_line(output: str) -> str:
    """The first line that mentions a refusal, with the lines the terminal wrapped it onto."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if "refus" in line.lower():
            parts = [line.strip()]
            for cont in lines[i + 1:]:
                text = cont.strip()
                stop = not text or text[0].isdigit() or text.startswith(("run ", "error"))
                if stop or any(ch in _BOX for ch in text):
                    break
                parts.append(text)
            return " ".join(parts)[:400]
    return ""


def _run_json_refusal(home: Path) -> str:
    """The refusal reason a learn run recorded in its run.json (`failed[].refused`), if any."""
    import json

    for path in sorted(home.glob("runs/*/run.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for failed in data.get("failed") or []:
            if isinstance(failed, dict) and failed.get("refused"):
                return str(failed.get("reason") or "refused")[:400]
    return ""


def _scene_inventory(scene: Any) -> list[str]:
    from roboskill.bench.fidelity_predicates import object_category

    out = []
    for obj in getattr(scene, "objects", None) or []:
        category, color = object_category(obj)
        label = f"{color + ' ' if color and category else ''}{category or getattr(obj, 'kind', '?')}"
        out.append(f"{obj.name}={label}")
    return out


def _outcome_success(outcome: Any) -> bool | None:
    for attr in ("success", "goal_success", "ok"):
        value = getattr(outcome, attr, None) if not isinstance(outcome, dict) else outcome.get(attr)
        if isinstance(value, bool):
            return value
    return None


def judge_accepted(item: Instruction, record: Any, params: FidelityParams, home: Path,
                   replay: Callable[..., list[Any]]) -> ItemResult:
    """Replay an accepted skill from fresh seeds and apply the instruction's own check."""
    from roboskill.bench.fidelity_predicates import CHECKS, SceneView

    res = ItemResult(item.id, item.instruction, item.possible, item.unsupported, outcome="accepted",
                     skill=getattr(record, "name", None), system_success_rate=getattr(record, "success_rate", None))
    scene = getattr(record, "scene", None)
    res.scene_objects = _scene_inventory(scene)
    seeds = params.seeds()
    res.episodes = len(seeds)
    if not item.possible:
        res.verdict, res.independent_rate = "false_acceptance", 0.0
        res.reason = f"accepted although the simulator cannot represent it ({item.unsupported})"
        return res
    chk = CHECKS[item.id]
    missing = chk.missing(scene) if scene is not None else list(chk.needs)
    if missing:
        res.verdict, res.independent_rate = "false_acceptance", 0.0
        res.reason = (f"the stored scene has no {', '.join(str(m) for m in missing)} "
                      f"(silent substitution; {', '.join(res.scene_objects) or 'no objects'})")
        return res
    verdicts: dict[int, Any] = {}

    def on_end(env: Any, seed: int) -> None:
        try:
            verdicts[int(seed)] = chk(SceneView.from_env(env, scene))
        except Exception as exc:  # noqa: BLE001 - recorded as a failed episode
            from roboskill.bench.fidelity_predicates import no

            verdicts[int(seed)] = no(f"could not judge: {type(exc).__name__}: {exc}")

    t0 = time.perf_counter()
    try:
        outcomes = replay(record, seeds, on_end, home)
    except Exception as exc:  # noqa: BLE001 - the replay tool may not have landed or may crash
        res.replay_wall_s = round(time.perf_counter() - t0, 2)
        res.verdict = "unverified"
        res.reason = f"replay failed: {type(exc).__name__}: {str(exc)[:300]}"
        return res
    res.replay_wall_s = round(time.perf_counter() - t0, 2)
    system = [_outcome_success(o) for o in outcomes or []]
    if system and all(s is not None for s in system):
        res.system_episode_successes = sum(bool(s) for s in system)
    for s in seeds:
        v = verdicts.get(s)
        if v is None:
            res.episode_reasons.append(f"seed {s}: episode not handed to the check")
        else:
            res.independent_successes += int(v.ok)
            res.episode_reasons.append(f"seed {s}: {'ok' if v.ok else 'FAIL'} - {v.reason}")
    res.independent_rate = res.independent_successes / len(seeds) if seeds else 0.0
    if res.independent_rate >= VERIFY_THRESHOLD:
        res.verdict = "verified"
        res.reason = f"{res.independent_successes}/{len(seeds)} fresh starts pass the independent check"
    else:
        res.verdict = "false_acceptance"
        first_fail = next((r for r in res.episode_reasons if "FAIL" in r or "not handed" in r), "")
        res.reason = f"only {res.independent_successes}/{len(seeds)} fresh starts pass; e.g. {first_fail}"
    return res


def run_item(item: Instruction, params: FidelityParams, home: Path, *,
             learn: Callable[[Instruction, Path, FidelityParams], LearnRun] = learn_subprocess,
             find_skill: Callable[[Path], Any | None] = accepted_skill,
             replay: Callable[..., list[Any]] = replay_with_verify) -> ItemResult:
    """Learn one instruction, classify what happened and, if a skill was accepted, verify it."""
    run = learn(item, home, params)
    return classify(item, run, params, home, find_skill=find_skill, replay=replay)


def classify(item: Instruction, run: LearnRun, params: FidelityParams, home: Path, *,
             find_skill: Callable[[Path], Any | None] = accepted_skill,
             replay: Callable[..., list[Any]] = replay_with_verify) -> ItemResult:
    try:
        record = find_skill(home)
        find_error = ""
    except Exception as exc:  # noqa: BLE001 - an unreadable library counts as nothing stored, with the cause
        record, find_error = None, f"library unreadable: {type(exc).__name__}: {exc}"
    refusal = _run_json_refusal(home) or _refusal_line(run.output)
    if record is not None:
        res = judge_accepted(item, record, params, home, replay)
        if run.returncode not in (0, None) or refusal:
            said = f"; said {refusal}" if refusal else ""
            res.reason += f" (note: learn exited {run.returncode}{said}, yet stored a skill)"
    else:
        res = ItemResult(item.id, item.instruction, item.possible, item.unsupported)
        if run.timed_out:
            res.outcome = "timeout"
        elif run.returncode not in (0, None) and refusal:
            res.outcome = "refused"
        else:
            res.outcome = "not_learned"
        if res.outcome == "refused":
            res.verdict = "correct_refusal" if not item.possible else "wrongful_refusal"
            res.reason = refusal
        else:
            res.verdict = "not_refused" if not item.possible else "not_learned"
            lines = [ln.strip() for ln in run.output.splitlines()
                     if ln.strip() and not ln.startswith("pybullet build time") and not any(ch in _BOX for ch in ln)]
            said = next((ln for ln in lines if "gave up" in ln.lower() or ln.lower().startswith("error")),
                        lines[-1] if lines else "")
            why = "timed out" if run.timed_out else f"exit {run.returncode}"
            res.reason = f"{why}; no skill stored" + (f"; {find_error}" if find_error else "") + (
                f"; said: {said[:200]}" if said else "")
    res.returncode = run.returncode
    res.refusal = refusal
    res.learn_wall_s = round(run.wall_s, 2)
    res.output_tail = run.output[-1500:]
    return res


def run_corpus(items: list[Instruction], params: FidelityParams, work_dir: Path, *,
               learn: Callable[[Instruction, Path, FidelityParams], LearnRun] = learn_subprocess,
               find_skill: Callable[[Path], Any | None] = accepted_skill,
               replay: Callable[..., list[Any]] = replay_with_verify,
               on_item: Callable[[ItemResult], None] | None = None) -> list[ItemResult]:
    """Every instruction in its own home under `work_dir`; learns run `params.jobs` at a time,
    replays run one at a time in this process (each sets ROBOSKILL_HOME while it runs)."""
    homes = {it.id: work_dir / it.id for it in items}
    for home in homes.values():
        home.mkdir(parents=True, exist_ok=True)
    results: dict[str, ItemResult] = {}
    if params.jobs <= 1:
        for it in items:
            results[it.id] = run_item(it, params, homes[it.id], learn=learn, find_skill=find_skill, replay=replay)
            if on_item:
                on_item(results[it.id])
    else:
        with ThreadPoolExecutor(max_workers=params.jobs) as pool:
            futures = [(it, pool.submit(learn, it, homes[it.id], params)) for it in items]
            for it, fut in futures:  # replays stay on this thread (ROBOSKILL_HOME is process-wide)
                results[it.id] = classify(it, fut.result(), params, homes[it.id], find_skill=find_skill,
                                          replay=replay)
                if on_item:
                    on_item(results[it.id])
    return [results[it.id] for it in items]


# ------------------------------------------------------------------------------------- figures
def summarize(results: list[ItemResult]) -> dict[str, Any]:
    possible = [r for r in results if r.possible]
    impossible = [r for r in results if not r.possible]
    accepted = [r for r in results if r.outcome == "accepted"]
    verified = [r for r in accepted if r.verdict == "verified"]
    false_acc = [r for r in accepted if r.verdict == "false_acceptance"]
    return {
        "instructions": len(results), "possible": len(possible), "impossible": len(impossible),
        "accepted": len(accepted), "verified": len(verified),
        "verified_share_of_accepted": (len(verified) / len(accepted)) if accepted else None,
        "false_acceptances": len(false_acc),
        "false_acceptances_impossible": sum(1 for r in false_acc if not r.possible),
        "unverified_replay_errors": sum(1 for r in accepted if r.verdict == "unverified"),
        "impossible_refused": sum(1 for r in impossible if r.verdict == "correct_refusal"),
        "wrongful_refusals": sum(1 for r in possible if r.verdict == "wrongful_refusal"),
        "possible_not_learned": sum(1 for r in possible if r.verdict == "not_learned"),
        "possible_verified": sum(1 for r in possible if r.verdict == "verified"),
    }


def build_result(results: list[ItemResult], params: FidelityParams, mode_label: str) -> BenchResult:
    s = summarize(results)
    share = s["verified_share_of_accepted"]
    n_imp = s["impossible"]
    refused_share = (s["impossible_refused"] / n_imp) if n_imp else None
    metrics = [
        Metric(name="instructions", value=s["instructions"],
               note=f"{s['possible']} possible, {s['impossible']} the simulator cannot represent"),
        Metric(name="accepted", value=s["accepted"], note="a skill was stored by `roboskill learn`"),
        Metric(name="verified", value=s["verified"],
               note=f"accepted and >= {VERIFY_THRESHOLD:.0%} of {params.replay_episodes} fresh starts pass the "
                    "hand-written physical check"),
        Metric(name="verified_share_of_accepted", value=round(100 * share, 1) if share is not None else None,
               unit="%", target=">= 90 %", passed=(share is not None and share >= 0.9), higher_is_better=True,
               note="no accepted skill: not met (nothing to verify)" if share is None else ""),
        Metric(name="false_acceptances", value=s["false_acceptances"], target="0", passed=s["false_acceptances"] == 0,
               higher_is_better=False,
               note=f"{s['false_acceptances_impossible']} of them impossible instructions; the rest accepted "
                    f"but independently < {VERIFY_THRESHOLD:.0%}"),
        Metric(name="impossible_refused", value=round(100 * refused_share, 1) if refused_share is not None else None,
               unit="%", target="100 %", passed=(refused_share is not None and s["impossible_refused"] == n_imp),
               higher_is_better=True, note=f"{s['impossible_refused']} of {n_imp} refused (non-zero exit, a refusal)"),
        Metric(name="wrongful_refusals", value=s["wrongful_refusals"], higher_is_better=False,
               note="possible instructions refused"),
        Metric(name="possible_verified", value=s["possible_verified"], higher_is_better=True,
               note=f"of {s['possible']} possible instructions"),
        Metric(name="possible_not_learned", value=s["possible_not_learned"], higher_is_better=False,
               note="gave up / crashed / timed out without a refusal"),
    ]
    if s["unverified_replay_errors"]:
        metrics.append(Metric(name="unverified_replay_errors", value=s["unverified_replay_errors"],
                              note="accepted, but the replay tool failed; counted neither verified nor false"))
    rows = []
    for r in results:
        rate = (f"{r.independent_successes}/{r.episodes}" if r.outcome == "accepted" and r.possible
                and r.independent_rate is not None else "")
        rows.append([r.id, r.instruction, "yes" if r.possible else f"no ({r.unsupported})", r.outcome,
                     round(r.system_success_rate, 2) if r.system_success_rate is not None else None, rate,
                     r.verdict, r.reason[:220]])
    targets_met = sum(1 for m in metrics if m.passed)
    targets = sum(1 for m in metrics if m.target)
    summary = (f"{s['accepted']} of {s['instructions']} instructions accepted, {s['verified']} verified by the "
               f"independent checks, {s['false_acceptances']} false acceptance(s), {s['impossible_refused']}/{n_imp} "
               f"impossible instructions refused; {targets_met}/{targets} targets met ({mode_label} setting)")
    notes = [
        "Each instruction: `roboskill learn \"<instruction>\" --llm offline` in a fresh ROBOSKILL_HOME with budgets "
        f"train {params.train_budget_s:g} s x {params.candidates} candidates x {params.max_iterations} iterations "
        f"(timeout {params.learn_timeout_s:.0f} s).",
        "Refused = non-zero exit and a refusal in the output; accepted = a skill in that home's library.",
        f"Accepted skills are replayed from {params.replay_episodes} fresh seeds ({params.seeds()[0]}..) with "
        "roboskill.tools.verify.replay_skill; after each episode a check written by hand for that instruction "
        "(roboskill/bench/fidelity_predicates.py) reads raw PyBullet state (poses, joint values and limits, "
        "closest points, AABBs) - never the goal compiler it tests, never generated code.",
        "The checks find objects by what the instruction names (category, colour) in the stored scene spec; "
        "a scene without them is a silent substitution and fails every episode.",
        "Targets: >= 90 % of accepted skills verified, 0 false acceptances, every impossible instruction refused.",
        "Corpus: roboskill/data/fidelity/instructions.yaml (quick setting: the entries marked quick, or all of them "
        "with ROBOSKILL_FIDELITY_CORPUS=all).",
        "Caveat: the corpus was written independently of the offline model, but its failures were seen while the "
        "offline goal writer was being improved (press-and-hold, common verbs such as move/carry/roll); a held-out "
        "set would be the stricter measure.",
    ]
    return BenchResult(
        name="fidelity", summary=summary, metrics=metrics,
        tables=[Table(title="Per instruction", columns=["id", "instruction", "possible", "outcome",
                                                        "system success", "independent", "verdict", "why"],
                      rows=rows)],
        details={"params": asdict(params), "figures": s, "items": [asdict(r) for r in results], "notes": notes},
    )


def run_fidelity_bench(mode: Any) -> BenchResult:
    """Entry point for `roboskill bench fidelity` (mode: runner.BenchMode)."""
    params, chosen = params_for(mode)
    items = [it for it in load_corpus() if chosen(it)]
    keep = os.environ.get("ROBOSKILL_FIDELITY_KEEP")
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="roboskill_fidelity_"))
    work.mkdir(parents=True, exist_ok=True)

    def progress(r: ItemResult) -> None:
        rate = f" {r.independent_successes}/{r.episodes}" if r.outcome == "accepted" else ""
        print(f"fidelity: {r.id}: {r.outcome} -> {r.verdict}{rate}", file=sys.stderr, flush=True)

    try:
        # looked up at call time, so tests can stand in for `roboskill learn` and the replay tool
        results = run_corpus(items, params, work, learn=learn_subprocess, find_skill=accepted_skill,
                             replay=replay_with_verify, on_item=progress)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    label = "smoke" if getattr(mode, "smoke", False) else ("quick" if getattr(mode, "quick", False) else "full")
    if label == "quick" and os.environ.get("ROBOSKILL_FIDELITY_CORPUS", "") == "all":
        label = "quick budgets, whole corpus (ROBOSKILL_FIDELITY_CORPUS=all)"
    return build_result(results, params, label)


__all__ = ["FidelityParams", "Instruction", "ItemResult", "LearnRun", "build_result", "classify", "load_corpus",
           "run_corpus", "run_fidelity_bench", "run_item", "summarize"]
