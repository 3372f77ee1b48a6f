"""The network zoo and one network's layers, as rows and as text (``nets``, ``show``)."""

from __future__ import annotations

from typing import Sequence

from ..hardware.area import area_of
from ..hardware.config import Hardware
from ..workload.graph import Network
from .formats.text import text_table

ZOO_COLUMNS = ["name", "display_name", "reconstruction", "layers", "macs", "weights", "parameters",
               "input", "description"]
LAYER_COLUMNS = ["index", "name", "op", "stage", "shape", "macs", "weights", "parameters", "inputs"]


def _input_text(network: Network) -> str:
    """channels x height x width, preceded by the batch when it is not 1 (see :func:`_input_axes`)."""
    layer = network.input_layer
    text = "x".join(map(str, layer.dims))
    return f"{layer.n}x{text}" if layer.n > 1 else text


def _input_axes(network: Network) -> str:
    """What the numbers of :func:`_input_text` are."""
    axes = "channels x height x width" if len(network.input_layer.dims) == 3 else "per-sample shape"
    return ("batch x " if network.input_layer.n > 1 else "") + axes


def zoo_rows(networks: Sequence[Network]) -> list[dict]:
    """One row per network (``nets``: the zoo, in name order)."""
    rows = []
    for network in networks:
        rows.append({
            "name": network.name,
            "display_name": network.display_name,
            "reconstruction": network.reconstruction,
            "layers": len(network.order),
            "macs": network.macs,
            "weights": network.weights,
            "parameters": network.parameters,
            "input": _input_text(network),
            "description": network.description,
        })
    return rows


def layer_rows(network: Network) -> list[dict]:
    """One row per layer in execution order: shape, MACs, weights and parameters (weights + biases)."""
    return [{
        "index": i,
        "name": layer.name,
        "op": layer.op,
        "stage": layer.stage or layer.op,
        "shape": layer.shape_text(),
        "macs": layer.macs,
        "weights": layer.weights,
        "parameters": layer.weights + layer.biases,
        "inputs": " ".join(layer.inputs),
    } for i, layer in enumerate(network.layers)]


def zoo_text(rows: list[dict]) -> str:
    header = ["network", "layers", "MACs", "weights", "parameters", "input"]
    lines = [[row["display_name"], str(row["layers"]), f"{row['macs']:,}", f"{row['weights']:,}",
              f"{row['parameters']:,}", row["input"]] for row in rows]
    out = [text_table(header, lines, left={0, 5})]
    out.append("")
    out.append("MACs = conv + FC multiply-accumulates per inference; weights = conv + FC weights "
               "(no biases, batch norm folded); parameters = weights + biases.")
    if any(row["reconstruction"] for row in rows):
        out.append("(reconstruction) = not a published definition: rebuilt from the paper's stated "
                   "design steps (see `sqnxt-sim show NAME`).")
    return "\n".join(out)


def network_text(network: Network) -> str:
    rows = layer_rows(network)
    header = ["#", "layer", "op", "stage", "shape (in -> out)", "MACs", "weights"]
    lines = [[str(r["index"]), r["name"], r["op"], r["stage"], r["shape"], f"{r['macs']:,}", f"{r['weights']:,}"]
             for r in rows]
    head = [f"network   {network.display_name}"]
    if network.description:
        head.append(f"about     {network.description}")
    if network.reconstruction:
        head.append("note      a reconstruction, not a published definition")
    batch = network.input_layer.n
    head.append(f"input     {_input_text(network)} ({_input_axes(network)})"
                + (f"; MACs are per batch of {batch}" if batch > 1 else ""))
    lines.append(["", "total", "", "", "", f"{network.macs:,}", f"{network.weights:,}"])
    out = head + ["", text_table(header, lines, left={1, 2, 3, 4})]
    biases = network.parameters - network.weights
    out.append("")
    out.append(f"{len(rows)} layers, {network.macs:,} MACs, {network.weights:,} weights"
               + (f" + {biases:,} biases = {network.parameters:,} parameters" if biases else ""))
    for op in network.unmodelled:
        out.append(f"not modelled: {op.get('name')} ({op.get('op_type')})")
    return "\n".join(out)


HW_COLUMNS = ["name", "rows", "cols", "cores", "total_pes", "dataflow", "clock_mhz", "global_buffer_kib",
              "dram_bandwidth_bytes_per_cycle", "area_mm2", "energy_unit", "description"]


def hw_rows(configs: Sequence[Hardware]) -> list[dict]:
    """One row per hardware config (``hws``: the shipped ones, in name order)."""
    rows = []
    for hw in configs:
        rows.append({"name": hw.name, "rows": hw.pe_array.rows, "cols": hw.pe_array.cols, "cores": hw.cores,
                     "total_pes": hw.pes, "dataflow": hw.dataflow + (f" of {', '.join(hw.best_of)}" if hw.best_of else ""),
                     "clock_mhz": hw.clock_mhz, "global_buffer_kib": hw.memory.global_buffer_kib,
                     "dram_bandwidth_bytes_per_cycle": hw.memory.dram_bandwidth_bytes_per_cycle,
                     "area_mm2": area_of(hw).columns()["area_mm2"], "energy_unit": hw.energy.unit, "description": hw.description})
    return rows


def hw_text(rows: list[dict]) -> str:
    header = ["config", "array", "cores", "PEs", "dataflow", "MHz", "buffer KiB", "DRAM B/cycle", "mm^2", "description"]
    lines = [[row["name"], f"{row['rows']}x{row['cols']}", str(row["cores"]), f"{row['total_pes']:,}", row["dataflow"],
              f"{row['clock_mhz']:g}", f"{row['global_buffer_kib']:g}",
              "unlimited" if row["dram_bandwidth_bytes_per_cycle"] is None else f"{row['dram_bandwidth_bytes_per_cycle']:g}",
              f"{row['area_mm2']:.3g}",
              row["description"][:70] + ("..." if len(row["description"]) > 70 else "")] for row in rows]
    return "\n".join([text_table(header, lines, left={0, 4, 9}), "",
                      "Use a name with --hw (sqnxt-sim run --hw squeezelerator), or copy a file from hwconfigs/ and edit it."])
