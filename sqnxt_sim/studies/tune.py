"""Budget-constrained tuning: the best accelerator of a grid for each network, within an area
(and optionally PE and buffer) budget, against a fixed design.

The grid is walked like a sweep (sweep.execute: chunked, bounded memory, workers or Dask);
configurations over the budget are never evaluated. Per network the best ``keep`` rows by
the objective are kept (ties: the lower config index), so memory does not grow with the grid.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any, Sequence

from ..engine.results import plain
from ..engine.simulate import Workload, simulate
from ..errors import InputError
from ..hardware.area import area_of
from ..hardware.config import Hardware, hardware_from_dict
from ..sweep import Grid, Limits, apply_overrides, execute, grid_from_dict

# The default grid: array shapes from 4 x 4 to 64 x 64, up to 4 cores, every dataflow and the
# per-layer best, buffers from 32 KiB to 512 KiB: 1,500 configurations.
DEFAULT_GRID = {
    "pe_array.rows": [4, 8, 16, 32, 64],
    "pe_array.cols": [4, 8, 16, 32, 64],
    "cores": [1, 2, 4],
    "dataflow": ["os", "ws", "is", "best"],
    "memory.global_buffer_kib": [32, 64, 128, 256, 512],
}
OBJECTIVES = {
    "time": "time_ms",
    "energy": "energy",
    "edp": "energy-delay product (time_ms x energy)",
}
KEEP = 10  # rows kept per network, best first


def objective_value(row: dict[str, Any], objective: str) -> float:
    if objective == "edp":
        return row["time_ms"] * row["energy"]
    return row[OBJECTIVES[objective]]


@dataclass(frozen=True)
class Tuned:
    """What tuning found for one network: its best rows (best first) and the fixed design's
    numbers on the same network, for comparison."""

    network: str
    objective: str
    best: list[dict[str, Any]]  # sweep rows (config index, grid values, totals), best first
    fixed: dict[str, Any]  # the base design's totals: time_ms, energy, area_mm2, utilization, ...

    @property
    def gain(self) -> float:
        """The fixed design's objective over the best tuned one's (> 1: tuning helps)."""
        return objective_value(self.fixed, self.objective) / objective_value(self.best[0], self.objective)


@dataclass(frozen=True)
class TuneResult:
    tuned: dict[str, Tuned]  # by network name, in the order given
    limits: Limits
    configurations: int  # of the grid
    evaluated: int  # within the budget
    grid: Grid


def fixed_totals(workload: Workload, hardware: Hardware) -> dict[str, Any]:
    totals = dict(simulate(workload, hardware).totals)
    totals.update(area_of(hardware).columns())
    return totals


def tune(workloads: Sequence[Workload], base: Hardware, limits: Limits, grid: Grid | None = None,
         objective: str = "time", workers: int = 1, scheduler: str | None = None, keep: int = KEEP) -> TuneResult:
    """The best ``keep`` configurations of ``grid`` (default :data:`DEFAULT_GRID`) applied to
    ``base``, per network, by ``objective`` (time, energy or edp), among those within ``limits``.
    Raises InputError when no configuration is within the budget.

    Example::

        from sqnxt_sim import load_network, prepare, resolve_hardware
        from sqnxt_sim.studies.tune import tune
        from sqnxt_sim.sweep import Limits
        result = tune([prepare(load_network("sqnxt23_v5"))], resolve_hardware("32pe_os"), Limits(max_area_mm2=4))
        result.tuned["sqnxt23_v5"].best[0]      # config, grid values, time_ms, energy, area_mm2, ...
    """
    if objective not in OBJECTIVES:
        raise InputError("--objective", None, f"unknown objective {objective!r}; choose {', '.join(OBJECTIVES)}")
    grid = grid or grid_from_dict(DEFAULT_GRID, "the default tuning grid")
    heaps: dict[str, list] = {w.network.name: [] for w in workloads}
    evaluated = 0
    for chunk in execute(workloads, base, grid, workers=workers, scheduler=scheduler, limits=limits):
        evaluated += chunk.stop - chunk.start - chunk.cut
        for row in chunk.totals:
            # A max-heap of the best `keep` by (objective, config): the root is the worst kept.
            entry = (-objective_value(row, objective), -row["config"], row)
            heap = heaps[row["network"]]
            if len(heap) < keep:
                heapq.heappush(heap, entry)
            elif entry[:2] > heap[0][:2]:
                heapq.heapreplace(heap, entry)
    if not evaluated:
        raise InputError("--budget", None, f"no configuration of the grid is within {limits.text()}")
    tuned = {}
    for workload in workloads:
        name = workload.network.name
        best = [entry[2] for entry in sorted(heaps[name], key=lambda e: (-e[0], -e[1]))]
        tuned[name] = Tuned(name, objective, best, fixed_totals(workload, base))
    return TuneResult(tuned, limits, grid.size, evaluated, grid)


def hardware_of(base: Hardware, grid: Grid, row: dict[str, Any], name: str) -> Hardware:
    """The full hardware config of a tuned row (to save and run again)."""
    data = apply_overrides(base.model_dump(mode="json"), grid.combination(row["config"]))
    data["name"] = name
    data["description"] = f"Tuned from {base.name}: " + ", ".join(f"{k} = {v}" for k, v in grid.combination(row["config"]).items())
    return hardware_from_dict(data, name)


def equal_area_tuning(workloads: Sequence[Workload], fixed: Hardware, grid: Grid | None = None) -> dict[str, Any]:
    """What tuning buys each network over ``fixed`` at ``fixed``'s own area (the study's
    section 7), as plain numbers: per network the fixed design's time and utilization, the
    tuned design (its grid values, time, utilization, PEs, area), the speed-up, its bound
    1 / utilization of the fixed design when the tuned design has no more PEs, and how fast the
    network runs on the design tuned for each other network."""
    area = area_of(fixed).columns()["area_mm2"]
    result = tune(workloads, fixed, Limits(max_area_mm2=area), grid, "time", keep=1)
    designs = {name: hardware_of(fixed, result.grid, tuned.best[0], f"tuned for {name}")
               for name, tuned in result.tuned.items()}
    networks = {}
    for workload in workloads:
        name = workload.network.name
        tuned = result.tuned[name]
        best = tuned.best[0]
        design = designs[name]
        cross = {other: (tuned.fixed["time_ms"] / best["time_ms"] if other == name else
                         tuned.fixed["time_ms"] / simulate(workload, designs[other]).totals["time_ms"])
                 for other in designs}
        networks[name] = {
            "fixed": {**{key: tuned.fixed[key] for key in ("time_ms", "utilization", "energy", "area_mm2")},
                      "stall_share": plain(tuned.fixed["stall_cycles"] / max(tuned.fixed["cycles"], 1))},
            "tuned": {"config": best["config"], **{key: best[key] for key in result.grid.columns},
                      "time_ms": best["time_ms"], "utilization": best["utilization"], "energy": best["energy"],
                      "area_mm2": best["area_mm2"], "pes": design.pes},
            "speedup": plain(tuned.gain),
            "energy_ratio": plain(tuned.fixed["energy"] / best["energy"]),
            # At no more PEs, time is at best MACs / PEs: the fixed design's utilization bounds the gain.
            "speedup_bound": plain(1 / tuned.fixed["utilization"]) if design.pes <= fixed.pes else None,
            "speedup_on_design_for": {other: plain(value) for other, value in cross.items()},
        }
    return {"fixed_config": fixed.name, "area_mm2": area, "pes": fixed.pes, "configurations": result.configurations,
            "evaluated": result.evaluated, "grid": {k: list(v) for k, v in zip(result.grid.keys, result.grid.values)},
            "networks": networks}
