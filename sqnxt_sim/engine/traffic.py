"""DRAM traffic of every layer (words, per operand) and the stalls it causes.

The global buffer (``global_buffer_kib``, shared by all cores) has two parts:

* up to ``activation_share`` of it holds *resident activations*: a layer output stays on chip,
  and its readers get it from the buffer, when the live set fits in that part during its
  whole lifetime (:mod:`sqnxt_sim.engine.liveness`). Otherwise its producer writes it to DRAM
  and every reader reads it back. The network input starts in DRAM; the network output ends
  there.
* the rest stages each layer's tiles: the schedule of :mod:`sqnxt_sim.engine.schedule` picks
  the loop order and tile sizes with the least DRAM traffic that fit in it (less whatever the
  array's own partial sums hold, see simulate.py).

Every word read from DRAM is written into the global buffer once, and every word written to
DRAM is read from it once; simulate.py adds those accesses to the buffer counts.

Stalls (double buffering at the granularity of the schedule's steps): the first step's
tiles load before compute starts and the last step's outputs are written after it ends; the
rest of the transfer overlaps compute:

    cycles = first_load / B + max(compute, (transfer - first_load - last_write) / B) + last_write / B
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .layer_table import LayerTable
from .liveness import ActivationPlan
from .schedule import LayerDims, cached_schedule

MAX_CYCLES = 2.0**62  # PE-cycle products are taken in float64; cycle counts stay int64
NO_SCHEDULE = -1  # ``resident`` of a layer without MACs


@dataclass(frozen=True)
class Residency:
    """Which activations stay on chip, per configuration and layer."""

    streamed_input: np.ndarray  # words of input read from DRAM (once)
    writes: np.ndarray  # words of output written to DRAM (once)
    streamed_second: np.ndarray  # words of a matmul's second operand read from DRAM (once; 0: on chip)
    input_resident: np.ndarray  # bool: every input of the layer came from the buffer
    output_resident: np.ndarray  # bool: the output stays on chip
    staging: np.ndarray  # (configs, 1) words of buffer for the layers' tiles

    def take(self, layers, configs=None) -> "Residency":
        """The columns of ``layers`` only (and the rows of ``configs``, when given)."""
        rows = slice(None) if configs is None else configs
        return Residency(self.streamed_input[rows][:, layers], self.writes[rows][:, layers],
                         self.streamed_second[rows][:, layers],
                         self.input_resident[rows][:, layers], self.output_resident[rows][:, layers],
                         self.staging[rows] if np.ndim(self.staging) == 2 else self.staging)


@dataclass(frozen=True)
class DramTraffic:
    read: dict[str, np.ndarray]  # operand -> words
    write: dict[str, np.ndarray]
    input_passes: np.ndarray  # times the input is fetched (1 = once)
    weight_passes: np.ndarray
    output_passes: np.ndarray  # visits of each output; > 1 means partial sums went to DRAM
    resident: np.ndarray  # schedule.RESIDENT_OPERANDS index, NO_SCHEDULE without MACs
    first_load: np.ndarray  # words loaded before compute can start (MAC layers)
    last_write: np.ndarray  # words written after compute ends (MAC layers)
    footprint: np.ndarray  # words of buffer one step's tiles take
    input_resident: np.ndarray
    output_resident: np.ndarray
    feasible: np.ndarray  # bool: the finest tiles fit (else the other numbers mean nothing)


def residency(table: LayerTable, plan: ActivationPlan, capacity_words, activation_share) -> Residency:
    capacity = np.asarray(capacity_words, dtype=float)
    budget = capacity * np.asarray(activation_share, dtype=float)
    resident = plan.max_live_words <= budget  # (groups,), or (configs, groups)
    not_resident = ~np.take(resident, plan.read_group, axis=-1)
    streamed = plan.read_words * not_resident
    streamed_input = plan.sum_reads_per_layer(np.where(plan.read_is_second, 0, streamed))
    streamed_second = plan.sum_reads_per_layer(np.where(plan.read_is_second, streamed, 0))
    input_resident = plan.sum_reads_per_layer(not_resident.astype(np.int64)) == 0
    output_resident = np.take(resident, plan.group_of_layer, axis=-1) & ~plan.is_network_output
    writes = np.where(output_resident, 0, plan.write_words)
    shape = np.broadcast_shapes(np.shape(writes), np.shape(streamed_input))
    return Residency(np.broadcast_to(streamed_input, shape), np.broadcast_to(writes, shape),
                     np.broadcast_to(streamed_second, shape),
                     np.broadcast_to(input_resident, shape), np.broadcast_to(output_resident, shape),
                     np.reshape(capacity - budget, (-1, 1)))


def dram_traffic(table: LayerTable, res: Residency, capacity) -> DramTraffic:
    """DRAM words per layer when each layer's tiles get ``capacity`` words (configs, layers)."""
    shape = np.shape(res.writes)
    capacity = np.broadcast_to(np.asarray(capacity, dtype=float), shape)
    mac = np.broadcast_to(table.has_macs, shape)
    zero = np.zeros(shape)
    read = {"ifmap": np.where(mac, 0.0, res.streamed_input), "filter": zero, "psum": zero}
    write = {"ifmap": zero, "filter": zero, "psum": np.where(mac, 0.0, res.writes)}
    ones = np.ones(shape)
    fields = {"input_passes": ones, "weight_passes": ones, "output_passes": ones, "feasible": np.ones(shape, dtype=bool),
              "resident": np.full(shape, NO_SCHEDULE, dtype=np.int64), "first_load": zero, "last_write": zero, "footprint": zero}
    config, layer = np.nonzero(mac)
    if layer.size:
        g = table.g[layer]
        # Repeated blocks have equal shapes: schedule each distinct (shape, capacity, residency)
        # once. Integer keys keep this a 1-D unique, fast over a sweep chunk's pairs.
        shapes, shape_id = table.group_shapes
        capacities, capacity_id = np.unique(capacity[config, layer], return_inverse=True)
        capacity_id = np.reshape(capacity_id, -1)
        streamed = res.streamed_input[config, layer] > 0
        written = res.writes[config, layer] > 0
        # A matmul's second operand is an activation: DRAM words only when it is not on chip.
        second = table.second_operand[layer]
        second_streamed = res.streamed_second[config, layer] > 0
        key = (((capacity_id * len(shapes) + shape_id[layer]) * 4 + streamed * 2 + written) * 3
               + np.where(second, 1 + second_streamed, 0))
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        inverse = np.reshape(inverse, -1)
        at = layer[first]
        groups = table.g[at]
        f, c, n, p, q, r, s, stride, h, w = (column.astype(np.float64) for column in shapes[shape_id[at]].T)
        weights = np.where(table.second_operand[at], res.streamed_second[config[first], at] / groups, f * c * r * s)
        dims = LayerDims(f=f, c=c, n=n, p=p, q=q, r=r, s=s, stride=stride, h=h, w=w,
                         input_words=res.streamed_input[config[first], at] / groups,
                         weight_words=weights, output_words=res.writes[config[first], at] / groups)
        plan = cached_schedule(dims, capacities[capacity_id[first]])
        fields["feasible"] = _put(np.ones(shape, dtype=bool), config, layer, plan.feasible[inverse])
        back = lambda values: values[inverse]
        read = {"ifmap": _put(read["ifmap"], config, layer, back(plan.input_read) * g),
                "filter": _put(zero, config, layer, back(plan.weight_read) * g),
                "psum": _put(zero, config, layer, back(plan.psum_read) * g)}
        write = {"ifmap": zero, "filter": zero, "psum": _put(write["psum"], config, layer, back(plan.output_write) * g)}
        for name, values in (("input_passes", plan.input_passes), ("weight_passes", plan.weight_passes),
                             ("output_passes", plan.output_passes), ("resident", plan.resident),
                             ("first_load", plan.first_load), ("last_write", plan.last_write), ("footprint", plan.footprint)):
            fields[name] = _put(fields[name], config, layer, back(values))
    return DramTraffic(
        read={op: _words(v) for op, v in read.items()}, write={op: _words(v) for op, v in write.items()},
        input_passes=fields["input_passes"].astype(np.int64), weight_passes=fields["weight_passes"].astype(np.int64),
        output_passes=fields["output_passes"].astype(np.int64), resident=fields["resident"],
        first_load=fields["first_load"], last_write=fields["last_write"], footprint=fields["footprint"],
        input_resident=res.input_resident, output_resident=res.output_resident, feasible=fields["feasible"],
    )


