"""The one JSON shape every benchmark writes, plus the provenance that makes a figure trustworthy.

Why a model of its own: BENCHMARKS.md is generated from these files, never typed by hand, so each
figure must carry where it came from — the machine (CPU, cores, RAM, library versions), the date,
the git commit and the exact command that reproduces it. Benchmarks owned by other areas
(`learn_bench`, `memory_bench`, `distill_bench`) may return a `BenchResult` directly or a plain
dict; `coerce_result` turns either into this shape so the report and the CLI see one format.

Rules: a figure is only comparable with one measured the same way, so results that judge success
say how in `rules` (e.g. "goal, end of episode, 20 starts"). Results written before the rules were
recorded are read as `LEGACY_RULES` of their benchmark; when a bench overwrites such a result,
`write_result` keeps its figures in the new JSON as `previous` (and carries an existing `previous`
forward on later runs), so the report can put the old figure beside the new one.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["ok", "failed", "skipped", "not_available"]
Scalar = float | int | str | bool | None


class Anchor(BaseModel):
    """A published number from another system, printed beside ours with its source."""

    system: str
    value: Scalar
    source: str


class Metric(BaseModel):
    """One headline figure. `passed` is None when the metric has no target."""

    name: str
    value: Scalar
    unit: str = ""
    target: str | None = None
    passed: bool | None = None
    higher_is_better: bool | None = None
    anchors: list[Anchor] = Field(default_factory=list)
    note: str = ""


class Table(BaseModel):
    """A result table (rows of cells) rendered both by rich and as Markdown."""

    title: str
    columns: list[str]
    rows: list[list[Scalar]]
    note: str = ""


class MachineInfo(BaseModel):
    """What the figures were measured on; ratios measured in one run are comparable across machines."""

    cpu_model: str
    cores_logical: int
    cores_usable: int
    ram_gb: float
    os: str
    python: str
    versions: dict[str, str]


class BenchResult(BaseModel):
    """Everything one `roboskill bench <name>` run produced."""

    name: str
    status: Status = "ok"
    error: str | None = None
    quick: bool = False
    smoke: bool = False
    started_at: str = ""
    wall_time_s: float = 0.0
    command: str = ""
    git_commit: str = "unknown"
    git_dirty: bool = False
    machine: MachineInfo | None = None
    summary: str = ""
    metrics: list[Metric] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    rules: str | None = None
    """How success was judged (judge, when, how many starts), e.g. "goal, end of episode, 20 starts"."""
    previous: dict[str, Any] | None = None
    """The figures of this benchmark measured under older rules (`previous_snapshot`), kept for comparison."""

    def metric(self, name: str) -> Metric:
        """The metric called `name`; KeyError lists the available names."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(f"{self.name}: no metric {name!r}; available: {[m.name for m in self.metrics]}")


# --------------------------------------------------------------------------------------- provenance
_VERSIONED = ("roboskill", "torch", "pybullet", "gymnasium", "panda-gym", "stable-baselines3", "numpy", "chromadb")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _ram_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1)
    except (ValueError, OSError, AttributeError):
        return 0.0


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> MachineInfo:
    """Describe this machine without importing heavy libraries (versions come from package metadata)."""
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count() or 1
    return MachineInfo(
        cpu_model=_cpu_model(),
        cores_logical=os.cpu_count() or 1,
        cores_usable=usable,
        ram_gb=_ram_gb(),
        os=f"{platform.system()} {platform.release()}",
        python=platform.python_version(),
        versions={name: _version(name) for name in _VERSIONED},
    )


def git_revision(cwd: str | Path | None = None) -> tuple[str, bool]:
    """(commit hash, working tree dirty?) — read-only git queries; ('unknown', False) outside a checkout."""
    root = Path(cwd) if cwd else Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=root, capture_output=True, text=True, timeout=10, check=True,
            ).stdout.strip()
        )
        return commit, dirty
    except (OSError, subprocess.SubprocessError):
        return "unknown", False


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


# ------------------------------------------------------------------------------------------- rules
#: How the benchmarks that judge success did so before the rules were recorded in their JSON (before
#: goals judged at the end of the episode, issue 17): what a result without `rules` was measured under.
LEGACY_RULES: dict[str, str] = {
    "learn": "old rules: the success code at any step of each sub-task, 10 starts (evaluation seeds not kept apart "
             "from training seeds, trajopt evaluation budgeted in seconds)",
    "loop": "old rules: the success code at any step, 10 starts (designed scenes without start randomisation), "
            "accepted at >= 50 %",
    "external": "old rules: panda-gym's own is_success at the end of the episode, 10 starts, planning budget in "
                "CPU seconds",
    "distill": "old rules: the last sub-task's success check at any step, 10 starts",
}


