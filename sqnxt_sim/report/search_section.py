"""The study's section on the family search: does a search from v1 find v5's layout, or a
better one at v5's parameter budget, and why (every number from
studies.search.reference_finding)."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from .formats.markdown import markdown_table

LOSS_WORDS = {"loss_small_dims": "small dimensions", "loss_fold_remainder": "fold remainders",
              "loss_fill_drain": "fill/drain", "loss_memory_stall": "memory stalls", "loss_non_mac": "non-MAC layers",
              "loss_array_bus": "the array buses", "loss_core_imbalance": "idle cores"}
HEADER = ["network", "blocks", "stem", "first block", "params", "cycles", "energy", "utilization",
          "rank by cycles"]


def _row(label: str, entry: dict[str, Any], rank: Any = "") -> list[str]:
    return [label, entry["blocks"], f"{entry['stem_kernel']}x{entry['stem_kernel']}", entry["first_block"],
            f"{entry['params']:,}", f"{entry['cycles']:,}", f"{entry['energy']:.4g}", f"{entry['utilization']:.3f}",
            str(rank)]


def finding_table(finding: dict[str, Any], label: Callable[[str], str]) -> str:
    rows = [_row(label(finding["start"]["name"]), finding["start"], finding["start"].get("rank_by_cycles", "")),
            _row(label(finding["reference"]["name"]), finding["reference"], finding["reference"].get("rank_by_cycles", ""))]
    budget = f"within {label(finding['reference']['name'])}'s params"
    best, energy = finding.get("best_by_cycles"), finding.get("best_by_energy")
    if best:
        rows.append(_row(f"fastest {budget}", best, 1))
    if energy and energy["candidate"] != best["candidate"]:
        rows.append(_row(f"least energy {budget}", energy, "-"))
    return markdown_table(HEADER, rows, right={4, 5, 6, 7, 8})


def _stage_moves(finding: dict[str, Any]) -> str:
    """The stages whose cycles moved most between v5 and the best, largest first."""
    best, ref = finding["stage_cycles"]["best"], finding["stage_cycles"]["reference"]
    moves = sorted(((best[s] - ref.get(s, 0), s) for s in best if best[s] != ref.get(s, 0)), key=lambda m: -abs(m[0]))
    return ", ".join(f"{stage} {ref.get(stage, 0):,} -> {best[stage]:,} cycles" for _, stage in moves[:3])


def _losses(finding: dict[str, Any]) -> str:
    deltas = [(value, key) for key, value in finding["deltas"].items() if key in LOSS_WORDS and abs(value) >= 0.0005]
    deltas.sort(key=lambda d: -abs(d[0]))
    return ", ".join(f"{LOSS_WORDS[key]} {'+' if value > 0 else '-'}{abs(value) * 100:.1f} points"
                     for value, key in deltas[:3])


def finding_text(finding: dict[str, Any], dataflow: str, label: Callable[[str], str]) -> str:
    ref, start = finding["reference"], finding["start"]
    best = finding.get("best_by_cycles")
    name = label(ref["name"])
    if best is None:
        return f"Under {dataflow} no candidate is within {name}'s {finding['params_budget']:,} parameters."
    text = [f"Under {dataflow}, {name} ranks {ref['rank_by_cycles']} of the {finding['within_budget']:,} candidates "
            f"within its parameters by cycles ({label(start['name'])}: rank {start['rank_by_cycles']})."]
    if finding["found_reference"]:
        text.append(f"The fastest is {name}'s own layout.")
        return " ".join(text)
    moved = ", ".join(f"{'+' if m > 0 else ''}{m} in stage {i}" for i, m in enumerate(best["blocks_moved"], 1) if m)
    text.append(f"The fastest, {best['blocks']} with a {best['stem_kernel']}x{best['stem_kernel']} stem and "
                f"{best['first_block']} first blocks, takes {finding['cycles_ratio']:.3f}x {name}'s cycles and "
                f"{finding['energy_ratio']:.3f}x its energy; against {name} it moves blocks {moved or 'nowhere'}"
                + (f" and changes the first blocks to {best['first_block']}" if best["first_block"] != ref["first_block"] else "")
                + ".")
    text.append(f"Why: {_stage_moves(finding)}; of all PE-cycles, {_losses(finding) or 'no loss moves'} "
                f"(utilization {ref['utilization']:.3f} -> {best['utilization']:.3f}).")
    energy = finding.get("best_by_energy")
    if energy and energy["candidate"] != best["candidate"]:
        text.append(f"The least energy within the budget is {energy['blocks']} ({energy['first_block']}), "
                    f"{finding['best_energy_ratio']:.3f}x {name}'s.")
    return " ".join(text)


def search_section(search: dict[str, Any], findings: Sequence[dict[str, Any]], label: Callable[[str], str],
                   figure: str | None) -> list[str]:
    """Section 8. ``search``: the counts (space, enumerated, cut, evaluated, config)."""
    out = ["## 8. Searching the family from v1", "",
           f"Every candidate of the space ({search['space']}) starting from {label(search['base'])}: "
           f"{search['enumerated']:,} candidates, {search['cut']:,} cut for more parameters than "
           f"{label(findings[0]['reference']['name'])}'s {findings[0]['params_budget']:,}, {search['evaluated']:,} "
           f"evaluated on {search['config']}'s array under {' and '.join(search['dataflows'])} "
           "(`sqnxt-sim search`, docs/search.md).", ""]
    for finding, dataflow in zip(findings, search["dataflows"]):
        out += [f"**{dataflow}**:", "", finding_table(finding, label), "", finding_text(finding, dataflow, label), ""]
    ratios = [(f["cycles_ratio"], d) for f, d in zip(findings, search["dataflows"]) if f.get("best_by_cycles")]
    if ratios:
        name = label(findings[0]["reference"]["name"])
        layouts = {d: f["best_by_cycles"]["blocks"] for f, d in zip(findings, search["dataflows"]) if f.get("best_by_cycles")}
        same = len(set(layouts.values())) == 1
        out.append(f"So the search does {'' if any(f['found_reference'] for f in findings) else 'not '}land on "
                   f"{name}'s layout; the best at its budget is "
                   + " and ".join(f"{(1 - r) * 100:.1f}% faster under {d}" for r, d in ratios)
                   + (", the same layout under both dataflows." if same else
                      f", and a different layout under each ({', '.join(f'{d}: {b}' for d, b in layouts.items())}): "
                      "which layout is best depends on the dataflow."))
        out.append("")
    if figure:
        out += [f"![The family search: cycles and energy against MACs and parameters]({figure})", ""]
    return out


def search_study_png(columns: dict, findings: Sequence[dict[str, Any]], dataflows: Sequence[str],
                     label: Callable[[str], str]) -> bytes:
    """One panel per dataflow: every candidate's cycles against its parameters, the front, and
    v1, v5 and the fastest within v5's parameters marked."""
    import numpy as np

    from ..sweep import pareto_front
    from .plots import png_bytes, pyplot

    plt = pyplot()
    fig, axes = plt.subplots(1, len(dataflows), figsize=(6.2 * len(dataflows), 4.6), squeeze=False, sharey=True)
    config = np.asarray(columns["config"]) if "config" in columns else np.zeros(len(columns["cycles"]), dtype=int)
    for index, (ax, finding, dataflow) in enumerate(zip(axes[0], findings, dataflows)):
        mine = config == index
        params, cycles = np.asarray(columns["params"])[mine], np.asarray(columns["cycles"])[mine]
        ax.scatter(params / 1e6, cycles / 1e3, s=6, color="0.7", linewidths=0, label=f"{mine.sum():,} candidates")
        front = pareto_front(params, cycles)  # ordered by parameters
        ax.plot(params[front] / 1e6, cycles[front] / 1e3, "-", color="#1f77b4", linewidth=1.2, drawstyle="steps-post",
                label="fastest at or below each parameter count")
        ax.axvline(finding["params_budget"] / 1e6, color="0.4", linestyle=":", linewidth=1)
        marks = [(finding["start"], "o", "#7570b3", label(finding["start"]["name"])),
                 (finding["reference"], "D", "#d94801", label(finding["reference"]["name"]))]
        if finding.get("best_by_cycles"):
            marks.append((finding["best_by_cycles"], "*", "black", f"fastest within: {finding['best_by_cycles']['blocks']}"))
        for entry, marker, color, text in marks:
            ax.scatter([entry["params"] / 1e6], [entry["cycles"] / 1e3], marker=marker, s=70, color=color,
                       edgecolors="black", linewidths=0.5, zorder=3, label=text)
        ax.set_title(f"under {dataflow}: {finding['within_budget']:,} candidates within "
                     f"{label(finding['reference']['name'])}'s parameters (dotted)", fontsize=9)
        ax.set_xlabel("parameters (weights, millions)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="upper right")
    axes[0][0].set_ylabel("cycles per inference (thousands)")
    fig.suptitle("The SqueezeNext family searched from v1 (block layouts, stems, first-block styles)", fontsize=9)
    fig.tight_layout()
    return png_bytes(fig)


def search_finding_line(search: dict[str, Any], findings: Sequence[dict[str, Any]], label: Callable[[str], str]) -> str:
    """The findings-list entry of section 8."""
    name = label(findings[0]["reference"]["name"])
    parts = [f"{d}: {f['best_by_cycles']['blocks']} at {f['cycles_ratio']:.3f}x its cycles, {name} ranks "
             f"{f['reference']['rank_by_cycles']} of {f['within_budget']:,}"
             for f, d in zip(findings, search["dataflows"]) if f.get("best_by_cycles")]
    found = any(f["found_reference"] for f in findings)
    return (f"**A search of the family from {label(search['base'])} {'finds' if found else 'does not find'} "
            f"{name}'s layout as the fastest at its parameter budget** ({'; '.join(parts)}). (Section 8.)")
