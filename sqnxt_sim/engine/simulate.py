"""simulate(network, hardware) -> Results: mapping -> timing -> traffic -> energy.

``evaluate`` is the engine proper: it takes a prepared workload and a column of hardware
configurations and returns per-layer arrays of shape (configs, layers), with no Python loop
over layers or configurations. ``simulate`` is evaluate on one configuration, packaged.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from ..errors import InputError
from ..hardware.area import area_of
from ..hardware.config import Hardware
from ..hardware.energy import access_costs
from ..workload.graph import Network
from . import dataflows
from .compute import ComputeCost, compute_cost
from .dataflows.base import ArrayShape, Conventions, DataflowModel
from .energy import LEVELS, energy_by_level
from .hardware_arrays import HardwareArrays, hardware_arrays
from .layer_table import LayerTable, layer_table
from .liveness import ActivationPlan, activation_plan
from .results import LOSS_COLUMNS, Results, plain
from .schedule import RESIDENT_OPERANDS
from .traffic import DramTraffic, Residency, dram_traffic, residency, stalled_cycles, too_small_buffer


@dataclass(frozen=True)
class Workload:
    """A network with everything about it that does not depend on the hardware."""

    network: Network
    table: LayerTable
    plan: ActivationPlan


def prepare(network: Network) -> Workload:
    """The hardware-independent part of a network's evaluation (its layer table and activation
    liveness), computed once and reused by ``simulate`` and sweeps over many configurations."""
    return Workload(network, layer_table(network), activation_plan(network))


def simulate(network: Network | Workload, hardware: Hardware, source: str | None = None) -> Results:
    """Simulate one network on one accelerator.

    ``network``: a :class:`~sqnxt_sim.workload.graph.Network` (``load_network``,
    ``network_from_dict``) or a prepared :class:`Workload` (``prepare(network)``, to reuse
    across configs). ``hardware``: a validated :class:`~sqnxt_sim.hardware.config.Hardware`
    (``resolve_hardware``, ``load_hardware``, ``hardware_from_dict``). ``source`` names the
    hardware file in errors the simulation finds (a buffer too small to stage a tile);
    default: the config's name.

    Returns a :class:`~sqnxt_sim.engine.results.Results`: per-layer rows in execution order
    (``.rows()``, one dict per layer: cycles, utilization, the loss shares, traffic, energy...),
    one column as an array (``.column(name)``), and the network's ``.totals`` (cycles,
    time_ms, utilization, energy...). Raises InputError when the config cannot run the network.

    Example::

        from sqnxt_sim import load_network, resolve_hardware, simulate
        results = simulate(load_network("sqnxt23_v1"), resolve_hardware("32pe_os"))
        results.totals["cycles"], results.column("utilization").mean(), results.rows()[0]["name"]
    """
    workload = network if isinstance(network, Workload) else prepare(network)
    arrays = hardware_arrays([hardware])
    try:
        columns = evaluate(workload, arrays)
    except InputError as error:
        if error.source != "--hw":
            raise
        raise InputError(source or f"hardware config '{hardware.name}'", error.field, error.problem) from None
    totals = {key: value[0] for key, value in network_totals(columns, workload.table, arrays).items()}
    totals.update(area_of(hardware).columns())
    return _package(workload.network, hardware, workload.table, {key: value[0] for key, value in columns.items()}, totals)


def evaluate(workload: Workload, hw: HardwareArrays, keep: frozenset[str] | None = None) -> dict[str, np.ndarray]:
    """Per-layer columns, each of shape (configurations, layers). ``keep``: only these columns
    (and those the choice of dataflow needs): a sweep's chunk then holds a third of the arrays."""
    table = workload.table
    res = residency(table, workload.plan, hw.buffer_words, hw.activation_share)
    room = res.staging * PSUM_ROOM_SHARE
    # Each dataflow runs on the configurations that may choose it only (in a sweep chunk
    # mixing os, ws, is and best, most configurations run one dataflow).
    subsets = [_PresetSubset.of(hw, res, room, dataflows.model(name)) for name in hw.dataflows_needed()]
    costs = [_compute_cost_per_array(table, subset.preset, subset.hw, subset.room, subset.conventions) for subset in subsets]
    # One schedule for every preset's capacity at once.
    traffics = _dram_traffic_of_subsets(table, [subset.res for subset in subsets],
                                        [subset.res.staging - cost.psum_held for subset, cost in zip(subsets, costs)])
    evaluations = []
    for subset, cost, traffic in zip(subsets, costs, traffics):
        out = _run(table, subset.res, subset.hw, subset.preset, cost, traffic)
        overflowing = out["psum_strategy"] == PSUM_TILED
        overflow = np.flatnonzero(overflowing.any(axis=0))
        if overflow.size:
            out = _resolve_overflow(table, subset.res, subset.hw, subset.preset, subset.room, subset.conventions, out,
                                    overflow, overflowing[:, overflow].any(axis=1))
        if keep is not None:
            out = {key: value for key, value in out.items() if key in keep or key in _CHOICE_COLUMNS}
        evaluations.append(out)
    chosen = _choose(evaluations, subsets, hw)
    columns = _gather(chosen, evaluations, subsets)
    columns["dataflow_code"] = np.take(np.array([dataflows.code(subset.preset.name) for subset in subsets]), chosen)
    if not columns["mappable"].all():
        layer = int(np.flatnonzero(~columns["mappable"].all(axis=0))[0])
        raise InputError("--hw", "memory.scratchpads",
                         f"the PE scratchpads cannot hold one {table.s[layer]}-wide filter row and input window of layer "
                         f"'{table.names[layer]}' for the row-stationary dataflow; give them more words or choose another dataflow")
    if not columns["feasible"].all():
        raise too_small_buffer(table, int(np.flatnonzero(~columns["feasible"].all(axis=0))[0]))
    return columns