def rules_text(judge: str, starts: int, extra: str = "") -> str:
    """`rules` in one shape for every bench: "<who judges, when>, <n> starts[; <extra>]"."""
    text = f"{judge}, {starts} start{'' if starts == 1 else 's'}"
    return f"{text}; {extra}" if extra else text


def rules_of(result: BenchResult) -> str | None:
    """The rules a result was measured under: its own, else its benchmark's legacy rules (None if neither)."""
    return result.rules or LEGACY_RULES.get(result.name)


def previous_snapshot(result: BenchResult) -> dict[str, Any]:
    """What `previous` keeps of a result: rules, provenance, summary and every metric's value."""
    return {
        "rules": rules_of(result), "setting": "smoke" if result.smoke else ("quick" if result.quick else "full"),
        "started_at": result.started_at, "git_commit": result.git_commit, "command": result.command,
        "status": result.status, "summary": result.summary,
        "metrics": {m.name: m.value for m in result.metrics},
    }


def with_previous(new: BenchResult, old: BenchResult | None) -> BenchResult:
    """`new` with `previous` filled from the result it replaces: a result measured before the rules were
    recorded (under `LEGACY_RULES`) becomes `previous`; otherwise the old result's own `previous` is
    carried forward, so re-running under the new rules never loses the old figure. Results without
    rules, and results that already have `previous`, are returned unchanged."""
    if new.rules is None or new.previous is not None or old is None:
        return new
    if old.rules is None and old.name in LEGACY_RULES and old.status == "ok":
        prev: dict[str, Any] | None = previous_snapshot(old)
    else:
        prev = old.previous
    return new.model_copy(update={"previous": prev}) if prev else new


# ------------------------------------------------------------------------------------- coercion / io
def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf become None, numpy scalars become Python numbers, paths become strings."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        try:
            return _clean(value.item())
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, BaseModel):
        return _clean(value.model_dump(mode="json"))
    return value


def _flatten_scalars(data: dict[str, Any], prefix: str = "") -> list[Metric]:
    out: list[Metric] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(_flatten_scalars(value, f"{name}."))
        elif value is None or isinstance(value, (bool, int, float, str)):
            if isinstance(value, str) and len(value) > 120:
                continue
            out.append(Metric(name=name, value=value))
    return out


def coerce_result(name: str, raw: Any) -> BenchResult:
    """Accept what another area's bench function returned and make it a `BenchResult`.

    Accepted: a `BenchResult`; any pydantic model or dict with the BenchResult fields
    (`metrics`, `tables`, ...); otherwise a dict whose scalar leaves become metrics (nested keys
    joined with '.') and which is kept whole under `details`.
    """
    if isinstance(raw, BenchResult):
        return raw.model_copy(update={"name": raw.name or name})
    if isinstance(raw, BaseModel):
        raw = raw.model_dump(mode="json")
    if raw is None:
        return BenchResult(name=name, status="failed", error="benchmark returned nothing")
    if not isinstance(raw, dict):
        return BenchResult(name=name, summary=str(raw)[:500], details={"raw": _clean(raw)})
    raw = _clean(raw)
    known = set(BenchResult.model_fields)
    if "metrics" in raw and isinstance(raw["metrics"], list):
        fields = {k: v for k, v in raw.items() if k in known and k not in {"machine"}}
        extra = {k: v for k, v in raw.items() if k not in known}
        fields.setdefault("name", name)
        result = BenchResult.model_validate(fields)
        if extra:
            result.details.update(extra)
        return result
    metrics = _flatten_scalars({k: v for k, v in raw.items() if k not in {"tables", "details", "status", "error"}})
    tables = [Table.model_validate(t) for t in raw.get("tables", []) if isinstance(t, dict)]
    return BenchResult(
        name=name,
        status=raw.get("status", "ok") if raw.get("status") in ("ok", "failed", "skipped", "not_available") else "ok",
        error=raw.get("error"),
        metrics=metrics[:60],
        tables=tables,
        details=raw,
    )


def write_result(result: BenchResult, out_dir: str | Path) -> Path:
    """Write `<out_dir>/<name>.json` atomically (temp file then os.replace), keeping the replaced
    result's older-rules figures as `previous` (`with_previous`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{result.name}.json"
    if path.exists():
        try:
            old = BenchResult.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        result = with_previous(result, old)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(_clean(result.model_dump(mode="json")), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_results(out_dir: str | Path) -> list[BenchResult]:
    """All readable `<out_dir>/*.json` results; unreadable files become failed results naming the file."""
    results: list[BenchResult] = []
    for path in sorted(Path(out_dir).glob("*.json")):
        try:
            results.append(BenchResult.model_validate_json(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            results.append(BenchResult(name=path.stem, status="failed", error=f"{path}: unreadable result file: {exc}"))
    return results


def python_command() -> str:
    """The interpreter line (for error messages that suggest re-running)."""
    return sys.executable
