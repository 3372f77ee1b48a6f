"""Per-layer figures of one run. matplotlib is imported here only, when a figure is drawn.

Every figure function takes plain results and returns PNG bytes, so callers can render all
figures before writing any file.
"""

from __future__ import annotations

import io

import numpy as np

from ..engine.energy import LEVELS
from ..engine.results import LOSS_COLUMNS, Results
from .labels import LEVEL_LABELS, LOSS_LABELS, batch_of, energy_unit
from .stages import stage_rows

LOSS_COLORS = {
    "loss_small_dims": "#d62728",
    "loss_fold_remainder": "#ff9896",
    "loss_fill_drain": "#bcbd22",
    "loss_array_bus": "#17becf",
    "loss_core_imbalance": "#9467bd",
    "loss_memory_stall": "#8c564b",
    "loss_non_mac": "#c7c7c7",
}
USEFUL_COLOR = "#2ca02c"
LEVEL_COLORS = {
    "mac": "#1f77b4",
    "register_file": "#aec7e8",
    "inter_pe": "#ff7f0e",
    "global_buffer": "#9c9ede",
    "dram": "#7f3b08",
    "static": "#393b79",
}
STALL_COLOR = "#222222"
# Stage colours: greens, ochres, reds and purples of tab20b, a set that shares no colour with the
# losses or the energy levels above, so a stage never reads as a loss; more stages than that get
# evenly spaced hues in two lightnesses, so no two stages share one.
STAGE_PALETTE = ("#637939", "#e7ba52", "#843c39", "#ce6dbd", "#b5cf6b", "#8c6d31", "#d6616b", "#7b4173")
# Layers get their own tick label when there are at most this many; else ticks name stages.
MAX_NAMED_LAYERS = 48
# Stages get ticks, separators and bars of their own up to this many; beyond, the layer axis
# is plain and stages.png keeps the stages with the most cycles and one bar for the others.
MAX_NAMED_STAGES = 40


def pyplot():
    """matplotlib.pyplot on the Agg backend, imported on first use. Figures only ever go to
    files, so an MPLBACKEND in the environment (possibly not a backend at all) is ignored."""
    import os

    backend = os.environ.pop("MPLBACKEND", None)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    finally:
        if backend is not None:
            os.environ["MPLBACKEND"] = backend
    return plt


