"""Design-space sweeps: one or more networks x the cross product of a grid of hardware values.

A grid file maps dotted keys of a hardware file to lists of values::

    pe_array.rows: [8, 16, 32]
    dataflow: [os, ws, best]
    memory.dram_bandwidth_bytes_per_cycle: [16, 64, null]

The key ``""`` ties keys of any sections together: each of its values is a mapping of
dotted keys set at once (a buffer size with its access energy), one axis of the product::

    "": [{memory.global_buffer_kib: 64, energy.global_buffer: 4.0},
         {memory.global_buffer_kib: 256, energy.global_buffer: 6.0}]

Every combination is applied to a base hardware file and validated like a hardware file. The
grid is walked in chunks (bounded memory whatever its size): each chunk becomes a column of
configurations that the engine evaluates in one vectorized call per network. Chunks run
in-process, on local worker processes, or on a Dask cluster; results are written in grid
order, so the output does not depend on how the sweep was executed.
"""

from __future__ import annotations

import bisect
import copy
import csv
import dataclasses
import hashlib
import io
import json
import math
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .engine.hardware_arrays import hardware_arrays
from .engine.results import plain
from .engine.simulate import TOTALS_COLUMNS, Workload, evaluate, network_totals
from .errors import InputError
from .hardware.area import AreaTerms, area_at, area_columns, area_terms
from .hardware.energy import access_costs
from .hardware.config import Hardware, hardware_from_dict
from .yamlfile import check_plain_data, read_yaml_mapping

CHUNK_CONFIGS = 256  # configurations per engine call: its (256 x layers) arrays stay in the caches
MAX_CHUNK_CELLS = 50_000  # configurations x layers of one engine call: at most about 200 MB of arrays (best of four)
MAX_GRID_CONFIGURATIONS = 10**9  # about ten days at 1,000 configurations/s; more is a typo
IN_FLIGHT_PER_WORKER = 4  # chunks submitted ahead per worker: memory stays bounded
TOTAL_COLUMNS = (
    "cycles", "time_ms", "area_mm2", "utilization", "spatial_utilization", "energy", "energy_mac", "energy_register_file",
    "energy_inter_pe", "energy_global_buffer", "energy_dram", "energy_static", "dram_read_bytes", "dram_write_bytes", "stall_cycles",
    "loss_small_dims", "loss_fold_remainder", "loss_fill_drain", "loss_array_bus", "loss_core_imbalance", "loss_memory_stall", "loss_non_mac",
)
LAYER_COLUMNS = ("cycles", "utilization", "spatial_utilization", "energy", "dram_read_bytes", "dram_write_bytes")
FIXED_KEYS = ("name", "description", "energy.unit")  # would make one table mix labels or units
RESERVED_KEYS = {"network", "batch", "config", "layer", *TOTAL_COLUMNS, *LAYER_COLUMNS}  # result columns


TIED = ""  # the grid key whose values set several dotted keys together


@dataclass(frozen=True)
class Grid:
    keys: tuple[str, ...]  # one per axis of the product (TIED for the tied axis)
    values: tuple[tuple[Any, ...], ...]
    source: str = "<grid>"

    @property
    def size(self) -> int:
        return math.prod(len(v) for v in self.values)

    @property
    def columns(self) -> tuple[str, ...]:
        """The dotted keys a combination sets, in grid order (tied keys in their own order)."""
        out: list[str] = []
        for key, options in zip(self.keys, self.values):
            out.extend(options[0] if key == TIED else [key])
        return tuple(out)

    def most_varied_column(self) -> str | None:
        """The column with the most distinct values (ties: the first), e.g. to colour a plot by."""
        counts: dict[str, set[str]] = {}
        for key, options in zip(self.keys, self.values):
            for option in options:
                for column, value in (option.items() if key == TIED else [(key, option)]):
                    counts.setdefault(column, set()).add(repr(value))
        return max(self.columns, key=lambda column: len(counts[column])) if self.columns else None

    def combination(self, index: int) -> dict[str, Any]:
        """The index-th combination in row-major order (the last key varies fastest), as
        dotted key -> value."""
        chosen = {}
        for key, options in zip(reversed(self.keys), reversed(self.values)):
            index, pick = divmod(index, len(options))
            chosen[key] = options[pick]
        flat: dict[str, Any] = {}
        for key in self.keys:
            flat.update(chosen[key] if key == TIED else {key: chosen[key]})
        return flat


def overrides_of(key: str, value: Any) -> dict[str, Any]:
    """The dotted keys one grid value sets."""
    return dict(value) if key == TIED else {key: value}


def load_grid(path: str | Path) -> Grid:
    """Read a grid file (YAML: dotted hardware keys -> lists of values) into a :class:`Grid`;
    checked as :func:`grid_from_dict` checks a mapping, errors naming the file.

    Example::

        from sqnxt_sim import load_grid
        grid = load_grid("sweeps/arrays.yaml")
        grid.size, grid.columns      # (1296, ('pe_array.rows', 'pe_array.cols', ...))
    """
    return grid_from_dict(read_yaml_mapping(path), str(path))


