"""Figures comparing networks (and configs): totals, stage breakdowns, aligned per-layer views.

matplotlib is imported only inside the functions (through :func:`plots.pyplot`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..engine.results import Results
from ..studies.compare import Comparison
from .labels import batch_of, energy_unit, per_run_text
from .plots import bars, hardware_text, not_modelled_note, png_bytes, pyplot, scale_for, stage_colors, time_text
from .stages import stage_order, stage_rows

# Stage slots are aligned across networks when at least this share of all stage labels is
# common to every network (SqueezeNext variants share all of theirs; SqueezeNet and AlexNet
# share none with them).
MIN_SHARED_STAGES = 0.5
# More stage labels than this in a stage breakdown: colour by position instead of by name.
MAX_STAGE_LEGEND = 12


def merged_stage_order(sequences: Sequence[Sequence[str]]) -> list[str] | None:
    """One order of all stage labels that keeps each sequence's order, or None if impossible.

    Ties (labels no sequence orders) keep the order of first appearance.
    """
    import networkx as nx

    first_seen: dict[str, int] = {}
    graph = nx.DiGraph()
    for seq in sequences:
        for label in seq:
            first_seen.setdefault(label, len(first_seen))
            graph.add_node(label)
        for a, b in zip(seq, seq[1:]):
            graph.add_edge(a, b)
    if not nx.is_directed_acyclic_graph(graph):
        return None
    return list(nx.lexicographical_topological_sort(graph, key=first_seen.__getitem__))


def stage_layout(stage_lists: Sequence[Sequence[str]]) -> list[np.ndarray] | None:
    """x positions of every layer of every network so that equal stages line up, or None.

    Each stage gets a slot as wide as its longest occurrence, plus a one-layer gap.
    """
    orders = [list(dict.fromkeys(stages)) for stages in stage_lists]
    merged = merged_stage_order(orders)
    if merged is None:
        return None
    shared = set(orders[0]).intersection(*orders[1:])
    if len(shared) < MIN_SHARED_STAGES * len(merged):
        return None
    width = {label: max(list(stages).count(label) for stages in stage_lists) for label in merged}
    start, position = {}, 0
    for label in merged:
        start[label] = position
        position += width[label] + 1
    layouts = []
    for stages in stage_lists:
        seen: dict[str, int] = {}
        xs = []
        for label in stages:
            xs.append(start[label] + seen.get(label, 0))
            seen[label] = seen.get(label, 0) + 1
        layouts.append(np.array(xs, dtype=float))
    return layouts


def _network_label(results: Results) -> str:
    return results.network["display_name"]


def _batch_suffix(results: Results) -> str:
    """Words after a run's time: ``for a batch of 4``, or nothing at batch 1."""
    batch = batch_of(results)
    return f" for a batch of {batch}" if batch > 1 else ""


