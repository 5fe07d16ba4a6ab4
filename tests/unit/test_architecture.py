"""The code's shape: one-way dependencies (import-linter) and declared = imported packages."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.support.paths import REPO

PACKAGES = ("rag", "ingest", "ui")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Declared, needed at run time, never imported by name.
RUNTIME_ONLY = {
    "cryptography": "pypdf's AES decryption of encrypted PDFs",
    "accelerate": "transformers' device_map for the GPU backend",
    "python-multipart": "FastAPI's parser of the uploads' multipart forms (rag/server)",
}


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True,
                          text=True, timeout=300, env={"PYTHONPATH": str(root), "PATH": ""})


def test_import_contracts_hold() -> None:
    done = _lint_imports(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_a_back_import_breaks_the_contract(tmp_path: Path) -> None:
    for pkg in PACKAGES:
        shutil.copytree(REPO / pkg, tmp_path / pkg,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    dense = tmp_path / "rag" / "retrieval" / "dense.py"
    dense.write_text(dense.read_text() + "\nfrom ingest.pipeline import expand_paths  # noqa\n")
    done = _lint_imports(tmp_path)
    assert done.returncode != 0
    assert "rag.retrieval is not allowed to import ingest" in done.stdout


def _imported_top_level() -> set[str]:
    mods: set[str] = set()
    for pkg in PACKAGES:
        for path in (REPO / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.Import):
                    mods |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    mods.add(node.module.split(".")[0])
    return mods - set(sys.stdlib_module_names) - set(PACKAGES) - {"__future__"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_declared_dependencies_equal_imported_ones() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    optional = project["optional-dependencies"]
    declared = {_name(r) for r in project["dependencies"]}
    extras = {_name(r) for name in ("gpu", "eval") for r in optional[name]}
    dists = md.packages_distributions()
    imported: dict[str, str] = {}
    for mod in _imported_top_level():
        names = dists.get(mod)
        # Optional extras need not be installed here; their module names are their dist names.
        imported[mod] = _name(names[0]) if names else mod.lower().replace("_", "-")
    undeclared = {m for m, d in imported.items() if d not in declared | extras}
    assert not undeclared, f"imported but not declared: {sorted(undeclared)}"
    unused = (declared | extras) - set(imported.values()) - set(RUNTIME_ONLY)
    assert not unused, f"declared but never imported: {sorted(unused)}"
