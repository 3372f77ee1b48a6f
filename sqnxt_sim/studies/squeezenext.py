"""The SqueezeNext study, run: v1..v5 and the baselines on every config, with the twins the
report's sections need (legacy energy conventions, dataflows, modelling options) and the
accelerator tuned to each network. report/study.py turns it into findings, text and figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from ..engine.results import Results
from ..hardware.config import Hardware
from ..hardware.energy import LEGACY_CONVENTIONS
from ..hardware.load import resolve_hardware, shipped_configs
from .compare import Comparison, compare

VARIANTS = ("sqnxt23_v1", "sqnxt23_v2", "sqnxt23_v3", "sqnxt23_v4", "sqnxt23_v5")
BASELINES = ("squeezenet1_0", "squeezenet1_1", "alexnet", "mobilenet_v1")
BASELINE_LABELS = {"squeezenet1_0": "SqueezeNet v1.0", "squeezenet1_1": "SqueezeNet v1.1",
                   "alexnet": "AlexNet", "mobilenet_v1": "MobileNet v1"}
# The paper's headline (arXiv 1803.10615, abstract): the hardware-guided variants are 2.59x / 8.26x
# faster and 2.25x / 7.5x more energy-efficient than SqueezeNet / AlexNet. Its SqueezeNet
# baseline is taken to be v1.0; v1.1 is reported beside it without a paper figure.
PAPER = {
    "squeezenet1_0": {"speedup": 2.59, "energy_saving": 2.25},
    "alexnet": {"speedup": 8.26, "energy_saving": 7.5},
}
PAPER_UTILIZATION_GAIN = 0.20  # workshop version: "up to 20% better hardware utilization"
# Where the per-layer finding is shown (first of these that is in the study).
FINDING_CONFIGS = ("32pe_os", "32pe_ws", "squeezelerator")
# Where the headline ratios are computed: the Squeezelerator-like config when present.
HEADLINE_CONFIGS = ("squeezelerator", "32pe_os")


# The headline networks re-run with the energy conventions sqnxt-sim used before its sourced
# defaults (hardware.energy.LEGACY_CONVENTIONS), to show what the conventions move.
CONVENTION_NETWORKS = ("sqnxt23_v1", "sqnxt23_v5", "squeezenet1_0", "alexnet")


# The dataflows set side by side on the finding config's array (section 5).
DATAFLOW_TWINS = ("os", "ws", "rs")
# Section 6: what the modelling options change, on the finding config's array:
# (dataflow, fold_overlap, pack_groups). os cannot pack groups; rs packs them always.
OPTION_TWINS = (("os", False, False), ("os", True, False), ("ws", False, False), ("ws", True, False),
                ("ws", False, True), ("ws", True, True), ("rs", False, False), ("rs", True, False))
OPTION_NETWORKS = ("sqnxt23_v1", "sqnxt23_v5", "mobilenet_v1")
# Section 7: tuning the accelerator to the network at the fixed design's area.
TUNING_NETWORKS = ("sqnxt23_v1", "sqnxt23_v5", "squeezenet1_0", "alexnet")
TUNING_CONFIGS = ("32pe_os", "squeezelerator")
# Section 8: the family search from v1 (its 21 blocks over the 4 stages, at least one each; both
# stems and first-block styles) within v5's parameters, on the finding config's array under os
# and ws: networks are built once for both.
SEARCH_SPACE = {"base": "sqnxt23_v1", "blocks": {"total": 21, "min_per_stage": 1}, "stem_kernel": [5, 7],
                "first_block": ["projection", "shared"],
                "description": "v1's 21 blocks over its 4 stages, at least one each; 5x5 or 7x7 stem; projection or "
                               "shared first blocks"}
SEARCH_DATAFLOWS = ("os", "ws")
SEARCH_REFERENCE = "sqnxt23_v5"


@dataclass(frozen=True)
class Study:
    comparison: Comparison  # VARIANTS + BASELINES on every config; reference sqnxt23_v1
    finding_config: str
    headline_config: str
    legacy: Comparison | None = None  # CONVENTION_NETWORKS on the headline config, legacy conventions
    dataflows: Comparison | None = None  # VARIANTS + BASELINES on the finding config, one twin per DATAFLOW_TWINS
    options: Comparison | None = None  # OPTION_NETWORKS on the finding config's array, one twin per OPTION_TWINS
    tuning: tuple[dict, ...] = ()  # studies.tune.equal_area_tuning of TUNING_NETWORKS, per TUNING_CONFIGS present
    shipped: tuple[str, ...] = ()  # the configs that are shipped ones, unchanged
    search: Any = None  # studies.search.SearchResult of the family search (section 8), or None
    search_findings: tuple[dict, ...] = ()  # studies.search.reference_finding per SEARCH_DATAFLOWS

    @property
    def configs(self) -> list[str]:
        return [hw.name for hw in self.comparison.hardware]

    def result(self, config: str, network: str) -> Results:
        return self.comparison.result(config, network)

    def hardware(self, config: str) -> Hardware:
        return next(hw for hw in self.comparison.hardware if hw.name == config)


def default_configs() -> list[Hardware]:
    """Every shipped config: the Squeezelerator-like one first, then the largest arrays."""
    hws = [resolve_hardware(name) for name in shipped_configs()]
    return sorted(hws, key=lambda hw: (hw.name != "squeezelerator", -hw.pes, hw.cores, hw.name))


def run_study(hardware: Sequence[Hardware | str] | None = None, design: bool = False,
              search_space: dict | str | None = None, workers: int = 1) -> Study:
    """Simulate the variants and the baselines on ``hardware`` (default: every shipped config).
    ``design``: also tune the accelerator to each network (section 7) and search the family
    (section 8; ``search_space``, default SEARCH_SPACE, within v5's parameters; ``workers``
    processes share it): seconds more."""
    hws = default_configs() if not hardware else [hw if isinstance(hw, Hardware) else resolve_hardware(hw)
                                                  for hw in hardware]
    comparison = compare(list(VARIANTS + BASELINES), hws)
    names = [hw.name for hw in comparison.hardware]
    finding = next((name for name in FINDING_CONFIGS if name in names), names[0])
    headline = next((name for name in HEADLINE_CONFIGS if name in names), names[0])
    base = next(hw for hw in comparison.hardware if hw.name == headline)
    legacy_hw = base.model_copy(update={"energy": base.energy.model_copy(update=LEGACY_CONVENTIONS)})
    legacy = compare([n for n in comparison.networks if n.name in CONVENTION_NETWORKS], [legacy_hw])
    finding_hw = next(hw for hw in comparison.hardware if hw.name == finding)
    tuning, search, search_findings = (), None, ()
    if design:
        from ..engine.simulate import prepare
        from .search import reference_finding
        from .tune import equal_area_tuning

        workloads = [prepare(n) for n in comparison.networks if n.name in TUNING_NETWORKS]
        fixed = [hw for hw in comparison.hardware if hw.name in TUNING_CONFIGS] or [comparison.hardware[0]]
        tuning = tuple(equal_area_tuning(workloads, hw) for hw in fixed)
        search = family_search(finding_hw, comparison, search_space, workers)
        search_findings = tuple(reference_finding(search, SEARCH_REFERENCE, config=i) for i in range(search.configurations))
    shipped = tuple(hw.name for hw in comparison.hardware
                    if hw.name in shipped_configs() and resolve_hardware(hw.name) == hw)
    return Study(comparison, finding, headline, legacy, compare(list(comparison.networks), dataflow_twins(finding_hw)),
                 compare([n for n in comparison.networks if n.name in OPTION_NETWORKS], option_twins(finding_hw)),
                 tuning, shipped, search, search_findings)


def family_search(base: Hardware, comparison: Comparison, space: dict | str | None = None, workers: int = 1):
    """The family search of section 8: ``space`` (default SEARCH_SPACE) within the reference's
    (v5's) parameters, on ``base``'s array under each of SEARCH_DATAFLOWS."""
    from .search import run_search

    reference = next((n for n in comparison.networks if n.name == SEARCH_REFERENCE), None)
    budget = reference.weights if reference is not None else None
    grid = {"dataflow": list(SEARCH_DATAFLOWS), "best_of": [None]}
    return run_search(space or SEARCH_SPACE, base, grid, workers=workers, max_params=budget)


def dataflow_twins(hw: Hardware) -> list[Hardware]:
    """``hw`` once per dataflow of DATAFLOW_TWINS, nothing else changed."""
    array = f"{hw.pe_array.rows}x{hw.pe_array.cols}"
    return [hw.model_copy(update={"name": f"{array}_{dataflow}", "dataflow": dataflow, "best_of": None,
                                  "description": f"{hw.name} with dataflow {dataflow}"}) for dataflow in DATAFLOW_TWINS]


def option_twins(hw: Hardware) -> list[Hardware]:
    """``hw``'s array once per (dataflow, fold_overlap, pack_groups) of OPTION_TWINS."""
    array = f"{hw.pe_array.rows}x{hw.pe_array.cols}"
    twins = []
    for dataflow, overlap, packed in OPTION_TWINS:
        name = f"{array}_{dataflow}" + ("_overlap" if overlap else "") + ("_packed" if packed else "")
        twins.append(hw.model_copy(update={
            "name": name, "dataflow": dataflow, "best_of": None, "fold_overlap": overlap, "pack_groups": packed,
            "description": f"{hw.name} with dataflow {dataflow}, fold_overlap {overlap}, pack_groups {packed}"}))
    return twins
