"""The GEMM presets (os, ws, is), as data: which GEMM dimension lies on the array rows, which
on the columns, which streams in time. Everything else (the stationary operand, fill cost,
access table) follows from that placement by the rules below.

A convolution group is the GEMM ifmap (M x D) times filter (D x F), with
M = N*P*Q output pixels, D = R*S*C reduction length and F = K/G filters per group.

    preset  rows (Sr)  cols (Sc)  time (T)  stays in the PE
    os      M          F          D         partial sum
    ws      D          F          M         weight
    is      D          M          F         input

A layer runs ceil(Sr/rows) x ceil(Sc/cols) folds back to back. Each fold streams for T
cycles and pays its own fill and drain: rows + cols - 2 cycles, plus rows when the stationary
operand is an input (loaded over the rows first). With unlimited memory bandwidth this is
SCALE-Sim's cycle count plus one (SCALE-Sim counts from cycle 0); we report the count itself.

Access rules (words, one group; Fr, Fc row and column folds; X = an operand, its two GEMM
dimensions among M, D, F):

  stationary input (both its dimensions spatial): GB read once per load (its size x chunks),
      RF written once per load, inter-PE: the hops that load it through the rows.
  streaming input (one spatial dimension a, and the other spatial dimension b it does not
      have): GB read once per fold of b (size x folds(b)); inter-PE size x (extent(b) - folds(b)):
      a value fed at the array edge is passed on to every other PE along b that uses it.
  partial sums stationary (os, D in time): written once (M*F), finished in the PEs; RF written
      at every MAC; inter-PE: the hops that drain them through the rows.
  partial sums streaming (D spatial, folds fD): written M*F*fD, read back M*F*(fD - 1);
      inter-PE M*F*(D - fD) (sums flow along D).

The ifmap GB counts use the unrolled (im2col) operand, as SCALE-Sim does: overlapping windows
are read again. DRAM traffic counts real tensor sizes and lives in traffic.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import ArrayShape, Conventions, Geometry, MappingCost, OPERANDS, ceil_div, convention

OPERAND_DIMS = {"ifmap": ("M", "D"), "filter": ("D", "F"), "psum": ("M", "F")}


@dataclass(frozen=True)
class GemmDataflow:
    name: str
    rows_dim: str  # "M", "D" or "F"
    cols_dim: str
    summary: str
    interconnect: str = "hop"

    @property
    def time_dim(self) -> str:
        return ({"M", "D", "F"} - {self.rows_dim, self.cols_dim}).pop()

    @property
    def stationary(self) -> str:
        return next(op for op, dims in OPERAND_DIMS.items() if set(dims) == {self.rows_dim, self.cols_dim})

    # -- the plug-in interface -------------------------------------------------------------
    def stream_length(self, layer: Geometry) -> np.ndarray:
        if self.stationary == "psum":
            return np.ones_like(layer.pixels)
        return _extents(layer)[self.time_dim]

    def pixel_units(self, layer: Geometry) -> np.ndarray:
        return layer.pixels

    def with_pixel_units(self, layer: Geometry, units) -> Geometry:
        return layer.with_(pixels=units)

    def plan(self, piece: Geometry, array: ArrayShape) -> None:
        return None  # the placement is fixed: nothing to choose per layer

    def waiting_partial_sums(self, piece: Geometry, array: ArrayShape, plan=None) -> np.ndarray:
        """Sums of every streamed value of one fold along the non-reduction spatial dimension
        wait between folds of the reduction dimension (none when the sums stay in the PEs)."""
        ext = _extents(piece)
        if self.stationary == "psum":
            return np.zeros_like(ext["M"])
        size = {self.rows_dim: array.rows, self.cols_dim: array.cols}
        other = self.cols_dim if self.rows_dim == "D" else self.rows_dim
        waiting = ext[self.time_dim] * np.minimum(ext[other], size[other])
        return np.where(ext["D"] > size["D"], waiting, 0)

    def groups_per_fold(self, piece: Geometry, array: ArrayShape) -> np.ndarray:
        """Groups that share one fold (pack_groups): block-diagonally, group j on rows j*D..
        and on its own columns, as many as fit both sides. os cannot: every row's input and
        every column's weights are shared by the whole array, and groups differ in both."""
        if self.stationary == "psum":
            return np.ones_like(piece.g)
        ext = _extents(piece)
        side = np.minimum(array.rows // np.maximum(ext[self.rows_dim], 1), array.cols // np.maximum(ext[self.cols_dim], 1))
        return np.where(np.asarray(array.pack_groups) & (piece.g > 1), np.clip(np.minimum(side, piece.g), 1, None), 1)

    def cost(self, piece: Geometry, array: ArrayShape, chunks, conventions: Conventions, plan=None) -> MappingCost:
        ext = _extents(piece)
        rows, cols = array.rows, array.cols
        g = piece.g
        macs = g * ext["M"] * ext["D"] * ext["F"]
        zero = np.zeros_like(macs)
        sr, sc, t = ext[self.rows_dim], ext[self.cols_dim], ext[self.time_dim]
        folds_of = {self.rows_dim: ceil_div(sr, rows), self.cols_dim: ceil_div(sc, cols)}
        fr, fc = folds_of[self.rows_dim], folds_of[self.cols_dim]
        stationary_input = self.stationary != "psum"
        chunks = np.asarray(chunks if stationary_input else 1, dtype=np.int64)
        fill = rows + cols - 2 + (rows if stationary_input else 0)
        fill = np.broadcast_to(np.asarray(fill, dtype=np.int64), np.broadcast_shapes(np.shape(fill), fr.shape))
        active = macs > 0  # a core given nothing (no pixels or no filters) runs and moves nothing
        pack = self.groups_per_fold(piece, array)
        runs = np.where(active, ceil_div(g, pack) * fr * fc, 0)  # array passes, each k chunks long
        cycles = convention(array.fold_overlap, lambda: _overlapped_cycles(runs, t, chunks, fill, rows),
                            lambda: runs * (t + chunks * fill))
        chunks = np.where(active, chunks, 0)  # the stationary loads are the only counts not a product with M or F
        # Packed groups: group j of its fold sits j blocks from the array's edges, so its values
        # cross the j blocks before its own (position_sum adds up j over all groups).
        full_folds, last_fold = np.divmod(g, pack)
        position_sum = full_folds * pack * (pack - 1) // 2 + last_fold * (last_fold - 1) // 2
        # Hops to load the stationary operand or drain the outputs through the rows: in a
        # fold using r rows the value bound for row i crosses i links.
        whole, rest = np.divmod(sr, rows)
        along_rows = whole * rows * (rows - 1) // 2 + rest * (rest - 1) // 2
        edge_hops = convention(conventions.load_drain_hops,
                               lambda: (g * along_rows + position_sum * sr * sr) * sc * chunks, lambda: zero)

        gb_read, gb_write, inter_pe, rf, legacy_rf = {}, {}, {}, {}, {}
        for op in ("ifmap", "filter"):
            size = g * ext[OPERAND_DIMS[op][0]] * ext[OPERAND_DIMS[op][1]]
            if op == self.stationary:
                gb_read[op] = size * chunks
                inter_pe[op] = edge_hops
                rf[op] = size * chunks
                legacy_rf[op] = macs + size * chunks
            else:
                across = next(dim for dim in (self.rows_dim, self.cols_dim) if dim not in OPERAND_DIMS[op])
                gb_read[op] = size * folds_of[across]
                inter_pe[op] = size * (ext[across] - folds_of[across]) + size // g * ext[across] * position_sum
                rf[op] = zero
                legacy_rf[op] = macs
            gb_write[op] = zero
        outputs = g * ext["M"] * ext["F"]
        if self.stationary == "psum":
            gb_read["psum"], gb_write["psum"] = zero, outputs
            inter_pe["psum"] = edge_hops
            rf["psum"], legacy_rf["psum"] = macs, 2 * macs
        else:
            d_folds = folds_of["D"]
            gb_read["psum"], gb_write["psum"] = outputs * (d_folds - 1), outputs * d_folds
            inter_pe["psum"] = outputs * (ext["D"] - d_folds) + outputs // g * ext["D"] * position_sum
            rf["psum"] = legacy_rf["psum"] = zero
        register_file = {op: convention(conventions.rf_per_mac, lambda op=op: legacy_rf[op], lambda op=op: rf[op])
                         for op in OPERANDS}
        pes = array.pes
        streaming = runs * t * pes
        # PEs given work: every group's min(Sr, rows) x min(Sc, cols) in each of its folds.
        reach = np.multiply(np.minimum(sr, rows), np.minimum(sc, cols), dtype=np.float64)
        mapped = np.where(active, g * fr * fc * t * reach, 0.0)
        return MappingCost(cycles=cycles, folds=fr * fc, runs=runs, streaming=streaming, mapped=mapped,
                           fill_cycles=cycles - runs * t, gb_read=gb_read, gb_write=gb_write, inter_pe=inter_pe,
                           register_file=register_file)


def _overlapped_cycles(runs, t, chunks, fill, rows):
    """fold_overlap: the next segment (a fold, or a chunk of one) streams right behind this
    one, the pipeline's fill and drain paid once per core and layer. A segment but the last
    still takes at least ``rows`` cycles: its stationary operand enters (ws, is) or leaves (os)
    through the rows, one word per column per cycle, behind the one in use."""
    base, extra = np.divmod(t, np.maximum(chunks, 1))  # chunks of base + 1 (extra of them) and base
    per_run = extra * np.maximum(base + 1, rows) + (chunks - extra) * np.maximum(base, rows)
    last = np.maximum(base, rows) - base  # the last segment need not wait for a next one
    return np.where(runs > 0, runs * per_run - last + fill, 0)


def _extents(piece: Geometry) -> dict[str, np.ndarray]:
    return {"M": piece.pixels, "D": piece.reduction, "F": piece.k}


OS = GemmDataflow("os", "M", "F", "output stationary: pixels on rows, output channels on columns, reduction in time")
WS = GemmDataflow("ws", "D", "F", "weight stationary: reduction on rows, output channels on columns, pixels in time")
IS = GemmDataflow("is", "D", "M", "input stationary: reduction on rows, pixels on columns, output channels in time")
