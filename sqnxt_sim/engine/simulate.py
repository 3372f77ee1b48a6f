"""simulate(network, hardware) -> Results: the pipeline mapping -> timing -> traffic -> energy."""

from __future__ import annotations

import numpy as np

from ..hardware.config import Dataflow, Hardware
from ..workload.graph import Network
from .compute import ComputeCost, compute_cost
from .dataflow import PRESETS
from .energy import LEVELS, energy_by_level, unit_label, unit_suffix
from .layer_table import LayerTable, layer_table
from .liveness import activation_plan
from .results import LOSS_COLUMNS, Results, plain
from .traffic import DramTraffic, buffer_words, dram_traffic, stalled_cycles


def simulate(network: Network, hardware: Hardware) -> Results:
    table = layer_table(network)
    traffic = dram_traffic(table, activation_plan(network), buffer_words(hardware))
    presets = PRESETS if hardware.dataflow is Dataflow.BEST else (hardware.dataflow,)
    evaluations = [_evaluate(table, traffic, hardware, preset) for preset in presets]
    chosen = _pick_best(evaluations)
    columns = {key: _select(chosen, [e[key] for e in evaluations]) for key in evaluations[0]}
    columns["dataflow"] = [presets[i].value for i in chosen]
    return _package(network, hardware, table, columns)


def _evaluate(table: LayerTable, traffic: DramTraffic, hw: Hardware, preset: Dataflow) -> dict:
    rows, cols, cores = hw.pe_array.rows, hw.pe_array.cols, hw.cores
    cost: ComputeCost = compute_cost(table, preset, rows, cols, cores)
    read_bytes = _bytes(traffic.read_words, hw.word_bits)
    write_bytes = _bytes(traffic.write_words, hw.word_bits)
    cycles = stalled_cycles(cost.cycles, read_bytes, write_bytes, cost.transfer_steps,
                            hw.memory.dram_bandwidth_bytes_per_cycle)
    stall = cycles - cost.cycles
    chip_pes = hw.pes
    pe_cycles = cycles * chip_pes
    with np.errstate(divide="ignore", invalid="ignore"):
        def share(part):
            return np.where(pe_cycles > 0, part / np.maximum(pe_cycles, 1), 0.0)

        out = {
            "cycles": cycles,
            "compute_cycles": cost.cycles,
            "stall_cycles": stall,
            "utilization": share(cost.useful),
            "spatial_utilization": np.where(cost.streaming > 0, cost.useful / np.maximum(cost.streaming, 1), 0.0),
            "loss_small_dims": share(cost.small_dims),
            "loss_fold_remainder": share(cost.fold_remainder),
            "loss_fill_drain": share(cost.fill_drain),
            "loss_core_imbalance": share(cost.core_imbalance),
            "loss_memory_stall": share(stall * chip_pes),
            "loss_non_mac": np.where(pe_cycles > 0, share(cost.non_mac), np.where(table.has_macs, 0.0, 1.0)),
        }
    out["temporal_utilization"] = np.where(out["spatial_utilization"] > 0, out["utilization"] / np.maximum(out["spatial_utilization"], 1e-300), 0.0)
    out["folds"] = cost.folds
    out["cores_with_more"] = cost.cores_with_more
    out["macs_more"] = cost.macs_more
    out["macs_less"] = cost.macs_less
    out["core_split"] = np.where(cost.split_by_pixels, "pixels", "channels")
    out["busiest_core_utilization"] = np.where(cycles > 0, cost.busiest_core_macs / np.maximum(cycles * hw.pe_array.pes, 1), 0.0)
    # DRAM fills are written into the buffer, write-backs are read out of it.
    gb_read = {op: cost.counts["gb_read"][op] + traffic.write[op] for op in cost.counts["gb_read"]}
    gb_write = {op: cost.counts["gb_write"][op] + traffic.read[op] for op in cost.counts["gb_write"]}
    # Pooling and add read their inputs from the buffer and write their outputs to it.
    gb_read["ifmap"] = gb_read["ifmap"] + np.where(table.has_macs, 0, table.input_words * (table.elementwise_ops > 0))
    gb_write["psum"] = gb_write["psum"] + np.where(table.has_macs, 0, table.output_words * (table.elementwise_ops > 0))
    gb = {op: gb_read[op] + gb_write[op] for op in gb_read}
    dram = {op: traffic.read[op] + traffic.write[op] for op in traffic.read}
    for op in gb_read:
        out[f"gb_read_{op}_words"] = gb_read[op]
        out[f"gb_write_{op}_words"] = gb_write[op]
    for op in traffic.read:
        out[f"dram_read_{op}_bytes"] = _bytes(traffic.read[op], hw.word_bits)
        out[f"dram_write_{op}_bytes"] = _bytes(traffic.write[op], hw.word_bits)
    out["gb_read_words"] = sum(gb_read.values())
    out["gb_write_words"] = sum(gb_write.values())
    out["dram_read_bytes"] = read_bytes
    out["dram_write_bytes"] = write_bytes
    out["input_on_chip"] = traffic.input_resident
    out["output_on_chip"] = traffic.output_resident
    out["dram_input_passes"] = traffic.input_passes
    out["dram_weight_passes"] = traffic.weight_passes
    # Memory-bound: moving the layer's DRAM data takes longer than computing it.
    bandwidth = hw.memory.dram_bandwidth_bytes_per_cycle
    transfer = (read_bytes + write_bytes) / bandwidth if bandwidth else np.zeros(len(table))
    out["bound"] = np.where(transfer > cost.cycles, "memory", "compute")
    compute_ops = table.macs + table.elementwise_ops
    energy = energy_by_level(hw.energy, compute_ops, cost.counts["register_file"], cost.counts["inter_pe"], gb, dram)
    total = 0
    for level in LEVELS:
        level_sum = sum(energy[level].values())
        out[f"energy_{level}"] = level_sum
        total = total + level_sum
        if level != "mac":
            for operand, value in energy[level].items():
                out[f"energy_{level}_{operand}"] = value
    out["energy"] = total
    return out


