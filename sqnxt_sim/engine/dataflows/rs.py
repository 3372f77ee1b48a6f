"""Row-stationary (rs), the dataflow of Eyeriss (Chen, Emer, Sze, ISCA 2016, Sec. V;
Chen et al., JSSC 2017, Sec. IV). Formulas and the choices where the papers are silent:
docs/model.md, "Row-stationary".

A PE runs 1-D convolutions: one filter row (S weights) slides over one input row and yields
one row of Q partial sums. A logical PE set is R filter rows x E output rows (E = P): filter
rows are reused across the set's rows of PEs, input rows along its diagonals, and partial
sums climb its columns. Each PE interleaves p filters x q channels, as far as its
scratchpads hold them (q*S inputs, p*q*S weights, p sums), and streams all N images.

On an H x W array: R is cut into rf = ceil(R/H) row folds of rr rows, E into ef = ceil(E/W)
strips of at most e columns; sv = floor(H/rr) x sh = floor(W/e) copies of the set run at
once. Copies take, in this order, other filter groups (sharing the input rows, as Eyeriss's
t sets), other channel groups (their sums add up in the array, its r sets), other groups;
filters and channels are cut into at least as many groups as there are copies to take them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .base import ArrayShape, Conventions, Geometry, MappingCost, ceil_div, convention


@dataclass(frozen=True)
class RowStationary:
    name: str = "rs"
    summary: str = "row stationary (Eyeriss): filter rows x output rows per PE set, 1-D convolutions in the PEs"
    interconnect: str = "multicast"

    def stream_length(self, layer: Geometry) -> np.ndarray:
        return layer.n * layer.q  # a pass streams every image's output columns; chunks cut them

    def pixel_units(self, layer: Geometry) -> np.ndarray:
        return layer.p  # cores split output rows

    def with_pixel_units(self, layer: Geometry, units) -> Geometry:
        return layer.with_(p=units, pixels=layer.n * units * layer.q)

    def plan(self, piece: Geometry, array: ArrayShape) -> "_Mapping":
        return _mapping(piece, array)

    def waiting_partial_sums(self, piece: Geometry, array: ArrayShape, plan=None) -> np.ndarray:
        """One round's outputs wait in the buffer when the reduction takes more than one round."""
        m = plan if plan is not None else _mapping(piece, array)
        return np.where(m.psum_writes > 1, piece.n * piece.q * m.e * m.p * m.filter_copies * m.group_copies, 0)

    def cost(self, piece: Geometry, array: ArrayShape, chunks, conventions: Conventions, plan=None) -> MappingCost:
        m = plan if plan is not None else _mapping(piece, array)
        n, g, e_rows, r, s = piece.n, piece.g, piece.p, piece.r, piece.s
        macs = piece.macs
        active = (macs > 0) & m.feasible
        chunks = np.where(active, np.asarray(chunks, dtype=np.int64), 0)
        pass_cycles = _pass_cycles(piece, m, chunks)
        fill = m.rr - 1  # the last partial sums climb the set's rows
        runs = np.where(active, m.ef * m.rf * m.rounds * chunks, 0)
        array_cycles = _array_cycles(runs, pass_cycles, fill, array.fold_overlap)
        pes = array.pes
        streaming = runs * pass_cycles * pes
        # Every job (group, filter group, channel group) of a strip and row fold keeps rr x e PEs busy.
        mapped = np.where(active, g * m.filter_groups * m.channel_groups * r * e_rows * pass_cycles * chunks, 0)

        zero = np.zeros_like(macs)
        weights = g * piece.k * piece.c * r * s
        outputs = _outputs(piece)
        on = chunks > 0
        gb_read = {op: words * on for op, words in _buffer_reads(piece, m, np.maximum(chunks, 1)).items()}
        gb_write = {"filter": zero, "ifmap": zero, "psum": outputs * m.psum_writes * on}
        delivered = {
            "filter": weights * e_rows * chunks,  # every PE of a set row receives its filter row
            "ifmap": g * piece.c * n * _input_width(piece) * r * e_rows * m.filter_groups * on,  # every PE its input row
        }
        inter_pe = {**delivered, "psum": outputs * (m.channel_groups * r - m.psum_writes) * on}
        # The buses deliver while the PEs compute (double-buffered scratchpads); the busiest bounds the layer.
        cycles = np.maximum(array_cycles, _bus_cycles(gb_read, gb_write["psum"], array))
        per_mac = {"ifmap": macs, "filter": macs, "psum": 2 * macs}
        on_change = {**delivered, "psum": macs}  # a value written into a scratchpad; the sum at every MAC
        register_file = {op: convention(conventions.rf_per_mac, lambda op=op: np.where(active, per_mac[op], 0),
                                        lambda op=op: on_change[op]) for op in per_mac}
        return MappingCost(cycles=cycles, folds=np.where(active, m.ef * m.rf, 0), runs=runs, streaming=streaming,
                           mapped=mapped, fill_cycles=array_cycles - runs * pass_cycles, gb_read=gb_read, gb_write=gb_write,
                           inter_pe=inter_pe, register_file=register_file, feasible=m.feasible,
                           bus_stall_cycles=cycles - array_cycles)


