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
    fill: np.ndarray  # fill + drain cycles each fold pays
    cycles: np.ndarray  # G * folds * (T + fill)
    gb_read: dict[str, np.ndarray]
    gb_write: dict[str, np.ndarray]
    inter_pe: dict[str, np.ndarray]
    register_file: dict[str, np.ndarray]


def fold_cost(dataflow: Dataflow, pixels, reduction, filters, groups, rows, cols) -> FoldCost:
    """Cycles and on-chip access counts of ``groups`` GEMMs (pixels x reduction x filters)."""
    m, d, f, g = (np.asarray(x, dtype=np.int64) for x in (pixels, reduction, filters, groups))
    macs = g * m * d * f
    zero = np.zeros_like(macs)
    if dataflow is Dataflow.OS:
        sr, sc, t = m, f, d
        fill = rows + cols - 2
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
    cycles = np.where(macs > 0, g * folds * (t + fill), 0)

    if dataflow is Dataflow.OS:
        gb_read = {"ifmap": g * m * d * fc, "filter": g * f * d * fr, "psum": zero}
        gb_write = {"ifmap": zero, "filter": zero, "psum": g * m * f}
        inter_pe = {"ifmap": g * m * d * (f - fc), "filter": g * f * d * (m - fr), "psum": zero}
        register_file = {"ifmap": macs, "filter": macs, "psum": 2 * macs}
    elif dataflow is Dataflow.WS:
        gb_read = {"ifmap": g * m * d * fc, "filter": g * f * d, "psum": g * m * f * (fr - 1)}
        gb_write = {"ifmap": zero, "filter": zero, "psum": g * m * f * fr}
        inter_pe = {"ifmap": g * m * d * (f - fc), "filter": zero, "psum": g * m * f * (d - fr)}
        register_file = {"ifmap": macs, "filter": macs + g * f * d, "psum": zero}
    else:
        gb_read = {"ifmap": g * m * d, "filter": g * f * d * fc, "psum": g * m * f * (fr - 1)}
        gb_write = {"ifmap": zero, "filter": zero, "psum": g * m * f * fr}
        inter_pe = {"ifmap": zero, "filter": g * f * d * (m - fc), "psum": g * m * f * (d - fr)}
        register_file = {"ifmap": macs + g * m * d, "filter": macs, "psum": zero}
    # A layer with no work (a core given nothing) moves nothing.
    active = macs > 0
    for table in (gb_read, gb_write, inter_pe, register_file):
        for key in table:
            table[key] = np.where(active, table[key], 0)
    return FoldCost(sr, sc, t, fr, fc, fill, cycles, gb_read, gb_write, inter_pe, register_file)