def png_bytes(fig, dpi: int = 100) -> bytes:
    plt = pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def stage_colors(stages: list[str]) -> dict[str, str]:
    """One colour per stage label, in the order given; never the same colour twice."""
    stages = list(dict.fromkeys(stages))
    if len(stages) <= len(STAGE_PALETTE):
        return dict(zip(stages, STAGE_PALETTE))
    import colorsys

    colors = {}
    for i, stage in enumerate(stages):
        # Neighbours differ in hue by about half the wheel and alternate in lightness.
        hue = (i * 0.5 + (i // 2) / len(stages)) % 1.0
        red, green, blue = colorsys.hls_to_rgb(hue, 0.42 if i % 2 else 0.62, 0.7)
        colors[stage] = "#{:02x}{:02x}{:02x}".format(round(red * 255), round(green * 255), round(blue * 255))
    return colors


def not_modelled_note(fig, networks) -> None:
    """A footnote naming the imported operators a figure's numbers leave out (none: nothing)."""
    parts = []
    for network in networks:
        ops = network.get("unmodelled") or []
        if ops:
            kinds = ", ".join(sorted({op["op_type"] for op in ops}))
            parts.append(f"{network['name']}: {len(ops)} operator(s) not modelled, no time or energy charged ({kinds})")
    if parts:
        fig.text(0.005, 0.002, "; ".join(parts)[:300], fontsize=7, color="#a00000", ha="left", va="bottom")


def bars(ax, x, heights, bottoms=None, color="C0", width: float = 0.85, label: str | None = None, **kwargs):
    """Many bars as one PolyCollection: the same picture as ``ax.bar``, several times faster."""
    from matplotlib.collections import PolyCollection

    x = np.asarray(x, dtype=float)
    heights = np.asarray(heights, dtype=float)
    bottoms = np.zeros_like(heights) if bottoms is None else np.asarray(bottoms, dtype=float)
    left, right, top = x - width / 2, x + width / 2, bottoms + heights
    verts = np.stack([np.column_stack([left, bottoms]), np.column_stack([left, top]),
                      np.column_stack([right, top]), np.column_stack([right, bottoms])], axis=1)
    collection = PolyCollection(verts, facecolors=color, edgecolors="none", label=label, **kwargs)
    ax.add_collection(collection)
    ax.update_datalim(np.concatenate([verts[:, 0, :], verts[:, 2, :]]))
    ax.autoscale_view()
    return collection


def layer_extents(cycles) -> tuple[np.ndarray, np.ndarray]:
    """Bar centres and widths along a cycles axis: each layer as wide as its cycles, in
    execution order, so a bar's area is its share of the network's PE-cycles."""
    widths = np.asarray(cycles, dtype=float)
    edges = np.concatenate([[0.0], np.cumsum(widths)])
    return edges[:-1] + widths / 2, widths


def cycles_axis(ax, stages: list[str], cycles, stage_text: bool = False) -> None:
    """Stage separators and stage-name ticks on an axis whose x is cumulative cycles."""
    from matplotlib.transforms import blended_transform_factory

    edges = np.concatenate([[0.0], np.cumsum(np.asarray(cycles, dtype=float))])
    spans = stage_spans(stages)
    ax.set_xlim(0, max(edges[-1], 1))
    if len(spans) > MAX_NAMED_STAGES:
        return
    for _, first, _ in spans[1:]:
        ax.axvline(edges[first], color="0.35", linewidth=0.7, linestyle=":")
    centres = [(edges[first] + edges[last + 1]) / 2 for _, first, last in spans]
    wide = [edges[last + 1] - edges[first] >= 0.02 * edges[-1] for _, first, last in spans]
    if stage_text:
        transform = blended_transform_factory(ax.transData, ax.transAxes)
        for (label, _, _), centre, show in zip(spans, centres, wide):
            if show:
                ax.text(centre, 1.01, label, transform=transform, ha="center", va="bottom", fontsize=7, color="0.25")


def stage_spans(stages: list[str]) -> list[tuple[str, int, int]]:
    """Consecutive runs of one stage label: (label, first index, last index)."""
    spans: list[tuple[str, int, int]] = []
    for i, stage in enumerate(stages):
        if spans and spans[-1][0] == stage:
            spans[-1] = (stage, spans[-1][1], i)
        else:
            spans.append((stage, i, i))
    return spans


def layer_axis(ax, names: list[str], stages: list[str], tick_labels: bool = True, stage_text: bool = False) -> None:
    """Stage separators; ticks name every layer when few, else the stages.

    ``stage_text`` writes the stage names along the top edge (used when ticks name layers).
    """
    from matplotlib.transforms import blended_transform_factory

    spans = stage_spans(stages)
    ax.set_xlim(-0.7, len(stages) - 0.3)
    if len(spans) > MAX_NAMED_STAGES:  # thousands of labels would take minutes and say nothing
        ax.set_xlabel(f"layers in execution order ({len(spans):,} stage runs, too many to name)")
        return
    for _, first, _ in spans[1:]:
        ax.axvline(first - 0.5, color="0.35", linewidth=0.7, linestyle=":")
    named = len(names) <= MAX_NAMED_LAYERS
    if named:
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names if tick_labels else [], rotation=90, fontsize=7)
    else:
        ax.set_xticks([(first + last) / 2 for _, first, last in spans])
        ax.set_xticklabels([label for label, _, _ in spans] if tick_labels else [], rotation=30, ha="right")
    if stage_text and named and any(label != names[first] or first != last for label, first, last in spans):
        transform = blended_transform_factory(ax.transData, ax.transAxes)
        for label, first, last in spans:
            ax.text((first + last) / 2, 1.01, label, transform=transform, ha="center", va="bottom", fontsize=7,
                    color="0.25", clip_on=False)


def hardware_text(hw: dict) -> str:
    rows, cols = hw["pe_array"]["rows"], hw["pe_array"]["cols"]
    cores = f"{hw['cores']} x " if hw["cores"] > 1 else ""
    return f"{hw['name']} ({cores}{rows}x{cols} PEs, dataflow {hw['dataflow']})"


def scale_for(values, unit: str) -> tuple[float, str]:
    """(divisor, unit text) so the largest value reads between 1 and 1000: (1e6, 'million cycles')."""
    values = np.asarray(values, dtype=float)
    peak = float(np.max(np.abs(values))) if values.size else 0.0
    for factor, word in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if peak >= factor:
            return factor, f"{word} {unit}"
    return 1.0, unit


def time_text(ms: float) -> str:
    """A time for a label: ms with 3 decimals, or microseconds when that would read 0.000."""
    return f"{ms:.3f} ms" if ms >= 0.01 else f"{ms * 1e3:.3g} us"


def _title(results: Results, what: str) -> str:
    batch = batch_of(results)
    network = results.network["display_name"] + (f" (batch of {batch})" if batch > 1 else "")
    return f"{network} on {hardware_text(results.hardware)}: {what}"


def utilization_png(results: Results) -> bytes:
    """Top: utilization per layer, coloured by stage. Bottom: where each layer's PE-cycles went."""
    plt = pyplot()
    stages = list(results.layers["stage"])
    util = np.asarray(results.layers["utilization"], dtype=float)
    cycles = np.asarray(results.layers["cycles"], dtype=float)
    x, widths = layer_extents(cycles)
    colors_by_stage = stage_colors(list(dict.fromkeys(stages)))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 8.5), sharex=True, gridspec_kw={"height_ratios": [1, 1.2]})
    bars(top, x, util, color=[colors_by_stage[s] for s in stages], width=widths)
    total = results.totals["utilization"]
    top.axhline(total, color="black", linewidth=1, linestyle="--", label=f"whole network: {total:.3f}")
    top.set_ylabel("utilization\n(MACs / (cycles x PEs))")
    top.set_ylim(0, 1.05)
    from matplotlib.patches import Patch

    stage_handles = [Patch(color=c, label=s) for s, c in colors_by_stage.items()][:12]
    top.legend(handles=[top.get_legend_handles_labels()[0][0]] + stage_handles, loc="upper left",
               bbox_to_anchor=(1.005, 1.0), fontsize=7, frameon=False, title="bar colour = stage", title_fontsize=7)
    top.set_title(_title(results, "per-layer utilization and where the idle PE-cycles went"), fontsize=11, pad=16)

    bars(bottom, x, util, color=USEFUL_COLOR, label="useful MACs (= utilization)", width=widths)
    base = util.copy()
    for column in LOSS_COLUMNS:
        share = np.asarray(results.layers[column], dtype=float)
        if share.sum() <= 0:
            continue
        bars(bottom, x, share, bottoms=base, color=LOSS_COLORS[column], label=f"lost: {LOSS_LABELS[column]}",
             width=widths)
        base += share
    bottom.set_ylabel("share of the layer's PE-cycles")
    bottom.set_ylim(0, 1.02)
    bottom.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7, frameon=False)
    bottom.set_xlabel("cycles, layers in execution order: each bar is as wide as its layer's cycles, so its area "
                      "is PE-cycles")
    cycles_axis(top, stages, cycles, stage_text=True)
    cycles_axis(bottom, stages, cycles)
    fig.tight_layout()
    not_modelled_note(fig, [results.network])
    return png_bytes(fig)


