"""Search the SqueezeNext family on one accelerator, or on a grid of them (the joint search).

A search space file (YAML) says, relative to a base family network (``base:``, default
``sqnxt23_v1``), which values of the family's parameters to try::

    base: sqnxt23_v1
    blocks: {total: 21, min_per_stage: 1}     # or [[6, 6, 8, 1], [2, 4, 14, 1]], or per_stage ranges
    stem_kernel: [5, 7]
    first_block: [projection, shared]
    width_multiplier: [1.0]                   # stage widths = round(base width x m) to a multiple of 4
    groups: [1]                               # candidates whose groups do not divide the channels: skipped
    max_macs: 300000000                       # candidates over a constraint are cut, not evaluated
    max_params: 1000000

Every combination is a candidate, numbered in enumeration order (block layouts in
lexicographic order, then stem kernel, first block, width multiplier, groups, each in the
file's order; the last varies fastest). Each candidate network is built and prepared once
and evaluated against the whole column of hardware configurations (one vectorized engine
call per network and grid chunk, :func:`sqnxt_sim.sweep.run_chunk`), so the numbers equal
``simulate`` and a sweep's exactly.

Width multiplier rule: each stage width becomes ``4 * floor(width * m / 4 + 1/2)`` (round half
up to a multiple of 4, at least 4); the stem's 64 channels and the head's 128 stay, as in the
authors' 2.0-SqNxt-23 and 2.0-SqNxt-23v5. So multiplier 1.0 is the base and 2.0 on
sqnxt23_v1 is sqnxt23_w2.

Entry points: :func:`load_space` / :func:`space_from_dict`, :func:`run_search` (a
:class:`SearchResult`), :func:`search_family` (plain rows), :func:`search_fronts` and
:func:`reference_finding` (does the search find v5's layout, or better at its budget?).
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Callable, Iterator, Literal, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..engine.simulate import prepare, simulate
from ..errors import InputError, describe_pydantic_error, one_line_text
from ..hardware.config import Hardware
from ..hardware.load import resolve_hardware
from ..paths import data_dir, find_named_file, shipped_names
from ..sweep import (CHUNK_CONFIGS, MAX_CHUNK_CELLS, Grid, configurations, grid_from_dict, in_order, load_grid,
                     quiet_on_signals, run_chunk, validate_grid)
from ..workload.load import load_network, network_from_dict
from ..workload.netfile import MAX_FAMILY_BLOCKS, SqueezeNextFamily
from ..yamlfile import path_exists, read_yaml_mapping

MAX_CANDIDATES = 1_000_000  # about 1.5 h of network building on one worker; more is a typo
MAX_EVALUATIONS = 5_000_000  # candidates x configurations: the rows are held in memory (~0.9 kB each at the peak)
BLOCK_CANDIDATES = 48  # candidates per work item: built once per worker, evaluated per grid chunk
HEADER_KEYS = ("name", "description", "reconstruction")  # family-file keys that do not change the network
FRONTS = (("cycles", "macs"), ("cycles", "params"), ("energy", "macs"), ("energy", "params"))  # (y, x): minimize both
CANDIDATE_COLUMNS = ("candidate", "network", "known_as", "blocks", "stem_kernel", "first_block", "width_multiplier",
                     "widths", "groups", "macs", "params", "layers")
_SINGLE_KEY = "clock_mhz"  # the one-combination grid a search on one accelerator runs (set to the base's value)


# ----------------------------------------------------------------------------- the space file


_Positive = Annotated[int, Field(gt=0, le=10**15)]


class _SpaceFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    base: str = Field("sqnxt23_v1", min_length=1, max_length=1000,
                      description="The family network the space varies: a zoo name or a path (relative paths: "
                                  "beside the space file first).")
    description: str = Field("", max_length=10_000, description="Free text about the space.")
    blocks: Any = Field(None, description="Block layouts: a list of per-stage lists (or '6-6-8-1' strings), or a "
                                          "mapping {total, min_per_stage, max_per_stage, per_stage}.")
    stem_kernel: list[_Positive] | None = Field(None, min_length=1, max_length=64)
    first_block: list[Literal["projection", "shared"]] | None = Field(None, min_length=1, max_length=2)
    width_multiplier: list[float] | None = Field(None, min_length=1, max_length=64)
    groups: list[_Positive] | None = Field(None, min_length=1, max_length=64)
    max_macs: _Positive | None = None
    max_params: _Positive | None = None


@dataclass(frozen=True)
class BlockChoice:
    """The block layouts of a space: an explicit list, or per-stage ranges [lo, hi] (inclusive)
    optionally constrained to a total."""

    explicit: tuple[tuple[int, ...], ...] | None = None
    ranges: tuple[tuple[int, int], ...] = ()
    total: int | None = None

    @property
    def count(self) -> int:
        if self.explicit is not None:
            return len(self.explicit)
        if self.total is None:
            return math.prod(hi - lo + 1 for lo, hi in self.ranges)
        ways = {0: 1}  # sum so far -> number of prefixes reaching it
        for lo, hi in self.ranges:
            nxt: dict[int, int] = {}
            for done, n in ways.items():
                for count in range(lo, min(hi, self.total - done) + 1):
                    nxt[done + count] = nxt.get(done + count, 0) + n
            ways = nxt
        return ways.get(self.total, 0)

    def layouts(self) -> Iterator[tuple[int, ...]]:
        """Every layout, in lexicographic order (the first stage varies slowest)."""
        if self.explicit is not None:
            yield from self.explicit
        elif self.total is None:
            yield from itertools.product(*(range(lo, hi + 1) for lo, hi in self.ranges))
        else:
            yield from _compositions(self.ranges, self.total)


def _compositions(ranges: Sequence[tuple[int, int]], total: int) -> Iterator[tuple[int, ...]]:
    if not ranges:
        if total == 0:
            yield ()
        return
    (lo, hi), rest = ranges[0], ranges[1:]
    rest_lo = sum(r[0] for r in rest)
    rest_hi = sum(r[1] for r in rest)
    for count in range(max(lo, total - rest_hi), min(hi, total - rest_lo) + 1):
        for tail in _compositions(rest, total - count):
            yield (count, *tail)


@dataclass(frozen=True)
class Candidate:
    """One point of the space (``id``: its index in the enumeration, skipped ones included)."""

    id: int
    blocks: tuple[int, ...]
    stem_kernel: int
    first_block: str
    width_multiplier: float
    groups: int
    widths: tuple[int, ...]

    @property
    def layout(self) -> str:
        return "-".join(map(str, self.blocks))

    @property
    def name(self) -> str:
        return (f"c{self.id}_{self.layout}_k{self.stem_kernel}_{self.first_block}_w{self.width_multiplier!r}"
                f"_g{self.groups}")

    def text(self) -> str:
        return (f"blocks {self.layout}, stem {self.stem_kernel}x{self.stem_kernel}, {self.first_block}, "
                f"width x{self.width_multiplier:g}, groups {self.groups}")


@dataclass(frozen=True)
class SearchSpace:
    """A validated search space: the base family network (``base_data``, a normalized family
    mapping) and the values each parameter takes."""

    source: str
    base: str  # the base family file's path
    base_data: dict[str, Any]
    blocks: BlockChoice
    stem_kernel: tuple[int, ...]
    first_block: tuple[str, ...]
    width_multiplier: tuple[float, ...]
    groups: tuple[int, ...]
    max_macs: int | None = None
    max_params: int | None = None
    description: str = ""

    @property
    def base_name(self) -> str:
        return str(self.base_data["name"])

    @property
    def size(self) -> int:
        """Candidates enumerated (skipped ones included)."""
        return self.blocks.count * len(self.stem_kernel) * len(self.first_block) * len(self.width_multiplier) * len(self.groups)

    def factors(self) -> dict[str, int]:
        return {"blocks": self.blocks.count, "stem_kernel": len(self.stem_kernel), "first_block": len(self.first_block),
                "width_multiplier": len(self.width_multiplier), "groups": len(self.groups)}

    def candidates(self) -> Iterator[Candidate]:
        base_widths = self.base_data["widths"]
        widths = {m: tuple(scaled_width(w, m) for w in base_widths) for m in self.width_multiplier}
        index = 0
        for layout in self.blocks.layouts():
            for kernel, first, multiplier, groups in itertools.product(self.stem_kernel, self.first_block,
                                                                      self.width_multiplier, self.groups):
                yield Candidate(index, tuple(layout), kernel, first, multiplier, groups, widths[multiplier])
                index += 1

    def skips(self, candidate: Candidate) -> bool:
        """True when the candidate's groups do not divide the stem channels and every width/4 (the
        family's rule: grouped convs read those channels)."""
        channels = [self.base_data["stem"]["channels"]] + [w // 4 for w in candidate.widths]
        return any(c % candidate.groups for c in channels)

    def network_data(self, candidate: Candidate) -> dict[str, Any]:
        """The candidate as a family network mapping (``network_from_dict`` builds it)."""
        return candidate_data(self.base_data, candidate)


def scaled_width(width: int, multiplier: float) -> int:
    """A stage width times ``multiplier``, rounded half up to a multiple of 4 (at least 4)."""
    return max(4, 4 * math.floor(width * multiplier / 4 + 0.5))


def candidate_data(base_data: dict[str, Any], candidate: Candidate) -> dict[str, Any]:
    return {**base_data, "name": candidate.name,
            "description": f"search candidate {candidate.id} from {base_data['name']}: {candidate.text()}",
            "stem": {**base_data["stem"], "kernel": candidate.stem_kernel}, "widths": list(candidate.widths),
            "blocks": list(candidate.blocks), "first_block": candidate.first_block, "groups": candidate.groups}


def family_counts(base_data: dict[str, Any], candidate: Candidate) -> tuple[int, int] | None:
    """(MACs, weights) of a candidate, worked out from the family's shapes without building it,
    so constraints cut candidates before any build; None when a layer would have no output
    (the build then says why). Every built candidate is checked against these numbers.

    The shapes: the stem kxk/stride conv has no padding; the 3x3/2 max pool rounds up (Caffe);
    a stage's stride sits on its first block's 1x1 convs (projection and main conv 1, or the
    shared conv); the separable convs keep the size; the head's 1x1 conv and the FC follow the
    global average pool's 1x1.
    """
    from ..workload.layer import conv_output_size

    image = base_data["input"]
    batch, h, w = image["batch"], image["height"], image["width"]
    stem = base_data["stem"]
    macs = weights = 0

    def conv(out: int, into: int, r: int, s: int, groups: int, p: int, q: int) -> None:
        nonlocal macs, weights
        count = out * (into // groups) * r * s
        weights += count
        macs += batch * count * p * q

    kernel = candidate.stem_kernel
    h, w = conv_output_size(h, kernel, stem["stride"], 0), conv_output_size(w, kernel, stem["stride"], 0)
    conv(stem["channels"], image["channels"], kernel, kernel, 1, h, w)
    if min(h, w) < 3:
        return None
    h, w = conv_output_size(h, 3, 2, 0, True), conv_output_size(w, 3, 2, 0, True)
    channels, g = stem["channels"], candidate.groups
    for width, count, stride in zip(candidate.widths, candidate.blocks, base_data["strides"]):
        for index in range(count):
            step = stride if index == 0 else 1
            p, q = conv_output_size(h, 1, step, 0), conv_output_size(w, 1, step, 0)
            if index == 0:
                conv(width, channels, 1, 1, 1, p, q)  # the projection shortcut, or the shared conv
                if candidate.first_block == "shared":
                    channels = width
            conv(width // 2, channels, 1, 1, g, p, q)
            conv(width // 4, width // 2, 1, 1, 1, p, q)
            conv(width // 2, width // 4, 3, 1, g, p, q)
            conv(width // 2, width // 2, 1, 3, g, p, q)
            conv(width, width // 2, 1, 1, 1, p, q)
            h, w, channels = p, q, width
    conv(base_data["head_channels"], channels, 1, 1, 1, h, w)
    conv(base_data["classes"], base_data["head_channels"], 1, 1, 1, 1, 1)
    return macs, weights


def load_space(path: str | Path) -> SearchSpace:
    """Read a search space file (YAML); errors name the file and the key (InputError)."""
    return space_from_dict(read_yaml_mapping(path), str(path))


def space_from_dict(data: dict[str, Any], source: str = "<space>") -> SearchSpace:
    """A :class:`SearchSpace` from a mapping (the space file's contents). Raises InputError naming
    ``source`` and the key."""
    if not isinstance(data, dict):
        raise InputError(source, None, "top level must be a mapping of keys")
    try:
        spec = _SpaceFile.model_validate(data)
    except ValidationError as error:
        raise describe_pydantic_error(source, error) from None
    for key in ("stem_kernel", "first_block", "width_multiplier", "groups"):
        values = getattr(spec, key)
        if values is not None and len(set(values)) != len(values):
            raise InputError(source, key, "lists a value twice")
    if spec.width_multiplier is not None:
        bad = next((m for m in spec.width_multiplier if not (0 < m <= 64) or not math.isfinite(m)), None)
        if bad is not None:
            raise InputError(source, "width_multiplier", f"each multiplier must be above 0 and at most 64 (got {bad!r})")
    base_path, base_data = _base_family(spec.base, source)
    stages = len(base_data["widths"])
    blocks = _blocks_choice(spec.blocks, stages, tuple(base_data["blocks"]), source)
    space = SearchSpace(
        source=source, base=str(base_path), base_data=base_data, blocks=blocks,
        stem_kernel=tuple(spec.stem_kernel or [base_data["stem"]["kernel"]]),
        first_block=tuple(spec.first_block or [base_data["first_block"]]),
        width_multiplier=tuple(float(m) for m in (spec.width_multiplier or [1.0])),
        groups=tuple(spec.groups or [base_data["groups"]]),
        max_macs=spec.max_macs, max_params=spec.max_params, description=spec.description)
    if blocks.count == 0:
        raise InputError(source, "blocks", "no block layout meets the total and the per-stage ranges")
    if space.size > MAX_CANDIDATES:
        raise InputError(source, None, f"{space.size:,} candidates ({_factors_text(space)}); a search takes at most "
                                       f"{MAX_CANDIDATES:,}")
    return space


def _factors_text(space: SearchSpace) -> str:
    return " x ".join(f"{key} {n:,}" for key, n in space.factors().items())


def _base_family(base: str, source: str) -> tuple[Path, dict[str, Any]]:
    """The base family file (beside the space file first, then as given or the zoo name),
    validated and normalized (defaults filled in)."""
    beside = Path(source).parent / base
    candidate = beside if not Path(base).is_absolute() and source != "<space>" and path_exists(beside) and beside.is_file() else None
    try:
        path = candidate or find_named_file(base, "networks", source, "network")
    except InputError as error:
        raise InputError(source, "base", error.problem) from None
    data = read_yaml_mapping(path)
    if data.get("family") != "squeezenext":
        raise InputError(source, "base", f"{one_line_text(str(path), 200)} is not a SqueezeNext family file "
                                         "(family: squeezenext)")
    try:
        spec = SqueezeNextFamily.model_validate(data)
    except ValidationError as error:
        raise describe_pydantic_error(str(path), error) from None
    return Path(path), spec.model_dump(mode="json")


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_FAMILY_BLOCKS


_BLOCK_KEYS = ("total", "min_per_stage", "max_per_stage", "per_stage")


def _blocks_choice(value: Any, stages: int, base: tuple[int, ...], source: str) -> BlockChoice:
    if value is None:
        return BlockChoice(explicit=(base,))
    if isinstance(value, list):
        return _explicit_layouts(value, stages, source)
    if not isinstance(value, dict):
        raise InputError(source, "blocks", "must be a list of per-stage block lists or a mapping of "
                                           f"{', '.join(_BLOCK_KEYS)}")
    for key in value:
        if key not in _BLOCK_KEYS:
            raise InputError(source, f"blocks.{one_line_text(key, 60)}", f"unknown key; known: {', '.join(_BLOCK_KEYS)}")
    total = value.get("total")
    if total is not None and not _is_count(total):
        raise InputError(source, "blocks.total", f"must be an integer from 1 to {MAX_FAMILY_BLOCKS:,} (got {total!r})")
    if "per_stage" in value:
        for key in ("min_per_stage", "max_per_stage"):
            if key in value:
                raise InputError(source, f"blocks.{key}", "give per_stage ranges or min/max_per_stage, not both")
        ranges = _per_stage(value["per_stage"], stages, source)
    else:
        if total is None:
            raise InputError(source, "blocks", "give total (with min_per_stage, max_per_stage) or per_stage ranges")
        low = value.get("min_per_stage", 1)
        if not _is_count(low):
            raise InputError(source, "blocks.min_per_stage", f"must be an integer from 1 to {MAX_FAMILY_BLOCKS:,} "
                                                             f"(got {low!r})")
        high = value.get("max_per_stage", total)
        if not _is_count(high) or high < low:
            raise InputError(source, "blocks.max_per_stage", f"must be an integer from min_per_stage to "
                                                             f"{MAX_FAMILY_BLOCKS:,} (got {high!r})")
        ranges = tuple((low, high) for _ in range(stages))
    if total is not None and total > MAX_FAMILY_BLOCKS:
        raise InputError(source, "blocks.total", f"at most {MAX_FAMILY_BLOCKS:,} blocks")
    if total is None and sum(hi for _lo, hi in ranges) > MAX_FAMILY_BLOCKS:
        raise InputError(source, "blocks.per_stage", f"up to {sum(hi for _lo, hi in ranges):,} blocks in all; the "
                                                     f"family's limit is {MAX_FAMILY_BLOCKS:,} (give a total)")
    return BlockChoice(ranges=ranges, total=total)


def _per_stage(value: Any, stages: int, source: str) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list) or len(value) != stages:
        raise InputError(source, "blocks.per_stage", f"must be a list of {stages} ranges [low, high] (or fixed "
                                                     f"counts), one per stage of the base")
    ranges = []
    for index, entry in enumerate(value):
        if _is_count(entry):
            entry = [entry, entry]
        if not (isinstance(entry, list) and len(entry) == 2 and all(map(_is_count, entry)) and entry[0] <= entry[1]):
            raise InputError(source, f"blocks.per_stage[{index}]", f"must be [low, high] with 1 <= low <= high <= "
                                                                   f"{MAX_FAMILY_BLOCKS:,}, or one count (got "
                                                                   f"{one_line_text(repr(entry), 60)})")
        ranges.append((entry[0], entry[1]))
    return tuple(ranges)


def _explicit_layouts(value: list, stages: int, source: str) -> BlockChoice:
    if not value:
        raise InputError(source, "blocks", "must list at least one block layout")
    if len(value) > MAX_CANDIDATES:
        raise InputError(source, "blocks", f"lists {len(value):,} layouts; at most {MAX_CANDIDATES:,}")
    layouts = []
    for index, entry in enumerate(value):
        if isinstance(entry, str):
            parts = entry.split("-")
            entry = [int(p) if p.isdigit() else p for p in parts]
        if not (isinstance(entry, list) and len(entry) == stages and all(map(_is_count, entry))
                and sum(entry) <= MAX_FAMILY_BLOCKS):
            raise InputError(source, f"blocks[{index}]", f"must be {stages} block counts, one per stage of the base "
                                                         f"(positive, at most {MAX_FAMILY_BLOCKS:,} in all), as a "
                                                         f"list or '6-6-8-1' (got {one_line_text(repr(entry), 60)})")
        layouts.append(tuple(entry))
    if len(set(layouts)) != len(layouts):
        raise InputError(source, "blocks", "lists a layout twice")
    return BlockChoice(explicit=tuple(layouts))


# ----------------------------------------------------------------------------- known networks


def family_key(data: dict[str, Any]) -> str:
    """What makes two family mappings the same network (everything but name, description and
    the reconstruction flag), as text."""
    normalized = SqueezeNextFamily.model_validate(data).model_dump(mode="json")
    return json.dumps({k: v for k, v in normalized.items() if k not in HEADER_KEYS}, sort_keys=True)


@lru_cache(maxsize=1)
def _zoo() -> tuple[dict[str, str], frozenset[str]]:
    """Family key -> zoo name of every shipped SqueezeNext family network, and the names of
    those that are reconstructions (not published definitions)."""
    known, rebuilt = {}, set()
    for name in shipped_names("networks"):
        try:
            data = read_yaml_mapping(data_dir("networks") / f"{name}.yaml")
            if data.get("family") == "squeezenext":
                known.setdefault(family_key(data), name)
                if data.get("reconstruction"):
                    rebuilt.add(name)
        except (InputError, ValidationError):
            continue
    return known, frozenset(rebuilt)


def _zoo_families() -> dict[str, str]:
    return _zoo()[0]


def display_name(known_as: str) -> str:
    """A known_as value as shown in text and figures: a reconstruction (v2..v4) says so."""
    return f"{known_as} (reconstruction)" if known_as in _zoo()[1] else known_as


def _known_as(space: SearchSpace, candidate: Candidate, base_key: str) -> str:
    key = family_key(candidate_data(space.base_data, candidate))
    return _zoo_families().get(key) or (space.base_name if key == base_key else "")


# ----------------------------------------------------------------------------- running


@dataclass(frozen=True)
class _Job:
    """Candidates x grid combinations [start, stop): what one worker call evaluates."""

    source: str
    base_data: dict[str, Any]
    candidates: tuple[Candidate, ...]
    hardware: Hardware
    grid: Grid
    start: int
    stop: int
    max_macs: int | None
    max_params: int | None
    expected: tuple[tuple[int, int] | None, ...] = ()  # family_counts of each candidate


@dataclass
class _JobResult:
    start: int
    counts: dict[int, tuple[int, int, int]]  # candidate id -> (macs, params, layers), every built candidate
    cut: tuple[int, ...]  # candidate ids over a constraint
    columns: dict[str, np.ndarray]  # candidate, config, grid columns, totals (one entry per evaluation)


_PREPARED: OrderedDict = OrderedDict()  # per process: the last few candidate blocks, built once for all grid chunks
_PREPARED_BLOCKS = 2


def _prepared(job: _Job):
    key = (job.source, json.dumps(job.base_data, sort_keys=True), tuple(c.id for c in job.candidates), job.max_macs,
           job.max_params)
    if key in _PREPARED:
        _PREPARED.move_to_end(key)
        return _PREPARED[key]
    workloads, counts, cut = [], {}, []
    for position, candidate in enumerate(job.candidates):
        try:
            network = network_from_dict(candidate_data(job.base_data, candidate), f"{job.source} candidate {candidate.id}")
        except InputError as error:
            where = f": {error.field}" if error.field else ""
            raise InputError(job.source, f"candidate {candidate.id} ({candidate.text()})",
                             f"cannot be built{where}: {error.problem}") from None
        workload = prepare(network)
        macs, params = int(workload.table.macs.sum()), int(workload.table.weights.sum())
        expected = job.expected[position] if job.expected else None
        if expected is not None and expected != (macs, params):
            raise RuntimeError(f"sqnxt-sim bug: family_counts gives {expected} (MACs, weights) for candidate "
                               f"{candidate.id} ({candidate.text()}), the built network {(macs, params)}")
        counts[candidate.id] = (macs, params, len(workload.table))
        if (job.max_macs is not None and macs > job.max_macs) or (job.max_params is not None and params > job.max_params):
            cut.append(candidate.id)
        else:
            workloads.append((candidate.id, workload))
    _PREPARED[key] = entry = (workloads, counts, tuple(cut))
    while len(_PREPARED) > _PREPARED_BLOCKS:
        _PREPARED.popitem(last=False)
    return entry


def _run_job(job: _Job) -> _JobResult:
    """Build (or reuse) the job's candidates and evaluate the kept ones on its grid range."""
    workloads, counts, cut = _prepared(job)
    columns: dict[str, np.ndarray] = {}
    if workloads:
        ids = {workload.network.name: cid for cid, workload in workloads}
        chunk = run_chunk([w for _cid, w in workloads], job.hardware, job.grid, job.start, job.stop, False)
        rows = chunk.totals
        if rows:
            head = {"network", "batch", "config", *job.grid.columns}
            columns["candidate"] = np.array([ids[row["network"]] for row in rows], dtype=np.int64)
            columns["config"] = np.array([row["config"] for row in rows], dtype=np.int64)
            for key in job.grid.columns:
                columns[key] = _objects([row[key] for row in rows])
            for key in rows[0]:
                if key not in head:
                    columns[key] = np.array([row[key] for row in rows])
    return _JobResult(job.start, counts if job.start == 0 else {}, cut if job.start == 0 else (), columns)


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _in_order(jobs: Iterator[_Job], workers: int) -> Iterator[_JobResult]:
    if workers <= 1:
        try:
            for job in jobs:
                yield _run_job(job)
        finally:
            _PREPARED.clear()
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, initializer=quiet_on_signals) as pool:
        yield from in_order(lambda job: pool.submit(_run_job, job), jobs, 2 * workers)


@dataclass
class SearchResult:
    """What :func:`run_search` found. ``columns``: one array per output column, one entry per
    evaluated (candidate, configuration), candidate by candidate (configurations inside);
    ``rows()`` gives them as dicts."""

    space: SearchSpace
    hardware: Hardware
    grid: Grid | None  # None: one accelerator
    columns: dict[str, np.ndarray]
    total_columns: tuple[str, ...]  # the engine's totals present (sweep.TOTAL_COLUMNS)
    enumerated: int  # candidates in the space
    skipped: int  # groups do not divide the channels
    cut: int  # over max_macs / max_params
    evaluated: int  # candidates evaluated
    elapsed_s: float
    workers: int
    max_macs: int | None = None
    max_params: int | None = None
    eval_grid: Grid | None = field(default=None, repr=False)  # what ran (a one-combination grid on one accelerator)

    @property
    def joint(self) -> bool:
        return self.grid is not None

    @property
    def evaluations(self) -> int:
        return len(self.columns.get("candidate", ()))

    @property
    def configurations(self) -> int:
        return self.grid.size if self.grid is not None else 1

    @property
    def column_names(self) -> tuple[str, ...]:
        grid_part = ("config", *self.grid.columns) if self.grid is not None else ()
        return (*CANDIDATE_COLUMNS, *grid_part, *self.total_columns)

    def __len__(self) -> int:
        return self.evaluations

    def rows(self, indices: Sequence[int] | np.ndarray | None = None) -> list[dict[str, Any]]:
        """The rows (all, or those at ``indices``) as dicts of plain values, in column order."""
        names = self.column_names
        picked = {name: (self.columns[name] if indices is None else self.columns[name][np.asarray(indices, dtype=np.int64)])
                  for name in names}
        lists = [picked[name].tolist() for name in names]
        return [dict(zip(names, values)) for values in zip(*lists)]

    def row(self, index: int) -> dict[str, Any]:
        return self.rows([index])[0]

    def config_hardware(self, config: int | None) -> Hardware:
        """The hardware of a configuration of the grid (the base on one accelerator)."""
        if self.grid is None or config is None:
            return self.hardware
        return configurations(self.hardware, self.grid, config, config + 1)[0]


def _single_grid(hardware: Hardware) -> Grid:
    """One combination that sets a key to the base's own value: a search on one accelerator
    runs through the same chunk code as a joint search."""
    return grid_from_dict({_SINGLE_KEY: [hardware.model_dump(mode="json")[_SINGLE_KEY]]}, f"hardware config '{hardware.name}'")


def _as_space(space: SearchSpace | str | Path | dict) -> SearchSpace:
    if isinstance(space, SearchSpace):
        return space
    if isinstance(space, dict):
        return space_from_dict(space)
    return load_space(space)


def _as_grid(grid: Grid | str | Path | dict | None) -> Grid | None:
    if grid is None or isinstance(grid, Grid):
        return grid
    if isinstance(grid, dict):
        return grid_from_dict(grid)
    return load_grid(grid)


def _check_limit(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(name, None, f"must be a positive integer (got {value!r})")
    return value


def run_search(space: SearchSpace | str | Path | dict, hardware: Hardware | str, grid: Grid | str | Path | dict | None = None,
               *, workers: int = 1, max_macs: int | None = None, max_params: int | None = None,
               chunk: int = CHUNK_CONFIGS, progress: Callable[[int, int], None] | None = None) -> SearchResult:
    """Evaluate every candidate of ``space`` on ``hardware`` (or on every configuration of
    ``grid`` applied to it: the joint search).

    ``max_macs`` / ``max_params`` override the space file's constraints. ``workers`` local
    processes share the candidates; ``progress(done, total)`` is called after each work item
    with evaluations (upper bounds: cut candidates count as done). Rows do not depend on
    ``workers`` or ``chunk``. Raises InputError for a bad space, grid or candidate.

    Example::

        from sqnxt_sim.studies.search import run_search
        result = run_search("searches/sqnxt23_blocks.yaml", "32pe_os")
        result.evaluated, result.rows()[0]["cycles"]
    """
    started = time.perf_counter()
    space = _as_space(space)
    hardware = resolve_hardware(hardware) if isinstance(hardware, (str, Path)) else hardware
    grid = _as_grid(grid)
    if grid is not None:
        validate_grid(hardware, grid)
    max_macs = _check_limit(max_macs, "--max-macs") if max_macs is not None else space.max_macs
    max_params = _check_limit(max_params, "--max-params") if max_params is not None else space.max_params
    eval_grid = grid if grid is not None else _single_grid(hardware)
    all_candidates = list(space.candidates())
    active = [c for c in all_candidates if not space.skips(c)]
    skipped = len(all_candidates) - len(active)
    expected = {c.id: family_counts(space.base_data, c) for c in active}

    def over(counts: tuple[int, int] | None) -> bool:
        return counts is not None and ((max_macs is not None and counts[0] > max_macs)
                                       or (max_params is not None and counts[1] > max_params))

    pre_cut = sum(over(expected[c.id]) for c in active)
    active = [c for c in active if not over(expected[c.id])]
    if len(active) * eval_grid.size > MAX_EVALUATIONS:
        raise InputError(space.source, None, f"{len(active):,} candidates (after skips and cuts) x {eval_grid.size:,} "
                                             f"configurations = {len(active) * eval_grid.size:,} evaluations; a search "
                                             f"holds at most {MAX_EVALUATIONS:,} (narrow the space or the grid, or "
                                             "constrain MACs or params)")
    largest = max((5 + 7 * sum(c.blocks) for c in active), default=1)  # layers: stem 2, 6-7 per block, head 3
    grid_chunk = max(1, min(chunk, MAX_CHUNK_CELLS // largest))
    block = max(1, min(BLOCK_CANDIDATES, math.ceil(len(active) / max(1, workers * 4))))
    blocks = [tuple(active[i:i + block]) for i in range(0, len(active), block)]
    ranges = [(a, min(eval_grid.size, a + grid_chunk)) for a in range(0, eval_grid.size, grid_chunk)]
    jobs = (_Job(space.source, space.base_data, cands, hardware, eval_grid, a, b, max_macs, max_params,
                 tuple(expected[c.id] for c in cands)) for cands in blocks for a, b in ranges)
    total = len(active) * eval_grid.size
    pieces: dict[str, list[np.ndarray]] = {}
    counts: dict[int, tuple[int, int, int]] = {}
    cut: set[int] = set()
    done = 0
    job_sizes = iter([len(cands) * (b - a) for cands in blocks for a, b in ranges])
    for result in _in_order(jobs, workers):
        counts.update(result.counts)
        cut.update(result.cut)
        for key, values in result.columns.items():
            pieces.setdefault(key, []).append(values)
        done += next(job_sizes)
        if progress is not None:
            progress(done, total)
    total_columns = tuple(key for key in pieces if key not in ("candidate", "config", *eval_grid.columns))
    # One column at a time, each job's parts let go as it is joined: the peak is one copy, not two.
    engine = {key: _joined(pieces, key) for key in list(pieces)}
    columns = _assemble(space, active, counts, engine, eval_grid, grid is not None)
    return SearchResult(space, hardware, grid, columns, total_columns, len(all_candidates), skipped, pre_cut + len(cut),
                        len(active) - len(cut), time.perf_counter() - started, workers, max_macs, max_params, eval_grid)


def _joined(pieces: dict[str, list[np.ndarray]], key: str) -> np.ndarray:
    parts = pieces.pop(key)
    joined = np.concatenate(parts)
    parts.clear()
    return joined


def _assemble(space: SearchSpace, active: list[Candidate], counts: dict[int, tuple[int, int, int]],
              engine: dict[str, np.ndarray], eval_grid: Grid, joint: bool) -> dict[str, np.ndarray]:
    """Sort the engine's rows candidate by candidate and add the candidate's columns."""
    if not engine:
        names = (*CANDIDATE_COLUMNS, *(("config", *eval_grid.columns) if joint else ()))
        return {name: np.empty(0, dtype=object) for name in names}
    order = np.lexsort((engine["config"], engine["candidate"]))
    if np.any(order[1:] < order[:-1]):
        for key in list(engine):  # one column reordered at a time
            engine[key] = engine[key][order]
    ids = np.unique(engine["candidate"])
    by_id = {c.id: c for c in active}
    base_key = family_key(space.base_data)
    table = [by_id[int(i)] for i in ids]
    per_candidate = {
        "candidate": ids,
        "network": _objects([c.name for c in table]),
        "known_as": _objects([_known_as(space, c, base_key) for c in table]),
        "blocks": _objects([c.layout for c in table]),
        "stem_kernel": np.array([c.stem_kernel for c in table], dtype=np.int64),
        "first_block": _objects([c.first_block for c in table]),
        "width_multiplier": np.array([c.width_multiplier for c in table], dtype=np.float64),
        "widths": _objects(["-".join(map(str, c.widths)) for c in table]),
        "groups": np.array([c.groups for c in table], dtype=np.int64),
        "macs": np.array([counts[c.id][0] for c in table], dtype=np.int64),
        "params": np.array([counts[c.id][1] for c in table], dtype=np.int64),
        "layers": np.array([counts[c.id][2] for c in table], dtype=np.int64),
    }
    where = np.searchsorted(ids, engine["candidate"])
    columns = {key: values[where] for key, values in per_candidate.items()}
    if joint:
        columns["config"] = engine["config"]
        for key in eval_grid.columns:
            columns[key] = engine[key]
    for key, values in engine.items():
        if key not in columns and key not in ("config", *eval_grid.columns):
            columns[key] = values
    return columns


def search_family(space: SearchSpace | str | Path | dict, hardware: Hardware | str,
                  grid: Grid | str | Path | dict | None = None, **options: Any) -> list[dict[str, Any]]:
    """The search's rows as plain dicts (see :func:`run_search` for ``options``): candidate,
    network, known_as (a zoo name or the base's when the candidate is that network), blocks
    ('6-6-8-1'), stem_kernel, first_block, width_multiplier, widths, groups, macs, params,
    layers, [config and the grid keys], then the engine totals (cycles, time_ms, utilization,
    energy, ... as in a sweep)."""
    return run_search(space, hardware, grid, **options).rows()


# ----------------------------------------------------------------------------- fronts


def pareto_indices(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of the points no other point beats in both x and y (smaller is better; at
    least as good in both and better in one), by x. Of identical points the first is kept."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if not len(x):
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((np.arange(len(x)), y, x))
    ys = y[order]
    best_before = np.concatenate([[np.inf], np.minimum.accumulate(ys)[:-1]])
    return order[ys < best_before].astype(np.int64)


def front_name(y: str, x: str) -> str:
    return f"{y}_vs_{x}"


def search_fronts(result: SearchResult) -> dict[str, np.ndarray]:
    """Row indices on each Pareto front (``cycles_vs_macs``, ``cycles_vs_params``,
    ``energy_vs_macs``, ``energy_vs_params``: both objectives minimized), each by x. In a joint
    search the points are (candidate, configuration) pairs."""
    return {front_name(y, x): pareto_indices(result.columns[x], result.columns[y]) for y, x in FRONTS
            if x in result.columns and y in result.columns}


def base_params(space: SearchSpace) -> int:
    """Parameters (weights) of the space's base network, in or out of the space."""
    return int(network_from_dict(space.base_data, space.base).weights)


def best_within(result: SearchResult, max_params: int | None = None, by: str = "cycles",
                config: int | None = None) -> int | None:
    """The row index with the least ``by`` (ties: energy, cycles, candidate, config) among rows
    with params <= ``max_params`` (and at ``config``), or None."""
    mask = np.ones(result.evaluations, dtype=bool)
    if max_params is not None:
        mask &= result.columns["params"] <= max_params
    if config is not None and result.joint:
        mask &= result.columns["config"] == config
    rows = np.flatnonzero(mask)
    if not rows.size:
        return None
    c = result.columns
    keys = [c["candidate"][rows]]
    if result.joint:
        keys.insert(0, c["config"][rows])
    keys += [c["cycles"][rows], c["energy"][rows], c[by][rows]]
    return int(rows[np.lexsort(keys)[0]])


# ----------------------------------------------------------------------------- the report question

SUMMARY_KEYS = ("candidate", "network", "known_as", "blocks", "stem_kernel", "first_block", "width_multiplier",
                "widths", "groups", "macs", "params", "cycles", "time_ms", "energy", "utilization",
                "spatial_utilization")
DELTA_KEYS = ("utilization", "spatial_utilization", "loss_small_dims", "loss_fold_remainder", "loss_fill_drain",
              "loss_array_bus", "loss_core_imbalance", "loss_memory_stall", "loss_non_mac", "energy_mac",
              "energy_register_file", "energy_inter_pe", "energy_global_buffer", "energy_dram", "energy_static",
              "dram_read_bytes", "dram_write_bytes", "stall_cycles")


def reference_finding(result: SearchResult, reference: str | Path = "sqnxt23_v5", config: int | None = None) -> dict[str, Any]:
    """Does the search (started from its base, e.g. v1) find ``reference``'s layout (v5), or a
    better one within the reference's parameter budget, on the searched accelerator? How far is
    the best from the reference, and why?

    ``config``: in a joint search, the configuration to answer for; None: the best (candidate,
    configuration) pair within the budget, compared with the reference on that pair's
    configuration. The reference is evaluated directly when the space does not hold it.

    Returns a dict of plain values::

        hardware, config, grid_values        where the comparison is made
        reference: {name, in_space, blocks, stem_kernel, first_block, widths, groups, macs, params,
                    cycles, time_ms, energy, utilization, candidate (or None), rank_by_cycles
                    (1 = fastest within the budget; None if not in the space), on_fronts [names]}
        start: the same for the search's base (None if the space does not hold it)
        params_budget                        the reference's params
        within_budget                        rows with params <= budget (at that config)
        best_by_cycles, best_by_energy       row summaries (SUMMARY_KEYS) + blocks_moved (per stage,
                                             best - reference; None when the stage counts differ)
        found_reference                      the fastest within the budget is the reference's layout
        cycles_ratio, energy_ratio           best_by_cycles / reference (below 1: the search beat it)
        best_energy_ratio                    best_by_energy's energy / the reference's
        deltas                               best_by_cycles - reference, for utilization, the loss
                                             shares, energy by level, DRAM bytes, stalls
        stage_cycles, stage_utilization      {"best": {stage: ...}, "reference": {...}} (per stage
                                             of the network: stem, stage1.., head)

    Example::

        finding = reference_finding(run_search("searches/sqnxt23_blocks.yaml", "32pe_os"))
        finding["found_reference"], finding["cycles_ratio"], finding["best_by_cycles"]["blocks"]
    """
    if result.joint and config is not None and not 0 <= config < result.grid.size:
        raise InputError("config", None, f"must be a configuration of the grid, 0 to {result.grid.size - 1}")
    ref_path = find_named_file(str(reference), "networks", "reference", "network")
    ref_data = read_yaml_mapping(ref_path)
    ref_network = load_network(ref_path)
    ref_rows = _rows_matching(result, ref_data)
    start_rows = _rows_matching(result, result.space.base_data)
    ref_params = int(prepare(ref_network).table.weights.sum())
    best = best_within(result, ref_params, "cycles", config)
    chosen_config = config if config is not None else (int(result.columns["config"][best]) if result.joint and best is not None else None)
    if not result.joint:
        chosen_config = None
    ref_summary, ref_totals = _summary_of(result, ref_rows, chosen_config, ref_network, ref_data)
    start_summary, _start_totals = (_summary_of(result, start_rows, chosen_config, None, result.space.base_data)
                                    if start_rows.size else (None, None))
    fronts = search_fronts(result)
    for summary, rows in ((ref_summary, ref_rows), (start_summary, start_rows)):
        if summary is None:
            continue
        at = _at_config(result, rows, chosen_config)
        summary["on_fronts"] = [name for name, points in fronts.items() if at is not None and at in set(points.tolist())]
        summary["rank_by_cycles"] = _rank(result, at, ref_params, chosen_config) if at is not None else None
    mask_budget = result.columns["params"] <= ref_params if result.evaluations else np.zeros(0, dtype=bool)
    if result.joint and chosen_config is not None:
        mask_budget &= result.columns["config"] == chosen_config
    finding: dict[str, Any] = {
        "hardware": result.hardware.name,
        "config": chosen_config,
        "grid_values": result.grid.combination(chosen_config) if result.joint and chosen_config is not None else {},
        "reference": ref_summary,
        "start": start_summary,
        "params_budget": ref_params,
        "within_budget": int(mask_budget.sum()),
        "best_by_cycles": None, "best_by_energy": None, "found_reference": False,
        "cycles_ratio": None, "energy_ratio": None, "best_energy_ratio": None, "deltas": {},
        "stage_cycles": {}, "stage_utilization": {},
    }
    if best is None:
        return finding
    best_energy = best_within(result, ref_params, "energy", chosen_config)
    best_row, energy_row = result.row(best), result.row(best_energy)
    finding["best_by_cycles"] = _with_moves({k: best_row[k] for k in SUMMARY_KEYS} | _config_of(result, best_row), ref_summary)
    finding["best_by_energy"] = _with_moves({k: energy_row[k] for k in SUMMARY_KEYS} | _config_of(result, energy_row), ref_summary)
    finding["found_reference"] = bool(ref_summary["candidate"] is not None and best_row["candidate"] == ref_summary["candidate"])
    finding["cycles_ratio"] = best_row["cycles"] / ref_summary["cycles"] if ref_summary["cycles"] else None
    finding["energy_ratio"] = best_row["energy"] / ref_summary["energy"] if ref_summary["energy"] else None
    finding["best_energy_ratio"] = energy_row["energy"] / ref_summary["energy"] if ref_summary["energy"] else None
    finding["deltas"] = {key: best_row[key] - ref_totals[key] for key in DELTA_KEYS if key in best_row and key in ref_totals}
    hardware = result.config_hardware(chosen_config)
    best_network = network_from_dict(candidate_data(result.space.base_data, _candidate_of(result, best_row)), "best")
    stages_best, util_best = _stage_totals(simulate(best_network, hardware), hardware.pes)
    stages_ref, util_ref = _stage_totals(simulate(ref_network, hardware), hardware.pes)
    finding["stage_cycles"] = {"best": stages_best, "reference": stages_ref}
    finding["stage_utilization"] = {"best": util_best, "reference": util_ref}
    return finding


def _rows_matching(result: SearchResult, data: dict[str, Any]) -> np.ndarray:
    """Row indices of the candidate that is the network ``data`` describes (a family mapping),
    at every configuration; empty if the space does not hold it."""
    if data.get("family") != "squeezenext" or not result.evaluations:
        return np.zeros(0, dtype=np.int64)
    try:
        key = family_key(data)
    except ValidationError:
        return np.zeros(0, dtype=np.int64)
    normalized = json.loads(key)
    base = json.loads(family_key(result.space.base_data))
    varied = {"blocks", "widths", "first_block", "groups", "stem"}
    if any(normalized[k] != base[k] for k in normalized if k not in varied) or \
            {k: v for k, v in normalized["stem"].items() if k != "kernel"} != {k: v for k, v in base["stem"].items() if k != "kernel"}:
        return np.zeros(0, dtype=np.int64)
    c = result.columns
    mask = ((c["blocks"] == "-".join(map(str, normalized["blocks"]))) & (c["stem_kernel"] == normalized["stem"]["kernel"])
            & (c["first_block"] == normalized["first_block"]) & (c["widths"] == "-".join(map(str, normalized["widths"])))
            & (c["groups"] == normalized["groups"]))
    return np.flatnonzero(mask)


def _at_config(result: SearchResult, rows: np.ndarray, config: int | None) -> int | None:
    if not rows.size:
        return None
    if not result.joint or config is None:
        return int(rows[0])
    at = rows[result.columns["config"][rows] == config]
    return int(at[0]) if at.size else None


def _rank(result: SearchResult, index: int, budget: int, config: int | None) -> int:
    """1 + rows within the budget (at the config) strictly faster than row ``index``."""
    c = result.columns
    mask = (c["params"] <= budget) & (c["cycles"] < c["cycles"][index])
    if result.joint and config is not None:
        mask &= c["config"] == config
    return int(mask.sum()) + 1


def _summary_of(result: SearchResult, rows: np.ndarray, config: int | None, network, data: dict[str, Any]):
    """A row summary of a network at ``config``: its search row when the space holds it, else a
    direct evaluation (through the same chunk code)."""
    at = _at_config(result, rows, config)
    if at is not None:
        row = result.row(at)
        summary = {"name": row["known_as"] or row["network"], "in_space": True, **{k: row[k] for k in SUMMARY_KEYS}}
        return summary, row
    if network is None:
        network = network_from_dict(data, "reference")
    workload = prepare(network)
    grid = result.eval_grid if result.eval_grid is not None else _single_grid(result.hardware)
    index = config if result.joint and config is not None else 0
    totals = run_chunk([workload], result.hardware, grid, index, index + 1, False).totals[0]
    family = data.get("family") == "squeezenext"
    normalized = json.loads(family_key(data)) if family else {}
    summary = {"name": network.name, "in_space": False, "candidate": None, "network": network.name, "known_as": network.name,
               "blocks": "-".join(map(str, normalized["blocks"])) if family else None,
               "stem_kernel": normalized["stem"]["kernel"] if family else None,
               "first_block": normalized.get("first_block"), "width_multiplier": None,
               "widths": "-".join(map(str, normalized["widths"])) if family else None, "groups": normalized.get("groups"),
               "macs": int(workload.table.macs.sum()), "params": int(workload.table.weights.sum()),
               **{k: totals[k] for k in ("cycles", "time_ms", "energy", "utilization", "spatial_utilization")}}
    return summary, totals


def _config_of(result: SearchResult, row: dict[str, Any]) -> dict[str, Any]:
    return {"config": row["config"]} if result.joint else {}


def _with_moves(summary: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    mine = [int(b) for b in str(summary["blocks"]).split("-")]
    theirs = [int(b) for b in str(reference["blocks"]).split("-")] if reference.get("blocks") else None
    summary["blocks_moved"] = [a - b for a, b in zip(mine, theirs)] if theirs and len(theirs) == len(mine) else None
    return summary


def _candidate_of(result: SearchResult, row: dict[str, Any]) -> Candidate:
    return Candidate(row["candidate"], tuple(int(b) for b in row["blocks"].split("-")), row["stem_kernel"], row["first_block"],
                     row["width_multiplier"], row["groups"], tuple(int(w) for w in row["widths"].split("-")))


def _stage_totals(results, pes: int) -> tuple[dict[str, int], dict[str, float]]:
    cycles: dict[str, int] = {}
    macs: dict[str, int] = {}
    for row in results.rows():
        stage = row.get("stage") or "other"
        cycles[stage] = cycles.get(stage, 0) + int(row["cycles"])
        macs[stage] = macs.get(stage, 0) + int(row["macs"])
    utilization = {stage: (macs[stage] / (cycles[stage] * pes) if cycles[stage] else 0.0) for stage in cycles}
    return cycles, {stage: float(f"{u:.10g}") for stage, u in utilization.items()}
