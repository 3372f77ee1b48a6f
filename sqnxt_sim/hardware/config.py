"""The accelerator description: a pydantic model validated at the boundary.

Units are in the key names. Unknown keys are rejected, so a typo never silently falls back
to a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from ..engine import dataflows
from ..errors import InputError, describe_pydantic_error
from ..yamlfile import check_plain_data, read_yaml_mapping
from .vector import VectorUnit

# Default systolic hop cost, MAC-normalized: see docs/model.md, "Energy", for the source.
INTER_PE_HOP = 0.1
MAX_PES = 1 << 22  # PEs on the whole chip (rows x cols x cores); 256 x 256 is 65,536


def _not_bool(value: Any) -> Any:
    """YAML reads yes/no/on/off as booleans; a cost or a clock is never one."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    return value


Count = Annotated[int, Field(gt=0, le=65_536, strict=True)]
Number = BeforeValidator(_not_bool)
Cost = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False), Number]


def _dataflow_name(value: Any) -> Any:
    """A registered dataflow or ``best`` (engine/dataflows is the one list)."""
    if isinstance(value, str) and value not in dataflows.choices():
        raise ValueError(f"unknown dataflow {value!r}; choose one of {', '.join(dataflows.choices())}")
    return value


def _candidate_name(value: Any) -> Any:
    """A registered dataflow (what ``best`` may choose)."""
    if isinstance(value, str) and value not in dataflows.names():
        raise ValueError(f"unknown dataflow {value!r}; best chooses among {', '.join(dataflows.names())}")
    return value


DataflowName = Annotated[str, Field(strict=True), AfterValidator(_dataflow_name)]
CandidateName = Annotated[str, Field(strict=True), AfterValidator(_candidate_name)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PEArray(_Strict):
    rows: Count
    cols: Count

    @property
    def pes(self) -> int:
        return self.rows * self.cols


# How a register file without explicit scratchpads is shared between the operands: the
# proportions of Eyeriss v1's ifmap, filter and psum scratchpads (12, 224, 24 words; Chen et
# al., JSSC 2017, Sec. IV). A choice, used only by dataflows that keep several values per PE.
SCRATCHPAD_SHARES = {"ifmap": 12, "filter": 224, "psum": 24}
SpadWords = Annotated[int, Field(gt=0, le=1 << 28, strict=True)]


class Scratchpads(_Strict):
    """Words each PE's register file holds per operand (row-stationary keeps a filter row,
    a sliding window of the input row and a few partial sums)."""

    ifmap_words: SpadWords
    filter_words: SpadWords
    psum_words: SpadWords


BusWords = Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False), Number]


class ArrayBuses(_Strict):
    """Words per cycle the global buffer's buses move to (and from) the array, by operand, for
    dataflows that deliver over buses rather than through the array's edges (row-stationary).
    ``psum`` applies to each direction (sums in, sums out)."""

    ifmap: BusWords
    filter: BusWords
    psum: BusWords


