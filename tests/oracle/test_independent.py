"""The oracle is a second implementation only while it shares no code with the engine."""

import ast
from pathlib import Path

ORACLE = Path(__file__).parent


def test_oracle_imports_nothing_from_the_engine():
    for source in ORACLE.glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                assert not module.startswith("sqnxt_sim.engine") and "engine" not in module.split("."), (
                    f"{source.name} imports {module}")
