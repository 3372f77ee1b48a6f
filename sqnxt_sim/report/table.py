"""The terminal table of a run: one line per layer, then the network totals."""

from __future__ import annotations

from ..engine.results import Results
from ..hardware.area import AREA_PARTS
from .formats.text import text_table
from .labels import (LEVEL_LABELS, LOSS_LABELS, NOT_APPLICABLE, assumptions_of, batch_of, energy_column_unit, energy_unit_label,
                     is_picojoules, notes_of)


AREA_LABELS = dict(zip(AREA_PARTS, ("MACs", "register files", "inter-PE links", "global buffer", "vector unit",
                                    "per-core overhead")))


def _energy_text(value: float, results: Results) -> str:
    if is_picojoules(results):
        return f"{value / 1e6:.4g} uJ" if value >= 1e6 else f"{value:.4g} pJ"
    return f"{value:.4g} {energy_unit_label(results.energy_unit)}"


def _text(value) -> str:
    return NOT_APPLICABLE if value is None else str(value)


def format_count(value: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.2f}{suffix}"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.3g}"


SORT_KEYS = {"cycles": ("cycles", True), "energy": ("energy", True), "utilization": ("utilization", False)}


def dominant_loss(row: dict) -> tuple[str, float] | None:
    """The cause that loses a layer the largest share of its PE-cycles (None: loses nothing)."""
    name = max(LOSS_LABELS, key=lambda key: row[key])
    return (LOSS_LABELS[name], row[name]) if row[name] > 0 else None


def selected_rows(results: Results, sort: str | None = None, top: int | None = None) -> list[dict]:
    """The layer rows, in execution order or sorted (cycles and energy: largest first;
    utilization: lowest first, ties in execution order), the first ``top`` of them."""
    rows = results.rows()
    if sort is not None:
        key, largest_first = SORT_KEYS[sort]
        rows = sorted(rows, key=lambda row: -row[key] if largest_first else row[key])
    return rows[:top] if top is not None else rows


def layer_table_text(results: Results, sort: str | None = None, top: int | None = None) -> str:
    """One line per layer. ``share`` is the layer's part of the network's cycles; ``lost most
    to`` its largest loss, as a share of the layer's own PE-cycles."""
    total_cycles = max(results.totals["cycles"], 1)
    header = ["#", "layer", "op", "shape (in -> out)", "MACs", "cycles", "share", "time us", "util", "spatial",
              "lost most to", "dataflow", "bound", f"energy {energy_column_unit(results)}"]
    lines = []
    for row in selected_rows(results, sort, top):
        loss = dominant_loss(row)
        lines.append([str(row["index"]), row["name"], row["op"], row["shape"], format_count(row["macs"]),
                      format_count(row["cycles"]), f"{row['cycles'] / total_cycles:.1%}", f"{row['time_us']:,.1f}",
                      f"{row['utilization']:.3f}", f"{row['spatial_utilization']:.3f}",
                      f"{loss[0]} {loss[1]:.0%}" if loss else NOT_APPLICABLE, _text(row["dataflow"]),
                      _text(row["bound"]), format_count(row["energy"])])
    text = text_table(header, lines, left={1, 2, 3, 10, 11, 12})
    shown = len(lines)
    if sort is not None or shown < len(results.rows()):
        order = f"sorted by {sort} ({'largest' if SORT_KEYS[sort][1] else 'lowest'} first)" if sort else "in execution order"
        text += f"\n({shown} of {len(results.rows())} layers, {order})"
    return text


def totals_text(results: Results) -> str:
    t = results.totals
    hw = results.hardware
    net = results.network
    rows, cols = hw["pe_array"]["rows"], hw["pe_array"]["cols"]
    batch = batch_of(results)
    lost = ", ".join(f"{label} {t[name]:.1%}" for name, label in LOSS_LABELS.items() if t[name] >= 0.0005)
    lines = [
        f"network   {net['display_name']}" + (f" at batch {batch} (all totals are per batch)" if batch > 1 else "")
        + f": {t['layers']} layers, {t['macs']:,} MACs, {t['weights']:,} weights",
        f"hardware  {hw['name']}: {hw['cores']} x {rows}x{cols} PEs ({hw['total_pes']:,}), dataflow {hw['dataflow']}, {hw['clock_mhz']:g} MHz",
        "assumes   " + "; ".join(assumptions_of(hw)),
        f"cycles    {t['cycles']:,} ({t['compute_cycles']:,} compute + {t['stall_cycles']:,} memory stall)  "
        f"= {t['time_ms']:.3f} ms at {hw['clock_mhz']:g} MHz",
        f"util      {t['utilization']:.3f} (MACs / (cycles x PEs)); spatial {t['spatial_utilization']:.3f} (mean over MAC layers, "
        f"weighted by MACs); lost to (shares of all PE-cycles, so weighted by cycles): {lost or 'nothing'}",
        f"energy    {_energy_text(t['energy'], results)}; by level: " + ", ".join(
            f"{label} {t['energy_' + level] / t['energy']:.1%}" for level, label in LEVEL_LABELS.items()
            if level != "static" or t["energy_static"]  # leakage only where the config charges it
        ) if t["energy"] else "energy    0",
        f"DRAM      {t['dram_read_bytes'] / 1e6:.3f} MB read, {t['dram_write_bytes'] / 1e6:.3f} MB written",
        f"area      {t['area_mm2']:.3g} mm^2 at {hw['area']['technology_nm']:g} nm: " + ", ".join(
            f"{label} {t[f'area_{part}_mm2'] / t['area_mm2']:.0%}" for part, label in AREA_LABELS.items()
            if t[f"area_{part}_mm2"]) + " (docs/model.md, \"Area\")",
    ]
    if hw["cores"] > 1:
        per_core = ", ".join(f"{u:.3f}" for u in t["per_core_utilization"])
        lines.insert(5, f"per core  utilization {per_core} (each core's MACs / (cycles x its PEs))")
    for note in notes_of(results):
        lines.append(f"note      {note}")
    return "\n".join(lines)
