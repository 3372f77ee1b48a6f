"""Per-stage totals of one result: where a network spends its cycles and its energy.

A stage is the ``stage`` label of the layers (``stage1``, ``fire3``; a layer without one falls
back to its op). Stages are listed in order of first appearance; a label that appears in two
separate runs of layers is still one stage.
"""

from __future__ import annotations

from ..engine.energy import LEVELS
from ..engine.results import Results, plain


def stage_order(results: Results) -> list[str]:
    return list(dict.fromkeys(results.layers["stage"]))


def stage_rows(results: Results) -> list[dict]:
    """One row per stage: layers, MACs, weights, cycles (and stalls), utilization, energy by level.

    ``utilization`` = the stage's MACs / (its cycles x all PEs), the network definition
    restricted to the stage; the ``share_of_*`` columns are fractions of the network total.
    """
    layers = results.layers
    pes = results.hardware["total_pes"]
    clock_hz = results.hardware["clock_mhz"] * 1e6
    totals = results.totals
    rows = []
    members: dict[str, list[int]] = {}
    for i, stage in enumerate(layers["stage"]):  # one pass: a 10,000-stage network stays linear
        members.setdefault(stage, []).append(i)
    for stage, idx in members.items():

        def total(column: str) -> float:
            return sum(layers[column][i] for i in idx)

        macs, cycles, energy = int(total("macs")), int(total("cycles")), float(total("energy"))
        row = {
            "stage": stage,
            "layers": len(idx),
            "macs": macs,
            "weights": int(total("weights")),
            "cycles": cycles,
            "stall_cycles": int(total("stall_cycles")),
            "time_ms": cycles / clock_hz * 1e3,
            "utilization": macs / (cycles * pes) if cycles else 0.0,
            "share_of_macs": macs / totals["macs"] if totals["macs"] else 0.0,
            "share_of_cycles": cycles / totals["cycles"] if totals["cycles"] else 0.0,
            "energy": energy,
            "share_of_energy": energy / totals["energy"] if totals["energy"] else 0.0,
        }
        for level in LEVELS:
            row[f"energy_{level}"] = float(total(f"energy_{level}"))
        rows.append({key: plain(value) for key, value in row.items()})
    return rows
