"""Sweep results on disk: tidy CSVs streamed chunk by chunk, the Pareto front, and its plot.

Rows are appended to a temporary file as chunks finish and renamed into place at the end.
If the sweep is interrupted (Ctrl-C) or fails, the rows finished so far are still renamed
into place: every row in the file is complete, and the summary says how far the sweep got.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..errors import InputError
from ..outputs import os_step, prepare_dir, write_report
from ..sweep import ChunkResult, pareto_front, pareto_front_3d
from .formats.csv import header_with_unit, rows_csv

SAMPLE_POINTS = 20_000  # points kept for the scatter plot, whatever the sweep's size


class CsvStream:
    """Append rows to ``target`` through a temporary file; ``close`` renames it into place."""

    def __init__(self, target: Path, header=str) -> None:
        self.target = target
        self.header = header
        handle, name = os_step(target, tempfile.mkstemp, prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        self.temp = Path(name)
        self.file = os.fdopen(handle, "w", newline="", encoding="utf-8")
        self.writer: csv.DictWriter | None = None
        self.rows = 0

    def write(self, rows: Iterable[dict[str, Any]], lines: str | None = None) -> None:
        """Append ``rows``; ``lines``: the same rows already rendered (ChunkResult.csv_lines)."""
        os_step(self.target, self._write, rows, lines)

    def _write(self, rows: Iterable[dict[str, Any]], lines: str | None) -> None:
        for row in rows:
            if self.writer is None:
                self.writer = csv.DictWriter(self.file, fieldnames=list(row), lineterminator="\n")
                self.file.write(",".join(self.header(key) for key in row) + "\n")
            if lines is not None:
                self.file.write(lines)
                self.rows += len(rows)
                break
            self.writer.writerow(row)
            self.rows += 1
        self.file.flush()

    def close(self) -> None:
        os_step(self.target, self.file.close)
        os_step(self.target, os.chmod, self.temp, 0o644)
        os_step(self.target, os.replace, self.temp, self.target)

    def discard(self) -> None:
        self.file.close()
        self.temp.unlink(missing_ok=True)


@dataclass
class ParetoTracker:
    """Running Pareto fronts per network, time vs energy and time vs energy vs area, plus a
    bounded sample to plot."""

    fronts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fronts_3d: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # time, energy and area
    sample: dict[str, list[tuple[float, float, Any, float]]] = field(default_factory=dict)  # time, energy, colour, area
    seen: dict[str, int] = field(default_factory=dict)
    largest_batch: int = 1
    color_key: str | None = None  # the grid key whose value colours the sampled points
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    _front_3d_points: dict[str, np.ndarray] = field(default_factory=dict)  # (time, energy, area) of fronts_3d

    def add(self, rows: list[dict[str, Any]]) -> None:
        by_network: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            self.largest_batch = max(self.largest_batch, row.get("batch", 1))
            by_network.setdefault(row["network"], []).append(row)
        for network, group in by_network.items():
            candidates = self.fronts.get(network, []) + group
            time = np.array([r["time_ms"] for r in candidates])
            energy = np.array([r["energy"] for r in candidates])
            self.fronts[network] = [candidates[i] for i in pareto_front(time, energy)]
            self._add_to_front_3d(network, group)
            # Reservoir sampling keeps the plot's memory bounded: the n-th row seen replaces a
            # random point with probability SAMPLE_POINTS / n (one draw per row, in row order).
            points = self.sample.setdefault(network, [])
            seen = self.seen.get(network, 0)
            self.seen[network] = seen + len(group)
            key = self.color_key

            def point(r):
                return r["time_ms"], r["energy"], r.get(key) if key else None, r["area_mm2"]

            room = max(SAMPLE_POINTS - len(points), 0)
            points.extend(point(r) for r in group[:room])
            rest = group[room:]
            if rest:
                slots = self.rng.integers(0, seen + room + 1 + np.arange(len(rest)))
                for r, slot in zip(rest, slots.tolist()):
                    if slot < SAMPLE_POINTS:
                        points[slot] = point(r)


    def _add_to_front_3d(self, network: str, group: list[dict[str, Any]]) -> None:
        """The 3-D front of every row so far: the group's own front, then each of its points in
        row order joins unless a member beats or equals it (an earlier row then stands for
        it), and pushes out the members it beats. Same front as pareto_front_3d of all rows."""
        objectives = np.array([[r["time_ms"], r["energy"], r["area_mm2"]] for r in group], dtype=np.float64)
        own = np.sort(pareto_front_3d(*objectives.T))  # in row order
        front = self.fronts_3d.get(network, [])
        points = self._front_3d_points.get(network, np.zeros((0, 3)))
        for i in own.tolist():
            p = objectives[i]
            if len(points) and ((points <= p).all(axis=1)).any():
                continue  # beaten or equalled
            beaten = (p <= points).all(axis=1)
            if beaten.any():
                keep = np.flatnonzero(~beaten)
                front = [front[j] for j in keep.tolist()]
                points = points[keep]
            front.append(group[i])
            points = np.vstack([points, p])
        order = np.lexsort((points[:, 2], points[:, 1], points[:, 0])) if len(points) else np.zeros(0, dtype=np.int64)
        self.fronts_3d[network] = [front[j] for j in order.tolist()]
        self._front_3d_points[network] = points[order]


@dataclass
class SweepSummary:
    configurations_done: int
    configurations_total: int
    rows: int
    interrupted: bool
    fronts: dict[str, list[dict[str, Any]]]
    fronts_3d: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cut: int = 0  # configurations over the sweep's limits, not evaluated


def write_sweep(directory: Path | None, chunks: Iterable[ChunkResult], total: int, energy_unit: str,
                title: str, per_layer: bool, energy_suffix: str = "", color_key: str | None = None) -> SweepSummary:
    """Consume chunk results; stream CSVs into ``directory`` (if given); track the front.

    The directory is created with the first finished rows: a sweep that fails or is stopped
    before any leaves nothing behind. ``energy_suffix`` puts the unit in energy headers;
    ``color_key`` names the grid key whose value colours pareto.png's points.
    """
    tracker = ParetoTracker(color_key=color_key)
    streams: dict[str, CsvStream] = {}
    names = ["sweep.csv"] + (["sweep_layers.csv"] if per_layer else [])
    if directory is not None:  # before any work: a name taken by a folder would fail only at the end
        for name in names + ["pareto.csv", "pareto.png", "pareto3.csv", "pareto3.png", "sweep_summary.json"]:
            target = Path(directory) / name
            if target.exists() and not target.is_file():
                raise InputError(str(target), None, "cannot write: exists and is not a regular file")
    done, rows, cut, interrupted = 0, 0, 0, False
    try:
        for result in chunks:
            if directory is not None and not streams:
                prepare_dir(directory)
                streams = {name: CsvStream(directory / name, header_with_unit(energy_suffix)) for name in names}
            if streams:
                streams["sweep.csv"].write(result.totals, result.csv_lines)
                if per_layer:
                    streams["sweep_layers.csv"].write(result.layers)
            tracker.add(result.totals)
            done += result.stop - result.start
            rows += len(result.totals)
            cut += result.cut
    except KeyboardInterrupt:
        interrupted = True
    except BaseException:
        for stream in streams.values():
            stream.discard()
        raise
    for stream in streams.values():
        stream.close()
    summary = SweepSummary(done, total, rows, interrupted, tracker.fronts, tracker.fronts_3d, cut)
    if directory is not None and rows:
        front_rows = [row for network in tracker.fronts for row in tracker.fronts[network]]
        front_3d_rows = [row for network in tracker.fronts_3d for row in tracker.fronts_3d[network]]
        write_report(directory, {
            "pareto.csv": rows_csv(front_rows, energy_suffix=energy_suffix),
            "pareto.png": pareto_png(tracker, energy_unit, title),
            "pareto3.csv": rows_csv(front_3d_rows, energy_suffix=energy_suffix),
            "pareto3.png": pareto_3d_png(tracker, energy_unit, title),
            "sweep_summary.json": json.dumps({
                "configurations_done": done, "configurations_total": total, "rows": rows,
                "configurations_over_limits": cut, "interrupted": interrupted, "energy_unit": energy_unit,
            }, indent=2) + "\n",
        })
    return summary


MAX_FRONT_LABELS = 12  # front points labelled with their config number, evenly chosen


def pareto_png(tracker: ParetoTracker, energy_unit: str, title: str) -> bytes:
    """Every sampled configuration coloured by ``tracker.color_key`` (a colour bar for numbers,
    a legend otherwise), each network's front as a line with its points labelled by config."""
    import textwrap

    from .plots import png_bytes, pyplot

    plt = pyplot()
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.lines import Line2D

    fig, ax = plt.subplots(figsize=(9, 6))
    key = tracker.color_key
    values = [p[2] for points in tracker.sample.values() for p in points]
    numeric = bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    markers = ("o", "s", "^", "D", "v", "P")
    handles = []
    categories = sorted({str(v) for v in values}) if key and not numeric else []
    cmap = plt.get_cmap("viridis")
    norm = None
    if key and numeric:
        low, high = min(values), max(values)
        norm = LogNorm(low, high) if low > 0 and high / low > 10 else Normalize(low, high if high > low else low + 1)
    for index, network in enumerate(tracker.fronts):
        marker = markers[index % len(markers)]
        points = tracker.sample.get(network, [])
        if points:
            t = [p[0] for p in points]
            e = [p[1] for p in points]
            if key and numeric:
                scatter = ax.scatter(t, e, s=10, c=[p[2] for p in points], cmap=cmap, norm=norm, marker=marker,
                                     alpha=0.6, linewidths=0)
            elif key:
                tab = plt.get_cmap("tab10")
                colors = [tab(categories.index(str(p[2])) % 10) for p in points]
                ax.scatter(t, e, s=10, c=colors, marker=marker, alpha=0.6, linewidths=0)
            else:
                ax.scatter(t, e, s=10, color="0.5", marker=marker, alpha=0.5, linewidths=0)
        front = tracker.fronts[network]
        ax.plot([r["time_ms"] for r in front], [r["energy"] for r in front], "-", color="black", linewidth=1.2,
                marker=marker, markersize=5, markerfacecolor="white", zorder=3)
        handles.append(Line2D([0], [0], color="black", marker=marker, markerfacecolor="white",
                              label=f"{network}: Pareto front ({len(front)} configs)"))
        step = max(1, -(-len(front) // MAX_FRONT_LABELS))
        for r in front[::step]:
            ax.annotate(str(r["config"]), (r["time_ms"], r["energy"]), xytext=(4, 4), textcoords="offset points",
                        fontsize=7, zorder=4)
    if key and numeric and values:
        bar = fig.colorbar(scatter, ax=ax, pad=0.02)
        bar.set_label(key)
    elif categories:
        tab = plt.get_cmap("tab10")
        handles += [Line2D([0], [0], linestyle="none", marker="o", color=tab(i % 10), label=f"{key} = {c}")
                    for i, c in enumerate(categories[:10])]
    ax.set_xscale("log")
    ax.set_yscale("log")
    per = "per inference" if tracker.largest_batch == 1 else "per batch (see the batch column)"
    ax.set_xlabel(f"time {per} (ms, log scale)")
    ax.set_ylabel("\n".join(textwrap.wrap(f"energy {per} ({energy_unit}, log scale)", 50)))
    ax.set_title("\n".join(textwrap.wrap(title, 80)) + "\nfront points labelled with their config number"
                 + (f"; colour: {key}" if key else ""), fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(handles=handles, fontsize=7, loc="best", framealpha=0.9)
    fig.tight_layout()
    return png_bytes(fig, dpi=110)


def pareto_3d_png(tracker: ParetoTracker, energy_unit: str, title: str) -> bytes:
    """The three-objective front (time, energy, area) in its three projections: the sampled
    configurations in grey, each network's front points marked (a point can look beaten in
    one projection: it wins on the third objective)."""
    import textwrap

    from .plots import png_bytes, pyplot

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.8))
    per = "per inference" if tracker.largest_batch == 1 else "per batch"
    axis_of = {"time_ms": (0, f"time {per} (ms)"), "energy": (1, f"energy {per} ({energy_unit})"),
               "area_mm2": (3, "area (mm^2)")}
    pairs = (("time_ms", "energy"), ("time_ms", "area_mm2"), ("area_mm2", "energy"))
    markers = ("o", "s", "^", "D", "v", "P")
    colors = plt.get_cmap("tab10")
    for ax, (x, y) in zip(axes, pairs):
        (xi, xlabel), (yi, ylabel) = axis_of[x], axis_of[y]
        for index, network in enumerate(tracker.fronts_3d):
            points = tracker.sample.get(network, [])
            ax.scatter([p[xi] for p in points], [p[yi] for p in points], s=8, color="0.75", linewidths=0,
                       marker=markers[index % len(markers)])
            front = tracker.fronts_3d[network]
            ax.scatter([r[x] for r in front], [r[y] for r in front], s=22, color=colors(index % 10),
                       marker=markers[index % len(markers)], edgecolors="black", linewidths=0.4, zorder=3,
                       label=f"{network}: front ({len(front)} configs)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"{xlabel}, log scale")
        ax.set_ylabel(f"{ylabel}, log scale")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7, loc="best", framealpha=0.9)
    fig.suptitle("\n".join(textwrap.wrap(title, 110)) + "\nPareto front in time, energy and area (coloured); "
                 "grey: the other configurations sampled", fontsize=9)
    fig.tight_layout()
    return png_bytes(fig)


def front_text(fronts: dict[str, list[dict[str, Any]]], keys: tuple[str, ...], limit: int = 12,
               objectives: str = "both time and energy") -> str:
    """The Pareto front of each network as a small table (fastest first)."""
    lines = []
    csv_name = "pareto.csv" if objectives.startswith("both") else "pareto3.csv"
    for network, front in fronts.items():
        lines.append(f"pareto    {network}: {len(front)} configuration(s) not beaten in {objectives}")
        header = ["config", "time_ms", "energy", "area_mm2", "utilization", "grid values"]
        rows = [[str(r["config"]), f"{r['time_ms']:.4g}", f"{r['energy']:.4g}", f"{r['area_mm2']:.3g}",
                 f"{r['utilization']:.3f}", ", ".join(f"{k}={'unlimited' if r[k] is None else r[k]}" for k in keys)]
                for r in front[:limit]]
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
        lines.append("          " + "  ".join(h.rjust(w) if i < 5 else h for i, (h, w) in enumerate(zip(header, widths))))
        lines += ["          " + "  ".join(c.rjust(w) if i < 5 else c for i, (c, w) in enumerate(zip(row, widths))) for row in rows]
        if len(front) > limit:
            lines.append(f"          ... {len(front) - limit} more in {csv_name}")
    return "\n".join(lines)
