"""DRAM traffic of every layer (words, per operand) and the stalls it causes.

The global buffer (``global_buffer_kib``, shared by all cores) is split in two halves:

* up to half holds *resident activations*: a layer output stays on chip, and its readers get
  it from the buffer, when the live set fits in that half during its whole lifetime
  (:mod:`sqnxt_sim.engine.liveness`). Otherwise its producer writes it to DRAM and every
  reader reads it back. The network input starts in DRAM; the network output ends there.
* the other half, S words, stages what a layer streams from DRAM: its weights and any
  non-resident input, double-buffered in tiles of S/2.

Tiling, when the streamed weights W and streamed input I do not fit in S together:

* weights outer: W in min(ceil(W / (S/2)), K) chunks of output channels; the input is read
  once per chunk, the weights once;
* input outer: I in min(ceil(I / (S/2)), N*P*Q) chunks of output pixels; the weights are read
  once per chunk.

The cheaper order is taken. Partial sums spill only if one output channel's reduction
(C*R*S weights) exceeds S/2: then each output is written and read back once for every extra
reduction chunk. Halos of input tiles are ignored.

Every word read from DRAM is written into the global buffer once, and every word written to
DRAM is read from it once; simulate.py adds those accesses to the buffer counts.

Stalls (double buffering): a layer takes max(compute, transfer) plus the first load and the
last write-back, which cannot overlap: one step's share of the transfer. A MAC layer has a
step per fold (summed over cores); pooling and add one per vector of PEs-per-core results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .layer_table import LayerTable
from .liveness import ActivationPlan

MAX_CYCLES = 2.0**62  # PE-cycle products are taken in float64; cycle counts stay int64


@dataclass(frozen=True)
class DramTraffic:
    read: dict[str, np.ndarray]  # operand -> words
    write: dict[str, np.ndarray]
    input_passes: np.ndarray  # times a streamed input is read (1 = once)
    weight_passes: np.ndarray
    input_resident: np.ndarray  # bool: every input of the layer came from the buffer
    output_resident: np.ndarray  # bool: the output stays on chip


def dram_traffic(table: LayerTable, plan: ActivationPlan, capacity_words, activation_share=0.5) -> DramTraffic:
    """DRAM words per layer for a global buffer of ``capacity_words`` (scalar, or a column of
    configurations: results then have one row per configuration)."""
    capacity = np.asarray(capacity_words, dtype=float)
    budget = capacity * np.asarray(activation_share, dtype=float)
    staging = capacity - budget
    tile = staging / 2
    resident = plan.max_live_words <= budget  # (groups,), or (configs, groups)
    not_resident = ~np.take(resident, plan.read_group, axis=-1)
    streamed_input = plan.sum_reads_per_layer(plan.read_words * not_resident)
    input_resident = plan.sum_reads_per_layer(not_resident.astype(np.int64)) == 0
    output_resident = np.take(resident, plan.group_of_layer, axis=-1) & ~plan.is_network_output
    writes = np.where(output_resident, 0, plan.write_words)

    weights = table.weights
    fits = streamed_input + weights <= staging
    # Weight chunks are sets of output channels, input chunks sets of output pixels: there are
    # at most K and N*P*Q of them. A single channel or pixel too big for a tile splits the
    # reduction instead (the partial-sum spill below), not the other operand's passes.
    weight_chunks = np.clip(np.ceil(weights / tile), 1, np.maximum(table.k, 1))
    input_chunks = np.clip(np.ceil(streamed_input / tile), 1, np.maximum(table.pixels, 1))
    weights_outer = weights + streamed_input * weight_chunks
    input_outer = weights * input_chunks + streamed_input
    use_input_outer = ~fits & (input_outer < weights_outer)
    input_passes = np.where(fits | use_input_outer | (streamed_input == 0), 1, weight_chunks)
    weight_passes = np.where(use_input_outer, input_chunks, 1)
    reduction_chunks = np.where(table.has_macs, np.maximum(np.ceil(table.reduction / tile), 1), 1)
    psum_spill = table.output_words * (reduction_chunks - 1)
    zero = np.zeros(np.shape(writes), dtype=np.int64)
    return DramTraffic(
        read={"ifmap": _words(streamed_input * input_passes), "filter": _words(weights * weight_passes), "psum": _words(psum_spill) + zero},
        write={"ifmap": zero, "filter": zero, "psum": _words(writes + psum_spill)},
        input_passes=input_passes.astype(np.int64) + zero,
        weight_passes=weight_passes.astype(np.int64) + zero,
        input_resident=input_resident + zero.astype(bool),
        output_resident=output_resident + zero.astype(bool),
    )


def _words(values) -> np.ndarray:
    return np.rint(values).astype(np.int64)


def stalled_cycles(compute, read_bytes, write_bytes, steps, bandwidth):
    """Cycles with double buffering: max(compute, transfer) plus the first load and the last
    write-back, which cannot overlap (one of ``steps`` equal transfer steps each)."""
    compute = np.asarray(compute)
    if bandwidth is None:
        return compute
    steps = np.maximum(steps, 1)
    exposed = (read_bytes + write_bytes) / steps / bandwidth
    total = np.maximum(compute, (read_bytes + write_bytes) / bandwidth) + exposed
    if np.any(total > MAX_CYCLES):
        raise InputError("--hw", "memory.dram_bandwidth_bytes_per_cycle",
                         f"a layer would take {float(np.max(total)):.3g} cycles, more than the 2^62 the simulator "
                         "counts; raise the bandwidth or shrink the layer")
    return np.maximum(np.ceil(total - 1e-9), compute).astype(np.int64)
