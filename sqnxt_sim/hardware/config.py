"""The accelerator description: a pydantic model validated at the boundary.

Units are in the key names. Unknown keys are rejected, so a typo never silently falls back
to a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo,
                      field_validator, model_validator)

from ..engine import dataflows
from ..errors import InputError, describe_pydantic_error
from ..yamlfile import check_plain_data, read_yaml_mapping
from . import sram
from .vector import VectorUnit

# Default systolic hop cost, MAC-normalized: see docs/model.md, "Energy", for the source.
INTER_PE_HOP = 0.1
GLOBAL_BUFFER = 6.0  # default buffer access, MAC-normalized: Eyeriss ISCA 2016, Table IV
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
    """The PE array of one core."""

    rows: Count = Field(description="PE rows of one core's array (1 to 65,536).")
    cols: Count = Field(description="PE columns of one core's array (1 to 65,536).")

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

    ifmap_words: SpadWords = Field(description="Words of the ifmap scratchpad of each PE (Eyeriss v1: 12).")
    filter_words: SpadWords = Field(description="Words of the filter scratchpad of each PE (Eyeriss v1: 224).")
    psum_words: SpadWords = Field(description="Words of the partial-sum scratchpad of each PE (Eyeriss v1: 24).")


BusWords = Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False), Number]


class ArrayBuses(_Strict):
    """Words per cycle the global buffer's buses move to (and from) the array, by operand, for
    dataflows that deliver over buses rather than through the array's edges (row-stationary).
    ``psum`` applies to each direction (sums in, sums out)."""

    ifmap: BusWords = Field(description="Input-activation words per cycle from the global buffer to the array.")
    filter: BusWords = Field(description="Filter words per cycle from the global buffer to the array.")
    psum: BusWords = Field(description="Partial-sum words per cycle, in each direction (sums in, sums out).")


class Memory(_Strict):
    """The memory hierarchy: each PE's register file, the global buffer shared by the cores,
    and DRAM."""

    register_file_bytes: Annotated[int, Field(gt=0, le=1 << 30, strict=True)] = Field(
        512, description="Bytes of each PE's register file (default 512). The presets (os, ws, is) need one word per operand; "
                         "it limits rs only, through the scratchpads.")
    scratchpads: Scratchpads | None = Field(
        None, description="Words per operand of each PE's scratchpads (rs). Default (null): the register file's "
                          "words, shared 12 : 224 : 24 between ifmap, filter and psum (Eyeriss v1's proportions).")
    # The default is chosen so a bus-fed dataflow gets the presets' on-chip bandwidth.
    array_bus_words_per_cycle: ArrayBuses | None = Field(
        None, description="Words per cycle the global buffer's buses deliver to the array, for bus-fed dataflows "
                          "(rs). Default (null): what a systolic array of the same size feeds at its edges "
                          "(ifmap: rows, filter and psum: cols).")
    global_buffer_kib: Annotated[float, Field(gt=0, le=1 << 30, allow_inf_nan=False), Number] = Field(
        128, description="Global buffer size in KiB, shared by all cores (default 128).")
    # 0 is what a single-layer study, or a peer tool given one layer, assumes.
    activation_share: Annotated[float, Field(ge=0, le=0.9, allow_inf_nan=False), Number] = Field(
        0.5, description="Share of the global buffer (0 to 0.9) that may hold activations kept on chip between "
                         "layers; the rest stages each layer's tiles. 0: every layer stages with the whole buffer.")
    # The lower bound (like the clock's) rules out values such as 1e-300 that make times infinite.
    dram_bandwidth_bytes_per_cycle: Annotated[float, Field(ge=1e-3, le=1e9, allow_inf_nan=False), Number] | None = Field(
        None, description="DRAM bandwidth in bytes per cycle, shared by all cores (at least 0.001). Default (null): "
                          "unlimited, compute-only timing.")


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


def _known_table(value):
    """A table named by a string must be the built-in one."""
    if isinstance(value, str) and value != sram.BUILT_IN:
        raise ValueError(f"unknown table {value!r}: the built-in one is {sram.BUILT_IN!r}, or give the numbers")
    return value


def _increasing_capacities(points):
    if isinstance(points, tuple):
        kib = [p.kib for p in points]
        if any(b <= a for a, b in zip(kib, kib[1:])):
            raise ValueError("capacities (kib) must increase from point to point")
    return points


class CapacityPoint(_Strict):
    """One point of a buffer's energy-per-access curve."""

    kib: Annotated[float, Field(gt=0, le=1 << 30, allow_inf_nan=False), Number] = Field(
        description="Buffer capacity in KiB.")
    energy: Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False), Number] = Field(
        description="Energy of one word access at that capacity, in the config's unit.")


