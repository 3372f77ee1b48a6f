"""ONNX in and out: ``read`` (load, check, infer shapes, translate), ``fold`` (constant
subgraphs), ``handlers`` (the translation of each node, with the readers the ops register),
``padding`` (windows and explicit Pad nodes), ``export`` (a network as an ONNX model)."""

from __future__ import annotations

INSTALL_HINT = 'reading ONNX models needs the onnx package: pip install "sqnxt-sim[onnx]"'

# Metadata keys written by export (model.metadata_props), read back by read.
META_NETWORK = "sqnxt_sim.network"
META_STAGES = "sqnxt_sim.stages"
META_RECONSTRUCTION = "sqnxt_sim.reconstruction"


def fresh_name(base: str, taken: set[str]) -> str:
    """``base``, or ``base_2``, ``base_3``... whichever is not taken yet; marks it taken."""
    name, suffix = base, 2
    while name in taken:
        name, suffix = f"{base}_{suffix}", suffix + 1
    taken.add(name)
    return name
