"""The study's section on tuning the accelerator to the network at equal area: its table,
its prose (every number from studies/tune.py's facts) and its figure."""

from __future__ import annotations

from typing import Any, Callable, Sequence

JOURNAL_RANGE = (1.9, 6.3)  # Gholami et al., IBM J. R&D 2019: speed-up from tuning the accelerator


def _times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _design(tuned: dict[str, Any]) -> str:
    return (f"{tuned['cores']} x {tuned['pe_array.rows']}x{tuned['pe_array.cols']} {tuned['dataflow']}, "
            f"{tuned['memory.global_buffer_kib']:g} KiB")


def tuning_table(facts: dict[str, Any], label: Callable[[str], str]) -> list[list[str]]:
    rows = []
    for name, n in facts["networks"].items():
        rows.append([label(name), f"{n['fixed']['time_ms']:.3f}", f"{n['fixed']['utilization']:.3f}",
                     _design(n["tuned"]), f"{n['tuned']['time_ms']:.3f}", f"{n['tuned']['utilization']:.3f}",
                     _times(n["speedup"]), _times(n["speedup_bound"]), f"{n['energy_ratio']:.2f}"])
    return rows


TABLE_HEADER = ["network", "fixed ms", "fixed util", "tuned design (cores x array, dataflow, buffer)", "tuned ms",
                "tuned util", "speed-up", "bound 1/util", "energy fixed / tuned"]


def tuning_text(facts: dict[str, Any], label: Callable[[str], str]) -> str:
    """What tuning buys on one fixed design, and why, from the numbers."""
    networks = facts["networks"]
    fixed = facts["fixed_config"]
    gains = {name: n["speedup"] for name, n in networks.items()}
    low, high = min(gains, key=gains.get), max(gains, key=gains.get)
    text = [f"Tuned within {fixed}'s area, each network runs {_times(gains[low])} ({label(low)}) to "
            f"{_times(gains[high])} ({label(high)}) faster than on {fixed}."]
    if all(n["tuned"]["pes"] == facts["pes"] for n in networks.values()):
        bounds = ", ".join(f"{label(name)} {_times(n['speedup_bound'])}" for name, n in networks.items())
        text.append(f"Every tuned design keeps its {facts['pes']:,} PEs and wins by utilization alone, so one over "
                    f"{fixed}'s utilization bounds the gain: {bounds}.")
    stalled = [name for name, n in networks.items() if n["fixed"]["stall_share"] > 0.2]
    if stalled:
        text.append(f"Memory stalls take {_share_list(networks, stalled, label)} of {fixed}'s cycles; the grid "
                    "varies the array and the buffer, not DRAM bandwidth, so tuning cannot remove them.")
    kept = {}
    for name, n in networks.items():
        others = {other: gain for other, gain in n["speedup_on_design_for"].items() if other != name}
        if others:
            best_other = max(others, key=others.get)
            kept[name] = (others[best_other], best_other)
    if kept:
        lost = {name: gains[name] / gain for name, (gain, _) in kept.items()}
        own = max(lost, key=lost.get)
        text.append("On the best design tuned for another network, " + ", ".join(
            f"{label(name)} keeps {_times(gain)} of its {_times(gains[name])} ({label(other)}'s)"
            for name, (gain, other) in kept.items()) + ".")
        if lost[own] > 1.05:
            text.append(f"Only {label(own)}'s gain is partly its own ({_times(gains[own])} on its design, "
                        f"{_times(kept[own][0])} on another's): its design is {_design(networks[own]['tuned'])}; "
                        "the rest is a better design for every network.")
        else:
            text.append("No gain is the network's own: it is a better design for every network.")
    energy = [n["energy_ratio"] for n in networks.values()]
    text.append(f"Tuned for time, the designs spend {_pct_range(energy)} of the fixed design's energy.")
    return " ".join(text)


