"""Re-run SCALE-Sim on the cross-check cases and compare with sqnxt-sim, with wall times.

Not part of the unit tests. The cases, the recorded SCALE-Sim numbers and the layer -> SCALE-Sim
topology conversion live in tests/engine/test_scalesim_agreement.py (one source of truth);
docs/validation.md explains the method.

SCALE-Sim must never be installed into the project's environment. Put it in a throwaway venv
and point this script at that interpreter (the SCALE-Sim side then runs in a subprocess that
imports only the standard library and scalesim):

    python3 -m venv /tmp/scalesim-venv
    /tmp/scalesim-venv/bin/pip install scalesim "numpy<2.4"   # 3.0.0 crashes on numpy >= 2.4
    /work/venv/bin/python benchmarks/scalesim_crosscheck.py --scalesim-python /tmp/scalesim-venv/bin/python

If ``import scalesim`` works in the running interpreter, it is used in-process instead.
Without either, the script prints our column next to the recorded SCALE-Sim numbers only.

Options: --only SUBSTRING (cases whose name contains it), --repeat N (timing repeats for
sqnxt-sim, median reported; default 20), --prepadded (give SCALE-Sim the pre-padded input
size H + 2*pad instead of the covered extent, to show the output-size convention difference).

Whole-network mode: --network sqnxt23_v1 --hardware 32pe_os runs every MAC layer of a shipped
network through SCALE-Sim (one run per layer) and compares per-layer compute cycles; SCALE-Sim's
time is the sum of its layer runs, ours one simulate() of the whole network (pooling and adds
included, which SCALE-Sim does not model). This takes SCALE-Sim about a minute per network.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SCALESIM_CONFIG = """\
[general]
run_name = {run_name}

[run_presets]
InterfaceBandwidth = CALC
UseRamulatorTrace = False

[architecture_presets]
ArrayHeight = {rows}
ArrayWidth = {cols}
ifmapsramszkB = 4096
filtersramszkB = 4096
ofmapsramszkB = 4096
IfmapOffset = 0
FilterOffset = 10000000
OfmapOffset = 20000000
Dataflow = {dataflow}
ReadRequestBuffer = 32
WriteRequestBuffer = 32

[layout]
IfmapCustomLayout = False
IfmapSRAMBankBandwidth = 10
IfmapSRAMBankNum = 10
IfmapSRAMBankPort = 2
FilterCustomLayout = False
FilterSRAMBankBandwidth = 10
FilterSRAMBankNum = 10
FilterSRAMBankPort = 2