def _array_cycles(runs, pass_cycles, fill, fold_overlap):
    """Each pass then its sums' climb; with fold_overlap the next pass computes while the last
    sums climb (the psum scratchpads hold both), so the climb is paid once.
    (rs packs groups already: its set copies take other groups.)"""
    return convention(fold_overlap, lambda: np.where(runs > 0, runs * pass_cycles + fill, 0),
                      lambda: runs * (pass_cycles + fill))


def _outputs(piece: Geometry):
    return piece.g * piece.k * piece.n * piece.p * piece.q


def _input_width(piece: Geometry):
    return (piece.q - 1) * piece.stride_w + piece.s  # input columns one row of outputs needs


def _pass_cycles(piece: Geometry, m: "_Mapping", chunks):
    """One pass: p x q x S MACs per output column and image, its chunk's share of N*Q columns."""
    return m.p * m.q * piece.s * ceil_div(piece.n * piece.q, np.maximum(chunks, 1))


def _buffer_reads(piece: Geometry, m: "_Mapping", chunks) -> dict:
    """Words read from the global buffer into the array, by operand."""
    input_rows = m.rf * (piece.p - m.ef) * piece.stride_h + m.ef * piece.r  # rows the strips read, summed
    return {
        "filter": piece.g * piece.k * piece.c * piece.r * piece.s * m.ef * chunks,  # once per strip, multicast along set rows
        "ifmap": piece.g * piece.c * piece.n * _input_width(piece) * input_rows
        * ceil_div(m.filter_groups, m.filter_copies),  # once per filter round, shared by the filter copies
        "psum": _outputs(piece) * (m.psum_writes - 1),
    }


def _bus_cycles(reads: dict, psum_writes, array: ArrayShape):
    return np.ceil(np.maximum(np.maximum(reads["ifmap"] / array.bus_ifmap, reads["filter"] / array.bus_filter),
                              psum_writes / array.bus_psum)).astype(np.int64)


@dataclass(frozen=True)
class _Mapping:
    feasible: np.ndarray  # the scratchpads hold one filter row and one input window
    rf: np.ndarray  # row folds (R cut into pieces of at most rr rows)
    rr: np.ndarray
    ef: np.ndarray  # strips (E cut into pieces of at most e output rows)
    e: np.ndarray
    q: np.ndarray  # channels per PE (balanced over channel groups)
    p: np.ndarray  # filters per PE
    channel_groups: np.ndarray
    filter_groups: np.ndarray
    channel_copies: np.ndarray  # set copies running at once, by what they take
    filter_copies: np.ndarray
    group_copies: np.ndarray
    rounds: np.ndarray  # rounds of copies per strip and row fold
    psum_writes: np.ndarray  # partial-sum writes to the buffer per output (row folds x channel rounds)


