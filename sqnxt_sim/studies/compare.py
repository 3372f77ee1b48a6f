"""Compare networks on one or more accelerator configs: every network simulated on every config.

Ratios (report/compare.py) are always *this network / the reference network on the same
config*, the reference being the first network given.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath
from typing import Sequence

from ..engine.results import Results
from ..engine.simulate import simulate
from ..errors import InputError
from ..hardware.config import Hardware
from ..hardware.load import hardware_file, resolve_hardware
from ..workload.graph import Network
from ..workload.load import load_network


@dataclass(frozen=True)
class Comparison:
    """Every network on every config.

    ``keys`` name the networks in ``results``: the ``--net`` argument as given (a zoo name or a
    path), or the network's name for a :class:`Network` passed in. ``labels`` are the names shown
    in tables and figures: the display name, made unique when two networks share one.
    """

    networks: tuple[Network, ...]
    hardware: tuple[Hardware, ...]
    results: dict[tuple[str, str], Results]  # (hardware name, network key) -> results
    keys: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.keys:
            object.__setattr__(self, "keys", tuple(net.name for net in self.networks))
        if not self.labels:
            object.__setattr__(self, "labels", unique_labels(self.networks, self.keys))

    @property
    def reference(self) -> Network:
        return self.networks[0]

    @property
    def reference_label(self) -> str:
        return self.labels[0]

    def key_of(self, network: str) -> str:
        """The key of a network given by its key, its label or (when unambiguous) its name."""
        if network in self.keys:
            return network
        for candidates in (self.labels, [net.name for net in self.networks]):
            found = [key for key, candidate in zip(self.keys, candidates) if candidate == network]
            if len(found) == 1:
                return found[0]
        raise KeyError(network)

    def result(self, hardware: str, network: str) -> Results:
        """Results of one network (its key, label or unambiguous name) on one config."""
        return self.results[(hardware, self.key_of(network))]

    def on(self, hardware: str) -> list[Results]:
        """Results of every network on one config, in the order the networks were given."""
        return [self.results[(hardware, key)] for key in self.keys]

    @property
    def energy_suffix(self) -> str | None:
        """The energy unit shared by all configs (``macnorm`` or ``pJ``), None if they differ."""
        suffixes = {r.energy_unit.column_suffix for r in self.results.values()}
        return suffixes.pop() if len(suffixes) == 1 else None

    @property
    def batches(self) -> tuple[int, ...]:
        """Each network's batch (inferences per run), in the order of ``networks``."""
        return tuple(net.input_layer.n for net in self.networks)



def unique_labels(networks: Sequence[Network], keys: Sequence[str]) -> tuple[str, ...]:
    """Display names, made unique: a network that shares its display name with another gets the
    file name it was loaded from (when given as a path), then " (2)", " (3)"... if still shared."""
    shared = Counter(net.display_name for net in networks)
    labels = []
    for net, key in zip(networks, keys):
        label = net.display_name
        if shared[label] > 1 and key != net.name and _is_path(key):
            label = f"{label} ({PurePath(key).name})"
        labels.append(label)
    seen: set[str] = set()
    return tuple(_numbered(label, seen) for label in labels)


def _numbered(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... whichever is not taken yet; marks it taken."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name} ({n})"
    taken.add(candidate)
    return candidate


def _is_path(key: str) -> bool:
    return "/" in key or "\\" in key or PurePath(key).suffix.lower() in (".yaml", ".yml", ".onnx")


def compare(networks: Sequence[Network | str], hardware: Sequence[Hardware | str], batch: int | None = None) -> Comparison:
    """Simulate every network on every config. Names are loaded (zoo names, shipped configs, paths).

    Networks are told apart by the argument that names them: the same zoo name or path twice is
    an error, two different files whose networks share a name are not (their labels differ).
    """
    if not networks:
        raise InputError("--net", None, "give at least one network")
    if not hardware:
        raise InputError("--hw", None, "give at least one hardware config")
    _unique([net for net in networks if isinstance(net, str)], "--net", "network")
    nets = tuple(net if isinstance(net, Network) else load_network(net, batch=batch) for net in networks)
    hws = tuple(hw if isinstance(hw, Hardware) else resolve_hardware(hw) for hw in hardware)
    sources = [None if isinstance(hw, Hardware) else str(hardware_file(hw)) for hw in hardware]
    _unique([hw.name for hw in hws], "--hw", "hardware config")
    keys = _network_keys(networks, nets)
    results = {(hw.name, key): simulate(net, hw, source) for hw, source in zip(hws, sources)
               for key, net in zip(keys, nets)}
    return Comparison(nets, hws, results, keys)


def _network_keys(arguments: Sequence[Network | str], nets: Sequence[Network]) -> tuple[str, ...]:
    """The argument as given; a Network's name, numbered " (2)"... if that key is taken."""
    taken = {arg for arg in arguments if isinstance(arg, str)}
    keys = []
    for arg, net in zip(arguments, nets):
        keys.append(arg if isinstance(arg, str) else _numbered(net.name, taken))
    return tuple(keys)


def _unique(names: list[str], option: str, what: str) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise InputError(option, None, f"{what} {name!r} given twice; compare distinct ones")
        seen.add(name)
