"""Numbers in YAML files are read as YAML 1.2 reads them, never changed without a word:
YAML 1.1 (PyYAML's default) reads ``010`` as 8 (octal) and ``1:0`` as 60 (sexagesimal)."""

from click.testing import CliRunner

from sqnxt_sim import load_network
from sqnxt_sim.cli import main

NETWORK = """\
name: numbers
input: {channels: 8, height: 16, width: 16}
layers:
  - {name: conv, op: conv, out_channels: OUT, kernel: 1, stride: STRIDE}
"""


def write(tmp_path, out="16", stride="1"):
    path = tmp_path / "net.yaml"
    path.write_text(NETWORK.replace("OUT", out).replace("STRIDE", stride))
    return path


def test_a_leading_zero_is_decimal(tmp_path):
    # YAML 1.2: 010 is ten (YAML 1.1 would give 8 output channels).
    network = load_network(write(tmp_path, out="010"))
    assert network.layers[0].k == 10


def test_hexadecimal_stays_a_number(tmp_path):
    assert load_network(write(tmp_path, out="0x10")).layers[0].k == 16


def test_a_colon_is_not_a_number(tmp_path):
    # YAML 1.1 reads 1:0 as 60 (base 60); YAML 1.2 as the text "1:0", which a stride is not.
    result = CliRunner().invoke(main, ["run", "--net", str(write(tmp_path, stride="1:0"))])
    assert result.exit_code == 2
    line = result.output.strip()
    assert "Traceback" not in result.output and len(line.splitlines()) == 1
    assert "net.yaml" in line and "stride" in line


def test_underscores_and_binary_are_not_numbers(tmp_path):
    for text in ("1_6", "0b10000"):
        result = CliRunner().invoke(main, ["run", "--net", str(write(tmp_path, out=text))])
        assert result.exit_code == 2 and "out_channels" in result.output, result.output
