"""What every output column means: one list of definitions, from which docs/columns.md, the
``sqnxt-sim columns`` command and the tests that hold the outputs to it are all made.

A definition names one column, or a family of columns by a pattern with ``<placeholder>``
parts (``energy_<level>_<operand>``), and says its unit, its meaning and the outputs it
appears in. Every column of every output matches exactly one of the definitions that list
that output (tests/report/test_columns.py; one name may mean two things in two outputs: a
sweep grid may set ``dataflow``). Regenerate the document after changing the list::

    python -m sqnxt_sim.report.columns > docs/columns.md
"""

from __future__ import annotations

import re
import sys
import textwrap
from dataclasses import dataclass, field, replace
from typing import Mapping

from ..engine.dataflows.base import OPERANDS
from ..engine.energy import LEVELS
from ..engine.results import LOSS_COLUMNS, Results
from ..engine.schedule import RESIDENT_OPERANDS
from ..engine.simulate import PSUM_STRATEGIES
from ..hardware.area import AREA_PARTS
from ..hardware.config import Hardware
from ..hardware.energy import EnergyUnit
from ..sweep import FIXED_KEYS, RESERVED_KEYS
from .compare import RATIO_OF
from .labels import LEVEL_LABELS, LOSS_LABELS, NOT_APPLICABLE, energy_unit_label, units_of

# The outputs, in the order of the glossary: key -> (heading, what a row is and where it is written).
OUTPUTS = {
    "layers": ("Run, per layer",
               "`layers.csv` of `sqnxt-sim run --out DIR`, `run --format csv`, and `layers` of `summary.json` / "
               "`run --format json`: one row per layer, in execution order."),
    "totals": ("Run, totals",
               "`totals` of `summary.json` / `run --format json`: the whole network. A number is the sum over the "
               "layers unless its entry says otherwise."),
    "stages": ("Run, per stage",
               "`stages.csv` of `run --out DIR` (and `stages` of `comparison.json`): one row per stage (the layers' "
               "`stage` label), the sums over its layers unless the entry says otherwise."),
    "compare": ("Compare",
                "`comparison.csv` of `sqnxt-sim compare --out DIR`, `compare --format csv`, and `rows` of "
                "`comparison.json`: one row per config x network, the network's totals and its ratios to the "
                "reference network (the first `--net`) on the same config."),
    "sweep": ("Sweep",
              "`sweep.csv` of `sqnxt-sim sweep --out DIR` (one row per configuration x network within the limits, in "
              "grid order), `pareto.csv` (the rows no other configuration beats in both time and energy) and "
              "`pareto3.csv` (those no other beats in time, energy and area at once): the network's totals."),
    "sweep_layers": ("Sweep, per layer",
                     "`sweep_layers.csv` of `sweep --per-layer --out DIR`: one row per configuration x network x "
                     "layer."),
    "tune": ("Tune",
             "`tune.csv` of `sqnxt-sim tune --out DIR`: per network, the best configurations within the budget, "
             "best first; the sweep's columns and a rank."),
    "search": ("Search",
               "`search.csv` of `sqnxt-sim search --out DIR` (one row per candidate network, or per candidate x "
               "configuration with `--grid`, by candidate then configuration) and `search_pareto.csv` (the points "
               "of each front, one row per front and point): the candidate, then the network's totals "
               "(docs/search.md)."),
}
# Outputs whose rows cover a whole network: there a definition's ``network`` note applies.
NETWORK_OUTPUTS = ("totals", "compare", "sweep", "tune")
JSON_OUTPUTS = ("totals",)  # in JSON only: no unit in the energy names

RUN = ("layers", "totals")
EVERYWHERE = tuple(OUTPUTS)
NETWORK_WIDE = ("totals", "stages", "compare", "sweep")  # whole networks or stages

