"""sqnxt-sim: an analytical performance and energy simulator for neural-network accelerators.

    from sqnxt_sim import load_network, resolve_hardware, simulate
    results = simulate(load_network("sqnxt23_v1"), resolve_hardware("32pe_os"))
"""

from .engine.simulate import simulate
from .errors import InputError, SqnxtError
from .hardware.config import Hardware, hardware_from_dict, load_hardware
from .hardware.load import resolve_hardware
from .workload.graph import Network
from .workload.load import load_network, network_from_dict

__version__ = "0.1.0"
__all__ = [
    "Hardware", "InputError", "Network", "SqnxtError", "hardware_from_dict", "load_hardware",
    "load_network", "network_from_dict", "resolve_hardware", "simulate",
]
