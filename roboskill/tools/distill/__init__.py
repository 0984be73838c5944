"""Distillation: many learned skills -> one language-conditioned, vision-based generalist policy.

Pipeline (each step one module, each usable alone):

    skills.py        DistillSkill: what a skill contributes (scene, plan, instruction, success check, expert)
    experts.py       replay a skill's expert (primitive plan / trajectory / RL policy) from any state
    collect.py       expert rollouts over randomised initial states -> dataset shards (successful only)
    dataset.py       versioned on-disk format (one .npz shard per skill and round + manifest.json)
    embedding.py     frozen MiniLM instruction embeddings, cached on disk
    paraphrase.py    deterministic rewordings; training and held-out evaluation templates are disjoint
    policy.py        CNN (84x84 RGB) + FiLM by instruction + proprioception -> 5-d action
    train.py         behaviour cloning (torch, CPU) and DAgger rounds with the skill experts as teachers
    multitask_env.py gymnasium env sampling a skill's scene + instruction per episode
    evaluate.py      per-skill success of the generalist vs the expert, original and reworded instructions
    pipeline.py      `roboskill distill` end to end (dataset, checkpoint, eval table + JSON, video grid)

Heavy imports (torch, pybullet, sentence-transformers) stay inside the submodules.
"""

from __future__ import annotations

DATASET_FORMAT = "roboskill-distill-dataset"
DATASET_VERSION = 1
CHECKPOINT_FORMAT = "roboskill-generalist-policy"
CHECKPOINT_VERSION = 1


class DistillError(ValueError):
    """Bad input to distillation (unknown skill, skill without a success check, bad dataset...).

    The message names the object and suggests a fix.
    """


__all__ = ["CHECKPOINT_FORMAT", "CHECKPOINT_VERSION", "DATASET_FORMAT", "DATASET_VERSION", "DistillError"]