# The energy unit: picojoules or MAC-normalized, and the suffix it gives CSV headers. A
# stand-in whose word size is the config key's name, so that labels.py's words read
# "`word_bits`-bit words" and "one `word_bits`-bit MAC".
_WORD = "`word_bits`"
_ENERGY_UNITS = (EnergyUnit(True, _WORD), EnergyUnit(False, _WORD))  # type: ignore[arg-type]
_UNITS = units_of(Results({}, {}, _ENERGY_UNITS[1], {}, {}))
ENERGY_SUFFIXES = tuple(unit.column_suffix for unit in _ENERGY_UNITS)
ENERGY_UNIT = " or ".join(energy_unit_label(unit) for unit in _ENERGY_UNITS)
WORDS = _UNITS["gb_read_words"]
BYTES = _UNITS["dram_read_bytes"]
FRACTION = "fraction (0 to 1)"
COUNT = "count"
INTEGER = "integer"
TEXT = "text"
BOOLEAN = "true / false"
NA = f"CSV `{NOT_APPLICABLE}`, JSON null"

# Levels whose energy is also split by operand (mac has one operand, compute; static, leakage).
OPERAND_LEVELS = tuple(level for level in LEVELS if level not in ("mac", "static"))


def _alternatives(values) -> str:
    return "(?:" + "|".join(re.escape(value) for value in values) + ")"


def _grid_key_pattern() -> str:
    """A hardware key a sweep grid may vary: a top-level key of a hardware file, maybe dotted,
    and neither a result column nor (a part of) a key that cannot vary: the grid refuses those."""
    results, fixed = _alternatives(sorted(RESERVED_KEYS)), _alternatives(FIXED_KEYS)
    return f"(?!{results}$)(?!{fixed}(?:\\.|$)){_alternatives(Hardware.model_fields)}(?:\\.\\w+)*"


# The operands of engine/dataflows/base.py in the traffic and energy columns (a new one: a KeyError here).
OPERAND_TEXT = {"ifmap": "the layer's input", "filter": "the weights (a matmul's second operand takes their place)",
                "psum": "partial sums and the output"}

# Placeholder -> (regular expression, what it stands for).
PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "level": (_alternatives(LEVELS), "an energy level: " + ", ".join(
        f"`{level}` = {LEVEL_LABELS[level]}" for level in LEVELS)),
    "operand": (_alternatives(OPERANDS), "an operand: " + ", ".join(
        f"`{operand}` = {OPERAND_TEXT[operand]}" for operand in OPERANDS)),
    "total": (_alternatives(RATIO_OF), "a compared total: " + ", ".join(f"`{total}`" for total in RATIO_OF)),
    "part": (_alternatives(("macs", "cycles", "energy")), "`macs`, `cycles` or `energy`"),
    "area part": (_alternatives(AREA_PARTS), "a part of the chip: " + ", ".join(f"`{p}`" for p in AREA_PARTS)),
    "grid key": (_grid_key_pattern(), "a hardware key the sweep grid sets (`pe_array.rows`, `cores`, the keys "
                                      "of a tied `\"\"` axis...)"),
}


@dataclass(frozen=True)
class Column:
    """One column, or a family of columns (``<placeholder>`` parts, see PLACEHOLDERS)."""

    name: str
    unit: str
    meaning: str
    where: tuple[str, ...]  # keys of OUTPUTS
    network: str | None = None  # how a whole network's value is formed, when not the sum over its layers
    energy: bool = False  # an energy: CSV headers append the unit (energy_dram -> energy_dram_macnorm)
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)  # placeholders limited to these
    regex: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = re.split(r"<([a-z ]+)>", self.name)
        regex = "".join(re.escape(part) if i % 2 == 0 else
                        (_alternatives(self.values[part]) if part in self.values else PLACEHOLDERS[part][0])
                        for i, part in enumerate(parts))
        if self.energy:
            regex += f"(?:_{_alternatives(ENERGY_SUFFIXES)})?"
        object.__setattr__(self, "regex", re.compile(regex))

    def header(self, output: str) -> str:
        """The name as ``output`` spells it: CSV headers carry the energy unit, JSON keys do not."""
        return f"{self.name}_<unit>" if self.energy and output not in JSON_OUTPUTS else self.name

    def matches(self, column: str) -> bool:
        """True when ``column`` (a CSV header or a JSON key) is this column or one of its family."""
        return self.regex.fullmatch(column) is not None