_CHOICE_COLUMNS = frozenset({"cycles", "energy", "feasible", "mappable"})
# What network_totals reads.
TOTALS_COLUMNS = frozenset({"cycles", "compute_cycles", "stall_cycles", "spatial_utilization", *LOSS_COLUMNS,
                            "dram_read_bytes", "dram_write_bytes", "energy", *(f"energy_{level}" for level in LEVELS)})


@dataclass(frozen=True)
class _PresetSubset:
    """One dataflow and the configurations that may run it (their own dataflow, or a
    candidate of their ``best``), with those configurations' rows of everything it needs."""

    preset: DataflowModel
    rows: np.ndarray  # of the whole column, increasing
    everyone: bool  # rows are every configuration (hw, res and room are the whole column's)
    hw: HardwareArrays
    res: Residency
    room: np.ndarray
    conventions: Conventions

    @classmethod
    def of(cls, hw: HardwareArrays, res: Residency, room: np.ndarray, preset: DataflowModel) -> "_PresetSubset":
        allowed = hw.candidates[:, dataflows.code(preset.name)]
        rows = np.flatnonzero(allowed)
        everyone = bool(allowed.all())
        if not everyone:
            hw, res, room = hw.take(rows), res.take(slice(None), rows), room[rows]
        return cls(preset, rows, everyone, hw, res, room, Conventions(hw.rf_per_mac, hw.load_drain_hops))


def _dram_traffic_of_subsets(table: LayerTable, residencies: list[Residency], capacities: list) -> list[DramTraffic]:
    """dram_traffic of each (residency, capacity) pair in one schedule call: their
    configurations are stacked, so a layer shape and capacity they share is scheduled once."""
    if len(residencies) == 1:
        return [dram_traffic(table, residencies[0], capacities[0])]
    shapes = [np.shape(r.writes) for r in residencies]

    def stack(arrays):
        return np.concatenate([np.broadcast_to(x, shape) for x, shape in zip(arrays, shapes)])

    stacked = Residency(**{f.name: stack([getattr(r, f.name) for r in residencies]) for f in fields(Residency)
                           if f.name != "staging"},
                        staging=np.concatenate([r.staging for r in residencies]))
    traffic = dram_traffic(table, stacked, stack(capacities))
    bounds = np.cumsum([0] + [shape[0] for shape in shapes])

    def part(value, a, b):
        return {op: v[a:b] for op, v in value.items()} if isinstance(value, dict) else value[a:b]

    return [DramTraffic(**{f.name: part(getattr(traffic, f.name), a, b) for f in fields(DramTraffic)})
            for a, b in zip(bounds[:-1], bounds[1:])]


