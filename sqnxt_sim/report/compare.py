"""A comparison rendered: totals, ratios and stage breakdowns as rows, text, JSON and figures
(the run itself: studies/compare.py).

Ratios are always *this network / the reference network on the same config*, the reference
being the first network given: ``cycles_ratio`` 0.80 means 20 % fewer cycles (so 1.25x
faster), ``energy_ratio`` 0.80 means 20 % less energy. On one config the cycles ratio is the
time ratio (one clock).
"""

from __future__ import annotations

import hashlib
import re

from ..engine.results import plain
from ..studies.compare import Comparison
from .export import json_text, rows_csv
from .labels import batch_of, energy_column_unit, energy_unit_label, per_run_text
from .stages import stage_rows
from .formats.text import text_table
from .table import format_count

RATIO_OF = {"macs": "macs_ratio", "weights": "weights_ratio", "cycles": "cycles_ratio",
            "energy": "energy_ratio", "utilization": "utilization_ratio"}


def _ratio(value: float, reference: float) -> float | None:
    return plain(value / reference) if reference else None


def comparison_rows(comparison: Comparison) -> list[dict]:
    """One row per (config, network): totals and ratios to the reference network on that config.

    ``label`` tells networks apart when two share a name; ``batch`` is the inferences the totals
    (MACs, cycles, time, energy) cover.
    """
    rows = []
    for hw in comparison.hardware:
        ref = comparison.results[(hw.name, comparison.keys[0])].totals
        for net, key, label in zip(comparison.networks, comparison.keys, comparison.labels):
            res = comparison.results[(hw.name, key)]
            t = res.totals
            row = {
                "hardware": hw.name,
                "network": net.name,
                "display_name": net.display_name,
                "label": label,
                "reconstruction": net.reconstruction,
                "reference": comparison.reference.name,
                "batch": batch_of(res),
                "macs": t["macs"],
                "weights": t["weights"],
                "cycles": t["cycles"],
                "stall_cycles": t["stall_cycles"],
                "time_ms": t["time_ms"],
                "area_mm2": t["area_mm2"],
                "energy": t["energy"],
                "energy_unit": energy_unit_label(res.energy_unit),
                "utilization": t["utilization"],
                "spatial_utilization": t["spatial_utilization"],
                "dram_energy_share": plain(t["energy_dram"] / t["energy"]) if t["energy"] else 0.0,
                # Imported operators the totals leave out (no time or energy charged).
                "not_modelled_ops": len(net.unmodelled),
                "not_modelled": "; ".join(f"{op['name']} ({op['op_type']})" for op in net.unmodelled),
            }
            for total, name in RATIO_OF.items():
                row[name] = _ratio(t[total], ref[total])
            # Same config, same PEs: the utilization ratio is exactly MACs ratio / cycles ratio
            # (computed from the integer counts, not from the rounded utilizations).
            row["utilization_ratio"] = _ratio(t["macs"] * ref["cycles"], ref["macs"] * t["cycles"])
            rows.append(row)
    return rows


def comparison_csv(comparison: Comparison) -> str:
    return rows_csv(comparison_rows(comparison), energy_suffix=comparison.energy_suffix)


def _totals_note(comparison: Comparison) -> str:
    """What the totals cover, for the JSON and the table's footnote."""
    per = per_run_text(comparison.batches)
    if per == "per inference":
        return "MACs, cycles, time and energy are per inference (batch 1)"
    if per == "per batch":
        return ("MACs, cycles, time and energy are per batch, and the batches differ (see the batch column): "
                "the ratios compare whole batches")
    return f"MACs, cycles, time and energy are {per} inferences"


def comparison_data(comparison: Comparison) -> dict:
    """Everything of a comparison as plain data (for JSON): rows, stage breakdowns, configs."""
    return {
        "reference": comparison.reference.name,
        "ratio_definition": "value / the reference network's value on the same hardware config",
        "totals": _totals_note(comparison),
        "networks": [{"name": net.name, "display_name": net.display_name, "label": label,
                      "reconstruction": net.reconstruction, "batch": net.input_layer.n,
                      "description": net.description, "unmodelled": [dict(op) for op in net.unmodelled]}
                     for net, label in zip(comparison.networks, comparison.labels)],
        "hardware": [{**hw.model_dump(mode="json"), "total_pes": hw.pes} for hw in comparison.hardware],
        "rows": comparison_rows(comparison),
        "stages": [{"hardware": hw.name, "network": net.name, "label": label,
                    "stages": stage_rows(comparison.results[(hw.name, key)])}
                   for hw in comparison.hardware
                   for net, key, label in zip(comparison.networks, comparison.keys, comparison.labels)],
    }


