"""Hostile sweeps and environments: one line, exit status 2, nothing written, bounded work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sqnxt_sim import load_network, resolve_hardware
from sqnxt_sim.cli import main
from sqnxt_sim.engine.simulate import prepare
from sqnxt_sim.sweep import MAX_CHUNK_CELLS, chunk_size, execute, grid_from_dict, validate_grid


def one_line_error(result, *words):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sqnxt-sim: error: "), result.output
    for word in words:
        assert word in lines[0], lines[0]


def sweep(tmp_path, grid_text, *extra):
    grid = tmp_path / "grid.yaml"
    grid.write_text(grid_text)
    return CliRunner().invoke(main, ["sweep", "--net", "sqnxt23_v1", "--hw", "32pe_os", "--grid", str(grid),
                                     "--out", str(tmp_path / "out"), *extra])


def test_a_grid_too_large_to_enumerate_is_refused_at_once(tmp_path):
    # 1,000^4 = 10^12 combinations: counted, not built (it used to grow past 5 GB).
    values = "[" + ", ".join(str(v) for v in range(1, 1001)) + "]"
    result = sweep(tmp_path, f"pe_array.rows: {values}\npe_array.cols: {values}\ncores: {values}\nclock_mhz: {values}\n")
    one_line_error(result, "grid.yaml", "1,000,000,000,000 combinations")
    assert not (tmp_path / "out").exists()


def test_a_combination_beyond_the_pe_limit_fails_before_any_output(tmp_path):
    # Each value alone is valid (2048 x 2048 = 4,194,304 PEs, the limit), two cores are not.
    result = sweep(tmp_path, "pe_array.rows: [8, 2048]\npe_array.cols: [2048]\ncores: [1, 2]\n")
    one_line_error(result, "grid.yaml", "cores", "pe_array.rows = 2048")
    assert not (tmp_path / "out").exists()


def test_an_output_name_taken_by_a_directory_fails_before_the_work(tmp_path):
    (tmp_path / "out" / "sweep.csv").mkdir(parents=True)
    result = sweep(tmp_path, "pe_array.rows: [8, 16]\n")
    one_line_error(result, "sweep.csv", "not a regular file")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["sweep.csv"]


@pytest.mark.parametrize("address", ["ucx://127.0.0.1:8786", "tls://127.0.0.1:8786", "127.0.0.1", "tcp://host:99999"])
def test_scheduler_addresses_other_than_tcp_are_refused(tmp_path, address):
    result = sweep(tmp_path, "pe_array.rows: [8, 16]\n", "--scheduler", address)
    one_line_error(result, "--scheduler")
    assert not (tmp_path / "out").exists()


def test_a_huge_chunk_is_capped_by_layers():
    # sqnxt23_v1 has 135 layers: at most 50,000 / 135 = 370 configurations per call.
    assert chunk_size(1_000_000, 135) == MAX_CHUNK_CELLS // 135 == 370
    assert chunk_size(512, 135) == 370 and chunk_size(256, 135) == 256 and chunk_size(10, 10**7) == 1
    workload = prepare(load_network("sqnxt23_v1"))
    grid = grid_from_dict({"pe_array.rows": [8, 16, 32]})
    base = resolve_hardware("32pe_os")
    validate_grid(base, grid)
    chunks = list(execute([workload], base, grid, chunk=1_000_000))
    assert [(c.start, c.stop) for c in chunks] == [(0, 3)]


def test_export_refuses_a_negative_seed(tmp_path):
    result = CliRunner().invoke(main, ["export", "sqnxt23_v1", str(tmp_path / "m.onnx"), "--seed", "-1"])
    assert result.exit_code == 2 and "Traceback" not in result.output and "--seed" in result.output
    assert not (tmp_path / "m.onnx").exists()


def test_a_bogus_matplotlib_backend_in_the_environment_is_ignored(tmp_path):
    # Figures only go to files: MPLBACKEND=bogus used to end in a traceback at import.
    env = {**os.environ, "MPLBACKEND": "bogus"}
    out = tmp_path / "report"
    run = subprocess.run([sys.executable, "-m", "sqnxt_sim.cli", "run", "--net", "sqnxt23_v1", "--out", str(out)],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert (out / "utilization.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_long_config_name_still_makes_valid_file_names(tmp_path):
    hw = tmp_path / "long.yaml"
    hw.write_text("name: " + "n" * 200 + "\npe_array: {rows: 8, cols: 8}\n")  # the longest name allowed
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["compare", "--net", "sqnxt23_v1", "--net", "sqnxt23_v5", "--hw", str(hw),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = [p.name for p in out.iterdir()]
    assert any(name.startswith("layers_nnn") for name in names) and max(map(len, names)) <= 100  # layers_ + 80 + .png


def test_a_failed_write_leaves_no_new_directory(tmp_path, monkeypatch):
    from sqnxt_sim import InputError, cli

    def failing(directory, files):
        raise InputError(str(directory / "comparison.csv"), None, "cannot write: No space left on device")

    monkeypatch.setattr(cli, "write_report", failing)
    out = tmp_path / "new"
    result = CliRunner().invoke(main, ["compare", "--net", "sqnxt23_v1", "--net", "sqnxt23_v5", "--hw", "8x8_os",
                                       "--out", str(out)])
    one_line_error(result, "No space left")
    assert not out.exists()


def test_comparing_a_zero_energy_config_with_a_pj_one_warns_nothing(tmp_path):
    import warnings

    from sqnxt_sim import hardware_from_dict
    from sqnxt_sim.report.compare import comparison_files
    from sqnxt_sim.studies.compare import compare

    zero = hardware_from_dict({"name": "zero", "pe_array": {"rows": 8, "cols": 8},
                               "energy": {"mac": 0, "register_file": 0, "inter_pe": 0, "inter_pe_hop": 0,
                                          "global_buffer": 0, "dram": 0}})
    pj = hardware_from_dict({"name": "pj", "pe_array": {"rows": 8, "cols": 8}, "energy": {"unit": "pJ"}})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NaN division used to warn (and draw nothing sensible)
        files = comparison_files(compare(["sqnxt23_v1", "sqnxt23_v5"], [zero, pj]))
    assert "nan" not in files["comparison.json"].lower()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_mid_sweep_keeps_the_finished_rows_and_leaves_no_worker(tmp_path, signal_name):
    import csv
    import signal
    import time

    grid = tmp_path / "grid.yaml"
    grid.write_text("pe_array.rows: [4, 8, 12, 16, 20, 24, 28, 32]\npe_array.cols: [4, 8, 12, 16, 20, 24, 28, 32]\n"
                    "cores: [1, 2, 3, 4]\nmemory.dram_bandwidth_bytes_per_cycle: [8, 16, 32, 64, 128, null]\n"
                    "dataflow: [os, ws, best]\n")  # 4,608 configurations: far longer than the wait below
    out = tmp_path / "sweep-out"
    job = subprocess.Popen([sys.executable, "-m", "sqnxt_sim.cli", "sweep", "--net", "sqnxt23_v1", "--hw", "32pe_os",
                            "--grid", str(grid), "--out", str(out), "--workers", "2", "--chunk", "64"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    def finished_rows() -> int:  # data rows in the sweep's temporary file so far
        return sum(max(0, path.read_bytes().count(b"\n") - 1) for path in out.glob(".sweep.csv.*.tmp"))

    deadline = time.monotonic() + 60
    while finished_rows() == 0 and time.monotonic() < deadline and job.poll() is None:
        time.sleep(0.1)  # a loaded machine may take a while: signal once some chunk has finished
    os.killpg(job.pid, getattr(signal, signal_name))  # the whole process group, workers included
    _, stderr = job.communicate(timeout=60)
    assert job.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    with open(out / "sweep.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert 0 < len(rows) < 4608 and [int(r["config"]) for r in rows] == list(range(len(rows)))
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))
    # No process of this sweep outlives it (the workers' command lines name the unique out path).
    time.sleep(0.5)
    survivors = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if str(out) in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    survivors.append(proc.name)
            except OSError:
                pass
    assert not survivors


def test_errors_the_simulation_finds_name_the_hardware_file(tmp_path):
    # A valid config whose buffer cannot stage one tile: found by the engine, not the loader.
    hw = tmp_path / "tiny.yaml"
    hw.write_text("name: tiny\npe_array: {rows: 32, cols: 32}\nmemory: {global_buffer_kib: 1.0e-12}\n")
    for command in (["run", "--net", "alexnet", "--hw", str(hw)],
                    ["compare", "--net", "alexnet", "--net", "sqnxt23_v1", "--hw", str(hw)]):
        one_line_error(CliRunner().invoke(main, command), str(hw), "memory.global_buffer_kib")
    result = sweep(tmp_path, "memory.global_buffer_kib: [1.0e-12, 128]\n")
    one_line_error(result, "grid.yaml", "memory.global_buffer_kib", "combinations 0..1")


def test_a_figure_with_thousands_of_stages_stays_quick_and_honest():
    # 2,000 one-layer stages: stages.png keeps the 39 with the most cycles and one bar for the
    # rest (it took minutes: a tick and a separator per stage); utilization.png names none.
    from sqnxt_sim import network_from_dict, simulate
    from sqnxt_sim.report.plots import run_figures
    from sqnxt_sim.report.plots import _fewer_stages
    from sqnxt_sim.report.stages import stage_rows

    layers = [{"name": f"c{i}", "op": "conv", "out_channels": 8, "kernel": 1, "stage": f"s{i}"} for i in range(2000)]
    net = network_from_dict({"name": "many", "input": {"channels": 8, "height": 4, "width": 4}, "layers": layers})
    results = simulate(net, resolve_hardware("8x8_os"))
    rows = _fewer_stages(stage_rows(results), results)
    assert len(rows) == 40 and rows[-1]["stage"] == "1,961 other stages"
    assert sum(row["cycles"] for row in rows) == results.totals["cycles"]  # nothing dropped
    figures = run_figures(results)
    assert all(png[:4] == b"\x89PNG" for png in figures.values())


def test_a_silent_peer_at_the_scheduler_address_is_not_waited_for(monkeypatch):
    # A peer that accepts the connection and never answers held the sweep indefinitely.
    import socket

    distributed = pytest.importorskip("distributed")
    from sqnxt_sim import InputError, sweep as sweeping

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    monkeypatch.setattr(sweeping, "SCHEDULER_TIMEOUT_S", 2)
    try:
        with pytest.raises(InputError, match="no Dask scheduler answered") as error:
            sweeping._connect(distributed.Client, f"tcp://127.0.0.1:{server.getsockname()[1]}")
        assert error.value.source == "--scheduler"
    finally:
        server.close()


@pytest.mark.parametrize("field, text", [("stage", "s" * 201), ("name", "n" * 201)])
def test_labels_printed_in_every_report_are_bounded(tmp_path, field, text):
    layer = {"name": "c", "op": "conv", "out_channels": 8, "kernel": 1, "stage": "a"}
    top = {"name": "net"}
    (layer if field == "stage" else top)[field] = text
    import yaml

    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump({**top, "input": {"channels": 8, "height": 4, "width": 4}, "layers": [layer]}))
    one_line_error(CliRunner().invoke(main, ["run", "--net", str(path)]), "net.yaml", field, "200")