def grid_from_dict(data: dict[str, Any], source: str = "<grid>") -> Grid:
    """A :class:`Grid` from a mapping of dotted hardware keys to non-empty lists of values (the
    key ``""`` ties keys together). Checks the grid's shape, not the values: those are checked
    against a base config by :func:`validate_grid` or as :func:`execute` builds each
    combination. ``source`` names the grid in errors. Raises InputError.

    Example::

        from sqnxt_sim import grid_from_dict
        grid = grid_from_dict({"pe_array.rows": [16, 32], "dataflow": ["os", "ws"]})
        grid.size, grid.combination(1)   # (4, {'pe_array.rows': 16, 'dataflow': 'ws'})
    """
    if not isinstance(data, dict):
        raise InputError(source, None, "top level must be a mapping of dotted keys to lists")
    check_plain_data(data, source)  # so combinations of its values need no second walk
    keys, values = [], []
    if TIED in data:
        _check_tied(data[TIED], set(data) - {TIED}, source)
    for key, options in data.items():
        if key == TIED:
            keys.append(key)
            values.append(tuple(data[TIED]))
            continue
        if key in RESERVED_KEYS:
            raise InputError(source, key, "is also a result column; vary its parts instead (energy.mac, energy.dram, ...)")
        if isinstance(options, list) and any(_fixed(key, value) for value in options):
            raise InputError(source, _fixed(key, next(v for v in options if _fixed(key, v))), "cannot vary in a sweep")
        if not isinstance(options, list) or not options:
            raise InputError(source, key, "must be a non-empty list of values")
        if len(set(map(repr, options))) != len(options):
            raise InputError(source, key, "lists a value twice")
        keys.append(key)
        values.append(tuple(options))
    if not keys:
        raise InputError(source, None, "the grid has no keys")
    size = math.prod(len(v) for v in values)
    if size > MAX_GRID_CONFIGURATIONS:
        raise InputError(source, None, f"{size:,} combinations; a sweep takes at most {MAX_GRID_CONFIGURATIONS:,}")
    return Grid(tuple(keys), tuple(values), source)


def _check_tied(options: Any, other_keys: set[str], source: str) -> None:
    """Tied values: a non-empty list of mappings, all setting the same dotted keys, none of
    them a key the grid also varies on its own."""
    where = '"" (tied keys)'
    if not isinstance(options, list) or not options or not all(isinstance(o, dict) and o for o in options):
        raise InputError(source, where, "must be a non-empty list of mappings of dotted keys to values")
    keys = list(options[0])
    for option in options:
        if list(option) != keys:
            raise InputError(source, where, f"every mapping must set the same keys, in the same order ({', '.join(keys)})")
    for key in keys:
        if not isinstance(key, str) or not key:
            raise InputError(source, where, "keys must be dotted hardware keys")
        if key in RESERVED_KEYS:
            raise InputError(source, f"{where}.{key}", "is also a result column")
        if key in other_keys:
            raise InputError(source, f"{where}.{key}", "is also varied on its own: give it in one place")
        bad = next((_fixed(key, option[key]) for option in options if _fixed(key, option[key])), None)
        if bad:
            raise InputError(source, bad, "cannot vary in a sweep")
    if len(set(map(lambda o: json.dumps(o, sort_keys=True, default=repr), options))) != len(options):
        raise InputError(source, where, "lists a value twice")


def _fixed(key: str, value: Any) -> str | None:
    """The fixed key (name, energy.unit...) that setting ``key`` to ``value`` would change."""
    if key in FIXED_KEYS:
        return key
    if isinstance(value, dict):
        return next((found for part, inner in value.items() if (found := _fixed(f"{key}.{part}", inner))), None)
    return None