def cycles_energy_png(results: Results) -> bytes:
    """Top: cycles per layer (compute and memory stall). Bottom: energy per layer by memory level."""
    plt = pyplot()
    stages = list(results.layers["stage"])
    names = list(results.layers["name"])
    x = np.arange(len(names))
    named = len(names) <= MAX_NAMED_LAYERS
    colors_by_stage = stage_colors(list(dict.fromkeys(stages)))
    compute = np.asarray(results.layers["compute_cycles"], dtype=float)
    stall = np.asarray(results.layers["stall_cycles"], dtype=float)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(10, len(x) * 0.09), 8.5 if named else 8), sharex=True)

    factor, unit = 1.0, "clock cycles"
    bars(top, x, compute / factor, color=[colors_by_stage[s] for s in stages])
    from matplotlib.patches import Patch

    handles = [Patch(color="0.55", label="compute (bar colour = stage)")]
    if stall.sum() > 0:
        bars(top, x, stall / factor, bottoms=compute / factor, color=STALL_COLOR)
        handles.append(Patch(color=STALL_COLOR, label="memory stall (waiting for DRAM)"))
    t = results.totals
    top.set_ylabel(f"{unit} (log scale)")
    top.set_yscale("log")
    top.set_ylim(0.8, max(float((compute + stall).max(initial=1)) * 3, 10))
    top.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.9,
               title=f"network: {t['cycles']:,} cycles = {time_text(t['time_ms'])}", title_fontsize=8)
    top.set_title(_title(results, "cycles and energy per layer"), fontsize=11, pad=16 if named else 6)

    energy = {level: np.asarray(results.layers[f"energy_{level}"], dtype=float) for level in LEVELS}
    factor, unit = scale_for(sum(energy.values()), energy_unit(results))
    base = np.zeros(len(x))
    for level in LEVELS:
        bars(bottom, x, energy[level] / factor, bottoms=base, color=LEVEL_COLORS[level], label=LEVEL_LABELS[level])
        base += energy[level] / factor
    bottom.set_ylabel(f"energy ({unit})")
    bottom.set_ylim(0, None)
    bottom.legend(loc="upper right", fontsize=8, framealpha=0.9, title="energy by memory level", title_fontsize=8)
    bottom.set_xlabel("layers in execution order" + ("" if named else ", grouped by stage"))
    layer_axis(top, names, stages, tick_labels=False, stage_text=True)
    layer_axis(bottom, names, stages)
    fig.tight_layout()
    not_modelled_note(fig, [results.network])
    return png_bytes(fig)


