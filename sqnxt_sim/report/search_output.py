"""A family search on disk and on screen: search.csv, search_pareto.csv, search.png and the
summary text. Rendering only: everything here takes a finished :class:`SearchResult`."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

from ..hardware.energy import access_costs
from ..outputs import Content
from ..studies.search import CANDIDATE_COLUMNS, SearchResult, base_params, best_within, display_name, search_fronts

CSV_BLOCK_ROWS = 20_000  # rows converted to text at a time
SAMPLE_POINTS = 20_000  # points drawn in search.png whatever the search's size
MAX_LABELS = 12  # named networks labelled in each panel


def _header(result: SearchResult):
    """Column headers with the energy unit, as sweep.csv has them (energy -> energy_macnorm)."""
    suffix = access_costs(result.hardware).unit.column_suffix

    def header(key: str) -> str:
        return f"{key}_{suffix}" if suffix and (key == "energy" or key.startswith("energy_")) else key

    return header


def _csv_cells(values: list) -> str:
    """One CSV line's cells (no line end), quoted as csv.writer quotes them."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(values)
    return buffer.getvalue()


def _repeated_cells(result: SearchResult, names: tuple[str, ...], by: str) -> np.ndarray:
    """Per row, the CSV text of ``names``, formatted once per distinct value of ``by`` (the
    candidate columns are the same on every configuration, the grid columns for every candidate)."""
    keys = result.columns[by]
    distinct, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    texts = np.empty(len(distinct), dtype=object)
    lists = [result.columns[name][first].tolist() for name in names]
    texts[:] = [_csv_cells(list(values)) + "," for values in zip(*lists)]
    return texts[np.reshape(inverse, -1)]


def write_search_csv(result: SearchResult, path: Path) -> None:
    """Every row to ``path`` (one per candidate x configuration, candidate by candidate).

    The same text as csv.writer gives the rows; the candidate and grid cells are formatted once
    per candidate and configuration, and only the engine's numbers row by row (a joint search
    of a million rows writes in seconds)."""
    names = result.column_names
    header = _header(result)
    grid_names = ("config", *result.grid.columns) if result.joint else ()
    numbers = [name for name in names if name not in CANDIDATE_COLUMNS and name not in grid_names]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        handle.write(_csv_cells([header(name) for name in names]) + "\n")
        if not result.evaluations:
            return
        # Shared texts, a pointer per row; each block's row prefixes are joined as it is written.
        candidate_cells = _repeated_cells(result, CANDIDATE_COLUMNS, "candidate")
        grid_cells = _repeated_cells(result, grid_names, "config") if grid_names else None
        for start in range(0, result.evaluations, CSV_BLOCK_ROWS):
            stop = min(result.evaluations, start + CSV_BLOCK_ROWS)
            prefix = candidate_cells[start:stop] if grid_cells is None else candidate_cells[start:stop] + grid_cells[start:stop]
            cells = [map(_number_cell if result.columns[name].dtype == object else str, result.columns[name][start:stop].tolist())
                     for name in numbers]
            if cells:
                lines = (p + b for p, b in zip(prefix.tolist(), map(",".join, zip(*cells))))
            else:  # no engine columns: drop the separator the prefix ends with
                lines = (p[:-1] for p in prefix.tolist())
            handle.write("".join(line + "\n" for line in lines))


def _number_cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return _csv_cells([text]) if any(ch in text for ch in ',"\r\n') else text


def pareto_csv_text(result: SearchResult, fronts: dict[str, np.ndarray] | None = None) -> str:
    """One row per (front, point): ``front`` (cycles_vs_macs, ...) then the point's row; each
    front's points by its x (MACs or params)."""
    fronts = search_fronts(result) if fronts is None else fronts
    header = _header(result)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = result.column_names
    writer.writerow(["front", *(header(name) for name in names)])
    for front, indices in fronts.items():
        for row in result.rows(indices):
            writer.writerow([front, *(row[name] for name in names)])
    return buffer.getvalue()


def search_files(result: SearchResult, fronts: dict[str, np.ndarray] | None = None) -> dict[str, Content]:
    """The output files (name -> content for :func:`sqnxt_sim.outputs.write_report`)."""
    fronts = search_fronts(result) if fronts is None else fronts
    files: dict[str, Content] = {"search.csv": lambda path: write_search_csv(result, path),
                                 "search_pareto.csv": pareto_csv_text(result, fronts)}
    if result.evaluations:
        files["search.png"] = search_png(result, fronts)
    return files