def journal_text(all_facts: Sequence[dict[str, Any]], label: Callable[[str], str]) -> str:
    """How the gains compare with the journal's 1.9x-6.3x, and why they differ."""
    gains = [(n["speedup"], name, f["fixed_config"]) for f in all_facts for name, n in f["networks"].items()]
    utilizations = [(n["fixed"]["utilization"], name, f["fixed_config"])
                    for f in all_facts for name, n in f["networks"].items()]
    low, high, least = min(gains), max(gains), min(utilizations)
    need = 1 / JOURNAL_RANGE[1]
    return (f"The journal version reports {JOURNAL_RANGE[0]:g}x-{JOURNAL_RANGE[1]:g}x from tuning the accelerator "
            f"to the network (Gholami et al., IBM J. R&D 2019); here tuning buys {_times(low[0])} ({label(low[1])} on "
            f"{low[2]}) to {_times(high[0])} ({label(high[1])} on {high[2]}). At equal PEs a {JOURNAL_RANGE[1]:g}x "
            f"gain needs a fixed design below utilization {need:.2f}; the least utilized here is {label(least[1])} on "
            f"{least[2]}, at {least[0]:.3f}. The journal's upper end therefore rests on a baseline that wastes more "
            "of its array, or on tuning more than the array and buffer (DRAM bandwidth, PE count): its accelerator "
            "and design space are not published.")


def _share_list(networks: dict, names: Sequence[str], label) -> str:
    return _and(f"{networks[n]['fixed']['stall_share']:.0%} ({label(n)})" for n in names)


def _pct_range(ratios: Sequence[float]) -> str:
    spend = sorted(1 / r for r in ratios)
    low, high = spend[0], spend[-1]
    return f"{low:.0%}" if f"{low:.0%}" == f"{high:.0%}" else f"{low:.0%}-{high:.0%}"


def _and(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def tuning_png(all_facts: Sequence[dict[str, Any]], label: Callable[[str], str]) -> bytes:
    """Per fixed design: each network's time on the fixed design and tuned to it (bars, log
    scale), its speed-up, and the bound 1 / fixed utilization."""
    from .plots import png_bytes, pyplot

    plt = pyplot()
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda value, _: f"{value:g}")
    fig, axes = plt.subplots(1, len(all_facts), figsize=(6.5 * len(all_facts), 4.6), squeeze=False)
    for ax, facts in zip(axes[0], all_facts):
        names = list(facts["networks"])
        x = range(len(names))
        fixed = [facts["networks"][n]["fixed"]["time_ms"] for n in names]
        tuned = [facts["networks"][n]["tuned"]["time_ms"] for n in names]
        ax.bar([i - 0.2 for i in x], fixed, width=0.4, color="#9e9e9e", label=f"fixed: {facts['fixed_config']}")
        ax.bar([i + 0.2 for i in x], tuned, width=0.4, color="#1f77b4", label="tuned to the network, same area")
        for i, n in enumerate(names):
            entry = facts["networks"][n]
            bound = entry["speedup_bound"]
            note = f"{entry['speedup']:.2f}x" + (f"\n(bound {bound:.2f}x)" if bound else "")
            ax.annotate(note, (i + 0.2, tuned[i]), xytext=(0, 3), textcoords="offset points", ha="center",
                        fontsize=7)
            if bound:
                ax.plot([i + 0.02, i + 0.38], [fixed[i] / bound] * 2, color="black", linewidth=1)
        ax.set_xticks(list(x))
        ax.set_xticklabels([label(n) for n in names], fontsize=8)
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
        ax.tick_params(axis="y", which="minor", labelsize=7)
        ax.set_ylabel("time per inference (ms, log scale)")
        ax.set_title(f"{facts['fixed_config']}: {facts['area_mm2']:.2f} mm^2, {facts['pes']:,} PEs; "
                     f"{facts['evaluated']:,} designs within", fontsize=9)
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(True, axis="y", which="both", alpha=0.3)
    fig.suptitle("Tuning the accelerator to the network at equal area (black line: the fastest a design of as "
                 "many PEs can be, MACs / PEs)", fontsize=9)
    fig.tight_layout()
    return png_bytes(fig)