def _bytes(words, word_bits: int) -> np.ndarray:
    return (np.asarray(words, dtype=np.int64) * word_bits + 7) // 8


def _pick_best(evaluations: list[dict]) -> np.ndarray:
    """Index of the preset with the fewest cycles per layer; ties go to the least energy."""
    if len(evaluations) == 1:
        return np.zeros(len(evaluations[0]["cycles"]), dtype=np.int64)
    cycles = np.stack([e["cycles"] for e in evaluations])
    energy = np.stack([e["energy"] for e in evaluations])
    best = np.zeros(cycles.shape[1], dtype=np.int64)
    for i in range(1, len(evaluations)):
        better = (cycles[i] < cycles[best, np.arange(cycles.shape[1])]) | (
            (cycles[i] == cycles[best, np.arange(cycles.shape[1])]) & (energy[i] < energy[best, np.arange(cycles.shape[1])])
        )
        best = np.where(better, i, best)
    return best


def _select(chosen: np.ndarray, candidates: list) -> np.ndarray:
    stacked = np.stack([np.broadcast_to(np.asarray(c), chosen.shape) for c in candidates])
    return stacked[chosen, np.arange(chosen.shape[0])]


def _package(network: Network, hw: Hardware, table: LayerTable, columns: dict) -> Results:
    clock_hz = hw.clock_mhz * 1e6
    suffix = unit_suffix(hw.energy)
    layers: dict[str, list] = {
        "index": list(range(len(table))),
        "name": list(table.names),
        "op": [op.value for op in table.ops],
        "stage": list(table.stages),
        "shape": list(table.shapes),
        "dataflow": [df if mac else "-" for df, mac in zip(columns["dataflow"], table.has_macs)],
        "macs": table.macs,
        "weights": table.weights,
        "cycles": columns["cycles"],
        "compute_cycles": columns["compute_cycles"],
        "stall_cycles": columns["stall_cycles"],
        "time_us": columns["cycles"] / clock_hz * 1e6,
        "utilization": columns["utilization"],
        "spatial_utilization": columns["spatial_utilization"],
        "temporal_utilization": columns["temporal_utilization"],
        **{name: columns[name] for name in LOSS_COLUMNS},
        "bound": columns["bound"],
        "folds": columns["folds"],
        "core_split": columns["core_split"],
        "busiest_core_utilization": columns["busiest_core_utilization"],
        "gb_read_words": columns["gb_read_words"],
        "gb_write_words": columns["gb_write_words"],
        "dram_read_bytes": columns["dram_read_bytes"],
        "dram_write_bytes": columns["dram_write_bytes"],
        "input_on_chip": columns["input_on_chip"],
        "output_on_chip": columns["output_on_chip"],
        "dram_input_passes": columns["dram_input_passes"],
        "dram_weight_passes": columns["dram_weight_passes"],
        **{key: columns[key] for key in columns if key.startswith(("gb_read_", "gb_write_", "dram_read_", "dram_write_"))},
        "energy": columns["energy"],
        **{key: columns[key] for key in columns if key.startswith("energy_")},
    }
    for key, values in layers.items():
        layers[key] = [plain(v) for v in np.asarray(values).tolist()] if isinstance(values, np.ndarray) else list(values)

    cycles = int(np.sum(columns["cycles"]))
    macs = int(np.sum(table.macs))
    pe_cycles = cycles * hw.pes
    totals = {
        "macs": macs,
        "weights": int(np.sum(table.weights)),
        "layers": len(table),
        "cycles": cycles,
        "compute_cycles": int(np.sum(columns["compute_cycles"])),
        "stall_cycles": int(np.sum(columns["stall_cycles"])),
        "time_ms": cycles / clock_hz * 1e3,
        "utilization": macs / pe_cycles if pe_cycles else 0.0,
        "spatial_utilization": _weighted(columns, "spatial_utilization", table),
    }
    for name in LOSS_COLUMNS:
        totals[name] = float(np.sum(np.asarray(columns[name]) * columns["cycles"])) / cycles if cycles else 0.0
    totals["per_core_utilization"] = _per_core_utilization(columns, hw, cycles)
    totals["dram_read_bytes"] = float(np.sum(columns["dram_read_bytes"]))
    totals["dram_write_bytes"] = float(np.sum(columns["dram_write_bytes"]))
    totals["energy"] = float(np.sum(columns["energy"]))
    for key in columns:
        if key.startswith("energy_"):
            totals[key] = float(np.sum(columns[key]))
    units = {
        "cycles": "clock cycles", "time_us": "microseconds", "time_ms": "milliseconds",
        "utilization": "MACs / (cycles x all PEs)", "energy": unit_label(hw.energy),
        "gb_read_words": f"{hw.word_bits}-bit words", "dram_read_bytes": "bytes",
        "energy_column_suffix": suffix,
    }
    network_info = {
        "name": network.name,
        "display_name": network.display_name,
        "reconstruction": network.reconstruction,
        "description": network.description,
        "source": network.source,
    }
    hardware_info = hw.model_dump(mode="json")
    hardware_info["total_pes"] = hw.pes
    notes = []
    if network.reconstruction:
        notes.append(f"{network.name} is a reconstruction, not a published definition: {network.description}")
    return Results(network_info, hardware_info, units, layers, {k: plain(v) for k, v in totals.items()}, notes)


def _per_core_utilization(columns: dict, hw: Hardware, cycles: int) -> list[float]:
    """Each core's MACs over the whole run / (network cycles x PEs of one core)."""
    if not cycles:
        return [0.0] * hw.cores
    core = np.arange(hw.cores)[:, None]
    macs = np.where(core < columns["cores_with_more"], columns["macs_more"], columns["macs_less"]).sum(axis=1)
    return [plain(float(m) / (cycles * hw.pe_array.pes)) for m in macs]


def _weighted(columns: dict, key: str, table: LayerTable) -> float:
    """Spatial utilization of the network: MAC-weighted mean over MAC layers."""
    macs = table.macs
    if macs.sum() == 0:
        return 0.0
    return float(np.sum(np.asarray(columns[key]) * macs) / macs.sum())