[sparsity]
SparsitySupport = false
"""


# --- SCALE-Sim side: standard library + scalesim only (also runs as the --worker subprocess) ---

def run_scalesim_jobs(jobs: list[dict]) -> list[dict]:
    """Run each job {"id", "rows", "cols", "dataflow", "topology": [rows]} through SCALE-Sim.

    Returns per job: cycles ("Total Cycles" summed over its SCALE-Sim layers), stalls, layers,
    seconds (wall time of the SCALE-Sim run: reading config and topology, simulating, writing
    the reports; traces off), version.
    """
    import warnings
    from importlib.metadata import version

    warnings.simplefilter("ignore")  # numpy deprecation noise from scalesim's int(array) calls
    from scalesim.scale_sim import scalesim

    results = []
    with tempfile.TemporaryDirectory(prefix="scalesim_xcheck_") as tmp:
        for number, job in enumerate(jobs):
            run_name = f"run{number}"
            folder = Path(tmp) / run_name
            folder.mkdir()
            config = folder / "scale.cfg"
            config.write_text(SCALESIM_CONFIG.format(run_name=run_name, rows=job["rows"], cols=job["cols"],
                                                     dataflow=job["dataflow"]))
            topology = folder / "topology.csv"
            lines = ["Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
                     "Channels, Num Filter, Strides,"]
            lines += [", ".join(str(x) for x in row) + "," for row in job["topology"]]
            topology.write_text("\n".join(lines) + "\n")
            layout = folder / "layout.csv"  # required by the API; unused without custom layouts
            layout.write_text("Layer name,\n")
            start = time.perf_counter()
            sim = scalesim(save_disk_space=True, verbose=False, config=str(config),
                           topology=str(topology), layout=str(layout))
            sim.run_scale(top_path=str(folder / "out"))
            seconds = time.perf_counter() - start
            with open(folder / "out" / run_name / "COMPUTE_REPORT.csv", newline="") as handle:
                rows = [{k.strip(): v.strip() for k, v in row.items() if k and k.strip()}
                        for row in csv.DictReader(handle)]
            results.append({
                "id": job["id"],
                "cycles": sum(int(r["Total Cycles"]) for r in rows),
                "stalls": sum(int(r["Stall Cycles"]) for r in rows),
                "layers": len(rows),
                "seconds": seconds,
                "version": version("scalesim"),
            })
    return results


def worker() -> None:
    from json_worker import serve  # beside this script

    serve(run_scalesim_jobs)


# --- sqnxt-sim side ---

def load_cases_module():
    sys.path.insert(0, str(REPO))
    return importlib.import_module("tests.engine.test_scalesim_agreement")


def ours(module, case, dataflow: str, repeat: int) -> tuple[int, float]:
    """Compute cycles and median wall time of building the layer and hardware and simulating."""
    from sqnxt_sim import simulate

    times, cycles = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        row = simulate(module.network_of(case), module.hardware_of(case, dataflow)).rows()[0]
        times.append(time.perf_counter() - start)
        cycles = int(row["compute_cycles"])
    times.sort()
    return cycles, times[len(times) // 2]


def scalesim_available_here() -> bool:
    return importlib.util.find_spec("scalesim") is not None


def run_scalesim(jobs: list[dict], python: str | None) -> list[dict] | None:
    if scalesim_available_here():
        return run_scalesim_jobs(jobs)
    if python:
        done = subprocess.run([python, os.path.abspath(__file__), "--worker"], input=json.dumps(jobs),
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"SCALE-Sim worker failed:\n{done.stderr[-4000:]}")
        return json.loads(done.stdout)
    return None


def network_mode(args, module) -> int:
    """Every MAC layer of a shipped network: SCALE-Sim per layer vs one sqnxt-sim run."""
    from sqnxt_sim import load_network, resolve_hardware, simulate

    network, hardware = load_network(args.network), resolve_hardware(args.hardware)
    dataflow = hardware.dataflow
    if hardware.cores != 1 or dataflow not in module.DATAFLOWS:
        sys.exit("network mode needs a single-core os/ws/is hardware config")
    rows, cols = hardware.pe_array.rows, hardware.pe_array.cols
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        results = simulate(load_network(args.network), resolve_hardware(args.hardware))
        times.append(time.perf_counter() - start)
    our_seconds = sorted(times)[len(times) // 2]
    ours_by_name = {row["name"]: int(row["compute_cycles"]) for row in results.rows()}
    jobs, layers = [], []
    for layer in network.layers:
        if not layer.has_macs:
            continue
        layers.append(layer)
        jobs.append({"id": layer.name, "rows": rows, "cols": cols, "dataflow": dataflow,
                     "topology": module.scalesim_rows(layer, layer.name)})
    fresh = run_scalesim(jobs, args.scalesim_python)
    if not fresh:
        sys.exit("network mode needs SCALE-Sim (importable here or --scalesim-python)")
    print(f"{args.network} on {args.hardware} ({rows}x{cols} {dataflow}), SCALE-Sim {fresh[0]['version']}")
    print(f"{'layer':<16} {'scalesim':>9} {'ours':>8} {'ours-ss':>7} {'ok':>3} {'scalesim_s':>10}")
    mismatches = 0
    for layer, run in zip(layers, fresh):
        our_cycles = ours_by_name[layer.name]
        ok = our_cycles == run["cycles"] + run["layers"] and run["stalls"] == 0
        mismatches += not ok
        print(f"{layer.name:<16} {run['cycles']:>9} {our_cycles:>8} {our_cycles - run['cycles']:>7} "
              f"{'yes' if ok else 'NO':>3} {run['seconds']:>10.3f}")
    scalesim_seconds = sum(run["seconds"] for run in fresh)
    print(f"{len(layers)} MAC layers; compute cycles: SCALE-Sim {sum(r['cycles'] for r in fresh)}, "
          f"ours {sum(ours_by_name[layer.name] for layer in layers)}")
    print(f"wall time: SCALE-Sim {scalesim_seconds:.1f} s (sum of per-layer runs), sqnxt-sim "
          f"{our_seconds * 1e3:.1f} ms (whole network incl. loading, median of {args.repeat}); "
          f"ratio {scalesim_seconds / our_seconds:.0f}x")
    print(f"{mismatches} mismatch(es)")
    return mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scalesim-python", help="interpreter of a venv where scalesim is installed")
    parser.add_argument("--only", default="", help="run only cases whose name contains this")
    parser.add_argument("--repeat", type=int, default=20, help="timing repeats for sqnxt-sim (median)")
    parser.add_argument("--prepadded", action="store_true",
                        help="feed SCALE-Sim H + 2*pad (not the covered extent) to show the convention gap")
    parser.add_argument("--network", help="whole-network mode: a shipped network name")
    parser.add_argument("--hardware", default="32pe_os", help="hardware config for --network")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return

    module = load_cases_module()
    if args.network:
        sys.exit(1 if network_mode(args, module) else 0)
    cases = [case for case in module.CASES if args.only in case.name]
    jobs = []
    for case in cases:
        topology = module.scalesim_topology(case)
        if args.prepadded:
            for row in topology:
                row[1] = case.height + 2 * case.padding[0]
                row[2] = case.width + 2 * case.padding[1]
        for dataflow in module.DATAFLOWS:
            jobs.append({"id": f"{case.name}/{dataflow}", "rows": case.array[0], "cols": case.array[1],
                         "dataflow": dataflow, "topology": topology})
    fresh = run_scalesim(jobs, args.scalesim_python)
    fresh_by_id = {r["id"]: r for r in fresh} if fresh else {}
    if fresh:
        print(f"SCALE-Sim {fresh[0]['version']} re-run (CALC mode, 4096 kB SRAMs)"
              f"{', pre-padded input sizes' if args.prepadded else ''}")
    else:
        print("SCALE-Sim not importable and no --scalesim-python: showing the recorded numbers only")

    header = (f"{'case':<22} {'df':<3} {'array':>6} {'recorded':>9} {'scalesim':>9} {'ours':>8} "
              f"{'ours-ss':>7} {'ok':>3} {'scalesim_s':>10} {'ours_ms':>8} {'speedup':>8}")
    print(header)
    print("-" * len(header))
    mismatches, total_ss, total_ours = 0, 0.0, 0.0
    for case in cases:
        for dataflow in module.DATAFLOWS:
            job_id = f"{case.name}/{dataflow}"
            our_cycles, our_seconds = ours(module, case, dataflow, args.repeat)
            recorded = case.scalesim(dataflow)
            run = fresh_by_id.get(job_id)
            reference = run["cycles"] if run else recorded
            ok = our_cycles == reference + case.scalesim_layers and (run is None or run["stalls"] == 0)
            mismatches += not ok
            array = f"{case.array[0]}x{case.array[1]}"
            line = (f"{case.name:<22} {dataflow:<3} {array:>6} {recorded:>9} "
                    f"{run['cycles'] if run else '-':>9} {our_cycles:>8} {our_cycles - reference:>7} "
                    f"{'yes' if ok else 'NO':>3}")
            if run:
                total_ss += run["seconds"]
                total_ours += our_seconds
                line += f" {run['seconds']:>10.3f} {our_seconds * 1e3:>8.2f} {run['seconds'] / our_seconds:>7.0f}x"
                if run["stalls"]:
                    line += f"  ({run['stalls']} stall cycles!)"
            else:
                line += f" {'-':>10} {our_seconds * 1e3:>8.2f}"
            print(line)
    print("-" * len(header))
    print("ours-ss is expected to be the number of SCALE-Sim layers: 1, or G for a depthwise layer")
    if fresh:
        print(f"total wall time: SCALE-Sim {total_ss:.2f} s, sqnxt-sim {total_ours * 1e3:.1f} ms "
              f"(median of {args.repeat}); ratio {total_ss / total_ours:.0f}x")
    print(f"{mismatches} mismatch(es)")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
