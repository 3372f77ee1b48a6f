"""Bad input through the command line: one clear line naming the file and the field or
layer, exit status 2, no traceback, and nothing written to --out.

Each case writes a network or hardware file into a fresh temporary directory and runs
``sqnxt-sim run --net FILE --hw FILE --out DIR`` with DIR not yet existing (and, in
``test_bad_input_leaves_an_existing_report_alone``, holding an earlier report).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sqnxt_sim.cli import main

GOOD_HW = "32pe_os"
INPUT = {"channels": 8, "height": 16, "width": 16}


def net_text(*layers: dict, input: dict | None = None, **top) -> str:
    return yaml.safe_dump({"name": "bad", "input": input or INPUT, "layers": list(layers), **top}, sort_keys=False)


def conv(name: str, out: int = 8, kernel=1, **extra) -> dict:
    return {"name": name, "op": "conv", "out_channels": out, "kernel": kernel, **extra}


FAMILY = {
    "family": "squeezenext", "name": "fam", "input": {"channels": 3, "height": 227, "width": 227},
    "stem": {"kernel": 7, "channels": 64, "stride": 2}, "widths": [32, 64, 128, 256],
    "blocks": [6, 6, 8, 1], "strides": [1, 2, 2, 2], "first_block": "projection",
}


def family_text(**changes) -> str:
    return yaml.safe_dump({**FAMILY, **changes}, sort_keys=False)


HW = {"name": "hw", "pe_array": {"rows": 8, "cols": 8}, "dataflow": "os"}


def hw_text(**changes) -> str:
    return yaml.safe_dump({**HW, **changes}, sort_keys=False)


def run_cli(*args: str):
    return CliRunner().invoke(main, ["run", *args])


def assert_one_clear_line(result, *words: str) -> str:
    """Exit 2 through our own error path, one line, every word in it, no traceback."""
    assert isinstance(result.exception, SystemExit), f"crashed: {result.exception!r}\n{result.output}"
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    line = lines[0]
    assert line.startswith("sqnxt-sim: error: ")
    for word in words:
        assert word in line, f"{word!r} not in {line!r}"
    return line


def check_network(tmp_path: Path, content: str | bytes, *words: str) -> str:
    path = tmp_path / "bad_net.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    out = tmp_path / "out"
    line = assert_one_clear_line(run_cli("--net", str(path), "--hw", GOOD_HW, "--out", str(out)), str(path), *words)
    assert not out.exists()
    return line


def check_hardware(tmp_path: Path, content: str | bytes, *words: str) -> str:
    path = tmp_path / "bad_hw.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    out = tmp_path / "out"
    line = assert_one_clear_line(run_cli("--net", "sqnxt23_v1", "--hw", str(path), "--out", str(out)), str(path), *words)
    assert not out.exists()
    return line


# --- Files that are not a network description at all --------------------------------------

@pytest.mark.parametrize(
    "content, words",
    [
        ("", ["file is empty"]),
        ("# only a comment\n", ["file is empty"]),
        ("name: [unclosed\n", ["not valid YAML"]),
        ("name: x\n\tinput: 1\n", ["line 2", "not valid YAML"]),
        ("- conv\n- fc\n", ["top level must be a mapping", "list"]),
        ("just a sentence\n", ["top level must be a mapping", "string"]),
        ("42\n", ["top level must be a mapping"]),
        ("1: one\nname: x\n", ["keys must be strings", "1"]),
        ("name: x\ninput: {3: 4}\n", ["input", "keys must be strings"]),
        ("? [a, b]\n: 1\n", ["not valid YAML"]),
        ("name: x\nname: y\n", ["line 2", "duplicate key 'name'"]),
        ("name: x\nlayers: " + "[" * 3000 + "]" * 3000 + "\n", ["not valid YAML", "nest"]),
        ("name: x\nlayers: " + "[" * 100 + "]" * 100 + "\n", ["layers", "nested more than"]),
        ("layers: &loop [*loop]\n", ["layers[0]", "alias refers to the value that contains it"]),
        ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
         "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
         "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n", ["more than 2,000,000 values"]),  # alias bomb
        ("name: x\nheight: 1" + "0" * 5000 + "\n", ["line 2", "cannot read value"]),  # Python's digit limit
        ("name: !!python/object:os.system x\n", ["not valid YAML"]),
        ("name: !!set {a, b}\n", ["name", "unsupported value (a set)"]),
        ("name: !!binary aGVsbG8=\n", ["name", "unsupported value (a bytes)"]),
    ],
)
def test_not_a_network_description(tmp_path, content, words):
    check_network(tmp_path, content, *words)


def test_binary_file(tmp_path):
    check_network(tmp_path, bytes(range(256)) * 4, "not a UTF-8 text file")


def test_invalid_utf8(tmp_path):
    check_network(tmp_path, "name: caf\xe9\n".encode("latin-1"), "not a UTF-8 text file")


def test_nul_character(tmp_path):
    check_network(tmp_path, b"name: x\x00\n", "not a text file")


# --- Wrong keys, types and values -----------------------------------------------------------

@pytest.mark.parametrize(
    "content, words",
    [
        (net_text(conv("c1"), colour="red"), ["colour: unknown key"]),
        (net_text(conv("c1", colour="red")), ["layers[0] 'c1'.colour: unknown key"]),
        (net_text(conv("c1"), input={"channels": 8, "height": 16}), ["input: missing width (or give shape)"]),
        (net_text(input=INPUT).replace("layers: []", "layers: {c1: conv}"), ["layers", "valid list"]),
        (net_text(conv("c1"), input={"channels": "eight", "height": 16, "width": 16}), ["input.channels", "integer"]),
        (net_text(conv("c1"), input={"channels": 3.5, "height": 16, "width": 16}), ["input.channels", "integer", "3.5"]),
        (net_text(conv("c1"), input={"channels": True, "height": 16, "width": 16}), ["input.channels", "integer"]),
        (net_text(conv("c1", out=2.5)), ["layers[0] 'c1'.out_channels", "integer"]),
        (net_text(conv("c1", kernel="3")), ["layers[0] 'c1'.kernel", "must be an integer or a pair"]),
        (net_text(conv("c1", kernel=[3, 3, 3])), ["layers[0] 'c1'.kernel", "2 values, got 3"]),
        (net_text(conv("c1", padding=-1)), ["layers[0] 'c1'.padding", "greater than or equal to 0"]),
        (net_text(conv("c1"), name=["x"]), ["name", "valid string"]),
        (net_text({"name": "c1", "op": "conv", "kernel": 1}), ["layers[0] 'c1'.out_channels", "required key is missing"]),
        (net_text({"name": "c1", "out_channels": 8, "kernel": 1}), ["layers[0] 'c1'", "required key 'op' is missing"]),
        (net_text({"op": "relu"}), ["layers[0].name", "required key is missing"]),
        (net_text("conv 8 1x1"), ["layers[0]", "must be a mapping of keys"]),
        (net_text({"name": "input", "op": "relu"}), ["layers[0] 'input'.name", "reserved"]),
        (net_text({"name": "r", "op": "relu", "inputs": "input"}), ["layers[0] 'r'.inputs", "valid list"]),
        (net_text({"name": "r", "op": "relu", "inputs": []}), ["layers[0] 'r'.inputs", "at least 1 item"]),
    ],
)
def test_wrong_keys_and_types(tmp_path, content, words):
    check_network(tmp_path, content, *words)


@pytest.mark.parametrize(
    "content, words",
    [
        (net_text(conv("c1"), input={"channels": 8, "height": 0, "width": 16}), ["input.height", "greater than 0"]),
        (net_text(conv("c1"), input={"channels": 8, "height": -16, "width": 16}), ["input.height", "greater than 0"]),
        (net_text(conv("c1"), input={"channels": 8, "height": 10**9, "width": 16}), ["input.height", "less than or equal"]),
        (net_text(conv("c1"), input={"channels": 8, "height": 2**70, "width": 16}), ["input.height"]),
        (net_text(conv("c1"), input={"channels": 10**6, "height": 10**6, "width": 10**6}), ["input: too large"]),
        (net_text(conv("c1", out=0)), ["layers[0] 'c1'.out_channels", "greater than 0"]),
        (net_text(conv("c1", out=-8)), ["layers[0] 'c1'.out_channels", "greater than 0"]),
        (net_text(conv("c1", stride=0)), ["layers[0] 'c1'.stride", "greater than 0"]),
        (net_text(conv("c1", stride=[1, 0])), ["layers[0] 'c1'.stride", "greater than 0"]),
        (net_text(conv("c1", kernel=[0, 1])), ["layers[0] 'c1'.kernel", "greater than 0"]),
        (net_text(conv("c1", kernel=10**7)), ["layers[0] 'c1'.kernel", "at most 1,000,000"]),
        (net_text(conv("big", out=10**6, kernel=1), input={"channels": 10**4, "height": 64, "width": 64}),
         ["layers[0] 'big'", "layer too large", "MACs"]),
    ],
)
def test_non_positive_and_huge_sizes(tmp_path, content, words):
    check_network(tmp_path, content, *words)


# --- Graph rules --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "content, words",
    [
        # 16x16 input, 3x3 pool stride 2 -> 7x7; a 9x9 kernel does not fit.
        (net_text({"name": "p", "op": "maxpool", "kernel": 3, "stride": 2}, conv("c9", kernel=9)),
         ["layers[1] 'c9'.kernel", "kernel 9x9 is larger than the padded input 7x7"]),
        (net_text(conv("c1", kernel=[17, 1])), ["layers[0] 'c1'.kernel", "larger than the padded input"]),
        # The output shrinks to nothing: 16 -> 8 -> 4 -> 2 -> 1, then a 2x2 pool has no window left.
        (net_text(*[conv(f"s{i}", kernel=2, stride=2) for i in range(4)], {"name": "p", "op": "maxpool", "kernel": 2}),
         ["layers[4] 'p'.kernel", "larger than the padded input 1x1"]),
        (net_text({"name": "sm", "op": "lstm"}), ["layers[0] 'sm'", "unknown op 'lstm'"]),
        (net_text({"name": "x", "op": 7}), ["layers[0] 'x'", "unknown op '7'"]),
        (net_text(conv("c1", inputs=["nope"])), ["layers[0] 'c1'.inputs", "unknown input 'nope'"]),
        (net_text(conv("a", inputs=["b"]), conv("b", inputs=["a"])), ["layers", "cycle in the graph"]),
        (net_text(conv("a", inputs=["a"])), ["layers[0] 'a'.inputs", "its own output"]),
        (net_text(conv("a", out=8), conv("b", out=16, inputs=["input"]), {"name": "sum", "op": "add", "inputs": ["a", "b"]}),
         ["layers[2] 'sum'.inputs", "channel mismatch at add"]),
        (net_text(conv("a", stride=2), conv("b", inputs=["input"]), {"name": "cat", "op": "concat", "inputs": ["a", "b"]}),
         ["layers[2] 'cat'.inputs", "size mismatch at concat", "8x8", "16x16"]),
        (net_text(conv("a"), {"name": "sum", "op": "add", "inputs": ["a"]}), ["layers[1] 'sum'.inputs", "at least two"]),
        (net_text(conv("a"), conv("b"), {"name": "fc", "op": "fc", "out_features": 10, "inputs": ["a", "b"]}),
         ["layers[2] 'fc'.inputs", "exactly one input"]),
        (net_text(conv("a"), conv("a")), ["layers[1] 'a'", "duplicate layer name"]),
        (net_text(conv("a\nb"), conv("a\nb")), ["layers[1] 'a\\nb'", "duplicate layer name"]),  # still one line
        (net_text(conv("g", groups=3)), ["layers[0] 'g'.groups", "must divide"]),
        (net_text({"name": "gp", "op": "avgpool", "global": True, "kernel": 2}), ["layers[0] 'gp'.global", "no kernel"]),
        (net_text({"name": "gp", "op": "avgpool", "global": True, "padding": 0}), ["layers[0] 'gp'.global", "no padding"]),
        (net_text({"name": "p", "op": "maxpool"}), ["layers[0] 'p'.kernel", "required"]),
    ],
)
def test_graph_rules(tmp_path, content, words):
    check_network(tmp_path, content, *words)


# --- Family files ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "changes, words",
    [
        ({"blocks": [6, 6, 8]}, ["blocks", "has 3 entries but widths has 4"]),
        ({"strides": [1, 2]}, ["strides", "has 2 entries but widths has 4"]),
        ({"widths": [32, 66, 128, 256]}, ["widths[1]", "multiple of 4", "66"]),
        ({"widths": [32, 0, 128, 256]}, ["widths[1]", "greater than 0"]),
        ({"widths": []}, ["widths", "at least 1 item"]),
        ({"groups": 3}, ["groups", "must divide"]),
        ({"blocks": [6, 6, 8, 10**5]}, ["blocks", "limit"]),
        ({"family": "resnet"}, ["family", "unknown family 'resnet'"]),
        ({"family": ["squeezenext"]}, ["family", "unknown family"]),
        ({"first_block": "fancy"}, ["first_block"]),
        ({"stem": {"kernel": 7, "channels": 64, "stride": 2, "padding": 3}}, ["stem.padding", "unknown key"]),
        # 8x8 input: the 7x7 stride-2 stem leaves 1x1, too small for the generated 3x3 max-pool.
        ({"input": {"channels": 3, "height": 8, "width": 8}}, ["'pool1'.kernel", "expanded from family squeezenext", "larger"]),
    ],
)
def test_bad_family_file(tmp_path, changes, words):
    check_network(tmp_path, family_text(**changes), *words)


# --- Files that cannot be read -------------------------------------------------------------

def test_network_path_is_a_directory(tmp_path):
    folder = tmp_path / "net.yaml"
    folder.mkdir()
    out = tmp_path / "out"
    assert_one_clear_line(run_cli("--net", str(folder), "--out", str(out)), str(folder), "is a directory")
    assert not out.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_network_path_is_a_fifo(tmp_path):
    fifo = tmp_path / "net.yaml"
    os.mkfifo(fifo)  # reading it would block forever: it must be refused, not opened
    out = tmp_path / "out"
    assert_one_clear_line(run_cli("--net", str(fifo), "--out", str(out)), str(fifo), "not a regular file")
    assert not out.exists()


def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.yaml"
    path.write_text(net_text(conv("c1")))
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: file permissions do not stop reading")
        out = tmp_path / "out"
        assert_one_clear_line(run_cli("--net", str(path), "--out", str(out)), str(path), "permission denied")
        assert not out.exists()
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


@pytest.mark.parametrize("option", ["--net", "--hw"])
def test_missing_and_unusable_names(tmp_path, option):
    out = tmp_path / "out"
    assert_one_clear_line(run_cli(option, str(tmp_path / "gone.yaml"), "--out", str(out)), "gone.yaml", "file not found")
    assert_one_clear_line(run_cli(option, "x" * 5000, "--out", str(out)), option, "unknown")  # name too long for the OS
    assert_one_clear_line(run_cli(option, "", "--out", str(out)), option, "empty name")
    assert not out.exists()


def test_file_name_too_long(tmp_path):
    name = str(tmp_path / ("n" * 4000 + ".yaml"))
    assert_one_clear_line(run_cli("--net", name), "cannot read", "too long")


# --- Hardware files -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "content, words",
    [
        ("", ["file is empty"]),
        ("- 8\n- 8\n", ["top level must be a mapping"]),
        (hw_text(colour="red"), ["colour: unknown key"]),
        (hw_text(pe_array={"rows": 8, "cols": 8, "depth": 2}), ["pe_array.depth: unknown key"]),
        (hw_text(pe_array={"rows": 0, "cols": 8}), ["pe_array.rows", "greater than 0"]),
        (hw_text(pe_array={"rows": 8, "cols": -8}), ["pe_array.cols", "greater than 0"]),
        (hw_text(pe_array={"rows": 8, "cols": 10**6}), ["pe_array.cols", "less than or equal to 65536"]),
        (hw_text(pe_array={"rows": 65536, "cols": 65536}), ["pe_array", "more than 4,194,304 PEs"]),
        (hw_text(pe_array={"rows": 2048, "cols": 2048}, cores=4), ["cores", "more than 4,194,304 PEs"]),
        (hw_text(pe_array={"rows": 8.5, "cols": 8}), ["pe_array.rows", "integer"]),
        (hw_text(pe_array=[8, 8]), ["pe_array", "must be a mapping"]),
        (hw_text(cores="two"), ["cores", "integer"]),
        (hw_text(dataflow="diagonal"), ["dataflow", "choose one of os, ws, is"]),
        (hw_text(dataflow=None), ["dataflow"]),
        (hw_text(energy={"dram": -1}), ["energy.dram", "greater than or equal to 0"]),
        (hw_text(energy={"mac": True}), ["energy.mac", "not true/false"]),
        (hw_text(energy={"dram": float("inf")}), ["energy.dram", "inf"]),
        (hw_text(energy={"unit": "joules"}), ["energy.unit"]),
        (hw_text(clock_mhz=0), ["clock_mhz", "greater than or equal to 0.001"]),
        (hw_text(word_bits=0), ["word_bits", "greater than 0"]),
        (hw_text(memory={"dram_bandwidth_bytes_per_cycle": 0}), ["memory.dram_bandwidth_bytes_per_cycle"]),
        (hw_text(memory={"global_buffer_kib": -128}), ["memory.global_buffer_kib", "greater than 0"]),
        ("pe_array: {rows: 8, cols: 8}\nmemory: {1: 2}\n", ["memory", "keys must be strings"]),
        ("pe_array: {rows: 8, cols: 8}\npe_array: {rows: 4, cols: 4}\n", ["line 2", "duplicate key 'pe_array'"]),
    ],
)
def test_bad_hardware_file(tmp_path, content, words):
    check_hardware(tmp_path, content, *words)


# --- Output directories --------------------------------------------------------------------

def test_out_is_a_file(tmp_path):
    target = tmp_path / "report"
    target.write_text("keep me")
    assert_one_clear_line(run_cli("--net", "sqnxt23_v1", "--out", str(target)), str(target), "--out", "not a directory")
    assert target.read_text() == "keep me"


def test_out_below_a_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    out = blocker / "report"
    assert_one_clear_line(run_cli("--net", "sqnxt23_v1", "--out", str(out)), str(out), "--out", "cannot create directory")
    assert blocker.read_text() == "keep me"


def test_out_not_writable(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: directory permissions do not stop writing")
        out = locked / "report"
        assert_one_clear_line(run_cli("--net", "sqnxt23_v1", "--out", str(out)), str(out), "--out")
        assert not out.exists()
    finally:
        locked.chmod(stat.S_IRWXU)


def test_out_dir_checked_without_creating_anything(tmp_path):
    from sqnxt_sim.errors import InputError
    from sqnxt_sim.outputs import check_out_dir

    assert check_out_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert list(tmp_path.iterdir()) == []  # checked, not created
    (tmp_path / "file").write_text("x")
    for bad, words in ((tmp_path / "file", "exists and is not a directory"),
                       (tmp_path / "file" / "sub" / "dir", "is not a directory"), ("", "not a valid directory name")):
        with pytest.raises(InputError, match=words):
            check_out_dir(bad)


def test_bad_input_leaves_an_existing_report_alone(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "layers.csv").write_text("previous report\n")
    bad = tmp_path / "bad_net.yaml"
    bad.write_text(net_text(conv("c1", stride=0)))
    assert_one_clear_line(run_cli("--net", str(bad), "--out", str(out)), str(bad), "stride")
    assert sorted(p.name for p in out.iterdir()) == ["layers.csv"]
    assert (out / "layers.csv").read_text() == "previous report\n"


# --- The error itself ------------------------------------------------------------------------

def test_input_error_is_one_short_printable_line():
    from sqnxt_sim.errors import InputError

    error = InputError("net\n.yaml", "layers[0] 'a\tb'", "unknown input '" + "x" * 10_000 + "'\n")
    text = str(error)
    assert "\n" not in text and "\t" not in text and text.isprintable()
    assert text.startswith("net\\n.yaml: layers[0] 'a\\tb': unknown input 'xxx") and text.endswith("...")
    assert len(text) < 1000


def test_input_error_survives_pickling():
    """Sweeps run in worker processes: their errors must cross the process boundary intact."""
    import pickle

    from sqnxt_sim.errors import InputError

    error = pickle.loads(pickle.dumps(InputError("grid.yaml", "pe_array.rows", "must be positive")))
    assert (error.source, error.field, error.problem) == ("grid.yaml", "pe_array.rows", "must be positive")
    assert str(error) == "grid.yaml: pe_array.rows: must be positive"