def _loss(name: str, reason: str) -> Column:
    return Column(name, FRACTION, f"share of the PE-cycles lost to {LOSS_LABELS[name]}: {reason}.",
                  ("layers", "totals", "sweep"), network="the cycle-weighted mean of the layers' shares")


# Why PE-cycles are lost, per loss column (docs/model.md, "Vocabulary"; a new one: a KeyError below).
LOSS_REASONS = {
    "loss_small_dims": "a mapped dimension is smaller than the array side (8 output channels on 32 columns leave 24 "
                       "idle in every fold; rs: PEs no copy of the R x E set covers)",
    "loss_fold_remainder": "the dimension is larger than the array but not a multiple of it: the last fold is "
                           "partly empty",
    "loss_fill_drain": "each fold fills and drains the systolic pipeline (rows + cols - 2 cycles for os; rs: the "
                       "sums climbing a set)",
    "loss_array_bus": "the buffer's buses to the array cannot deliver as fast as the PEs compute (bus-fed "
                      "dataflows: rs)",
    "loss_core_imbalance": "with several cores, some finish their slice early and wait",
    "loss_memory_stall": "DRAM transfer could not hide behind compute",
    "loss_non_mac": "pooling, element-wise and other vector work occupy the array without MACs (a layer with no "
                    "cycles and no MACs, a view such as concat or a fused ReLU, shows 1)",
}


