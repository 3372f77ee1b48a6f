"""The command line: parse options, call the library, print. Nothing else lives here."""

from __future__ import annotations

import sys
from functools import wraps
from pathlib import Path

import click

from .engine.simulate import simulate
from .errors import SqnxtError
from .hardware.load import resolve_hardware
from .outputs import prepare_dir, write_atomic
from .report.export import layers_csv, results_json
from .report.table import layer_table_text, totals_text
from .workload.load import load_network

EXIT_BAD_INPUT = 2


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
    """Analytical performance and energy simulator for neural-network accelerators."""


@main.command()
@click.option("--net", "net", default="sqnxt23_v1", show_default=True,
              help="Zoo network name or path to a network .yaml / .onnx file.")
@click.option("--hw", "hw", default="32pe_os", show_default=True,
              help="Hardware config: path to a .yaml file or a shipped config name.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="What to print on stdout.")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Directory for layers.csv, summary.json and utilization.png.")
@friendly_errors
def run(net: str, hw: str, fmt: str, out: Path | None) -> None:
    """Simulate one network on one accelerator and report per-layer results."""
    network = load_network(net)
    hardware = resolve_hardware(hw)
    results = simulate(network, hardware)
    if out is not None:
        directory = prepare_dir(out)
        from .report.plots import utilization_png

        # Render everything before writing anything, so a failure leaves no partial report.
        files = {"layers.csv": layers_csv(results), "summary.json": results_json(results),
                 "utilization.png": utilization_png(results)}
        for name, content in files.items():
            write_atomic(directory / name, _writer(content))
    if fmt == "csv":
        click.echo(layers_csv(results), nl=False)
    elif fmt == "json":
        click.echo(results_json(results), nl=False)
    else:
        click.echo(layer_table_text(results))
        click.echo()
        click.echo(totals_text(results))
        if out is not None:
            click.echo(f"wrote     {out}/layers.csv, summary.json, utilization.png")


def _writer(content: str | bytes):
    if isinstance(content, str):
        return content
    return lambda path: path.write_bytes(content)


if __name__ == "__main__":
    main()