def _resolve_overflow(table: LayerTable, res: Residency, hw: HardwareArrays, preset: DataflowModel, room,
                      conventions: Conventions, out: dict, layers: np.ndarray, overflow_rows: np.ndarray) -> dict:
    """The few layers whose waiting sums overflow, run again with the sums spilled (the core
    split again the one with fewer compute cycles); each keeps whichever of the two runs has
    the smaller energy-delay product, spilled also where the tiled sums leave no room."""
    configs = np.flatnonzero(overflow_rows)  # in a sweep, a few of the configurations
    hw = hw.take(configs)
    conventions = Conventions(hw.rf_per_mac, hw.load_drain_hops)
    sub_table, sub_res = table.take(layers), res.take(layers, configs)
    room = room[configs] if np.ndim(room) == 2 else room
    sub_room = room if np.ndim(room) < 2 or np.shape(room)[-1] == 1 else room[:, layers]
    cost = _compute_cost_per_array(sub_table, preset, hw, sub_room, conventions, spill=True)
    spilled = _run(sub_table, sub_res, hw, preset, cost, dram_traffic(sub_table, sub_res, sub_res.staging - cost.psum_held))
    tiled = {key: np.asarray(out[key])[np.ix_(configs, layers)] for key in ("psum_strategy", "feasible", "cycles", "energy")}
    spill = (tiled["psum_strategy"] == PSUM_TILED) & spilled["feasible"] & (
        (spilled["cycles"] * spilled["energy"] < tiled["cycles"] * tiled["energy"]) | ~tiled["feasible"])
    # Spilling seldom wins: only those cells change (each column keeps its dtype).
    spilled_config, spilled_layer = np.nonzero(spill)
    if not spilled_config.size:
        return out
    cells = (configs[spilled_config], layers[spilled_layer])
    merged = {}
    for key, value in out.items():
        merged[key] = np.array(value, copy=True)
        merged[key][cells] = spilled[key][spilled_config, spilled_layer]
    return merged


def network_totals(columns: dict[str, np.ndarray], table: LayerTable, hw: HardwareArrays) -> dict[str, np.ndarray]:
    """Whole-network numbers per configuration (arrays of shape (configs,))."""
    cycles = columns["cycles"].sum(axis=-1)
    macs = int(table.macs.sum())
    pe_cycles = cycles.astype(np.float64) * hw.chip_pes[:, 0]
    safe_cycles = np.maximum(cycles, 1)
    mac_weight = table.macs / max(macs, 1)
    totals = {
        "macs": np.full(cycles.shape, macs),
        "weights": np.full(cycles.shape, int(table.weights.sum())),
        "layers": np.full(cycles.shape, len(table)),
        "cycles": cycles,
        "compute_cycles": columns["compute_cycles"].sum(axis=-1),
        "stall_cycles": columns["stall_cycles"].sum(axis=-1),
        "time_ms": cycles / (hw.clock_mhz[:, 0] * 1e3),
        "utilization": np.where(pe_cycles > 0, macs / np.maximum(pe_cycles, 1), 0.0),
        # MAC-weighted mean over the MAC layers.
        "spatial_utilization": (columns["spatial_utilization"] * mac_weight).sum(axis=-1),
    }
    for name in LOSS_COLUMNS:
        totals[name] = np.where(cycles > 0, (columns[name] * columns["cycles"]).sum(axis=-1) / safe_cycles, 0.0)
    for key in ("dram_read_bytes", "dram_write_bytes", "energy"):
        totals[key] = columns[key].sum(axis=-1)
    for key in columns:
        if key.startswith("energy_"):
            totals[key] = columns[key].sum(axis=-1)
    return totals


PSUM_NONE, PSUM_FITS, PSUM_TILED, PSUM_SPILLED = range(4)  # the psum_strategy column
PSUM_STRATEGIES = ("none", "fits", "tiled", "spilled")
# Of the staging buffer, the most the array's waiting partial sums may take; beyond it they are
# tiled or spilled, per layer whichever has the smaller energy-delay product (docs/model.md).
PSUM_ROOM_SHARE = 0.5