def apply_overrides(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``base`` with dotted keys set (``memory.global_buffer_kib``)."""
    data = _copy_sections(base)
    for dotted, value in overrides.items():
        node = data
        *parents, leaf = dotted.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise InputError(None, dotted, f"'{part}' is not a section of the hardware file")
            node = child
        node[leaf] = value
    return data


def _copy_sections(data: dict[str, Any]) -> dict[str, Any]:
    """Copy the nested mappings of a hardware dump (its leaves are immutable scalars)."""
    return {key: _copy_sections(value) if isinstance(value, dict) else copy.copy(value) for key, value in data.items()}


def configurations(base: Hardware, grid: Grid, start: int, stop: int) -> list[Hardware]:
    """Validated hardware for combinations [start, stop). Errors name the grid file and key.

    Each grid value is validated once, applied to ``base`` alone; a combination is then built
    from those validated values (no second validation), and the rules that tie keys together
    (:func:`_cross_key_problem`) are checked on it. Combinations that share all but their last
    values share the work of building them (row-major order: the last key varies fastest)."""
    return configurations_at(base, grid, range(start, stop))


def configurations_at(base: Hardware, grid: Grid, indices: Iterable[int],
                      patches: "_ValidatedValues | None" = None) -> list[Hardware]:
    """:func:`configurations` of the combinations at ``indices`` (increasing)."""
    patches = patches or _ValidatedValues(base, grid)
    sizes = [len(options) for options in grid.values]
    built: dict[tuple[int, ...], Hardware] = {(): base}
    configs = []
    for index in indices:
        picks = _picks(index, sizes)
        depth = len(picks)
        while picks[:depth] not in built:
            depth -= 1
        hw = built[picks[:depth]]
        for axis in range(depth, len(picks)):
            for path, value in patches.of(axis, picks[axis]):
                hw = _set(hw, path, value)
            if axis < len(picks) - 1:
                built[picks[:axis + 1]] = hw
        if len(built) > 4 * len(sizes) + 64:  # only the current prefixes are reused
            built = {(): base, **{picks[:d]: built[picks[:d]] for d in range(1, len(picks)) if picks[:d] in built}}
        problem = _cross_key_problem(hw)
        if problem:
            field, text = problem
            combo = grid.combination(index)
            culprit = next((k for k in grid.columns if field == k or field.startswith(k + ".") or k.startswith(field + ".")),
                           None)
            shown = f"{culprit} = {combo[culprit]!r}" if culprit else f"combination {index}"
            raise InputError(grid.source, field, f"{text} (in {shown})")
        configs.append(hw)
    return configs


def _picks(index: int, sizes: list[int]) -> tuple[int, ...]:
    """The value index of each axis for the index-th combination (row-major)."""
    picks = []
    for size in reversed(sizes):
        index, pick = divmod(index, size)
        picks.append(pick)
    return tuple(reversed(picks))


class _ValidatedValues:
    """Per axis and value, the (attribute path, validated value) pairs the value sets, read back
    from ``base`` with that value alone applied and validated; each computed when first used."""

    def __init__(self, base: Hardware, grid: Grid) -> None:
        self.base_data = base.model_dump(mode="json")
        self.grid = grid
        self.done: dict[tuple[int, int], list[tuple[tuple[str, ...], Any]]] = {}

    def of(self, axis: int, pick: int) -> list[tuple[tuple[str, ...], Any]]:
        found = self.done.get((axis, pick))
        if found is None:
            key, value = self.grid.keys[axis], self.grid.values[axis][pick]
            overrides = overrides_of(key, value)
            try:
                alone = hardware_from_dict(apply_overrides(self.base_data, overrides), self.grid.source, plain=True)
            except InputError as error:
                field = error.field if key == TIED else key
                raise InputError(self.grid.source, field, f"{error.problem.split(' (got')[0]} (got {value!r})") from None
            found = self.done[(axis, pick)] = [(tuple(dotted.split(".")), _get(alone, dotted.split(".")))
                                               for dotted in overrides]
        return found


def _get(model: Any, path: list[str]) -> Any:
    for part in path:
        model = getattr(model, part)
    return model


def _set(model: Any, path: tuple[str, ...], value: Any) -> Any:
    """A copy of ``model`` with the attribute at ``path`` replaced (no validation: ``value`` is
    already a validated value of that attribute)."""
    head, *rest = path
    return model.model_copy(update={head: _set(getattr(model, head), tuple(rest), value) if rest else value})


def _cross_key_problem(hw: Hardware) -> tuple[str, str] | None:
    """The rules of hardware/config.py that tie two keys together, which validating each grid
    value alone cannot check (tests/test_sweep.py holds this list to the config's validators)."""
    from .hardware.config import MAX_PES

    array = hw.pe_array
    if array.pes > MAX_PES:
        return "pe_array", f"{array.rows} x {array.cols} is more than {MAX_PES:,} PEs"
    if array.pes * hw.cores > MAX_PES:
        return "cores", f"{hw.cores} cores of {array.rows} x {array.cols} are more than {MAX_PES:,} PEs"
    if hw.energy.global_buffer is not None and hw.energy.global_buffer_by_capacity is not None:
        return "energy", "give global_buffer or global_buffer_by_capacity, not both"
    return None


# The config's validators, by (model, name): those _cross_key_problem checks again on a built
# combination, and those that look at one value only (validating each grid value covers them).
CROSS_KEY_VALIDATORS = {("Hardware", "_array_size"), ("Hardware", "_chip_size"), ("Energy", "_one_buffer_cost")}
ONE_VALUE_VALIDATORS = {("Hardware", "_candidates"), ("Energy", "_known_table"), ("Energy", "_increasing"),
                        ("Area", "_known_table"), ("Area", "_increasing"), ("VectorUnit", "_known")}


def validate_grid(base: Hardware, grid: Grid) -> None:
    """Check every value of every key once, and the one combination that builds the largest
    chip (the only limit that ties keys together), so a bad grid fails before any work starts.
    Raises InputError naming the grid's source and key.

    Example::

        from sqnxt_sim import grid_from_dict, resolve_hardware, validate_grid
        validate_grid(resolve_hardware("32pe_os"), grid_from_dict({"pe_array.rows": [8, 0]}))
        # InputError: <grid>: pe_array.rows: Input should be greater than 0 (got 0)
    """
    base_data = base.model_dump(mode="json")
    for key, options in zip(grid.keys, grid.values):
        for value in options:
            try:
                hardware_from_dict(apply_overrides(base_data, overrides_of(key, value)), grid.source)
            except InputError as error:
                field = error.field if key == TIED else key
                raise InputError(grid.source, field, f"{error.problem.split(' (got')[0]} (got {value!r})") from None
    largest: dict[str, Any] = {}
    for key, options in zip(grid.keys, grid.values):
        if key in CHIP_KEYS or (key == TIED and any(k in CHIP_KEYS for k in options[0])):
            largest.update(overrides_of(key, max(options, key=lambda value, key=key: _chip_pes(base_data, key, value))))
    if largest:
        try:
            hardware_from_dict(apply_overrides(base_data, largest), grid.source)
        except InputError as error:
            shown = ", ".join(f"{key} = {value!r}" for key, value in largest.items())
            raise InputError(grid.source, error.field, f"{error.problem} (in the combination {shown})") from None


CHIP_KEYS = ("pe_array", "pe_array.rows", "pe_array.cols", "cores")  # what sets the chip's PE count


def _chip_pes(base_data: dict[str, Any], key: str, value: Any) -> int:
    """PEs of the chip with only ``key`` set to ``value`` (for ranking a key's options)."""
    data = apply_overrides(base_data, overrides_of(key, value))
    array = data.get("pe_array") if isinstance(data.get("pe_array"), dict) else {}
    numbers = [array.get("rows", 1), array.get("cols", 1), data.get("cores", 1)]
    return math.prod(n if isinstance(n, int) and not isinstance(n, bool) else 1 for n in numbers)


@dataclass(frozen=True)
class Limits:
    """A budget every evaluated configuration must meet (None: no limit). Configurations over
    it are not evaluated: they are counted in :attr:`ChunkResult.cut`."""

    max_area_mm2: float | None = None
    max_pes: int | None = None  # PEs of the chip (rows x cols x cores)
    max_buffer_kib: float | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.max_area_mm2, self.max_pes, self.max_buffer_kib))

    def allows(self, hardware: Sequence[Hardware], area_mm2: Sequence[float]) -> list[bool]:
        return [self.admits(hw.pes, hw.memory.global_buffer_kib, area) for hw, area in zip(hardware, area_mm2)]

    def admits(self, pes: int, buffer_kib: float, area_mm2: float) -> bool:
        return ((self.max_area_mm2 is None or area_mm2 <= self.max_area_mm2)
                and (self.max_pes is None or pes <= self.max_pes)
                and (self.max_buffer_kib is None or buffer_kib <= self.max_buffer_kib))

    def text(self) -> str:
        parts = [f"area <= {self.max_area_mm2:g} mm^2" if self.max_area_mm2 is not None else "",
                 f"PEs <= {self.max_pes:,}" if self.max_pes is not None else "",
                 f"global buffer <= {self.max_buffer_kib:g} KiB" if self.max_buffer_kib is not None else ""]
        return ", ".join(p for p in parts if p) or "no limits"


