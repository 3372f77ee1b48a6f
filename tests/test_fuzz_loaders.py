"""Fuzzing the loaders: any input either loads into a valid model or raises InputError.

The documents start valid (an explicit network, a SqueezeNext family file, a hardware file)
and are then mutated a few times: keys dropped or added, values swapped for other types,
integers from 0, negative and huge, random strings as op names and as layer inputs. So the
fuzzer gets past the top-level type check and into shape inference and the graph rules.
A model that loads must also be usable: it simulates and its results serialize.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

import networkx as nx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqnxt_sim import Hardware, InputError, Network, hardware_from_dict, network_from_dict, simulate
from sqnxt_sim.report.export import results_json
from sqnxt_sim.yamlfile import read_yaml_mapping

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OPS = ["conv", "fc", "maxpool", "avgpool", "add", "concat", "relu"]

# --- values a mutation can put anywhere ---------------------------------------------------

edge_ints = st.sampled_from([0, 1, 2, 3, 4, 7, 8, 64, -1, -8, 10**6, 10**6 + 1, 2**31, 2**63, -(2**63), 10**30])
ints = st.one_of(st.integers(-3, 40), edge_ints)
floats = st.one_of(st.sampled_from([0.0, 0.5, 1.0, 3.0, -1.0, 1e-300, 1e300]),
                   st.floats(allow_nan=True, allow_infinity=True))
texts = st.one_of(st.sampled_from(OPS + ["input", "", " ", "softmax", "conv ", "Conv", "a\nb", "l0", "l1", "global"]),
                  st.text(max_size=12))
scalars = st.one_of(ints, floats, texts, st.booleans(), st.none())
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=4),
    st.lists(ints, min_size=2, max_size=2),  # near-valid pairs
    st.dictionaries(texts, scalars, max_size=3),
)


def _paths(node, prefix=()):
    """Every place in a document: (path to the container, key or index)."""
    if isinstance(node, dict):
        for key, item in node.items():
            yield prefix, key
            yield from _paths(item, prefix + (key,))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield prefix, index
            yield from _paths(item, prefix + (index,))


def _at(doc, path):
    for part in path:
        doc = doc[part]
    return doc


@st.composite
def mutated(draw, base, max_mutations: int = 4):
    """``base`` with up to ``max_mutations`` random edits."""
    doc = copy.deepcopy(draw(base))
    names = [layer.get("name") for layer in doc.get("layers", []) if isinstance(layer, dict)] + ["input", "nope"]
    for _ in range(draw(st.integers(0, max_mutations))):
        places = list(_paths(doc))
        if not places:
            break
        path, key = draw(st.sampled_from(places))
        container = _at(doc, path)
        action = draw(st.sampled_from(["replace", "replace", "drop", "add", "duplicate", "rename_ref"]))
        if action == "replace":
            container[key] = draw(values)
        elif action == "drop":
            del container[key]
        elif action == "add" and isinstance(container, dict):
            container[draw(st.sampled_from(["inputs", "stride", "kernel", "padding", "groups", "global", "extra",
                                            "op", "name", "out_channels", "batch", "cores"]))] = draw(values)
        elif action == "duplicate" and isinstance(container, list):
            container.insert(draw(st.integers(0, len(container))), copy.deepcopy(container[key]))
        elif action == "rename_ref" and isinstance(container, dict):
            # Random strings and existing names as op names and as layer inputs.
            if draw(st.booleans()):
                container["op"] = draw(st.one_of(st.sampled_from(OPS), texts))
            else:
                container["inputs"] = draw(st.lists(st.one_of(st.sampled_from(names), texts), max_size=3))
    return doc


# --- valid starting points ------------------------------------------------------------------

small = st.integers(1, 6)
pair = st.one_of(small, st.lists(small, min_size=2, max_size=2))


@st.composite
def explicit_networks(draw):
    layers, names = [], ["input"]
    for index in range(draw(st.integers(1, 7))):
        op = draw(st.sampled_from(OPS))
        entry = {"name": f"l{index}", "op": op}
        if op == "conv":
            entry.update(out_channels=draw(st.integers(1, 24)), kernel=draw(pair))
            if draw(st.booleans()):
                entry.update(stride=draw(pair), padding=draw(st.integers(0, 2)))
            if draw(st.booleans()):
                entry["groups"] = draw(st.sampled_from([1, 2, 4]))
        elif op == "fc":
            entry["out_features"] = draw(st.integers(1, 20))
        elif op in ("maxpool", "avgpool"):
            if draw(st.booleans()):
                entry["global"] = True
            else:
                entry.update(kernel=draw(pair), stride=draw(pair), ceil_mode=draw(st.booleans()))
        if op in ("add", "concat"):
            entry["inputs"] = draw(st.lists(st.sampled_from(names), min_size=2, max_size=3))
        elif draw(st.integers(0, 3)) == 0:
            entry["inputs"] = [draw(st.sampled_from(names))]
        layers.append(entry)
        names.append(entry["name"])
    size = draw(st.integers(1, 40))
    return {"name": "fuzz", "input": {"channels": draw(st.integers(1, 16)), "height": size, "width": size,
                                      "batch": draw(st.integers(1, 3))}, "layers": layers}


@st.composite
def family_networks(draw):
    stages = draw(st.integers(1, 4))
    return {
        "family": "squeezenext", "name": "fuzz_family",
        "input": {"channels": 3, "height": draw(st.sampled_from([32, 64, 227])), "width": draw(st.sampled_from([32, 64, 227]))},
        "stem": {"kernel": draw(st.sampled_from([3, 5, 7])), "channels": draw(st.sampled_from([16, 32, 64])), "stride": 2},
        "widths": draw(st.lists(st.sampled_from([8, 16, 32, 64]), min_size=stages, max_size=stages)),
        "blocks": draw(st.lists(st.integers(1, 3), min_size=stages, max_size=stages)),
        "strides": draw(st.lists(st.sampled_from([1, 2]), min_size=stages, max_size=stages)),
        "first_block": draw(st.sampled_from(["projection", "shared"])),
        "groups": draw(st.sampled_from([1, 2])),
        "head_channels": 32, "classes": 10,
    }


@st.composite
def hardware_files(draw):
    return {
        "name": "fuzz_hw",
        "pe_array": {"rows": draw(st.sampled_from([1, 4, 8, 16, 32])), "cols": draw(st.sampled_from([1, 4, 8, 16, 32]))},
        "cores": draw(st.sampled_from([1, 2, 4])),
        "dataflow": draw(st.sampled_from(["os", "ws", "is", "best"])),
        "clock_mhz": 500, "word_bits": 16,
        "memory": {"register_file_bytes": 512, "global_buffer_kib": 128,
                   "dram_bandwidth_bytes_per_cycle": draw(st.sampled_from([None, 1, 16.0]))},
        "energy": {"unit": "mac_normalized", "mac": 1, "register_file": 1, "inter_pe": 2, "global_buffer": 6,
                   "dram": 200},
    }


TINY_HW = hardware_from_dict({"name": "tiny", "pe_array": {"rows": 4, "cols": 4}, "dataflow": "best",
                              "memory": {"dram_bandwidth_bytes_per_cycle": 4}})
TINY_NET = network_from_dict({"name": "tiny", "input": {"channels": 4, "height": 8, "width": 8}, "layers": [
    {"name": "c", "op": "conv", "out_channels": 8, "kernel": 3, "padding": 1},
    {"name": "p", "op": "maxpool", "kernel": 2, "stride": 2},
    {"name": "fc", "op": "fc", "out_features": 10}]})


# --- what "loaded into a valid model" means -------------------------------------------------

def assert_input_error(error: InputError, source: str) -> None:
    text = str(error)
    assert "\n" not in text and text.isprintable(), repr(text)
    assert error.source == source and text.startswith(source)
    assert len(text) < 1200


def assert_valid_network(network: Network) -> None:
    assert nx.is_directed_acyclic_graph(network.graph)
    position = {name: i for i, name in enumerate(network.order)}
    position["input"] = -1
    for name in network.order:
        layer = network.graph.nodes[name]["layer"]
        assert min(layer.n, layer.c, layer.k, layer.g, layer.p, layer.q, layer.h, layer.w, layer.r, layer.s) >= 1, layer
        assert all(position[source] < position[name] for source in layer.inputs)
        assert layer.macs >= 0 and layer.output_elements >= 1
    results = simulate(network, TINY_HW)
    assert results.layer_count == len(network.order)
    assert results.totals["cycles"] >= 0 and results.totals["macs"] == network.macs
    json.loads(results_json(results))


def assert_valid_hardware(hardware: Hardware) -> None:
    assert hardware.pe_array.rows >= 1 and hardware.pe_array.cols >= 1 and hardware.pes >= 1
    try:
        results = simulate(TINY_NET, hardware)
    except InputError as error:
        # A valid config whose buffer cannot stage one tile of a layer is refused cleanly,
        # naming the field (docs/model.md, "DRAM traffic").
        assert error.field == "memory.global_buffer_kib", error
        assert_input_error(error, "--hw")
        return
    assert results.totals["cycles"] > 0 and 0 < results.totals["utilization"] <= 1
    json.loads(results_json(results))


def load_network_or_error(data) -> None:
    try:
        network = network_from_dict(data, "f.yaml")
    except InputError as error:
        assert_input_error(error, "f.yaml")
    else:
        assert_valid_network(network)


def load_hardware_or_error(data) -> None:
    try:
        hardware = hardware_from_dict(data, "hw.yaml")
    except InputError as error:
        assert_input_error(error, "hw.yaml")
    else:
        assert_valid_hardware(hardware)


# --- the fuzz tests -------------------------------------------------------------------------

@FUZZ
@given(mutated(explicit_networks()))
def test_explicit_network_loads_or_raises_input_error(data):
    load_network_or_error(data)


@FUZZ
@given(mutated(family_networks(), max_mutations=3))
def test_family_network_loads_or_raises_input_error(data):
    load_network_or_error(data)


@FUZZ
@given(mutated(hardware_files()))
def test_hardware_loads_or_raises_input_error(data):
    load_hardware_or_error(data)


@settings(max_examples=100, deadline=None)
@given(st.one_of(values, st.lists(values, max_size=3)))
def test_loaders_take_any_python_value(data):
    load_network_or_error(data)
    load_hardware_or_error(data)


def test_unmutated_starting_points_mostly_load():
    """The fuzzers start from documents that load, so mutations reach the deep checks."""
    from hypothesis import find

    find(explicit_networks(), lambda d: _loads(network_from_dict, d) and len(d["layers"]) >= 5
         and any(layer["op"] in ("add", "concat") for layer in d["layers"]), settings=settings(max_examples=2000))
    find(family_networks(), lambda d: _loads(network_from_dict, d), settings=settings(max_examples=200))
    find(hardware_files(), lambda d: _loads(hardware_from_dict, d), settings=settings(max_examples=50))


def _loads(loader, data) -> bool:
    try:
        loader(data, "f.yaml")
    except InputError:
        return False
    return True


# --- files: random text and bytes through read_yaml_mapping ---------------------------------

@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


yaml_alphabet = st.sampled_from(list("abcxyz019:-[]{},&*!|>'\"#%@`? \n\t.~=<") + ["\x00", "\ufeff", "é", "\u2028"])
yamlish_text = st.text(alphabet=yaml_alphabet, max_size=80)


@st.composite
def damaged_documents(draw):
    """A dumped near-valid document with a few characters inserted or removed."""
    doc = draw(st.one_of(mutated(explicit_networks(), 2), mutated(hardware_files(), 2)))
    text = yaml.safe_dump(doc, sort_keys=False, default_flow_style=draw(st.booleans()))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(yamlish_text.filter(bool).map(lambda t: t[:4])) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 5)):]
    return text


def _read_and_load(path: Path) -> None:
    source = str(path)
    try:
        data = read_yaml_mapping(path)
    except InputError as error:
        assert_input_error(error, source)
        return
    assert isinstance(data, dict) and all(isinstance(key, str) for key in data)
    load_network_or_error(data)
    load_hardware_or_error(data)


@FUZZ
@given(st.one_of(yamlish_text, damaged_documents()))
def test_random_text_files(scratch, text):
    path = scratch / "f.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _read_and_load(path)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_random_byte_files(scratch, data):
    path = scratch / "f.yaml"
    path.write_bytes(data)
    _read_and_load(path)