def _compute_cost_per_array(table: LayerTable, preset: DataflowModel, hw: HardwareArrays, room,
                            conventions: Conventions, spill: bool = False) -> ComputeCost:
    """compute_cost once per distinct array (shape, scratchpads, cores, partial-sum room,
    conventions): a sweep varies bandwidth, clock and energy costs over the same arrays many times."""
    parts = (hw.rows, hw.cols, hw.spad_ifmap, hw.spad_filter, hw.spad_psum, hw.bus_ifmap, hw.bus_filter, hw.bus_psum,
             hw.cores, hw.fold_overlap, hw.pack_groups,  # the first _PLAN_PARTS columns: what a plan depends on
             room, conventions.rf_per_mac, conventions.load_drain_hops, hw.vector_lanes, hw.vector_costs)
    configs = hw.rows.shape[0]
    keys = np.concatenate([np.broadcast_to(np.asarray(x, dtype=np.float64), (configs, np.shape(x)[-1] if np.ndim(x) == 2 else 1))
                           for x in parts], axis=1)
    # Configurations that may not run this dataflow are never chosen: one of them stands for all.
    allowed = hw.candidates[:, dataflows.code(preset.name)]
    if not allowed.all():
        keys = np.where(allowed[:, None], keys, -1.0)
    vector_ops = table.vector_ops(hw.vector_costs)
    first, inverse = unique_rows(keys)
    # The mapping plan depends on the array and the cores only (not the partial-sum room).
    plans = _PLAN_PARTS
    if len(first) == len(keys):
        plan_rows = unique_rows(keys[:, :plans])
        return compute_cost(table, preset, hw.array, hw.cores, room, spill, conventions, vector_ops, hw.vector_lanes,
                            plan_rows if len(plan_rows[0]) < len(keys) else None)
    plan_rows = unique_rows(keys[first, :plans])
    plan_rows = plan_rows if len(plan_rows[0]) < len(first) else None
    pick = lambda x: np.asarray(x)[first] if np.ndim(x) == 2 and np.shape(x)[0] == len(keys) else x
    array = ArrayShape(*(pick(x) for x in (hw.rows, hw.cols, hw.spad_ifmap, hw.spad_filter, hw.spad_psum,
                                           hw.bus_ifmap, hw.bus_filter, hw.bus_psum, hw.fold_overlap, hw.pack_groups)))
    cost = compute_cost(table, preset, array, pick(hw.cores), pick(room), spill,
                        Conventions(pick(conventions.rf_per_mac), pick(conventions.load_drain_hops)),
                        pick(vector_ops), pick(hw.vector_lanes), plan_rows)
    spread = lambda x: x[inverse] if np.ndim(x) == 2 and np.shape(x)[0] == len(first) else x
    return replace(cost, **{f.name: spread(getattr(cost, f.name)) for f in fields(cost) if f.name != "counts"},
                   counts={level: {op: spread(v) for op, v in table_.items()} for level, table_ in cost.counts.items()})


_PLAN_PARTS = 11