def stages_png(results: Results) -> bytes:
    """By stage: cycles (compute, stall), utilization, energy by level, share of MACs vs cycles."""
    plt = pyplot()
    rows = _fewer_stages(stage_rows(results), results)
    labels = [row["stage"] for row in rows]
    x = np.arange(len(rows))
    rotate = 30 if len(rows) > 6 else 0
    fig, axes = plt.subplots(2, 2, figsize=(max(11, len(rows) * 0.9), 8.5))
    (cyc, util), (energy_ax, share) = axes

    cycles = np.array([row["cycles"] for row in rows], dtype=float)
    stall = np.array([row["stall_cycles"] for row in rows], dtype=float)
    factor, unit = scale_for(cycles, "clock cycles")
    cyc.bar(x, (cycles - stall) / factor, color="#1f77b4", label="compute")
    if stall.sum() > 0:
        cyc.bar(x, stall / factor, bottom=(cycles - stall) / factor, color=STALL_COLOR, label="memory stall")
        cyc.legend(fontsize=8)
    cyc.set_ylabel(f"cycles ({unit})")
    cyc.set_title("cycles by stage" + ("" if stall.sum() > 0 else " (no memory stalls)"), fontsize=10)

    util.bar(x, [row["utilization"] for row in rows], color=USEFUL_COLOR)
    total = results.totals["utilization"]
    util.axhline(total, color="black", linestyle="--", linewidth=1, label=f"whole network: {total:.3f}")
    util.set_ylim(0, 1.05)
    util.set_ylabel("utilization (MACs / (cycles x PEs))")
    util.set_title("utilization by stage", fontsize=10)
    util.legend(fontsize=8)

    energy = {level: np.array([row[f"energy_{level}"] for row in rows], dtype=float) for level in LEVELS}
    factor, unit = scale_for(sum(energy.values()), energy_unit(results))
    base = np.zeros(len(rows))
    for level in LEVELS:
        energy_ax.bar(x, energy[level] / factor, bottom=base, color=LEVEL_COLORS[level], label=LEVEL_LABELS[level])
        base += energy[level] / factor
    energy_ax.set_ylabel(f"energy ({unit})")
    energy_ax.set_title("energy by stage and memory level", fontsize=10)
    energy_ax.legend(fontsize=8)

    width = 0.4
    share.bar(x - width / 2, [row["share_of_macs"] for row in rows], width, color="0.6", label="share of MACs")
    share.bar(x + width / 2, [row["share_of_cycles"] for row in rows], width, color="#1f77b4", label="share of cycles")
    share.set_ylabel("fraction of the network total")
    share.set_title("share of the work vs share of the time", fontsize=10)
    share.legend(fontsize=8)
    for ax in axes.flat:
        ax.set_xticks(x)
        ax.set_xticklabels(labels, rotation=rotate, ha="right" if rotate else "center")
        ax.set_xlabel("stage")
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    fig.suptitle(_title(results, "breakdown by stage"), fontsize=11)
    fig.tight_layout()
    not_modelled_note(fig, [results.network])
    return png_bytes(fig)


def _fewer_stages(rows: list[dict], results: Results) -> list[dict]:
    """At most MAX_NAMED_STAGES bars: the stages with the most cycles, in execution order, and
    one bar adding up all the others."""
    if len(rows) <= MAX_NAMED_STAGES:
        return rows
    keep = set(sorted(range(len(rows)), key=lambda i: -rows[i]["cycles"])[:MAX_NAMED_STAGES - 1])
    rest = [row for i, row in enumerate(rows) if i not in keep]
    other = {key: sum(row[key] for row in rest) for key in rows[0] if key not in ("stage", "utilization")}
    pes = results.hardware["total_pes"]
    other["stage"] = f"{len(rest):,} other stages"
    other["utilization"] = other["macs"] / (other["cycles"] * pes) if other["cycles"] else 0.0
    return [row for i, row in enumerate(rows) if i in keep] + [other]


def run_figures(results: Results) -> dict[str, bytes]:
    """The figures ``run --out`` writes, by file name."""
    return {
        "utilization.png": utilization_png(results),
        "cycles_energy.png": cycles_energy_png(results),
        "stages.png": stages_png(results),
    }