@dataclass(frozen=True)
class ChunkResult:
    """What :func:`execute` yields for combinations [start, stop) of the grid. Each row of
    ``totals`` holds ``network``, ``batch``, ``config`` (the combination's index), the dotted
    keys the grid set, and the network totals (``cycles``, ``time_ms``, ``energy``, ...)."""

    start: int
    stop: int
    totals: list[dict[str, Any]]  # configuration-major: each configuration, then each network
    layers: list[dict[str, Any]]  # per-layer rows when asked for, in the same order
    cut: int = 0  # configurations over the sweep's limits, not evaluated
    # The totals as CSV lines (values in row order, no header) when asked for: rendered where
    # the chunk ran, so writing a sweep's file costs its parent almost nothing per row.
    csv_lines: str | None = None


def run_chunk(workloads: Sequence[Workload], base: Hardware, grid: Grid, start: int, stop: int, per_layer: bool,
              limits: Limits | None = None, csv_lines: bool = False) -> ChunkResult:
    """Evaluate combinations [start, stop) for every network. Runs in any worker process.

    Rows come configuration by configuration (networks inside), so a sweep's files do not
    depend on the chunk size or the executor. Configurations over ``limits`` are skipped.
    ``csv_lines``: also render the totals as CSV lines (:attr:`ChunkResult.csv_lines`).
    """
    result = _run_chunk(workloads, base, grid, start, stop, per_layer, limits)
    if not csv_lines:
        return result
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([list(row.values()) for row in result.totals])
    return dataclasses.replace(result, csv_lines=text.getvalue())


def _run_chunk(workloads: Sequence[Workload], base: Hardware, grid: Grid, start: int, stop: int, per_layer: bool,
               limits: Limits | None) -> ChunkResult:
    if not per_layer and CLOCK_KEY in grid.keys and len(grid.values[grid.keys.index(CLOCK_KEY)]) > 1:
        return _run_chunk_over_clocks(workloads, base, grid, start, stop, limits)
    configs = configurations(base, grid, start, stop)
    indices = list(range(start, stop))
    areas = area_columns(configs)["area_mm2"]
    if limits:
        kept = limits.allows(configs, areas)
        configs, indices, areas = ([x for x, keep in zip(column, kept) if keep] for column in (configs, indices, areas))
        if not configs:
            return ChunkResult(start, stop, [], [], stop - start)
    per_network = _evaluated(workloads, configs, grid, start, stop, per_layer)
    for totals in per_network:
        totals[0]["area_mm2"] = areas
    cells = _Cells(grid)
    totals_rows: list[dict[str, Any]] = []
    layer_rows: list[dict[str, Any]] = []
    for offset, config in enumerate(indices):
        combo = cells.of(config)
        for workload, (totals, layers) in zip(workloads, per_network):
            head = {"network": workload.network.name, "batch": workload.network.input_layer.n, "config": config, **combo}
            totals_rows.append({**head, **{key: totals[key][offset] for key in TOTAL_COLUMNS}})
            if layers is not None:
                for index, name in enumerate(workload.table.names):
                    layer_rows.append({**head, "layer": name, **{key: plain(layers[key][offset][index]) for key in LAYER_COLUMNS}})
    return ChunkResult(start, stop, totals_rows, layer_rows, (stop - start) - len(indices))


