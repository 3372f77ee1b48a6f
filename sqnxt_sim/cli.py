"""The command line: parse options, call the library, print. Nothing else lives here."""

from __future__ import annotations

import contextlib
import shutil
import signal
import sys
from functools import wraps
from pathlib import Path

import click

from .engine.simulate import simulate
from .errors import InputError, SqnxtError
from .hardware.load import hardware_file, resolve_hardware
from .outputs import check_out_dir, prepare_dir, write_report
from .report.export import json_text, layers_csv, results_json, rows_csv
from .report.formats import names as format_names, render
from .report.formats.text import text_table
from .report.tables import Table, energy_units
from .report.table import layer_table_text, totals_text
from .workload.load import load_network

EXIT_BAD_INPUT = 2

FORMAT_NAMES = format_names()
format_option = click.option("--format", "fmt", type=click.Choice(list(FORMAT_NAMES)), default="table",
                             show_default=True, help="What to print on stdout (table: text for a terminal).")
batch_option = click.option("--batch", type=click.IntRange(1, 1_000_000), default=None,
                            help="Batch size (default: the network file's, 1 for the zoo).")


def friendly_errors(command):
    """Our own errors become one line on stderr and exit status 2, never a traceback."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SqnxtError as error:
            click.echo(f"sqnxt-sim: error: {error}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            click.echo("sqnxt-sim: interrupted", err=True)
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sqnxt-sim")
def main() -> None:
    """Analytical performance and energy simulator for neural-network accelerators.

    \b
    Start here:
      sqnxt-sim run --net sqnxt23_v1 --hw hwconfigs/32pe_os.yaml   # per-layer table
      sqnxt-sim nets ; sqnxt-sim hws                               # what is shipped
      sqnxt-sim reproduce                                          # the SqueezeNext study
    Each command has examples in its own --help.
    """


def _shipped(path: Path, kind: str, option: str) -> Path:
    """A grid or search-space file as given, or a shipped one by name (sweeps/arrays.yaml is
    ``--grid arrays``, searches/sqnxt23_blocks.yaml ``--space sqnxt23_blocks``; also from a wheel)."""
    from .paths import find_named_file

    return find_named_file(str(path), kind, option, "grid" if kind == "sweeps" else "search space")

@main.command()
@click.option("--net", "net", default="sqnxt23_v1", show_default=True,
              help="Zoo network name or path to a network .yaml / .onnx / SCALE-Sim topology .csv file.")
@click.option("--hw", "hw", default="32pe_os", show_default=True,
              help="Hardware config: path to a .yaml file or a shipped config name.")
@format_option
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Directory for layers.csv, stages.csv, summary.json and the figures (utilization.png, "
                   "cycles_energy.png, stages.png).")
@batch_option
@click.option("--sort", type=click.Choice(["cycles", "energy", "utilization"]), default=None,
              help="Order the table and CSV rows: most cycles / most energy / lowest utilization first.")
@click.option("--top", type=click.IntRange(1, None), default=None, help="Show only the first N rows (after --sort).")
@friendly_errors
def run(net: str, hw: str, fmt: str, out: Path | None, batch: int | None, sort: str | None, top: int | None) -> None:
    """Simulate one network on one accelerator and report per-layer results.

    \b
    Examples:
      sqnxt-sim run --net sqnxt23_v1 --hw hwconfigs/32pe_os.yaml
      sqnxt-sim run --net sqnxt23_v1 --hw squeezelerator --sort cycles --top 10
      sqnxt-sim run --net model.onnx --hw eyeriss --format csv > layers.csv
      sqnxt-sim run --net alexnet --hw 32pe_ws --out reports/alexnet

    The table's "share" is each layer's part of the network's cycles, "lost most to" the
    cause that wastes most of its PE-cycles; --sort and --top pick the layers that matter.
    --out always writes every layer in execution order; JSON holds every layer.
    """
    if out is not None:
        check_out_dir(out)  # a bad --out is reported before any work
    network = load_network(net, batch=batch)
    hardware = resolve_hardware(hw)
    results = simulate(network, hardware, str(hardware_file(hw)))
    if out is not None:
        from .report.plots import run_figures
        from .report.stages import stage_rows

        # Render everything before writing anything, so a failure leaves no partial report.
        files = {"layers.csv": layers_csv(results),
                 "stages.csv": rows_csv(stage_rows(results), energy_suffix=results.energy_unit.column_suffix),
                 "summary.json": results_json(results), **run_figures(results)}
        _write_files(out, files)
    if fmt == "csv":
        click.echo(layers_csv(results, sort, top), nl=False)
    elif fmt == "json":
        click.echo(results_json(results), nl=False)
    elif fmt == "markdown":
        from .report.table import selected_rows

        columns = ["index", "name", "op", "shape", "macs", "cycles", "utilization", "spatial_utilization", "dataflow",
                   "bound", "energy"]
        click.echo(render(Table(f"{network.name} on {hardware.name}", columns, selected_rows(results, sort, top),
                                energy_units(columns, results.energy_unit.column_suffix),
                                ["```", *totals_text(results).splitlines(), "```"]), fmt), nl=False)
    else:
        click.echo(layer_table_text(results, sort, top))
        click.echo()
        click.echo(totals_text(results))
        if out is not None:
            click.echo(f"wrote     {out}/: {', '.join(files)}")


@main.command()
@format_option
@friendly_errors
def nets(fmt: str) -> None:
    """List the network zoo: layers, MACs, weights and parameters of each network.

    \b
    Examples:
      sqnxt-sim nets
      sqnxt-sim nets --format json
    """
    from .report.catalog import ZOO_COLUMNS, zoo_rows, zoo_text
    from .workload.load import zoo_names

    _print_rows(zoo_rows([load_network(name) for name in zoo_names()]), ZOO_COLUMNS, zoo_text, fmt)


@main.command()
@format_option
@friendly_errors
def hws(fmt: str) -> None:
    """List the shipped hardware configs with their key parameters.

    \b
    Examples:
      sqnxt-sim hws
      sqnxt-sim hws --format csv
    """
    from .hardware.load import shipped_configs
    from .report.catalog import HW_COLUMNS, hw_rows, hw_text

    _print_rows(hw_rows([resolve_hardware(name) for name in shipped_configs()]), HW_COLUMNS, hw_text, fmt)


def _print_rows(rows: list[dict], columns: list[str], as_text, fmt: str) -> None:
    """A catalog (networks, configs) in any format; ``as_text`` renders the terminal table."""
    if fmt == "table":
        click.echo(as_text(rows))
    elif fmt == "json":
        click.echo(json_text(rows), nl=False)  # every key of every row
    else:
        click.echo(render(Table("", columns, rows), fmt), nl=False)


@main.command()
@click.argument("net")
@format_option
@friendly_errors
def show(net: str, fmt: str) -> None:
    """Print a network's layers: name, op, stage, shape, MACs, weights.

    NET is a zoo name (see `sqnxt-sim nets`) or a path to a network .yaml / .onnx /
    SCALE-Sim topology .csv file.

    \b
    Examples:
      sqnxt-sim show sqnxt23_v5
      sqnxt-sim show model.onnx --format csv
    """
    from .report.catalog import LAYER_COLUMNS, layer_rows, network_text

    try:
        network = load_network(net)
    except InputError as error:
        if error.source != "--net":
            raise
        raise InputError("NET", error.field, error.problem) from None  # `show` takes a positional NET
    if fmt in ("csv", "markdown"):
        click.echo(render(Table(network.name if fmt == "markdown" else "", LAYER_COLUMNS, layer_rows(network)), fmt),
                   nl=False)
    elif fmt == "json":
        click.echo(json_text({"name": network.name, "display_name": network.display_name,
                              "reconstruction": network.reconstruction, "description": network.description,
                              "macs": network.macs, "weights": network.weights, "parameters": network.parameters,
                              "layers": layer_rows(network)}), nl=False)
    else:
        click.echo(network_text(network))


@main.command()
@click.option("--net", "nets_", multiple=True, required=True,
              help="Network to compare (repeat: --net A --net B ...). Ratios are against the first.")
@click.option("--hw", "hws", multiple=True, default=("32pe_os",), show_default=True,
              help="Hardware config (repeat for several).")
@format_option
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Directory for comparison.csv, comparison.json and the figures (totals.png, stages.png, "
                   "layers_<config>.png).")
@batch_option
@friendly_errors
def compare(nets_: tuple[str, ...], hws: tuple[str, ...], fmt: str, out: Path | None, batch: int | None) -> None:
    """Compare networks on one or more configs: totals, and ratios against the first network.

    \b
    Examples:
      sqnxt-sim compare --net sqnxt23_v1 --net sqnxt23_v5 --hw 32pe_os
      sqnxt-sim compare --net squeezenet1_0 --net sqnxt23_v5 --hw 32pe_os --hw eyeriss --out reports/cmp
    """
    from .report import compare as comparing
    from .studies.compare import compare as compare_networks

    if out is not None:
        check_out_dir(out)
    comparison = compare_networks(list(nets_), list(hws), batch=batch)
    if out is not None:
        files = comparing.comparison_files(comparison)
        _write_files(out, files)
    if fmt == "csv":
        click.echo(comparing.comparison_csv(comparison), nl=False)
    elif fmt == "json":
        click.echo(comparing.comparison_json(comparison), nl=False)
    elif fmt == "markdown":
        columns = ["hardware", "label", "macs", "cycles", "time_ms", "area_mm2", "energy", "utilization",
                   "cycles_ratio", "energy_ratio"]
        click.echo(render(Table(f"{', '.join(comparison.labels)} on {', '.join(hw.name for hw in comparison.hardware)}",
                                columns, comparing.comparison_rows(comparison),
                                energy_units(columns, comparison.energy_suffix)), fmt), nl=False)
    else:
        click.echo(comparing.comparison_text(comparison))
        if out is not None:
            click.echo(f"wrote {out}/: {', '.join(files)}")


@main.command()
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("reports/study"), show_default=True,
              help="Directory for report.md, its figures and the CSV tables.")
@click.option("--hw", "hws", multiple=True,
              help="Hardware config to include (repeat; default: every shipped config).")
@click.option("--space", "space_path", type=click.Path(path_type=Path), default=None,
              help="Search space of section 8 (default: v1's 21 blocks over 4 stages, both stems and first-block "
                   "styles; docs/search.md).")
@click.option("--workers", type=click.IntRange(1, 256), default=2, show_default=True,
              help="Local worker processes for the family search.")
@friendly_errors
def reproduce(out: Path, hws: tuple[str, ...], space_path: Path | None, workers: int) -> None:
    """Reproduce the SqueezeNext study: v1..v5 and the baselines on the shipped configs, as a report.

    \b
    Examples:
      sqnxt-sim reproduce                       # reports/study/report.md and its figures
      sqnxt-sim reproduce --out /tmp/study --hw 32pe_os --hw squeezelerator

    Sections 7 and 8 tune the accelerator to each network and search the network family
    (about 20 s of the run on two workers).
    """
    from .report.study import study_files, study_findings, study_summary
    from .studies.search import load_space
    from .studies.squeezenext import run_study

    check_out_dir(out)
    space = load_space(_shipped(space_path, "searches", "--space")) if space_path is not None else None
    study = run_study(list(hws) or None, design=True, search_space=space, workers=workers)
    facts = study_findings(study)
    files = study_files(study, facts)
    _write_files(out, files)
    click.echo(study_summary(study, facts))
    figures = sum(name.endswith(".png") for name in files)
    tables = sum(name.endswith(".csv") for name in files)
    click.echo(f"wrote     {out / 'report.md'} with {figures} figures, {tables} CSV tables and findings.json")


def limit_options(command):
    """--max-area, --max-pes, --max-buffer: the budget every evaluated configuration meets."""
    for option in reversed([
        click.option("--max-area", "max_area", type=click.FloatRange(0, None, min_open=True), default=None,
                     help="Evaluate only configurations of at most this chip area (mm^2; hardware/area.py)."),
        click.option("--max-pes", "max_pes", type=click.IntRange(1, None), default=None,
                     help="Evaluate only configurations of at most this many PEs (rows x cols x cores)."),
        click.option("--max-buffer", "max_buffer", type=click.FloatRange(0, None, min_open=True), default=None,
                     help="Evaluate only configurations whose global buffer is at most this many KiB."),
    ]):
        command = option(command)
    return command


@main.command()
@click.option("--net", "nets_", multiple=True, required=True, help="Network to sweep (repeat for several).")
@click.option("--hw", "hw", default="32pe_os", show_default=True, help="Base hardware config the grid modifies.")
@click.option("--grid", "grid_path", required=True, type=click.Path(path_type=Path),
              help="YAML mapping dotted hardware keys to lists of values; the sweep is their cross product.")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Directory for sweep.csv (one row per network x config), pareto.csv, pareto.png "
                   "and, with --per-layer, sweep_layers.csv.")
@click.option("--per-layer", is_flag=True, help="Also write one row per layer (sweep_layers.csv).")
@click.option("--workers", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Local worker processes.")
@click.option("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786) to run the sweep on a cluster.")
@click.option("--chunk", type=click.IntRange(1, 1_000_000), default=256, show_default=True,
              help="Configurations per engine call (bounds memory; capped so that configurations x layers "
                   "stays within 50,000).")
@batch_option
@click.option("--color-by", "color_by", default=None,
              help="Grid key whose value colours pareto.png's points (default: the key with the most values).")
@limit_options
@friendly_errors
def sweep(nets_: tuple[str, ...], hw: str, grid_path: Path, out: Path | None, per_layer: bool, workers: int,
          scheduler: str | None, chunk: int, batch: int | None, color_by: str | None, max_area: float | None,
          max_pes: int | None, max_buffer: float | None) -> None:
    """Design-space sweep: networks x every combination of a grid of hardware values.

    \b
    Examples:
      sqnxt-sim sweep --net sqnxt23_v1 --hw 32pe_os --grid sweeps/arrays.yaml --out reports/sweep
      sqnxt-sim sweep --net sqnxt23_v1 --net sqnxt23_v5 --grid grid.yaml --workers 2
      sqnxt-sim sweep --net alexnet --grid grid.yaml --scheduler tcp://10.0.0.5:8786 --out big
      sqnxt-sim sweep --net sqnxt23_v5 --grid sweeps/arrays.yaml --max-area 4 --out budget

    A grid file maps dotted hardware keys to lists of values (pe_array.rows: [16, 32]);
    progress goes to stderr (a bar on a terminal, a line per tenth of the grid otherwise).
    """
    import time

    from .hardware.energy import access_costs
    from .report.labels import energy_unit_label
    from .engine.simulate import prepare
    from .report.sweep_output import front_text, write_sweep
    from .sweep import Limits, check_scheduler_address, execute, load_grid, validate_grid

    limits = Limits(max_area, max_pes, max_buffer)
    if scheduler:
        check_scheduler_address(scheduler)
    if out is not None:
        check_out_dir(out)
    workloads = [prepare(load_network(name, batch=batch)) for name in nets_]
    base = resolve_hardware(hw)
    grid = load_grid(_shipped(grid_path, "sweeps", "--grid"))
    validate_grid(base, grid)
    if color_by is not None and color_by not in grid.columns:
        raise InputError("--color-by", None, f"{color_by!r} is not a key of the grid; it sets {', '.join(grid.columns)}")
    if per_layer and out is None:
        raise InputError("--per-layer", None, "needs --out DIR (per-layer rows go to sweep_layers.csv)")
    directory = out  # created by write_sweep with the first finished rows
    started = time.perf_counter()
    chunks = execute(workloads, base, grid, per_layer=per_layer, workers=workers, scheduler=scheduler, chunk=chunk,
                     limits=limits, csv_lines=out is not None)
    title = f"{', '.join(nets_)}: {grid.size:,} configurations of {base.name} ({', '.join(grid.columns)})"
    terminal = sys.stderr.isatty()
    with _terminate_as_interrupt(), click.progressbar(length=grid.size, label="sweeping", file=sys.stderr,
                                                      hidden=grid.size <= chunk or not terminal) as bar:
        def advancing():
            done, last_line, next_share = 0, time.perf_counter(), 0.1
            for result in chunks:
                yield result
                bar.update(result.stop - result.start)
                done += result.stop - result.start
                now = time.perf_counter()
                # Piped or logged: a line per tenth of the grid, and at least one every 10 s.
                if not terminal and grid.size > chunk and done < grid.size and (done >= next_share * grid.size
                                                                                or now - last_line >= 10):
                    click.echo(f"sweeping  {done:,} of {grid.size:,} configurations ({done / grid.size:.0%}), "
                               f"{now - started:.1f} s", err=True)
                    last_line, next_share = now, (int(done / grid.size * 10) + 1) / 10

        summary = write_sweep(directory, advancing(), grid.size, energy_unit_label(access_costs(base).unit), title,
                              per_layer, energy_suffix=access_costs(base).unit.column_suffix,
                              color_key=color_by or grid.most_varied_column())
    elapsed = time.perf_counter() - started
    click.echo(f"swept     {summary.configurations_done:,} of {grid.size:,} configurations x {len(workloads)} "
               f"network(s) in {elapsed:.2f} s ({summary.configurations_done * len(workloads) / max(elapsed, 1e-9):,.0f} evaluations/s)")
    if limits:
        click.echo(f"limits    {limits.text()}: {summary.cut:,} configurations over them were not evaluated")
        if not summary.rows:
            raise InputError("--max-area/--max-pes/--max-buffer", None, f"no configuration of the grid is within {limits.text()}")
    click.echo(front_text(summary.fronts, grid.columns))
    click.echo(front_text(summary.fronts_3d, grid.columns, objectives="time, energy and area"))
    if directory is not None:
        click.echo(f"wrote     {directory}/: sweep.csv{', sweep_layers.csv' if per_layer else ''}, pareto.csv, pareto.png, "
                   "pareto3.csv, pareto3.png, sweep_summary.json")
    if summary.interrupted:
        click.echo(f"sqnxt-sim: interrupted; the {summary.rows:,} rows finished are in the files", err=True)
        sys.exit(130)


@main.command()
@click.option("--net", "nets_", multiple=True, required=True, help="Network to tune for (repeat for several).")
@click.option("--hw", "hw", default="32pe_os", show_default=True,
              help="The fixed design: the base the grid modifies, and what tuning is compared with.")
@click.option("--budget", "budget", type=click.FloatRange(0, None, min_open=True), default=None,
              help="Chip area budget in mm^2 (default: the --hw design's own area, an equal-area comparison).")
@click.option("--max-pes", "max_pes", type=click.IntRange(1, None), default=None,
              help="Also at most this many PEs (rows x cols x cores).")
@click.option("--max-buffer", "max_buffer", type=click.FloatRange(0, None, min_open=True), default=None,
              help="Also a global buffer of at most this many KiB.")
@click.option("--grid", "grid_path", type=click.Path(path_type=Path), default=None,
              help="Grid of hardware values to tune over (default: rows and cols 4..64, cores 1..4, os/ws/is/best, "
                   "buffers 32..512 KiB; 1,500 configurations).")
@click.option("--objective", type=click.Choice(["time", "energy", "edp"]), default="time", show_default=True,
              help="What the best design minimizes (edp: time x energy).")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Directory for tune.csv (the best designs per network) and tuned_<net>.yaml (the best, "
                   "ready for --hw).")
@click.option("--workers", type=click.IntRange(1, 256), default=1, show_default=True, help="Local worker processes.")
@batch_option
@friendly_errors
def tune(nets_: tuple[str, ...], hw: str, budget: float | None, max_pes: int | None, max_buffer: float | None,
         grid_path: Path | None, objective: str, out: Path | None, workers: int, batch: int | None) -> None:
    """The best accelerator for each network within a budget, against a fixed design.

    \b
    Examples:
      sqnxt-sim tune --net sqnxt23_v5                    # within 32pe_os's own area
      sqnxt-sim tune --net sqnxt23_v1 --net sqnxt23_v5 --budget 4 --out reports/tune
      sqnxt-sim tune --net alexnet --budget 10 --max-buffer 256 --objective edp

    Every configuration of the grid within the budget is evaluated; tune.csv keeps the ten
    best per network and tuned_<net>.yaml the best one as a hardware file.
    """
    import yaml

    from .engine.simulate import prepare
    from .hardware.area import area_of
    from .report.labels import energy_unit_label
    from .hardware.energy import access_costs
    from .studies.tune import DEFAULT_GRID, hardware_of, tune as tune_designs
    from .sweep import Limits, grid_from_dict, load_grid, validate_grid

    if out is not None:
        check_out_dir(out)
    workloads = [prepare(load_network(name, batch=batch)) for name in nets_]
    base = resolve_hardware(hw)
    grid = (load_grid(_shipped(grid_path, "sweeps", "--grid")) if grid_path is not None
            else grid_from_dict(DEFAULT_GRID, "the default tuning grid"))
    validate_grid(base, grid)
    base_area = area_of(base).columns()["area_mm2"]
    limits = Limits(budget if budget is not None else base_area, max_pes, max_buffer)
    result = tune_designs(workloads, base, limits, grid, objective, workers)
    unit = energy_unit_label(access_costs(base).unit)
    suffix = access_costs(base).unit.column_suffix
    budget_text = limits.text() + ("" if budget is not None else f" ({base.name}'s own area)")
    click.echo(f"tune      {', '.join(nets_)}: {result.evaluated:,} of {result.configurations:,} configurations within "
               f"{budget_text}; objective {objective}; energy in {unit}")
    files: dict[str, str] = {}
    csv_rows = []
    for name, tuned in result.tuned.items():
        best = tuned.best[0]
        fixed = tuned.fixed
        header = ["rank", "config", "time_ms", f"energy_{suffix}", "area_mm2", "util", "grid values"]
        lines = [[str(rank), str(r["config"]), f"{r['time_ms']:.4g}", f"{r['energy']:.4g}", f"{r['area_mm2']:.3g}",
                  f"{r['utilization']:.3f}", ", ".join(f"{k}={r[k]}" for k in grid.columns)]
                 for rank, r in enumerate(tuned.best, start=1)]
        click.echo(f"\n{name}: the {len(lines)} best by {objective}")
        click.echo(text_table(header, lines, left={6}))
        click.echo(f"fixed     {base.name}: {fixed['time_ms']:.4g} ms, {fixed['energy']:.4g} {unit}, "
                   f"{fixed['area_mm2']:.3g} mm^2, utilization {fixed['utilization']:.3f}")
        click.echo(f"tuned     config {best['config']}: {tuned.gain:.2f}x better {objective} than {base.name} "
                   f"({fixed['time_ms'] / best['time_ms']:.2f}x the speed, {best['area_mm2'] / fixed['area_mm2']:.2f}x the area)")
        csv_rows += [{"rank": rank, **r} for rank, r in enumerate(tuned.best, start=1)]
        design = hardware_of(base, grid, best, f"tuned_{name}")
        files[f"tuned_{name}.yaml"] = yaml.safe_dump(design.model_dump(mode="json"), sort_keys=False)
    if out is not None:
        files["tune.csv"] = rows_csv(csv_rows, energy_suffix=suffix)
        write_report(prepare_dir(out), files)
        click.echo(f"\nwrote     {out}/: {', '.join(sorted(files))}")


@main.command()
@click.option("--space", "space_path", required=True, type=click.Path(path_type=Path),
              help="Search space file (YAML): the base family network and the values to try (docs/search.md).")
@click.option("--hw", "hw", default="32pe_os", show_default=True,
              help="Accelerator to search on (with --grid: the base config the grid modifies).")
@click.option("--grid", "grid_path", default=None, type=click.Path(path_type=Path),
              help="Grid of hardware values, as for sweep: the joint search, every candidate on every configuration.")
@click.option("--max-macs", "max_macs", type=click.IntRange(1), default=None,
              help="Cut candidates with more MACs, unevaluated (overrides the space file's max_macs).")
@click.option("--max-params", "max_params", type=click.IntRange(1), default=None,
              help="Cut candidates with more parameters (weights), unevaluated (overrides the space file's max_params).")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Directory for search.csv (one row per candidate x config), search_pareto.csv and search.png.")
@click.option("--workers", type=click.IntRange(1, 256), default=1, show_default=True, help="Local worker processes.")
@click.option("--reference", default="sqnxt23_v5", show_default=True,
              help="Network the best candidate at its parameter budget is compared with (zoo name or path; none: skip).")
@friendly_errors
def search(space_path: Path, hw: str, grid_path: Path | None, max_macs: int | None, max_params: int | None,
           out: Path | None, workers: int, reference: str) -> None:
    """Search the SqueezeNext family (blocks per stage, stem, first block, width, groups) on an accelerator.

    \b
    Examples:
      sqnxt-sim search --space searches/sqnxt23_blocks.yaml --hw 32pe_os --out reports/search
      sqnxt-sim search --space searches/sqnxt23_blocks.yaml --hw 32pe_ws --max-params 915648 --workers 2
      sqnxt-sim search --space space.yaml --hw 32pe_os --grid grid.yaml --out joint   # joint search

    Prints the counts (candidates, cut, skipped, evaluated), the speed, the best candidate by
    cycles within the base's parameters and how the best within the reference's (v5's) compares.
    """
    from .studies.search import load_space, reference_finding, run_search, search_fronts
    from .report.search_output import search_files, search_summary
    from .sweep import load_grid

    if out is not None:
        check_out_dir(out)
    space = load_space(_shipped(space_path, "searches", "--space"))
    base = resolve_hardware(hw)
    grid = load_grid(_shipped(grid_path, "sweeps", "--grid")) if grid_path is not None else None
    if reference.lower() != "none":
        from .paths import find_named_file

        # A bad name fails before the search, not after it.
        load_network(find_named_file(reference, "networks", "--reference", "network"))
    shown = {"share": 0.1}

    def progress(done: int, total: int) -> None:
        # A line on stderr per tenth of a search of 10,000 evaluations or more.
        if total >= 10_000 and done < total and done >= shown["share"] * total:
            click.echo(f"searching {done:,} of {total:,} evaluations ({done / total:.0%})", err=True)
            shown["share"] = (int(done / total * 10) + 1) / 10

    with _terminate_as_interrupt():
        result = run_search(space, base, grid, workers=workers, max_macs=max_macs, max_params=max_params,
                            progress=progress)
    fronts = search_fronts(result)
    finding = reference_finding(result, reference) if reference.lower() != "none" and result.evaluations else None
    if out is not None:
        _write_files(out, search_files(result, fronts))
    click.echo(search_summary(result, fronts, finding))
    if out is not None:
        click.echo(f"wrote     {out}/: search.csv ({result.evaluations:,} rows), search_pareto.csv"
                   + (", search.png" if result.evaluations else ""))


@main.command("export")
@click.argument("net")
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True,
              help="Seed of the random weights written.")
@friendly_errors
def export_(net: str, target: Path, seed: int) -> None:
    """Export a network to an ONNX model (needs the onnx extra).

    \b
    Examples:
      sqnxt-sim export sqnxt23_v5 sqnxt23_v5.onnx
      sqnxt-sim export my_net.yaml my_net.onnx --seed 7
    """
    from .workload.onnx.export import export_onnx

    path = export_onnx(load_network(net), target, seed=seed)
    click.echo(f"wrote     {path}")


@main.command()
@click.argument("kind", type=click.Choice(["network", "hw"]))
@friendly_errors
def schema(kind: str) -> None:
    """Print the JSON Schema of network files (network) or hardware configs (hw).

    \b
    Examples:
      sqnxt-sim schema network > network.schema.json
      sqnxt-sim schema hw
    """
    from .schema import json_schema_text

    click.echo(json_schema_text(kind), nl=False)


@main.command()
@click.argument("column", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True,
              help="How to print the whole glossary (markdown: docs/columns.md); a COLUMN is explained as text.")
@friendly_errors
def columns(column: str | None, fmt: str) -> None:
    """Explain the columns of the run, compare and sweep outputs: unit, meaning, where each appears.

    COLUMN (optional) is a CSV header or JSON key to explain alone.

    \b
    Examples:
      sqnxt-sim columns
      sqnxt-sim columns loss_fill_drain
      sqnxt-sim columns energy_dram_macnorm
      sqnxt-sim columns --format markdown > docs/columns.md
    """
    from .report.columns import column_text, find, glossary_markdown, glossary_text

    if column is None:
        click.echo(glossary_markdown() if fmt == "markdown" else glossary_text(), nl=False)
        return
    found = find(column)
    if not found:
        raise InputError("COLUMN", None, f"{column!r} is no column of the run, compare or sweep outputs "
                                         "(`sqnxt-sim columns` lists them)")
    click.echo("\n".join(column_text(definition) for definition in found))


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM and SIGHUP stop a sweep as Ctrl-C does: the finished rows are kept in valid
    files (forked workers inherit the handler and stop with their chunk)."""
    previous = {}
    for number in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)):
        if number is None:
            continue
        try:
            previous[number] = signal.signal(number, _raise_interrupt)
        except (ValueError, OSError):  # not the main thread
            pass
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _write_files(out: Path, files: dict[str, str | bytes]) -> None:
    """Write already-rendered files into ``out`` (created if needed): all of them or none; a
    directory created here is removed again when the files cannot be written."""
    created = not out.exists()
    directory = prepare_dir(out)
    try:
        write_report(directory, files)
    except BaseException:
        if created:
            shutil.rmtree(directory, ignore_errors=True)
        raise


if __name__ == "__main__":
    main()