# The mappings tried. Strip counts, as multiples of the fewest strips that fit the array:
# narrower strips leave room for copies that share the input rows (Eyeriss runs conv1 as two
# 7-wide sets). Filter copies, at most all the copies / d: the rest accumulate channels in the
# array, trading input-bus for psum-bus traffic (Eyeriss's conv4 and conv5 run r = t = 2).
STRIP_FACTORS = (1, 2, 3, 4)
FILTER_COPY_DIVISORS = (1, 2, 4)


def _mapping(piece: Geometry, array: ArrayShape) -> _Mapping:
    """The fastest of the mappings tried (ties: the first, widest strips and most filter
    copies), with one chunk. The candidates lie along a leading axis, evaluated at once."""
    factors = np.array([f for f in STRIP_FACTORS for _ in FILTER_COPY_DIVISORS]).reshape(-1, 1, 1)
    divisors = np.array([d for _ in STRIP_FACTORS for d in FILTER_COPY_DIVISORS]).reshape(-1, 1, 1)
    e_rows = np.maximum(piece.p, 1)
    candidates = _mapping_with_strips(piece, array, np.minimum(ceil_div(e_rows, array.cols) * factors, e_rows), divisors)
    reads = _buffer_reads(piece, candidates, 1)
    runs = candidates.ef * candidates.rf * candidates.rounds
    time = np.maximum(_array_cycles(runs, _pass_cycles(piece, candidates, 1), candidates.rr - 1, array.fold_overlap),
                      _bus_cycles(reads, _outputs(piece) * candidates.psum_writes, array))
    best = np.argmin(time, axis=0)[None]  # the first of equals
    pick = lambda x: np.take_along_axis(np.broadcast_to(x, time.shape), best, 0)[0]
    return _Mapping(*(pick(getattr(candidates, f.name)) for f in fields(_Mapping)))


def _mapping_with_strips(piece: Geometry, array: ArrayShape, ef, filter_copy_divisor) -> _Mapping:
    rows, cols = array.rows, array.cols
    k, c, g, e_rows, r, s = piece.k, piece.c, piece.g, piece.p, piece.r, piece.s
    feasible = (array.spad_ifmap >= s) & (array.spad_filter >= s)
    rf = ceil_div(r, rows)
    rr = ceil_div(r, rf)
    e = ceil_div(np.maximum(e_rows, 1), ef)
    ef = ceil_div(np.maximum(e_rows, 1), e)  # balanced strips: as many as that width needs
    copies = (rows // rr) * (cols // e)
    # Filters first (copies on other filters share the input rows, as Eyeriss's t sets), then
    # channels (their sums add up in the array, its r sets), then groups. In each PE, as many
    # channels and filters as the scratchpads hold, cut finer where that would leave copies idle.
    q_max = np.clip(np.minimum(c, array.spad_ifmap // s), 1, None)
    p_max = np.clip(np.minimum(np.minimum(k, array.spad_filter // (q_max * s)), array.spad_psum), 1, None)
    wanted = np.maximum(np.maximum(ceil_div(k, p_max), np.minimum(k, copies)), 1)  # >= 1: a core given no filters
    filter_copies = np.clip(np.minimum(copies // filter_copy_divisor, wanted), 1, None)
    filter_groups = np.maximum(np.minimum(k, filter_copies * ceil_div(wanted, filter_copies)), 1)  # every round full
    p = ceil_div(k, filter_groups)
    channel_room = copies // filter_copies
    wanted = np.maximum(ceil_div(c, q_max), np.minimum(c, channel_room))
    channel_copies = np.clip(np.minimum(channel_room, wanted), 1, None)
    channel_groups = np.maximum(np.minimum(c, channel_copies * ceil_div(wanted, channel_copies)), 1)
    q = ceil_div(c, channel_groups)
    group_copies = np.clip(np.minimum(copies // (channel_copies * filter_copies), g), 1, None)
    rounds = ceil_div(g, group_copies) * ceil_div(filter_groups, filter_copies) * ceil_div(channel_groups, channel_copies)
    psum_writes = rf * ceil_div(channel_groups, channel_copies)
    return _Mapping(feasible, rf, rr, ef, e, q, p, channel_groups, filter_groups, channel_copies, filter_copies,
                    group_copies, rounds, psum_writes)


RS = RowStationary()