COLUMNS: tuple[Column, ...] = (
    # Which layer, network, config.
    Column("index", INTEGER, "the layer's position in execution order, from 0.", ("layers",)),
    Column("name", TEXT, "the layer's name (the network file's, or the ONNX node's).", ("layers",)),
    Column("op", TEXT, "the layer's op (`conv`, `fc`, `maxpool`, `add`...). `layers.csv` also has a row for each "
           f"imported operator sqnxt-sim does not model: op `not modelled: <op_type>`, nothing charged "
           f"(`{NOT_APPLICABLE}` in its other columns).",
           ("layers",)),
    Column("stage", TEXT, "the layer's `stage` label (the network file's, or from torch's module names in ONNX); "
           "a layer without one gets its op. In `stages.csv`: the stage.", ("layers", "stages")),
    Column("shape", TEXT, "compact shape, input -> output (`CxHxW -> KxPxQ`), with kernel, stride and groups when "
           "they matter.", ("layers",)),
    Column("layers", COUNT, "layers of the network (of the stage in `stages.csv`), views such as a fused ReLU "
           "included; imported operators not modelled are not counted.", ("totals", "stages")),
    Column("network", TEXT, "the network's name.", ("compare", "sweep", "sweep_layers")),
    Column("display_name", TEXT, "the network's display name.", ("compare",)),
    Column("label", TEXT, "the network's name in tables and figures: its display name, made unique when two "
           "networks share one (the file name, then \" (2)\", \" (3)\"...).", ("compare",)),
    Column("reconstruction", BOOLEAN, "true when the network is a reconstruction, not a published definition.",
           ("compare",)),
    Column("reference", TEXT, "the reference network (the first `--net`) the ratios are against.", ("compare",)),
    Column("hardware", TEXT, "the hardware config's name.", ("compare",)),
    Column("batch", "inferences", "the network's batch: the inferences its MACs, cycles, time and energy cover.",
           ("compare", "sweep", "sweep_layers")),
    Column("config", INTEGER, "the configuration's index in the grid, from 0, in row-major order (the grid's last "
           "key varies fastest).", ("sweep", "sweep_layers")),
    Column("<grid key>", "as in the hardware file", "one column per hardware key the grid sets, holding this "
           "configuration's value (a mapping value as sorted JSON); the keys of a tied `\"\"` axis get a column "
           "each.", ("sweep", "sweep_layers")),
    Column("layer", TEXT, "the layer's name.", ("sweep_layers",)),
    Column("rank", INTEGER, "the configuration's place for the network by the objective, from 1 (ties: the lower "
           "config).", ("tune",)),
    # Work.
    Column("macs", "MACs", "multiply-accumulates (N K P Q C R S for a convolution, the whole batch); 0 for "
           "layers without MACs (pooling, element-wise, views).", ("layers", "totals", "stages", "compare")),
    Column("weights", COUNT, "weights: K C R S per convolution (biases and batch norm are not weights; a "
           "matmul has none).", ("layers", "totals", "stages", "compare")),
    # Time.
    Column("cycles", _UNITS["cycles"], "clock cycles, memory stalls included (compute_cycles + stall_cycles).",
           EVERYWHERE),
    Column("compute_cycles", _UNITS["cycles"], "the cycles without memory stalls: what unlimited DRAM bandwidth "
           "gives.", RUN),
    Column("stall_cycles", _UNITS["cycles"], "cycles the array waits for DRAM (the transfer that cannot hide "
           "behind compute).", ("layers", "totals", "stages", "compare", "sweep")),
    Column("time_us", _UNITS["time_us"], "cycles / clock_mhz.", ("layers",)),
    Column("time_ms", _UNITS["time_ms"], "cycles / clock_mhz / 1000.", NETWORK_WIDE),
    Column("bound", TEXT, "`memory` when moving the layer's DRAM data alone takes longer than its compute cycles, "
           f"else `compute`; none for a layer with no cycles ({NA}).", ("layers",)),
    # Area.
    Column("area_mm2", "mm^2", "the chip's silicon area: the sum of the `area_<part>_mm2` columns (docs/model.md, "
           "\"Area\"); the same for every network on one config.", ("totals", "compare", "sweep")),
    Column("area_<area part>_mm2", "mm^2", "the area of one part of the chip: `mac`, `register_file` and `inter_pe` "
           "(all PEs), `global_buffer`, `vector_unit` (explicit lanes only), `cores` (the per-core overhead).",
           ("totals",)),
    # Utilization.
    Column("utilization", FRACTION, f"{_UNITS['utilization']}, the PEs of every core: the one number on every "
           "table; with the `loss_*` shares it sums to 1.", EVERYWHERE,
           network="all MACs / (all cycles x all PEs)"),
    Column("spatial_utilization", FRACTION, "average over the folds of used PEs / PEs of the array; 0 for layers "
           "without MACs.", ("layers", "totals", "compare", "sweep", "sweep_layers"),
           network="the MAC-weighted mean of the layers' spatial utilizations"),
    Column("temporal_utilization", FRACTION, "utilization / spatial utilization: the share of cycles that stream "
           "useful data (fill, drain, idle cores and stalls lose the rest).", ("layers",)),
    *(_loss(name, LOSS_REASONS[name]) for name in LOSS_COLUMNS),
    Column("share_of_<part>", FRACTION, "the stage's part of the network's MACs, cycles or energy.", ("stages",)),
    # Mapping.
    Column("dataflow", TEXT, "the dataflow that ran the layer (`os`, `ws`, `is`, `rs`; under `best`, the one "
           f"chosen for this layer: fewest cycles, ties least energy); none for layers without "
           f"MACs ({NA}).", ("layers",)),
    Column("folds", COUNT, "folds of one group on the busiest core: the mappings of a tile of the layer onto the "
           "array, run back to back (rs: strips x row folds).", ("layers",)),
    Column("active_pes", "PEs", "the mean PEs of the chip given work while the array streams; none "
           f"for layers without MACs ({NA}).", ("layers",)),
    Column("core_split", TEXT, "how the cores share the layer: `channels` (output channels) or `pixels` (output "
           "pixels; rs: output rows), whichever needs fewer compute cycles on its busiest core (ties: channels); "
           f"none for layers without MACs ({NA}).", ("layers",)),
    Column("busiest_core_utilization", FRACTION, "MACs of the busiest core (the longest; among equals, the one with "
           "the most MACs) / (cycles x PEs of one core).", ("layers",)),
    Column("per_core_utilization", "list of fractions (0 to 1)", "each core's MACs over the whole run / (network "
           "cycles x PEs of one core), one value per core.", ("totals",)),
    # On-chip and DRAM traffic.
    Column("gb_read_words", WORDS, "words read from the global buffer, all operands: the dataflow's reads, plus every "
           "word written to DRAM (read out of the buffer).", ("layers",)),
    Column("gb_write_words", WORDS, "words written into the global buffer, all operands: the dataflow's writes, plus "
           "every word read from DRAM (written into the buffer).", ("layers",)),
    Column("gb_read_<operand>_words", WORDS, "words of one operand read from the global buffer (a vector layer "
           "reads its inputs as `ifmap`).", ("layers",)),
    Column("gb_write_<operand>_words", WORDS, "words of one operand written into the global buffer (a vector layer "
           "writes its output as `psum`).", ("layers",)),
    Column("dram_read_bytes", BYTES, "bytes read from DRAM: the sum of the `dram_read_<operand>_bytes`.",
           ("layers", "totals", "sweep", "sweep_layers")),
    Column("dram_write_bytes", BYTES, "bytes written to DRAM: the sum of the `dram_write_<operand>_bytes`.",
           ("layers", "totals", "sweep", "sweep_layers")),
    Column("dram_read_<operand>_bytes", BYTES, "bytes of one operand read from DRAM (words x word_bits / 8, rounded "
           "up): `ifmap` the input, re-reads included; `filter` the weights; `psum` partial sums read back (spilled, "
           "or an output visited again).", ("layers",)),
    Column("dram_write_<operand>_bytes", BYTES, "bytes of one operand written to DRAM (words x word_bits / 8, "
           "rounded up): `psum` the output, each time it is visited, and spilled partial sums; `ifmap` and "
           "`filter` 0.", ("layers",)),
    Column("input_on_chip", BOOLEAN, "every input activation of the layer comes from the buffer (it stayed on "
           "chip): none is read from DRAM.", ("layers",)),
    Column("output_on_chip", BOOLEAN, "the layer's output stays in the buffer, not written to DRAM (the network "
           "output never does).", ("layers",)),
    Column("dram_input_passes", COUNT, "times the layer's DRAM schedule fetches its input (1 = once; the "
           "output-channel tiles when that loop lies outside a tiled pixel or input-channel loop). Passes follow "
           "the loop order even for an input on chip, which moves no DRAM words.", ("layers",)),
    Column("dram_weight_passes", COUNT, "times the DRAM schedule fetches the weights (1 = once; the pixel tiles when "
           "that loop lies outside a tiled output- or input-channel loop).", ("layers",)),
    Column("dram_output_passes", COUNT, "visits of each output: written this many times and read back one fewer "
           "(more than 1: partial sums in DRAM).", ("layers",)),
    Column("dram_resident", TEXT, f"the operand that stays in the buffer while the DRAM schedule's innermost loop "
           f"runs: {', '.join(f'`{name}`' for name in RESIDENT_OPERANDS)}; none for layers without MACs ({NA}).",
           ("layers",)),
    Column("buffer_footprint_words", WORDS, "buffer words one step's tiles take, plus the partial sums held; never "
           "more than the staging buffer; 0 for layers without MACs.", ("layers",)),
    Column("psum_strategy", TEXT, "partial sums that wait in the buffer between row folds (ws, is; rs: between "
           "rounds): "
           f"{' / '.join(f'`{name}`' for name in PSUM_STRATEGIES)}: none wait / they fit in their room (half the "
           "staging buffer) / the streamed dimension runs in `psum_chunks` chunks / they go to DRAM and back, "
           f"whichever of tiling and spilling has the smaller energy x cycles; none for layers without MACs ({NA}).",
           ("layers",)),
    Column("psum_chunks", COUNT, "the chunks the streamed dimension (ws: pixels, is: filters, rs: the streamed "
           "columns) runs in when partial sums are tiled; 1: not tiled.", ("layers",)),
    # Energy.
    Column("energy", ENERGY_UNIT, "energy of every level: the sum of the `energy_<level>` columns.", EVERYWHERE,
           energy=True),
    Column("energy_<level>", ENERGY_UNIT, "energy of one level, all operands: accesses x energy per access; `mac`: "
           "(MACs + vector operations) x `energy.mac`; `static`: the chip's leakage over the cycles, stalls "
           "included (0 unless the config opts in).", ("layers", "totals", "stages", "sweep"), energy=True),
    Column("energy_<level>_<operand>", ENERGY_UNIT, "energy of one level spent on one operand (levels "
           f"{', '.join(f'`{level}`' for level in OPERAND_LEVELS)}; `inter_pe`: systolic hops or multicast "
           "deliveries).", RUN, energy=True, values={"level": OPERAND_LEVELS}),
    Column("energy_unit", TEXT, "the energy unit in full (`pJ`, or what one MAC-normalized unit is).", ("compare",)),
    Column("dram_energy_share", FRACTION, "energy_dram / energy: the part of the energy spent on DRAM accesses.",
           ("compare",)),
    # Comparison.
    Column("<total>_ratio", "ratio", "this network's value / the reference network's on the same config (empty, "
           "JSON null, when the reference's is 0): `cycles_ratio` 0.80 means 20% fewer cycles (1.25x faster); "
           "`utilization_ratio` is the MACs ratio / the cycles ratio, from the integer counts.", ("compare",)),
    Column("not_modelled_ops", COUNT, "imported operators sqnxt-sim does not model: the totals leave them out (no "
           "time or energy charged).", ("compare",)),
    Column("not_modelled", TEXT, "those operators, `name (op_type)`, separated by `; `.", ("compare",)),
)