class StaticPower(_Strict):
    """Leakage power, in the config's energy unit per microsecond (pJ/us = uW)."""

    per_pe: Cost = Field(description="Leakage of one PE (its MAC and register file), per microsecond.")
    per_buffer_kib: Cost = Field(description="Leakage of one KiB of global buffer, per microsecond.")


class Energy(_Strict):
    """Energy per access of one word at each level, normalized to a MAC (Eyeriss, ISCA 2016,
    Table IV) unless ``unit`` is pJ, and the conventions that decide what counts as an access.
    Sources and the legacy values: docs/model.md, "Energy"."""

    unit: Literal["mac_normalized", "pJ"] = Field(
        "mac_normalized", description="Unit of the costs below: mac_normalized (one 16-bit MAC = 1; default) or pJ "
                                      "(reports then show pJ and uJ).")
    mac: Cost = Field(1.0, description="Energy of one MAC; also one vector-unit operation (default 1: the unit, "
                                       "Eyeriss ISCA 2016 Table IV).")
    register_file: Cost = Field(1.0, description="Energy of one register-file access, per word (default 1: Eyeriss "
                                                 "Table IV, 0.5 kB RF).")
    inter_pe: Cost = Field(2.0, description="Energy of one delivery over a multicast network (Eyeriss \"array\", "
                                            "Table IV), per word; the systolic presets do not use it (default 2).")
    inter_pe_hop: Cost = Field(INTER_PE_HOP, description="Energy of one systolic neighbour hop (wire + pipeline "
                                                         "register), per word and PE-to-PE link (default 0.1; "
                                                         "derivation in docs/model.md, \"Energy\").")
    global_buffer: Cost | None = Field(
        None, description=f"Energy of one global-buffer access, per word (default {GLOBAL_BUFFER:g}: Eyeriss Table IV, "
                          f"100-500 kB, unless global_buffer_by_capacity prices it by capacity).")
    dram: Cost = Field(200.0, description="Energy of one DRAM access, per word (default 200: Eyeriss Table IV).")
    register_file_accesses: Literal["on_change", "per_mac"] = Field(
        "on_change", description="What counts as a register-file access. on_change (default): each time a value is "
                                 "written into a PE (a stationary operand once per load, the os accumulator once per "
                                 "MAC); per_mac: every operand read at every MAC (Eyeriss's count).")
    load_drain_hops: bool = Field(True, description="Charge the hops that load ws/is stationary operands down the "
                                                    "rows and drain os outputs (default true).")
    # Opt-in: off in every shipped preset, so their numbers do not move (docs/model.md, "Energy").
    global_buffer_by_capacity: Annotated[tuple[CapacityPoint, ...], Field(min_length=2)] | Literal[sram.BUILT_IN] | None = Field(
        None, description=f"The global buffer's energy per word access as a function of its capacity "
                          f"(memory.global_buffer_kib), interpolated log-log between points and extended along the "
                          f"end segments; replaces global_buffer. '{sram.BUILT_IN}': CACTI 7 at 65 nm "
                          f"(benchmarks/cacti_buffer_table.py), in the config's unit; or a list of {{kib, energy}} "
                          f"points. Default (null): global_buffer, whatever the capacity.")
    static_power: StaticPower | Literal[sram.BUILT_IN] | None = Field(
        None, description=f"Leakage charged over the run time, in the config's energy unit per microsecond (pJ/us = "
                          f"uW): per PE and per KiB of global buffer. '{sram.BUILT_IN}': CACTI 7 at 65 nm (a PE's "
                          f"register file and the buffer's SRAM; the MAC's leakage is not included). Default (null): "
                          f"no static energy.")

    _known_table = field_validator("global_buffer_by_capacity", "static_power", mode="before")(_known_table)
    _increasing = field_validator("global_buffer_by_capacity")(_increasing_capacities)

    @model_validator(mode="after")
    def _one_buffer_cost(self) -> "Energy":
        if self.global_buffer_by_capacity is not None and self.global_buffer is not None:
            raise ValueError("give global_buffer or global_buffer_by_capacity, not both")
        return self


class AreaPoint(_Strict):
    """One point of a buffer's area curve."""

    kib: Annotated[float, Field(gt=0, le=1 << 30, allow_inf_nan=False), Number] = Field(
        description="Buffer capacity in KiB.")
    mm2: Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False), Number] = Field(
        description="The buffer's area at that capacity, in mm^2.")


Um2 = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False), Number]


