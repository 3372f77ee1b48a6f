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
OUTER_TILE_COUNTS = np.array([1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 64, 96, 128, 192,
                              256, 384, 512, 1024, 2048, 4096], dtype=np.float64)
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


def dram_schedule(dims: LayerDims, capacity: np.ndarray) -> Schedule:
    """The least-traffic schedule of each (layer, capacity) pair (1-D arrays of equal length)."""
    d = {name: np.asarray(getattr(dims, name), dtype=np.float64)[:, None] for name in LayerDims.__dataclass_fields__}
    cap = np.asarray(capacity, dtype=np.float64)[:, None]
    has_in = d["input_words"] > 0
    has_out = d["output_words"] > 0
    window = lambda rows: np.minimum(d["h"], (rows - 1) * d["stride"] + d["r"])  # input rows under a band

    def input_tile(b, u, ct):
        return np.where(has_in, b * ct * d["w"] * window(u), 0.0)

    def output_tile(kt, b, u):
        return np.where(has_out, kt * b * u * d["q"], 0.0)

    def weight_tile(kt, ct):
        return kt * ct * d["r"] * d["s"]

    def pixel_tile(count):
        """Pixel tile (images b, rows u) for a number of pixel tiles."""
        by_images = count <= d["n"]
        bands = np.minimum(np.ceil(count / d["n"]), d["p"])
        b = np.where(by_images, np.ceil(d["n"] / count), 1.0)
        u = np.where(by_images, d["p"], np.ceil(d["p"] / bands))
        return b, u

    counts = OUTER_TILE_COUNTS[None, :]
    candidates = []
    for order in ORDERS:
        outer, middle, inner = order
        kt = np.ones_like(counts * cap)
        ct = np.ones_like(kt)
        b = np.ones_like(kt)
        u = np.ones_like(kt)
        if outer == K:
            kt = np.ceil(d["f"] / np.minimum(counts, d["f"])) + 0 * kt
        elif outer == C:
            ct = np.ceil(d["c"] / np.minimum(counts, d["c"])) + 0 * ct
        else:
            b, u = (x + 0 * kt for x in pixel_tile(np.minimum(counts, d["n"] * d["p"])))
        if middle == K:
            per = ct * d["r"] * d["s"] + np.where(has_out, b * u * d["q"], 0.0)
            kt = np.clip(np.floor((cap - input_tile(b, u, ct)) / per), 0, d["f"])
        elif middle == C:
            per = kt * d["r"] * d["s"] + np.where(has_in, b * d["w"] * window(u), 0.0)
            ct = np.clip(np.floor((cap - output_tile(kt, b, u)) / per), 0, d["c"])
        else:
            room = cap - weight_tile(kt, ct)
            per_image = np.where(has_in, ct * d["w"] * d["h"], 0.0) + np.where(has_out, kt * d["p"] * d["q"], 0.0)
            images = np.floor(room / np.maximum(per_image, 1e-300))
            per_row = np.where(has_in, ct * d["w"] * d["stride"], 0.0) + np.where(has_out, kt * d["q"], 0.0)
            fixed = np.where(has_in, ct * d["w"] * np.maximum(d["r"] - d["stride"], 0), 0.0)
            rows = np.clip(np.floor((room - fixed) / np.maximum(per_row, 1e-300)), 0, d["p"])
            b = np.where(images >= 1, np.minimum(images, d["n"]), 1.0)
            u = np.where(images >= 1, d["p"], rows)
        candidates.append(_evaluate(order, d, cap, kt, ct, b, u, window, input_tile, output_tile, weight_tile))
    return _pick(candidates)


def _evaluate(order, d, cap, kt, ct, b, u, window, input_tile, output_tile, weight_tile):
    outer, middle, inner = order
    feasible = (kt >= 1) & (ct >= 1) & (b >= 1) & (u >= 1)
    kt, ct, b, u = (np.maximum(x, 1.0) for x in (kt, ct, b, u))
    footprint = weight_tile(kt, ct) + input_tile(b, u, ct) + output_tile(kt, b, u)
    feasible &= footprint <= cap * (1 + 1e-12)
    bands = np.ceil(d["p"] / u)
    n = {K: np.ceil(d["f"] / kt), C: np.ceil(d["c"] / ct), P: np.ceil(d["n"] / b) * bands}
    position = {dim: i for i, dim in enumerate(order)}

    def passes(operand):
        irrelevant = IRRELEVANT[operand]
        first, second = sorted((dim for dim in (K, P, C) if dim != irrelevant), key=position.get)
        outside = (position[irrelevant] < position[second]) & (n[second] > 1)
        outside |= (position[irrelevant] < position[first]) & (n[first] > 1)
        return np.where(outside, n[irrelevant], 1.0)

    in_passes, w_passes, out_passes = passes("input"), passes("weights"), passes("output")
    if inner == P:
        halo = np.ones_like(bands)
    else:
        halo = np.maximum((bands * d["r"] + (d["p"] - bands) * d["stride"]) / (d["r"] + (d["p"] - 1) * d["stride"]), 1.0)
    input_read = d["input_words"] * halo * in_passes
    weight_read = d["weight_words"] * w_passes
    output_write = d["output_words"] * out_passes
    psum_read = d["output_words"] * (out_passes - 1)
    traffic = input_read + weight_read + output_write + psum_read
    first_load = input_tile(b, u, ct) + weight_tile(kt, ct)
    last = lambda total, tile, count: total - (count - 1) * tile
    last_write = np.where(d["output_words"] > 0,
                          last(d["f"], kt, n[K]) * last(d["n"], b, np.ceil(d["n"] / b)) * last(d["p"], u, bands) * d["q"], 0.0)
    resident = np.full(traffic.shape, float((K, P, C).index(inner)))
    return dict(traffic=np.where(feasible, traffic, np.inf), input_read=input_read, weight_read=weight_read,
                psum_read=psum_read, output_write=output_write, input_passes=in_passes, weight_passes=w_passes,
                output_passes=out_passes, resident=resident, footprint=footprint, first_load=first_load,
                last_write=last_write, feasible=feasible)


def _pick(candidates: list[dict]) -> Schedule:
    stacked = {key: np.concatenate([c[key] for c in candidates], axis=1) for key in candidates[0]}
    traffic = stacked["traffic"]
    least = traffic.min(axis=1, keepdims=True)
    exposed = stacked["first_load"] + stacked["last_write"]
    # Least traffic first (a relative tolerance absorbs float rounding), then least exposure.
    score = np.where(traffic <= least * (1 + 1e-9), exposed, np.inf)
    choice = np.argmin(score, axis=1)[:, None]
    feasible = np.isfinite(least[:, 0])
    take = lambda key: np.take_along_axis(stacked[key], choice, axis=1)[:, 0]
    return Schedule(
        input_read=take("input_read"), weight_read=take("weight_read"), psum_read=take("psum_read"),
        output_write=take("output_write"), input_passes=take("input_passes"), weight_passes=take("weight_passes"),
        output_passes=take("output_passes"), resident=take("resident").astype(np.int64), footprint=take("footprint"),
        first_load=take("first_load"), last_write=take("last_write"), feasible=feasible,
    )
