"""Training curves to PNG (matplotlib, Agg backend: no display needed), written atomically."""

from __future__ import annotations

import os
from pathlib import Path

from roboskill.tools.plan import SubTaskResult


def plot_curves(results: list[SubTaskResult], path: str | Path, title: str = "") -> Path:
    """Success rate and mean return per checkpoint (left), each reward component's mean (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    for r in results:
        steps = [pt.step for pt in r.reflection]
        if not steps:
            continue
        ax1.plot(steps, [pt.success_rate for pt in r.reflection], marker="o", label=f"{r.name} success")
        names = sorted({k for pt in r.reflection for k in pt.components})
        for k in names:
            xs = [pt.step for pt in r.reflection if k in pt.components]
            ax2.plot(xs, [pt.components[k].mean for pt in r.reflection if k in pt.components], marker=".",
                     label=f"{r.name}.{k}")
    ax1.set_ylim(-0.05, 1.05)
    ax1.set_xlabel("training step")
    ax1.set_ylabel("success rate")
    ax2.set_xlabel("training step")
    ax2.set_ylabel("component mean")
    for ax in (ax1, ax2):
        if ax.lines:
            ax.legend(fontsize=6, loc="best")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.png")
    fig.savefig(tmp, dpi=80)
    plt.close(fig)
    os.replace(tmp, path)
    return path


__all__ = ["plot_curves"]