def _evaluated(workloads: Sequence[Workload], configs: list[Hardware], grid: Grid, start: int, stop: int,
               per_layer: bool = False) -> list[tuple[dict[str, list], dict[str, list] | None]]:
    """Per network, the totals (plain values, TOTAL_COLUMNS but area) of ``configs`` and, when
    asked, their per-layer columns."""
    arrays = hardware_arrays(configs)
    per_network = []
    for workload in workloads:
        try:
            columns = evaluate(workload, arrays, TOTALS_COLUMNS | set(LAYER_COLUMNS) if per_layer else TOTALS_COLUMNS)
        except InputError as error:
            if error.source != "--hw":
                raise
            raise InputError(grid.source, error.field,
                             f"{error.problem} (in one of the combinations {start}..{stop - 1})") from None
        totals = network_totals(columns, workload.table, arrays)
        layers = {key: columns[key].tolist() for key in LAYER_COLUMNS} if per_layer else None
        per_network.append(({key: [plain(v) for v in totals[key].tolist()] for key in TOTAL_COLUMNS if key != "area_mm2"},
                            layers))
    return per_network


class _Cells:
    """The grid's cells of each combination (dotted key -> CSV value), from per-axis pieces."""

    def __init__(self, grid: Grid) -> None:
        self.sizes = [len(options) for options in grid.values]
        self.pieces = [[{k: _cell(v) for k, v in overrides_of(key, value).items()} for value in options]
                       for key, options in zip(grid.keys, grid.values)]

    def of(self, index: int) -> dict[str, Any]:
        combo: dict[str, Any] = {}
        for pieces, pick in zip(self.pieces, _picks(index, self.sizes)):
            combo.update(pieces[pick])
        return combo


CLOCK_KEY = "clock_mhz"
MEMO_ENTRIES = 64_000  # configurations but their clock kept per process (and network): at most about 30 MB
_CLOCK_FREE = tuple(key for key in TOTAL_COLUMNS if key not in ("time_ms", "area_mm2"))


