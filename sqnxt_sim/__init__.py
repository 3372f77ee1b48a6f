"""sqnxt-sim: an analytical performance and energy simulator for neural-network accelerators.

The API:

* ``simulate(network, hardware) -> Results``: one network on one accelerator; per-layer rows
  (``.rows()``, ``.column(name)``) and network ``.totals``.
* sweeps: ``grid_from_dict`` / ``load_grid`` build a grid of hardware values,
  ``validate_grid`` checks it against a base config, ``execute`` runs every network
  (each once through ``prepare``) x
  combination (rows equal to ``simulate`` on each), ``pareto_front`` picks the rows not beaten
  in both time and energy.
* loaders: ``load_network`` (a zoo name or a .yaml / .onnx / SCALE-Sim .csv file),
  ``network_from_dict``; ``resolve_hardware`` (a shipped config name or a file),
  ``load_hardware``, ``hardware_from_dict``. Bad input raises ``InputError`` (a
  ``SqnxtError``) naming the file and key.

Example::

    from sqnxt_sim import load_network, resolve_hardware, simulate
    results = simulate(load_network("sqnxt23_v1"), resolve_hardware("32pe_os"))
    results.totals["cycles"], results.totals["utilization"]
"""

from .engine.simulate import prepare, simulate
from .errors import InputError, SqnxtError
from .hardware.config import Hardware, hardware_from_dict, load_hardware
from .hardware.load import resolve_hardware
from .sweep import execute, grid_from_dict, load_grid, pareto_front, validate_grid
from .workload.graph import Network
from .workload.load import load_network, network_from_dict

__version__ = "0.1.0"
__all__ = [
    "Hardware", "InputError", "Network", "SqnxtError", "execute", "grid_from_dict", "hardware_from_dict",
    "load_grid", "load_hardware", "load_network", "network_from_dict", "pareto_front", "prepare",
    "resolve_hardware", "simulate", "validate_grid",
]
