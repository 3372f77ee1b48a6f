"""Compute cycles of every layer on the chip, the split across cores, and where the
PE-cycles go (utilization and the causes of lost utilization).

Multi-core: ``cores`` identical arrays each take a slice of a layer, by output channels
(whole groups when there are at least as many groups as cores, otherwise a slice of every
group's filters) or by output pixels, whichever finishes first (ties: channels). Slices differ
by at most one unit, so a layer is two sub-problems: ``extra`` cores with one unit more and
the rest with the base share. The layer takes as long as its busiest core.

Vector layers (pooling, element-wise functions, normalization, reductions, copies) run on the
vector unit: ceil(operations / (lanes x cores)) cycles, where a layer's operations are its
elements times its function's cost (hardware/vector.py); by default the lanes are the PEs'
ALUs, one operation per PE per cycle. Views (a concat written in place, fused ReLU, a
reshape) are free.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from .dataflows.base import LEVEL_TABLES, ArrayShape, Conventions, DataflowModel, Geometry, MappingCost
from .layer_table import LayerTable


@dataclass(frozen=True)
class ComputeCost:
    cycles: np.ndarray  # busiest core, no memory stalls
    split_by_pixels: np.ndarray  # bool: the cores split output pixels (else channels)
    folds: np.ndarray  # folds of the busiest core
    transfer_steps: np.ndarray  # vector layers: DRAM steps (one per array-full of operations); MAC layers: folds over cores
    busiest_core_macs: np.ndarray
    # Per-core work: the first ``cores_with_more`` cores do ``macs_more`` each, the rest ``macs_less``.
    cores_with_more: np.ndarray
    macs_more: np.ndarray
    macs_less: np.ndarray
    # PE-cycles of the whole chip, by where they went (before memory stalls):
    useful: np.ndarray
    small_dims: np.ndarray
    fold_remainder: np.ndarray
    fill_drain: np.ndarray
    array_bus: np.ndarray  # waiting for the buffer's buses (bus-fed dataflows)
    core_imbalance: np.ndarray
    non_mac: np.ndarray
    streaming: np.ndarray  # PE-cycles of folds while streaming (spatial utilization's denominator)
    counts: dict[str, dict[str, np.ndarray]]  # level table -> operand -> words
    # Partial sums waiting in the buffer between row folds (ws, is), whole chip, in words:
    psum_waiting: np.ndarray  # what the untiled layer would keep
    psum_held: np.ndarray  # what it keeps (less when tiled; 0 when spilled)
    psum_chunks: np.ndarray  # the streamed dimension runs in this many chunks (1: not tiled)
    psum_spill: np.ndarray  # words of partial sums sent to DRAM and read back (each way)
    psum_overflow: np.ndarray  # bool: what waits is more than its room (tiled, possibly in 1 chunk, or spilled)
    feasible: np.ndarray  # bool: the dataflow can map the layer on this array (scratchpads large enough)


def compute_cost(table: LayerTable, dataflow: DataflowModel, array: ArrayShape, cores, psum_room=np.inf,
                 spill_psums=False, conventions: Conventions = Conventions(), vector_ops=None, vector_lanes=None,
                 plan_rows: tuple[np.ndarray, np.ndarray] | None = None) -> ComputeCost:
    """``psum_room``: words of buffer the waiting partial sums may take. When they need more,
    the streamed dimension is split into chunks that fit, or (``spill_psums``) they go to DRAM.
    ``vector_ops``: the vector layers' operations (default: one per element); ``vector_lanes``:
    the vector unit's operations per cycle per core (default: one per PE). ``plan_rows``:
    (first, inverse) of the configurations whose arrays and cores are equal (their mapping
    plans are too: the plan is made for the first of each and shared)."""
    layer = table.geometry
    # Chunks are counted on the layer's (one group's) streamed dimension, the same for every core.
    options = (dataflow, array, psum_room, spill_psums, conventions, dataflow.stream_length(layer), plan_rows)
    chan = _evaluate(_pieces_by_channels(layer, cores), *options)
    # One core: both splits are the whole layer, so the pixel split is not evaluated.
    pix = chan if np.all(np.asarray(cores) == 1) else _evaluate(_pieces_by_pixels(dataflow, layer, cores), *options)
    use_pixels = pix["cycles"] < chan["cycles"]
    pick = {key: _choose(use_pixels, pix[key], chan[key]) for key in chan}

    rows, cols = array.rows, array.cols
    pes = rows * cols
    ops = table.elementwise_ops if vector_ops is None else np.asarray(vector_ops)
    lanes = pes if vector_lanes is None else vector_lanes
    ew_cycles = np.ceil(ops / (lanes * cores) - 1e-9).astype(np.int64)
    is_mac = table.has_macs
    cycles = np.where(is_mac, pick["cycles"], ew_cycles)
    chip = np.multiply(cores, pes, dtype=np.float64)  # PE-cycle products can pass 2^63
    zero = np.zeros(np.broadcast_shapes(np.shape(cycles), table.macs.shape), dtype=np.int64)

    def mac_only(value):
        return np.where(is_mac, value, 0)

    return ComputeCost(
        cycles=cycles + zero,
        split_by_pixels=np.where(is_mac, use_pixels, False),
        folds=mac_only(pick["folds"]) + zero,
        # Independent of the core count for vector work, so more cores never expose more
        # of the first load; for MAC layers the chip's folds only grow when split.
        transfer_steps=np.where(is_mac, pick["all_folds"], np.ceil(ops / lanes - 1e-9).astype(np.int64)) + zero,
        busiest_core_macs=mac_only(pick["busiest_macs"]) + zero,
        cores_with_more=mac_only(pick["piece_cores"][0]) + zero,
        macs_more=mac_only(pick["piece_macs"][0]) + zero,
        macs_less=mac_only(pick["piece_macs"][1]) + zero,
        useful=table.macs + zero,
        small_dims=mac_only(pick["small"]),
        fold_remainder=mac_only(pick["fold"]),
        fill_drain=mac_only(pick["fill"]),
        array_bus=mac_only(pick["bus"]),
        core_imbalance=mac_only(chip * pick["cycles"] - pick["busy"]),
        non_mac=np.where(is_mac, 0, cycles * chip) + zero,
        streaming=mac_only(pick["stream"]),
        counts={level: {op: mac_only(v) for op, v in pick[level].items()} for level in LEVEL_TABLES},
        psum_waiting=mac_only(pick["psum_waiting"]) + zero,
        psum_held=mac_only(pick["psum_held"]) + zero,
        psum_chunks=np.where(is_mac, pick["psum_chunks"], 1) + zero,
        psum_spill=mac_only(pick["psum_spill"]) + zero,
        psum_overflow=np.where(is_mac, pick["psum_overflow"], False) & np.ones(zero.shape, dtype=bool),
        feasible=np.where(is_mac, pick["feasible"], True) & np.ones(zero.shape, dtype=bool),
    )


def _plan(dataflow: DataflowModel, piece: Geometry, array: ArrayShape, plan_rows):
    """dataflow.plan, made once per distinct array and core count of ``plan_rows``."""
    if plan_rows is None:
        return dataflow.plan(piece, array)
    first, inverse = plan_rows
    configs = len(inverse)
    plan = dataflow.plan(rows_of(piece, first, configs), rows_of(array, first, configs))
    return None if plan is None else rows_of(plan, inverse, len(first))


def rows_of(value, rows: np.ndarray, configs: int):
    """A dataclass of per-configuration arrays with the rows ``rows`` only (fields that do not
    vary by configuration, (layers,) or scalars, are kept)."""
    def take(x):
        return x[rows] if np.ndim(x) == 2 and np.shape(x)[0] == configs else x

    return replace(value, **{f.name: take(getattr(value, f.name)) for f in fields(value)})


def _choose(use_pixels, a, b):
    if isinstance(a, dict):
        return {key: np.where(use_pixels, a[key], b[key]) for key in a}
    if isinstance(a, list):
        return [np.where(use_pixels, x, y) for x, y in zip(a, b)]
    return np.where(use_pixels, a, b)


def _share(total, cores):
    """Split ``total`` units over ``cores``: (cores with base+1, base+1, cores with base, base)."""
    base, extra = np.divmod(total, cores)
    return extra, base + 1, cores - extra, base


def _pieces_by_channels(layer: Geometry, cores) -> list[tuple[np.ndarray, Geometry]]:
    """Whole groups per core when there are at least as many groups as cores, else a slice
    of every group's filters."""
    whole_groups = layer.g >= cores
    n_big_g, big_g, n_small_g, small_g = _share(layer.g, cores)
    n_big_f, big_f, n_small_f, small_f = _share(layer.k, cores)
    big = layer.with_(k=np.where(whole_groups, layer.k, big_f), g=np.where(whole_groups, big_g, layer.g))
    small = layer.with_(k=np.where(whole_groups, layer.k, small_f), g=np.where(whole_groups, small_g, layer.g))
    return [(np.where(whole_groups, n_big_g, n_big_f), big), (np.where(whole_groups, n_small_g, n_small_f), small)]


