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

from importlib import import_module
from typing import TYPE_CHECKING

from .errors import InputError, SqnxtError

if TYPE_CHECKING:
    from .engine.simulate import prepare, simulate
    from .hardware.config import Hardware, hardware_from_dict, load_hardware
    from .hardware.load import resolve_hardware
    from .sweep import execute, grid_from_dict, load_grid, pareto_front, validate_grid
    from .workload.graph import Network
    from .workload.load import load_network, network_from_dict

# Imported on first use: `import sqnxt_sim.cli` then loads only what the command needs, and
# the command line can keep the garbage collector out of the heavy imports (__main__.py).
_LAZY = {
    **dict.fromkeys(("prepare", "simulate"), ".engine.simulate"),
    **dict.fromkeys(("Hardware", "hardware_from_dict", "load_hardware"), ".hardware.config"),
    "resolve_hardware": ".hardware.load",
    **dict.fromkeys(("execute", "grid_from_dict", "load_grid", "pareto_front", "validate_grid"), ".sweep"),
    "Network": ".workload.graph",
    **dict.fromkeys(("load_network", "network_from_dict"), ".workload.load"),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

__version__ = "0.1.0"
__all__ = [
    "Hardware", "InputError", "Network", "SqnxtError", "execute", "grid_from_dict", "hardware_from_dict",
    "load_grid", "load_hardware", "load_network", "network_from_dict", "pareto_front", "prepare",
    "resolve_hardware", "simulate", "validate_grid",
]
