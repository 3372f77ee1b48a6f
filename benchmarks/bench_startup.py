"""Start-up of the command line against the bare import of its dependencies, in one run.

    python benchmarks/bench_startup.py                       # the installed package
    python benchmarks/bench_startup.py --tree before=/tmp/old --tree after=.   # source trees side by side
    python benchmarks/bench_startup.py --bytecode            # as installed from a wheel: modules compiled once

Each round runs every command once, interleaved (so load on a shared machine falls on all of
them alike); the table gives each command's median over the rounds and its ratio to the
median of `python -c 'import numpy, networkx, pydantic, click'`, which is what stays
meaningful from one machine or session to the next. Commands:

* `sqnxt-sim run`: the console script as installed (its entry point), whole process;
* `python -m sqnxt_sim run`: the entry that keeps the garbage collector out of the imports.

A tree is put first on PYTHONPATH (its package shadows the installed one); every command runs
from an empty directory so that no other checkout on the current directory shadows it.
Without ``--bytecode`` the environment decides whether compiled modules are cached
(PYTHONDONTWRITEBYTECODE=1 means every run compiles the package's sources again).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMPORTS = [sys.executable, "-c", "import numpy, networkx, pydantic, click"]
RUN_ARGS = ["run", "--net", "sqnxt23_v1", "--hw", "32pe_os"]


def console_script() -> str:
    """The sqnxt-sim script installed beside this interpreter (else the one on PATH)."""
    beside = Path(sys.executable).with_name("sqnxt-sim")
    found = str(beside) if beside.exists() else shutil.which("sqnxt-sim")
    if found is None:
        raise SystemExit("bench_startup: no sqnxt-sim console script (pip install -e .)")
    return found


def tree_option(text: str) -> tuple[str, Path]:
    label, sep, path = text.partition("=")
    if not sep or not label:
        raise argparse.ArgumentTypeError(f"expected LABEL=PATH, got {text!r}")
    return label, Path(path).resolve()


def environment(tree: Path | None, pycache: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(tree), *filter(None, [env.get("PYTHONPATH")])])
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache / (tree.name if tree else "installed"))
    return env


def seconds(command: list[str], env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds (default 15)")
    parser.add_argument("--tree", action="append", type=tree_option, default=[], metavar="LABEL=PATH",
                        help="a source tree to measure (repeat to compare trees in the same rounds)")
    parser.add_argument("--bytecode", action="store_true",
                        help="cache compiled modules (in a temporary directory), as an installed wheel has them")
    args = parser.parse_args()

    script = console_script()
    trees: list[tuple[str, Path | None]] = args.tree or [("installed", None)]
    with tempfile.TemporaryDirectory() as scratch:
        pycache = Path(scratch) / "pycache" if args.bytecode else None
        cwd = str(Path(scratch) / "cwd")
        os.mkdir(cwd)
        commands: dict[str, tuple[list[str], dict[str, str]]] = {"imports": (IMPORTS, environment(None, pycache))}
        for label, tree in trees:
            env = environment(tree, pycache)
            commands[f"{label}: sqnxt-sim run"] = ([script, *RUN_ARGS], env)
            commands[f"{label}: python -m sqnxt_sim run"] = ([sys.executable, "-m", "sqnxt_sim", *RUN_ARGS], env)
        for command, env in commands.values():  # warm-up (and, with --bytecode, compile once)
            seconds(command, env, cwd)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (command, env) in commands.items():
                samples[name].append(seconds(command, env, cwd))

    medians = {name: statistics.median(values) for name, values in samples.items()}
    bytecode = "cached (--bytecode)" if args.bytecode else (
        "compiled every run (PYTHONDONTWRITEBYTECODE)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "as the environment caches it")
    print(f"{args.runs} interleaved rounds; bytecode: {bytecode}")
    width = max(map(len, medians))
    for name, median in medians.items():
        ratio = median / medians["imports"]
        print(f"{name.ljust(width)}  median {median * 1e3:7.1f} ms  min {min(samples[name]) * 1e3:7.1f} ms  x{ratio:.2f} imports")


if __name__ == "__main__":
    main()
