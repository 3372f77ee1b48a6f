"""The SqueezeNext study's report: findings as numbers, the text and the figures.

    study = run_study()                  # studies/squeezenext.py: simulate (about a second)
    facts = study_findings(study)        # the findings as plain numbers
    files = study_files(study)           # report.md, CSVs, PNGs, findings.json (rendered, not written)

Every sentence of the report that states a number or a comparison is computed from the
results here; nothing in it is canned except the paper's own figures (:data:`PAPER`) and the
description of the setup.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from .. import __version__
from ..engine import dataflows
from ..engine.results import LOSS_COLUMNS, Results, plain
from ..hardware.config import Hardware
from ..hardware.energy import LEGACY_CONVENTIONS, access_costs
from ..studies.compare import Comparison
from ..studies.squeezenext import (BASELINE_LABELS, BASELINES, CONVENTION_NETWORKS, OPTION_TWINS, PAPER,
                                   PAPER_UTILIZATION_GAIN, VARIANTS, Study)
from .compare import comparison_rows, slug
from .formats.markdown import markdown_table
from .export import json_text, rows_csv
from .labels import LOSS_LABELS
from .stages import stage_rows

def _stage_losses(results: Results, stage: str) -> dict:
    """Where a stage's PE-cycles went: the cycle-weighted loss shares of its layers."""
    layers = results.layers
    idx = [i for i, s in enumerate(layers["stage"]) if s == stage]
    cycles = sum(layers["cycles"][i] for i in idx)
    return {name: _share(sum(layers[name][i] * layers["cycles"][i] for i in idx), cycles) for name in LOSS_COLUMNS}


def _channel_range(study: Study, stage: str, network: str = "sqnxt23_v1") -> str:
    """The output channels of a stage's MAC layers, as "8-32"."""
    net = next(n for n in study.comparison.networks if n.name == network)
    ks = [layer.k for layer in net.layers if layer.stage == stage and layer.has_macs]
    return f"{min(ks)}-{max(ks)}" if ks and min(ks) != max(ks) else str(ks[0]) if ks else "-"


