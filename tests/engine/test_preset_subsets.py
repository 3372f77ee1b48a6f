"""evaluate runs each dataflow only on the configurations that may choose it, and skips the
split by pixels when every configuration has one core: neither may change a number. A
column of configurations mixing os, ws, is, rs, best and a best over two candidates, with one
and two cores, and buffers that tile or spill partial sums, evaluated in one call equals each
configuration evaluated alone (where a one-core configuration skips the pixel split)."""

import itertools
from types import SimpleNamespace

import numpy as np
import pytest

from sqnxt_sim import hardware_from_dict, load_network, resolve_hardware, simulate
from sqnxt_sim.engine.hardware_arrays import hardware_arrays
from sqnxt_sim.engine.results import plain
from sqnxt_sim.engine.simulate import PSUM_SPILLED, PSUM_TILED, _choose, evaluate, network_totals, prepare

DATAFLOWS = [("os", None), ("ws", None), ("is", None), ("rs", None), ("best", None), ("best", ["ws", "is"])]


@pytest.fixture(scope="module")
def workload():
    return prepare(load_network("sqnxt23_v1"))


@pytest.fixture(scope="module")
def configs():
    base = resolve_hardware("32pe_os").model_dump(mode="json")
    return [hardware_from_dict({**base, "name": f"{dataflow}-{best_of}-{kib}kib-{cores}core", "dataflow": dataflow,
                                "best_of": best_of, "cores": cores, "memory": {**base["memory"], "global_buffer_kib": kib}})
            for (dataflow, best_of), kib, cores in itertools.product(DATAFLOWS, [16, 128], [1, 2])]


@pytest.fixture(scope="module")
def together(workload, configs):
    arrays = hardware_arrays(configs)
    columns = evaluate(workload, arrays)
    return columns, network_totals(columns, workload.table, arrays)


def test_the_column_covers_what_the_subsets_must_keep_apart(together):
    columns, _ = together
    strategies = set(np.unique(columns["psum_strategy"]).tolist())
    assert {PSUM_TILED, PSUM_SPILLED} <= strategies
    assert len(np.unique(columns["dataflow_code"])) == 4  # every registered dataflow chosen somewhere
    assert columns["split_by_pixels"].any() and not columns["split_by_pixels"][::2].any()  # even rows: one core


def test_every_total_equals_simulate_on_the_configuration_alone(workload, configs, together):
    _, totals = together
    for i, config in enumerate(configs):
        alone = simulate(workload, config).totals
        for key, values in totals.items():
            assert plain(values[i]) == alone[key], (config.name, key)  # simulate's totals are plain()


def test_every_layer_column_equals_the_configuration_evaluated_alone(workload, configs, together):
    columns, _ = together
    for i, config in enumerate(configs):
        alone = evaluate(workload, hardware_arrays([config]))
        assert alone.keys() == columns.keys()
        for key, values in columns.items():
            assert np.array_equal(values[i], alone[key][0]), (config.name, key)


def test_a_dataflow_open_to_every_configuration_beside_ones_open_to_some(workload, configs):
    """os is every configuration's candidate here (written in place), ws, is and rs only the bests'."""
    mixed = [config for config in configs if config.dataflow == "os" or (config.dataflow == "best" and not config.best_of)]
    columns = evaluate(workload, hardware_arrays(mixed))
    for i, config in enumerate(mixed):
        alone = evaluate(workload, hardware_arrays([config]))
        for key, values in columns.items():
            assert np.array_equal(values[i], alone[key][0]), (config.name, key)


def test_choose_fewest_cycles_then_least_energy_then_the_earlier_and_infeasible_only_when_nothing_fits():
    """Configurations: os alone, best over os, ws and is, ws alone; each dataflow's values
    cover only its own configurations (rows). Layers: fewest cycles; a tie in cycles; a tie in
    both; the fastest cannot fit; none fits."""
    base = resolve_hardware("32pe_os")
    hw = hardware_arrays([base, base.model_copy(update={"dataflow": "best", "best_of": ("os", "ws", "is")}),
                          base.model_copy(update={"dataflow": "ws"})])

    def subset(name, rows):
        return SimpleNamespace(preset=SimpleNamespace(name=name), rows=np.array(rows), everyone=len(rows) == 3)

    def run(cycles, energy, feasible, configs):
        return {"cycles": np.array([cycles] * configs), "energy": np.array([energy] * configs, dtype=float),
                "feasible": np.array([feasible] * configs)}

    yes, no = True, False
    evaluations = [run([10, 5, 5, 1, 9], [1, 3, 2, 1, 5], [yes, yes, yes, no, no], 2),  # os: configs 0, 1
                   run([8, 5, 5, 4, 9], [1, 2, 2, 1, 4], [yes, yes, yes, yes, no], 2),  # ws: configs 1, 2
                   run([9, 5, 6, 4, 9], [0, 1, 9, 0, 3], [yes, yes, yes, yes, no], 1)]  # is: config 1
    chosen = _choose(evaluations, [subset("os", [0, 1]), subset("ws", [1, 2]), subset("is", [1])], hw)
    assert chosen.tolist() == [[0, 0, 0, 0, 0], [1, 2, 0, 2, 2], [1, 1, 1, 1, 1]]
