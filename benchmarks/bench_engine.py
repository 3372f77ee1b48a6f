"""Speed benchmark for the issue targets, measured in one run on this machine.

    python benchmarks/bench_engine.py            # prints the table
    python benchmarks/bench_engine.py --json benchmarks/baseline.json   # also records it

Targets (2-core machine): one sqnxt23_v1 evaluation < 2 ms after the network is built;
a 10,000-configuration sweep < 5 s on one core (a fresh process: no schedule remembered;
its `best` configurations now also evaluate rs, so the same grid with best over the GEMM
presets is timed too, like for like with earlier releases);
`sqnxt-sim run` start to finish < 1.5 s.
A chunk of the sweep mixing os, ws, is and best is timed against the same chunk with every
configuration on os: each dataflow runs only on the configurations that may choose it, so the
mixed chunk costs about its share of each (not every dataflow for every configuration).
Timings are medians of repeats; the speed-up is a ratio of two timings taken back to back,
which is what stays meaningful on a shared, noisy machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqnxt_sim import load_network, resolve_hardware, simulate
from sqnxt_sim.engine.hardware_arrays import hardware_arrays
from sqnxt_sim.engine.simulate import evaluate, prepare
from sqnxt_sim.sweep import CHUNK_CONFIGS, configurations, execute, grid_from_dict, validate_grid

ROOT = Path(__file__).resolve().parent.parent
GRID_10K = {  # 10 x 10 x 4 x 5 x 5 = 10,000 configurations
    "pe_array.rows": [4, 8, 12, 16, 20, 24, 28, 32, 48, 64],
    "pe_array.cols": [4, 8, 12, 16, 20, 24, 28, 32, 48, 64],
    "dataflow": ["os", "ws", "is", "best"],
    "cores": [1, 2, 4, 8, 16],
    "memory.dram_bandwidth_bytes_per_cycle": [16, 32, 64, 128, None],
}


def median_seconds(action, repeats: int) -> float:
    action()  # warm-up
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the measurements to this file")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a 1,000-config sweep")
    args = parser.parse_args()
    repeats = 5 if args.quick else 30

    results: dict[str, float] = {}
    start = time.perf_counter()
    network = load_network("sqnxt23_v1")
    results["build_network_ms"] = (time.perf_counter() - start) * 1e3
    hw = resolve_hardware("32pe_os")
    workload = prepare(network)
    arrays = hardware_arrays([hw])
    # Cold: no schedule remembered (the first evaluation of a network in a process); warm: the
    # layer shapes were scheduled before (a sweep, a comparison, a search).
    from sqnxt_sim.engine.schedule import clear_cache

    def cold():
        clear_cache()
        evaluate(workload, arrays)

    results["evaluate_one_config_cold_ms"] = median_seconds(cold, repeats) * 1e3
    results["evaluate_one_config_ms"] = median_seconds(lambda: evaluate(workload, arrays), repeats) * 1e3
    results["simulate_with_report_rows_ms"] = median_seconds(lambda: simulate(workload, hw), repeats) * 1e3
    # Row-stationary (its mapping search included) on the same array, and on the Eyeriss chip.
    rs_arrays = hardware_arrays([hw.model_copy(update={"dataflow": "rs"})])
    results["evaluate_one_config_rs_ms"] = median_seconds(lambda: evaluate(workload, rs_arrays), repeats) * 1e3
    eyeriss = hardware_arrays([resolve_hardware("eyeriss")])
    results["evaluate_eyeriss_ms"] = median_seconds(lambda: evaluate(workload, eyeriss), repeats) * 1e3

    from tests.oracle.reference import reference_simulate

    per_layer = median_seconds(lambda: reference_simulate(network, hw), max(3, repeats // 3))
    results["per_layer_reference_ms"] = per_layer * 1e3
    results["speedup_one_config"] = per_layer * 1e3 / results["evaluate_one_config_ms"]

    # One sweep chunk of the 4-dataflow grid, and the same arrays all on os, back to back (warm).
    chunk = configurations(hw, grid_from_dict(GRID_10K), 0, CHUNK_CONFIGS)
    mixed = hardware_arrays(chunk)
    os_only = hardware_arrays([config.model_copy(update={"dataflow": "os", "best_of": None}) for config in chunk])
    results["sweep_chunk_4_dataflows_ms"] = median_seconds(lambda: evaluate(workload, mixed), max(3, repeats // 3)) * 1e3
    results["sweep_chunk_os_only_ms"] = median_seconds(lambda: evaluate(workload, os_only), max(3, repeats // 3)) * 1e3
    results["sweep_chunk_4_dataflows_over_os_only"] = results["sweep_chunk_4_dataflows_ms"] / results["sweep_chunk_os_only_ms"]

    grid_data = dict(GRID_10K)
    if args.quick:
        grid_data["pe_array.rows"] = grid_data["pe_array.rows"][:1]
    grid = grid_from_dict(grid_data)
    start = time.perf_counter()
    validate_grid(hw, grid)
    rows = sum(len(chunk.totals) for chunk in execute([workload], hw, grid))
    elapsed = time.perf_counter() - start
    results["sweep_configurations"] = rows
    results["sweep_seconds"] = elapsed
    results["sweep_configurations_per_second"] = rows / elapsed
    # Against the per-layer path doing the same sweep one configuration at a time:
    results["speedup_sweep_per_config"] = per_layer / (elapsed / rows)
    # Like for like with releases before rs: best chooses among the GEMM presets only.
    presets_only = hw.model_copy(update={"best_of": ("os", "ws", "is")})
    start = time.perf_counter()
    sum(len(chunk.totals) for chunk in execute([workload], presets_only, grid))
    results["sweep_best_of_presets_seconds"] = time.perf_counter() - start

    command = [sys.executable, "-m", "sqnxt_sim.cli", "run", "--net", "sqnxt23_v1", "--hw", str(ROOT / "hwconfigs/32pe_os.yaml")]
    results["cli_run_seconds"] = median_seconds(lambda: subprocess.run(command, check=True, capture_output=True), 3 if args.quick else 5)

    width = max(map(len, results))
    for key, value in results.items():
        print(f"{key.ljust(width)}  {value:,.3f}" if isinstance(value, float) else f"{key.ljust(width)}  {value:,}")
    if args.json:
        record = {"machine": f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}", **results}
        args.json.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
