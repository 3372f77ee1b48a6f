"""Simulation results as plain data: per-layer columns and network totals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..hardware.energy import EnergyUnit

# Shares of a layer's PE-cycles; with utilization they sum to 1.
LOSS_COLUMNS = (
    "loss_small_dims",
    "loss_fold_remainder",
    "loss_fill_drain",
    "loss_array_bus",
    "loss_core_imbalance",
    "loss_memory_stall",
    "loss_non_mac",
)


@dataclass(frozen=True)
class Results:
    """Numbers only: words for them (units, notes, placeholders) are report/'s business.
    A column that does not apply to a layer (the dataflow of a pooling layer) holds None."""

    network: dict[str, Any]
    hardware: dict[str, Any]
    energy_unit: EnergyUnit
    layers: dict[str, list]  # column name -> one value per layer, in execution order
    totals: dict[str, Any]

    @property
    def layer_count(self) -> int:
        return len(self.layers["name"])

    def rows(self) -> list[dict[str, Any]]:
        keys = list(self.layers)
        return [{key: self.layers[key][i] for key in keys} for i in range(self.layer_count)]

    def column(self, name: str) -> np.ndarray:
        return np.asarray(self.layers[name])


def plain(value: Any) -> Any:
    """numpy scalars -> Python numbers, so JSON and CSV see ordinary values."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        # Ten significant digits: readable files, and far below any modelling error.
        return float(f"{value:.10g}")
    return value
