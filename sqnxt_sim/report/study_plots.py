"""Figures of the SqueezeNext study (``reproduce``). matplotlib is imported only when drawing."""

from __future__ import annotations

import numpy as np

from ..studies.squeezenext import BASELINE_LABELS, PAPER, VARIANTS, Study
from .plots import png_bytes, pyplot

VARIANT_COLORS = ("#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#d94801")  # v1..v4 blues, v5 orange
BASELINE_COLORS = {"squeezenet1_0": "#1b9e77", "squeezenet1_1": "#a6dba0", "alexnet": "#7570b3",
                   "mobilenet_v1": "#e7298a"}


def _config_labels(study: Study) -> list[str]:
    labels = []
    for config in study.configs:
        hw = study.hardware(config)
        array = f"{hw.cores}x{hw.pe_array.rows}x{hw.pe_array.cols}" if hw.cores > 1 else \
            f"{hw.pe_array.rows}x{hw.pe_array.cols}"
        labels.append(f"{config}\n{array}, {hw.dataflow}")
    return labels


def variants_totals_png(study: Study) -> bytes:
    """v1..v5 on every config: time and energy relative to v1, and utilization."""
    plt = pyplot()
    configs = study.configs
    x = np.arange(len(configs))
    width = 0.8 / len(VARIANTS)
    fig, axes = plt.subplots(3, 1, figsize=(max(10, 1.4 * len(configs) + 2), 10.5), sharex=True)
    panels = (
        ("cycles", "time / v1's time\n(same config)", "time per inference relative to v1 (lower is faster)"),
        ("energy", "energy / v1's energy\n(same config)", "energy per inference relative to v1 (lower is better)"),
        ("utilization", "utilization\n(MACs / (cycles x PEs))", "utilization of the whole network"),
    )
    for ax, (key, ylabel, title) in zip(axes, panels):
        for j, variant in enumerate(VARIANTS):
            values = []
            for config in configs:
                value = study.result(config, variant).totals[key]
                if key != "utilization":
                    value = _relative(value, study.result(config, VARIANTS[0]).totals[key])
                values.append(value)
            net = next(n for n in study.comparison.networks if n.name == variant)
            ax.bar(x + (j - (len(VARIANTS) - 1) / 2) * width, values, width, color=VARIANT_COLORS[j % 5],
                   label=net.display_name, edgecolor="white", linewidth=0.4)
        if key != "utilization":
            ax.axhline(1.0, color="black", linewidth=0.8)
            ax.set_ylim(0, max(1.1, ax.get_ylim()[1]))  # from zero: bar heights compare
        else:
            ax.set_ylim(0, 1.0)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10, loc="left")
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    axes[-1].set_xticks(x)
    axes[-1].set_xticklabels(_config_labels(study), fontsize=8)
    axes[-1].set_xlabel("hardware config")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(VARIANTS), fontsize=8, frameon=False)
    fig.suptitle("SqueezeNext variants v1..v5 on every config", fontsize=11)
    fig.tight_layout(rect=(0, 0.035, 1, 1))
    return png_bytes(fig)


def _relative(value: float, reference: float) -> float:
    """value / reference; NaN (no bar) when the reference is zero (an all-zero energy table)."""
    return value / reference if reference else np.nan


def _short_variant(name: str) -> str:
    """sqnxt23_v4 -> v4."""
    return name.rsplit("_", 1)[-1]


def baselines_png(study: Study, facts: dict) -> bytes:
    """Speed-up and energy ratio of the published v5 over each baseline, with the paper's values;
    where another variant is faster on a config, a marker labelled with its name shows its ratio."""
    plt = pyplot()  # first: it imports matplotlib whatever the environment says
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, NullLocator

    configs = study.configs
    shown = [b for b in ("squeezenet1_0", "squeezenet1_1", "alexnet")
             if all(b in facts["baselines"][c]["baselines"] for c in configs)]
    x = np.arange(len(configs))
    width = 0.8 / max(len(shown), 1)
    fig, axes = plt.subplots(2, 1, figsize=(max(11, 1.45 * len(configs) + 4), 9.5), sharex=True)
    # An all-zero energy table has no energy ratio (None): no bar, and nothing to scale to.
    values_all = [v for c in configs for b in shown for k in ("speedup", "energy_saving")
                  if (v := facts["baselines"][c]["baselines"][b][k]) is not None]
    top = max(values_all + [p[k] for p in PAPER.values() for k in p]) * 1.6
    bottom = min(values_all + [1.0]) / 1.3
    ticks = [t for t in (0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64) if bottom <= t <= top]
    for ax, key, title in ((axes[0], "speedup", "faster: baseline time / v5 time"),
                           (axes[1], "energy_saving", "less energy: baseline energy / v5 energy")):
        handles = []
        for j, name in enumerate(shown):
            values = [facts["baselines"][c]["baselines"][name][key] for c in configs]
            bars = ax.bar(x + (j - (len(shown) - 1) / 2) * width, [np.nan if v is None else v for v in values], width,
                          color=BASELINE_COLORS[name], label=f"ours vs {BASELINE_LABELS[name]}")
            handles.append(bars)
            ax.bar_label(bars, labels=["-" if v is None else f"{v:.2f}" for v in values], fontsize=7, padding=1.5)
            for i, config in enumerate(configs):
                fastest = facts["baselines_fastest"][config]
                value = fastest["baselines"].get(name, {}).get(key)
                if fastest["variant"] == facts["baselines"][config]["variant"] or value is None:
                    continue
                xi = x[i] + (j - (len(shown) - 1) / 2) * width
                ax.plot([xi], [value], marker="D", markersize=4, color="black", linestyle="none")
                ax.annotate(_short_variant(fastest["variant"]), (xi, value), xytext=(0, -9), textcoords="offset points",
                            ha="center", fontsize=6)
        for name in shown:
            paper = PAPER.get(name, {}).get(key)
            if paper:
                ax.axhline(paper, color=BASELINE_COLORS[name], linestyle="--", linewidth=1.5)
                handles.append(Line2D([0], [0], color=BASELINE_COLORS[name], linestyle="--", linewidth=1.5,
                                      label=f"paper vs {BASELINE_LABELS[name]}: {paper:g}x"))
        if any(facts["baselines_fastest"][c]["variant"] != facts["baselines"][c]["variant"] for c in configs):
            handles.append(Line2D([0], [0], marker="D", markersize=4, color="black", linestyle="none",
                                  label="the fastest variant, where not v5\n(labelled with its name)"))
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_yscale("log")
        ax.set_ylim(bottom, top)
        ax.yaxis.set_major_locator(FixedLocator(ticks))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_yticklabels([f"{t:g}x" for t in ticks])
        ax.set_title(title, fontsize=10, loc="left")
        ax.set_ylabel("ratio (log scale); above 1x = v5 wins")
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        ax.set_xlim(-0.6, len(configs) - 0.4)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    axes[-1].set_xticks(x)
    axes[-1].set_xticklabels(_config_labels(study), fontsize=8)
    axes[-1].set_xlabel("hardware config")
    fig.suptitle("SqueezeNext v5 against SqueezeNet and AlexNet: ours (bars), the paper's (dashed)", fontsize=11)
    fig.tight_layout()
    return png_bytes(fig)
