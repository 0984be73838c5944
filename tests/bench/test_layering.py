"""Layering: the product never depends on its benchmarks or its command line.

Every module under roboskill/ other than roboskill/bench and roboskill/cli is parsed, and every
import in it (top level or inside a function, absolute or relative, `from roboskill import bench`,
`importlib.import_module("roboskill.bench...")`) is checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

import roboskill

ROOT = Path(roboskill.__file__).resolve().parent
FORBIDDEN = ("roboskill.bench", "roboskill.cli")
ALLOWED_DIRS = ("bench", "cli")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, node: ast.ImportFrom, path: Path) -> str:
    """The absolute module an ImportFrom names (relative imports resolved against `module`)."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imported_modules(path: Path, module: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file, including `from pkg import sub` as pkg.sub."""
    module = module or _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node, path)
            out.append((node.lineno, base))
            out += [(node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__", "find_spec"):
                out.append((node.lineno, node.args[0].value))
    return out


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


def test_product_modules_never_import_bench_or_cli() -> None:
    files = [p for p in sorted(ROOT.rglob("*.py")) if p.relative_to(ROOT).parts[0] not in ALLOWED_DIRS]
    assert len(files) > 50  # the walk found the package
    offences = [f"{p.relative_to(ROOT.parent)}:{line} imports {name}"
                for p in files for line, name in imported_modules(p) if _forbidden(name)]
    assert not offences, "product code must not depend on roboskill.bench / roboskill.cli:\n" + "\n".join(offences)


def test_the_checker_sees_every_kind_of_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import roboskill.bench.results\nfrom roboskill import cli\nfrom ..bench import runner\n"
                     "from .train import train_plan\n"
                     "def f():\n    from roboskill.bench.report import render_markdown\n"
                     "import importlib\nimportlib.import_module('roboskill.bench.learn_bench')\n", encoding="utf-8")
    found = imported_modules(probe, "roboskill.tools.probe")
    assert {n for _, n in found if _forbidden(n)} == {
        "roboskill.bench.results", "roboskill.cli", "roboskill.bench", "roboskill.bench.runner", "roboskill.bench.report",
        "roboskill.bench.report.render_markdown", "roboskill.bench.learn_bench"}
    assert (4, "roboskill.tools.train") in found  # relative imports resolve against the module's package