def unique_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, inverse) of the distinct rows of a 2-D float64 array: the index of each distinct
    row's first occurrence (in the order np.unique sorts them) and each row's distinct row.
    Rows compare as bytes (one sort of a void column, faster than np.unique(axis=0)); +0.0
    and -0.0 then differ, which only costs a duplicate."""
    keys = np.ascontiguousarray(keys, dtype=np.float64)
    rows = keys.view(np.dtype((np.void, keys.dtype.itemsize * keys.shape[1]))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    return first, np.reshape(inverse, -1)


def _run(table: LayerTable, res: Residency, hw: HardwareArrays, preset: DataflowModel, cost: ComputeCost,
         traffic: DramTraffic) -> dict:
    """Every per-layer column of one dataflow, given its compute cost and its DRAM traffic."""
    # Spilled partial sums go to DRAM and come back, on top of the schedule's traffic.
    dram_read = {**traffic.read, "psum": traffic.read["psum"] + cost.psum_spill}
    dram_write = {**traffic.write, "psum": traffic.write["psum"] + cost.psum_spill}
    # Each operand column is rounded up to whole bytes; the totals are their sums.
    read_by_operand = {op: _bytes(words, hw.word_bits) for op, words in dram_read.items()}
    write_by_operand = {op: _bytes(words, hw.word_bits) for op, words in dram_write.items()}
    read_bytes = sum(read_by_operand.values())
    write_bytes = sum(write_by_operand.values())
    # MAC layers: the schedule's first tiles and last outputs; vector layers stream in steps.
    steps = np.maximum(cost.transfer_steps, 1)
    first = np.where(table.has_macs, _bytes_float(traffic.first_load, hw.word_bits), read_bytes / steps)
    last = np.where(table.has_macs, _bytes_float(traffic.last_write, hw.word_bits), write_bytes / steps)
    cycles = stalled_cycles(cost.cycles, read_bytes, write_bytes, first, last, hw.bandwidth)
    stall = cycles - cost.cycles
    pe_cycles = cycles.astype(np.float64) * hw.chip_pes  # can pass 2^63 on huge chips
    safe = np.maximum(pe_cycles, 1)

    def share(part):
        return np.where(pe_cycles > 0, part / safe, 0.0)

    out = {
        "cycles": cycles,
        "compute_cycles": cost.cycles,
        "stall_cycles": stall,
        "utilization": share(cost.useful),
        "spatial_utilization": np.where(cost.streaming > 0, cost.useful / np.maximum(cost.streaming, 1), 0.0),
        "loss_small_dims": share(cost.small_dims),
        "loss_fold_remainder": share(cost.fold_remainder),
        "loss_fill_drain": share(cost.fill_drain),
        "loss_array_bus": share(cost.array_bus),
        "loss_core_imbalance": share(cost.core_imbalance),
        "loss_memory_stall": share(stall.astype(np.float64) * hw.chip_pes),
        # A layer with no cycles at all (concat, ReLU) does no MAC work by definition.
        "loss_non_mac": np.where(pe_cycles > 0, share(cost.non_mac), np.where(table.has_macs, 0.0, 1.0)),
    }
    out["temporal_utilization"] = _quotient(out["utilization"], out["spatial_utilization"])
    out["folds"] = cost.folds
    # Mean PEs of the chip given work while the array streams.
    out["active_pes"] = np.where(cost.streaming > 0, hw.chip_pes * (1 - _quotient(cost.small_dims, cost.streaming)), 0.0)
    out["cores_with_more"] = cost.cores_with_more
    out["macs_more"] = cost.macs_more
    out["macs_less"] = cost.macs_less
    out["split_by_pixels"] = cost.split_by_pixels
    out["busiest_core_utilization"] = np.where(cycles > 0, cost.busiest_core_macs / np.maximum(cycles * hw.pes, 1), 0.0)
    # DRAM fills are written into the buffer, write-backs are read out of it.
    gb_read = {op: cost.counts["gb_read"][op] + dram_write[op] for op in cost.counts["gb_read"]}
    gb_write = {op: cost.counts["gb_write"][op] + dram_read[op] for op in cost.counts["gb_write"]}
    # Vector layers read their inputs from the buffer and write their outputs to it.
    vector_layer = ~table.has_macs & (table.elementwise_ops > 0)
    gb_read["ifmap"] = gb_read["ifmap"] + np.where(vector_layer, table.input_words, 0)
    gb_write["psum"] = gb_write["psum"] + np.where(vector_layer, table.output_words, 0)
    for op in gb_read:
        out[f"gb_read_{op}_words"] = gb_read[op]
        out[f"gb_write_{op}_words"] = gb_write[op]
    for op in dram_read:
        out[f"dram_read_{op}_bytes"] = read_by_operand[op]
        out[f"dram_write_{op}_bytes"] = write_by_operand[op]
    out["gb_read_words"] = sum(gb_read.values())
    out["gb_write_words"] = sum(gb_write.values())
    out["dram_read_bytes"] = read_bytes
    out["dram_write_bytes"] = write_bytes
    out["input_on_chip"] = traffic.input_resident
    out["output_on_chip"] = traffic.output_resident
    out["dram_input_passes"] = traffic.input_passes
    out["dram_weight_passes"] = traffic.weight_passes
    out["dram_output_passes"] = traffic.output_passes
    out["mappable"] = cost.feasible
    out["feasible"] = traffic.feasible & cost.feasible
    out["dram_resident_code"] = traffic.resident
    out["buffer_footprint_words"] = np.rint(traffic.footprint).astype(np.int64) + cost.psum_held
    out["psum_waiting_words"] = cost.psum_waiting
    out["psum_chunks"] = cost.psum_chunks
    out["psum_strategy"] = np.where(cost.psum_waiting == 0, PSUM_NONE, np.where(
        cost.psum_spill > 0, PSUM_SPILLED, np.where(cost.psum_overflow, PSUM_TILED, PSUM_FITS)))
    # Memory-bound: moving the layer's DRAM data takes longer than computing it.
    out["memory_bound"] = (read_bytes + write_bytes) / hw.bandwidth > cost.cycles
    gb = {op: gb_read[op] + gb_write[op] for op in gb_read}
    dram = {op: dram_read[op] + dram_write[op] for op in dram_read}
    hop_cost = hw.multicast if preset.interconnect == "multicast" else hw.inter_pe
    # A vector operation costs one MAC's energy (hardware/vector.py).
    energy = energy_by_level(hw, hop_cost, table.macs + table.vector_ops(hw.vector_costs), cost.counts["register_file"],
                             cost.counts["inter_pe"], gb, dram, cycles)
    total = 0
    for level in LEVELS:
        level_sum = sum(energy[level].values())
        out[f"energy_{level}"] = level_sum
        total = total + level_sum
        if level not in ("mac", "static"):
            for operand, value in energy[level].items():
                out[f"energy_{level}_{operand}"] = value
    out["energy"] = total
    shape = np.shape(cycles)
    return {key: np.broadcast_to(value, shape) for key, value in out.items()}


def _quotient(numerator, denominator) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (and no overflow warning)."""
    numerator, denominator = np.broadcast_arrays(np.asarray(numerator, dtype=np.float64),
                                                 np.asarray(denominator, dtype=np.float64))
    return np.divide(numerator, denominator, out=np.zeros(numerator.shape), where=denominator > 0)


