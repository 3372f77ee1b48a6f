"""The package's layers, read from the source: data flows one way (load -> validate ->
simulate -> report), so no module imports one that imports it back, and report/ only renders."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "sqnxt_sim"


def _op_reads_onnx(module: str, target: str) -> bool:
    """The op registry's one loop: an op module owns its ONNX reader (workload/ops/movement.py
    reads Gather, Transpose...) and imports the ONNX helpers lazily, in that reader; the ONNX
    handlers dispatch through the registry."""
    return module.startswith("sqnxt_sim.workload.ops.") and target.startswith("sqnxt_sim.workload.onnx.")

# What loads inputs or runs simulations: report/ renders results and never calls these.
RUNS = {"simulate", "evaluate", "prepare", "compare", "run_study", "execute", "tune", "load_network", "load_hardware",
        "resolve_hardware", "network_from_dict", "hardware_from_dict"}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) of every import in the file, function-level ones included."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            found.append((target, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
    return found


def _graph() -> nx.DiGraph:
    modules = {_module(path): path for path in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    for module, path in modules.items():
        for target, names in _imports(path):
            for candidate in [target] + [f"{target}.{name}" for name in names]:
                if candidate in modules and candidate != module and not _op_reads_onnx(module, candidate):
                    graph.add_edge(module, candidate)
    return graph


def test_no_module_imports_one_that_imports_it_back():
    assert not list(nx.simple_cycles(_graph()))


def test_report_only_renders():
    calls = []
    for path in (PACKAGE / "report").glob("*.py"):
        for target, names in _imports(path):
            calls += [f"{path.name}: {target}.{name}" for name in names if name in RUNS]
    assert not calls
