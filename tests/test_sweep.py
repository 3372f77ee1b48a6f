"""Design-space sweeps: grid expansion, validation, equality with single runs, executors."""

import csv

import pytest

from sqnxt_sim import InputError, load_network, resolve_hardware, simulate
from sqnxt_sim.engine.simulate import prepare
from sqnxt_sim.report.sweep_output import write_sweep
from sqnxt_sim.sweep import configurations, execute, grid_from_dict, pareto_front, validate_grid

GRID = {
    "pe_array.rows": [8, 32],
    "pe_array.cols": [4, 16],
    "dataflow": ["os", "ws", "best"],
    "memory.dram_bandwidth_bytes_per_cycle": [16, None],
    "cores": [1, 3],
}


@pytest.fixture(scope="module")
def workloads():
    return [prepare(load_network("sqnxt23_v1")), prepare(load_network("sqnxt23_v5"))]


def test_grid_is_the_cross_product_in_row_major_order():
    grid = grid_from_dict(GRID)
    assert grid.size == 2 * 2 * 3 * 2 * 2  # 48
    assert grid.combination(0) == {"pe_array.rows": 8, "pe_array.cols": 4, "dataflow": "os",
                                   "memory.dram_bandwidth_bytes_per_cycle": 16, "cores": 1}
    # The last key varies fastest: index 1 flips cores; index 47 is the last of every list.
    assert grid.combination(1)["cores"] == 3
    assert grid.combination(47) == {"pe_array.rows": 32, "pe_array.cols": 16, "dataflow": "best",
                                    "memory.dram_bandwidth_bytes_per_cycle": None, "cores": 3}


def test_every_configuration_equals_a_single_run(workloads):
    base = resolve_hardware("32pe_os")
    grid = grid_from_dict(GRID)
    rows = [row for chunk in execute(workloads, base, grid, chunk=7) for row in chunk.totals]
    assert len(rows) == 2 * 48
    configs = configurations(base, grid, 0, grid.size)
    for row in rows:
        workload = workloads[0] if row["network"] == "sqnxt23_v1" else workloads[1]
        single = simulate(workload, configs[row["config"]]).totals
        for key in ("cycles", "energy", "utilization", "dram_read_bytes", "stall_cycles", "loss_fill_drain"):
            assert row[key] == pytest.approx(single[key], rel=1e-9), (row["config"], key)


@pytest.mark.parametrize(
    "grid, field, words",
    [
        ({"pe_array.rows": [8, 0]}, "pe_array.rows", "greater than 0"),
        ({"pe_array.rowz": [8]}, "pe_array.rowz", "unknown key"),
        ({"dataflow": ["os", "diagonal"]}, "dataflow", "diagonal"),
        ({"cores": 4}, "cores", "non-empty list"),
        ({"cores": []}, "cores", "non-empty list"),
        ({"energy.unit": ["pJ"]}, "energy.unit", "cannot vary"),
        ({"energy": [{"unit": "pJ", "mac": 1}]}, "energy", "result column"),
        ({"pe_array": [{"rows": 8, "cols": 8}], "memory": [{"global_buffer_kib": 64}, {"dram_bandwidth_bytes_per_cycle": 8}]},
         None, None),
    ],
)
def test_bad_grids_name_the_file_and_key(grid, field, words):
    if field is None:  # mappings vary several keys together and are allowed
        validate_grid(resolve_hardware("32pe_os"), grid_from_dict(grid, "grid.yaml"))
        return
    with pytest.raises(InputError) as caught:
        validate_grid(resolve_hardware("32pe_os"), grid_from_dict(grid, "grid.yaml"))
    assert caught.value.source == "grid.yaml" and caught.value.field == field
    assert words in str(caught.value)


def test_pareto_front_by_hand():
    # Points (time, energy): (1, 5) (2, 3) (3, 4) (4, 1) (2, 6): (3, 4) is beaten by (2, 3),
    # (2, 6) by (1, 5); the front by time is (1, 5), (2, 3), (4, 1).
    import numpy as np

    front = pareto_front(np.array([1, 2, 3, 4, 2.0]), np.array([5, 3, 4, 1, 6.0]))
    assert front.tolist() == [0, 1, 3]


