"""`roboskill bench diversity`: how diverse are the tasks the loop proposes? (RoboGen's two metrics)

The proposer is asked through the *real* prompt path (`roboskill.agents.proposer.propose`, the role's
prompt file, structured output parsing, bounded repairs) with the offline chat model, exactly as in
`roboskill run`; the loop's novelty gate is reproduced (the memory area's `task_similarity` and
calibrated threshold, up to `max_novelty_attempts` re-proposals with the same feedback text the graph
sends). Every accepted proposal joins the learned list the next proposal sees, so the list grows as
in a long run. Scene design, rewards and training are skipped: they do not influence what the
proposer proposes next except through the learned list, which we grow directly.

Metrics (see `diversity_metrics`): Self-BLEU and mean pairwise MiniLM similarity of the accepted
task descriptions, against RoboGen (0.284 / 0.165 over 106 tasks) and GenSim (0.378 / 0.288), both as
reported in RoboGen's Table 1 (Wang et al. 2023, arXiv:2311.01455). Lower is more diverse.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from roboskill.bench.diversity_metrics import (
    distinct_fraction,
    embedding_similarity,
    mean_pairwise_similarity,
    nearest_duplicates,
    self_bleu,
)
from roboskill.bench.results import Anchor, BenchResult, Metric, Table

ROBOGEN_SELF_BLEU, ROBOGEN_EMBED = 0.284, 0.165
GENSIM_SELF_BLEU, GENSIM_EMBED = 0.378, 0.288
SOURCE = "RoboGen paper Table 1, Wang et al. 2023, arXiv:2311.01455"


@dataclass
class _Record:
    name: str
    description: str
    reason: str = ""


@dataclass
class _Verdict:
    novel: bool
    nearest: list[tuple[str, float]]


@dataclass
class GrowingLibrary:
    """In-memory LibraryLike: the learned list the proposer sees, with the memory area's novelty verdict.

    Same scoring as SkillLibrary.is_novel (MiniLM cosine re-scored by task frames, calibrated
    threshold) but exhaustive over the stored skills and without Chroma, so 100 proposals stay fast.
    """

    threshold: float
    skills: list[_Record] = field(default_factory=list)
    failures: list[_Record] = field(default_factory=list)
    _vectors: list[np.ndarray] = field(default_factory=list)

    def is_novel(self, description: str, k: int = 5) -> _Verdict:
        from roboskill.memory.embed import embed_texts
        from roboskill.memory.novelty import task_similarity

        if not self.skills:
            return _Verdict(True, [])
        query = embed_texts([description])[0]
        cosines = np.stack(self._vectors) @ query
        scored = sorted(
            ((task_similarity(description, rec.description, float(c))[0], rec.name) for rec, c in zip(self.skills, cosines, strict=True)),
            reverse=True,
        )
        nearest = [(name, round(float(score), 4)) for score, name in scored[:k]]
        return _Verdict(nearest[0][1] < self.threshold, nearest)

    def add(self, name: str, description: str) -> None:
        from roboskill.memory.embed import embed_texts

        self.skills.append(_Record(name, description))
        self._vectors.append(embed_texts([description])[0])

    def similar_successful(self, description: str, k: int = 3) -> list[Any]:
        return []

    def add_skill(self, record: Any) -> Any:
        self.add(record.name, record.description)
        return record

    def add_failure(self, record: Any) -> Any:
        self.failures.append(_Record(record.name, record.description, getattr(record, "reason", "")))
        return record

    def list(self) -> list[_Record]:  # noqa: A003 - LibraryLike protocol
        return list(self.skills)

    def list_failures(self) -> list[_Record]:
        return list(self.failures)


def _deps(seed: int, library: GrowingLibrary, run_dir: Path) -> Any:
    from roboskill.agents.deps import Deps
    from roboskill.agents.llm import ChatModels
    from roboskill.config import LLMSettings, Settings

    settings = Settings(home=run_dir, llm=LLMSettings(provider="offline", seed=seed))
    catalog: Any = lambda: []  # noqa: E731
    kinds: list[str] | None = None
    try:
        from roboskill.agents import adapters

        catalog = adapters.catalog
        kinds = adapters.articulated_kinds()
    except Exception:  # noqa: BLE001 - the proposer works without the sim catalog (fewer objects)
        pass
    deps = Deps(settings=settings, models=ChatModels(settings.llm), library=library,
                trainer=lambda requests, progress=None: [], run_dir=run_dir, catalog=catalog)
    if kinds:
        deps.articulated_kinds = kinds
    return deps


def propose_tasks(n_tasks: int, seed: int = 0, max_proposals: int | None = None) -> dict[str, Any]:
    """Run the proposer (+ novelty gate) until `n_tasks` proposals are accepted; return them and stats."""
    from roboskill.agents import proposer
    from roboskill.agents.schemas import TaskProposal
    from roboskill.memory.novelty import default_threshold

    library = GrowingLibrary(threshold=default_threshold())
    max_proposals = max_proposals or 5 * n_tasks
    accepted: list[dict[str, str]] = []
    rejected: list[dict[str, str]] = []
    calls, t0 = 0, time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="roboskill_diversity_") as tmp:
        deps = _deps(seed, library, Path(tmp))
        slot = 0
        while len(accepted) < n_tasks and calls < max_proposals:
            slot += 1
            state: dict[str, Any] = {"run_id": "bench_diversity", "directives": [], "rejected": [],
                                     "proposal_attempt": 0, "novelty_feedback": None, "tasks_started": slot}
            proposal: TaskProposal | None = None
            for _attempt in range(deps.max_novelty_attempts):
                result = proposer.propose(deps, state)
                calls += 1
                proposal = result.value
                state["proposal_attempt"] = int(state["proposal_attempt"]) + 1
                verdict = library.is_novel(proposal.description)
                if verdict.novel:
                    library.add(proposal.name, proposal.description)
                    accepted.append({"name": proposal.name, "description": proposal.description})
                    proposal = None
                    break
                state["novelty_feedback"] = (
                    f"'{proposal.description}' is too similar to learned skill(s) "
                    + ", ".join(f"{name} (similarity {score})" for name, score in verdict.nearest[:3])
                    + "; propose a clearly different task"
                )
                rejected.append({"name": proposal.name, "description": proposal.description})
            if proposal is not None:  # the graph gives up on the slot and records a failure
                library.failures.append(_Record(proposal.name, proposal.description, "not novel"))
    return {"accepted": accepted, "rejected": rejected, "proposer_calls": calls,
            "propose_wall_s": time.perf_counter() - t0, "threshold": library.threshold}


def run_diversity_bench(mode: Any) -> BenchResult:
    """Entry point for `roboskill bench diversity` (mode: runner.BenchMode)."""
    n_tasks = 12 if mode.smoke else 100
    proposals = propose_tasks(n_tasks, seed=mode.seed)
    texts = [p["description"] for p in proposals["accepted"]]
    if len(texts) < 2:
        raise RuntimeError(f"the proposer produced only {len(texts)} accepted task(s) in "
                           f"{proposals['proposer_calls']} calls; cannot measure diversity")
    bleu, bleu_impl = self_bleu(texts)
    from roboskill.memory.embed import embed_texts

    vectors = embed_texts(texts)
    embed = mean_pairwise_similarity(vectors)
    all_texts = texts + [p["description"] for p in proposals["rejected"]]
    raw_bleu, _ = self_bleu(all_texts) if len(all_texts) > len(texts) else (bleu, bleu_impl)
    raw_embed = embedding_similarity(all_texts) if len(all_texts) > len(texts) else embed
    metrics = [
        Metric(name="self_bleu", value=round(bleu, 4), target=f"< {ROBOGEN_SELF_BLEU} (RoboGen)",
               passed=bleu < ROBOGEN_SELF_BLEU, higher_is_better=False, note=f"{len(texts)} accepted tasks",
               anchors=[Anchor(system="RoboGen", value=ROBOGEN_SELF_BLEU, source=SOURCE),
                        Anchor(system="GenSim", value=GENSIM_SELF_BLEU, source=SOURCE)]),
        Metric(name="embedding_similarity", value=round(embed, 4), target=f"< {ROBOGEN_EMBED} (RoboGen)",
               passed=embed < ROBOGEN_EMBED, higher_is_better=False, note="mean pairwise all-MiniLM-L6-v2 cosine",
               anchors=[Anchor(system="RoboGen", value=ROBOGEN_EMBED, source=SOURCE),
                        Anchor(system="GenSim", value=GENSIM_EMBED, source=SOURCE)]),
        Metric(name="tasks_accepted", value=len(texts), target=f"{n_tasks}", passed=len(texts) >= n_tasks,
               note=f"novel proposals within {proposals['proposer_calls']} proposer calls (cap {5 * n_tasks})"),
        Metric(name="proposer_calls", value=proposals["proposer_calls"],
               note="including re-proposals after the novelty gate said 'too similar'"),
        Metric(name="distinct_descriptions", value=round(distinct_fraction(texts), 3), unit="fraction"),
        Metric(name="self_bleu_all_proposals", value=round(raw_bleu, 4), higher_is_better=False,
               note="accepted + rejected proposals (before the novelty gate)"),
        Metric(name="embedding_similarity_all_proposals", value=round(raw_embed, 4), higher_is_better=False),
    ]
    examples = [[i + 1, p["name"], p["description"]] for i, p in enumerate(proposals["accepted"][:12])]
    dupes = nearest_duplicates(texts, vectors, k=5)
    return BenchResult(
        name="diversity",
        summary=(f"{len(texts)} proposed tasks: Self-BLEU {bleu:.3f} (RoboGen {ROBOGEN_SELF_BLEU}), "
                 f"embedding similarity {embed:.3f} (RoboGen {ROBOGEN_EMBED})"),
        metrics=metrics,
        tables=[
            Table(title="First proposed tasks", columns=["#", "name", "description"], rows=examples),
            Table(title="Most similar accepted pairs", columns=["task A", "task B", "cosine"],
                  rows=[list(d) for d in dupes]),
        ],
        details={**proposals, "self_bleu_implementation": bleu_impl, "notes": [
            f"Self-BLEU: {bleu_impl}; each description scored against all other accepted descriptions.",
            "Proposals come from the offline model through the real proposer prompt path; the learned list grows "
            "with every accepted proposal, and the loop's novelty gate (calibrated threshold "
            f"{proposals['threshold']:.3f}) re-asks up to 3 times per slot.",
        ]},
    )
