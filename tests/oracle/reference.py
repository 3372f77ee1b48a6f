"""Per-layer reference model: independent oracle for tests; not used by the CLI.

A plain-Python, scalar, one-layer-at-a-time transcription of docs/model.md, written from the
document alone (not from the vectorized engine), so the two can be compared layer by layer in
tests/engine/test_reference_oracle.py. Clarity over speed: loops, ints, exact fractions and
``math.ceil``.

Where docs/model.md leaves a choice open, the choice made here is marked ``INTERPRETATION``.

Summary of the model as implemented here:

* GEMM of one group: M = N P Q, D = R S C, F = K / G.
  os: rows <- M, cols <- F, time T = D;  ws: rows <- D, cols <- F, T = M;
  is: rows <- D, cols <- M, T = F.
  folds = ceil(Sr / rows) ceil(Sc / cols); per fold T + k fill, fill = rows + cols - 2 (os)
  or 2 rows + cols - 2 (ws, is), k the partial-sum chunks (below). Groups run one after
  another.
* Cores: split by output channels (whole groups if G >= cores, else a slice of each group's
  filters) or by output pixels, slices differing by at most one unit; the busiest core sets
  the compute cycles; the split with fewer compute cycles wins, ties go to channels.
  ``best`` then takes the dataflow with the fewest total cycles (stalls included), ties: least
  energy, then the earlier in the registry.
* On-chip counts: the docs/model.md table (GB reads/writes, systolic hops incl. the L(X)
  load/drain hops, RF accesses on change or per MAC), x G, summed over cores.
* Waiting partial sums (ws/is with more than one row fold): M min(F, cols) (ws) or
  min(M, cols) F (is) per core, summed over cores, against a room of half the staging
  buffer; over it, the layer tiles the streamed dimension into k chunks or spills the
  partial sums to DRAM, whichever has the smaller energy x cycles.
* DRAM: ``activation_share`` of the buffer holds resident activations (live-set rule over
  the layer graph), the rest (S words, less the partial sums held) stages one step's tiles
  of a K/P/C loop nest per group: six loop orders, innermost loop at its finest tile, outer
  loop at tile counts 1 ... 4096, middle loop at the largest tile that fits; the schedule
  with the fewest DRAM words wins (ties: smallest first load + last write-back).
* Stalls: edges = min(first_load + last_write, X); cycles = edges / B + max(compute,
  (X - edges) / B), X = DRAM bytes read + written.
* Row-stationary (rs): the layer's geometry on the array (not its GEMM): logical PE sets of
  R filter rows x E output rows, row folds and strips, p filters x q channels per PE as the
  scratchpads allow, copies of the set on filter groups, channel groups and groups; a search
  over strip counts (f = 1..4) and filter-copy divisors (d = 1, 2, 4) keeps the fastest at
  k = 1; cycles = max(runs x (p q S ceil(N Q / k) + rr - 1), bus cycles) with the buffer's
  buses (``memory.array_bus_words_per_cycle``, default rows / cols / cols words a cycle);
  access counts of its table, array deliveries priced at energy.inter_pe; waiting partial
  sums N Q e p ct cx per core; cores split channels or output rows. A layer whose S exceeds
  the ifmap or filter scratchpad cannot be mapped.
* best: the candidates of ``hw.candidates`` (os, ws, is, rs, or ``best_of``), tried in registry
  order; one that cannot map the layer or whose tiles cannot fit is skipped.
* Energy: accesses x cost per level (MAC, RF, systolic hop or multicast, GB, DRAM).
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any

from sqnxt_sim.errors import InputError
from sqnxt_sim.hardware.config import Hardware
from sqnxt_sim.workload.graph import INPUT, Network
from sqnxt_sim.workload.layer import Layer

PRESETS = ("os", "ws", "is")
REGISTRY = (*PRESETS, "rs")  # the registered dataflows, in registry order (docs/model.md, "best")
OPERANDS = ("ifmap", "filter", "psum")
LEVELS = ("register_file", "inter_pe", "global_buffer", "dram")
LOSSES = ("loss_small_dims", "loss_fold_remainder", "loss_fill_drain", "loss_array_bus", "loss_core_imbalance",
          "loss_memory_stall", "loss_non_mac")
# The outer loop's candidate tile counts, as docs/model.md lists them.
TILE_COUNTS = (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 32, 48, 64, 128, 256, 1024, 4096)


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


def _links(x: int, rows: int) -> int:
    """L(X): links crossed loading or draining X values through the rows of the array."""
    full, rem = divmod(x, rows)
    return full * rows * (rows - 1) // 2 + rem * (rem - 1) // 2


def _waiting(preset: str, groups: int, m: int, d: int, f: int, rows: int, cols: int) -> int:
    """Partial sums one core keeps in the buffer between row folds (one group at a time)."""
    if preset == "os" or groups == 0 or m == 0 or f == 0:
        return 0
    sr, _, _ = _mapping(preset, m, d, f)
    if math.ceil(sr / rows) <= 1:
        return 0
    return m * min(f, cols) if preset == "ws" else min(m, cols) * f


def _core_slice(preset: str, groups: int, m: int, d: int, f: int, rows: int, cols: int, k: int,
                hw: Hardware) -> dict[str, Any]:
    """Cycles, fold and loss PE-cycles, and access counts of one core running ``groups``
    groups of the GEMM (m x d) x (d x f), one group after another, the streamed dimension in
    ``k`` chunks."""
    zero = {"cycles": 0, "folds": 0, "group_folds": 0, "macs": 0, "spatial_num": 0, "spatial_den": 0,
            "streaming_pe": 0, "mapped_pe": 0, "bus_pe": 0, "fill_pe": 0, "small_pe": 0, "remainder_pe": 0,
            "row_folds": 0, "spill": 0,
            "gb_read": dict.fromkeys(OPERANDS, 0), "gb_write": dict.fromkeys(OPERANDS, 0),
            "inter_pe": dict.fromkeys(OPERANDS, 0), "rf": dict.fromkeys(OPERANDS, 0)}
    if groups == 0 or m == 0 or f == 0:
        return zero
    sr, sc, t = _mapping(preset, m, d, f)
    fr = math.ceil(sr / rows)
    fc = math.ceil(sc / cols)
    folds = fr * fc
    fill = _fill(preset, rows, cols)
    cycles = groups * folds * (t + k * fill)
    pes = rows * cols
    macs = groups * m * d * f
    # PE-cycles of this core split by cause (the doc's shares times cycles x PEs):
    #   fill/drain: fill cycles (k per fold) of every fold on every PE
    #   small dims: streaming cycles on PEs unreachable because a dimension < array side
    #   remainder:  streaming cycles on PEs idle in the partial last fold
    reach = min(sr, rows) * min(sc, cols)
    fill_pe = groups * folds * k * fill * pes
    small_pe = groups * folds * t * (pes - reach)
    remainder_pe = groups * (folds * t * reach - sr * sc * t)
    # Access counts of one group (docs/model.md table), times the groups.
    mdf = m * d * f
    load_drain = hw.energy.load_drain_hops
    per_mac = hw.energy.register_file_accesses == "per_mac"
    if preset == "os":
        gb_read = {"ifmap": m * d * fc, "filter": f * d * fr, "psum": 0}
        gb_write = {"ifmap": 0, "filter": 0, "psum": m * f}
        hops = {"ifmap": m * d * (f - fc), "filter": f * d * (m - fr),
                "psum": f * _links(m, rows) if load_drain else 0}
        rf = {"ifmap": 0, "filter": 0, "psum": mdf}
        if per_mac:  # every operand read per MAC; the accumulator read and written
            rf = {"ifmap": mdf, "filter": mdf, "psum": 2 * mdf}
    elif preset == "ws":
        gb_read = {"ifmap": m * d * fc, "filter": f * d * k, "psum": m * f * (fr - 1)}
        gb_write = {"ifmap": 0, "filter": 0, "psum": m * f * fr}
        hops = {"ifmap": m * d * (f - fc), "filter": f * _links(d, rows) * k if load_drain else 0,
                "psum": m * f * (d - fr)}
        rf = {"ifmap": 0, "filter": f * d * k, "psum": 0}
        if per_mac:
            # INTERPRETATION: "every operand" is the ifmap and the filter; only the os
            # accumulator adds psum RF accesses (the counts before this model).
            rf = {"ifmap": mdf, "filter": mdf + f * d * k, "psum": 0}
    else:  # is
        gb_read = {"ifmap": m * d * k, "filter": f * d * fc, "psum": m * f * (fr - 1)}
        gb_write = {"ifmap": 0, "filter": 0, "psum": m * f * fr}
        hops = {"ifmap": m * _links(d, rows) * k if load_drain else 0, "filter": f * d * (m - fc),
                "psum": m * f * (d - fr)}
        rf = {"ifmap": m * d * k, "filter": 0, "psum": 0}
        if per_mac:
            rf = {"ifmap": mdf + m * d * k, "filter": mdf, "psum": 0}
    scale = lambda counts: {key: groups * value for key, value in counts.items()}  # noqa: E731
    return {"cycles": cycles, "folds": groups * folds, "group_folds": folds, "macs": macs,
            # spatial utilization: used PEs per fold over all folds (of all cores)
            "spatial_num": groups * sr * sc, "spatial_den": groups * folds * pes, "row_folds": fr,
            # PE-cycles streaming, and those of the PEs mapped while streaming.
            # INTERPRETATION: docs/model.md defines "mapped" only for rs, where
            # loss_small_dims = (streaming - mapped) and loss_fold_remainder = (mapped - MACs)
            # PE-cycles. The same split of the GEMM losses makes mapped the reach of every fold
            # (a x streaming): the PEs of a partly empty last fold count as mapped.
            "streaming_pe": groups * folds * t * pes, "mapped_pe": groups * folds * t * reach,
            "fill_pe": fill_pe, "small_pe": small_pe, "remainder_pe": remainder_pe,
            "bus_pe": 0,  # the presets are fed at the array's edges: no bus wait
            # partial sums spilled to DRAM (written, and as many read back) if they spill
            "spill": groups * m * f * (fr - 1) if preset != "os" else 0,
            "gb_read": scale(gb_read), "gb_write": scale(gb_write), "inter_pe": scale(hops),
            "rf": scale(rf)}


# --------------------------------------------------------------------------------------------
# Row-stationary (docs/model.md, "Row-stationary")
# --------------------------------------------------------------------------------------------

def _rs_mappable(layer: Layer, hw: Hardware) -> bool:
    """A filter row and an input window must fit the PE's filter and ifmap scratchpads."""
    spads = hw.memory.scratchpad_words(hw.word_bits)
    return layer.s <= spads["ifmap"] and layer.s <= spads["filter"]