def read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_files_and_per_layer_rows(tmp_path, workloads):
    grid = grid_from_dict({"pe_array.rows": [8, 16], "dataflow": ["os", "ws"]})
    summary = write_sweep(tmp_path, execute(workloads[:1], resolve_hardware("32pe_os"), grid, per_layer=True),
                          grid.size, "MAC-normalized units", "t", per_layer=True)
    assert (summary.configurations_done, summary.rows, summary.interrupted) == (4, 4, False)
    assert len(read_rows(tmp_path / "sweep.csv")) == 4
    assert len(read_rows(tmp_path / "sweep_layers.csv")) == 4 * 135  # 135 layers per configuration
    assert (tmp_path / "pareto.png").read_bytes()[:4] == b"\x89PNG"
    assert 1 <= len(read_rows(tmp_path / "pareto.csv")) <= 4


def test_interrupted_sweep_keeps_finished_rows_in_a_valid_file(tmp_path, workloads):
    grid = grid_from_dict({"pe_array.rows": list(range(4, 24))})
    chunks = execute(workloads[:1], resolve_hardware("32pe_os"), grid, chunk=5)

    def interrupted():
        for number, chunk in enumerate(chunks):
            if number == 2:
                raise KeyboardInterrupt
            yield chunk

    summary = write_sweep(tmp_path, interrupted(), grid.size, "u", "t", per_layer=False)
    assert summary.interrupted and summary.configurations_done == 10
    rows = read_rows(tmp_path / "sweep.csv")
    assert [int(r["config"]) for r in rows] == list(range(10))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_local_workers_give_the_same_rows(workloads):
    grid = grid_from_dict({"pe_array.rows": [8, 16, 32], "cores": [1, 2]})
    base = resolve_hardware("32pe_os")
    serial = [r for c in execute(workloads, base, grid, chunk=2) for r in c.totals]
    parallel = [r for c in execute(workloads, base, grid, chunk=2, workers=2) for r in c.totals]
    assert serial == parallel


def test_dask_local_cluster_gives_the_same_rows(workloads):
    distributed = pytest.importorskip("distributed")
    grid = grid_from_dict({"pe_array.rows": [8, 16, 32], "dataflow": ["os", "best"]})
    base = resolve_hardware("32pe_os")
    serial = [r for c in execute(workloads, base, grid, chunk=2) for r in c.totals]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = [r for c in execute(workloads, base, grid, chunk=2, scheduler=cluster.scheduler_address) for r in c.totals]
    assert on_dask == serial


def test_rows_do_not_depend_on_the_chunk_size(workloads):
    # Configuration-major order (each configuration, then each network) whatever the chunking.
    grid = grid_from_dict({"pe_array.rows": [8, 16, 32], "dataflow": ["os", "ws"]})
    base = resolve_hardware("32pe_os")
    by_two = [r for c in execute(workloads, base, grid, chunk=2) for r in c.totals]
    by_five = [r for c in execute(workloads, base, grid, chunk=5) for r in c.totals]
    assert by_two == by_five
    assert [(r["config"], r["network"]) for r in by_two[:3]] == [(0, "sqnxt23_v1"), (0, "sqnxt23_v5"), (1, "sqnxt23_v1")]


def test_cli_sweep_headers_carry_the_energy_unit_and_a_failed_sweep_leaves_nothing(tmp_path):
    from click.testing import CliRunner

    from sqnxt_sim.cli import main

    grid = tmp_path / "grid.yaml"
    grid.write_text("pe_array.rows: [8, 16]\n")
    result = CliRunner().invoke(main, ["sweep", "--net", "sqnxt23_v1", "--grid", str(grid), "--out", str(tmp_path / "ok")])
    assert result.exit_code == 0, result.output
    header = (tmp_path / "ok" / "sweep.csv").read_text().splitlines()[0].split(",")
    assert "energy_macnorm" in header and "energy_dram_macnorm" in header and "energy" not in header
    # 2048 x 2048 passes alone; with 2 cores it exceeds the 4,194,304-PE chip limit, which
    # only the combination reveals: the sweep stops with one line and creates no directory.
    grid.write_text("pe_array.rows: [2048]\npe_array.cols: [2048]\ncores: [1, 2]\n")
    result = CliRunner().invoke(main, ["sweep", "--net", "sqnxt23_v1", "--grid", str(grid), "--out", str(tmp_path / "bad")])
    assert result.exit_code == 2 and "cores" in result.output
    assert not (tmp_path / "bad").exists()