def _bytes(words, word_bits) -> np.ndarray:
    return (np.asarray(words, dtype=np.int64) * word_bits + 7) // 8


def _bytes_float(words, word_bits) -> np.ndarray:
    return np.asarray(words, dtype=np.float64) * word_bits / 8


def _choose(evaluations: list[dict], subsets: list[_PresetSubset], hw: HardwareArrays) -> np.ndarray:
    """Index into ``subsets`` per configuration and layer: among the dataflows a configuration
    may run (its own, or every candidate of ``best``), the one with the fewest cycles (ties:
    least energy, then the earlier one). A dataflow whose tiles cannot fit is chosen only when
    no candidate fits (the caller then refuses the config)."""
    shape = (hw.candidates.shape[0], np.shape(evaluations[0]["cycles"])[-1])

    def cycles_and_energy(subset: _PresetSubset, evaluation: dict) -> tuple[np.ndarray, np.ndarray]:
        cycles = np.where(evaluation["feasible"], evaluation["cycles"].astype(np.float64), np.finfo(np.float64).max)
        if subset.everyone:
            return cycles, evaluation["energy"]
        # Configurations that may not run this dataflow see infinite cycles: never chosen.
        all_cycles, all_energy = np.full(shape, np.inf), np.full(shape, np.inf)
        all_cycles[subset.rows], all_energy[subset.rows] = cycles, evaluation["energy"]
        return all_cycles, all_energy

    best = np.zeros(shape, dtype=np.int64)
    current_cycles, current_energy = cycles_and_energy(subsets[0], evaluations[0])
    for i in range(1, len(evaluations)):
        cycles, energy = cycles_and_energy(subsets[i], evaluations[i])
        allowed = hw.candidates[:, [dataflows.code(subsets[i].preset.name)]]
        better = (cycles < current_cycles) | ((cycles == current_cycles) & (energy < current_energy) & allowed)
        best = np.where(better, i, best)
        current_cycles = np.where(better, cycles, current_cycles)
        current_energy = np.where(better, energy, current_energy)
    return best


def _gather(chosen: np.ndarray, evaluations: list[dict], subsets: list[_PresetSubset]) -> dict[str, np.ndarray]:
    """Every column, at each configuration and layer the value of the chosen subset's preset."""
    if len(evaluations) == 1:  # one dataflow: every configuration runs it
        return dict(evaluations[0])
    # A preset every configuration may run writes its cells in place. Another copies whole
    # the rows it is the first to touch (a config running one dataflow, a best whose winner
    # is the same everywhere, the first candidate of a best): later presets overwrite their
    # own cells there, masked, as in the rows an earlier preset touched.
    places = []
    touched = np.zeros(chosen.shape[0], dtype=bool)
    for i, subset in enumerate(subsets):
        mine = chosen[subset.rows] == i
        used = mine.any(axis=1)
        if subset.everyone:
            places.append(mine)
        else:
            first, later = np.flatnonzero(used & ~touched[subset.rows]), np.flatnonzero(used & touched[subset.rows])
            places.append((first, subset.rows[first], later, subset.rows[later], mine[later]))
        touched[subset.rows[used]] = True
    columns = {}
    for key in evaluations[0]:
        values = [evaluation[key] for evaluation in evaluations]
        column = np.empty(chosen.shape, dtype=np.result_type(*values))
        for value, place in zip(values, places):
            if isinstance(place, np.ndarray):
                np.copyto(column, value, where=place)
                continue
            first, first_rows, later, later_rows, mask = place
            column[first_rows] = value[first]
            if later.size:
                column[later_rows] = np.where(mask, value[later], column[later_rows])
        columns[key] = column
    return columns