def totals_png(comparison: "Comparison") -> bytes:
    """Time and energy per network (groups) and config (bars within a group)."""
    plt = pyplot()
    nets = comparison.keys
    hws = comparison.hardware
    n_bars = len(nets) * len(hws)
    fig, (time_ax, energy_ax) = plt.subplots(1, 2, figsize=(max(11, 1.2 + 0.42 * n_bars * 2), 5.2))
    width = 0.8 / len(hws)
    x = np.arange(len(nets))
    same_unit = comparison.energy_suffix is not None
    energy_values = np.array([[comparison.results[(hw.name, key)].totals["energy"] for key in nets] for hw in hws])
    per = per_run_text(comparison.batches)
    if same_unit:
        e_factor, e_unit = scale_for(energy_values, energy_unit(comparison.results[(hws[0].name, nets[0])]))
        energy_label = f"energy ({e_unit})"
    else:
        # A config with an all-zero energy table has no ratio: no bar (NaN), not a warning.
        reference = energy_values[:, :1]
        energy_values = np.divide(energy_values, reference, out=np.full(energy_values.shape, np.nan),
                                  where=reference != 0)
        e_factor, energy_label = 1.0, f"energy / {comparison.reference_label}'s (configs use different units)"
    annotate = n_bars <= 24
    for j, hw in enumerate(hws):
        offset = (j - (len(hws) - 1) / 2) * width
        times = [comparison.results[(hw.name, key)].totals["time_ms"] for key in nets]
        color = f"C{j % 10}"
        time_bars = time_ax.bar(x + offset, times, width, color=color, label=hardware_text(_hw_dict(hw)))
        energy_bars = energy_ax.bar(x + offset, energy_values[j] / e_factor, width, color=color)
        if annotate:
            time_ax.bar_label(time_bars, fmt="%.3g", fontsize=7, padding=2, rotation=90 if len(hws) > 2 else 0)
            energy_ax.bar_label(energy_bars, fmt="%.3g", fontsize=7, padding=2, rotation=90 if len(hws) > 2 else 0)
    labels = [label.replace(" (reconstruction)", "\n(reconstruction)") for label in comparison.labels]
    if per == "per batch":  # the batches differ: name each network's
        labels = [f"{label}\nbatch {batch}" for label, batch in zip(labels, comparison.batches)]
    rotate = 25 if len(nets) > 4 else 0
    for ax, ylabel, title in ((time_ax, f"time {per} (ms)", "time"),
                              (energy_ax, energy_label, f"energy {per}")):
        ax.set_xticks(x)
        ax.set_xticklabels(labels, rotation=rotate, ha="right" if rotate else "center", fontsize=9)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10)
        ax.margins(y=0.15)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    handles, legend_labels = time_ax.get_legend_handles_labels()
    fig.legend(handles, legend_labels, loc="lower center", ncol=min(len(hws), 3), fontsize=8, frameon=False,
               title="hardware config", title_fontsize=8)
    batches = {"per inference": " (batch 1)", "per batch": " (batches differ by network)"}.get(per, "")
    fig.suptitle(f"{len(nets)} networks on {len(hws)} config{'s' if len(hws) > 1 else ''}: time and energy "
                 f"{per}{batches}", fontsize=11)
    rows_of_legend = -(-len(hws) // 3)
    fig.tight_layout(rect=(0, 0.04 + 0.035 * rows_of_legend, 1, 1))
    not_modelled_note(fig, {r.network['name']: r.network for r in comparison.results.values()}.values())
    return png_bytes(fig)


def _hw_dict(hw) -> dict:
    return {"name": hw.name, "cores": hw.cores, "dataflow": hw.dataflow,
            "pe_array": {"rows": hw.pe_array.rows, "cols": hw.pe_array.cols}}


def stage_breakdown_png(comparison: "Comparison") -> bytes:
    """Cycles and energy of each network split by stage (stacked), one row per config."""
    plt = pyplot()
    nets = comparison.keys
    hws = comparison.hardware
    orders = [stage_order(comparison.results[(hws[0].name, key)]) for key in nets]
    merged = merged_stage_order(orders) or list(dict.fromkeys(label for order in orders for label in order))
    categorical = len(merged) <= MAX_STAGE_LEGEND
    colors = stage_colors(merged) if categorical else None
    height = max(2.6, 0.42 * len(nets) + 1.3)
    # Panels of one column share their axis and its scale, so equal lengths are equal values across configs.
    fig, axes = plt.subplots(len(hws), 2, figsize=(13, height * len(hws) + 1.2), squeeze=False, sharex="col")
    scales = {key: scale_for([res.totals[key] for hw in hws for res in comparison.on(hw.name)], unit)
              for key, unit in (("cycles", "clock cycles"), ("energy", energy_unit(comparison.on(hws[0].name)[0])))}
    y = np.arange(len(nets))[::-1]  # the reference on top
    labels = list(comparison.labels)
    if per_run_text(comparison.batches) == "per batch":  # the batches differ: name each network's
        labels = [f"{label} (batch {batch})" for label, batch in zip(labels, comparison.batches)]
    for row, hw in enumerate(hws):
        results = comparison.on(hw.name)
        per_net = [{r["stage"]: r for r in stage_rows(res)} for res in results]
        for col, (key, unit) in enumerate((("cycles", "clock cycles"), ("energy", energy_unit(results[0])))):
            ax = axes[row][col]
            totals = [sum(r[key] for r in stages.values()) for stages in per_net]
            factor, scaled_unit = scales[key]
            left = np.zeros(len(nets))
            for label in merged:
                values = np.array([stages[label][key] if label in stages else 0.0 for stages in per_net]) / factor
                if not values.any():
                    continue
                if categorical:
                    seg_colors = [colors[label]] * len(nets)
                else:  # colour by position of the stage within its own network: early dark, late light
                    cmap = plt.get_cmap("viridis")
                    seg_colors = [cmap(order.index(label) / max(len(order) - 1, 1)) if label in order else "white"
                                  for order in orders]
                ax.barh(y, values, left=left, color=seg_colors, edgecolor="white", linewidth=0.6,
                        label=label if (categorical and row == 0 and col == 0) else None)
                if not categorical:
                    for yi, v, l0, c in zip(y, values, left, seg_colors):
                        if v > 0.06 * max(totals) / factor:
                            dark = c != "white" and 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] < 0.5
                            ax.text(l0 + v / 2, yi, label, ha="center", va="center", fontsize=7,
                                    color="white" if dark else "black")
                left += values
            ax.set_yticks(y)
            ax.set_yticklabels(labels if col == 0 else [], fontsize=9)
            ax.set_xlabel(f"{key} {per_run_text(comparison.batches)} ({scaled_unit})")
            ax.set_title(f"{hardware_text(results[0].hardware)}: {key} by stage", fontsize=10)
            ax.grid(axis="x", alpha=0.3)
            ax.set_axisbelow(True)
            ax.margins(x=0.02)
    if categorical:
        handles, legend_labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, legend_labels, loc="lower center", ncol=min(len(merged), 8), fontsize=8, frameon=False,
                   title="stage", title_fontsize=8)
        bottom = 0.1 if len(hws) == 1 else 0.06
    else:
        fig.text(0.5, 0.01, "colour = position of the stage in its network (dark: first, light: last); "
                 "wide segments are labelled", ha="center", fontsize=8)
        bottom = 0.04
    fig.suptitle("where the cycles and the energy go, by stage", fontsize=11)
    fig.tight_layout(rect=(0, bottom, 1, 1))
    not_modelled_note(fig, {r.network['name']: r.network for r in comparison.results.values()}.values())
    return png_bytes(fig)