def test_tied_grid_values_set_keys_of_several_sections_together():
    from sqnxt_sim import load_network
    from sqnxt_sim.engine.simulate import prepare
    from sqnxt_sim.hardware.config import hardware_from_dict
    from sqnxt_sim.sweep import execute, grid_from_dict, validate_grid

    base = resolve_hardware("32pe_os")
    grid = grid_from_dict({"": [{"memory.global_buffer_kib": 64, "energy.global_buffer": 4.0},
                                {"memory.global_buffer_kib": 256, "energy.global_buffer": 6.0}],
                           "cores": [1, 2]}, "tied.yaml")
    validate_grid(base, grid)
    # 2 tied values x 2 cores = 4 configurations; never 64 KiB at 6.0 or 256 KiB at 4.0
    assert grid.size == 4 and grid.columns == ("memory.global_buffer_kib", "energy.global_buffer", "cores")
    rows = [row for chunk in execute([prepare(load_network("sqnxt23_v1"))], base, grid) for row in chunk.totals]
    assert [(r["memory.global_buffer_kib"], r["energy.global_buffer"], r["cores"]) for r in rows] == [
        (64, 4.0, 1), (64, 4.0, 2), (256, 6.0, 1), (256, 6.0, 2)]
    # The paired configuration is what runs: the same energy as a single run of it.
    hw = hardware_from_dict({**base.model_dump(mode="json"), "memory": {**base.model_dump(mode="json")["memory"],
                             "global_buffer_kib": 64}, "energy": {**base.model_dump(mode="json")["energy"],
                             "global_buffer": 4.0}})
    assert rows[0]["energy"] == pytest.approx(simulate(load_network("sqnxt23_v1"), hw).totals["energy"])


@pytest.mark.parametrize("tied, problem", [
    ([{"memory.global_buffer_kib": 64}, {"energy.global_buffer": 4.0}], "same keys"),
    ([], "non-empty list"),
    ([{"cores": 2}], "varied on its own"),
    ([{"memory.global_buffer_kib": -1}], "greater than 0"),
])
def test_bad_tied_values(tied, problem):
    from sqnxt_sim.sweep import grid_from_dict, validate_grid

    with pytest.raises(InputError) as caught:
        validate_grid(resolve_hardware("32pe_os"), grid_from_dict({"": tied, "cores": [1, 2]}, "tied.yaml"))
    assert caught.value.source == "tied.yaml" and problem in caught.value.problem


def test_every_config_validator_is_either_one_value_or_checked_again_on_combinations():
    # Sweeps validate each grid value alone, then build combinations without a second
    # validation: a validator that ties two keys together must be re-checked (sweep.py,
    # _cross_key_problem). A new validator fails here until it is put in one of the two lists.
    import inspect

    from pydantic import BaseModel

    from sqnxt_sim import sweep
    from sqnxt_sim.hardware import config, vector

    found = set()
    for module in (config, vector):
        for name, model in vars(module).items():
            if inspect.isclass(model) and issubclass(model, BaseModel) and model.__module__ == module.__name__:
                decorators = model.__pydantic_decorators__
                found |= {(name, v) for v in (*decorators.field_validators, *decorators.model_validators)}
    assert found == sweep.CROSS_KEY_VALIDATORS | sweep.ONE_VALUE_VALIDATORS


def test_built_combinations_equal_fully_validated_configs():
    base = resolve_hardware("squeezelerator")
    grid = grid_from_dict({
        "pe_array": [{"rows": 8, "cols": 32}, {"rows": 16, "cols": 16}], "pe_array.cols": [4, 64], "cores": [1, 3],
        "energy.global_buffer": [4.0, None], "memory.global_buffer_kib": [64, 96.5], "best_of": [["os", "ws"], None],
        "vector_unit": [{"lanes": 64, "ops_per_element": {"exp": 6}}],
        "": [{"area.per_core_mm2": 0.5, "clock_mhz": 250}, {"area.per_core_mm2": 0, "clock_mhz": 1000}],
    })
    from sqnxt_sim.hardware.config import hardware_from_dict
    from sqnxt_sim.sweep import apply_overrides

    built = configurations(base, grid, 0, grid.size)
    for index, hw in enumerate(built):
        full = hardware_from_dict(apply_overrides(base.model_dump(mode="json"), grid.combination(index)))
        assert hw.model_dump() == full.model_dump(), index


