"""Peak memory of sweeps: it must not grow with the grid (issue 15).

    python benchmarks/bench_memory.py                 # prints the table
    python benchmarks/bench_memory.py --json FILE     # also records it

Each sweep runs as its own `sqnxt-sim sweep` process; its resident memory, summed over the
process and its worker processes, is sampled from /proc every 50 ms (Linux). Measured: 10k,
100k and 1M configurations of sqnxt23_v1 with 1 and 2 workers, and a 10,000-layer network on
a 100-configuration grid, and the joint search of searches/sqnxt23_blocks.yaml's 4,560
candidates on 224 configurations (1,021,440 evaluations, 2 workers; ``--search``: only it).
``--quick`` leaves out the 1M sweeps and the search.
``--trace`` instead samples the resident memory of one in-process sweep of 400,000
configurations every 51,200: a flat line shows that nothing accumulates per configuration
(the peaks of the table above are the highest of the chunks' passing temporaries).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

GRID_10K = {"pe_array.rows": [4, 8, 12, 16, 20, 24, 28, 32, 48, 64], "pe_array.cols": [4, 8, 12, 16, 20, 24, 28, 32, 48, 64],
            "dataflow": ["os", "ws", "is", "best"], "cores": [1, 2, 4, 8, 16],
            "memory.dram_bandwidth_bytes_per_cycle": [16, 32, 64, 128, None]}
GRID_100K = {**GRID_10K, "clock_mhz": [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]}
GRID_1M = {**GRID_100K, "memory.global_buffer_kib": [32, 48, 64, 96, 128, 160, 192, 256, 384, 512]}
# The joint search: the 4,560 candidates of searches/sqnxt23_blocks.yaml x 224 configurations
# (array shape, os or ws, seven clocks) = 1,021,440 evaluations.
GRID_JOINT = {"pe_array.rows": [8, 16, 32, 64], "pe_array.cols": [8, 16, 32, 64], "dataflow": ["os", "ws"],
              "clock_mhz": [200, 400, 600, 800, 1000, 1200, 1400]}
GRID_100 = {"pe_array.rows": [4, 8, 16, 32, 64], "pe_array.cols": [4, 8, 16, 32, 64], "cores": [1, 2, 4, 8]}


def tree_rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, in KiB."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


def peak_of(command: list[str]) -> tuple[float, float]:
    """(peak MiB, seconds) of a command and its children."""
    start = time.perf_counter()
    job = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while job.poll() is None:
        peak = max(peak, tree_rss_kib(job.pid))
        time.sleep(0.05)
    if job.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{job.stderr.read().decode()}")
    return peak / 1024, time.perf_counter() - start


def chain_network(path: Path, layers: int) -> None:
    """A chain of 1x1 convolutions on a 16 x 8 x 8 input."""
    path.write_text(yaml.safe_dump({"name": f"chain{layers}", "input": {"channels": 16, "height": 8, "width": 8},
                                    "layers": [{"name": f"c{i}", "op": "conv", "out_channels": 16, "kernel": 1}
                                               for i in range(layers)]}))


def trace() -> dict[int, float]:
    """Resident MiB of this process along a 400,000-configuration sweep, every 100 chunks."""
    from sqnxt_sim import load_network, resolve_hardware
    from sqnxt_sim.engine.simulate import prepare
    from sqnxt_sim.report.sweep_output import write_sweep
    from sqnxt_sim.sweep import execute, grid_from_dict, validate_grid

    grid_data = {**GRID_100K, "memory.global_buffer_kib": [32, 64, 128, 256]}
    base = resolve_hardware("32pe_os")
    grid = grid_from_dict(grid_data, "trace")
    validate_grid(base, grid)
    samples: dict[int, float] = {}

    def watched(chunks):
        for index, chunk in enumerate(chunks):
            if index % 100 == 0:
                samples[chunk.start] = round(tree_rss_kib(os.getpid()) / 1024, 1)
                print(f"{chunk.start:>9,} configurations  {samples[chunk.start]:7.1f} MiB", flush=True)
            yield chunk

    write_sweep(None, watched(execute([prepare(load_network("sqnxt23_v1"))], base, grid, chunk=512)), grid.size, "u", "t",
                False)
    samples[grid.size] = round(tree_rss_kib(os.getpid()) / 1024, 1)
    print(f"{grid.size:>9,} configurations  {samples[grid.size]:7.1f} MiB (end)")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--quick", action="store_true", help="leave out the 1M-configuration sweeps")
    parser.add_argument("--trace", action="store_true", help="resident memory along one in-process sweep")
    parser.add_argument("--search", action="store_true", help="only the joint search of a million evaluations")
    args = parser.parse_args()
    if args.trace:
        samples = trace()
        if args.json:
            args.json.write_text(json.dumps({"rss_mib_by_configurations_done": samples}, indent=2) + "\n")
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        chain_network(tmp / "chain.yaml", 10_000)
        grids = [("10k", GRID_10K), ("100k", GRID_100K)] + ([] if args.quick else [("1M", GRID_1M)])
        cases = [("sqnxt23_v1", label, grid, workers) for workers in (1, 2) for label, grid in grids]
        cases.append((str(tmp / "chain.yaml"), "100", GRID_100, 1))
        if not args.quick or args.search:
            cases.append(("search", "joint", GRID_JOINT, 2))
        if args.search:
            cases = cases[-1:]
        for net, label, grid, workers in cases:
            grid_path = tmp / f"grid_{label}.yaml"
            grid_path.write_text(yaml.safe_dump(grid))  # sorted keys: clock_mhz first, its siblings furthest apart
            out = tmp / f"out_{label}_{workers}"
            command = [sys.executable, "-m", "sqnxt_sim.cli", "sweep", "--net", net, "--hw", "32pe_os",
                       "--grid", str(grid_path), "--out", str(out), "--workers", str(workers)]
            if net == "search":
                command = [sys.executable, "-m", "sqnxt_sim.cli", "search", "--space", "sqnxt23_blocks", "--hw",
                           "32pe_os", "--grid", str(grid_path), "--out", str(out), "--workers", str(workers)]
            peak, seconds = peak_of(command)
            name = {"search": "joint_search_1M"}.get(net, "chain10000" if net.endswith("chain.yaml") else net)
            name = f"{name}_{label}_workers{workers}" if net != "search" else f"{name}_workers{workers}"
            results[name] = {"peak_rss_mib": round(peak, 1), "seconds": round(seconds, 1)}
            print(f"{name:34s} peak {peak:8.1f} MiB   {seconds:7.1f} s", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