CODE_NAMES = {dataflows.code(name): name for name in dataflows.choices()}


def _package(network: Network, hw: Hardware, table: LayerTable, columns: dict, totals: dict) -> Results:
    clock_hz = hw.clock_mhz * 1e6
    layers: dict[str, list] = {
        "index": list(range(len(table))),
        "name": list(table.names),
        "op": list(table.ops),
        "stage": list(table.stages),
        "shape": list(table.shapes),
        "dataflow": [CODE_NAMES[code] if mac else None for code, mac in zip(columns["dataflow_code"].tolist(), table.has_macs)],
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
        "bound": [None if cycles == 0 else ("memory" if memory else "compute")
                  for cycles, memory in zip(columns["cycles"].tolist(), columns["memory_bound"].tolist())],
        "folds": columns["folds"],
        "active_pes": [value if mac else None for value, mac in zip(columns["active_pes"].tolist(), table.has_macs)],
        "core_split": [("pixels" if pixels else "channels") if mac else None
                       for pixels, mac in zip(columns["split_by_pixels"].tolist(), table.has_macs)],
        "busiest_core_utilization": columns["busiest_core_utilization"],
        "gb_read_words": columns["gb_read_words"],
        "gb_write_words": columns["gb_write_words"],
        "dram_read_bytes": columns["dram_read_bytes"],
        "dram_write_bytes": columns["dram_write_bytes"],
        "input_on_chip": columns["input_on_chip"],
        "output_on_chip": columns["output_on_chip"],
        "dram_input_passes": columns["dram_input_passes"],
        "dram_weight_passes": columns["dram_weight_passes"],
        "dram_output_passes": columns["dram_output_passes"],
        "dram_resident": [RESIDENT_OPERANDS[code] if code >= 0 else None for code in columns["dram_resident_code"].tolist()],
        "buffer_footprint_words": columns["buffer_footprint_words"],
        "psum_strategy": [PSUM_STRATEGIES[code] if mac else None for code, mac in zip(columns["psum_strategy"].tolist(), table.has_macs)],
        "psum_chunks": columns["psum_chunks"],
        **{key: columns[key] for key in columns if key.startswith(("gb_read_", "gb_write_", "dram_read_", "dram_write_"))},
        "energy": columns["energy"],
        **{key: columns[key] for key in columns if key.startswith("energy_")},
    }
    for key, values in layers.items():
        layers[key] = [plain(v) for v in np.asarray(values).tolist()] if isinstance(values, np.ndarray) else list(values)

    totals = dict(totals)
    cycles = int(totals["cycles"])
    totals["per_core_utilization"] = _per_core_utilization(columns, hw, cycles)
    network_info = {
        "name": network.name,
        "display_name": network.display_name,
        "reconstruction": network.reconstruction,
        "description": network.description,
        "source": network.source,
        "unmodelled": [dict(op) for op in network.unmodelled],
        "input": ({"batch": network.input_layer.n, "channels": network.input_layer.k,
                   "height": network.input_layer.p, "width": network.input_layer.q} if len(network.input_layer.dims) == 3
                  else {"batch": network.input_layer.n, "shape": list(network.input_layer.dims)}),
    }
    hardware_info = hw.model_dump(mode="json")
    hardware_info["total_pes"] = hw.pes
    return Results(network_info, hardware_info, access_costs(hw).unit, layers, {k: plain(v) for k, v in totals.items()})


def _per_core_utilization(columns: dict, hw: Hardware, cycles: int) -> list[float]:
    """Each core's MACs over the whole run / (network cycles x PEs of one core)."""
    if not cycles:
        return [0.0] * hw.cores
    core = np.arange(hw.cores)[:, None]
    macs = np.where(core < columns["cores_with_more"], columns["macs_more"], columns["macs_less"]).sum(axis=1)
    return [plain(float(m) / (cycles * hw.pe_array.pes)) for m in macs]