def dataflow_comparison(study: Study) -> dict:
    """Section 5: v1..v5 and the baselines under os, ws and rs on one array; does the
    low-channel finding hold under row-stationary?"""
    if study.dataflows is None:
        return {}
    twins = [hw.name for hw in study.dataflows.hardware]
    base = study.hardware(study.finding_config)
    by_dataflow = {}
    for name, hw in zip(twins, study.dataflows.hardware):
        v1 = study.dataflows.result(name, "sqnxt23_v1")
        v5 = study.dataflows.result(name, "sqnxt23_v5")
        first, losses, dominant = _first_stage_losses(v1)
        low = low_channel_layers(Study(study.dataflows, name, name), name)
        by_dataflow[hw.dataflow] = {
            "config": name,
            "networks": {net.name: {key: study.dataflows.result(name, net.name).totals[key]
                                    for key in ("time_ms", "utilization", "energy")}
                         for net in study.dataflows.networks},
            "v1_v5_speedup": plain(v1.totals["cycles"] / v5.totals["cycles"]),
            "v1_v5_energy_saving": _ratio(v1.totals["energy"], v5.totals["energy"]),
            "first_stage": first["stage"],
            "first_stage_share_of_cycles": first["share_of_cycles"],
            "first_stage_share_of_macs": first["share_of_macs"],
            "first_stage_utilization": first["utilization"],
            "first_stage_losses": losses,
            "first_stage_dominant_loss": dominant,
            "first_stage_out_channels": _channel_range(study, first["stage"]),
            "ifmap_bus_words_per_cycle": hw.memory.array_buses(hw.pe_array.rows, hw.pe_array.cols)["ifmap"],
            "low_channel_layers": len(low["layers"]),
            "low_channel_max_utilization": max((layer["utilization"] for layer in low["layers"]), default=None),
            "low_channel_share_of_cycles": low["share_of_cycles"],
        }
    return {"base_config": base.name, "array": f"{base.pe_array.rows}x{base.pe_array.cols}",
            "threshold_channels": base.pe_array.cols // 2, "dataflows": by_dataflow}


def option_effects(study: Study) -> dict:
    """Section 6: v1, v5 and MobileNet v1 under fold_overlap and pack_groups, per dataflow, on
    the finding config's array; with v1's first stage, where its PE-cycles go."""
    if study.options is None:
        return {}
    base = study.hardware(study.finding_config)
    twins = {}
    for (dataflow, overlap, packed), hw in zip(OPTION_TWINS, study.options.hardware):
        runs = {net.name: study.options.result(hw.name, net.name) for net in study.options.networks}
        v1 = runs["sqnxt23_v1"]
        first, losses, dominant = _first_stage_losses(v1)
        entry = {
            "config": hw.name, "dataflow": dataflow, "fold_overlap": overlap, "pack_groups": packed,
            "time_ms": {name: r.totals["time_ms"] for name, r in runs.items()},
            "utilization": {name: r.totals["utilization"] for name, r in runs.items()},
            "first_stage": first["stage"],
            "first_stage_utilization": first["utilization"],
            "first_stage_share_of_cycles": first["share_of_cycles"],
            "first_stage_share_of_macs": first["share_of_macs"],
            "first_stage_fill_drain": losses["loss_fill_drain"],
            "first_stage_dominant_loss": dominant,
            "first_stage_dominant_share": losses[dominant],
            "v1_v5_speedup": plain(v1.totals["cycles"] / runs["sqnxt23_v5"].totals["cycles"]),
        }
        if "mobilenet_v1" in runs:
            entry["mobilenet_vs_v5"] = plain(runs["mobilenet_v1"].totals["time_ms"] / runs["sqnxt23_v5"].totals["time_ms"])
        twins[hw.name] = entry
    return {"base_config": base.name, "array": f"{base.pe_array.rows}x{base.pe_array.cols}", "twins": twins}


def _twin(options: dict, dataflow: str, overlap: bool = False, packed: bool = False) -> dict | None:
    return next((t for t in options["twins"].values()
                 if (t["dataflow"], t["fold_overlap"], t["pack_groups"]) == (dataflow, overlap, packed)), None)


def _overlap_reason(twin: dict, facts: dict) -> str:
    """Why the first stage still loses what it loses with folds overlapped."""
    loss = twin["first_stage_dominant_loss"]
    mechanism = (facts.get("mechanism") or [None])[0]
    if loss == "loss_small_dims" and mechanism and mechanism["out_channels_max"] is not None:
        return (f": its layers have {mechanism['out_channels_min']}-{mechanism['out_channels_max']} filters for "
                f"{mechanism['array_columns']} array columns, and the narrower ones leave columns idle, which overlap "
                f"cannot fill")
    if loss == "loss_fill_drain":
        return (": a fold still occupies the array for at least as many cycles as it has rows while its short "
                "reduction streams")
    return ""


def options_text(facts: dict) -> str:
    """What fold overlap and packed groups change, said from the numbers."""
    options = facts.get("options") or {}
    if not options:
        return ""
    parts = []
    os_off, os_on = _twin(options, "os"), _twin(options, "os", overlap=True)
    if os_off and os_on:
        stage = os_off["first_stage"]
        excess = lambda t: t["first_stage_share_of_cycles"] / t["first_stage_share_of_macs"]
        parts.append(
            f"Under os, overlapping folds cuts {stage}'s fill/drain from {_pct(os_off['first_stage_fill_drain'])} to "
            f"{_pct(os_on['first_stage_fill_drain'])} of its PE-cycles: {stage} of v1 then runs at utilization "
            f"{os_on['first_stage_utilization']:.3f} (without overlap {os_off['first_stage_utilization']:.3f}) and "
            f"takes {_pct(os_on['first_stage_share_of_cycles'])} of v1's cycles for "
            f"{_pct(os_on['first_stage_share_of_macs'])} of its MACs ({excess(os_on):.2f}x its share; without "
            f"{excess(os_off):.2f}x). v1 runs in {os_on['time_ms']['sqnxt23_v1']:.3f} ms instead of "
            f"{os_off['time_ms']['sqnxt23_v1']:.3f}, and v5 is {_times(os_on['v1_v5_speedup'])} faster than v1 "
            f"(without {_times(os_off['v1_v5_speedup'])}). "
            + (f"The low-channel penalty survives overlap, smaller: {stage}'s largest loss is now "
               f"{LOSS_LABELS[os_on['first_stage_dominant_loss']]} ({_pct(os_on['first_stage_dominant_share'])})"
               + _overlap_reason(os_on, facts) + "."
               if excess(os_on) > 1.1 else
               "With overlap the low-channel penalty of os is gone: the short folds were the whole mechanism."))
    for dataflow in ("ws", "rs"):
        off, on = _twin(options, dataflow), _twin(options, dataflow, overlap=True)
        if off and on:
            gain = (f"leaves v5's gain over v1 at {_times(on['v1_v5_speedup'])}"
                    if _times(on["v1_v5_speedup"]) == _times(off["v1_v5_speedup"]) else
                    f"moves v5's gain over v1 from {_times(off['v1_v5_speedup'])} to {_times(on['v1_v5_speedup'])}")
            parts.append(f"Under {dataflow}, where {off['first_stage']} loses {_pct(off['first_stage_fill_drain'])} "
                         f"to fill/drain, overlap takes v1 from {off['time_ms']['sqnxt23_v1']:.3f} to "
                         f"{on['time_ms']['sqnxt23_v1']:.3f} ms and {gain}.")
    ws, ws_packed, rs = _twin(options, "ws"), _twin(options, "ws", packed=True), _twin(options, "rs")
    if os_off and ws and ws_packed and "mobilenet_vs_v5" in ws:
        parts.append(
            f"Grouped convolutions: MobileNet v1's depthwise layers run one group at a time by default, so a "
            f"depthwise layer maps one column; MobileNet v1 takes {_times(os_off['mobilenet_vs_v5'])} v5's time under "
            f"os, which cannot pack groups, and {_times(ws['mobilenet_vs_v5'])} under ws; with packed groups ws "
            f"brings it to {_times(ws_packed['mobilenet_vs_v5'])} (v1 and v5 have no grouped layers: unchanged)"
            + (f", and rs, whose set copies always take other groups, to {_times(rs['mobilenet_vs_v5'])}" if rs else "")
            + ". MobileNet v1's ratios elsewhere in this report rest on groups run one at a time.")
    return " ".join(parts)


def conventions_shift(study: Study) -> dict:
    """Energy ratios of the headline comparisons under the sourced conventions and the legacy
    ones, on the headline config; and where v5's energy goes under each."""
    if study.legacy is None:
        return {}
    config = study.headline_config
    now = {name: study.result(config, name).totals for name in CONVENTION_NETWORKS}
    before = {name: study.legacy.result(config, name).totals for name in CONVENTION_NETWORKS}
    pairs = {"sqnxt23_v1": "v5 vs v1", "squeezenet1_0": "v5 vs SqueezeNet v1.0", "alexnet": "v5 vs AlexNet"}
    ratios = {}
    for name, label in pairs.items():
        ratios[name] = {
            "label": label,
            "energy_saving": _ratio(now[name]["energy"], now["sqnxt23_v5"]["energy"]),
            "energy_saving_legacy": _ratio(before[name]["energy"], before["sqnxt23_v5"]["energy"]),
            "speedup": plain(now[name]["cycles"] / now["sqnxt23_v5"]["cycles"]),
            "speedup_legacy": plain(before[name]["cycles"] / before["sqnxt23_v5"]["cycles"]),
        }
    levels = ("mac", "register_file", "inter_pe", "global_buffer", "dram")
    shares = {when: {level: _share(totals["sqnxt23_v5"][f"energy_{level}"], totals["sqnxt23_v5"]["energy"])
                     for level in levels} for when, totals in (("sourced", now), ("legacy", before))}
    return {"config": config, "legacy_conventions": dict(LEGACY_CONVENTIONS), "ratios": ratios, "v5_energy_shares": shares}


# ----------------------------------------------------------------------------- findings


def _share(part: float, whole: float) -> float:
    return plain(part / whole) if whole else 0.0


def _ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator; None (shown '-') when the denominator is zero, e.g. energies
    under an all-zero energy table."""
    return plain(numerator / denominator) if denominator else None


def low_channel_layers(study: Study, config: str | None = None, network: str = "sqnxt23_v1") -> dict:
    """MAC layers whose output channels fill at most half the array's columns, and their utilization."""
    config = config or study.finding_config
    res = study.result(config, network)
    net = next(n for n in study.comparison.networks if n.name == network)
    cols = study.hardware(config).pe_array.cols
    threshold = cols // 2
    layers = []
    for layer, row in zip(net.layers, res.rows()):
        if row["macs"] > 0 and layer.k <= threshold:
            layers.append({"name": row["name"], "stage": row["stage"], "shape": row["shape"], "out_channels": layer.k,
                           "spatial_utilization": row["spatial_utilization"], "utilization": row["utilization"],
                           "cycles": row["cycles"]})
    t = res.totals
    stages = stage_rows(res)
    return {
        "config": config,
        "network": network,
        "array_columns": cols,
        "threshold_channels": threshold,
        "layers": layers,
        "max_spatial_utilization": max((layer["spatial_utilization"] for layer in layers), default=None),
        "share_of_cycles": _share(sum(layer["cycles"] for layer in layers), t["cycles"]),
        "network_utilization": t["utilization"],
        "network_spatial_utilization": t["spatial_utilization"],
        "stages": stages,
    }


def stage_mechanism(study: Study, config: str | None = None, network: str = "sqnxt23_v1") -> list[dict]:
    """Per stage (stem and head aside): its utilization, the loss that costs it most (a share of
    the stage's PE-cycles), and the numbers behind it: for fill/drain, how long its MAC layers
    stream per fold (T) against the fill and drain each fold pays; for small dimensions, how
    many output channels meet how many array columns."""
    config = config or study.finding_config
    res = study.result(config, network)
    hw = study.hardware(config)
    rows, cols = hw.pe_array.rows, hw.pe_array.cols
    net = next(n for n in study.comparison.networks if n.name == network)
    out = []
    for stage in stage_rows(res):
        if stage["stage"] in ("stem", "head"):
            continue
        losses = _stage_losses(res, stage["stage"])
        dominant = max(losses, key=losses.get)
        streamed, fills, channels = [], [], []
        for layer, row in zip(net.layers, res.rows()):
            if layer.stage != stage["stage"] or not layer.has_macs or row["dataflow"] not in ("os", "ws", "is"):
                continue
            t = {"os": layer.r * layer.s * layer.c, "ws": layer.n * layer.p * layer.q, "is": layer.k // layer.g}[row["dataflow"]]
            streamed.append(t)
            fills.append(rows + cols - 2 if row["dataflow"] == "os" else 2 * rows + cols - 2)
            channels.append(layer.k // layer.g)
        out.append({"stage": stage["stage"], "utilization": stage["utilization"], "share_of_cycles": stage["share_of_cycles"],
                    "dominant_loss": dominant, "dominant_share": losses[dominant], "losses": losses,
                    "streamed_min": min(streamed, default=None), "streamed_max": max(streamed, default=None),
                    "fill_drain_cycles": max(fills, default=None), "out_channels_max": max(channels, default=None),
                    "out_channels_min": min(channels, default=None),
                    "array_columns": cols})
    return out


def mechanism_text(study: Study, facts: dict) -> str:
    """What the numbers show about the first stage, in one paragraph generated from them."""
    stages = facts["mechanism"]
    if not stages:
        return ""
    first = stages[0]
    label = LOSS_LABELS[first["dominant_loss"]]
    text = (f"Why: in {first['stage']} the largest loss is {label}, {_pct(first['dominant_share'])} of its PE-cycles "
            f"(small dimensions {_pct(first['losses']['loss_small_dims'])}).")
    if first["dominant_loss"] == "loss_fill_drain" and first["streamed_min"] is not None:
        text += (f" Its layers stream only {first['streamed_min']}-{first['streamed_max']} values per fold (the "
                 f"reduction R x S x C of few input channels on os) while each fold pays {first['fill_drain_cycles']} "
                 f"cycles to fill and drain the array: few channels make short folds, and the short folds, more than "
                 f"idle columns, waste the array. A dataflow whose streamed dimension is long here avoids it (ws "
                 f"streams the output pixels; section 5 measures ws and rs on this array), so do folds that overlap "
                 f"their fill and drain (section 6), and a smaller array, whose fill is shorter, loses less.")
    elif first["dominant_loss"] == "loss_small_dims" and first["out_channels_max"] is not None:
        text += (f" Its layers have at most {first['out_channels_max']} filters per group for "
                 f"{first['array_columns']} array columns: the columns stay idle.")
    others = [f"{s['stage']} {LOSS_LABELS[s['dominant_loss']]} {_pct(s['dominant_share'])}" for s in stages[1:]]
    if others:
        text += " The other stages' largest losses: " + ", ".join(others) + "."
    return text


def _first_stage(study: Study, config: str, network: str = "sqnxt23_v1") -> dict:
    """The first stage after the stem (stage1 for SqueezeNext)."""
    return _first_stage_row(study.result(config, network))


def _first_stage_row(results: Results) -> dict:
    return next(r for r in stage_rows(results) if r["stage"] not in ("stem", "head"))


def _first_stage_losses(results: Results) -> tuple[dict, dict, str]:
    """The first stage's row, where its PE-cycles went, and the largest of those losses."""
    first = _first_stage_row(results)
    losses = _stage_losses(results, first["stage"])
    return first, losses, max(losses, key=losses.get)


def variant_rows(study: Study) -> list[dict]:
    rows = [r for r in comparison_rows(study.comparison) if r["network"] in VARIANTS]
    for row in rows:
        row["fastest"] = row["network"] == fastest_variant(study, row["hardware"])
    return rows


def fastest_variant(study: Study, config: str) -> str:
    """The variant with the fewest cycles on ``config`` (ties: least energy)."""
    def key(name: str) -> tuple:
        totals = study.result(config, name).totals
        return totals["cycles"], totals["energy"]

    return min(VARIANTS, key=key)


def baseline_ratios(study: Study, config: str, variant: str | None = None) -> dict:
    """How much faster and more energy-efficient ``variant`` (default: the fastest) is than each baseline.

    speedup = baseline cycles / variant cycles; energy_saving = baseline energy / variant energy.
    On one config, speedup = macs_ratio x utilization_ratio exactly (cycles = MACs / (util x PEs)),
    and energy_saving = macs_ratio x energy_per_mac_ratio.
    """
    variant = variant or fastest_variant(study, config)
    v = study.result(config, variant).totals
    out = {"config": config, "variant": variant, "baselines": {}}
    for name in BASELINES:
        if (config, name) not in study.comparison.results:
            continue
        b = study.result(config, name).totals
        out["baselines"][name] = {
            "speedup": plain(b["cycles"] / v["cycles"]),
            "energy_saving": _ratio(b["energy"], v["energy"]),
            "macs_ratio": plain(b["macs"] / v["macs"]),
            "utilization_ratio": plain(v["utilization"] / b["utilization"]),
            "energy_per_mac_ratio": _ratio(b["energy"] * v["macs"], v["energy"] * b["macs"]),
            "variant_utilization": v["utilization"],
            "baseline_utilization": b["utilization"],
            "variant_stall_share": _share(v["stall_cycles"], v["cycles"]),
            "baseline_stall_share": _share(b["stall_cycles"], b["cycles"]),
            "variant_dram_energy_share": _share(v["energy_dram"], v["energy"]),
            "baseline_dram_energy_share": _share(b["energy_dram"], b["energy"]),
            "weights_ratio": plain(b["weights"] / v["weights"]),
            "paper_speedup": PAPER.get(name, {}).get("speedup"),
            "paper_energy_saving": PAPER.get(name, {}).get("energy_saving"),
        }
    return out


def study_findings(study: Study) -> dict:
    """The study's findings as plain numbers (what the report states and the tests check)."""
    v1_v5 = {}
    for config in study.configs:
        a, b = study.result(config, "sqnxt23_v1").totals, study.result(config, "sqnxt23_v5").totals
        first = _first_stage(study, config)
        v1_v5[config] = {
            "speedup": plain(a["cycles"] / b["cycles"]),
            "energy_saving": _ratio(a["energy"], b["energy"]),
            "utilization_v1": a["utilization"],
            "utilization_v5": b["utilization"],
            "utilization_gain": plain(b["utilization"] / a["utilization"] - 1),
            "v1_first_stage": first["stage"],
            "v1_first_stage_utilization": first["utilization"],
            "v1_first_stage_share_of_cycles": first["share_of_cycles"],
            "v1_first_stage_share_of_macs": first["share_of_macs"],
        }
    return {
        "configs": study.configs,
        "finding_config": study.finding_config,
        "headline_config": study.headline_config,
        "low_channel": low_channel_layers(study),
        "mechanism": stage_mechanism(study),
        "v1_vs_v5": v1_v5,
        "fastest_variant": {config: fastest_variant(study, config) for config in study.configs},
        # The published v5 on every config; the fastest variant, named, as a second view.
        "baselines": {config: baseline_ratios(study, config, "sqnxt23_v5") for config in study.configs},
        "baselines_fastest": {config: baseline_ratios(study, config) for config in study.configs},
        "paper": {"ratios": PAPER, "utilization_gain_up_to": PAPER_UTILIZATION_GAIN},
        "energy_conventions": conventions_shift(study),
        "dataflows": dataflow_comparison(study),
        "options": option_effects(study),
        "tuning": list(study.tuning),
        "search": _search_counts(study),
        "search_findings": list(study.search_findings),
    }


def _search_counts(study: Study) -> dict | None:
    result = study.search
    if result is None:
        return None
    return {"space": result.space.description or "the study's space", "base": result.space.base_name,
            "enumerated": result.enumerated, "skipped": result.skipped, "cut": result.cut, "evaluated": result.evaluated,
            "evaluations": result.evaluations, "config": result.hardware.name,
            "dataflows": [result.grid.combination(i)["dataflow"] for i in range(result.configurations)]}


# ----------------------------------------------------------------------------- text


def _label(study: Study, name: str) -> str:
    net = next((n for n in study.comparison.networks if n.name == name), None)
    return net.display_name if net is not None else name


def _recon(study: Study, name: str) -> str:
    net = next((n for n in study.comparison.networks if n.name == name), None)
    return ", a reconstruction" if net is not None and net.reconstruction else ""


def _less_energy(saving: float | None, template: str) -> str:
    """``template`` with the energy ratio, or a note that there is none (an all-zero energy table)."""
    return template.format(_times(saving)) if saving is not None else " (no energy ratio: the energy table is all zeros)"


def _fixed(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _pct(value: float) -> str:
    return f"{value:.0%}" if abs(value) >= 0.01 or value == 0 else f"{value:.1%}"


def low_channel_text(study: Study, facts: dict) -> str:
    low = facts["low_channel"]
    first = next(r for r in low["stages"] if r["stage"] not in ("stem", "head"))
    n = len(low["layers"])
    if not n:
        return (f"On {low['config']} no MAC layer of {low['network']} has {low['threshold_channels']} or fewer output "
                f"channels, so the low-channel effect does not appear on this array.")
    in_first = [layer for layer in low["layers"] if layer["stage"] == first["stage"]]
    text = (f"On {low['config']} ({low['array_columns']} array columns), {n} convolutions of {low['network']} have "
            f"at most {low['threshold_channels']} output channels ({len(in_first)} of them in {first['stage']}); "
            f"none maps more than {low['max_spatial_utilization']:.2f} of the PEs (spatial utilization), against "
            f"{low['network_spatial_utilization']:.2f} MAC-weighted over the network. Together they take "
            f"{_pct(low['share_of_cycles'])} of the cycles. In {first['stage']}, {low['network']} runs at utilization "
            f"{first['utilization']:.3f} (network {low['network_utilization']:.3f}) and spends "
            f"{_pct(first['share_of_cycles'])} of its cycles on {_pct(first['share_of_macs'])} of its MACs.")
    return text


def array_size_text(study: Study, facts: dict) -> str:
    """Does the first-stage penalty depend on the array size? Computed over the configs."""
    rows = facts["v1_vs_v5"]
    ratios = {c: r["v1_first_stage_share_of_cycles"] / r["v1_first_stage_share_of_macs"] for c, r in rows.items()
              if r["v1_first_stage_share_of_macs"]}
    if len(ratios) < 2:
        return ""
    worst = max(ratios, key=ratios.get)
    best = min(ratios, key=ratios.get)
    pes_worst, pes_best = study.hardware(worst).pes, study.hardware(best).pes
    lead = ("The penalty grows with the array" if pes_worst > pes_best else
            "The penalty shrinks with the array" if pes_worst < pes_best else "The penalty depends on the dataflow")
    return (f"{lead}: {rows[worst]['v1_first_stage']} of v1 takes {ratios[worst]:.2f}x its share of the MACs in "
            f"cycles on {worst} ({pes_worst:,} PEs) but {ratios[best]:.2f}x on {best} ({pes_best:,} PEs).")


def variants_text(study: Study, facts: dict) -> str:
    parts = []
    for config in dict.fromkeys([study.finding_config, study.headline_config]):
        r = facts["v1_vs_v5"][config]
        parts.append(f"on {config} v5 is {_times(r['speedup'])} faster than v1"
                     + _less_energy(r["energy_saving"], " and needs {} less energy") + ", utilization "
                     f"{r['utilization_v1']:.3f} -> {r['utilization_v5']:.3f} ({_signed_pct(r['utilization_gain'])})")
    gains = {c: r["utilization_gain"] for c, r in facts["v1_vs_v5"].items()}
    top = max(gains, key=gains.get)
    slower = [c for c, r in facts["v1_vs_v5"].items() if r["speedup"] <= 1]
    fastest = facts["fastest_variant"]
    not_v5 = [c for c, v in fastest.items() if v != "sqnxt23_v5"]
    text = "; ".join(parts) + ". "
    text = text[0].upper() + text[1:]
    if len(gains) > 1:
        text += ("v5 is faster than v1 on every config. " if not slower else
                 f"v5 is not faster than v1 on {', '.join(slower)}. ")
        text += f"The largest utilization gain is {_signed_pct(gains[top])} on {top}"
    else:
        text += f"The utilization gain is {_signed_pct(gains[top])}"
    text += f" (paper: up to +{PAPER_UTILIZATION_GAIN:.0%}). "
    if not_v5:
        by_variant: dict[str, list[str]] = {}
        for config in not_v5:
            by_variant.setdefault(fastest[config], []).append(config)
        text += "v5 is not the fastest variant on every config: " + "; ".join(
            f"{variant}{' (a reconstruction)' if _recon(study, variant) else ''} is faster on {_and_list(configs)} ("
            f"{study.result(configs[0], variant).totals['time_ms']:.3f} ms against v5's "
            f"{study.result(configs[0], 'sqnxt23_v5').totals['time_ms']:.3f} ms on {configs[0]})"
            for variant, configs in by_variant.items()) + "."
    else:
        text += "v5 is the fastest variant" + (" on every config." if len(gains) > 1 else ".")
    return text


def _and_list(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def findings_list(study: Study, facts: dict) -> list[str]:
    """The numbered findings: each a heading and its key numbers, once; the sections explain them."""
    low, head = facts["low_channel"], study.headline_config
    out = []
    mechanism = (facts.get("mechanism") or [None])[0]
    first = next((r for r in low["stages"] if r["stage"] not in ("stem", "head")), None)
    text = f"**{_low_heading(facts)}**"
    if first and low["layers"]:
        text += (f" On {low['config']}, {first['stage']} of {low['network']} takes {_pct(first['share_of_cycles'])} of "
                 f"the cycles for {_pct(first['share_of_macs'])} of the MACs (utilization {first['utilization']:.3f})")
        if mechanism:
            text += (f"; {_pct(mechanism['dominant_share'])} of its PE-cycles go to "
                     f"{LOSS_LABELS[mechanism['dominant_loss']]}")
        text += ". (Section 1; under ws and rs: section 5; with folds overlapped: section 6.)"
    out.append(text)
    parts = [f"{_times(facts['v1_vs_v5'][c]['speedup'])} on {c}" for c in dict.fromkeys([study.finding_config, head])]
    out.append(f"**{_variants_heading(facts)}** v5 is faster than v1 by " + " and ".join(parts) + ". (Section 2.)")
    entry = facts["baselines"][head]
    for baseline in ("squeezenet1_0", "alexnet"):
        r = entry["baselines"].get(baseline)
        if r is None:
            continue
        wins = r["speedup"] > 1 and (r["energy_saving"] is None or r["energy_saving"] > 1)
        out.append(f"**v5 {'beats' if wins else 'does not beat'} {BASELINE_LABELS[baseline]}.** On {head} it is "
                   f"{_times(r['speedup'])} faster" + _less_energy(r["energy_saving"], " and uses {} less energy")
                   + f" (paper: {_times(r['paper_speedup'])} and {_times(r['paper_energy_saving'])}). (Section 3.)")
    for entry in facts.get("tuning") or []:
        gains = {name: n["speedup"] for name, n in entry["networks"].items()}
        low, high = min(gains, key=gains.get), max(gains, key=gains.get)
        out.append(f"**Tuning the accelerator to the network pays {_times(gains[low])}-{_times(gains[high])} at "
                   f"{entry['fixed_config']}'s area** ({_label(study, low)} to {_label(study, high)}; journal: "
                   "1.9x-6.3x). (Section 7.)")
    if facts.get("search") and facts.get("search_findings"):
        from .search_section import search_finding_line

        out.append(search_finding_line(facts["search"], facts["search_findings"], lambda name: _label(study, name)))
    return [f"{i}. {line}" for i, line in enumerate(out, 1)]


def _low_heading(facts: dict) -> str:
    low = facts["low_channel"]
    if not low["layers"]:
        return "No low-channel layers on this array."
    mechanism = facts.get("mechanism") or []
    if mechanism and mechanism[0]["dominant_loss"] == "loss_fill_drain":
        return "Low-channel layers run inefficiently: their few input channels make short folds, lost to fill/drain."
    if low["max_spatial_utilization"] <= 0.5:
        return "Low-channel layers leave most of the array idle."
    return "Low-channel layers leave part of the array idle."


def _variants_heading(facts: dict) -> str:
    if all(r["speedup"] > 1 for r in facts["v1_vs_v5"].values()):
        return "Moving blocks to the wider stages pays."
    return "Moving blocks to the wider stages does not pay everywhere."


def _signed_pct(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:+.1%}" if abs(value) < 0.05 else f"{value:+.0%}"


def ratio_text(study: Study, facts: dict, baseline: str) -> str:
    """Our ratio against ``baseline`` next to the paper's, with where and why they differ."""
    config = study.headline_config
    ratios = facts["baselines"][config]
    r = ratios["baselines"].get(baseline)
    if r is None:
        return ""
    variant = _label(study, ratios["variant"])
    name = BASELINE_LABELS[baseline]
    hw = study.hardware(config)
    sentences = []
    paper_s, paper_e = r["paper_speedup"], r["paper_energy_saving"]
    energy_known = r["energy_saving"] is not None
    wins = r["speedup"] > 1 and (not energy_known or r["energy_saving"] > 1)
    verdict = "reproduces the ordering" if wins else "does NOT reproduce the ordering"
    sentences.append(
        f"On {config}, {variant} is {_times(r['speedup'])} faster than {name}"
        + _less_energy(r["energy_saving"], " and uses {} less energy")
        + f" (paper: {_times(paper_s)} and {_times(paper_e)}), "
        f"which {verdict}; our speed-up is "
        f"{_pct(abs(r['speedup'] / paper_s - 1))} {'below' if r['speedup'] < paper_s else 'above'} the paper's"
        + (f" and our energy ratio {_pct(abs(r['energy_saving'] / paper_e - 1))} "
           f"{'below' if r['energy_saving'] < paper_e else 'above'}." if energy_known else
           "."))
    if r["utilization_ratio"] < 1:
        why = (f"{name} needs {_times(r['macs_ratio'])} the MACs, but keeps the array busier (utilization "
               f"{r['baseline_utilization']:.3f} against {r['variant_utilization']:.3f}), which takes "
               f"{_times(1 / r['utilization_ratio'])} back off the speed-up")
    else:
        why = (f"{name} needs {_times(r['macs_ratio'])} the MACs and also keeps the array less busy (utilization "
               f"{r['baseline_utilization']:.3f} against {r['variant_utilization']:.3f}), which adds "
               f"{_times(r['utilization_ratio'])}")
    sentences.append(f"Why: {why}.")
    if hw.memory.dram_bandwidth_bytes_per_cycle:
        sentences.append(
            f"With {hw.memory.dram_bandwidth_bytes_per_cycle:g} B/cycle of DRAM bandwidth, memory stalls are "
            f"{_pct(r['variant_stall_share'])} of {variant}'s cycles and {_pct(r['baseline_stall_share'])} of "
            f"{name}'s.")
    fc = _op_share(study.result(config, baseline), "fc")
    if fc["share_of_cycles"] >= 0.25:
        spread = {b: _spread(facts, study.configs, b) for b in BASELINES}
        widest = max(spread, key=lambda b: spread[b] or 0.0)
        sentences.append(
            f"Its fully connected layers take {_pct(fc['share_of_cycles'])} of {name}'s cycles at utilization "
            f"{fc['utilization']:.3f}: at batch 1 an FC layer has one output pixel, so the array dimension that "
            f"holds pixels stays nearly empty, and how much that costs depends on the dataflow and the array shape"
            + (f" (which is why this speed-up varies {spread[baseline]:.1f}-fold across the configs, more than "
               f"against any other baseline)." if widest == baseline and len(study.configs) > 1 else "."))
    if r["energy_per_mac_ratio"] is not None:
        sentences.append(
            f"Per MAC, {name} spends {_times(r['energy_per_mac_ratio'])} {variant}'s energy; DRAM is "
            f"{_pct(r['baseline_dram_energy_share'])} of its energy ({_pct(r['variant_dram_energy_share'])} for "
            f"{variant}; {name} has {_times(r['weights_ratio'])} the weights).")
    speedups = {c: facts["baselines"][c]["baselines"][baseline]["speedup"] for c in study.configs
                if baseline in facts["baselines"][c]["baselines"]}
    if len(speedups) > 1:
        low, high = min(speedups, key=speedups.get), max(speedups, key=speedups.get)
        where = ("inside" if speedups[low] <= paper_s <= speedups[high] else
                 "above" if paper_s > speedups[high] else "below")
        sentences.append(f"Across the {len(speedups)} configs our speed-up ranges from {_times(speedups[low])} "
                         f"({low}) to {_times(speedups[high])} ({high}); the paper's {_times(paper_s)} lies {where} "
                         f"that range.")
    return " ".join(sentences)


def _spread(facts: dict, configs: list[str], baseline: str) -> float | None:
    """max / min of the speed-up against ``baseline`` over the configs."""
    values = [facts["baselines"][c]["baselines"][baseline]["speedup"] for c in configs
              if baseline in facts["baselines"][c]["baselines"]]
    return max(values) / min(values) if values else None


def _op_share(results: Results, op: str) -> dict:
    """Share of the cycles spent in layers of one op, and those layers' utilization."""
    idx = [i for i, o in enumerate(results.layers["op"]) if o == op]
    cycles = sum(results.layers["cycles"][i] for i in idx)
    macs = sum(results.layers["macs"][i] for i in idx)
    total = results.totals["cycles"]
    pes = results.hardware["total_pes"]
    return {"share_of_cycles": cycles / total if total else 0.0,
            "utilization": macs / (cycles * pes) if cycles else 0.0}


# ----------------------------------------------------------------------------- tables


def config_rows(study: Study) -> list[dict]:
    rows = []
    for hw in study.comparison.hardware:
        rows.append({
            "config": hw.name, "cores": hw.cores, "rows": hw.pe_array.rows, "cols": hw.pe_array.cols,
            "total_pes": hw.pes, "dataflow": hw.dataflow, "clock_mhz": hw.clock_mhz, "word_bits": hw.word_bits,
            "global_buffer_kib": hw.memory.global_buffer_kib,
            "dram_bandwidth_bytes_per_cycle": hw.memory.dram_bandwidth_bytes_per_cycle,
            "energy_unit": hw.energy.unit, "energy_mac": hw.energy.mac, "energy_register_file": hw.energy.register_file,
            "energy_inter_pe_hop": hw.energy.inter_pe_hop, "energy_inter_pe_multicast": hw.energy.inter_pe,
            "interconnects": " ".join(_interconnects(hw)), "energy_global_buffer": access_costs(hw).global_buffer,
            "energy_dram": hw.energy.dram, "register_file_accesses": hw.energy.register_file_accesses,
            "load_drain_hops": hw.energy.load_drain_hops,
        })
    return rows


def ratio_rows(study: Study, facts: dict) -> list[dict]:
    """ratios.csv: the published v5 on every config, then the fastest variant where it is another."""
    rows = []
    for view, key in (("published v5", "baselines"), ("fastest variant", "baselines_fastest")):
        for config in study.configs:
            entry = facts[key][config]
            if view == "fastest variant" and entry["variant"] == "sqnxt23_v5":
                continue
            for name, r in entry["baselines"].items():
                rows.append({"view": view, "config": config, "variant": entry["variant"], "baseline": name,
                             "speedup": r["speedup"], "paper_speedup": r["paper_speedup"],
                             "energy_saving": r["energy_saving"], "paper_energy_saving": r["paper_energy_saving"],
                             "macs_ratio": r["macs_ratio"], "utilization_ratio": r["utilization_ratio"],
                             "variant_stall_share": r["variant_stall_share"],
                             "baseline_stall_share": r["baseline_stall_share"]})
    return rows


def _energy_short(value: float) -> str:
    return f"{value / 1e9:.3f}"


# Energy tables as (unit, MAC, register file, systolic hop, multicast, global buffer, DRAM, RF
# counting, load/drain hops), None where the config's dataflows do not use that cost.
# The shipped default: the Eyeriss per-access costs normalized to one 16-bit MAC (Chen, Emer,
# Sze, ISCA 2016, Table IV) with a systolic hop of 0.1 and RF accesses on change.
EYERISS_TABLE = ("mac_normalized", 1.0, 1.0, 0.1, None, 6.0, 200.0, "on_change", True)
# The Eyeriss table itself, as the chip's row-stationary dataflow is charged (ISCA 2016 Eqs. 3-4).
ISCA_TABLE = ("mac_normalized", 1.0, 1.0, None, 2.0, 6.0, 200.0, "per_mac", None)


def _interconnects(hw: Hardware) -> list[str]:
    """The inter-PE networks the config's dataflows use: "hop" (systolic) and/or "multicast"."""
    kinds = {dataflows.model(name).interconnect for name in hw.candidates}
    return [kind for kind in ("hop", "multicast") if kind in kinds]


def _energy_table(hw: Hardware) -> tuple:
    e = hw.energy
    hop = "hop" in _interconnects(hw)
    return (e.unit, e.mac, e.register_file, e.inter_pe_hop if hop else None,
            e.inter_pe if "multicast" in _interconnects(hw) else None, access_costs(hw).global_buffer, e.dram,
            e.register_file_accesses, e.load_drain_hops if hop else None)


def _inter_pe_text(hop, multicast) -> str:
    parts = ([f"systolic hop {hop:g}"] if hop is not None else []) + (
        [f"multicast delivery {multicast:g}"] if multicast is not None else [])
    return ", ".join(parts)


def _energy_unit_text(hw: Hardware) -> str:
    """The config's energy unit in words: pJ, or MAC-normalized units and what 1 is."""
    if hw.energy.unit == "pJ":
        return "pJ"
    if hw.energy.mac == 1:
        return f"MAC-normalized units, 1 = one {hw.word_bits}-bit MAC"
    return f"MAC-normalized units (a MAC costs {hw.energy.mac:g})"


def _config_list(names: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _groups(study: Study, key) -> dict:
    """Configs grouped by ``key(hw)``, in config order: value -> config names."""
    groups: dict = {}
    for hw in study.comparison.hardware:
        groups.setdefault(key(hw), []).append(hw.name)
    return groups


def _energy_assumptions(study: Study) -> list[str]:
    """One bullet per distinct energy table among the configs (one bullet when they all agree)."""
    groups = _groups(study, _energy_table)
    out = []
    for table, names in groups.items():
        hw = study.hardware(names[0])
        costs = (f"MAC {table[1]:g}, register file {table[2]:g}, {_inter_pe_text(table[3], table[4])}, global buffer "
                 f"{table[5]:g}, DRAM {table[6]:g}; register-file accesses {table[7].replace('_', ' ')}"
                 + ("" if table[8] is None else f", load and drain hops {'charged' if table[8] else 'not charged'}"))
        lead = "- Energy uses " if len(groups) == 1 else f"- On {_config_list(names)}, energy uses "
        if table == EYERISS_TABLE:
            out.append(f"{lead}the Eyeriss per-access costs normalized to one 16-bit MAC (Chen, Emer, Sze, ISCA "
                       f"2016, Table IV) with a systolic neighbour hop derived from a 40 nm register and wire "
                       f"(docs/model.md, \"Energy\"): {costs}. This is a documented convention, not the paper's "
                       f"table; energies are in {_energy_unit_text(hw)}.")
        elif table == ISCA_TABLE:
            out.append(f"{lead}the Eyeriss per-access costs normalized to one 16-bit MAC and its counting of "
                       f"register-file accesses (Chen, Emer, Sze, ISCA 2016, Table IV and Eqs. 3-4): {costs}; "
                       f"energies are in {_energy_unit_text(hw)}.")
        else:
            unit = "pJ" if table[0] == "pJ" else "MAC-normalized units"
            out.append(f"{lead}the config's own per-access costs, in {unit} (not the Eyeriss table): {costs}; "
                       f"energies are in {_energy_unit_text(hw)}.")
    if len(groups) > 1:
        out.append("- The configs use different energy tables, so energies compare across configs only as ratios "
                   "(each network against v1 on the same config).")
    return out


def _word_bits_text(study: Study) -> str:
    groups = _groups(study, lambda hw: hw.word_bits)
    if len(groups) == 1:
        return f"{next(iter(groups))}-bit words"
    parts = [f"{bits} bits on {_config_list(names)}" for bits, names in groups.items()]
    return "Words of " + ", ".join(parts[:-1]) + " and " + parts[-1]


def _analogue_text(study: Study) -> str:
    """What `squeezelerator` is, from its config, when the study includes it."""
    if "squeezelerator" not in study.configs:
        return ""
    hw = study.hardware("squeezelerator")
    array = f"{hw.cores} x {hw.pe_array.rows}x{hw.pe_array.cols}" if hw.cores > 1 else \
        f"{hw.pe_array.rows}x{hw.pe_array.cols}"
    dataflow = ("choosing the fastest dataflow per layer, as the paper's accelerator chose between OS and WS"
                if hw.dataflow == "best" else f"dataflow {hw.dataflow}")
    bandwidth = hw.memory.dram_bandwidth_bytes_per_cycle
    dram = "unlimited DRAM bandwidth" if bandwidth is None else f"{bandwidth:g} B/cycle DRAM"
    return (f"; `squeezelerator` is the closest analogue ({array} PEs {dataflow}), with an assumed "
            f"{hw.memory.global_buffer_kib:g} KiB buffer and {dram}")


def _inputs_text(study: Study) -> str:
    """Batch and input sizes of the networks: "batch 1, 227x227 input except MobileNet v1 at 224x224"."""
    nets = study.comparison.networks
    batches = sorted({net.input_layer.n for net in nets})
    batch = f"batch {batches[0]}" if len(batches) == 1 else "batches " + ", ".join(str(b) for b in batches)
    sizes = Counter(f"{net.input_layer.p}x{net.input_layer.q}" for net in nets)
    common = sizes.most_common(1)[0][0]
    others = [f"{BASELINE_LABELS.get(net.name, net.display_name)} at {net.input_layer.p}x{net.input_layer.q}"
              for net in nets if f"{net.input_layer.p}x{net.input_layer.q}" != common]
    return f"{batch}, {common} input" + (" except " + ", ".join(others) if others else "")


def _setup_section(study: Study) -> list[str]:
    out = ["## Setup", ""]
    out.append(f"Networks ({_inputs_text(study)}; MACs = conv + FC multiply-accumulates; weights = conv + FC "
               "weights):")
    out.append("")
    rows = []
    for net in study.comparison.networks:
        kind = "**reconstruction** (not published)" if net.reconstruction else "published definition"
        rows.append([net.display_name, f"{net.macs:,}", f"{net.weights:,}", kind])
    out.append(markdown_table(["network", "MACs", "weights", "source"], rows, right={1, 2}))
    out.append("")
    shipped = [hw.name in study.shipped for hw in study.comparison.hardware]
    out.append("Accelerator configs (`hwconfigs/*.yaml`):" if all(shipped) else
               "Accelerator configs (" + ("the shipped ones from `hwconfigs/`, the others given with `--hw`):"
                                          if any(shipped) else "given with `--hw`):"))
    out.append("")
    rows = []
    for r in config_rows(study):
        bandwidth = r["dram_bandwidth_bytes_per_cycle"]
        bw = "unlimited" if bandwidth is None else f"{bandwidth:g} B/cycle"
        array = f"{r['cores']} x {r['rows']}x{r['cols']}" if r["cores"] > 1 else f"{r['rows']}x{r['cols']}"
        inter_pe = " + ".join([f"{r['energy_inter_pe_hop']:g} hop"] * ("hop" in r["interconnects"]) +
                              [f"{r['energy_inter_pe_multicast']:g} multicast"] * ("multicast" in r["interconnects"]))
        energy = (f"{r['energy_mac']:g} / {r['energy_register_file']:g} / {inter_pe} / "
                  f"{r['energy_global_buffer']:g} / {r['energy_dram']:g}"
                  + (" pJ" if r["energy_unit"] == "pJ" else ""))
        rows.append([r["config"], array, f"{r['total_pes']:,}", r["dataflow"], f"{r['clock_mhz']:g}",
                     f"{r['global_buffer_kib']:g}", bw, energy])
    out.append(markdown_table(["config", "PE array", "PEs", "dataflow", "clock MHz", "global buffer KiB", "DRAM bandwidth",
                          "energy per access: MAC / RF / inter-PE / GB / DRAM"], rows, right={2, 4, 5}))
    out.append("")
    out.append("What is assumed:")
    out.append("")
    out += [
        "- The paper's accelerator parameters (array size, buffer sizes, DRAM bandwidth, energy table) are not "
        "published. The configs above are " + ("ours" if all(shipped) else "ours or the user's" if any(shipped) else "the user's")
        + _analogue_text(study) + ".",
        *_energy_assumptions(study),
        f"- {_word_bits_text(study)}; batch norm and ReLU folded into the convolutions; folds run back to "
        "back, each paying its fill and drain, and grouped convolutions run one group after another on os and ws "
        "(SCALE-Sim's assumptions; section 6 lifts both); pooling and element-wise adds are charged on the PEs "
        "(see docs/model.md).",
        "- Configs with unlimited DRAM bandwidth report compute cycles only; the others add the stalls when a "
        "layer's DRAM traffic cannot hide behind its compute.",
        "- sqnxt23_v2..v4 are reconstructions from the paper's stated design steps (shrink the stem to 5x5, then "
        "move blocks from the early stages to the third); only v1 and v5 are the authors' published definitions.",
        "- The paper's SqueezeNet baseline is taken to be v1.0; v1.1 and MobileNet v1 are shown for reference.",
    ]
    return out


def study_markdown(study: Study, facts: dict, figures: dict[str, str]) -> str:
    """report.md. ``figures`` maps a role (v1_layers, v1_stages, ...) to the PNG's file name."""
    low = facts["low_channel"]
    head = study.headline_config
    n_runs = len(study.comparison.results)
    out = [
        "# SqueezeNext, reproduced with sqnxt-sim",
        "",
        f"Generated by `sqnxt-sim reproduce` (sqnxt-sim {__version__}): {len(study.comparison.networks)} networks on "
        f"{len(study.configs)} accelerator configs ({n_runs} simulations). Every number and comparison below is "
        "computed from the simulations; only the paper's figures are quoted. The same inputs give the same files.",
        "",
        "## Findings",
        "",
        *findings_list(study, facts),
    ]
    out += ["",
            "The paper's accelerator is not specified well enough to rebuild, so the factors are not expected to "
            "match; what this study reproduces is the direction of each comparison and the mechanism behind it "
            "(per-layer utilization).",
            ""]
    out += _setup_section(study)

    # 1. low-channel finding
    out += ["", f"## 1. Per-layer utilization of v1 on {low['config']}", ""]
    out.append(low_channel_text(study, facts) + " " + mechanism_text(study, facts) + " " + array_size_text(study, facts))
    out.append("")
    out.append(f"![Per-layer utilization of sqnxt23_v1 on {low['config']}]({figures['v1_layers']})")
    out.append("")
    out.append("*Top: utilization of every layer (MACs / (cycles x PEs)), coloured by stage; the dashed line is the "
               "network's. Bottom: where each layer's PE-cycles went (red: a dimension smaller than the array).*")
    out.append("")
    out.append(f"![sqnxt23_v1 by stage on {low['config']}]({figures['v1_stages']})")
    out.append("")
    rows = [[layer["name"], layer["stage"], layer["shape"], str(layer["out_channels"]),
             f"{layer['spatial_utilization']:.3f}", f"{layer['utilization']:.3f}", f"{layer['cycles']:,}"]
            for layer in low["layers"]]
    if rows:
        out.append(f"Layers with at most {low['threshold_channels']} output channels "
                   f"(`low_channel_layers.csv`):")
        out.append("")
        out.append(markdown_table(["layer", "stage", "shape (in -> out)", "out channels", "spatial util", "util", "cycles"],
                             rows, right={3, 4, 5, 6}))
        out.append("")
    out.append("v1 by stage (`v1_stages.csv`):")
    out.append("")
    out.append(markdown_table(["stage", "layers", "share of MACs", "share of cycles", "utilization"],
                         [[r["stage"], str(r["layers"]), f"{r['share_of_macs']:.3f}", f"{r['share_of_cycles']:.3f}",
                           f"{r['utilization']:.3f}"] for r in low["stages"]]))

    # 2. variants
    out += ["", "## 2. The variants v1..v5", "", variants_text(study, facts), ""]
    for config in dict.fromkeys([study.finding_config, head]):
        out.append(f"On **{config}** (energy in billions of {_energy_unit_text(study.hardware(config))}):")
        out.append("")
        rows = []
        for r in variant_rows(study):
            if r["hardware"] != config:
                continue
            rows.append([r["display_name"] + (" (fastest)" if r["fastest"] else ""), f"{r['macs']:,}",
                         f"{r['weights']:,}", f"{r['cycles']:,}", f"{r['time_ms']:.3f}", _energy_short(r["energy"]),
                         f"{r['utilization']:.3f}", f"{r['cycles_ratio']:.3f}", _fixed(r['energy_ratio'])])
        out.append(markdown_table(["variant", "MACs", "weights", "cycles", "time ms", "energy (1e9)", "utilization",
                              "time / v1", "energy / v1"], rows))
        out.append("")
    out.append("Time in ms of every variant on every config (`variants.csv` has all columns):")
    out.append("")
    header = ["variant"] + study.configs
    rows = [[_label(study, v)] + [f"{study.result(c, v).totals['time_ms']:.3f}" for c in study.configs]
            for v in VARIANTS]
    rows.append(["utilization v1 -> v5"] + [
        f"{facts['v1_vs_v5'][c]['utilization_v1']:.2f} -> {facts['v1_vs_v5'][c]['utilization_v5']:.2f}"
        for c in study.configs])
    out.append(markdown_table(header, rows))
    out.append("")
    out.append(f"![v1..v5 relative to v1 on every config]({figures['variants_totals']})")
    out.append("")
    out.append(f"![Per-layer utilization of v1..v5 on {study.finding_config}, stages aligned]"
               f"({figures['variants_layers']})")
    out.append("")
    out.append("*Each panel is one variant; equal stages line up. Solid bars: utilization; light bars behind: "
               "spatial utilization (share of PEs a layer maps). v5 moves blocks out of the low-channel stage 1 "
               "into stage 3.*")
    out.append("")
    out.append(f"![Cycles and energy of v1..v5 by stage]({figures['variants_stages']})")

    # 3. baselines
    out += ["", "## 3. Against SqueezeNet and AlexNet", ""]
    out.append("The published v5 on each config against each baseline: speed-up = baseline time / v5 time, "
               "energy ratio = baseline energy / v5 energy (`ratios.csv`). Paper: arXiv 1803.10615, abstract. "
               "MobileNet v1's column rests on grouped layers run one group at a time (section 6)."
               + ("" if study.hardware(head).memory.dram_bandwidth_bytes_per_cycle else
                  f" {head} has unlimited DRAM bandwidth, so no layer stalls for memory."))
    out.append("")
    out.append(_ratio_table(study, facts["baselines"], named=False))
    out.append("")
    differs = [c for c in study.configs if facts["baselines_fastest"][c]["variant"] != "sqnxt23_v5"]
    if differs:
        out.append(f"The fastest variant of each config, named, where it is not v5 ({_and_list(differs)}); "
                   "these rows compare different networks:")
        out.append("")
        out.append(_ratio_table(study, {c: facts["baselines_fastest"][c] for c in differs}, named=True))
        out.append("")
    for baseline in ("squeezenet1_0", "alexnet"):
        text = ratio_text(study, facts, baseline)
        if text:
            out.append(text)
            out.append("")
    out.append(f"![Our ratios next to the paper's]({figures['baselines']})")
    out.append("")
    out += _conventions_section(facts.get("energy_conventions") or {})
    out += _dataflow_section(study, facts.get("dataflows") or {})
    out += _options_section(study, facts)
    out += _tuning_section(study, facts)
    if facts.get("search"):
        from .search_section import search_section

        out += search_section(facts["search"], facts["search_findings"], lambda name: _label(study, name),
                              figure_names(study).get("search"))
    out.append("## Files")
    out.append("")
    out.append("- `totals.csv`: every network on every config (cycles, time, energy, utilization, ratios to v1)")
    out.append("- `variants.csv`, `ratios.csv`, `low_channel_layers.csv`, `v1_stages.csv`, `configs.csv`: "
               "the tables above")
    out.append("- `findings.json`: every number the text states")
    out.append("- `*.png`: the figures")
    out.append("")
    out.append("Reproduce: `sqnxt-sim reproduce --out DIR`; one network: "
               "`sqnxt-sim run --net NAME --hw CONFIG --out DIR`; any pair: "
               "`sqnxt-sim compare --net A --net B --hw CONFIG`.")
    return "\n".join(out) + "\n"


def _ratio_table(study: Study, entries: dict, named: bool) -> str:
    """The speed-up and energy ratios of one variant per config against each baseline, with the paper's."""
    rows = []
    for config, entry in entries.items():
        b = entry["baselines"]
        cells = [config] + ([_label(study, entry["variant"])] if named else [])
        for name in ("squeezenet1_0", "alexnet"):
            cells += [_times(b[name]["speedup"]), _times(b[name]["energy_saving"])] if name in b else ["-", "-"]
        for name in ("squeezenet1_1", "mobilenet_v1"):
            cells.append(_times(b[name]["speedup"]) if name in b else "-")
        rows.append(cells)
    rows.append(["**paper**"] + ([""] if named else []) + [
        _times(PAPER["squeezenet1_0"]["speedup"]), _times(PAPER["squeezenet1_0"]["energy_saving"]),
        _times(PAPER["alexnet"]["speedup"]), _times(PAPER["alexnet"]["energy_saving"]), "", ""])
    header = ["config"] + (["variant"] if named else []) + [
        "faster than SqueezeNet v1.0", "less energy than SqueezeNet v1.0", "faster than AlexNet",
        "less energy than AlexNet", "faster than SqueezeNet v1.1", "faster than MobileNet v1"]
    first = 2 if named else 1
    return markdown_table(header, rows, right=set(range(first, first + 6)))


def _options_section(study: Study, facts: dict) -> list[str]:
    options = facts.get("options") or {}
    if not options:
        return []
    out = ["## 6. Fold overlap and packed groups", "",
           f"The {options['array']} array of {options['base_config']} with the two modelling options the rest of the "
           "report leaves off (SCALE-Sim's assumptions; docs/model.md, \"Fold overlap and packed groups\"): "
           "`fold_overlap` lets consecutive folds overlap their fill and drain, `pack_groups` lets several groups of "
           "a grouped layer share the array. Time in ms and utilization, per inference:", ""]
    names = [net.name for net in study.options.networks]
    rows = []
    for t in options["twins"].values():
        rows.append([t["dataflow"], "on" if t["fold_overlap"] else "off", "on" if t["pack_groups"] else "off"]
                    + [f"{t['time_ms'][n]:.3f}" for n in names] + [f"{t['utilization'][n]:.3f}" for n in names]
                    + [f"{t['first_stage_utilization']:.3f}", f"{t['first_stage_fill_drain']:.3f}",
                       _times(t["v1_v5_speedup"])])
    first = next(iter(options["twins"].values()))["first_stage"]
    header = (["dataflow", "fold overlap", "packed groups"] + [f"{_label(study, n)} ms" for n in names]
              + [f"{_label(study, n)} util" for n in names] + [f"v1 {first} util", f"v1 {first} fill/drain",
                                                               "v5 faster than v1"])
    out.append(markdown_table(header, rows, right=set(range(3, len(header)))))
    out.append("")
    out.append(options_text(facts))
    out.append("")
    return out


def _tuning_section(study: Study, facts: dict) -> list[str]:
    from .tuning import TABLE_HEADER, journal_text, tuning_table, tuning_text

    if not facts.get("tuning"):
        return []
    grid = facts["tuning"][0]["grid"]
    out = ["## 7. Tuning the accelerator to the network, at equal area", "",
           f"For each network, the fastest of {facts['tuning'][0]['configurations']:,} designs ("
           + "; ".join(f"{key}: {', '.join(map(str, values))}" for key, values in grid.items())
           + ") within the fixed design's chip area (docs/model.md, \"Area\"), against the fixed design. "
           "`sqnxt-sim tune --net NET --hw CONFIG` runs the same search.", ""]
    for entry in facts["tuning"]:
        out.append(f"**{entry['fixed_config']}** ({entry['area_mm2']:.2f} mm^2, {entry['pes']:,} PEs; "
                   f"{entry['evaluated']:,} designs within its area):")
        out.append("")
        out.append(markdown_table(TABLE_HEADER, tuning_table(entry, lambda name: _label(study, name)),
                             right={1, 2, 4, 5, 6, 7, 8}))
        out.append("")
        out.append(tuning_text(entry, lambda name: _label(study, name)))
        out.append("")
    out.append(journal_text(facts["tuning"], lambda name: _label(study, name)))
    out.append("")
    out.append(f"![Tuned against fixed designs]({figure_names(study)['tuning']})")
    out.append("")
    return out


def _conventions_section(shift: dict) -> list[str]:
    if not shift:
        return []
    legacy = shift["legacy_conventions"]
    out = ["## 4. What the energy conventions move", "",
           f"On {shift['config']}, the headline energy ratios under the sourced conventions (a systolic hop costs "
           "0.1 MAC, an RF access is charged only where a value is written into a PE, load and drain hops "
           "counted; docs/model.md, \"Energy\") and under the ones sqnxt-sim used before "
           f"(every hop {legacy['inter_pe_hop']:g} MACs, the Eyeriss multicast cost; an RF read per operand per MAC; "
           "no load or drain hops). Cycles do not depend on the conventions, except where the choice between "
           "tiling and spilling partial sums (by energy x cycles) or a tie in `best` goes the other way.", ""]
    rows = []
    for entry in shift["ratios"].values():
        move = (entry["energy_saving"] / entry["energy_saving_legacy"] - 1
                if entry["energy_saving"] is not None and entry["energy_saving_legacy"] else None)
        rows.append([entry["label"], _times(entry["energy_saving"]), _times(entry["energy_saving_legacy"]),
                     _signed_pct(move), _times(entry["speedup"]), _times(entry["speedup_legacy"])])
    out.append(markdown_table(["ratio", "less energy (sourced)", "less energy (legacy)", "moved by", "faster (sourced)",
                          "faster (legacy)"], rows, right={1, 2, 3, 4, 5}))
    out.append("")
    shares = shift["v5_energy_shares"]
    labels = {"mac": "MAC", "register_file": "register file", "inter_pe": "inter-PE", "global_buffer": "global buffer",
              "dram": "DRAM"}
    out.append("Where v5's energy goes: " + "; ".join(
        f"{label} {shares['sourced'][level]:.1%} (legacy {shares['legacy'][level]:.1%})" for level, label in labels.items())
        + ". With hops and RF accesses priced at what a systolic array spends on them, DRAM takes a larger share, "
        "so the energy ratios are mostly ratios of DRAM traffic.")
    out.append("")
    return out


def _dataflow_section(study: Study, facts: dict) -> list[str]:
    if not facts:
        return []
    flows = facts["dataflows"]
    out = ["## 5. Row-stationary beside os and ws", "",
           f"The {facts['array']} array of {facts['base_config']}, with only the dataflow changed (row-stationary is "
           "Eyeriss's dataflow, validated against the chip in docs/validation.md; its transfers cost the multicast "
           "`inter_pe` energy). Time in ms and utilization, per inference:", ""]
    names = [net.name for net in study.dataflows.networks]
    header = ["network"] + [f"{d} time ms" for d in flows] + [f"{d} util" for d in flows]
    rows = [[_label(study, name)] + [f"{flows[d]['networks'][name]['time_ms']:.3f}" for d in flows]
            + [f"{flows[d]['networks'][name]['utilization']:.3f}" for d in flows] for name in names]
    out.append(markdown_table(header, rows, right=set(range(1, len(header)))))
    out.append("")
    rows = []
    for d, f in flows.items():
        losses = f["first_stage_losses"]
        rows.append([d, f"{f['first_stage_share_of_cycles']:.3f}", f"{f['first_stage_share_of_macs']:.3f}",
                     f"{f['first_stage_utilization']:.3f}"]
                    + [f"{losses[name]:.3f}" for name in ("loss_small_dims", "loss_fold_remainder", "loss_fill_drain",
                                                          "loss_array_bus", "loss_memory_stall")]
                    + [f"{f['low_channel_max_utilization']:.3f}" if f["low_channel_max_utilization"] is not None else "-",
                       _times(f["v1_v5_speedup"])])
    first = next(iter(flows.values()))["first_stage"]
    out.append(f"v1's {first} and its layers with at most {facts['threshold_channels']} output channels, by dataflow:")
    out.append("")
    out.append(markdown_table(["dataflow", f"{first} share of cycles", "share of MACs", "utilization", "lost: small dims",
                          "fold remainders", "fill/drain", "on-chip buses", "memory stalls",
                          "best low-channel layer util", "v5 faster than v1"], rows, right=set(range(1, 11))))
    out.append("")
    out.append(dataflow_text(facts))
    out.append("")
    return out


# Why a stage loses its PE-cycles, by its largest loss (filled in from the facts).
LOSS_REASONS = {
    "loss_array_bus": "every input word the buses deliver to a 1x1 layer serves at most as many MACs as the layer "
                      "has filters ({k} here), so with few output channels the input bus ({bus:g} words per cycle) cannot keep "
                      "the array busy",
    "loss_small_dims": "a 1x1 layer's PE set is one filter row tall and the array fills only with copies on other "
                       "filters and channels, of which a layer with {k} output channels has few",
    "loss_fill_drain": "each short fold pays the systolic fill and drain",
    "loss_fold_remainder": "channel and filter counts do not divide into the scratchpads' groups",
    "loss_memory_stall": "DRAM traffic does not hide behind the short compute",
}


def dataflow_text(facts: dict) -> str:
    """Does the low-channel finding hold under rs? Said from the numbers."""
    flows = facts["dataflows"]
    if "rs" not in flows:
        return ""
    rs = flows["rs"]
    others = [d for d in flows if d != "rs"]
    excess = {d: f["first_stage_share_of_cycles"] / f["first_stage_share_of_macs"] for d, f in flows.items()
              if f["first_stage_share_of_macs"]}
    holds = excess.get("rs", 0) > 1.1
    parts = [f"Under rs, {rs['first_stage']} of v1 takes {_pct(rs['first_stage_share_of_cycles'])} of the cycles for "
             f"{_pct(rs['first_stage_share_of_macs'])} of the MACs ({excess.get('rs', 0):.2f}x its share; "
             + ", ".join(f"{d} {excess[d]:.2f}x" for d in others if d in excess) + ")."]
    why = {d: f"{LOSS_LABELS[f['first_stage_dominant_loss']]} ({f['first_stage_losses'][f['first_stage_dominant_loss']]:.0%} "
              f"of its PE-cycles)" for d, f in flows.items()}
    reason = LOSS_REASONS.get(rs["first_stage_dominant_loss"], "").format(k=rs["first_stage_out_channels"],
                                                                         bus=rs["ifmap_bus_words_per_cycle"])
    weaker = holds and all(excess.get("rs", 0) < excess[d] for d in others if d in excess)
    verdict = "holds, more weakly than under " + " and ".join(others) + "," if weaker else "holds" if holds else "does not hold"
    parts.append(f"The low-channel finding {verdict} under row-stationary: {rs['first_stage']} loses most to "
                 f"{why['rs']} under rs, against " + ", ".join(f"{why[d]} under {d}" for d in others) + "."
                 + (f" Under rs, {reason}." if reason and holds else ""))
    best = min(flows, key=lambda d: flows[d]["networks"]["sqnxt23_v1"]["time_ms"])
    parts.append(f"v5 is {_times(rs['v1_v5_speedup'])} faster than v1 under rs (" +
                 ", ".join(f"{d} {_times(flows[d]['v1_v5_speedup'])}" for d in others) +
                 f"); v1 runs fastest under {best}.")
    return " ".join(parts)


# ----------------------------------------------------------------------------- files


def figure_names(study: Study) -> dict[str, str]:
    """The report's figures: role -> PNG file name."""
    finding = slug(study.finding_config)
    return {
        "v1_layers": f"v1_layers_{finding}.png",
        "v1_stages": f"v1_stages_{finding}.png",
        "variants_totals": "variants_totals.png",
        "variants_layers": f"variants_layers_{finding}.png",
        "variants_stages": "variants_stages.png",
        "baselines": "baselines.png",
        **({"tuning": "tuning.png"} if study.tuning else {}),
        **({"search": "search.png"} if study.search is not None and study.search.evaluations else {}),
    }


def study_figures(study: Study, facts: dict | None = None) -> dict[str, bytes]:
    """The report's PNG figures by file name (matplotlib is imported here)."""
    from .compare_plots import aligned_layers_png, stage_breakdown_png
    from .plots import stages_png, utilization_png
    from .study_plots import baselines_png, variants_totals_png

    facts = facts or study_findings(study)
    finding, head = study.finding_config, study.headline_config
    variants_only = Comparison(
        tuple(n for n in study.comparison.networks if n.name in VARIANTS),
        tuple(hw for hw in study.comparison.hardware if hw.name in (finding, head)),
        study.comparison.results)
    names = figure_names(study)
    v1 = study.result(finding, "sqnxt23_v1")
    return {
        names["v1_layers"]: utilization_png(v1),
        names["v1_stages"]: stages_png(v1),
        names["variants_totals"]: variants_totals_png(study),
        names["variants_layers"]: aligned_layers_png([study.result(finding, v) for v in VARIANTS]),
        names["variants_stages"]: stage_breakdown_png(variants_only),
        names["baselines"]: baselines_png(study, facts),
        **({names["tuning"]: _tuning_png(study)} if study.tuning else {}),
        **({names["search"]: _search_png(study)} if "search" in names else {}),
    }


def _search_png(study: Study) -> bytes:
    from .search_section import search_study_png

    dataflows = _search_counts(study)["dataflows"]
    return search_study_png(study.search.columns, study.search_findings, dataflows, lambda name: _label(study, name))


def _tuning_png(study: Study) -> bytes:
    from .tuning import tuning_png

    return tuning_png(study.tuning, lambda name: _label(study, name))


def study_text_files(study: Study, facts: dict | None = None) -> dict[str, str]:
    """report.md, findings.json and the CSV tables by file name. Deterministic."""
    facts = facts or study_findings(study)
    suffix = study.comparison.energy_suffix
    low = facts["low_channel"]
    return {
        "report.md": study_markdown(study, facts, figure_names(study)),
        "findings.json": json_text(facts),
        "totals.csv": rows_csv(comparison_rows(study.comparison), energy_suffix=suffix),
        "variants.csv": rows_csv(variant_rows(study), energy_suffix=suffix),
        "ratios.csv": rows_csv(ratio_rows(study, facts)),
        "low_channel_layers.csv": rows_csv(
            [{"config": low["config"], "network": low["network"], **layer} for layer in low["layers"]],
            columns=["config", "network", "name", "stage", "shape", "out_channels", "spatial_utilization",
                     "utilization", "cycles"]),
        "v1_stages.csv": rows_csv([{"config": low["config"], **r} for r in low["stages"]], energy_suffix=suffix),
        "configs.csv": rows_csv(config_rows(study)),
    }


def study_files(study: Study, facts: dict | None = None) -> dict[str, str | bytes]:
    """Every file of the report, rendered in memory (nothing is written here)."""
    facts = facts or study_findings(study)
    return {**study_figures(study, facts), **study_text_files(study, facts)}


def study_summary(study: Study, facts: dict | None = None) -> str:
    """A few lines for the terminal."""
    facts = facts or study_findings(study)
    low = facts["low_channel"]
    lines = [f"study     {len(study.comparison.networks)} networks x {len(study.configs)} configs "
             f"({', '.join(study.configs)})"]
    if low["layers"]:
        lines.append(f"finding   {low['network']} on {low['config']}: {len(low['layers'])} layers with <= "
                     f"{low['threshold_channels']} output channels, spatial utilization <= "
                     f"{low['max_spatial_utilization']:.2f}, {_pct(low['share_of_cycles'])} of the cycles")
    for config in dict.fromkeys([study.finding_config, study.headline_config]):
        r = facts["v1_vs_v5"][config]
        lines.append(f"v1 -> v5  {config}: {_times(r['speedup'])} faster"
                     + _less_energy(r["energy_saving"], ", {} less energy") + ", "
                     f"utilization {r['utilization_v1']:.3f} -> {r['utilization_v5']:.3f}")
    entry = facts["baselines"][study.headline_config]
    for name in ("squeezenet1_0", "alexnet"):
        r = entry["baselines"].get(name)
        if r:
            lines.append(f"vs {BASELINE_LABELS[name]:<15} {_label(study, entry['variant'])} on "
                         f"{study.headline_config}: {_times(r['speedup'])} faster "
                         f"(paper {_times(r['paper_speedup'])})"
                         + _less_energy(r["energy_saving"], ", {} less energy")
                         + f" (paper {_times(r['paper_energy_saving'])})")
    return "\n".join(lines)