class Memory(_Strict):
    register_file_bytes: Annotated[int, Field(gt=0, le=1 << 30, strict=True)] = 512  # per PE
    scratchpads: Scratchpads | None = None  # per operand; default: the bytes above, shared as SCRATCHPAD_SHARES
    # Default: what a systolic array of the same size feeds at its edges per cycle (ifmap: rows,
    # filter and psum: cols), so a bus-fed dataflow gets the presets' on-chip bandwidth.
    array_bus_words_per_cycle: ArrayBuses | None = None
    global_buffer_kib: Annotated[float, Field(gt=0, le=1 << 30, allow_inf_nan=False), Number] = 128
    # Share of the buffer that may hold activations kept on chip between layers; the rest
    # stages each layer's tiles. 0: every layer stages with the whole buffer (as a single-layer
    # study, or a peer tool given one layer, assumes).
    activation_share: Annotated[float, Field(ge=0, le=0.9, allow_inf_nan=False), Number] = 0.5
    # Shared by all cores; null means unlimited (compute-only timing). The lower bound (like
    # the clock's) rules out values such as 1e-300 that make times infinite.
    dram_bandwidth_bytes_per_cycle: Annotated[float, Field(ge=1e-3, le=1e9, allow_inf_nan=False), Number] | None = None


    def array_buses(self, rows: int, cols: int) -> dict[str, float]:
        buses = self.array_bus_words_per_cycle
        if buses is None:
            return {"ifmap": float(rows), "filter": float(cols), "psum": float(cols)}
        return {"ifmap": buses.ifmap, "filter": buses.filter, "psum": buses.psum}

    def scratchpad_words(self, word_bits: int) -> dict[str, int]:
        if self.scratchpads is not None:
            return {op: getattr(self.scratchpads, f"{op}_words") for op in SCRATCHPAD_SHARES}
        words = self.register_file_bytes * 8 // word_bits
        total = sum(SCRATCHPAD_SHARES.values())
        return {op: max(words * share // total, 1) for op, share in SCRATCHPAD_SHARES.items()}


class Energy(_Strict):
    """Energy per access of one word at each level, normalized to a MAC (Eyeriss, ISCA 2016,
    Table IV) unless ``unit`` is pJ, and the conventions that decide what counts as an access.
    Sources and the legacy values: docs/model.md, "Energy"."""

    unit: Literal["mac_normalized", "pJ"] = "mac_normalized"
    mac: Cost = 1.0
    register_file: Cost = 1.0
    inter_pe: Cost = 2.0  # a delivery over a multicast network (Eyeriss "array")
    inter_pe_hop: Cost = INTER_PE_HOP  # a systolic neighbour hop: wire + pipeline register
    global_buffer: Cost = 6.0
    dram: Cost = 200.0
    # on_change: an RF access each time a value is written into a PE (a stationary operand
    # once per load, the os accumulator once per MAC); per_mac: every operand read per MAC.
    register_file_accesses: Literal["on_change", "per_mac"] = "on_change"
    load_drain_hops: bool = True  # charge the hops that load ws/is operands and drain os outputs


class Hardware(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)] = "accelerator"
    description: Annotated[str, Field(max_length=10_000)] = ""
    pe_array: PEArray
    cores: Count = 1
    dataflow: DataflowName = "os"
    # The dataflows ``best`` chooses among (default: every registered one).
    best_of: Annotated[tuple[CandidateName, ...], Field(min_length=1)] | None = None
    clock_mhz: Annotated[float, Field(ge=1e-3, le=1e6, allow_inf_nan=False), Number] = 500.0
    word_bits: Annotated[int, Field(gt=0, le=64, strict=True)] = 16
    memory: Memory = Memory()
    energy: Energy = Energy()
    vector_unit: VectorUnit = VectorUnit()  # pooling, element-wise ops, normalization, data movement
    # Modelling options, off by default (SCALE-Sim's assumptions; docs/model.md, "Fold overlap
    # and packed groups"): folds that overlap their fill and drain, groups side by side.
    fold_overlap: Annotated[bool, Field(strict=True)] = False
    pack_groups: Annotated[bool, Field(strict=True)] = False

    @field_validator("pe_array")
    @classmethod
    def _array_size(cls, array: PEArray) -> PEArray:
        if array.pes > MAX_PES:
            raise ValueError(f"{array.rows} x {array.cols} is more than {MAX_PES:,} PEs")
        return array

    @field_validator("cores")
    @classmethod
    def _chip_size(cls, cores: int, info: ValidationInfo) -> int:
        array = info.data.get("pe_array")
        if array is not None and array.pes * cores > MAX_PES:
            raise ValueError(f"{cores} cores of {array.rows} x {array.cols} are more than {MAX_PES:,} PEs")
        return cores

    @field_validator("best_of")
    @classmethod
    def _candidates(cls, names: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if names is not None:
            if len(set(names)) != len(names):
                raise ValueError("names a dataflow twice")
        return names

    @property
    def pes(self) -> int:
        return self.pe_array.pes * self.cores

    @property
    def candidates(self) -> tuple[str, ...]:
        """The dataflows this config may run: its own, or for ``best`` every candidate."""
        if self.dataflow != dataflows.BEST:
            return (self.dataflow,)
        return self.best_of or dataflows.names()


def hardware_from_dict(data: dict[str, Any], source: str = "<dict>", plain: bool = False) -> Hardware:
    """Validate a hardware mapping. ``plain``: the caller vouches that ``data`` holds only plain
    values (a dump of a validated Hardware with checked values set), so the walk is skipped."""
    if not isinstance(data, dict):
        raise InputError(source, None, "top level must be a mapping of keys")
    if not plain:
        check_plain_data(data, source)
    try:
        return Hardware.model_validate(data)
    except ValidationError as error:
        raise describe_pydantic_error(source, error) from None


def load_hardware(path: str | Path) -> Hardware:
    return hardware_from_dict(read_yaml_mapping(path), str(path))