class Area(_Strict):
    """Silicon area (hardware/area.py; sources and what is left out: docs/model.md, "Area").
    Every default is a published number scaled to ``technology_nm``; an override is taken as
    given, at the config's node."""

    technology_nm: Annotated[float, Field(ge=1, le=1000, allow_inf_nan=False), Number] = Field(
        65.0, description="Technology node in nm the defaults are scaled to, by the square of the feature size "
                          "(default 65: CACTI's table and Eyeriss's process).")
    mac_um2: Um2 | None = Field(
        None, description="Area of one PE's MAC unit in um^2. Default (null): a word_bits multiplier and a "
                          "2 x word_bits adder from the Aladdin table (40 nm) at the clock's period, scaled (16-bit, "
                          "500 MHz, 65 nm: 3,866).")
    register_file_um2: Um2 | None = Field(
        None, description="Area of one PE's register file in um^2. Default (null): CACTI 7 SRAM of "
                          "memory.register_file_bytes (512 bytes at 65 nm: 4,499).")
    inter_pe_um2: Um2 | None = Field(
        None, description="Area of one PE's share of the inter-PE network in um^2: the pipeline registers that pass "
                          "operands on. Default (null): 3 words of Aladdin flip-flops (40 nm), scaled (16-bit at "
                          "65 nm: 758).")
    global_buffer_by_capacity: Annotated[tuple[AreaPoint, ...], Field(min_length=2)] | Literal[sram.BUILT_IN] = Field(
        sram.BUILT_IN, description=f"The global buffer's area as a function of memory.global_buffer_kib: "
                                   f"'{sram.BUILT_IN}' (default; CACTI 7, scaled to technology_nm) or a list of "
                                   f"{{kib, mm2}} points, interpolated log-log.")
    per_core_mm2: Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False), Number] = Field(
        0.0, description="Fixed area of each core besides its PEs (control, sequencer, edge buffers), in mm^2 "
                         "(default 0: not modelled).")

    _known_table = field_validator("global_buffer_by_capacity", mode="before")(_known_table)
    _increasing = field_validator("global_buffer_by_capacity")(_increasing_capacities)


class Hardware(_Strict):
    """An accelerator: identical PE-array cores sharing a global buffer and DRAM, a dataflow,
    a clock, a vector unit and per-access energies (docs/model.md)."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        "accelerator", description="The config's name, shown in reports.")
    description: Annotated[str, Field(max_length=10_000)] = Field(
        "", description="Free text about the config (sources, assumptions), shown by `sqnxt-sim hws`.")
    pe_array: PEArray = Field(description="Rows and columns of PEs of each core.")
    cores: Count = Field(1, description="Identical PE arrays sharing the global buffer and DRAM (default 1). "
                                        "A chip has at most 4,194,304 PEs (rows x cols x cores).")
    dataflow: DataflowName = Field(
        "os", description=f"The dataflow: one of {', '.join(dataflows.names())}, or {dataflows.BEST} (per layer, "
                          "the candidate with the fewest cycles). Default: os.")
    best_of: Annotated[tuple[CandidateName, ...], Field(min_length=1)] | None = Field(
        None, description="The dataflows best chooses among, each at most once. Default (null): every "
                          "registered dataflow.")
    clock_mhz: Annotated[float, Field(ge=1e-3, le=1e6, allow_inf_nan=False), Number] = Field(
        500.0, description="Clock frequency in MHz (at least 0.001): converts cycles to time.")
    word_bits: Annotated[int, Field(gt=0, le=64, strict=True)] = Field(
        16, description="Bits per word of every operand (1 to 64): bytes of DRAM traffic, words of the buffer "
                        "and register file.")
    memory: Memory = Field(Memory(), description="Register files, global buffer and DRAM bandwidth.")
    energy: Energy = Field(Energy(), description="Energy per word access at each level, and what counts as an "
                                                 "access.")
    area: Area = Field(Area(), description="Silicon area of each part, for area_mm2 and budget-constrained sweeps "
                                           "(defaults: published numbers at 65 nm).")
    vector_unit: VectorUnit = Field(
        VectorUnit(), description="Where pooling, element-wise ops, normalization and data movement run, and "
                                  "what each function costs.")
    # Modelling options, off by default: SCALE-Sim's assumptions (docs/model.md, "Fold overlap
    # and packed groups").
    fold_overlap: Annotated[bool, Field(strict=True)] = Field(
        False, description="Consecutive folds overlap their fill and drain. Off (default): SCALE-Sim's "
                           "assumption, each fold fills and drains.")
    pack_groups: Annotated[bool, Field(strict=True)] = Field(
        False, description="Several groups of a grouped or depthwise convolution share the array "
                           "block-diagonally (ws, is; os cannot; rs packs always). Off (default): groups run one "
                           "at a time, as SCALE-Sim.")

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
    """Read and validate a hardware YAML file; errors name the file and key (InputError).
    ``resolve_hardware`` also takes the name of a shipped config (``32pe_os``)."""
    return hardware_from_dict(read_yaml_mapping(path), str(path))