def _rs_buses(hw: Hardware) -> dict[str, Fraction]:
    """Words per cycle the buffer's buses move to the array, per operand (psum: each
    direction); default rows, cols and cols (what a systolic array of the size feeds)."""
    buses = hw.memory.array_bus_words_per_cycle
    if buses is None:
        return {"ifmap": Fraction(hw.pe_array.rows), "filter": Fraction(hw.pe_array.cols),
                "psum": Fraction(hw.pe_array.cols)}
    return {op: _exact(getattr(buses, op)) for op in OPERANDS}


def _rs_tried(n: int, c: int, q_cols: int, r: int, s: int, u: int, v: int, groups: int, kf: int, e_rows: int,
              rows: int, cols: int, spads: tuple[int, int, int], strips: int, d: int) -> dict[str, int]:
    """One mapping the search tries: ``strips`` = the ef tried, ``d`` the filter-copy divisor."""
    i_words, f_words, p_words = spads
    rf = math.ceil(r / rows)
    rr = math.ceil(r / rf)
    e = math.ceil(e_rows / strips)
    ef = math.ceil(e_rows / e)  # balanced
    copies = (rows // rr) * (cols // e)
    qmax = max(1, min(c, i_words // s))
    pmax = max(1, min(kf, f_words // (qmax * s), p_words))
    want = max(1, math.ceil(kf / pmax), min(kf, copies))
    ct = max(1, min(copies // d, want))
    fg = max(1, min(kf, ct * math.ceil(want / ct)))
    p = math.ceil(kf / fg)
    room = copies // ct
    want = max(math.ceil(c / qmax), min(c, room))
    cr = max(1, min(room, want))
    cg = max(1, min(c, cr * math.ceil(want / cr)))
    q = math.ceil(c / cg)
    cx = max(1, min(copies // (cr * ct), groups))
    rounds = math.ceil(groups / cx) * math.ceil(fg / ct) * math.ceil(cg / cr)
    return {"q": q, "cg": cg, "p": p, "fg": fg, "rf": rf, "rr": rr, "ef": ef, "e": e, "cr": cr, "ct": ct,
            "cx": cx, "rounds": rounds, "writes": rf * math.ceil(cg / cr)}


def _rs_timing(n: int, c: int, q_cols: int, r: int, s: int, u: int, v: int, groups: int, kf: int, e_rows: int,
               m: dict[str, int], k: int, buses: dict[str, Fraction]) -> dict[str, Any]:
    """Array cycles, bus cycles and the buffer/array access counts of a mapping, k chunks."""
    pqs = m["p"] * m["q"] * s
    columns = math.ceil(n * q_cols / k)  # streamed columns of one chunk
    runs = m["ef"] * m["rf"] * m["rounds"] * k
    array_cycles = runs * (pqs * columns + m["rr"] - 1)
    wi = (q_cols - 1) * v + s
    ri = m["rf"] * (e_rows - m["ef"]) * u + m["ef"] * r
    outputs = groups * kf * n * e_rows * q_cols
    weights = groups * kf * c * r * s
    gb_read = {"ifmap": groups * c * n * wi * ri * math.ceil(m["fg"] / m["ct"]),
               "filter": weights * m["ef"] * k,
               "psum": outputs * (m["writes"] - 1)}
    gb_write = {"ifmap": 0, "filter": 0, "psum": outputs * m["writes"]}
    array = {"ifmap": groups * c * n * wi * r * e_rows * m["fg"],
             "filter": weights * e_rows * k,
             "psum": outputs * (m["cg"] * r - m["writes"])}
    # The buses deliver while the PEs compute; psum: the writes (the larger direction).
    bus_cycles = math.ceil(max(Fraction(gb_read["ifmap"]) / buses["ifmap"],
                               Fraction(gb_read["filter"]) / buses["filter"],
                               Fraction(gb_write["psum"]) / buses["psum"]))
    return {"pqs": pqs, "columns": columns, "runs": runs, "array_cycles": array_cycles,
            "bus_cycles": bus_cycles, "cycles": max(array_cycles, bus_cycles), "outputs": outputs,
            "weights": weights, "gb_read": gb_read, "gb_write": gb_write, "array": array}


@functools.lru_cache(maxsize=None)
def _rs_search(n: int, c: int, q_cols: int, r: int, s: int, u: int, v: int, groups: int, kf: int, e_rows: int,
               rows: int, cols: int, spads: tuple[int, int, int], buses: tuple[Fraction, Fraction, Fraction]
               ) -> dict[str, int]:
    """The mapping search: ef = min(E, f ceil(E / W)) for f in 1..4 (outer: widest strips
    first), d in 1, 2, 4 (most filter copies first); the fastest by max(array, bus cycles) at
    k = 1, ties to the first tried."""
    bus = dict(zip(OPERANDS, buses))
    best, best_cycles = None, None
    for f in (1, 2, 3, 4):
        strips = min(e_rows, f * math.ceil(e_rows / cols))
        for d in (1, 2, 4):
            m = _rs_tried(n, c, q_cols, r, s, u, v, groups, kf, e_rows, rows, cols, spads, strips, d)
            cycles = _rs_timing(n, c, q_cols, r, s, u, v, groups, kf, e_rows, m, 1, bus)["cycles"]
            if best is None or cycles < best_cycles:
                best, best_cycles = m, cycles
    return best


def _rs_geometry(layer: Layer) -> tuple[int, ...]:
    return (layer.n, layer.c, layer.q, layer.r, layer.s, layer.stride_h, layer.stride_w)


def _rs_shape(layer: Layer, groups: int, kf: int, e_rows: int, rows: int, cols: int, hw: Hardware) -> dict[str, int]:
    """The rs mapping of ``groups`` groups of ``kf`` filters over ``e_rows`` output rows
    (the doc's formulas with K = kf, E = e_rows, G = groups, H = rows, W = cols).
    INTERPRETATION: the search runs on each core's slice (its own geometry), and the bus
    cycles it weighs are that slice's buffer-to-array words (the table's GB reads and psum
    writes, not the buffer's DRAM-side traffic)."""
    spads = hw.memory.scratchpad_words(hw.word_bits)
    buses = _rs_buses(hw)
    return _rs_search(*_rs_geometry(layer), groups, kf, e_rows, rows, cols,
                      (spads["ifmap"], spads["filter"], spads["psum"]), tuple(buses[op] for op in OPERANDS))


def _rs_waiting(layer: Layer, groups: int, kf: int, e_rows: int, rows: int, cols: int, hw: Hardware) -> int:
    """One round's outputs waiting in the buffer between rounds (one core): N Q e p ct cx."""
    if groups == 0 or kf == 0 or e_rows == 0:
        return 0
    m = _rs_shape(layer, groups, kf, e_rows, rows, cols, hw)
    if m["writes"] <= 1:
        return 0
    return layer.n * layer.q * m["e"] * m["p"] * m["ct"] * m["cx"]


def _rs_core(layer: Layer, groups: int, kf: int, e_rows: int, rows: int, cols: int, k: int,
             hw: Hardware) -> dict[str, Any]:
    """Cycles, PE-cycles by cause and access counts of one core running ``groups`` groups of
    ``kf`` filters over ``e_rows`` output rows of every image under rs, in ``k`` chunks of the
    N Q streamed columns."""
    zero = {"cycles": 0, "group_folds": 0, "macs": 0, "spatial_num": 0, "spatial_den": 0,
            "streaming_pe": 0, "mapped_pe": 0, "fill_pe": 0, "small_pe": 0, "remainder_pe": 0, "bus_pe": 0,
            "spill": 0, "gb_read": dict.fromkeys(OPERANDS, 0), "gb_write": dict.fromkeys(OPERANDS, 0),
            "inter_pe": dict.fromkeys(OPERANDS, 0), "rf": dict.fromkeys(OPERANDS, 0)}
    if groups == 0 or kf == 0 or e_rows == 0:
        return zero
    m = _rs_shape(layer, groups, kf, e_rows, rows, cols, hw)
    t = _rs_timing(*_rs_geometry(layer), groups, kf, e_rows, m, k, _rs_buses(hw))
    pes = rows * cols
    macs = groups * kf * layer.c * layer.r * layer.s * layer.n * e_rows * layer.q
    streaming = t["runs"] * t["pqs"] * t["columns"] * pes
    mapped = groups * m["fg"] * m["cg"] * layer.r * e_rows * t["pqs"] * t["columns"] * k
    if hw.energy.register_file_accesses == "per_mac":
        rf = {"ifmap": macs, "filter": macs, "psum": 2 * macs}
    else:
        rf = {"ifmap": t["array"]["ifmap"], "filter": t["array"]["filter"], "psum": macs}
    return {"cycles": t["cycles"], "array_cycles": t["array_cycles"], "group_folds": m["ef"] * m["rf"], "macs": macs,
            # INTERPRETATION: docs/model.md defines no spatial utilization for rs. Taken as
            # MACs / streaming PE-cycles (summed over cores), so that temporal = utilization /
            # spatial is the share of PE-cycles streaming (the vocabulary's "fill, drain, idle
            # cores and stalls lose the rest"), as for one GEMM core. (The literal "used PEs"
            # would be mapped / streaming, which counts p and q rounding as used.)
            "spatial_num": macs, "spatial_den": streaming,
            "streaming_pe": streaming, "mapped_pe": mapped,
            "fill_pe": t["runs"] * (m["rr"] - 1) * pes, "small_pe": streaming - mapped,
            "remainder_pe": mapped - macs, "bus_pe": (t["cycles"] - t["array_cycles"]) * pes,
            # partial sums of every round but the last (outputs x (writes - 1)) if they spill
            "spill": t["outputs"] * (m["writes"] - 1),
            "gb_read": t["gb_read"], "gb_write": t["gb_write"], "inter_pe": t["array"], "rf": rf}


def _split(total: int, parts: int) -> list[int]:
    """``total`` units over ``parts`` cores, differing by at most one (larger slices first)."""
    base, extra = divmod(total, parts)
    return [base + 1 if i < extra else base for i in range(parts)]


def _core_work(layer: Layer, split: str, cores: int, dataflow: str = "os") -> list[tuple[int, ...]]:
    """(groups, m, d, f) of each core; for rs (groups, filters per group, output rows)."""
    g = layer.g
    if dataflow == "rs":
        kf = layer.k // g
        if split == "channels":
            if g >= cores:
                return [(groups, kf, layer.p) for groups in _split(g, cores)]
            return [(g, filters, layer.p) for filters in _split(kf, cores)]
        # output rows E of every image; every core runs all groups and filters
        return [(g, kf, rows) for rows in _split(layer.p, cores)]
    m = layer.n * layer.p * layer.q
    d = layer.r * layer.s * layer.c
    f = layer.k // g
    if split == "channels":
        if g >= cores:  # whole groups per core
            return [(groups, m, d, f) for groups in _split(g, cores)]
        # a slice of every group's filters
        return [(g, m, d, filters) for filters in _split(f, cores)]
    # INTERPRETATION: the pixel unit is one row of the GEMM (one output pixel of one image,
    # M = N P Q), and every core runs all G groups on its pixels.
    return [(g, pixels, d, f) for pixels in _split(m, cores)]


# --------------------------------------------------------------------------------------------
# Activation residency (liveness) and DRAM traffic
# --------------------------------------------------------------------------------------------

def _is_alias(network: Network, name: str) -> bool:
    """Concat and ReLU outputs share storage with their inputs."""
    return name != INPUT and network.graph.nodes[name]["layer"].op in ("concat", "relu")


def _residency(network: Network, activation_words: Fraction) -> dict[str, Any]:
    """Which activations stay on chip, and which are written to DRAM.

    Concat and ReLU outputs share storage with their inputs: a concat/ReLU and everything it
    reads, transitively, form one storage group (one buffer, the sum of its producers'
    outputs). A group lives from its first producer's step to its last reader's step (both
    included) and is resident when the live set fits in the activation part at every step of that
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
    # network output included), but not the network input (streamed through the staging part).
    live = [0] * len(order)
    for root in members:
        for step in range(max(0, first[root]), last[root] + 1):
            live[step] += words[root]
    resident = {}
    for root in members:
        resident[root] = not holds_input[root] and all(
            live[step] <= activation_words for step in range(max(0, first[root]), last[root] + 1))
    # INTERPRETATION: a network output that later layers also read (through a concat/ReLU) is
    # written to DRAM by its producer and may still be resident for its readers.
    return {
        "read_on_chip": {name: resident[find(name)] for name in names},
        "read_words": {name: size(name) for name in names},
        "written": {name: holds_output[find(name)] or not resident[find(name)] for name in names},
    }


def _p_tiles(n: int, p: int) -> list[tuple[int, int]]:
    """The P loop's tiles, smallest first, as (images b, output rows u): one output row of one
    image up to a whole image, then 2 ... N whole images."""
    return [(1, u) for u in range(1, p + 1)] + [(b, p) for b in range(2, n + 1)]


def _p_count(tile: tuple[int, int], n: int, p: int) -> tuple[int, int]:
    """(tiles of the P loop, bands per image) for a P tile."""
    b, u = tile
    if u == p:
        return math.ceil(n / b), 1
    bands = math.ceil(p / u)
    return n * bands, bands


def _p_tile_for_count(count: int, n: int, p: int) -> tuple[int, int]:
    """The P tile of an outer P loop run in ``count`` tiles.

    INTERPRETATION: up to N tiles are groups of ceil(N / count) whole images; more split
    every image into ceil(count / N) bands of ceil(P / bands) output rows."""
    if count <= n:
        return math.ceil(n / count), p
    return 1, math.ceil(p / math.ceil(count / n))


@functools.lru_cache(maxsize=None)
def _schedule(n: int, f: int, c: int, p: int, q: int, h: int, w: int, r: int, s: int, stride: int,
              room: Fraction, input_on_chip: bool, output_on_chip: bool) -> dict[str, Any] | None:
    """The DRAM schedule of one group (docs/model.md, "The schedule of a MAC layer"), or None
    when no candidate fits in ``room`` words."""
    input_words = n * c * h * w
    weight_words = f * c * r * s
    output_words = n * f * p * q
    extent = {"K": f, "C": c}

    def footprint(kt: int, ct: int, ptile: tuple[int, int]) -> int:
        b, u = ptile
        words = kt * ct * r * s
        if not input_on_chip:
            words += b * ct * w * min(h, (u - 1) * stride + r)
        if not output_on_chip:
            words += kt * b * u * q
        return words

    def largest(loop: str, tiles: dict[str, Any]) -> Any:
        """The largest tile of ``loop`` that fits with the other two loops' tiles, or None."""
        options = _p_tiles(n, p) if loop == "P" else list(range(1, extent[loop] + 1))

        def fits(option: Any) -> bool:
            trial = dict(tiles, **{loop: option})
            return footprint(trial["K"], trial["C"], trial["P"]) <= room

        if not fits(options[0]):
            return None
        lo, hi = 0, len(options) - 1
        while lo < hi:  # the footprint grows with the tile: bisect for the last that fits
            mid = (lo + hi + 1) // 2
            if fits(options[mid]):
                lo = mid
            else:
                hi = mid - 1
        return options[lo]

    chosen = None
    for order in (("K", "P", "C"), ("C", "P", "K"), ("K", "C", "P"), ("P", "C", "K"), ("P", "K", "C"), ("C", "K", "P")):
        outer, middle, inner = order
        finest = {"K": 1, "C": 1, "P": (1, 1)}[inner]
        seen = set()
        for count in TILE_COUNTS:
            outer_tile = (_p_tile_for_count(count, n, p) if outer == "P" else math.ceil(extent[outer] / count))
            if outer_tile in seen:
                continue
            seen.add(outer_tile)
            tiles = {inner: finest, outer: outer_tile, middle: None}
            tiles[middle] = {"K": 1, "C": 1, "P": (1, 1)}[middle]
            middle_tile = largest(middle, tiles)
            if middle_tile is None:
                continue
            tiles[middle] = middle_tile
            candidate = _evaluate(order, tiles, n, f, c, p, q, h, w, r, s, stride, input_words,
                                  weight_words, output_words, input_on_chip, output_on_chip)
            candidate["footprint"] = footprint(tiles["K"], tiles["C"], tiles["P"])
            key = (candidate["words"], candidate["edges"])
            # INTERPRETATION: among equal words and edges the first candidate enumerated wins
            # (orders KPC, CPK, KCP, PCK, PKC, CKP; outer tile counts ascending).
            if chosen is None or key < (chosen["words"], chosen["edges"]):
                chosen = candidate
    return chosen


def _evaluate(order, tiles, n, f, c, p, q, h, w, r, s, stride, input_words, weight_words, output_words,
              input_on_chip, output_on_chip) -> dict[str, Any]:
    kt, ct, (b, u) = tiles["K"], tiles["C"], tiles["P"]
    count = {"K": math.ceil(f / kt), "C": math.ceil(c / ct)}
    count["P"], bands = _p_count((b, u), n, p)
    position = {loop: i for i, loop in enumerate(order)}
    tiled = [loop for loop in order if count[loop] > 1]

    def outside(loop: str, others: tuple[str, str]) -> bool:
        return count[loop] > 1 and any(count[o] > 1 and position[loop] < position[o] for o in others)

    input_passes = count["K"] if outside("K", ("P", "C")) else 1
    weight_passes = count["P"] if outside("P", ("K", "C")) else 1
    visits = count["C"] if outside("C", ("K", "P")) else 1
    # Halo re-reads of bands, unless P is the innermost loop.
    # INTERPRETATION: "innermost" among the tiled loops (loops of one tile are absent).
    halo = Fraction(1)
    if bands > 1 and tiled[-1] != "P":
        halo = max(Fraction(1), Fraction(bands * r + (p - bands) * stride, r + (p - 1) * stride))
    read_input = 0 if input_on_chip else input_words * input_passes * halo
    read_weights = weight_words * weight_passes
    write_output = 0 if output_on_chip else output_words * visits
    read_output = 0 if output_on_chip else output_words * (visits - 1)
    # First step: the first (full) tiles; last step: the last (remainder) tiles.
    first_load = kt * ct * r * s + (0 if input_on_chip else b * ct * w * min(h, (u - 1) * stride + r))
    kt_last = f - (count["K"] - 1) * kt
    if u == p:
        b_last, u_last = n - (count["P"] - 1) * b, p
    else:
        b_last, u_last = 1, p - (bands - 1) * u
    last_write = 0 if output_on_chip else kt_last * b_last * u_last * q
    # The operand that stays while the innermost loop runs.
    resident = {"K": "input", "P": "weights", "C": "output"}[order[-1]]
    return {"order": order, "tiles": tiles, "input_passes": input_passes, "weight_passes": weight_passes,
            "output_passes": visits, "read_input": read_input, "read_weights": read_weights,
            "write_output": write_output, "read_output": read_output,
            "words": read_input + read_weights + write_output + read_output,
            "first_load": first_load, "last_write": last_write, "edges": first_load + last_write,
            "resident": resident}


def _layer_schedule(layer: Layer, room: Fraction, input_on_chip: bool, output_on_chip: bool,
                    hw: Hardware) -> dict[str, Any]:
    sched = _schedule(layer.n, layer.k // layer.g, layer.c, layer.p, layer.q, layer.h, layer.w, layer.r,
                      layer.s, layer.stride_h, room, input_on_chip, output_on_chip)
    if sched is None:
        raise InputError(hw.name, "memory.global_buffer_kib",
                         f"layer {layer.name}: the staging buffer cannot hold one step's tiles")
    return sched


def _mac_traffic(layer: Layer, res: dict[str, Any], sched: dict[str, Any], spill: int) -> dict[str, Any]:
    """DRAM words of one MAC layer: G times its group's schedule, plus spilled partial sums."""
    g = layer.g
    read = dict.fromkeys(OPERANDS, 0)
    write = dict.fromkeys(OPERANDS, 0)
    # INTERPRETATION: docs/model.md gives no rule for the fractional input words of band halos;
    # they are rounded to the nearest word once per layer (rounding up or down disagreed with
    # the engine by one word on some layers).
    read["ifmap"] = round(g * sched["read_input"])
    read["filter"] = g * sched["read_weights"]
    read["psum"] = g * sched["read_output"] + spill
    write["psum"] = g * sched["write_output"] + spill
    return {"read": read, "write": write,
            "input_on_chip": all(res["read_on_chip"][name] for name in layer.inputs),
            "output_on_chip": not res["written"][layer.name],
            "input_passes": sched["input_passes"], "weight_passes": sched["weight_passes"],
            "output_passes": sched["output_passes"], "resident": sched["resident"],
            "edges": sched["edges"]}


def _non_mac_traffic(layer: Layer, res: dict[str, Any]) -> dict[str, Any]:
    output_on_chip = not res["written"][layer.name]
    read = dict.fromkeys(OPERANDS, 0)
    write = dict.fromkeys(OPERANDS, 0)
    common = {"output_on_chip": output_on_chip, "input_passes": 1, "weight_passes": 1, "output_passes": 1,
              "resident": None, "edges": None}
    if layer.op in ("concat", "relu"):
        # INTERPRETATION: a free alias reads nothing from DRAM: its input counts as on chip.
        return {"read": read, "write": write, "input_on_chip": True, **common}
    read["ifmap"] = sum(res["read_words"][name] for name in layer.inputs if not res["read_on_chip"][name])
    if not output_on_chip:
        write["psum"] = layer.output_elements
    return {"read": read, "write": write,
            "input_on_chip": all(res["read_on_chip"][name] for name in layer.inputs), **common}


# --------------------------------------------------------------------------------------------
# One layer
# --------------------------------------------------------------------------------------------

def _exact(value: float) -> Fraction:
    """The decimal number a config value was written as (33.3 -> 333/10)."""
    return Fraction(repr(float(value)))


def _stalled_cycles(compute: int, dram_bytes: int, edge_bytes: Fraction, bandwidth: float | None) -> tuple[int, str]:
    """(cycles, bound): edges / B + max(compute, (X - edges) / B), edges = min(first load +
    last write-back, X), and whether X / B > compute."""
    if bandwidth is None:
        return compute, "compute"
    # Exact rational arithmetic on the configured decimal value, so that a result that is a
    # whole number on paper is not pushed up one cycle by float rounding.
    b = _exact(bandwidth)
    transfer = Fraction(dram_bytes)
    edges = min(edge_bytes, transfer)
    cycles = math.ceil(edges / b + max(Fraction(compute), (transfer - edges) / b))
    return cycles, "memory" if transfer / b > compute else "compute"


def _energy(hw: Hardware, macs_ops: int, rf: dict, inter: dict, gb_read: dict, gb_write: dict,
            dram_words: dict, inter_cost: float | None = None) -> dict[str, float]:
    e = hw.energy
    out: dict[str, float] = {"energy_mac": macs_ops * e.mac}
    per_level = {
        "register_file": (rf, e.register_file),
        # The systolic presets move data by neighbour hops only: each hop costs inter_pe_hop;
        # rs's array deliveries cost inter_pe (the caller passes it).
        "inter_pe": (inter, e.inter_pe_hop if inter_cost is None else inter_cost),
        "global_buffer": ({op: gb_read[op] + gb_write[op] for op in OPERANDS},
                          6.0 if e.global_buffer is None else e.global_buffer),  # Eyeriss Table IV default
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
    """Bytes of ``words`` words, rounded up to whole bytes per column."""
    return math.ceil(words * word_bits / 8)


def _dram_bytes(traffic: dict, word_bits: int) -> int:
    """All DRAM bytes read and written by a layer (the X of the stall formula)."""
    return sum(_bytes(traffic[way][op], word_bits) for way in ("read", "write") for op in OPERANDS)


def _common_columns(row: dict, traffic: dict, word_bits: int) -> None:
    row["input_on_chip"] = traffic["input_on_chip"]
    row["output_on_chip"] = traffic["output_on_chip"]
    row["dram_input_passes"] = traffic["input_passes"]
    row["dram_weight_passes"] = traffic["weight_passes"]
    row["dram_output_passes"] = traffic["output_passes"]
    row["dram_resident"] = traffic["resident"]
    for op in OPERANDS:
        row[f"dram_read_{op}_bytes"] = _bytes(traffic["read"][op], word_bits)
        row[f"dram_write_{op}_bytes"] = _bytes(traffic["write"][op], word_bits)
    row["dram_read_bytes"] = sum(row[f"dram_read_{op}_bytes"] for op in OPERANDS)
    row["dram_write_bytes"] = sum(row[f"dram_write_{op}_bytes"] for op in OPERANDS)


def _mac_row(layer: Layer, preset: str, split: str, hw: Hardware, res: dict[str, Any], stage_words: Fraction,
             strategy: str, k: int, held: int) -> dict[str, Any]:
    rows_, cols_ = hw.pe_array.rows, hw.pe_array.cols
    if preset == "rs":
        cores = [_rs_core(layer, *work, rows_, cols_, k, hw) for work in _core_work(layer, split, hw.cores, preset)]
    else:
        cores = [_core_slice(preset, *work, rows_, cols_, k, hw) for work in _core_work(layer, split, hw.cores)]
    spill = sum(core["spill"] for core in cores) if strategy == "spilled" else 0
    input_on_chip = all(res["read_on_chip"][name] for name in layer.inputs)
    output_on_chip = not res["written"][layer.name]
    sched = _layer_schedule(layer, stage_words - held, input_on_chip, output_on_chip, hw)
    traffic = _mac_traffic(layer, res, sched, spill)
    pes_core = rows_ * cols_
    # the longest core; among equals the one with the most MACs (then the first)
    busiest = max(cores, key=lambda core: (core["cycles"], core["macs"]))
    compute = busiest["cycles"]
    dram_words = {op: traffic["read"][op] + traffic["write"][op] for op in OPERANDS}
    dram_bytes = _dram_bytes(traffic, hw.word_bits)
    # INTERPRETATION: the edge tiles are converted to bytes exactly (not rounded), and they
    # are one group's first and last tiles (the layer's first and last step).
    edge_bytes = Fraction(sched["edges"] * hw.word_bits, 8)
    cycles, bound = _stalled_cycles(compute, dram_bytes, edge_bytes, hw.memory.dram_bandwidth_bytes_per_cycle)
    stall = cycles - compute
    chip_pe_cycles = cycles * pes_core * hw.cores
    macs = layer.macs
    row: dict[str, Any] = {"dataflow": preset, "core_split": split, "cycles": cycles,
                           "compute_cycles": compute, "stall_cycles": stall,
                           # INTERPRETATION: the folds column is the doc's "folds": those of one
                           # group, on the busiest core.
                           "folds": busiest["group_folds"]}
    row["utilization"] = macs / chip_pe_cycles
    row["spatial_utilization"] = sum(c["spatial_num"] for c in cores) / sum(c["spatial_den"] for c in cores)
    row["temporal_utilization"] = row["utilization"] / row["spatial_utilization"]
    row["loss_small_dims"] = sum(c["small_pe"] for c in cores) / chip_pe_cycles
    row["loss_fold_remainder"] = sum(c["remainder_pe"] for c in cores) / chip_pe_cycles
    row["loss_fill_drain"] = sum(c["fill_pe"] for c in cores) / chip_pe_cycles
    row["loss_array_bus"] = sum(c["bus_pe"] for c in cores) / chip_pe_cycles
    row["loss_core_imbalance"] = sum((compute - c["cycles"]) * pes_core for c in cores) / chip_pe_cycles
    row["loss_memory_stall"] = stall / cycles
    row["loss_non_mac"] = 0.0
    row["bound"] = bound
    # The mean PEs given work while streaming: chip PEs x mapped / streaming PE-cycles.
    # INTERPRETATION: mapped and streaming are summed over the cores before the ratio.
    row["active_pes"] = (pes_core * hw.cores * sum(c["mapped_pe"] for c in cores)
                         / sum(c["streaming_pe"] for c in cores))

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
    _common_columns(row, traffic, hw.word_bits)
    row["buffer_footprint_words"] = sched["footprint"] + held
    row["psum_strategy"] = strategy
    row["psum_chunks"] = k
    # rs moves data over the multicast network (energy.inter_pe), the presets by hops.
    inter_cost = hw.energy.inter_pe if preset == "rs" else hw.energy.inter_pe_hop
    row.update(_energy(hw, macs, rf, inter, gb_read, gb_write, dram_words, inter_cost))
    return row


def _psum_plan(layer: Layer, preset: str, split: str, hw: Hardware, stage_words: Fraction) -> tuple[str, int, int]:
    """(strategy, k, held) of one preset and core split when the sums are tiled: none, fits, tiled."""
    rows_, cols_ = hw.pe_array.rows, hw.pe_array.cols
    if preset == "rs":
        waiting = sum(_rs_waiting(layer, *work, rows_, cols_, hw) for work in _core_work(layer, split, hw.cores, preset))
    else:
        waiting = sum(_waiting(preset, *work, rows_, cols_) for work in _core_work(layer, split, hw.cores))
    room = stage_words / 2
    if waiting == 0:
        return "none", 1, 0
    if waiting <= room:
        return "fits", 1, waiting
    # The streamed dimension chunks cut: ws pixels, is filters, rs the N Q output columns.
    streamed = {"ws": layer.n * layer.p * layer.q, "is": layer.k // layer.g, "rs": layer.n * layer.q}[preset]
    # INTERPRETATION: "M or F" are the layer's (one group's) M and F, not a core's slice.
    k = min(math.ceil(waiting / room), streamed)
    # INTERPRETATION: what is held is the waiting sums over k, rounded up to whole words.
    return "tiled", k, math.ceil(Fraction(waiting, k))


def _compute_cycles(layer: Layer, preset: str, split: str, hw: Hardware, k: int) -> int:
    """The busiest core's compute cycles of a split, the streamed dimension in k chunks."""
    rows_, cols_ = hw.pe_array.rows, hw.pe_array.cols
    if preset == "rs":
        cores = [_rs_core(layer, *work, rows_, cols_, k, hw) for work in _core_work(layer, split, hw.cores, preset)]
    else:
        cores = [_core_slice(preset, *work, rows_, cols_, k, hw) for work in _core_work(layer, split, hw.cores)]
    return max(core["cycles"] for core in cores)


def _fewer_cycles(layer: Layer, preset: str, hw: Hardware, plans: dict) -> str:
    """The core split with fewer compute cycles under the given plans; ties: channels."""
    cycles = {split: _compute_cycles(layer, preset, split, hw, plan[1]) for split, plan in plans.items()}
    return "pixels" if cycles["pixels"] < cycles["channels"] else "channels"


def _mac_candidate(layer: Layer, preset: str, hw: Hardware, res: dict[str, Any], stage_words: Fraction) -> dict[str, Any]:
    """One preset: the tiled run (split with fewer compute cycles, sums tiled or fitting); where
    its sums are tiled, also the spilled run (split with fewer compute cycles, sums spilled);
    the smaller energy x cycles of the two (docs/model.md, "Waiting partial sums")."""
    tiled_plans = {split: _psum_plan(layer, preset, split, hw, stage_words) for split in ("channels", "pixels")}
    split = _fewer_cycles(layer, preset, hw, tiled_plans)
    try:
        tiled = _mac_row(layer, preset, split, hw, res, stage_words, *tiled_plans[split])
    except InputError as error:  # the tiled sums leave the schedule no room
        tiled, refusal = None, error
    if tiled is not None and tiled_plans[split][0] != "tiled":
        return tiled
    spilled_plans = {s: ("spilled", 1, 0) if plan[0] == "tiled" else plan for s, plan in tiled_plans.items()}
    split = _fewer_cycles(layer, preset, hw, spilled_plans)
    try:
        spilled = _mac_row(layer, preset, split, hw, res, stage_words, *spilled_plans[split])
    except InputError:
        if tiled is None:
            raise refusal from None
        return tiled
    if tiled is None:
        return spilled
    # INTERPRETATION: energy x cycles with the total (stalled) cycles; a tie tiles.
    if spilled["energy"] * spilled["cycles"] < tiled["energy"] * tiled["cycles"]:
        return spilled
    return tiled


def _mac_layer(layer: Layer, hw: Hardware, res: dict[str, Any], stage_words: Fraction) -> dict[str, Any]:
    # INTERPRETATION: best's candidates are tried in registry order (os, ws, is, rs), whatever
    # order best_of lists them in, so that ties go to the earlier in the registry.
    presets = sorted(hw.candidates, key=REGISTRY.index)
    best = None
    refusal = None
    for preset in presets:
        if preset == "rs" and not _rs_mappable(layer, hw):
            # a layer rs cannot map: no candidate of best; a config asking for rs is refused
            refusal = InputError(hw.name, "memory.scratchpads",
                                 f"layer {layer.name}: a filter row of {layer.s} weights does not fit the "
                                 "ifmap or filter scratchpad")
            continue
        try:
            chosen = _mac_candidate(layer, preset, hw, res, stage_words)
        except InputError as error:  # a preset whose tiles cannot fit is no candidate (docs/model.md)
            refusal = error
            continue
        if best is None or (chosen["cycles"], chosen["energy"]) < (best["cycles"], best["energy"]):
            best = chosen  # ties on cycles and energy keep the earlier (os, ws, is, rs)
    if best is None:
        raise refusal
    return best


def _non_mac_layer(layer: Layer, hw: Hardware, traffic: dict) -> dict[str, Any]:
    ops = layer.elementwise_ops
    pes = hw.pes
    compute = math.ceil(ops / pes)
    dram_words = {op: traffic["read"][op] + traffic["write"][op] for op in OPERANDS}
    dram_bytes = _dram_bytes(traffic, hw.word_bits)
    # INTERPRETATION: a step is as many operations as one core has PEs:
    # steps = ceil(ops / PEs of one array); the edges are one step's share of the transfer.
    steps = math.ceil(ops / (hw.pe_array.rows * hw.pe_array.cols))
    edge_bytes = Fraction(dram_bytes, steps) if steps else Fraction(0)
    cycles, bound = _stalled_cycles(compute, dram_bytes, edge_bytes, hw.memory.dram_bandwidth_bytes_per_cycle)
    stall = cycles - compute
    # Non-MAC layers have no dataflow and are not split (docs/model.md): None, "does not apply".
    row: dict[str, Any] = {"dataflow": None, "core_split": None, "cycles": cycles, "compute_cycles": compute,
                           "stall_cycles": stall, "folds": 0, "active_pes": None}
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
    row["bound"] = bound if cycles else None  # a free layer is bound by nothing
    gb_read = dict.fromkeys(OPERANDS, 0)
    gb_write = dict.fromkeys(OPERANDS, 0)
    if layer.op in ("maxpool", "avgpool", "add"):
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
    _common_columns(row, traffic, hw.word_bits)
    # INTERPRETATION: layers without a schedule stage nothing and hold no partial sums.
    row["buffer_footprint_words"] = 0
    row["psum_strategy"] = None
    row["psum_chunks"] = 1
    nothing = dict.fromkeys(OPERANDS, 0)
    row.update(_energy(hw, ops, nothing, nothing, gb_read, gb_write, dram_words))
    return row


# --------------------------------------------------------------------------------------------
# Whole network
# --------------------------------------------------------------------------------------------

def reference_simulate(network: Network, hardware: Hardware) -> list[dict[str, Any]]:
    """One dict per layer, in execution order, with the engine's column names."""
    # The buffer in words, and its two parts (exact: a fraction of a word is kept, not rounded).
    buffer_words = _exact(hardware.memory.global_buffer_kib) * 1024 * 8 / hardware.word_bits
    share = _exact(hardware.memory.activation_share)
    activation_words = buffer_words * share
    stage_words = buffer_words - activation_words
    res = _residency(network, activation_words)
    rows = []
    for index, layer in enumerate(network.layers):
        if layer.op in ("conv", "fc"):
            row = _mac_layer(layer, hardware, res, stage_words)
        else:
            row = _non_mac_layer(layer, hardware, _non_mac_traffic(layer, res))
        row = {"index": index, "name": layer.name, "op": layer.op, "stage": layer.stage or layer.op,
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