def too_small_buffer(table: LayerTable, layer: int) -> InputError:
    return InputError("--hw", "memory.global_buffer_kib",
                      f"the buffer leaves too few words to stage one tile of layer '{table.names[layer]}' "
                      f"(one output row, one input channel); give it more buffer or a smaller activation_share")


def dram_traffic_stack(table: LayerTable, res: Residency, capacities: list) -> list[DramTraffic]:
    """dram_traffic for several capacities (each (configs, layers)) in one schedule call."""
    if len(capacities) == 1:
        return [dram_traffic(table, res, capacities[0])]
    configs = np.shape(res.writes)[0]
    shape = np.shape(res.writes)
    count = len(capacities)
    stacked = Residency(*(np.tile(np.broadcast_to(x, shape), (count, 1)) for x in
                          (res.streamed_input, res.writes, res.streamed_second, res.input_resident, res.output_resident)),
                        staging=np.tile(res.staging, (count, 1)))
    traffic = dram_traffic(table, stacked, np.concatenate([np.broadcast_to(c, shape) for c in capacities], axis=0))

    def part(values, i):
        return values[i * configs:(i + 1) * configs]

    return [DramTraffic(
        read={op: part(v, i) for op, v in traffic.read.items()}, write={op: part(v, i) for op, v in traffic.write.items()},
        **{name: part(getattr(traffic, name), i) for name in ("input_passes", "weight_passes", "output_passes", "resident",
                                                               "first_load", "last_write", "footprint", "input_resident",
                                                               "output_resident", "feasible")},
    ) for i in range(count)]


def _put(base: np.ndarray, config, layer, values) -> np.ndarray:
    out = np.array(base, dtype=np.result_type(base, values), copy=True)
    out[config, layer] = values
    return out


def _words(values) -> np.ndarray:
    return np.rint(values).astype(np.int64)


def stalled_cycles(compute, read_bytes, write_bytes, first_load_bytes, last_write_bytes, bandwidth):
    """Cycles with double buffering: the first load and the last write-back do not overlap
    compute; everything between does."""
    compute = np.asarray(compute)
    if bandwidth is None:
        return compute
    transfer = read_bytes + write_bytes
    edges = np.minimum(first_load_bytes + last_write_bytes, transfer)
    total = edges / bandwidth + np.maximum(compute, (transfer - edges) / bandwidth)
    if np.any(total > MAX_CYCLES):
        raise InputError("--hw", "memory.dram_bandwidth_bytes_per_cycle",
                         f"a layer would take {float(np.max(total)):.3g} cycles, more than the 2^62 the simulator "
                         "counts; raise the bandwidth or shrink the layer")
    return np.maximum(np.ceil(total - 1e-9), compute).astype(np.int64)
