"""Per-layer reference model: independent oracle for tests; not used by the CLI.

A plain-Python, scalar, one-layer-at-a-time transcription of docs/model.md, written from the
document alone (not from the vectorized engine), so the two can be compared layer by layer in
tests/engine/test_reference_oracle.py. Clarity over speed: loops, ints and ``math.ceil``.

Where docs/model.md leaves a choice open, the choice made here is marked ``INTERPRETATION``.

Summary of the model as implemented here:

* GEMM of one group: M = N P Q, D = R S C, F = K / G.
  os: rows <- M, cols <- F, time T = D;  ws: rows <- D, cols <- F, T = M;
  is: rows <- D, cols <- M, T = F.
  folds = ceil(Sr / rows) ceil(Sc / cols); per fold T + rows + cols - 2 (os) or
  T + 2 rows + cols - 2 (ws, is). Groups run one after another.
* Cores: split by output channels (whole groups if G >= cores, else a slice of each group's
  filters) or by output pixels, slices differing by at most one unit; the busiest core sets
  the compute cycles; the split with fewer compute cycles wins, ties go to channels.
  ``best`` then takes the preset with the fewest total cycles (stalls included), ties: least
  energy.
* Non-MAC layers: pooling R S ops per output, add (inputs - 1) per output, at one op per PE
  per cycle: ceil(ops / all PEs) cycles. Concat and ReLU are free and share storage with
  their inputs.
* DRAM: half the buffer holds resident activations (live-set rule over the layer graph), the
  other half (S words) stages weights and non-resident inputs, tiling with chunks of S / 2
  when they do not fit; partial sums spill when C R S > S / 2.
* Stalls: cycles = max(compute, X / B) + X / steps / B, X = DRAM bytes read + written.
* Energy: accesses x cost per level (MAC, RF, inter-PE, GB, DRAM).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from ..hardware.config import Hardware
from ..workload.graph import INPUT, Network
from ..workload.layer import Layer, Op

PRESETS = ("os", "ws", "is")
OPERANDS = ("ifmap", "filter", "psum")
LEVELS = ("register_file", "inter_pe", "global_buffer", "dram")
LOSSES = ("loss_small_dims", "loss_fold_remainder", "loss_fill_drain", "loss_core_imbalance",
          "loss_memory_stall", "loss_non_mac")


# --------------------------------------------------------------------------------------------
# Mapping of one group (or one core's slice of it) onto one array
# --------------------------------------------------------------------------------------------

def _mapping(preset: str, m: int, d: int, f: int) -> tuple[int, int, int]:
    """(Sr, Sc, T) of the GEMM (m x d) x (d x f) under a preset."""
    if preset == "os":
        return m, f, d
    if preset == "ws":
        return d, f, m
    if preset == "is":
        return d, m, f
    raise ValueError(preset)


def _fill(preset: str, rows: int, cols: int) -> int:
    return rows + cols - 2 if preset == "os" else 2 * rows + cols - 2


def _core_slice(preset: str, groups: int, m: int, d: int, f: int, rows: int, cols: int) -> dict[str, Any]:
    """Cycles, fold and loss PE-cycles, and access counts of one core running ``groups``
    groups of the GEMM (m x d) x (d x f), one group after another."""
    zero = {"cycles": 0, "folds": 0, "group_folds": 0, "macs": 0, "used_pe_folds": 0,
            "fill_pe": 0, "small_pe": 0, "remainder_pe": 0,
            "gb_read": dict.fromkeys(OPERANDS, 0), "gb_write": dict.fromkeys(OPERANDS, 0),
            "inter_pe": dict.fromkeys(OPERANDS, 0), "rf": dict.fromkeys(OPERANDS, 0)}
    if groups == 0 or m == 0 or f == 0:
        return zero
    sr, sc, t = _mapping(preset, m, d, f)
    fr = math.ceil(sr / rows)
    fc = math.ceil(sc / cols)
    folds = fr * fc
    fill = _fill(preset, rows, cols)
    per_fold = t + fill
    cycles = groups * folds * per_fold
    pes = rows * cols
    macs = groups * m * d * f
    # PE-cycles of this core split by cause (the doc's shares times cycles x PEs):
    #   fill/drain: fill cycles of every fold on every PE
    #   small dims: streaming cycles on PEs unreachable because a dimension < array side
    #   remainder:  streaming cycles on PEs idle in the partial last fold
    reach = min(sr, rows) * min(sc, cols)
    fill_pe = groups * folds * fill * pes
    small_pe = groups * folds * t * (pes - reach)
    remainder_pe = groups * (folds * t * reach - sr * sc * t)
    # Access counts of one group (docs/model.md table), times the groups.
    mdf = m * d * f
    if preset == "os":
        gb_read = {"ifmap": m * d * fc, "filter": f * d * fr, "psum": 0}
        gb_write = {"ifmap": 0, "filter": 0, "psum": m * f}
        inter = {"ifmap": m * d * (f - fc), "filter": f * d * (m - fr), "psum": 0}
        rf = {"ifmap": mdf, "filter": mdf, "psum": 2 * mdf}
    elif preset == "ws":
        gb_read = {"ifmap": m * d * fc, "filter": f * d, "psum": m * f * (fr - 1)}
        gb_write = {"ifmap": 0, "filter": 0, "psum": m * f * fr}
        inter = {"ifmap": m * d * (f - fc), "filter": 0, "psum": m * f * (d - fr)}
        rf = {"ifmap": mdf, "filter": mdf + f * d, "psum": 0}
    else:  # is
        gb_read = {"ifmap": m * d, "filter": f * d * fc, "psum": m * f * (fr - 1)}
        gb_write = {"ifmap": 0, "filter": 0, "psum": m * f * fr}
        inter = {"ifmap": 0, "filter": f * d * (m - fc), "psum": m * f * (d - fr)}
        rf = {"ifmap": mdf + m * d, "filter": mdf, "psum": 0}
    scale = lambda counts: {key: groups * value for key, value in counts.items()}  # noqa: E731
    return {"cycles": cycles, "folds": groups * folds, "group_folds": folds, "macs": macs,
            "used_pe_folds": groups * sr * sc,
            "fill_pe": fill_pe, "small_pe": small_pe, "remainder_pe": remainder_pe,
            "gb_read": scale(gb_read), "gb_write": scale(gb_write), "inter_pe": scale(inter),
            "rf": scale(rf)}


def _split(total: int, parts: int) -> list[int]:
    """``total`` units over ``parts`` cores, differing by at most one (larger slices first)."""
    base, extra = divmod(total, parts)
    return [base + 1 if i < extra else base for i in range(parts)]


def _core_slices(layer: Layer, preset: str, split: str, hw: Hardware) -> list[dict[str, Any]]:
    rows, cols, cores = hw.pe_array.rows, hw.pe_array.cols, hw.cores
    g = layer.g
    m = layer.n * layer.p * layer.q
    d = layer.r * layer.s * layer.c
    f = layer.k // g
    if split == "channels":
        if g >= cores:  # whole groups per core
            return [_core_slice(preset, groups, m, d, f, rows, cols) for groups in _split(g, cores)]
        # a slice of every group's filters
        return [_core_slice(preset, g, m, d, filters, rows, cols) for filters in _split(f, cores)]
    # INTERPRETATION: the pixel unit is one row of the GEMM (one output pixel of one image,
    # M = N P Q), and every core runs all G groups on its pixels.
    return [_core_slice(preset, g, pixels, d, f, rows, cols) for pixels in _split(m, cores)]


# --------------------------------------------------------------------------------------------
# Activation residency (liveness) and DRAM traffic
# --------------------------------------------------------------------------------------------

def _is_alias(network: Network, name: str) -> bool:
    """Concat and ReLU outputs share storage with their inputs."""
    return name != INPUT and network.graph.nodes[name]["layer"].op in (Op.CONCAT, Op.RELU)


def _residency(network: Network, half_words: Fraction) -> dict[str, Any]:
    """Which activations stay on chip, and which are written to DRAM.

    Concat and ReLU outputs share storage with their inputs: a concat/ReLU and everything it
    reads, transitively, form one storage group (one buffer, the sum of its producers'
    outputs). A group lives from its first producer's step to its last reader's step (both
    included) and is resident when the live set fits in the resident half at every step of that
    lifetime. The network input starts in DRAM: a group holding it is never resident, and it
    is not part of the live set. A group holding a network output (a layer nobody reads) is
    written to DRAM by its producers.
    """
    graph = network.graph
    order = network.order
    index = {name: i for i, name in enumerate(order)}
    index[INPUT] = -1
    names = (INPUT, *order)

    group = {name: name for name in names}  # union-find over alias edges

    def find(name: str) -> str:
        while group[name] != name:
            group[name] = group[group[name]]
            name = group[name]
        return name

    for name in order:
        if _is_alias(network, name):
            for source in graph.nodes[name]["layer"].inputs:
                group[find(source)] = find(name)

    def size(name: str) -> int:
        layer = network.input_layer if name == INPUT else graph.nodes[name]["layer"]
        return layer.output_elements

    members: dict[str, list[str]] = {}
    for name in names:
        members.setdefault(find(name), []).append(name)
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    words: dict[str, int] = {}
    holds_input: dict[str, bool] = {}
    holds_output: dict[str, bool] = {}
    for root, group_names in members.items():
        stored = [name for name in group_names if not _is_alias(network, name)]
        first[root] = min(index[name] for name in stored)
        last[root] = max(max((index[r] for r in graph.successors(name)), default=index[name]) for name in group_names)
        words[root] = sum(size(name) for name in stored if name != INPUT)
        holds_input[root] = INPUT in stored
        holds_output[root] = any(graph.out_degree(name) == 0 for name in group_names)

    # INTERPRETATION: the live set counts every group alive at a step, resident or not (the
    # network output included), but not the network input (streamed through the staging half).
    live = [0] * len(order)
    for root in members:
        for step in range(max(0, first[root]), last[root] + 1):
            live[step] += words[root]
    resident = {}
    for root in members:
        resident[root] = not holds_input[root] and all(
            live[step] <= half_words for step in range(max(0, first[root]), last[root] + 1))
    # INTERPRETATION: a network output that later layers also read (through a concat/ReLU) is
    # written to DRAM by its producer and may still be resident for its readers.
    return {
        "read_on_chip": {name: resident[find(name)] for name in names},
        "read_words": {name: size(name) for name in names},
        "written": {name: holds_output[find(name)] or not resident[find(name)] for name in names},
    }


def _traffic(layer: Layer, res: dict[str, Any], stage_words: Fraction) -> dict[str, Any]:
    """DRAM words of one layer, per operand, and the pass counts."""
    input_on_chip = all(res["read_on_chip"][name] for name in layer.inputs)
    output_on_chip = not res["written"][layer.name]
    read = dict.fromkeys(OPERANDS, 0)
    write = dict.fromkeys(OPERANDS, 0)
    if layer.op in (Op.CONCAT, Op.RELU):
        # INTERPRETATION: a free alias reads nothing from DRAM: its input counts as on chip.
        return {"read": read, "write": write, "input_on_chip": True,
                "output_on_chip": output_on_chip, "input_passes": 1, "weight_passes": 1}
    inputs = sum(res["read_words"][name] for name in layer.inputs if not res["read_on_chip"][name])
    weights = layer.weights
    # INTERPRETATION: a pass count is 1 unless tiling repeats the operand, even when nothing
    # of that operand comes from DRAM (no weights, resident input).
    input_passes = 1
    weight_passes = 1
    chunk = stage_words / 2
    if inputs + weights > stage_words and inputs and weights:
        # At most K channel chunks and N*P*Q pixel chunks (docs/model.md).
        weight_chunks = min(math.ceil(weights / chunk), layer.k)
        input_chunks = min(math.ceil(inputs / chunk), layer.n * layer.p * layer.q)
        weights_outer = weights + inputs * weight_chunks
        inputs_outer = inputs + weights * input_chunks
        # INTERPRETATION: on a tie, weights outer.
        if weights_outer <= inputs_outer:
            input_passes = weight_chunks
        else:
            weight_passes = input_chunks
    read["ifmap"] = inputs * input_passes
    read["filter"] = weights * weight_passes
    if not output_on_chip:
        write["psum"] = layer.output_elements
    # Partial sums spill when one output channel's reduction exceeds S/2.
    # INTERPRETATION (docs/model.md gives no amount): the reduction runs in
    # ceil(C R S / (S/2)) chunks; between chunks every output's partial sum is written to DRAM
    # and read back, (chunks - 1) times each.
    if layer.op.has_macs:
        reduction = layer.c * layer.r * layer.s
        if reduction > chunk:
            extra = math.ceil(reduction / chunk) - 1
            write["psum"] += layer.output_elements * extra
            read["psum"] += layer.output_elements * extra
    return {"read": read, "write": write, "input_on_chip": input_on_chip, "output_on_chip": output_on_chip,
            "input_passes": input_passes, "weight_passes": weight_passes}


# --------------------------------------------------------------------------------------------
# One layer
# --------------------------------------------------------------------------------------------

def _exact(value: float) -> Fraction:
    """The decimal number a config value was written as (33.3 -> 333/10)."""
    return Fraction(repr(float(value)))


def _stalled_cycles(compute: int, dram_bytes: int, steps: int, bandwidth: float | None) -> tuple[int, str]:
    """(cycles, bound): max(compute, X / B) + X / steps / B, and whether X / B > compute."""
    if bandwidth is None or dram_bytes == 0:
        return compute, "compute"
    # Exact rational arithmetic on the configured decimal value, so that a result that is a
    # whole number on paper is not pushed up one cycle by float rounding.
    transfer = Fraction(dram_bytes) / _exact(bandwidth)
    # INTERPRETATION: the cycle count is the ceiling of the whole expression.
    cycles = math.ceil(max(compute, transfer) + transfer / max(steps, 1))
    return cycles, "memory" if transfer > compute else "compute"


def _energy(hw: Hardware, macs_ops: int, rf: dict, inter: dict, gb_read: dict, gb_write: dict,
            dram_words: dict) -> dict[str, float]:
    e = hw.energy
    out: dict[str, float] = {"energy_mac": macs_ops * e.mac}
    per_level = {
        "register_file": (rf, e.register_file),
        "inter_pe": (inter, e.inter_pe),
        "global_buffer": ({op: gb_read[op] + gb_write[op] for op in OPERANDS}, e.global_buffer),
        "dram": (dram_words, e.dram),
    }
    for level, (counts, cost) in per_level.items():
        total = 0.0
        for op in OPERANDS:
            value = counts[op] * cost
            out[f"energy_{level}_{op}"] = value
            total += value
        out[f"energy_{level}"] = total
    out["energy"] = out["energy_mac"] + sum(out[f"energy_{level}"] for level in LEVELS)
    return out


def _bytes(words: int, word_bits: int) -> int:
    """Bytes of ``words`` words; INTERPRETATION: rounded up to whole bytes per column."""
    return math.ceil(words * word_bits / 8)


def _dram_bytes(traffic: dict, word_bits: int) -> int:
    """All DRAM bytes read and written by a layer (the X of the stall formula)."""
    return sum(_bytes(traffic[way][op], word_bits) for way in ("read", "write") for op in OPERANDS)


def _common_columns(row: dict, layer: Layer, traffic: dict, word_bits: int) -> None:
    row["input_on_chip"] = traffic["input_on_chip"]
    row["output_on_chip"] = traffic["output_on_chip"]
    row["dram_input_passes"] = traffic["input_passes"]
    row["dram_weight_passes"] = traffic["weight_passes"]
    for op in OPERANDS:
        row[f"dram_read_{op}_bytes"] = _bytes(traffic["read"][op], word_bits)
        row[f"dram_write_{op}_bytes"] = _bytes(traffic["write"][op], word_bits)
    row["dram_read_bytes"] = sum(row[f"dram_read_{op}_bytes"] for op in OPERANDS)
    row["dram_write_bytes"] = sum(row[f"dram_write_{op}_bytes"] for op in OPERANDS)


def _mac_candidate(layer: Layer, preset: str, split: str, hw: Hardware, traffic: dict) -> dict[str, Any]:
    cores = _core_slices(layer, preset, split, hw)
    pes_core = hw.pe_array.rows * hw.pe_array.cols
    busiest = max(cores, key=lambda core: core["cycles"])  # the first of the busiest
    compute = busiest["cycles"]
    # Steps of the stall formula: one per fold, summed over cores (and groups).
    steps = sum(core["folds"] for core in cores)
    dram_words = {op: traffic["read"][op] + traffic["write"][op] for op in OPERANDS}
    dram_bytes = _dram_bytes(traffic, hw.word_bits)
    cycles, bound = _stalled_cycles(compute, dram_bytes, steps, hw.memory.dram_bandwidth_bytes_per_cycle)
    stall = cycles - compute
    chip_pe_cycles = cycles * pes_core * hw.cores
    macs = layer.macs
    row: dict[str, Any] = {"dataflow": preset, "core_split": split, "cycles": cycles,
                           "compute_cycles": compute, "stall_cycles": stall,
                           # INTERPRETATION: the folds column is the doc's "folds": those of one
                           # group, on the busiest core.
                           "folds": busiest["group_folds"]}
    row["utilization"] = macs / chip_pe_cycles
    row["spatial_utilization"] = sum(c["used_pe_folds"] for c in cores) / (steps * pes_core)
    row["temporal_utilization"] = row["utilization"] / row["spatial_utilization"]
    row["loss_small_dims"] = sum(c["small_pe"] for c in cores) / chip_pe_cycles
    row["loss_fold_remainder"] = sum(c["remainder_pe"] for c in cores) / chip_pe_cycles
    row["loss_fill_drain"] = sum(c["fill_pe"] for c in cores) / chip_pe_cycles
    row["loss_core_imbalance"] = sum((compute - c["cycles"]) * pes_core for c in cores) / chip_pe_cycles
    row["loss_memory_stall"] = stall / cycles
    row["loss_non_mac"] = 0.0
    row["bound"] = bound

    gb_read = {op: sum(c["gb_read"][op] for c in cores) for op in OPERANDS}
    gb_write = {op: sum(c["gb_write"][op] for c in cores) for op in OPERANDS}
    # Every word read from DRAM is written into the buffer, every word written to DRAM is read
    # out of it.
    for op in OPERANDS:
        gb_write[op] += traffic["read"][op]
        gb_read[op] += traffic["write"][op]
    inter = {op: sum(c["inter_pe"][op] for c in cores) for op in OPERANDS}
    rf = {op: sum(c["rf"][op] for c in cores) for op in OPERANDS}
    for op in OPERANDS:
        row[f"gb_read_{op}_words"] = gb_read[op]
        row[f"gb_write_{op}_words"] = gb_write[op]
    row["gb_read_words"] = sum(gb_read.values())
    row["gb_write_words"] = sum(gb_write.values())
    _common_columns(row, layer, traffic, hw.word_bits)
    row.update(_energy(hw, macs, rf, inter, gb_read, gb_write, dram_words))
    return row


def _mac_layer(layer: Layer, hw: Hardware, traffic: dict) -> dict[str, Any]:
    presets = PRESETS if hw.dataflow.value == "best" else (hw.dataflow.value,)
    best = None
    for preset in presets:
        by_split = [_mac_candidate(layer, preset, split, hw, traffic) for split in ("channels", "pixels")]
        # INTERPRETATION: "finishes first" compares the busiest core's compute cycles (stalls
        # not included); ties: channels.
        chosen = by_split[1] if by_split[1]["compute_cycles"] < by_split[0]["compute_cycles"] else by_split[0]
        if best is None or (chosen["cycles"], chosen["energy"]) < (best["cycles"], best["energy"]):
            best = chosen  # ties on cycles and energy keep the earlier preset (os, ws, is)
    return best


def _non_mac_layer(layer: Layer, hw: Hardware, traffic: dict) -> dict[str, Any]:
    ops = layer.elementwise_ops
    pes = hw.pes
    compute = math.ceil(ops / pes)
    dram_words = {op: traffic["read"][op] + traffic["write"][op] for op in OPERANDS}
    dram_bytes = _dram_bytes(traffic, hw.word_bits)
    # INTERPRETATION: a "vector of results" is as many operations as one core has PEs:
    # steps = ceil(ops / PEs of one array).
    steps = math.ceil(ops / (hw.pe_array.rows * hw.pe_array.cols))
    cycles, bound = _stalled_cycles(compute, dram_bytes, steps, hw.memory.dram_bandwidth_bytes_per_cycle)
    stall = cycles - compute
    # Non-MAC layers are not split by channels or pixels (docs/model.md): '-'.
    row: dict[str, Any] = {"dataflow": "-", "core_split": "-", "cycles": cycles, "compute_cycles": compute,
                           "stall_cycles": stall, "folds": 0}
    row["utilization"] = 0.0
    row["spatial_utilization"] = 0.0
    row["temporal_utilization"] = 0.0
    for loss in LOSSES:
        row[loss] = 0.0
    if cycles:
        row["loss_non_mac"] = compute / cycles
        row["loss_memory_stall"] = stall / cycles
    else:
        # INTERPRETATION: a free layer (concat, ReLU: no cycles) keeps utilization + shares = 1
        # by putting its (empty) share on the non-MAC cause.
        row["loss_non_mac"] = 1.0
    row["bound"] = bound if cycles else "-"  # a free layer is bound by nothing
    gb_read = dict.fromkeys(OPERANDS, 0)
    gb_write = dict.fromkeys(OPERANDS, 0)
    if layer.op in (Op.MAXPOOL, Op.AVGPOOL, Op.ADD):
        # Pooling/add read their inputs from and write their outputs to the buffer once.
        gb_read["ifmap"] = layer.input_elements
        gb_write["psum"] = layer.output_elements
    for op in OPERANDS:
        gb_write[op] += traffic["read"][op]
        gb_read[op] += traffic["write"][op]
        row[f"gb_read_{op}_words"] = gb_read[op]
        row[f"gb_write_{op}_words"] = gb_write[op]
    row["gb_read_words"] = sum(gb_read.values())
    row["gb_write_words"] = sum(gb_write.values())
    _common_columns(row, layer, traffic, hw.word_bits)
    nothing = dict.fromkeys(OPERANDS, 0)
    row.update(_energy(hw, ops, nothing, nothing, gb_read, gb_write, dram_words))
    return row


# --------------------------------------------------------------------------------------------
# Whole network
# --------------------------------------------------------------------------------------------

def reference_simulate(network: Network, hardware: Hardware) -> list[dict[str, Any]]:
    """One dict per layer, in execution order, with the engine's column names."""
    # Half the buffer, in words (exact: a fraction of a word is kept, not rounded).
    half_words = _exact(hardware.memory.global_buffer_kib) * 1024 * 8 / 2 / hardware.word_bits
    res = _residency(network, half_words)
    rows = []
    for index, layer in enumerate(network.layers):
        traffic = _traffic(layer, res, half_words)
        row = _mac_layer(layer, hardware, traffic) if layer.op.has_macs else _non_mac_layer(layer, hardware, traffic)
        row = {"index": index, "name": layer.name, "op": layer.op.value, "stage": layer.stage or layer.op.value,
               "macs": layer.macs, "weights": layer.weights, **row}
        row["time_us"] = row["cycles"] / hardware.clock_mhz
        rows.append(row)
    return rows


def reference_totals(rows: list[dict[str, Any]], hardware: Hardware) -> dict[str, Any]:
    """Network totals: sums, and shares of all PE-cycles of the network."""
    cycles = sum(row["cycles"] for row in rows)
    macs = sum(row["macs"] for row in rows)
    totals: dict[str, Any] = {
        "cycles": cycles,
        "compute_cycles": sum(row["compute_cycles"] for row in rows),
        "stall_cycles": sum(row["stall_cycles"] for row in rows),
        "macs": macs,
        "weights": sum(row["weights"] for row in rows),
        "utilization": macs / (cycles * hardware.pes) if cycles else 0.0,
        "dram_read_bytes": sum(row["dram_read_bytes"] for row in rows),
        "dram_write_bytes": sum(row["dram_write_bytes"] for row in rows),
        "energy": sum(row["energy"] for row in rows),
    }
    # Every layer has the same chip PEs, so a network share is the cycle-weighted mean.
    for loss in LOSSES:
        totals[loss] = sum(row[loss] * row["cycles"] for row in rows) / cycles if cycles else 0.0
    for level in ("mac", *LEVELS):
        totals[f"energy_{level}"] = sum(row[f"energy_{level}"] for row in rows)
    return totals