def _label(result: SearchResult, index: int) -> str:
    c = result.columns
    name = display_name(str(c["known_as"][index]))
    return f"{name} @ config {c['config'][index]}" if result.joint else name


def search_png(result: SearchResult, fronts: dict[str, np.ndarray] | None = None) -> bytes:
    """2 x 2 scatter: cycles and energy against MACs and params; every evaluated point (a
    sample of at most SAMPLE_POINTS) in grey, each Pareto front as a line, the shipped
    networks found in the space (v1, v5, the base) marked and labelled."""
    import textwrap

    from .labels import energy_unit_label
    from .plots import pyplot

    fronts = search_fronts(result) if fronts is None else fronts
    plt = pyplot()
    c = result.columns
    n = result.evaluations
    sample = np.arange(n) if n <= SAMPLE_POINTS else np.sort(np.random.default_rng(0).choice(n, SAMPLE_POINTS, replace=False))
    named = np.flatnonzero(c["known_as"] != "")[:MAX_LABELS * 4]
    unit = energy_unit_label(access_costs(result.hardware).unit)
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    labels = {"cycles": "cycles per inference", "energy": f"energy per inference\n({unit})",
              "macs": "MACs (millions)", "params": "parameters (weights, millions)"}
    colors = plt.get_cmap("tab10")
    for row_index, y in enumerate(("cycles", "energy")):
        for col_index, x in enumerate(("macs", "params")):
            ax = axes[row_index][col_index]
            xs, ys = c[x].astype(np.float64) / 1e6, c[y].astype(np.float64)
            ax.scatter(xs[sample], ys[sample], s=6, color="0.65", linewidths=0, alpha=0.6,
                       label=f"candidates ({n:,} evaluated{'' if n <= SAMPLE_POINTS else f', {len(sample):,} drawn'})")
            front = fronts.get(f"{y}_vs_{x}", np.zeros(0, dtype=np.int64))
            ax.plot(xs[front], ys[front], "-o", drawstyle="steps-post", color=colors(row_index * 2 + col_index),
                    markersize=3.5, linewidth=1.2, zorder=3, label=f"Pareto front ({len(front)} points)")
            for k, index in enumerate(named[:MAX_LABELS]):
                ax.scatter([xs[index]], [ys[index]], s=90, marker="*", color="black", zorder=4)
                ax.annotate(_label(result, index), (xs[index], ys[index]), xytext=(5, 4 + 8 * (k % 2)),
                            textcoords="offset points", fontsize=7, zorder=5)
            if ys.size and ys.min() > 0 and ys.max() / ys.min() > 20:
                ax.set_yscale("log")
            ax.set_xlabel(labels[x])
            ax.set_ylabel(labels[y])
            ax.grid(True, alpha=0.3)
            ax.set_title(f"{y} vs {x}: lower-left is better", fontsize=9)
            ax.legend(fontsize=7, loc="best", framealpha=0.9)
    where = (f"{result.configurations:,} configurations of {result.hardware.name} (points: candidate x configuration)"
             if result.joint else result.hardware.name)
    title = (f"SqueezeNext family search from {result.space.base_name} on {where}: {result.evaluated:,} candidates "
             f"evaluated ({result.cut:,} cut by constraints, {result.skipped:,} skipped)")
    fig.suptitle("\n".join(textwrap.wrap(title, 110)), fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def _describe(row: dict[str, Any], joint: bool) -> str:
    name = f" = {display_name(row['known_as'])}" if row.get("known_as") else ""
    where = f" on config {row['config']}" if joint and "config" in row else ""
    return (f"candidate {row['candidate']}{name}{where}: blocks {row['blocks']}, stem {row['stem_kernel']}, "
            f"{row['first_block']}, width x{row['width_multiplier']:g}, groups {row['groups']}; {row['params']:,} params, "
            f"{row['macs'] / 1e6:.1f} M MACs, {row['cycles']:,} cycles, energy {row['energy']:.4g}, "
            f"utilization {row['utilization']:.3f}")


def search_summary(result: SearchResult, fronts: dict[str, np.ndarray] | None = None,
                   finding: dict[str, Any] | None = None) -> str:
    """The short text the CLI prints: counts, speed, the base, the best at the base's params,
    the fronts, and (given) the reference finding."""
    fronts = search_fronts(result) if fronts is None else fronts
    factors = " x ".join(f"{n:,} {key}" for key, n in result.space.factors().items() if n > 1) or "1"
    where = (f"{result.configurations:,} configurations of {result.hardware.name}" if result.joint
             else result.hardware.name)
    limits = ", ".join(p for p in (f"MACs <= {result.max_macs:,}" if result.max_macs is not None else "",
                                   f"params <= {result.max_params:,}" if result.max_params is not None else "") if p)
    rate = result.evaluations / max(result.elapsed_s, 1e-9)
    lines = [
        f"search    {result.space.source} from {result.space.base_name} on {where}",
        f"          candidates {result.enumerated:,} ({factors}); cut by constraints {result.cut:,}"
        f" ({limits or 'none given'}); skipped {result.skipped:,} (groups do not divide the channels); "
        f"evaluated {result.evaluated:,}",
        f"          {result.evaluations:,} evaluations in {result.elapsed_s:.2f} s ({rate:,.0f} evaluations/s, "
        f"{result.workers} worker{'s' if result.workers > 1 else ''})",
    ]
    if not result.evaluations:
        lines.append("          nothing evaluated")
        return "\n".join(lines)
    c = result.columns
    base_rows = np.flatnonzero(c["known_as"] == result.space.base_name)
    budget = None
    if base_rows.size:
        base_row = result.row(int(base_rows[0]))
        budget = base_row["params"]
        lines.append(f"base      {_describe(base_row, result.joint)}")
    else:
        budget = base_params(result.space)
        lines.append(f"base      {result.space.base_name} is not in the space ({budget:,} params)")
    best = best_within(result, budget, "cycles")
    if best is None:
        lines.append(f"best      no candidate has <= {budget:,} params (the base's)")
    else:
        row = result.row(best)
        lines.append(f"best      by cycles at <= {budget:,} params (the base's): {_describe(row, result.joint)}")
        if base_rows.size:
            same = base_rows[c["config"][base_rows] == row["config"]] if result.joint else base_rows
            if same.size:
                base_cycles = c["cycles"][same[0]]
                lines.append(f"          {row['cycles'] / base_cycles:.3f}x the base's cycles, "
                             f"{row['energy'] / c['energy'][same[0]]:.3f}x its energy"
                             + (" on the same configuration" if result.joint else ""))
    lines.append("fronts    " + ", ".join(f"{name} {len(points)} points" for name, points in fronts.items())
                 + " (search_pareto.csv)")
    if finding is not None and finding.get("reference"):
        lines += finding_text(finding)
    return "\n".join(lines)


def finding_text(finding: dict[str, Any]) -> list[str]:
    """The reference finding (:func:`sqnxt_sim.studies.search.reference_finding`) in two or three lines."""
    ref = finding["reference"]
    where = f" on config {finding['config']}" if finding.get("config") is not None else ""
    status = (f"in the space as candidate {ref['candidate']}, rank {ref['rank_by_cycles']} by cycles of "
              f"{finding['within_budget']:,} within its params, on fronts: {', '.join(ref['on_fronts']) or 'none'}"
              if ref["in_space"] else "not in the space (evaluated directly)")
    lines = [f"reference {display_name(ref['name'])}{where}: blocks {ref['blocks']}, {ref['params']:,} params, {ref['cycles']:,} cycles, "
             f"energy {ref['energy']:.4g}; {status}"]
    best = finding.get("best_by_cycles")
    if best is None:
        lines.append(f"          no candidate has <= {finding['params_budget']:,} params")
        return lines
    verdict = "the fastest within its params IS its layout" if finding["found_reference"] else (
        f"the fastest within its params is candidate {best['candidate']} (blocks {best['blocks']}, stem "
        f"{best['stem_kernel']}, {best['first_block']}; blocks moved vs the reference {best['blocks_moved']})")
    lines.append(f"          {verdict}: {finding['cycles_ratio']:.3f}x its cycles, {finding['energy_ratio']:.3f}x its "
                 f"energy, utilization {best['utilization']:.3f} vs {ref['utilization']:.3f}")
    return lines
