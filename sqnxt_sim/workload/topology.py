"""SCALE-Sim topology files (``--net layers.csv``), read as SCALE-Sim reads them.

Two forms, told apart by the number of fields per row (a header row comes first; every row
ends with a comma; an optional last field ``N:M`` is the sparsity, where only ``1:1``, dense,
is modelled):

* convolution: ``name, ifmap height, ifmap width, filter height, filter width, channels,
  filters, stride,``. SCALE-Sim takes *padded* inputs and pads nothing itself; its output is
  ceil((H - R + stride) / stride) on each axis (SCALE-Sim 3.0.0, topology_utils): where the
  stride does not divide H - R, a last window hangs off the edge, its missing pixels null
  requests. The layer here reads the rows those windows cover, (P - 1) x stride + R, so its
  output, MACs and cycles are SCALE-Sim's. A name containing ``DP`` is depthwise: SCALE-Sim
  runs one one-channel layer per channel; here it is one grouped convolution (groups =
  channels, each group ``filters`` filters of one channel), which runs its groups one after
  another: the same compute cycles in total.
* GEMM: ``name, M, N, K,``: SCALE-Sim's ifmap M x K times a K x N filter, here a linear layer
  on M rows of K features with N outputs (the same operand matrices).

Each row reads its own input, as in SCALE-Sim (a topology is a list of layers, not a graph):
the first row's is the network input, every later one a ``tensor`` (a further input that
starts in DRAM). Batch 1. SCALE-Sim counts cycles from 0, so its per-layer cycles are one
less than sqnxt-sim's compute cycles (docs/validation.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError, one_line_text

CONV_FIELDS = ("ifmap_height", "ifmap_width", "filter_height", "filter_width", "channels", "filters", "stride")
GEMM_FIELDS = ("M", "N", "K")
MAX_ROWS = 100_000
MAX_FILE_BYTES = 50 * 1024 * 1024


def read_topology(path: Path) -> dict[str, Any]:
    """The network-file dict of a SCALE-Sim topology (validated later by network_from_dict)."""
    source = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(source, None, f"larger than {MAX_FILE_BYTES // 1024 // 1024} MB: not a topology file")
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(source, None, "not UTF-8 text") from None
    except OSError as error:
        raise InputError(source, None, f"cannot read: {error.strerror or error}") from None
    rows = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if len(rows) < 2:
        raise InputError(source, None, "no layers: a header row and one row per layer are expected")
    if len(rows) > MAX_ROWS + 1:
        raise InputError(source, None, f"more than {MAX_ROWS:,} layers")
    layers: list[dict[str, Any]] = []
    first_input: dict[str, Any] | None = None
    names: set[str] = set()
    for number, line in rows[1:]:
        fields = [field.strip() for field in line.split(",")]
        if fields and fields[-1] == "":
            fields = fields[:-1]  # the trailing comma every SCALE-Sim row has
        name = fields[0] if fields else ""
        where = f"line {number} '{one_line_text(name, 60)}'"
        if not name:
            raise InputError(source, f"line {number}", "the layer name (first field) is empty")
        if name in names:
            raise InputError(source, where, "duplicate layer name")
        names.add(name)
        numbers = fields[1:]
        if numbers and ":" in numbers[-1]:
            if numbers[-1].replace(" ", "") != "1:1":
                raise InputError(source, f"{where}.sparsity", f"sparsity {numbers[-1]!r} is not modelled (only 1:1, dense)")
            numbers = numbers[:-1]
        if len(numbers) == len(CONV_FIELDS):
            kind, keys = "conv", CONV_FIELDS
        elif len(numbers) == len(GEMM_FIELDS):
            kind, keys = "gemm", GEMM_FIELDS
        else:
            raise InputError(source, where, f"{len(numbers)} numbers; a convolution row has {len(CONV_FIELDS)} "
                                            f"({', '.join(CONV_FIELDS)}), a GEMM row {len(GEMM_FIELDS)} (M, N, K)")
        values = {}
        for key, text_value in zip(keys, numbers):
            try:
                value = int(text_value)
            except ValueError:
                raise InputError(source, f"{where}.{key}", f"must be a whole number, got {one_line_text(text_value, 40)!r}") from None
            if not 1 <= value <= 1_000_000:
                raise InputError(source, f"{where}.{key}", f"must be from 1 to 1,000,000, got {value:,}")
            values[key] = value
        shape_input, layer = _layer(kind, name, values, source, where)
        if first_input is None:
            first_input = shape_input
            layer["inputs"] = ["input"]
        else:
            ifmap = f"{name}.ifmap"
            if ifmap in names:
                raise InputError(source, where, f"the name {ifmap!r} of this row's input is taken by a layer")
            names.add(ifmap)
            layers.append({"name": ifmap, "op": "tensor", "shape": shape_input["shape"], "note": "SCALE-Sim ifmap"})
            layer["inputs"] = [ifmap]
        layers.append(layer)
    return {"name": path.stem[:200] or "topology", "description": f"SCALE-Sim topology {path.name}",
            "input": first_input, "layers": layers}


def _layer(kind: str, name: str, v: dict[str, int], source: str, where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if kind == "gemm":
        return {"shape": [v["M"], v["K"]]}, {"name": name, "op": "linear", "out_features": v["N"], "note": "SCALE-Sim GEMM"}
    for axis in ("height", "width"):
        if v[f"filter_{axis}"] > v[f"ifmap_{axis}"]:
            raise InputError(source, f"{where}.filter_{axis}", f"the filter is larger than the ifmap ({v[f'filter_{axis}']} > "
                                                             f"{v[f'ifmap_{axis}']}): SCALE-Sim inputs are already padded")
    depthwise = "DP" in name
    channels = v["channels"]
    stride = v["stride"]
    # SCALE-Sim's output size, then the input extent its windows cover (see the module docstring).
    extent = {axis: (-(-(v[f"ifmap_{axis}"] - v[f"filter_{axis}"] + stride) // stride) - 1) * stride + v[f"filter_{axis}"]
              for axis in ("height", "width")}
    layer = {"name": name, "op": "conv", "kernel": [v["filter_height"], v["filter_width"]], "stride": v["stride"],
             "out_channels": v["filters"] * channels if depthwise else v["filters"], "groups": channels if depthwise else 1,
             "note": "SCALE-Sim depthwise (DP): one group per channel" if depthwise else "SCALE-Sim convolution"}
    if (extent["height"], extent["width"]) != (v["ifmap_height"], v["ifmap_width"]):
        layer["note"] += (f"; the last window hangs off the {v['ifmap_height']}x{v['ifmap_width']} ifmap: "
                          f"read as {extent['height']}x{extent['width']}, as SCALE-Sim counts it")
    return {"shape": [channels, extent["height"], extent["width"]]}, layer