def comparison_json(comparison: Comparison) -> str:
    return json_text(comparison_data(comparison))


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}x"


def comparison_text(comparison: Comparison) -> str:
    units = {energy_column_unit(r) for r in comparison.results.values()}
    energy_head = f"energy {units.pop()}" if len(units) == 1 else "energy"
    show_batch = any(batch != 1 for batch in comparison.batches)
    header = ["hardware", "network"] + (["batch"] if show_batch else []) + [
        "MACs", "weights", "cycles", "time ms", energy_head, "util",
        "MACs/ref", "weights/ref", "time/ref", "energy/ref", "util/ref"]
    lines = []
    for row in comparison_rows(comparison):
        lines.append([row["hardware"], row["label"]] + ([str(row["batch"])] if show_batch else []) + [
            f"{row['macs']:,}", f"{row['weights']:,}", f"{row['cycles']:,}", f"{row['time_ms']:.3f}",
            format_count(row["energy"]), f"{row['utilization']:.3f}", _x(row["macs_ratio"]),
            _x(row["weights_ratio"]), _x(row["cycles_ratio"]), _x(row["energy_ratio"]),
            _x(row["utilization_ratio"])])
    table = text_table(header, lines, left={0, 1}).splitlines()
    # A blank line between configs.
    out, previous = table[:2], None
    for line, row in zip(table[2:], lines):
        if previous is not None and row[0] != previous:
            out.append("")
        out.append(line)
        previous = row[0]
    ref = comparison.reference_label
    out.append("")
    out.append(f"x/ref = value / {ref}'s on the same config (time/ref 0.800x = 20% less time, 1.25x faster).")
    if show_batch:
        out.append(_totals_note(comparison) + ".")
    energy_units = {energy_unit_label(r.energy_unit) for r in comparison.results.values()}
    out.append("energy in " + "; ".join(sorted(energy_units)) + ("" if len(energy_units) == 1 else " (per config)"))
    if any(net.reconstruction for net in comparison.networks):
        out.append("(reconstruction) = not a published network definition.")
    for net, label in zip(comparison.networks, comparison.labels):
        if net.unmodelled:
            names = ", ".join(f"{op['name']} ({op['op_type']})" for op in net.unmodelled[:5])
            more = f" and {len(net.unmodelled) - 5} more" if len(net.unmodelled) > 5 else ""
            out.append(f"{label}: {len(net.unmodelled)} imported operator(s) not modelled, no time or energy charged: "
                       f"{names}{more}.")
    return "\n".join(out)


SLUG_CHARS = 80  # file names stay far below the usual 255-byte limit


def slug(name: str) -> str:
    """A file-name-safe form of a config or network name; a long one is cut and keeps a
    short hash of the whole, so two long names that share a start stay apart."""
    text = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "config"
    if len(text) <= SLUG_CHARS:
        return text
    return f"{text[:SLUG_CHARS - 9]}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def comparison_files(comparison: Comparison) -> dict[str, str | bytes]:
    """Every file ``compare --out`` writes, rendered in memory, by file name."""
    from .compare_plots import aligned_layers_png, stage_breakdown_png, totals_png

    files: dict[str, str | bytes] = {
        "comparison.csv": comparison_csv(comparison),
        "comparison.json": comparison_json(comparison),
        "totals.png": totals_png(comparison),
        "stages.png": stage_breakdown_png(comparison),
    }
    for hw in comparison.hardware:
        name = f"layers_{slug(hw.name)}.png"
        while name in files:  # two config names that differ only in unsafe characters
            name = name[:-4] + "_.png"
        files[name] = aligned_layers_png(comparison.on(hw.name), comparison.labels)
    return files
