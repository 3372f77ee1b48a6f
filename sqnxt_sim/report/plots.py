"""Per-layer figures. matplotlib is imported here only, when a figure is drawn."""

from __future__ import annotations

import io

import numpy as np

from ..engine.results import LOSS_COLUMNS, Results

LOSS_LABELS = {
    "loss_small_dims": "lost: dimension smaller than array",
    "loss_fold_remainder": "lost: partly filled last fold",
    "loss_fill_drain": "lost: pipeline fill/drain",
    "loss_core_imbalance": "lost: idle cores",
    "loss_memory_stall": "lost: waiting for DRAM",
    "loss_non_mac": "non-MAC layer (pool/add)",
}
LOSS_COLORS = {
    "loss_small_dims": "#d62728",
    "loss_fold_remainder": "#ff9896",
    "loss_fill_drain": "#bcbd22",
    "loss_core_imbalance": "#9467bd",
    "loss_memory_stall": "#8c564b",
    "loss_non_mac": "#c7c7c7",
}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def stage_spans(stages: list[str]) -> list[tuple[str, int, int]]:
    """Consecutive runs of one stage label: (label, first index, last index)."""
    spans: list[tuple[str, int, int]] = []
    for i, stage in enumerate(stages):
        if spans and spans[-1][0] == stage:
            spans[-1] = (stage, spans[-1][1], i)
        else:
            spans.append((stage, i, i))
    return spans


def _mark_stages(ax, stages: list[str]) -> None:
    spans = stage_spans(stages)
    for _, first, last in spans[1:]:
        ax.axvline(first - 0.5, color="0.4", linewidth=0.6, linestyle=":")
    ax.set_xticks([(first + last) / 2 for _, first, last in spans])
    ax.set_xticklabels([label for label, _, _ in spans], rotation=30, ha="right")
    ax.set_xlim(-0.7, len(stages) - 0.3)


def utilization_png(results: Results) -> bytes:
    """Top: utilization per layer, coloured by stage. Bottom: where each layer's PE-cycles went."""
    plt = _pyplot()
    stages = results.layers["stage"]
    util = np.asarray(results.layers["utilization"], dtype=float)
    x = np.arange(len(util))
    names = list(dict.fromkeys(stages))
    cmap = plt.get_cmap("tab10")
    colors = [cmap(names.index(stage) % 10) for stage in stages]

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(10, len(x) * 0.09), 8), sharex=True,
                                      gridspec_kw={"height_ratios": [1, 1.2]})
    top.bar(x, util, color=colors, width=0.85)
    total = results.totals["utilization"]
    top.axhline(total, color="black", linewidth=1, linestyle="--", label=f"network utilization {total:.3f}")
    top.set_ylabel("utilization\n(MACs / (cycles x PEs))")
    top.set_ylim(0, 1.02)
    top.legend(loc="upper right", fontsize=8)
    hw = results.hardware
    top.set_title(
        f"{results.network['display_name']} on {hw['name']} ({hw['cores']} x {hw['pe_array']['rows']}x"
        f"{hw['pe_array']['cols']} PEs, dataflow {hw['dataflow']}): per-layer utilization, execution order"
    )

    bottom.bar(x, util, color="#2ca02c", width=0.85, label="useful MACs (utilization)")
    base = util.copy()
    for column in LOSS_COLUMNS:
        share = np.asarray(results.layers[column], dtype=float)
        if share.sum() <= 0:
            continue
        bottom.bar(x, share, bottom=base, color=LOSS_COLORS[column], width=0.85, label=LOSS_LABELS[column])
        base += share
    bottom.set_ylabel("share of the layer's PE-cycles")
    bottom.set_ylim(0, 1.02)
    bottom.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=4, fontsize=8, frameon=False)
    bottom.set_xlabel("layers in execution order, grouped by stage")
    _mark_stages(bottom, stages)
    _mark_stages(top, stages)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()