# tune.csv's rows are sweep rows: every sweep column is also a tune column.
COLUMNS = tuple(replace(c, where=(*c.where, "tune")) if "sweep" in c.where and "tune" not in c.where else c
                for c in COLUMNS)
# A search row is a candidate, then a sweep row's totals (a network per row, no batch).
NOT_IN_SEARCH = ("batch",)
COLUMNS = tuple(replace(c, where=(*c.where, "search")) if "sweep" in c.where and c.name not in NOT_IN_SEARCH
                else replace(c, where=(*c.where, "search")) if c.name in ("macs", "layers") else c for c in COLUMNS)
COLUMNS += (
    Column("candidate", INTEGER, "the candidate's number in the space's enumeration order, from 0 (skipped "
           "candidates keep theirs).", ("search",)),
    Column("known_as", TEXT, "the zoo network the candidate is exactly (`sqnxt23_v5`...), else empty.", ("search",)),
    Column("blocks", TEXT, "blocks per stage, `6-6-8-1`.", ("search",)),
    Column("stem_kernel", INTEGER, "the stem convolution's kernel size.", ("search",)),
    Column("first_block", TEXT, "the first block of each stage: `projection` (v1) or `shared` (v5).", ("search",)),
    Column("width_multiplier", "ratio", "the stage widths' multiplier (1.0: the base's widths).", ("search",)),
    Column("widths", TEXT, "the stage widths it gives, `32-64-128-256`.", ("search",)),
    Column("groups", INTEGER, "groups of each block's first 1x1 and separable convolutions.", ("search",)),
    Column("params", COUNT, "the network's weights (parameters), as `weights` of `sqnxt-sim run`.", ("search",)),
    Column("front", TEXT, "in `search_pareto.csv`: the front the row is on, `<objective>_vs_<x>` "
           "(`cycles_vs_macs`, `cycles_vs_params`, `energy_vs_macs`, `energy_vs_params`; both minimized).",
           ("search",)),
)


