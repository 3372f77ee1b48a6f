"""The DRAM schedule of a layer: which operand stays in the global buffer, the tile sizes,
and the DRAM words each operand moves. Closed form, vectorized over (layer, capacity) pairs.

One group of a layer is a loop nest over three tiled dimensions, outer to inner in one of
the six orders of

    K  output channels of the group (F = K/G of them)
    P  output pixels: whole images of the batch, or bands of output rows of one image
    C  input channels of the group

Each operand depends on two of them: weights on K and C, the input on P and C, the output on
K and P. An operand is fetched again for every iteration of its irrelevant loop that lies
outside its innermost relevant loop (loops of one tile are absent). So the output is visited
once per C tile when C lies outside it: every visit but the last writes partial sums to DRAM
and every visit but the first reads them back. Bands of output rows re-read the input rows
their windows share (halos), unless P is the innermost loop: consecutive bands then slide
over the rows already in the buffer.

Candidates: for each order, the innermost loop walks its finest tile (one channel, or one
output row), the outer loop takes one of ``OUTER_TILE_COUNTS`` tiles, and the middle loop the
largest tile that still fits. The tiles of one step (weights, input window, output) must fit
in the capacity given; nothing is double counted and nothing exceeds it. Among the
candidates with the least DRAM traffic, the one whose first load and last write-back are
smallest is taken (they cannot hide behind compute; see traffic.stalled_cycles).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, fields

import numpy as np

K, P, C = 0, 1, 2
# Outer to inner. Grouped by the middle loop (P, C, K), so each group's candidates are one
# contiguous block; the order is also the tie order (docs/model.md).
ORDERS = ((K, P, C), (C, P, K), (K, C, P), (P, C, K), (P, K, C), (C, K, P))
# The operand that stays in the buffer while the innermost loop runs, by innermost dimension.
RESIDENT_OPERANDS = ("input", "weights", "output")  # innermost K, P, C
# Tile counts tried for the outer loop (the middle loop's tile is solved exactly). Against
# every count from 1 to 128, this list gives the same DRAM traffic on all but one of 1,200
# zoo layer x batch (1, 4, 16) x buffer (4 to 512 KiB) cases, that one 4% more.
OUTER_TILE_COUNTS = np.array([1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 32, 48, 64, 128, 256, 1024, 4096],
                             dtype=np.float64)


@dataclass(frozen=True)
class LayerDims:
    """One group of each MAC layer, with the DRAM-side sizes of its operands (words)."""

    f: np.ndarray  # output channels per group
    c: np.ndarray  # input channels per group
    n: np.ndarray
    p: np.ndarray
    q: np.ndarray
    r: np.ndarray
    s: np.ndarray
    stride: np.ndarray  # vertical stride
    h: np.ndarray  # input height and width
    w: np.ndarray
    input_words: np.ndarray  # streamed from DRAM, one group (0: the input is on chip)
    weight_words: np.ndarray  # one group (0: a matmul's second operand that is on chip)
    output_words: np.ndarray  # written to DRAM, one group (0: the output stays on chip)


@dataclass(frozen=True)
class Schedule:
    """Per (layer, capacity) pair, for one group (the caller multiplies by the groups)."""

    input_read: np.ndarray  # words
    weight_read: np.ndarray
    psum_read: np.ndarray
    output_write: np.ndarray  # final outputs and partial-sum spills
    input_passes: np.ndarray  # times the input is fetched (halos aside)
    weight_passes: np.ndarray
    output_passes: np.ndarray  # visits of each output (> 1: partial sums spilled)
    resident: np.ndarray  # index into RESIDENT_OPERANDS
    footprint: np.ndarray  # words of one step's tiles (<= capacity)
    first_load: np.ndarray  # words the first step needs before it can start
    last_write: np.ndarray  # words the last step writes after compute ends
    feasible: np.ndarray  # bool: the finest tiles fit


# One column per candidate: every order with every outer tile count.
_ORDER_OF_COLUMN = np.repeat(np.array(ORDERS), len(OUTER_TILE_COUNTS), axis=0)  # (candidates, 3)
_POSITION = {dim: np.argmax(_ORDER_OF_COLUMN == dim, axis=1)[None, :] for dim in (K, P, C)}
_P_INNERMOST = _ORDER_OF_COLUMN[:, 2][None, :] == P
_RESIDENT_OF_COLUMN = _ORDER_OF_COLUMN[:, 2].astype(np.int64)


def _per(room, size):
    """How many tiles of ``size`` words fit in ``room``: for a tile that takes no buffer (input
    and output both on chip), unlimited if there is room left at all; never divides by zero."""
    room, size = np.broadcast_arrays(np.asarray(room, dtype=np.float64), np.asarray(size, dtype=np.float64))
    return np.divide(room, size, out=np.where(room >= 0, np.inf, -np.inf), where=size > 0)


def _window(d, rows):
    """Input rows under a band of ``rows`` output rows (at most the input's height)."""
    return np.minimum(d["h"], (rows - 1) * d["stride"] + d["r"])


def dram_schedule(dims: LayerDims, capacity: np.ndarray) -> Schedule:
    """The least-traffic schedule of each (layer, capacity) pair (1-D arrays of equal length).
    Every candidate is a column of (pairs, candidates) arrays: no loop over layers."""
    d = {name: np.asarray(getattr(dims, name), dtype=np.float64)[:, None] for name in LayerDims.__dataclass_fields__}
    cap = np.asarray(capacity, dtype=np.float64)[:, None]
    is_in = (d["input_words"] > 0).astype(np.float64)  # 0/1 factors: an operand on chip takes no staging room
    is_out = (d["output_words"] > 0).astype(np.float64)
    f, c, n, p, q, r, s, stride, h, w = (d[k] for k in ("f", "c", "n", "p", "q", "r", "s", "stride", "h", "w"))
    rs = r * s * (d["weight_words"] > 0)

    # Tiles start at the finest; each order block then sets its outer and middle loops.
    shape = (cap.shape[0], len(_ORDER_OF_COLUMN))
    kt, ct, b, u = (np.ones(shape) for _ in range(4))
    per_order = len(OUTER_TILE_COUNTS)
    counts = OUTER_TILE_COUNTS[None, :]
    for index, (outer, middle, _) in enumerate(ORDERS):
        cols = slice(index * per_order, (index + 1) * per_order)
        if outer == K:
            kt[:, cols] = np.ceil(f / np.minimum(counts, f))
        elif outer == C:
            ct[:, cols] = np.ceil(c / np.minimum(counts, c))
        else:
            tiles = np.minimum(counts, n * p)
            by_images = tiles <= n
            b[:, cols] = np.where(by_images, np.ceil(n / tiles), 1.0)
            u[:, cols] = np.where(by_images, p, np.ceil(p / np.minimum(np.ceil(tiles / n), p)))
        # Middle loop: the largest tile that still fits (the footprint is linear in it).
        kb, cb, bb, ub = kt[:, cols], ct[:, cols], b[:, cols], u[:, cols]
        if middle == K:
            kt[:, cols] = np.clip(np.floor(_per(cap - bb * cb * w * _window(d, ub) * is_in, cb * rs + bb * ub * q * is_out)), 0, f)
        elif middle == C:
            ct[:, cols] = np.clip(np.floor(_per(cap - kb * bb * ub * q * is_out, kb * rs + bb * w * _window(d, ub) * is_in)), 0, c)
        else:
            room = cap - kb * cb * rs
            images = np.floor(_per(room, cb * w * h * is_in + kb * p * q * is_out))
            rows = np.clip(np.floor(_per(room - cb * w * np.maximum(r - stride, 0) * is_in,
                                         cb * w * stride * is_in + kb * q * is_out)), 0, p)
            whole = images >= 1
            b[:, cols] = np.where(whole, np.minimum(images, n), 1.0)
            u[:, cols] = np.where(whole, p, rows)

    feasible = (kt >= 1) & (ct >= 1) & (b >= 1) & (u >= 1)
    for x in (kt, ct, b, u):
        np.maximum(x, 1.0, out=x)
    # Every candidate's traffic and exposure decide; the rest is worked out for the one taken.
    tiles = _Tiles(d, kt, ct, b, u, _POSITION, _P_INNERMOST)
    feasible &= tiles.footprint <= cap * (1 + 1e-12)
    traffic = np.where(feasible, tiles.traffic, np.inf)
    least = traffic.min(axis=1, keepdims=True)
    # Least traffic first (a relative tolerance absorbs float rounding), then least exposure.
    score = np.where(traffic <= least * (1 + 1e-9), tiles.first_load + tiles.last_write, np.inf)
    column = np.argmin(score, axis=1)
    pairs = np.arange(traffic.shape[0])
    flat = {name: value[:, 0] for name, value in d.items()}
    chosen = _Tiles(flat, kt[pairs, column], ct[pairs, column], b[pairs, column], u[pairs, column],
                    {dim: position[0, column] for dim, position in _POSITION.items()}, _P_INNERMOST[0, column])
    return Schedule(
        input_read=chosen.input_read, weight_read=chosen.weight_read, psum_read=chosen.psum_read,
        output_write=chosen.output_write, input_passes=chosen.passes[K], weight_passes=chosen.passes[P],
        output_passes=chosen.passes[C], resident=_RESIDENT_OF_COLUMN[column], footprint=chosen.footprint,
        first_load=chosen.first_load, last_write=chosen.last_write, feasible=np.isfinite(least[:, 0]),
    )


class _Tiles:
    """Footprint, passes, traffic and exposure of tile sizes (kt, ct, b, u) in a loop order
    given by each dimension's position; arrays broadcast (all candidates, or the chosen one)."""

    def __init__(self, d, kt, ct, b, u, position, p_innermost):
        f, c, n, p, q, r, s, stride, h, w = (d[k] for k in ("f", "c", "n", "p", "q", "r", "s", "stride", "h", "w"))
        is_in = (d["input_words"] > 0).astype(np.float64)
        is_out = (d["output_words"] > 0)
        weight_tile = kt * ct * (r * s) * (d["weight_words"] > 0)
        self.first_load = weight_tile + b * ct * w * _window(d, u) * is_in
        self.footprint = self.first_load + kt * b * u * q * is_out
        bands = np.ceil(p / u)
        images = np.ceil(n / b)
        count = {K: np.ceil(f / kt), C: np.ceil(c / ct), P: images * bands}
        tiled = {dim: value > 1 for dim, value in count.items()}
        # An operand is fetched once per tile of its irrelevant loop when that loop lies
        # outside a tiled loop the operand depends on.
        self.passes = {}
        for irrelevant in (K, P, C):
            first, second = (dim for dim in (K, P, C) if dim != irrelevant)
            outside = (((position[irrelevant] < position[first]) & tiled[first])
                       | ((position[irrelevant] < position[second]) & tiled[second]))
            self.passes[irrelevant] = np.where(outside, count[irrelevant], 1.0)
        halo = np.where(p_innermost, 1.0, np.maximum((bands * r + (p - bands) * stride) / (r + (p - 1) * stride), 1.0))
        self.input_read = d["input_words"] * halo * self.passes[K]
        self.weight_read = d["weight_words"] * self.passes[P]
        self.output_write = d["output_words"] * self.passes[C]
        self.psum_read = self.output_write - d["output_words"]
        self.traffic = self.input_read + self.weight_read + self.output_write + self.psum_read
        last = lambda total, tile, tiles: total - (tiles - 1) * tile
        self.last_write = np.where(is_out, last(f, kt, count[K]) * last(n, b, images) * last(p, u, bands) * q, 0.0)

CACHE_ENTRIES = 100_000  # (layer shape, capacity, residency) -> its schedule, least recently used out
_cache: OrderedDict[bytes, bytes] = OrderedDict()  # key row -> the schedule's fields as one float64 row
_FIELDS = tuple(field.name for field in fields(Schedule))


def cached_schedule(dims: LayerDims, capacity: np.ndarray) -> Schedule:
    """dram_schedule, remembering each pair's schedule: a sweep, a comparison or a search
    meets the same layer shapes and buffer sizes again and again. Same numbers either way.
    An entry is two short byte strings (about 400 bytes with the dictionary's own), so the
    full cache stays near 40 MB however large the sweep."""
    key_columns = np.stack([np.asarray(getattr(dims, name), dtype=np.float64) for name in LayerDims.__dataclass_fields__]
                           + [np.asarray(capacity, dtype=np.float64)], axis=1)
    keys = [row.tobytes() for row in key_columns]
    missing = [i for i, key in enumerate(keys) if key not in _cache]
    if missing:
        index = np.array(missing)
        fresh = dram_schedule(LayerDims(*(np.asarray(getattr(dims, name))[index] for name in LayerDims.__dataclass_fields__)),
                              np.asarray(capacity)[index])
        values = np.stack([np.asarray(getattr(fresh, name), dtype=np.float64) for name in _FIELDS], axis=1)
        for j, i in enumerate(missing):
            _cache[keys[i]] = values[j].tobytes()
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    rows = []
    for key in keys:
        _cache.move_to_end(key)
        rows.append(_cache[key])
    table = np.frombuffer(b"".join(rows), dtype=np.float64).reshape(len(keys), len(_FIELDS))
    columns = {name: table[:, i] for i, name in enumerate(_FIELDS)}
    columns["feasible"] = columns["feasible"] > 0.5
    columns["resident"] = columns["resident"].astype(np.int64)
    return Schedule(**{name: np.array(columns[name]) for name in _FIELDS})


def clear_cache() -> None:
    _cache.clear()
