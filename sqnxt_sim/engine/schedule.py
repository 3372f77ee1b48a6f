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

from dataclasses import dataclass
from itertools import permutations

import numpy as np

K, P, C = 0, 1, 2
ORDERS = tuple(permutations((K, P, C)))
# The operand that stays in the buffer while the innermost loop runs, by innermost dimension.
RESIDENT_OPERANDS = ("input", "weights", "output")  # innermost K, P, C
# Tile counts tried for the outer loop (the middle loop's tile is solved exactly). Against
# every count from 1 to 128, this list gives the same DRAM traffic on all but one of 1,200
# zoo layer x batch (1, 4, 16) x buffer (4 to 512 KiB) cases, that one 4% more.
OUTER_TILE_COUNTS = np.array([1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 32, 48, 64, 128, 256, 1024, 4096],
                             dtype=np.float64)
# Relevant dimensions of each operand and the one it does not depend on.
IRRELEVANT = {"weights": P, "input": K, "output": C}


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
    weight_words: np.ndarray  # one group
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
_COUNT = np.tile(OUTER_TILE_COUNTS, len(ORDERS))[None, :]
_OUTER, _MIDDLE, _INNER = (_ORDER_OF_COLUMN[:, i][None, :] for i in range(3))
_POSITION = {dim: np.argmax(_ORDER_OF_COLUMN == dim, axis=1)[None, :] for dim in (K, P, C)}
_IS_OUTER, _IS_MIDDLE, _IS_INNER = ({dim: where == dim for dim in (K, P, C)} for where in (_OUTER, _MIDDLE, _INNER))
_RESIDENT_OF_COLUMN = _INNER[0].astype(np.int64)


def dram_schedule(dims: LayerDims, capacity: np.ndarray) -> Schedule:
    """The least-traffic schedule of each (layer, capacity) pair (1-D arrays of equal length).
    Every candidate is a column of (pairs, candidates) arrays: no loop over orders or layers."""
    d = {name: np.asarray(getattr(dims, name), dtype=np.float64)[:, None] for name in LayerDims.__dataclass_fields__}
    cap = np.asarray(capacity, dtype=np.float64)[:, None]
    has_in = d["input_words"] > 0
    has_out = d["output_words"] > 0
    f, c, n, p, q, r, s, stride, h, w = (d[k] for k in ("f", "c", "n", "p", "q", "r", "s", "stride", "h", "w"))

    def window(rows):  # input rows under a band of output rows
        return np.minimum(h, (rows - 1) * stride + r)

    def input_tile(b, u, ct):
        return np.where(has_in, b * ct * w * window(u), 0.0)

    def output_tile(kt, b, u):
        return np.where(has_out, kt * b * u * q, 0.0)

    # Outer loop: a fixed number of tiles; the others start at their finest tile.
    one = np.ones(np.broadcast_shapes(cap.shape, _COUNT.shape))
    kt = np.where(_IS_OUTER[K], np.ceil(f / np.minimum(_COUNT, f)), one)
    ct = np.where(_IS_OUTER[C], np.ceil(c / np.minimum(_COUNT, c)), one)
    pixel_tiles = np.minimum(_COUNT, n * p)
    by_images = pixel_tiles <= n
    b = np.where((_IS_OUTER[P]) & by_images, np.ceil(n / pixel_tiles), one)
    u = np.where(_IS_OUTER[P], np.where(by_images, p, np.ceil(p / np.minimum(np.ceil(pixel_tiles / n), p))), one)
    # Middle loop: the largest tile that still fits (the footprint is linear in it).
    kt_fit = np.clip(np.floor((cap - input_tile(b, u, ct)) / (ct * r * s + np.where(has_out, b * u * q, 0.0))), 0, f)
    ct_fit = np.clip(np.floor((cap - output_tile(kt, b, u)) / (kt * r * s + np.where(has_in, b * w * window(u), 0.0))), 0, c)
    room = cap - kt * ct * r * s
    per_image = np.where(has_in, ct * w * h, 0.0) + np.where(has_out, kt * p * q, 0.0)
    images = np.floor(room / np.maximum(per_image, 1e-300))
    per_row = np.where(has_in, ct * w * stride, 0.0) + np.where(has_out, kt * q, 0.0)
    fixed = np.where(has_in, ct * w * np.maximum(r - stride, 0), 0.0)
    rows_fit = np.clip(np.floor((room - fixed) / np.maximum(per_row, 1e-300)), 0, p)
    kt = np.where(_IS_MIDDLE[K], kt_fit, kt)
    ct = np.where(_IS_MIDDLE[C], ct_fit, ct)
    b = np.where(_IS_MIDDLE[P], np.where(images >= 1, np.minimum(images, n), 1.0), b)
    u = np.where(_IS_MIDDLE[P], np.where(images >= 1, p, rows_fit), u)

    feasible = (kt >= 1) & (ct >= 1) & (b >= 1) & (u >= 1)
    kt, ct, b, u = (np.maximum(x, 1.0) for x in (kt, ct, b, u))
    weight_tile = kt * ct * r * s
    footprint = weight_tile + input_tile(b, u, ct) + output_tile(kt, b, u)
    feasible &= footprint <= cap * (1 + 1e-12)
    bands = np.ceil(p / u)
    images_tiles = np.ceil(n / b)
    count = {K: np.ceil(f / kt), C: np.ceil(c / ct), P: images_tiles * bands}

    def passes(irrelevant):
        first, second = (dim for dim in (K, P, C) if dim != irrelevant)
        outside = ((_POSITION[irrelevant] < _POSITION[first]) & (count[first] > 1)) | (
            (_POSITION[irrelevant] < _POSITION[second]) & (count[second] > 1))
        return np.where(outside, count[irrelevant], 1.0)

    in_passes, w_passes, out_passes = passes(K), passes(P), passes(C)
    halo = np.where(_IS_INNER[P], 1.0, np.maximum((bands * r + (p - bands) * stride) / (r + (p - 1) * stride), 1.0))
    input_read = d["input_words"] * halo * in_passes
    weight_read = d["weight_words"] * w_passes
    output_write = d["output_words"] * out_passes
    psum_read = d["output_words"] * (out_passes - 1)
    traffic = np.where(feasible, input_read + weight_read + output_write + psum_read, np.inf)
    first_load = input_tile(b, u, ct) + weight_tile

    def last(total, tile, tiles):
        return total - (tiles - 1) * tile

    last_write = np.where(has_out, last(f, kt, count[K]) * last(n, b, images_tiles) * last(p, u, bands) * q, 0.0)

    least = traffic.min(axis=1, keepdims=True)
    # Least traffic first (a relative tolerance absorbs float rounding), then least exposure.
    score = np.where(traffic <= least * (1 + 1e-9), first_load + last_write, np.inf)
    choice = np.argmin(score, axis=1)[:, None]

    pairs = np.arange(traffic.shape[0])
    column = choice[:, 0]

    def take(values):
        return values[pairs, column] if values.shape[0] == traffic.shape[0] else values[0, column]

    return Schedule(
        input_read=take(input_read), weight_read=take(weight_read), psum_read=take(psum_read),
        output_write=take(output_write), input_passes=take(in_passes), weight_passes=take(w_passes),
        output_passes=take(out_passes), resident=_RESIDENT_OF_COLUMN[column], footprint=take(footprint),
        first_load=take(first_load), last_write=take(last_write), feasible=np.isfinite(least[:, 0]),
    )