def definitions(output: str | None = None) -> list[Column]:
    """The definitions, in glossary order; ``output``: only those of one output (a key of OUTPUTS)."""
    return [column for column in COLUMNS if output is None or output in column.where]


def find(column: str, output: str | None = None) -> list[Column]:
    """The definitions ``column`` (a CSV header or JSON key) matches, of one ``output`` or of all:
    a real column of an output matches exactly one of that output's definitions."""
    return [definition for definition in definitions(output) if definition.matches(column)]


def _meaning(column: Column, output: str) -> str:
    if column.network and output in NETWORK_OUTPUTS:
        return f"{column.meaning} Whole network: {column.network}."
    return column.meaning


PREAMBLE = (
    "What every column of the CSV and JSON outputs means, and its unit. A name with `<...>` parts stands for a "
    "family of columns; the energy columns carry their unit in CSV headers (`energy_dram_"
    f"{ENERGY_SUFFIXES[1]}`, `energy_dram_{ENERGY_SUFFIXES[0]}`: `<unit>` below), not in JSON keys. A CSV shows "
    f"a column that does not apply to a row as `{NOT_APPLICABLE}`, JSON as null. The model behind the numbers: "
    "[model.md](model.md)."
)


def _placeholder_lines() -> list[str]:
    lines = [f"`<{name}>`: {text}" for name, (_, text) in PLACEHOLDERS.items()]
    return lines + [f"`<unit>`: {' or '.join(f'`{s}`' for s in ENERGY_SUFFIXES)}, the config's energy unit: "
                    f"{ENERGY_UNIT}"]