class _ClockMemo:
    """For one base and grid, in one process: what does not depend on a configuration's clock.

    Without leakage (energy.static_power off: static_per_us is 0) the engine's cycles, energy
    and traffic do not depend on the clock, which sets the time (cycles / clock) and, through
    the MAC's Aladdin row, the area. A configuration is keyed by its index with the clock's
    axis left out (its "reduced" index). When full, the memo keeps what it has (a sweep whose
    clock siblings lie further apart gains less; its numbers are the same)."""

    def __init__(self, fingerprint: bytes, base: Hardware, grid: Grid) -> None:
        self.fingerprint = fingerprint
        self.patches = _ValidatedValues(base, grid)
        self.axis, self.inner, clocks = _clock_axis(grid)
        self.clocks = [self.patches.of(self.axis, pick)[0][1] for pick in range(clocks)]
        self.cells = _Cells(grid)
        # reduced index -> (area terms, chip PEs, buffer KiB, no leakage)
        self.hardware: dict[int, tuple[AreaTerms, int, float, bool]] = {}
        self.terms: dict[AreaTerms, AreaTerms] = {}  # one object per distinct value
        self.areas: dict[tuple[int, int], float] = {}  # (id(terms), clock pick) -> area_mm2 shown
        self.totals: dict[tuple[bytes, int], bytes] = {}  # (workload fingerprint, reduced index) -> packed values
        self.packing: struct.Struct | None = None
        self.kinds: tuple[type, ...] = ()

    def reduced(self, index: int) -> tuple[int, int]:
        """(reduced index, clock pick) of a combination."""
        size = len(self.clocks)
        return (index // (self.inner * size)) * self.inner + index % self.inner, (index // self.inner) % size

    def facts(self, reduced: int, hw: Hardware) -> tuple[AreaTerms, int, float, bool]:
        terms = area_terms(hw)
        terms = self.terms.setdefault(terms, terms)
        facts = (terms, hw.pes, hw.memory.global_buffer_kib, access_costs(hw).static_per_us == 0)
        if len(self.hardware) < MEMO_ENTRIES:
            self.hardware[reduced] = facts
        return facts

    def area(self, terms: AreaTerms, pick: int) -> float:
        key = (id(terms), pick)
        area = self.areas.get(key)
        if area is None:
            area = float(f"{area_at(terms, self.clocks[pick]).total:.10g}")
            if len(self.areas) < MEMO_ENTRIES:
                self.areas[key] = area
        return area

    def remember(self, workload: bytes, reduced: int, values: tuple) -> None:
        kinds = tuple(type(v) for v in values)
        if self.packing is None:
            self.kinds = kinds
            self.packing = struct.Struct("".join("q" if kind is int else "d" for kind in kinds))
        if kinds == self.kinds and len(self.totals) < MEMO_ENTRIES:
            self.totals[(workload, reduced)] = self.packing.pack(*values)

    def recall(self, workload: bytes, reduced: int) -> tuple | None:
        packed = self.totals.get((workload, reduced))
        return None if packed is None else self.packing.unpack(packed)


_memo: _ClockMemo | None = None


def _clock_memo(base: Hardware, grid: Grid) -> _ClockMemo:
    global _memo
    fingerprint = hashlib.blake2b(pickle.dumps((base, grid.keys, grid.values)), digest_size=16).digest()
    if _memo is None or _memo.fingerprint != fingerprint:
        _memo = _ClockMemo(fingerprint, base, grid)
    return _memo


def _run_chunk_over_clocks(workloads: Sequence[Workload], base: Hardware, grid: Grid, start: int, stop: int,
                           limits: Limits | None) -> ChunkResult:
    """run_chunk of a grid that varies the clock (totals only): each configuration without
    leakage is evaluated once per process whatever its clock (:class:`_ClockMemo`); its clock
    siblings take its clock-free totals and their own time and area."""
    memo = _clock_memo(base, grid)
    prints = [workload_fingerprint(w) for w in workloads]
    places = [(index, *memo.reduced(index)) for index in range(start, stop)]
    unseen = {}
    for index, reduced, _ in places:
        if reduced not in memo.hardware and reduced not in unseen:
            unseen[reduced] = index
    built = dict(zip(unseen.values(), configurations_at(base, grid, unseen.values(), memo.patches)))
    facts = {reduced: memo.facts(reduced, built[index]) for reduced, index in unseen.items()}
    kept = []
    for index, reduced, pick in places:
        terms, pes, kib, no_leak = facts.get(reduced) or memo.hardware[reduced]
        area = memo.area(terms, pick)
        if limits and not limits.admits(pes, kib, area):
            continue
        kept.append((index, reduced, pick, area, no_leak))
    # What must be evaluated: a configuration with leakage itself; one without, once.
    fresh_reduced: set[int] = set()
    wanted: dict[int, int] = {}  # index evaluated -> its reduced index, or -1: for itself
    for index, reduced, _, _, no_leak in kept:
        if not no_leak:
            wanted[index] = -1
        elif reduced not in fresh_reduced and any(memo.recall(p, reduced) is None for p in prints):
            wanted[index] = reduced
            fresh_reduced.add(reduced)
    fresh: dict[tuple[int, int], tuple] = {}  # (network position, evaluated index or reduced) -> values
    if wanted:
        order = sorted(wanted)
        configs = [built.get(index) for index in order]
        missing = [index for index, hw in zip(order, configs) if hw is None]
        extra = dict(zip(missing, configurations_at(base, grid, missing, memo.patches)))
        configs = [hw if hw is not None else extra[index] for index, hw in zip(order, configs)]
        for position, (totals, _) in enumerate(_evaluated(workloads, configs, grid, start, stop)):
            for offset, index in enumerate(order):
                values = tuple(totals[key][offset] for key in _CLOCK_FREE)
                reduced = wanted[index]
                if reduced >= 0:
                    memo.remember(prints[position], reduced, values)
                    fresh[(position, -1 - reduced)] = values
                else:
                    fresh[(position, index)] = values
    rows: list[dict[str, Any]] = []
    cycles_at = _CLOCK_FREE.index("cycles")
    for index, reduced, pick, area, no_leak in kept:
        combo = memo.cells.of(index)
        for position, workload in enumerate(workloads):
            key = (position, -1 - reduced) if no_leak else (position, index)
            values = fresh.get(key) or memo.recall(prints[position], reduced)
            cycles = values[cycles_at]
            row = {"network": workload.network.name, "batch": workload.network.input_layer.n, "config": index, **combo,
                   "cycles": cycles, "time_ms": plain(cycles / (memo.clocks[pick] * 1e3)), "area_mm2": area}
            row.update(zip(_CLOCK_FREE[1:], values[1:]))
            rows.append(row)
    return ChunkResult(start, stop, rows, [], (stop - start) - len(kept))


def workload_fingerprint(workload: Workload) -> bytes:
    """What a workload's numbers depend on (its layer table and activation plan), hashed."""
    return hashlib.blake2b(pickle.dumps((workload.table, workload.plan)), digest_size=16).digest()


def _cell(value: Any) -> Any:
    """Grid values as CSV cells: a mapping (several keys varied together) as sorted JSON."""
    return json.dumps(value, sort_keys=True) if isinstance(value, dict) else value


def chunk_bounds(size: int, chunk: int = CHUNK_CONFIGS) -> Iterator[tuple[int, int]]:
    for start in range(0, size, chunk):
        yield start, min(size, start + chunk)


def _clock_axis(grid: Grid) -> tuple[int, int, int]:
    """(the clock's axis, combinations per clock value: the product of the later axes, clock values)."""
    axis = grid.keys.index(CLOCK_KEY)
    return axis, math.prod(len(v) for v in grid.values[axis + 1:]), len(grid.values[axis])


def _clock_period(grid: Grid, chunk: int) -> int | None:
    """Chunks of a grid that varies the clock stay within blocks of this many combinations, so
    that clock siblings (equal but for the clock, :class:`_ClockMemo`) share a chunk or fall in
    chunks at the same offset of their blocks. None: no clock axis."""
    if CLOCK_KEY not in grid.keys:
        return None
    _, inner, clocks = _clock_axis(grid)
    siblings = inner * clocks
    if siblings <= chunk:
        return (chunk // siblings) * siblings  # every sibling in the chunk
    return inner


def _bounds_within(size: int, chunk: int, period: int | None) -> Iterator[tuple[int, int]]:
    if period is None:
        yield from chunk_bounds(size, chunk)
        return
    for block in range(0, size, period):
        for start, stop in chunk_bounds(min(period, size - block), min(chunk, period)):
            yield block + start, block + stop


def _affinity(grid: Grid, chunk: int, period: int | None):
    """The worker (modulo the workers) a chunk starting at ``start`` goes to."""
    if period is None or CLOCK_KEY not in grid.keys:
        return lambda start: start // chunk
    _, inner, clocks = _clock_axis(grid)
    return lambda start: ((start // (inner * clocks)) * inner + start % inner) // min(chunk, period)


def chunk_size(requested: int, layers: int) -> int:
    """Configurations per engine call: as asked, but at most MAX_CHUNK_CELLS configurations x layers."""
    return max(1, min(requested, MAX_CHUNK_CELLS // max(layers, 1)))


def in_order(submit, items, window: int):
    """Results of ``submit(item)`` (a future) for each item, in order, with at most ``window``
    in flight: memory is O(window), not O(items)."""
    from collections import deque

    pending = deque()
    try:
        for item in items:
            pending.append(submit(item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        from concurrent.futures import Future

        for future in pending:
            # A local pool's queued futures run out instead (a few chunks): when its workers die
            # on a signal, Python 3.11's pool fails on a cancelled future (InvalidStateError in
            # terminate_broken) and the process hangs at exit.
            if not isinstance(future, Future):
                future.cancel()


def execute(
    workloads: Sequence[Workload], base: Hardware, grid: Grid, *, per_layer: bool = False, workers: int = 1,
    scheduler: str | None = None, chunk: int = CHUNK_CONFIGS, limits: Limits | None = None, csv_lines: bool = False,
) -> Iterator[ChunkResult]:
    """Run a sweep: every network x every combination of ``grid`` applied to ``base``.

    ``workloads`` are prepared networks (``sqnxt_sim.prepare(network)``).
    Yields :class:`ChunkResult` values in grid order, whose ``totals`` are one row per
    configuration x network (``per_layer``: ``layers`` also holds one row per layer); each row's
    numbers equal :func:`sqnxt_sim.simulate` on that configuration. Runs in-process
    (``workers=1``), on local processes, or on a Dask cluster (``scheduler``); a few chunks of
    ``chunk`` configurations per worker are in flight at a time, so memory does not grow with
    the grid. A combination that is not a valid config raises InputError naming the grid key.
    ``limits`` (:class:`Limits`: area, PEs, buffer) skips the configurations over a budget.
    ``csv_lines``: each chunk also carries its totals rendered as CSV lines.

    Example::

        from sqnxt_sim import execute, grid_from_dict, load_network, pareto_front, resolve_hardware
        from sqnxt_sim import prepare
        grid = grid_from_dict({"pe_array.rows": [16, 32], "dataflow": ["os", "ws"]})
        rows = [row for chunk in execute([prepare(load_network("sqnxt23_v1"))], resolve_hardware("32pe_os"), grid)
                for row in chunk.totals]
        [(row["config"], row["cycles"]) for row in rows]     # 4 configurations
    """
    chunk = chunk_size(chunk, max((len(w.table) for w in workloads), default=1))
    period = _clock_period(grid, chunk) if not per_layer else None
    bounds = _bounds_within(grid.size, chunk, period)
    if scheduler:
        yield from _on_dask(scheduler, workloads, base, grid, bounds, per_layer, limits, csv_lines)
    elif workers > 1:
        from concurrent.futures import ProcessPoolExecutor
        from contextlib import ExitStack

        # One process per pool: a chunk goes to the worker that has its clock siblings'
        # numbers (_ClockMemo), otherwise round robin.
        # The sweep goes to each worker once, as it starts; a task is then a range of the grid.
        job = (workloads, base, grid, per_layer, limits, csv_lines)
        with ExitStack() as stack:
            pools = [stack.enter_context(ProcessPoolExecutor(max_workers=1, initializer=_start_worker, initargs=(job,)))
                     for _ in range(workers)]
            affinity = _affinity(grid, chunk, period)

            def submit(ab):
                return pools[affinity(ab[0]) % workers].submit(_run_worker_chunk, *ab)

            yield from in_order(submit, bounds, IN_FLIGHT_PER_WORKER * workers)
    else:
        for a, b in bounds:
            yield run_chunk(workloads, base, grid, a, b, per_layer, limits, csv_lines)


_worker_job: tuple | None = None  # in a local worker: (workloads, base, grid, per_layer, limits, csv_lines)


def _start_worker(job: tuple) -> None:
    global _worker_job
    quiet_on_signals()
    _worker_job = job


def _run_worker_chunk(start: int, stop: int) -> ChunkResult:
    workloads, base, grid, per_layer, limits, csv_lines = _worker_job
    return run_chunk(workloads, base, grid, start, stop, per_layer, limits, csv_lines)


def quiet_on_signals() -> None:
    """In a worker: die on Ctrl-C, SIGTERM or SIGHUP without a traceback. Forked workers inherit
    the parent's handlers, which turn the signal into KeyboardInterrupt; the parent (the same
    process group gets the signal) keeps the finished rows and reports the interruption."""
    import signal

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


def check_scheduler_address(address: str) -> str:
    """A Dask scheduler address sqnxt-sim can use: tcp://host:port (or host:port)."""
    scheme, _, rest = address.rpartition("://")
    host, _, port = (rest or address).rpartition(":")
    if scheme not in ("", "tcp"):
        raise InputError("--scheduler", None, f"only tcp:// scheduler addresses are supported, not {scheme}://")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError("--scheduler", None, f"{address!r} is not an address of the form tcp://host:port")
    return address


def _on_dask(address: str, workloads, base, grid, bounds, per_layer, limits, csv_lines=False) -> Iterator[ChunkResult]:
    check_scheduler_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler", None, 'Dask is not installed: pip install "sqnxt-sim[distributed]"') from None
    client = _connect(Client, address)
    try:
        shared = client.scatter(list(workloads), broadcast=True)
        window = IN_FLIGHT_PER_WORKER * max(len(client.scheduler_info().get("workers", {})), 1)
        yield from in_order(lambda ab: client.submit(_run_chunk_scattered, shared, base, grid, *ab, per_layer,
                                                     limits, csv_lines, pure=False), bounds, window)
    finally:
        client.close()


SCHEDULER_TIMEOUT_S = 20  # a peer that accepts the connection but never answers is not waited for longer


def _connect(client_class, address: str):
    """A Dask client, or one line saying why not: the handshake runs in a daemon thread with
    a hard deadline, since a silent peer holds Client(..., timeout=) past its timeout."""
    import threading

    outcome: dict[str, Any] = {}

    def connect() -> None:
        try:
            outcome["client"] = client_class(address, timeout=f"{SCHEDULER_TIMEOUT_S // 2}s")
        except Exception as error:  # reported below, in the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=connect, name="dask-connect", daemon=True)
    thread.start()
    thread.join(SCHEDULER_TIMEOUT_S)
    if "client" in outcome:
        return outcome["client"]
    problem = (f"no Dask scheduler answered at {address} within {SCHEDULER_TIMEOUT_S} s" if thread.is_alive()
               else f"cannot reach the Dask scheduler at {address}: {outcome.get('error')}")
    raise InputError("--scheduler", None, problem)


def _run_chunk_scattered(workloads, base, grid, start, stop, per_layer, limits, csv_lines=False):
    return run_chunk(workloads, base, grid, start, stop, per_layer, limits, csv_lines)


def pareto_front(time_ms: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """Indices of the points no other point beats in both time and energy, by time.

    Example (the rows of the :func:`execute` example)::

        import numpy as np
        from sqnxt_sim import pareto_front
        front = pareto_front(np.array([r["time_ms"] for r in rows]), np.array([r["energy"] for r in rows]))
        [rows[i]["config"] for i in front]
    """
    order = np.lexsort((energy, time_ms))
    front, best_energy = [], math.inf
    for index in order:
        if energy[index] < best_energy:
            front.append(index)
            best_energy = energy[index]
    return np.array(front, dtype=np.int64)


def pareto_front_3d(time_ms: np.ndarray, energy: np.ndarray, area_mm2: np.ndarray) -> np.ndarray:
    """Indices of the points no other point beats in time, energy and area at once (at least as
    good in all three, better in one), by time (then energy, area).

    In that order a point's beaters all come before it, so one pass keeps the (energy, area)
    staircase of the points seen: a point is beaten when the staircase holds one with no more
    energy and no more area. Of equal points the first is kept. O(n log n).

    Example::

        front = pareto_front_3d(np.array([1., 2., 3.]), np.array([3., 2., 1.]), np.array([9., 1., 1.]))
        list(front)   # [0, 1, 2]: 0 is fastest, 1 and 2 are smaller; 2 does not beat 1 in time
    """
    time_ms, energy, area_mm2 = (np.asarray(x, dtype=np.float64) for x in (time_ms, energy, area_mm2))
    order = np.lexsort((area_mm2, energy, time_ms))
    times, energies, areas = time_ms[order].tolist(), energy[order].tolist(), area_mm2[order].tolist()
    stair_energy: list[float] = []  # increasing
    stair_area: list[float] = []  # decreasing
    front = []
    start = 0
    while start < len(order):
        point = (times[start], energies[start], areas[start])
        stop = start + 1
        while stop < len(order) and (times[stop], energies[stop], areas[stop]) == point:
            stop += 1  # equal points are one design: the first stands for them (as in pareto_front)
        _, e, a = point
        at = bisect.bisect_right(stair_energy, e) - 1
        if at < 0 or stair_area[at] > a:
            front.append(int(order[start]))
            at = bisect.bisect_left(stair_energy, e)
            end = at
            while end < len(stair_area) and stair_area[end] >= a:
                end += 1
            stair_energy[at:end] = [e]
            stair_area[at:end] = [a]
        start = stop
    return np.array(front, dtype=np.int64)
