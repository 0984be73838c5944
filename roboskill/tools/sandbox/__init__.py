"""Sandbox for untrusted generated reward / success code.

Three layers, each catching what the previous one cannot:
1. `check_code` — AST allow-list (only math/numpy imports, no dunders, no file/process/eval routes);
2. `load_reward_module` — restricted builtins, frozen math/numpy facades, guarded arithmetic,
   per-call time bound, result type and NaN/inf checks, errors as `SandboxError(message, line)`;
3. `run_in_sandbox_process` — a child process with rlimits (memory, CPU, no file growth, no new
   processes), an empty environment and no stdout. Untrusted code runs only there, never in the
   agent process. `dry_run` uses it to build a scene, step it and call both functions.
"""

from roboskill.tools.sandbox.ast_check import REQUIRED_FUNCTIONS, CodeIssue, check_code, format_issues
from roboskill.tools.sandbox.loader import RewardFunctions, SandboxError, load_reward_module, make_state_view
from roboskill.tools.sandbox.process import SandboxProcessError, apply_limits, run_in_sandbox_process

__all__ = [
    "REQUIRED_FUNCTIONS", "CodeIssue", "check_code", "format_issues", "RewardFunctions", "SandboxError",
    "load_reward_module", "make_state_view", "SandboxProcessError", "apply_limits", "run_in_sandbox_process",
    "DryRunReport", "dry_run",
]


def __getattr__(name: str):  # lazy: dry_run pulls in pybullet and the env
    if name in ("DryRunReport", "dry_run", "ComponentSummary"):
        from roboskill.tools.sandbox import dryrun as _dr

        return getattr(_dr, name)
    raise AttributeError(name)