@pytest.mark.parametrize("grid, field, words", [
    # Each value alone is valid against the base; the combination breaks a rule across keys.
    ({"pe_array.rows": [4096], "pe_array.cols": [2048]}, "pe_array", "more than 4,194,304 PEs"),
    ({"pe_array.rows": [2048], "pe_array.cols": [2048], "cores": [2]}, "cores", "2 cores of 2048 x 2048"),
    ({"energy.global_buffer": [4.0], "energy.global_buffer_by_capacity": ["cacti_65nm"]}, "energy", "not both"),
])
def test_rules_across_keys_hold_for_built_combinations(grid, field, words):
    base = resolve_hardware("32pe_os").model_copy(update={"energy": resolve_hardware("32pe_os").energy.model_copy(
        update={"global_buffer": None})})
    with pytest.raises(InputError) as error:
        configurations(base, grid_from_dict(grid), 0, 1)
    assert error.value.field == field and words in error.value.problem


# A grid over clocks: without leakage, a configuration's clock siblings reuse its evaluation
# (sweep._ClockMemo); with leakage (energy.static_power) each one is evaluated.
CLOCK_GRID = {
    "clock_mhz": [100, 250, 1000],  # 1000 MHz is a 1 ns period: a faster, larger Aladdin MAC row
    "energy.static_power": [None, "cacti_65nm"],
    "pe_array.rows": [8, 16],
    "dataflow": ["os", "best"],
}


def _clock_rows(workloads, **options):
    base = resolve_hardware("32pe_os")
    grid = grid_from_dict(CLOCK_GRID)
    return base, grid, [row for chunk in execute(workloads, base, grid, **options) for row in chunk.totals]


def test_clock_siblings_equal_their_own_single_runs(workloads):
    base, grid, rows = _clock_rows(workloads, chunk=5)
    assert len(rows) == 2 * 24
    configs = configurations(base, grid, 0, grid.size)
    for row in rows:
        workload = workloads[0] if row["network"] == "sqnxt23_v1" else workloads[1]
        single = simulate(workload, configs[row["config"]]).totals
        # Exact: the memo reuses numbers the engine computed, time and area are recomputed.
        for key in ("cycles", "time_ms", "area_mm2", "energy", "energy_static", "utilization", "dram_read_bytes",
                    "loss_memory_stall"):
            assert row[key] == single[key], (row["config"], key)
    # Leakage charges time: the same array at a 10x clock costs less static energy.
    leaky = [r for r in rows if r["energy.static_power"] == "cacti_65nm" and r["network"] == "sqnxt23_v1"]
    assert leaky[0]["clock_mhz"] == 100 and leaky[0]["energy_static"] > 0
    assert all(r["energy_static"] == 0 for r in rows if r["energy.static_power"] is None)


def test_clock_grids_give_the_same_rows_whatever_the_chunks_and_workers(workloads):
    from sqnxt_sim import sweep

    _, _, by_five = _clock_rows(workloads, chunk=5)
    sweep._memo = None
    _, _, by_two_workers = _clock_rows(workloads, chunk=3, workers=2)
    # per_layer takes the path without the memo (each configuration evaluated).
    _, _, evaluated = _clock_rows(workloads, chunk=4, per_layer=True)
    assert by_five == by_two_workers == evaluated


def test_chunks_of_a_clock_grid_keep_siblings_together():
    from sqnxt_sim.sweep import _affinity, _bounds_within, _clock_period

    # clock (3 values) then 8 more combinations: siblings are 8 apart.
    grid = grid_from_dict({"clock_mhz": [1, 2, 3], "cores": [1, 2], "pe_array.rows": [8, 16, 32, 64]})
    # A chunk of 24 holds every sibling; of 5, chunks restart at each clock's block of 8.
    assert _clock_period(grid, 24) == 24 and _clock_period(grid, 5) == 8
    assert list(_bounds_within(24, 5, 8)) == [(0, 5), (5, 8), (8, 13), (13, 16), (16, 21), (21, 24)]
    affinity = _affinity(grid, 5, 8)
    # Chunks at the same offset of their blocks go to the same worker.
    assert affinity(0) == affinity(8) == affinity(16) and affinity(5) == affinity(13) == affinity(21)
    assert affinity(0) != affinity(5)
