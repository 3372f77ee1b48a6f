"""The accelerator description: a pydantic model validated at the boundary.

Units are in the key names. Unknown keys are rejected, so a typo never silently falls back
to a default.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from ..errors import InputError, describe_pydantic_error
from ..yamlfile import check_plain_data, read_yaml_mapping

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


class Dataflow(str, Enum):
    OS = "os"  # output stationary: pixels on rows, output channels on columns
    WS = "ws"  # weight stationary: reduction on rows, output channels on columns
    IS = "is"  # input stationary: reduction on rows, pixels on columns
    BEST = "best"  # per layer, the preset with the fewest cycles (ties: least energy)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PEArray(_Strict):
    rows: Count
    cols: Count

    @property
    def pes(self) -> int:
        return self.rows * self.cols


class Memory(_Strict):
    register_file_bytes: Annotated[int, Field(gt=0, le=1 << 30, strict=True)] = 512  # per PE
    global_buffer_kib: Annotated[float, Field(gt=0, le=1 << 30, allow_inf_nan=False), Number] = 128
    # Share of the buffer that may hold activations kept on chip between layers; the rest
    # stages each layer's tiles. 0: every layer stages with the whole buffer (as a single-layer
    # study, or a peer tool given one layer, assumes).
    activation_share: Annotated[float, Field(ge=0, le=0.9, allow_inf_nan=False), Number] = 0.5
    # Shared by all cores; null means unlimited (compute-only timing). The lower bound (like
    # the clock's) rules out values such as 1e-300 that make times infinite.
    dram_bandwidth_bytes_per_cycle: Annotated[float, Field(ge=1e-3, le=1e9, allow_inf_nan=False), Number] | None = None


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
    name: Annotated[str, Field(min_length=1)] = "accelerator"
    description: str = ""
    pe_array: PEArray
    cores: Count = 1
    dataflow: Dataflow = Dataflow.OS
    clock_mhz: Annotated[float, Field(ge=1e-3, le=1e6, allow_inf_nan=False), Number] = 500.0
    word_bits: Annotated[int, Field(gt=0, le=64, strict=True)] = 16
    memory: Memory = Memory()
    energy: Energy = Energy()

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

    @property
    def pes(self) -> int:
        return self.pe_array.pes * self.cores


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
