"""TensorBoard event files next to curves.png (`--tensorboard`), so training is watched with a tool people know.

Why: curves.png is one picture at the end of an attempt; TensorBoard follows every attempt of a run live
and overlays candidates and iterations. What is written, under `<attempt out_dir>/tb/`:

- RL sub-tasks: Stable-Baselines3's own scalars (`train/*`, `time/*`, `rollout/*`), via its `tensorboard_log`.
- Trajectory optimisation: its score curves — the best sampled plan score of every replan
  (`trajopt/<sub-task>/best_score`), each training episode's return and success.
- Every sub-task: the series curves.png draws (`curves/<sub-task>/success_rate`, `mean_return`,
  `component/<name>`), at the same training steps.

Written with `torch.utils.tensorboard.SummaryWriter` (needs the `tensorboard` package: extra `roboskill[tensorboard]`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TB_DIR = "tb"
INSTALL_HINT = 'TensorBoard logging needs the tensorboard package: pip install "roboskill[tensorboard]"'


def tb_dir(out_dir: str | Path) -> Path:
    """Where an attempt's event files go: `<out_dir>/tb/`."""
    return Path(out_dir) / TB_DIR


def available() -> bool:
    """Whether event files can be written here (the tensorboard package is installed)."""
    import importlib.util

    return importlib.util.find_spec("tensorboard") is not None


def summary_writer(out_dir: str | Path, name: str = "roboskill") -> Any:
    """A SummaryWriter for `<out_dir>/tb/<name>`; ImportError with the install hint without tensorboard."""
    if not available():
        raise ImportError(INSTALL_HINT)
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(log_dir=str(tb_dir(out_dir) / name))


def log_scores(writer: Any, subtask: str, episode: int, first_replan: int, scores: list[float], ret: float,
               success: bool) -> None:
    """One trajopt training episode: the best score of each replan, then the episode's return and success."""
    for j, score in enumerate(scores):
        writer.add_scalar(f"trajopt/{subtask}/best_score", float(score), first_replan + j)
    writer.add_scalar(f"trajopt/{subtask}/episode_return", float(ret), episode)
    writer.add_scalar(f"trajopt/{subtask}/episode_success", float(success), episode)


def log_curves(writer: Any, results: list[Any]) -> None:
    """The series of curves.png (`SubTaskResult.reflection` points) as scalars at their training steps."""
    for r in results:
        for pt in r.reflection:
            writer.add_scalar(f"curves/{r.name}/success_rate", float(pt.success_rate), int(pt.step))
            if getattr(pt, "mean_return", None) is not None:
                writer.add_scalar(f"curves/{r.name}/mean_return", float(pt.mean_return), int(pt.step))
            for k, comp in (pt.components or {}).items():
                writer.add_scalar(f"curves/{r.name}/component/{k}", float(comp.mean), int(pt.step))
