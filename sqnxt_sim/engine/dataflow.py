"""Dataflow presets: which GEMM dimension lies on the array rows, which on the columns,
which streams in time, and what that costs per fold.

A convolution group is the GEMM ifmap (M x D) times filter (D x F), with
M = N*P*Q output pixels, D = R*S*C reduction length and F = K/G filters per group.

    preset  rows (Sr)  cols (Sc)  time (T)  stays in the PE
    os      M          F          D         partial sum
    ws      D          F          M         weight
    is      D          M          F         input

A layer runs ceil(Sr/rows) x ceil(Sc/cols) folds back to back. Each fold streams for T
cycles and pays its own fill and drain: rows + cols - 2 cycles for os, 2*rows + cols - 2 for
ws and is (the stationary operand is loaded over the rows first). With unlimited memory
bandwidth this is SCALE-Sim's cycle count plus one (SCALE-Sim counts from cycle 0); we report
the count itself.

Access counts (words) for one group, with Fr row folds and Fc column folds:

    os  GB read  ifmap M*D*Fc (each ifmap row again for every column fold)
                 filter F*D*Fr (each filter column again for every row fold)
        GB write ofmap M*F (sums finish inside the PEs)
        inter-PE ifmap M*D*(F-Fc), filter F*D*(M-Fr): a value fed at the array edge is passed
                 on to every other PE of its row or column that uses it
        RF       ifmap MACs, filter MACs, psum 2*MACs (accumulator read and write)
    ws  GB read  filter F*D (loaded once into the PEs), ifmap M*D*Fc,
                 psum M*F*(Fr-1) (partial sums of earlier row folds, read back to accumulate)
        GB write psum/ofmap M*F*Fr
        inter-PE ifmap M*D*(F-Fc), psum M*F*(D-Fr) (sums flow down the columns)
        RF       filter MACs + F*D (stationary load), ifmap MACs
    is  like ws with the roles of ifmap and filter swapped: ifmap M*D once, filter F*D*Fc,
        inter-PE filter F*D*(M-Fc), psum M*F*(D-Fr)

The ifmap GB counts use the unrolled (im2col) operand, as SCALE-Sim does: overlapping
windows are read again. DRAM traffic counts real tensor sizes and lives in traffic.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..hardware.config import Dataflow

PRESETS = (Dataflow.OS, Dataflow.WS, Dataflow.IS)
OPERANDS = ("ifmap", "filter", "psum")


@dataclass(frozen=True)
class FoldCost:
    """Cost of a GEMM sub-problem on one PE array. Arrays broadcast over layers (and configs)."""

    spatial_rows: np.ndarray  # Sr
    spatial_cols: np.ndarray  # Sc
    stream: np.ndarray  # T, cycles each fold streams
    row_folds: np.ndarray
    col_folds: np.ndarray
    fill: np.ndarray  # fill + drain cycles each fold pays (all its chunks)
    cycles: np.ndarray  # G * folds * (T + fill)
    gb_read: dict[str, np.ndarray]
    gb_write: dict[str, np.ndarray]
    inter_pe: dict[str, np.ndarray]
    register_file: dict[str, np.ndarray]


def fold_cost(dataflow: Dataflow, pixels, reduction, filters, groups, rows, cols, chunks=1,
              rf_per_mac=False, load_drain_hops=True) -> FoldCost:
    """Cycles and on-chip access counts of ``groups`` GEMMs (pixels x reduction x filters).

    ``chunks`` splits the streamed dimension (ws: pixels, is: filters) so that the partial sums
    waiting between row folds fit the buffer: each chunk re-loads the stationary operand and
    pays the fill again. ``rf_per_mac`` and ``load_drain_hops`` select the energy conventions
    (hardware.energy.Conventions)."""
    m, d, f, g = (np.asarray(x, dtype=np.int64) for x in (pixels, reduction, filters, groups))
    chunks = np.asarray(chunks, dtype=np.int64)
    macs = g * m * d * f
    zero = np.zeros_like(macs)
    if dataflow is Dataflow.OS:
        sr, sc, t = m, f, d
        fill = rows + cols - 2
        chunks = np.ones_like(chunks)
    elif dataflow is Dataflow.WS:
        sr, sc, t = d, f, m
        fill = 2 * rows + cols - 2
    elif dataflow is Dataflow.IS:
        sr, sc, t = d, m, f
        fill = 2 * rows + cols - 2
    else:
        raise ValueError(f"not a preset: {dataflow}")
    fr = -(-sr // rows)
    fc = -(-sc // cols)
    folds = fr * fc
    fill = np.broadcast_to(np.asarray(fill, dtype=np.int64), np.broadcast_shapes(np.shape(fill), fr.shape))
    active = macs > 0  # a core given nothing (no pixels or no filters) runs and moves nothing
    cycles = np.where(active, g * folds * (t + chunks * fill), 0)
    # Every other count is a product with M or F except the stationary loads: mask those.
    chunks = np.where(active, chunks, 0)
    # Hops to load the stationary operand (ws, is) or drain the outputs (os) through the rows:
    # in a fold using r rows the value bound for row i crosses i links.
    whole, rest = np.divmod(sr, rows)
    along_rows = whole * rows * (rows - 1) // 2 + rest * (rest - 1) // 2
    edge_hops = _convention(load_drain_hops, lambda: g * sc * along_rows * chunks, lambda: zero)

    if dataflow is Dataflow.OS:
        gb_read = {"ifmap": g * m * d * fc, "filter": g * f * d * fr, "psum": zero}
        gb_write = {"ifmap": zero, "filter": zero, "psum": g * m * f}
        inter_pe = {"ifmap": g * m * d * (f - fc), "filter": g * f * d * (m - fr), "psum": edge_hops}
        legacy_rf = {"ifmap": macs, "filter": macs, "psum": 2 * macs}
        # On change: only the accumulator is written, once per MAC; the operands pass through
        # pipeline registers (hops).
        rf = {"ifmap": zero, "filter": zero, "psum": macs}
    elif dataflow is Dataflow.WS:
        gb_read = {"ifmap": g * m * d * fc, "filter": g * f * d * chunks, "psum": g * m * f * (fr - 1)}
        gb_write = {"ifmap": zero, "filter": zero, "psum": g * m * f * fr}
        inter_pe = {"ifmap": g * m * d * (f - fc), "filter": edge_hops, "psum": g * m * f * (d - fr)}
        legacy_rf = {"ifmap": macs, "filter": macs + g * f * d * chunks, "psum": zero}
        rf = {"ifmap": zero, "filter": g * f * d * chunks, "psum": zero}  # the stationary weight, once per load
    else:
        gb_read = {"ifmap": g * m * d * chunks, "filter": g * f * d * fc, "psum": g * m * f * (fr - 1)}
        gb_write = {"ifmap": zero, "filter": zero, "psum": g * m * f * fr}
        inter_pe = {"ifmap": edge_hops, "filter": g * f * d * (m - fc), "psum": g * m * f * (d - fr)}
        legacy_rf = {"ifmap": macs + g * m * d * chunks, "filter": macs, "psum": zero}
        rf = {"ifmap": g * m * d * chunks, "filter": zero, "psum": zero}  # the stationary input, once per load
    register_file = {op: _convention(rf_per_mac, lambda op=op: legacy_rf[op], lambda op=op: rf[op]) for op in rf}
    return FoldCost(sr, sc, t, fr, fc, fill * chunks, cycles, gb_read, gb_write, inter_pe, register_file)


def _convention(flag, when_true, when_false):
    """Per-configuration choice between two counts, computed once when all configs agree."""
    flag = np.asarray(flag)
    if not flag.any():
        return when_false()
    if flag.all():
        return when_true()
    return np.where(flag, when_true(), when_false())


def waiting_partial_sums(dataflow: Dataflow, pixels, reduction, filters, rows, cols):
    """Words of partial sums that wait in the buffer between row folds (one group): ws keeps
    every pixel's sums of one column fold, is every filter's sums of one column fold; os and
    single-row-fold layers keep none (the sums finish in the array)."""
    m, d, f = (np.asarray(x, dtype=np.int64) for x in (pixels, reduction, filters))
    several_row_folds = d > rows
    if dataflow is Dataflow.WS:
        waiting = m * np.minimum(f, cols)
    elif dataflow is Dataflow.IS:
        waiting = np.minimum(m, cols) * f
    else:
        waiting = np.zeros_like(m)
    return np.where(several_row_folds, waiting, 0)