def _pieces_by_pixels(dataflow: DataflowModel, layer: Geometry, cores) -> list[tuple[np.ndarray, Geometry]]:
    n_big, big, n_small, small = _share(dataflow.pixel_units(layer), cores)
    return [(n_big, dataflow.with_pixel_units(layer, big)), (n_small, dataflow.with_pixel_units(layer, small))]


def _evaluate(pieces, dataflow: DataflowModel, array: ArrayShape, psum_room, spill_psums, conventions, stream_length,
              plan_rows=None):
    """Cycles, PE-cycle breakdown and access counts of a layer split into two piece sizes."""
    pes = array.pes  # PE-cycle sums are float64: no int64 wrap-around
    out = {"cycles": 0, "busy": 0, "stream": 0, "fill": 0, "bus": 0, "small": 0, "fold": 0, "folds": 0, "all_folds": 0,
           "busiest_macs": 0, "feasible": True}
    out["piece_cores"] = [n_cores for n_cores, _ in pieces]
    out["piece_macs"] = [piece.macs for _, piece in pieces]
    # A piece no core takes anywhere (one core: the larger share) costs nothing: skip it.
    pieces = [(n_cores, piece) for n_cores, piece in pieces if np.any(n_cores > 0)] or pieces[:1]
    plans = [_plan(dataflow, piece, array, plan_rows) for _, piece in pieces]
    # The cores share the buffer: their waiting partial sums add up.
    waiting = sum(n_cores * dataflow.waiting_partial_sums(piece, array, plan) for (n_cores, piece), plan in zip(pieces, plans))
    room = np.maximum(np.asarray(psum_room, dtype=np.float64), 1.0)
    overflow = waiting > room
    chunks = np.where(overflow & ~np.asarray(spill_psums), np.minimum(np.ceil(waiting / room), np.maximum(stream_length, 1)),
                      1).astype(np.int64)
    spilled = overflow & np.asarray(spill_psums)
    out["psum_waiting"] = waiting
    out["psum_held"] = np.where(spilled, 0, np.ceil(waiting / chunks)).astype(np.int64)
    out["psum_chunks"] = chunks
    out["psum_overflow"] = overflow
    out["psum_spill"] = 0
    for level in LEVEL_TABLES:
        out[level] = {}
    for (n_cores, piece), plan in zip(pieces, plans):
        cost: MappingCost = dataflow.cost(piece, array, chunks, conventions, plan)
        present = n_cores > 0
        macs = piece.macs
        out["busy"] = out["busy"] + n_cores * cost.cycles * pes
        out["fill"] = out["fill"] + n_cores * cost.fill_cycles * pes
        out["bus"] = out["bus"] + n_cores * cost.bus_stall_cycles * pes
        out["stream"] = out["stream"] + n_cores * cost.streaming
        out["all_folds"] = out["all_folds"] + n_cores * cost.runs
        out["small"] = out["small"] + n_cores * (cost.streaming - cost.mapped)
        out["fold"] = out["fold"] + n_cores * cost.mapped - n_cores * macs
        out["feasible"] = out["feasible"] & (~present | (macs == 0) | cost.feasible)
        # The busiest core: the longest; among equally long ones, the one doing the most MACs.
        longer = present & ((cost.cycles > out["cycles"]) | ((cost.cycles == out["cycles"]) & (macs >= out["busiest_macs"])))
        out["folds"] = np.where(longer, cost.folds, out["folds"])
        out["busiest_macs"] = np.where(longer, macs, out["busiest_macs"])
        out["cycles"] = np.where(longer, cost.cycles, out["cycles"])
        for level in LEVEL_TABLES:
            for operand, words in getattr(cost, level).items():
                out[level][operand] = out[level].get(operand, 0) + n_cores * words
        out["psum_spill"] = out["psum_spill"] + np.where(spilled, n_cores * cost.gb_read["psum"], 0)
    return out