def aligned_layers_png(results: Sequence[Results], labels: Sequence[str] | None = None) -> bytes:
    """Per-layer utilization of several networks on one config, one panel each, stages aligned.

    ``labels`` name the panels (default: the display names).
    """
    plt = pyplot()
    stage_lists = [list(r.layers["stage"]) for r in results]
    layouts = stage_layout(stage_lists)
    aligned = layouts is not None
    if layouts is None:
        layouts = [np.arange(len(stages), dtype=float) for stages in stage_lists]
    all_stages = merged_stage_order([list(dict.fromkeys(s)) for s in stage_lists]) or list(
        dict.fromkeys(label for stages in stage_lists for label in stages))
    colors = stage_colors(all_stages)
    span = max(float(xs.max()) + 1 if xs.size else 1.0 for xs in layouts)
    fig, axes = plt.subplots(len(results), 1, figsize=(max(11, span * 0.085), 1.2 + 2.0 * len(results)),
                             sharex=aligned, sharey=True, squeeze=False)
    labels = list(labels) if labels is not None else [_network_label(res) for res in results]
    for ax, res, label, xs, stages in zip(axes[:, 0], results, labels, layouts, stage_lists):
        util = np.asarray(res.layers["utilization"], dtype=float)
        spatial = np.asarray(res.layers["spatial_utilization"], dtype=float)
        mac = np.asarray(res.layers["macs"]) > 0
        stage_color = [colors[s] for s in stages]
        bars(ax, xs, np.where(mac, spatial, 0.0), color=stage_color, width=0.85, alpha=0.3)
        bars(ax, xs, util, color=stage_color, width=0.85)
        total = res.totals["utilization"]
        ax.axhline(total, color="black", linestyle="--", linewidth=0.9)
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("utilization")
        ax.set_title(f"{label}: utilization {total:.3f} (dashed), {time_text(res.totals['time_ms'])}"
                     f"{_batch_suffix(res)}",
                     loc="left", fontsize=9, pad=3)
        for _, first, _ in _spans(stages, xs)[1:]:
            ax.axvline(first - 0.5 - (0.5 if aligned else 0), color="0.35", linewidth=0.7, linestyle=":")
        if not aligned:
            spans = _spans(stages, xs)
            ax.set_xticks([(a + b) / 2 for _, a, b in spans])
            ax.set_xticklabels([label for label, _, _ in spans], rotation=30, ha="right", fontsize=8)
            ax.set_xlim(-0.7, xs.max() + 0.7 if xs.size else 1)
    if aligned:
        bottom = axes[-1, 0]
        spans = _stage_slots(stage_lists, layouts)
        bottom.set_xticks([(a + b) / 2 for _, a, b in spans])
        bottom.set_xticklabels([label for label, _, _ in spans], rotation=30 if len(spans) > 8 else 0,
                               ha="right" if len(spans) > 8 else "center")
        bottom.set_xlim(-0.7, span - 0.3)
        bottom.set_xlabel("layers in execution order, stages aligned across networks")
    else:
        axes[-1, 0].set_xlabel("layers in execution order (the networks' stages differ, so each has its own axis)")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(color="0.2", label="utilization = MACs / (cycles x PEs)"),
               Patch(color="0.2", alpha=0.3, label="spatial utilization = share of PEs mapped (MAC layers)"),
               Line2D([0], [0], color="black", linestyle="--", linewidth=0.9, label="whole-network utilization")]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.suptitle(f"per-layer utilization on {hardware_text(results[0].hardware)}; bar colour = stage", fontsize=11)
    fig.tight_layout(rect=(0, 0.1 / len(results) + 0.01, 1, 1))
    not_modelled_note(fig, [r.network for r in results])
    return png_bytes(fig)


def _spans(stages: list[str], xs: np.ndarray) -> list[tuple[str, float, float]]:
    spans: list[tuple[str, float, float]] = []
    for label, x in zip(stages, xs):
        if spans and spans[-1][0] == label:
            spans[-1] = (label, spans[-1][1], x)
        else:
            spans.append((label, x, x))
    return spans


def _stage_slots(stage_lists, layouts) -> list[tuple[str, float, float]]:
    """(stage, first x, last x) over all networks: where each aligned stage sits."""
    slots: dict[str, list[float]] = {}
    for stages, xs in zip(stage_lists, layouts):
        for label, x in zip(stages, xs):
            low, high = slots.get(label, [x, x])
            slots[label] = [min(low, x), max(high, x)]
    return sorted(((label, a, b) for label, (a, b) in slots.items()), key=lambda item: item[1])