GENERATED = ("Generated by `sqnxt_sim/report/columns.py`, do not edit: regenerate with "
             "`python -m sqnxt_sim.report.columns > docs/columns.md`.")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def glossary_markdown() -> str:
    """docs/columns.md."""
    lines = [f"_{GENERATED}_", "", "# Output columns", "", PREAMBLE, ""]
    lines += [f"- {line}" for line in _placeholder_lines()]
    for output, (heading, text) in OUTPUTS.items():
        lines += ["", f"## {heading}", "", text, "", "| column | unit | meaning |", "|---|---|---|"]
        lines += [f"| `{column.header(output)}` | {_cell(column.unit)} | {_cell(_meaning(column, output))} |"
                  for column in definitions(output)]
    return "\n".join(lines) + "\n"


WIDTH = 100


def _wrapped(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)


def column_text(column: Column, output: str | None = None) -> str:
    """One definition as terminal text; ``output`` adds its whole-network note where it applies."""
    where = "; ".join(OUTPUTS[key][0].lower() for key in column.where)
    meaning = column.meaning if output is None else _meaning(column, output)
    if output is None and column.network:
        meaning += f" Whole network: {column.network}."
    lines = [f"  {column.header(output or '')}  [{column.unit}]"] + _wrapped(meaning, "      ")
    if output is None:
        lines += _wrapped(f"in: {where}", "      ")
    return "\n".join(lines)


def glossary_text() -> str:
    """The glossary for a terminal: each output's columns, wrapped."""
    lines = _wrapped(PREAMBLE.replace("[model.md](model.md)", "docs/model.md"), "")
    lines += [""] + [line for text in _placeholder_lines() for line in _wrapped(text, "  ")]
    for output, (heading, text) in OUTPUTS.items():
        lines += ["", heading.upper()] + _wrapped(text, "") + [""]
        lines += [column_text(column, output) for column in definitions(output)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(glossary_markdown())
