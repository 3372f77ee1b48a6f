"""The accelerator description: a pydantic model validated at the boundary.

Units are in the key names. Unknown keys are rejected, so a typo never silently falls back
to a default.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InputError, describe_pydantic_error
from ..yamlfile import read_yaml_mapping

Count = Annotated[int, Field(gt=0, le=65_536, strict=True)]
Cost = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]


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
    global_buffer_kib: Annotated[float, Field(gt=0, le=1 << 30, allow_inf_nan=False)] = 128
    # Shared by all cores; null means unlimited (compute-only timing).
    dram_bandwidth_bytes_per_cycle: Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False)] | None = None


class Energy(_Strict):
    """Energy per access of one word at each level (Eyeriss, ISCA 2016, normalized to a MAC)."""

    unit: Literal["mac_normalized", "pJ"] = "mac_normalized"
    mac: Cost = 1.0
    register_file: Cost = 1.0
    inter_pe: Cost = 2.0
    global_buffer: Cost = 6.0
    dram: Cost = 200.0


class Hardware(_Strict):
    name: Annotated[str, Field(min_length=1)] = "accelerator"
    description: str = ""
    pe_array: PEArray
    cores: Count = 1
    dataflow: Dataflow = Dataflow.OS
    clock_mhz: Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)] = 500.0
    word_bits: Annotated[int, Field(gt=0, le=64, strict=True)] = 16
    memory: Memory = Memory()
    energy: Energy = Energy()

    @property
    def pes(self) -> int:
        return self.pe_array.pes * self.cores

    @property
    def word_bytes(self) -> float:
        return self.word_bits / 8


def hardware_from_dict(data: dict[str, Any], source: str = "<dict>") -> Hardware:
    try:
        return Hardware.model_validate(data)
    except ValidationError as error:
        raise describe_pydantic_error(source, error) from None


def load_hardware(path: str | Path) -> Hardware:
    return hardware_from_dict(read_yaml_mapping(path), str(path))
