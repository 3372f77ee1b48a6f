"""Run a fixed layer set through ZigZag 3.9.1, nn_dataflow 2.1 and sqnxt-sim; tabulate DRAM and buffer traffic.

Not part of the test suite and never imported by the package or the tests. For every layer and
global-buffer size it prints, side by side, DRAM words per operand (input read, weight read, output
write, output/partial-sum read back), global-buffer words per operand and energy per level, plus the
compulsory DRAM words (input + weights + output once each) and the ratio of sqnxt-sim's DRAM words to
the best peer schedule. All raw numbers go to a JSON file; the markdown goes to stdout (or --out).

Run it with the interpreter of the peers' venv (see /work/shared/reference/peers.md for the install):

    python3.11 -m venv /tmp/peers
    /tmp/peers/bin/pip install scalesim==3.0.0 zigzag-dse==3.9.1 nn-dataflow==2.1 "numpy<2.4" "sympy==1.6.2" six
    /tmp/peers/bin/python benchmarks/peer_crosscheck.py --sqnxt-python /tmp/venv/bin/python \
        --json /tmp/peer_crosscheck.json --out /tmp/peer_crosscheck.md          # full set, ~10 min on 2 cores
    /tmp/peers/bin/python benchmarks/peer_crosscheck.py --quick                # 4 layers x 2 buffers, 1-3 min
    /tmp/peers/bin/python benchmarks/peer_crosscheck.py --from-json /tmp/peer_crosscheck.json   # tables only

The sqnxt-sim side runs in-process if ``import sqnxt_sim`` works in the running interpreter, otherwise in
a subprocess of --sqnxt-python (default: $SQNXT_PYTHON, else /tmp/venv/bin/python or /work/venv/bin/python
if present), with this repository's working tree first on sys.path. That subprocess imports only
sqnxt_sim and the standard library; the peers are imported only in the peer worker processes.
Peer scratch files (ZigZag hardware/mapping YAML) live in a temporary directory that is removed at
the end; nothing is written into the repository unless --out/--json point there.

Setup (what each tool is given; all words 16-bit, per-access costs DRAM 200, GB 6, inter-PE 2, RF 1,
MAC 1 = Eyeriss ISCA 2016 Table IV, in every tool that accepts them):

* sqnxt-sim: 32x32 array, os and ws presets, ``global_buffer_kib`` = the buffer size,
  ``memory.activation_share: 0`` (the whole buffer stages the one layer, as a peer given one layer
  assumes), unlimited DRAM bandwidth, the costs above with ``inter_pe_hop`` = inter_pe = 2 (every
  inter-PE word at 2, like nn_dataflow's array level); the counting conventions
  (``register_file_accesses``, ``load_drain_hops``) stay at the engine's defaults and are recorded
  in the JSON (meta.sqnxt_hardware_settings). Columns are read by name; a missing column shows as
  blank, and any ``dram_*``/``*passes*``/``*resident*`` column the engine reports is copied into the
  JSON (and the passes/resident ones into the notes column).
* ZigZag: per-PE one-word registers for I, W, O (served dimensions none), one global buffer of the
  given size shared by I, W and O (served D1, D2), and DRAM; 32x32 operational array. Two spatial
  unrollings: "os-like" D1 = K (G for depthwise) x D2 = OX (B for FCs: the GEMM rows, as our os preset
  puts N P Q on the rows) and "ws-like" D1 = K x D2 = C (FX for depthwise: the reduction, as ws does).
  LOMA, lpf_limit 6 (--lpf), uneven temporal mappings. One search per case keeps two schedules: the
  least-energy one and the least-DRAM-words one. Every port is 16 bits wide so an access is one word
  (energy = words x cost; ZigZag's latency is then meaningless and not reported). ZigZag models no
  interconnect energy (inter-PE column blank) and charges a register only when its content changes.
* nn_dataflow: one node, 16x16 PEs (--nnd-array), 512 B register file per PE, global buffer of the
  given size, row-stationary (MapStrategyEyeriss), exhaustive loop blocking, energy goal, NoC hop and
  static costs 0, global-buffer bypass disabled (all data goes through the buffer as in the other two
  models); when it finds no schedule that way it is re-run with bypass allowed (flag nnd-bypass).
  Batch-16 FCs are given to it as a 1x1 convolution on a 4x4 ofmap with batch 1 (the same GEMM; the
  batch form takes 2-3 min per run; --nnd-true-batch restores it). Depthwise layers are not run: it has
  no grouped convolution.

Flags (column "flags"; artefact values are excluded from "best peer"):

* zz-I<tensor: ZigZag reads fewer input words than the input tensor holds (its fractional spatial
  unrolling when the unrolled size does not divide the output, e.g. 55 or 7 on a 32 axis). Excluded.
  zz-O<tensor / zz-W<tensor: the same artefact on the output / weights (e.g. K = 1000 on a 32 axis
  writes 992 of 1000 FC outputs). Excluded.
* nnd-W0+: nn_dataflow reported zero DRAM filter reads (trivial DRAM-level loops); the compulsory
  weight read (K C R S words, x200 energy) was added back. Kept.
* nnd-pad: nn_dataflow has no padding; its input is the covered extent (R + (P-1) stride per axis),
  which differs from the tensor sqnxt-sim and ZigZag read. Its input words were scaled by
  (tensor / covered extent) for the comparison (raw value in the JSON). Kept.
* nnd-bypass: no schedule through the buffer at this size; the bypass schedule keeps operands in its
  512 B per-PE register files (128 KiB over 16x16 PEs, more than the smallest buffers) and reports
  zero DRAM filter reads. Excluded from best peer.
* nnd-4x4: see above. Kept.
* GB columns: reads/writes. sqnxt-sim and ZigZag count every buffer access (array side and DRAM side);
  nn_dataflow reports one access count per operand (array side, reads and writes together), shown as
  r+w in the read slot.

Fit column: "all" = input + weights + output fit in the buffer (every tool should reach the compulsory
traffic); "I+W" = input and weights fit, output does not; "no" = input and weights do not fit together.
The target (sqnxt-sim within 10% of the best peer) is checked on rows whose fit is not "all".
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORD_BITS = 16
COSTS = {"mac": 1.0, "register_file": 1.0, "inter_pe": 2.0, "global_buffer": 6.0, "dram": 200.0}
# sqnxt-sim keys tried in turn when its hardware schema does not know them (older or newer engine).
OPTIONAL_HARDWARE_KEYS = [("energy", "inter_pe_hop"), ("memory", "activation_share")]
ARRAY = (32, 32)
BUFFERS_KIB = [16, 64, 128, 256, 1024]
QUICK_LAYERS = ["sqnxt_sep1_3x1", "fire9_expand3x3", "mbv1_pw_1024_7", "fc8_b1"]
QUICK_BUFFERS_KIB = [16, 256]
ZZ_ARTEFACTS = ("zz-I<tensor", "zz-W<tensor", "zz-O<tensor")
NND_EXCLUDED = ("nnd-bypass",)


# --- the layer set -------------------------------------------------------------------------------

def _layer(name, source, c, k, h, w=None, r=1, s=1, stride=1, pad=(0, 0), groups=1, n=1, fc=False):
    w = w or h
    p = (h + 2 * pad[0] - r) // stride + 1
    q = (w + 2 * pad[1] - s) // stride + 1
    return {"name": name, "source": source, "fc": fc, "n": n, "c": c, "k": k, "h": h, "w": w, "r": r, "s": s,
            "stride": stride, "pad": list(pad), "g": groups, "p": p, "q": q}


LAYERS = [
    _layer("sqnxt_conv1", "SqueezeNext v1 stem 7x7/2 3->64 on 227", 3, 64, 227, r=7, s=7, stride=2),
    _layer("sqnxt_reduce2", "SqueezeNext 1x1 16->8 on 55", 16, 8, 55),
    _layer("sqnxt_sep1_3x1", "SqueezeNext 3x1 8->16 on 55", 8, 16, 55, r=3, s=1, pad=(1, 0)),
    _layer("sqnxt_sep2_1x3", "SqueezeNext 1x3 16->16 on 55", 16, 16, 55, r=1, s=3, pad=(0, 1)),
    _layer("sqnxt_1x1_128_256_14", "SqueezeNext 1x1 128->256 on 14", 128, 256, 14),
    _layer("sqnxt_1x1_256_128_7", "SqueezeNext 1x1 256->128 on 7", 256, 128, 7),
    _layer("fire9_squeeze", "SqueezeNet fire9 squeeze 1x1 512->64 on 13", 512, 64, 13),
    _layer("fire9_expand1x1", "SqueezeNet fire9 expand 1x1 64->256 on 13", 64, 256, 13),
    _layer("fire9_expand3x3", "SqueezeNet fire9 expand 3x3 64->256 pad 1 on 13", 64, 256, 13, r=3, s=3, pad=(1, 1)),
    _layer("sqz_conv10", "SqueezeNet conv10 1x1 512->1000 on 13", 512, 1000, 13),
    _layer("mbv1_pw_512_14", "MobileNet v1 pointwise 512->512 on 14", 512, 512, 14),
    _layer("mbv1_pw_1024_7", "MobileNet v1 pointwise 1024->1024 on 7", 1024, 1024, 7),
    _layer("mbv1_dw_512_14", "MobileNet v1 depthwise 3x3 512 pad 1 on 14", 1, 512, 14, r=3, s=3, pad=(1, 1),
           groups=512),
    _layer("fc6_b1", "AlexNet fc6 9216->4096 batch 1", 9216, 4096, 1, fc=True),
    _layer("fc7_b1", "AlexNet fc7 4096->4096 batch 1", 4096, 4096, 1, fc=True),
    _layer("fc8_b1", "AlexNet fc8 4096->1000 batch 1", 4096, 1000, 1, fc=True),
    _layer("fc6_b16", "AlexNet fc6 9216->4096 batch 16", 9216, 4096, 1, fc=True, n=16),
    _layer("fc7_b16", "AlexNet fc7 4096->4096 batch 16", 4096, 4096, 1, fc=True, n=16),
    _layer("fc8_b16", "AlexNet fc8 4096->1000 batch 16", 4096, 1000, 1, fc=True, n=16),
]


def tensor_words(layer: dict) -> dict:
    """Input, weight and output tensor sizes in words (each read or written once = compulsory)."""
    n, g = layer["n"], layer["g"]
    inp = n * layer["c"] * g * layer["h"] * layer["w"]
    weights = layer["k"] * layer["c"] * layer["r"] * layer["s"]
    out = n * layer["k"] * layer["p"] * layer["q"]
    return {"input": inp, "weights": weights, "output": out, "compulsory": inp + weights + out}


# --- sqnxt-sim side (standard library + sqnxt_sim only; also runs as the --worker-ours subprocess) --

OUR_OPERANDS = {"ifmap": "I", "filter": "W", "psum": "O", "ofmap": "O", "output": "O"}
OUR_LEVELS = ["mac", "register_file", "inter_pe", "global_buffer", "dram"]


def our_network_dict(layer: dict) -> dict:
    if layer["fc"]:
        spec = {"name": layer["name"], "op": "fc", "out_features": layer["k"]}
        inp = {"channels": layer["c"], "height": 1, "width": 1, "batch": layer["n"]}
    else:
        spec = {"name": layer["name"], "op": "conv", "out_channels": layer["k"], "kernel": [layer["r"], layer["s"]],
                "stride": layer["stride"], "padding": list(layer["pad"]), "groups": layer["g"]}
        inp = {"channels": layer["c"] * layer["g"], "height": layer["h"], "width": layer["w"], "batch": layer["n"]}
    return {"name": f"xcheck_{layer['name']}", "input": inp, "layers": [spec]}


def our_hardware_dict(dataflow: str, kib: float) -> dict:
    return {"name": f"{ARRAY[0]}x{ARRAY[1]}_{dataflow}", "pe_array": {"rows": ARRAY[0], "cols": ARRAY[1]},
            "dataflow": dataflow, "word_bits": WORD_BITS,
            "memory": {"global_buffer_kib": kib, "activation_share": 0.0, "dram_bandwidth_bytes_per_cycle": None},
            "energy": dict(COSTS, inter_pe_hop=COSTS["inter_pe"])}


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):
        with contextlib.suppress(Exception):
            return value.item()
    if hasattr(value, "value"):
        return _plain(value.value)
    return str(value)


def run_ours_jobs(jobs: list[dict]) -> list[dict]:
    """Each job {"id", "network", "hardware"} -> {"id", "row" (every column), "notes"} or {"id", "error"}."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import sqnxt_sim
    from sqnxt_sim import hardware_from_dict, network_from_dict, simulate

    results = []
    for job in jobs:
        notes = []
        try:
            network = network_from_dict(job["network"])
            hw = json.loads(json.dumps(job["hardware"]))
            optional = list(OPTIONAL_HARDWARE_KEYS)
            while True:
                try:
                    hardware = hardware_from_dict(hw)
                    break
                except Exception as error:  # a schema without one of the optional keys: drop it, say so
                    if not optional:
                        raise
                    section, key = optional.pop(0)
                    if hw.get(section, {}).pop(key, None) is not None:
                        notes.append(f"{section}.{key} rejected ({str(error).splitlines()[0][:80]}); default used")
            start = time.perf_counter()
            rows = simulate(network, hardware).rows()
            seconds = time.perf_counter() - start
            row = next(r for r in rows if r.get("name") == job["network"]["layers"][0]["name"])
            settings = {}
            with contextlib.suppress(Exception):
                settings = {"energy": hardware.energy.model_dump(mode="json"),
                            "memory": hardware.memory.model_dump(mode="json")}
            results.append({"id": job["id"], "row": {k: _plain(v) for k, v in row.items()}, "notes": notes,
                            "hardware_settings": settings,
                            "seconds": seconds, "version": getattr(sqnxt_sim, "__version__", "?"),
                            "module": str(Path(sqnxt_sim.__file__).resolve().parent)})
        except Exception as error:
            results.append({"id": job["id"], "error": f"{type(error).__name__}: {error}"})
    return results


def worker_ours() -> None:
    from json_worker import serve  # beside this script

    serve(run_ours_jobs)


def default_sqnxt_python() -> str | None:
    for candidate in (os.environ.get("SQNXT_PYTHON"), "/tmp/venv/bin/python", "/work/venv/bin/python"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def run_ours(jobs: list[dict], python: str | None) -> list[dict]:
    if importlib.util.find_spec("sqnxt_sim") is not None and importlib.util.find_spec("pydantic") is not None:
        return run_ours_jobs(jobs)
    if not python:
        sys.exit("sqnxt_sim is not importable here; give --sqnxt-python (an interpreter with sqnxt-sim installed)")
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([python, os.path.abspath(__file__), "--worker-ours"], input=json.dumps(jobs),
                          capture_output=True, text=True, check=False, env=env, cwd=str(REPO))
    if done.returncode != 0:
        sys.exit(f"sqnxt-sim worker failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def our_record(result: dict, layer: dict) -> dict:
    """Per-operand DRAM/GB words and per-level energy from one sqnxt-sim row, by column name."""
    if "error" in result:
        return {"error": result["error"]}
    row = result["row"]
    rec = {"dram": {"I_read": None, "W_read": None, "O_write": None, "O_read": None, "total": None},
           "gb": {}, "energy": {}, "extra": {}, "notes": list(result.get("notes", [])),
           "seconds": result.get("seconds")}
    dram = {}
    for key, value in row.items():
        if key.startswith(("dram_read_", "dram_write_")) and key.endswith("_bytes") and value is not None:
            direction = "read" if key.startswith("dram_read_") else "write"
            operand = key[len(f"dram_{direction}_"):-len("_bytes")]
            short = OUR_OPERANDS.get(operand)
            if short is None:
                rec["extra"][key] = value
                continue
            dram[(short, direction)] = dram.get((short, direction), 0) + value * 8 / WORD_BITS
    if dram:
        d = rec["dram"]
        d["I_read"] = dram.get(("I", "read"), 0)
        d["W_read"] = dram.get(("W", "read"), 0)
        d["O_write"] = dram.get(("O", "write"), 0)
        d["O_read"] = dram.get(("O", "read"), 0)
        other = dram.get(("I", "write"), 0) + dram.get(("W", "write"), 0)
        if other:
            rec["extra"]["dram_other_write_words"] = other
        d["total"] = d["I_read"] + d["W_read"] + d["O_write"] + d["O_read"] + other
    for operand, short in (("ifmap", "I"), ("filter", "W"), ("psum", "O")):
        rec["gb"][short] = {"read": row.get(f"gb_read_{operand}_words"), "write": row.get(f"gb_write_{operand}_words")}
    for level in OUR_LEVELS:
        rec["energy"][level] = row.get(f"energy_{level}")
    rec["energy"]["total"] = row.get("energy")
    for key, value in row.items():
        if (key.startswith("dram_") and not key.endswith("_bytes")) or any(
                word in key for word in ("passes", "resident", "tile", "chunk", "on_chip", "schedule")):
            rec["extra"][key] = value
    for key in ("dataflow", "cycles", "compute_cycles", "macs", "weights", "shape"):
        if key in row:
            rec["extra"][key] = row[key]
    return rec


# --- ZigZag side (runs in a peer worker process) ---------------------------------------------------

def _zz_port(name: str, kind: str, allocation: list[str]) -> str:
    lines = "\n".join(f"          - {a}" for a in allocation)
    return (f"      - name: {name}\n        type: {kind}\n        bandwidth_min: {WORD_BITS}\n"
            f"        bandwidth_max: {WORD_BITS}\n        allocation:\n{lines}")


def _zz_memory(name: str, size_bits: int, cost: float, operands: list[str], ports: list[str], served: list[str]) -> str:
    return (f"  {name}:\n    size: {size_bits}\n    r_cost: {cost}\n    w_cost: {cost}\n    area: 0\n    latency: 1\n"
            f"    operands: [{', '.join(operands)}]\n    ports:\n" + "\n".join(ports) +
            f"\n    served_dimensions: [{', '.join(served)}]\n")


def zigzag_hardware_yaml(buffer_words: int) -> str:
    rf = COSTS["register_file"]
    text = "name: xcheck_32x32\n\nmemories:\n"
    text += _zz_memory("rf_I", WORD_BITS, rf, ["I1"], [_zz_port("r_port_1", "read", ["I1, tl"]),
                                                       _zz_port("w_port_1", "write", ["I1, fh"])], [])
    text += _zz_memory("rf_W", WORD_BITS, rf, ["I2"], [_zz_port("r_port_1", "read", ["I2, tl"]),
                                                       _zz_port("w_port_1", "write", ["I2, fh"])], [])
    text += _zz_memory("rf_O", WORD_BITS, rf, ["O"], [_zz_port("r_port_1", "read", ["O, tl", "O, th"]),
                                                      _zz_port("w_port_1", "write", ["O, fh", "O, fl"])], [])
    text += _zz_memory("gb", buffer_words * WORD_BITS, COSTS["global_buffer"], ["I1", "I2", "O"],
                       [_zz_port("r_port_1", "read", ["I1, tl", "I2, tl", "O, tl", "O, th"]),
                        _zz_port("w_port_1", "write", ["I1, fh", "I2, fh", "O, fh", "O, fl"])], ["D1", "D2"])
    text += _zz_memory("dram", 10 ** 13, COSTS["dram"], ["I1", "I2", "O"],
                       [_zz_port("rw_port_1", "read_write", ["I1, fh", "I1, tl", "I2, fh", "I2, tl",
                                                             "O, fh", "O, tl", "O, fl", "O, th"])], ["D1", "D2"])
    text += (f"\noperational_array:\n  unit_energy: {COSTS['mac']}\n  unit_area: 1\n  dimensions: [D1, D2]\n"
             f"  sizes: [{ARRAY[0]}, {ARRAY[1]}]\n")
    return text


def zigzag_spatial(layer: dict, mapping: str) -> tuple[str, str]:
    depthwise = layer["g"] > 1
    d1 = "G" if depthwise else "K"
    if mapping == "os":
        d2 = "B" if layer["fc"] else "OX"
    else:
        d2 = "FX" if depthwise else "C"
    return d1, d2


def zigzag_mapping_yaml(layer: dict, mapping: str) -> str:
    d1, d2 = zigzag_spatial(layer, mapping)
    return (f"- name: default\n  spatial_mapping:\n    D1:\n      - {d1}, {ARRAY[0]}\n"
            f"    D2:\n      - {d2}, {ARRAY[1]}\n"
            "  memory_operand_links:\n    O: O\n    W: I2\n    I: I1\n")


def zigzag_workload(layer: dict) -> list[dict]:
    st, (ph, pw) = layer["stride"], layer["pad"]
    common = {"id": 0, "name": layer["name"], "operator_type": "Conv",
              "dimension_relations": [f"ix={st}*ox+1*fx", f"iy={st}*oy+1*fy"],
              "operand_precision": {"W": WORD_BITS, "I": WORD_BITS, "O": WORD_BITS, "O_final": WORD_BITS},
              "operand_source": {"I": 0, "W": 0}, "pr_loop_dims": ["IX", "IY"], "padding": [[pw, pw], [ph, ph]]}
    if layer["g"] > 1:
        if layer["c"] != 1 or layer["k"] != layer["g"]:
            raise ValueError("only depthwise grouped layers are described to ZigZag")
        return [dict(common, equation="O[b][g][oy][ox]+=W[g][fy][fx]*I[b][g][iy][ix]",
                     loop_dims=["B", "G", "OY", "OX", "FY", "FX"],
                     loop_sizes=[layer["n"], layer["g"], layer["p"], layer["q"], layer["r"], layer["s"]])]
    return [dict(common, equation="O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]",
                 loop_dims=["B", "K", "C", "OY", "OX", "FY", "FX"],
                 loop_sizes=[layer["n"], layer["k"], layer["c"], layer["p"], layer["q"], layer["r"], layer["s"]])]


def _zz_cme_record(cme) -> dict:
    from zigzag.mapping.data_movement import DataDirection as D

    dram = {"I_read": 0, "W_read": 0, "O_write": 0, "O_read": 0}
    gb = {}
    energy = {"mac": float(cme.mac_energy), "register_file": 0.0, "inter_pe": None, "global_buffer": 0.0, "dram": 0.0}
    raw = {}
    for op, accesses in cme.memory_word_access.items():
        name = str(op)
        mem_op = cme.memory_operand_links.layer_to_mem_op(op)
        levels = [lvl.name for lvl in cme.accelerator.memory_hierarchy.get_memory_levels(mem_op)]
        raw[name] = {}
        for level_name, acc, joules in zip(levels, accesses, cme.mem_energy_breakdown[op]):
            counts = {d.name: int(acc.get(d)) for d in D}
            raw[name][level_name] = counts
            level = "dram" if level_name == "dram" else "global_buffer" if level_name == "gb" else "register_file"
            energy[level] += float(joules)
            if level_name == "dram":
                if name == "O":
                    dram["O_write"] += counts["WR_IN_BY_LOW"]
                    dram["O_read"] += counts["RD_OUT_TO_LOW"]
                else:
                    dram[f"{name}_read"] += counts["RD_OUT_TO_LOW"]
            elif level_name == "gb":
                gb[name] = {"read": counts["RD_OUT_TO_LOW"] + counts["RD_OUT_TO_HIGH"],
                            "write": counts["WR_IN_BY_HIGH"] + counts["WR_IN_BY_LOW"]}
    dram["total"] = sum(dram.values())
    energy["total"] = float(cme.energy_total)
    return {"dram": dram, "gb": gb, "energy": energy, "raw_accesses": raw,
            "temporal_mapping": str(cme.temporal_mapping), "spatial_mapping": str(cme.spatial_mapping)}


def _zz_dram_words(cme) -> int:
    from zigzag.mapping.data_movement import DataDirection as D

    return sum(int(accesses[-1].get(D.RD_OUT_TO_LOW)) + int(accesses[-1].get(D.WR_IN_BY_LOW))
               for accesses in cme.memory_word_access.values())


def zigzag_job(job: dict) -> dict:
    import logging

    logging.disable(logging.WARNING)  # ZigZag logs every stage at INFO and repeats mapping warnings
    from zigzag.mapping.temporal_mapping import TemporalMappingType
    from zigzag.stages.evaluation.cost_model_evaluation import CostModelStage
    from zigzag.stages.main import MainStage
    from zigzag.stages.mapping.spatial_mapping_generation import SpatialMappingGeneratorStage
    from zigzag.stages.mapping.temporal_mapping_generator_stage import TemporalMappingGeneratorStage
    from zigzag.stages.parser.accelerator_parser import AcceleratorParserStage
    from zigzag.stages.parser.workload_parser import WorkloadParserStage
    from zigzag.stages.stage import Stage
    from zigzag.stages.workload_iterator import WorkloadStage

    class KeepLeastEnergyAndLeastDram(Stage):
        """Reduce stage: of all (spatial, temporal) mappings evaluated, keep the least-energy one and the
        one with the fewest DRAM words (ties: less energy)."""

        def run(self):
            substage = self.list_of_callables[0](self.list_of_callables[1:], **self.kwargs)
            least_energy = least_dram = None
            evaluated = 0
            for cme, _ in substage.run():
                evaluated += 1
                if least_energy is None or cme.energy_total < least_energy.energy_total:
                    least_energy = cme
                key = (_zz_dram_words(cme), cme.energy_total)
                if least_dram is None or key < (_zz_dram_words(least_dram), least_dram.energy_total):
                    least_dram = cme
            yield least_energy, {"least_dram": least_dram, "evaluated": evaluated}

    layer = job["layer"]
    folder = Path(tempfile.mkdtemp(prefix=f"zz_{layer['name']}_{job['mapping']}_", dir=job["tmp"]))
    hardware, mapping = folder / "hardware.yaml", folder / "mapping.yaml"
    hardware.write_text(zigzag_hardware_yaml(job["buffer_words"]))
    mapping.write_text(zigzag_mapping_yaml(layer, job["mapping"]))
    start = time.perf_counter()
    stages = [WorkloadParserStage, AcceleratorParserStage, WorkloadStage, KeepLeastEnergyAndLeastDram,
              SpatialMappingGeneratorStage, TemporalMappingGeneratorStage, CostModelStage]
    with contextlib.redirect_stdout(io.StringIO()):
        answers = MainStage(stages, accelerator=str(hardware), workload=zigzag_workload(layer), mapping=str(mapping),
                            loma_lpf_limit=job["lpf"], loma_show_progress_bar=False, nb_mappings_generated=1,
                            enable_mix_spatial_mapping_generation=False,
                            access_same_data_considered_as_no_access=True,
                            temporal_mapping_type=TemporalMappingType.UNEVEN).run()
    seconds = time.perf_counter() - start
    cme, (_, info) = answers[0]
    from importlib.metadata import version

    return {"least_energy": _zz_cme_record(cme), "least_dram": _zz_cme_record(info["least_dram"]),
            "evaluated": info["evaluated"], "seconds": seconds, "version": version("zigzag-dse"),
            "spatial_unrolling": "{}x{}".format(*zigzag_spatial(layer, job["mapping"]))}


# --- nn_dataflow side (runs in a peer worker process) ----------------------------------------------

def nnd_job(job: dict) -> dict:
    from importlib.metadata import version

    from nn_dataflow.core import (Cost, ConvLayer, FCLayer, InputLayer, MapStrategyEyeriss, Network, NNDataflow,
                                  NodeRegion, Option, PhyDim2, Resource)
    from nn_dataflow.core import DataCategoryEnum as de
    from nn_dataflow.core import MemHierEnum as me

    layer = job["layer"]
    if layer["g"] > 1:
        return {"error": "nn_dataflow 2.1 has no grouped or depthwise convolution"}
    batch = layer["n"]
    network = Network(layer["name"])
    notes, flags = [], []
    if layer["fc"] and batch > 1 and not job["true_batch"]:
        side = math.isqrt(batch)
        if side * side != batch:
            raise ValueError("batch must be a square to map a batched FC onto a square ofmap")
        network.set_input_layer(InputLayer(layer["c"], side))
        network.add("l", ConvLayer(layer["c"], layer["k"], side, 1))
        batch = 1
        flags.append("nnd-4x4")
        notes.append(f"batch-{layer['n']} FC run as a 1x1 conv on a {side}x{side} ofmap, batch 1")
    elif layer["fc"]:
        network.set_input_layer(InputLayer(layer["c"], 1))
        network.add("l", FCLayer(layer["c"], layer["k"]))
    else:
        conv = ConvLayer(layer["c"], layer["k"], (layer["p"], layer["q"]), (layer["r"], layer["s"]), layer["stride"])
        network.set_input_layer(InputLayer(layer["c"], (conv.hifm, conv.wifm)))
        network.add("l", conv)
    in_layer = network["l"].input_layer()
    nnd_input = batch * in_layer.nofm * in_layer.hofm * in_layer.wofm
    proc = NodeRegion(dim=PhyDim2(1, 1), origin=PhyDim2(0, 0), type=NodeRegion.PROC)
    dram_region = NodeRegion(dim=PhyDim2(1, 1), origin=PhyDim2(0, 0), type=NodeRegion.DRAM)
    resource = Resource(proc_region=proc, dram_region=dram_region, src_data_region=dram_region,
                        dst_data_region=dram_region, dim_array=PhyDim2(*job["array"]), size_gbuf=job["buffer_words"],
                        size_regf=job["regf_words"], array_bus_width=float("inf"), dram_bandwidth=float("inf"),
                        no_time_mux=False)
    cost = Cost(mac_op=COSTS["mac"], mem_hier=(COSTS["dram"], COSTS["global_buffer"], COSTS["inter_pe"],
                                               COSTS["register_file"]), noc_hop=0, idl_unit=0)
    start = time.perf_counter()
    tops = None
    for bypass in ((False, True) if not job["bypass"] else (True,)):
        options = Option(sw_gbuf_bypass=(bypass,) * de.NUM, sw_solve_loopblocking=False, opt_goal="e", ntops=1,
                         nprocesses=1, verbose=False)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            tops, _ = NNDataflow(network, batch, resource, cost, MapStrategyEyeriss).schedule_search(options)
        if tops:
            if bypass:
                flags.append("nnd-bypass")
                notes.append("no schedule without buffer bypass; bypass allowed")
            break
    seconds = time.perf_counter() - start
    if not tops:
        return {"error": "nn_dataflow found no valid schedule (with or without bypass)", "seconds": seconds}
    top = tops[0]
    scheme = top.res_dict["l"].scheme
    access = [[float(x) for x in level] for level in scheme["access"]]
    words = tensor_words(layer)
    raw_i, raw_w, raw_o = access[me.DRAM][de.IFM], access[me.DRAM][de.FIL], access[me.DRAM][de.OFM]
    out = words["output"]
    # nn_dataflow counts output DRAM accesses as (2 f - 1) x output for f passes: f writes, f - 1 reads back.
    o_write, o_read = (raw_o + out) / 2, max(raw_o - out, 0) / 2
    w_read = raw_w
    if raw_w == 0:
        w_read = words["weights"]
        flags.append("nnd-W0+")
    elif raw_w < words["weights"]:
        flags.append("nnd-W<tensor")
    i_read = raw_i
    if nnd_input != words["input"]:
        i_read = raw_i * words["input"] / nnd_input
        flags.append("nnd-pad")
        notes.append(f"input extent {in_layer.hofm}x{in_layer.wofm} (no padding model) vs "
                     f"{layer['h']}x{layer['w']}; input words scaled by {words['input'] / nnd_input:.4f}")
    dram = {"I_read": i_read, "W_read": w_read, "O_write": o_write, "O_read": o_read}
    dram["total"] = sum(dram.values())
    gb_scale = {"I": de.IFM, "W": de.FIL, "O": de.OFM}
    gb = {short: {"read": access[me.GBUF][cat] + float(scheme["remote_gbuf_access"][cat]), "write": None}
          for short, cat in gb_scale.items()}
    energy = {"mac": float(scheme["ops"]) * COSTS["mac"],
              "register_file": sum(access[me.REGF]) * COSTS["register_file"],
              "inter_pe": sum(access[me.ITCN]) * COSTS["inter_pe"],
              "global_buffer": (sum(access[me.GBUF]) + sum(scheme["remote_gbuf_access"])) * COSTS["global_buffer"],
              "dram": dram["total"] * COSTS["dram"]}
    energy["total"] = sum(energy.values())
    raw = {"access": access, "fetch": [list(f) for f in scheme["fetch"]], "cost": float(scheme["cost"]),
           "cost_noc": float(scheme["cost_noc"]), "ops": float(scheme["ops"]), "time": float(scheme["time"]),
           "tvals": str(scheme["tvals"]), "orders": str(scheme["orders"]), "size": str(scheme["size"]),
           "dram_words_raw": {"I_read": raw_i, "W_read": raw_w, "O_total_rw": raw_o},
           "energy_total_raw": float(scheme["cost"]), "nnd_input_words": nnd_input}
    return {"dram": dram, "gb": gb, "energy": energy, "raw": raw, "flags": flags, "notes": notes,
            "seconds": seconds, "version": version("nn-dataflow")}


def peer_job(job: dict) -> dict:
    try:
        result = zigzag_job(job) if job["tool"] == "zigzag" else nnd_job(job)
    except Exception as error:  # one failing case must not stop the table
        import traceback

        result = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()[-2000:]}
    return {"id": job["id"], "result": result}


# --- driver ----------------------------------------------------------------------------------------

def fit_class(words: dict, buffer_words: int) -> str:
    if words["compulsory"] <= buffer_words:
        return "all"
    if words["input"] + words["weights"] <= buffer_words:
        return "I+W"
    return "no"


def fmt(value, exact: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if exact or abs(value) < 10_000:
        return f"{value:.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:.1f}"
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.4g}{unit}"
    return f"{value:.0f}"


def gb_cell(entry: dict | None) -> str:
    if not entry:
        return ""
    read, write = entry.get("read"), entry.get("write")
    if write is None:
        return f"{fmt(read)} (r+w)" if read is not None else ""
    return f"{fmt(read)}/{fmt(write)}"


def build_markdown(report: dict) -> str:
    cases = report["cases"]
    out = []
    meta = report["meta"]
    out.append(f"### Peer cross-check: DRAM words per layer and buffer ({meta['word_bits']}-bit words)\n")
    energy = (meta.get("sqnxt_hardware_settings") or {}).get("energy", {})
    conventions = ", ".join(f"{k} {energy[k]}" for k in ("inter_pe_hop", "register_file_accesses", "load_drain_hops")
                            if k in energy)
    out.append(f"sqnxt-sim {meta.get('sqnxt_version', '?')} (32x32 os/ws, activation_share 0"
               f"{'; ' + conventions if conventions else ''}), "
               f"ZigZag {meta.get('zigzag_version', '?')} (32x32, LOMA lpf {meta['lpf']}), "
               f"nn_dataflow {meta.get('nnd_version', '?')} ({meta['nnd_array']} PEs, row stationary). "
               "Costs per word: DRAM 200, GB 6, inter-PE 2, RF 1, MAC 1. "
               "ZZ os/ws = least-energy schedule of each unrolling; ZZ minD = fewest DRAM words over both; "
               "`*` = artefact, excluded from best peer. ratio = sqnxt-sim best (os, ws) / best peer; "
               "target ≤ 1.10 where fit ≠ all.\n")
    out.append("| layer | buffer | fit | compulsory | sqnxt os | sqnxt ws | ZZ os | ZZ ws | ZZ minD | nn_dataflow | "
               "best peer | ratio | target | flags |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for case in cases:
        s = case["summary"]

        def cell(value, flagged):
            if value is None:
                return ""
            return f"{value:.0f}{'*' if flagged else ''}"

        target = "" if s["fit"] == "all" or s["ratio"] is None else ("ok" if s["ratio"] <= 1.10 else "MISS")
        out.append("| " + " | ".join([
            case["layer"], f"{case['buffer_kib']} KiB", s["fit"], str(s["compulsory"]),
            cell(s["ours"].get("os"), False), cell(s["ours"].get("ws"), False),
            cell(*s["zz"].get("os", (None, False))), cell(*s["zz"].get("ws", (None, False))),
            cell(*s["zz"].get("minD", (None, False))), cell(*s["nnd"]),
            f"{s['best_peer']:.0f} ({s['best_peer_tool']})" if s["best_peer"] is not None else "",
            f"{s['ratio']:.3f}" if s["ratio"] is not None else "", target, " ".join(s["flags"])]) + " |")
    out.append("")
    out.append("### Detail per tool (DRAM and GB in words; GB as reads/writes; energy in MAC units)\n")
    out.append("| layer | buffer | tool | DRAM I rd | DRAM W rd | DRAM O wr | DRAM O rd | DRAM total "
               "| GB I | GB W | GB O | "
               "E MAC | E RF | E inter-PE | E GB | E DRAM | E total | notes |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for case in cases:
        for tool, rec in case["tools"].items():
            if rec is None or rec.get("same_as_least_energy"):  # least-DRAM schedule shown only where it differs
                continue
            if "error" in rec:
                out.append(f"| {case['layer']} | {case['buffer_kib']} KiB | {tool} | " + " | ".join([""] * 14)
                           + f" | not run: {rec['error'].splitlines()[0][:120]} |")
                continue
            d, g, e = rec["dram"], rec.get("gb", {}), rec.get("energy", {})
            notes = " ".join(rec.get("flags", []) + rec.get("notes_short", []))
            out.append("| " + " | ".join([
                case["layer"], f"{case['buffer_kib']} KiB", tool,
                fmt(d.get("I_read")), fmt(d.get("W_read")), fmt(d.get("O_write")), fmt(d.get("O_read")),
                fmt(d.get("total")), gb_cell(g.get("I")), gb_cell(g.get("W")), gb_cell(g.get("O")),
                fmt(e.get("mac")), fmt(e.get("register_file")), fmt(e.get("inter_pe")), fmt(e.get("global_buffer")),
                fmt(e.get("dram")), fmt(e.get("total")), notes]) + " |")
    out.append("")
    flags = report["flag_counts"]
    if flags:
        out.append("Flags: " + ", ".join(f"{name} ×{count}" for name, count in sorted(flags.items())) + ".\n")
    misses = [f"{c['layer']} @ {c['buffer_kib']} KiB ({c['summary']['ratio']:.3f})" for c in cases
              if c["summary"]["fit"] != "all" and c["summary"]["ratio"] is not None and c["summary"]["ratio"] > 1.10]
    checked = [c for c in cases if c["summary"]["fit"] != "all" and c["summary"]["ratio"] is not None]
    out.append(f"Target (ratio ≤ 1.10 where operands do not all fit): {len(checked) - len(misses)} of {len(checked)} "
               f"rows met" + (f"; missed: {', '.join(misses)}." if misses else "."))
    return "\n".join(out) + "\n"


def summarize(case: dict) -> dict:
    words, tools = case["words"], case["tools"]
    summary = {"compulsory": words["compulsory"], "fit": case["fit"], "ours": {}, "zz": {}, "nnd": (None, False),
               "flags": []}
    candidates = []  # (total, tool label, flagged)
    for df in ("os", "ws"):
        rec = tools.get(f"sqnxt {df}")
        if rec and "error" not in rec and rec["dram"]["total"] is not None:
            summary["ours"][df] = rec["dram"]["total"]
    least_d = None
    for df in ("os", "ws"):
        for kind, label in (("least_energy", f"ZZ {df}"), ("least_dram", f"ZZ {df} minD")):
            rec = tools.get(label)
            if rec is None and kind == "least_dram":  # older JSON: left out where equal to least energy
                rec = tools.get(f"ZZ {df}")
            if not rec or "error" in rec:
                continue
            flagged = any(flag in ZZ_ARTEFACTS for flag in rec.get("flags", []))
            total = rec["dram"]["total"]
            candidates.append((total, label, flagged))
            if kind == "least_energy":
                summary["zz"][df] = (total, flagged)
            if kind == "least_dram" and (least_d is None or (flagged, total) < (least_d[1], least_d[0])):
                least_d = (total, flagged)
    if least_d:
        summary["zz"]["minD"] = least_d
    rec = tools.get("nn_dataflow")
    if rec and "error" not in rec:
        flagged = any(flag in NND_EXCLUDED for flag in rec.get("flags", []))
        summary["nnd"] = (rec["dram"]["total"], flagged)
        candidates.append((rec["dram"]["total"], "nn_dataflow", flagged))
    valid = [c for c in candidates if not c[2]]
    best = min(valid) if valid else None
    summary["best_peer"] = best[0] if best else None
    summary["best_peer_tool"] = best[1] if best else None
    summary["best_peer_any"] = min(candidates)[0] if candidates else None
    ours = [v for v in summary["ours"].values() if v is not None]
    summary["ours_best"] = min(ours) if ours else None
    summary["ratio"] = summary["ours_best"] / best[0] if ours and best and best[0] else None
    summary["ratio_to_compulsory"] = summary["ours_best"] / words["compulsory"] if ours else None
    flags = set()
    for label, rec in tools.items():
        if rec and "error" not in rec:
            flags.update(rec.get("flags", []))
        elif rec and "error" in rec:
            flags.add(f"{label.split()[0]}-not-run")
    summary["flags"] = sorted(flags)
    return summary


def count_flags(cases: list[dict]) -> dict:
    counts = {}
    for case in cases:
        for flag in case["summary"]["flags"]:
            counts[flag] = counts.get(flag, 0) + 1
    return counts


def rebuild(path: str, out: str | None) -> None:
    """Tables again from a saved JSON (e.g. after changing the table layout), without running anything."""
    report = json.loads(Path(path).read_text())
    for case in report["cases"]:
        case["summary"] = summarize(case)
    report["flag_counts"] = count_flags(report["cases"])
    markdown = build_markdown(report)
    if out:
        Path(out).write_text(markdown)
    else:
        sys.stdout.write(markdown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK_LAYERS)} at "
                        f"{', '.join(map(str, QUICK_BUFFERS_KIB))} KiB")
    parser.add_argument("--only", default="", help="layers whose name contains this (comma-separated list allowed)")
    parser.add_argument("--buffers", default="",
                        help="buffer sizes in KiB, comma-separated (default 16,64,128,256,1024)")
    parser.add_argument("--jobs", type=int, default=2, help="peer worker processes (default 2)")
    parser.add_argument("--lpf", type=int, default=6, help="ZigZag LOMA lpf_limit (default 6)")
    parser.add_argument("--nnd-array", default="16x16", help="nn_dataflow PE array (default 16x16)")
    parser.add_argument("--nnd-regf-bytes", type=int, default=512, help="nn_dataflow register file per PE (bytes)")
    parser.add_argument("--nnd-bypass", action="store_true", help="let nn_dataflow bypass the global buffer")
    parser.add_argument("--nnd-true-batch", action="store_true",
                        help="give batched FCs to nn_dataflow as batch (2-3 min per run) instead of a 4x4 ofmap")
    parser.add_argument("--no-zigzag", action="store_true")
    parser.add_argument("--no-nnd", action="store_true")
    parser.add_argument("--sqnxt-python", default=default_sqnxt_python(),
                        help="interpreter with sqnxt-sim installed, used if sqnxt_sim is not importable here")
    parser.add_argument("--json", default=str(Path(tempfile.gettempdir()) / "peer_crosscheck.json"),
                        help="where to write all raw numbers (default: <tmp>/peer_crosscheck.json)")
    parser.add_argument("--out", help="write the markdown here instead of stdout")
    parser.add_argument("--from-json", metavar="PATH", help="only rebuild the tables from a JSON this script wrote")
    parser.add_argument("--worker-ours", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_ours:
        worker_ours()
        return
    if args.from_json:
        rebuild(args.from_json, args.out)
        return

    started = time.perf_counter()
    layers = [l for l in LAYERS if not args.quick or l["name"] in QUICK_LAYERS]
    if args.only:
        wanted = [w for w in args.only.split(",") if w]
        layers = [l for l in layers if any(w in l["name"] for w in wanted)]
    buffers = ([float(b) for b in args.buffers.split(",") if b] if args.buffers
               else QUICK_BUFFERS_KIB if args.quick else BUFFERS_KIB)
    buffers = [int(b) if float(b).is_integer() else b for b in buffers]
    if not layers or not buffers:
        sys.exit("no layers or buffers selected")
    nnd_array = tuple(int(x) for x in args.nnd_array.lower().split("x"))

    cases = []
    for layer in layers:
        words = tensor_words(layer)
        for kib in buffers:
            buffer_words = int(kib * 1024 * 8 // WORD_BITS)
            cases.append({"id": f"{layer['name']}@{kib}", "layer": layer["name"], "source": layer["source"],
                          "buffer_kib": kib, "buffer_words": buffer_words, "words": words,
                          "fit": fit_class(words, buffer_words), "spec": layer, "tools": {}})

    # sqnxt-sim (fast): one subprocess for every case and preset.
    our_jobs = [{"id": f"{case['id']}/{df}", "network": our_network_dict(case["spec"]),
                 "hardware": our_hardware_dict(df, case["buffer_kib"])} for case in cases for df in ("os", "ws")]
    t0 = time.perf_counter()
    our_results = {r["id"]: r for r in run_ours(our_jobs, args.sqnxt_python)}
    our_seconds = time.perf_counter() - t0
    sqnxt_version, sqnxt_module, sqnxt_settings = "?", "?", {}
    for case in cases:
        for df in ("os", "ws"):
            result = our_results.get(f"{case['id']}/{df}", {"error": "no result"})
            rec = our_record(result, case["spec"])
            sqnxt_version = result.get("version", sqnxt_version)
            sqnxt_module = result.get("module", sqnxt_module)
            sqnxt_settings = result.get("hardware_settings") or sqnxt_settings
            if "error" not in rec:
                extra = rec["extra"]
                short = [f"{k.replace('dram_', '').replace('_passes', 'P')}={v}" for k, v in extra.items()
                         if "passes" in k and v is not None]
                short += [f"{k.replace('dram_', '')}={v}" for k, v in extra.items()
                          if "resident" in k and v not in (None, "")]
                rec["notes_short"] = short
                rec["flags"] = []
            case["tools"][f"sqnxt {df}"] = rec

    # Peers: a process pool over (tool, case[, unrolling]).
    peer_jobs = []
    with tempfile.TemporaryDirectory(prefix="peer_xcheck_") as tmp:
        for case in cases:
            if not args.no_zigzag:
                for df in ("os", "ws"):
                    peer_jobs.append({"id": f"{case['id']}/zz/{df}", "tool": "zigzag", "layer": case["spec"],
                                      "buffer_words": case["buffer_words"], "mapping": df, "lpf": args.lpf, "tmp": tmp})
            if not args.no_nnd:
                peer_jobs.append({"id": f"{case['id']}/nnd", "tool": "nnd", "layer": case["spec"],
                                  "buffer_words": case["buffer_words"], "array": nnd_array,
                                  "regf_words": args.nnd_regf_bytes * 8 // WORD_BITS, "bypass": args.nnd_bypass,
                                  "true_batch": args.nnd_true_batch})

        def expected_seconds(job):  # longest first, so the pool ends together
            layer = job["layer"]
            if job["tool"] == "nnd":
                return layer["c"] * layer["k"] * max(layer["n"], 4 if layer["n"] > 1 else 1) / 2.5e6
            return 3 + layer["r"] * layer["s"] / 10

        peer_jobs.sort(key=expected_seconds, reverse=True)
        peer_results = {}
        t0 = time.perf_counter()
        if peer_jobs:
            import multiprocessing

            with multiprocessing.get_context("fork").Pool(max(1, args.jobs), maxtasksperchild=10) as pool:
                for number, answer in enumerate(pool.imap_unordered(peer_job, peer_jobs), 1):
                    peer_results[answer["id"]] = answer["result"]
                    status = "error" if "error" in answer["result"] else f"{answer['result'].get('seconds', 0):.1f} s"
                    print(f"[{number}/{len(peer_jobs)}] {answer['id']}: {status}", file=sys.stderr, flush=True)
        peer_seconds = time.perf_counter() - t0

    zigzag_version = nnd_version = "?"
    for case in cases:
        words = case["words"]
        for df in ("os", "ws"):
            result = peer_results.get(f"{case['id']}/zz/{df}")
            if result is None:
                continue
            if "error" in result:
                case["tools"][f"ZZ {df}"] = {"error": result["error"], "traceback": result.get("traceback")}
                continue
            zigzag_version = result["version"]
            seen_least_energy = None
            for kind, label in (("least_energy", f"ZZ {df}"), ("least_dram", f"ZZ {df} minD")):
                rec = dict(result[kind])
                flags = []
                if rec["dram"]["I_read"] < words["input"]:
                    flags.append("zz-I<tensor")
                if rec["dram"]["W_read"] < words["weights"]:
                    flags.append("zz-W<tensor")
                if rec["dram"]["O_write"] < words["output"]:
                    flags.append("zz-O<tensor")
                rec["flags"] = flags
                rec["notes_short"] = [f"{result['spatial_unrolling']}"]
                rec["evaluated"] = result["evaluated"]
                rec["seconds"] = result["seconds"]
                if kind == "least_dram" and seen_least_energy is not None and \
                        rec["temporal_mapping"] == seen_least_energy["temporal_mapping"] and \
                        rec["spatial_mapping"] == seen_least_energy["spatial_mapping"]:
                    rec["same_as_least_energy"] = True
                case["tools"][label] = rec
                seen_least_energy = rec
        result = peer_results.get(f"{case['id']}/nnd")
        if result is not None:
            if "error" in result:
                case["tools"]["nn_dataflow"] = {"error": result["error"], "traceback": result.get("traceback")}
            else:
                nnd_version = result["version"]
                result["notes_short"] = []
                case["tools"]["nn_dataflow"] = result
        case["summary"] = summarize(case)

    total_seconds = time.perf_counter() - started
    report = {
        "meta": {"word_bits": WORD_BITS, "costs": COSTS, "array": ARRAY, "lpf": args.lpf, "nnd_array": args.nnd_array,
                 "nnd_regf_bytes": args.nnd_regf_bytes, "nnd_bypass": args.nnd_bypass,
                 "nnd_true_batch": args.nnd_true_batch, "buffers_kib": buffers, "quick": args.quick,
                 "sqnxt_version": sqnxt_version, "sqnxt_module": sqnxt_module,
                 "sqnxt_hardware_settings": sqnxt_settings, "zigzag_version": zigzag_version,
                 "nnd_version": nnd_version, "python": sys.version.split()[0],
                 "seconds": {"total": total_seconds, "sqnxt": our_seconds, "peers": peer_seconds},
                 "command": " ".join([sys.executable] + sys.argv)},
        "layers": layers, "cases": [{k: v for k, v in c.items() if k != "spec"} for c in cases],
        "flag_counts": count_flags(cases),
    }
    Path(args.json).write_text(json.dumps(report, indent=1, default=str))
    markdown = build_markdown(report)
    if args.out:
        Path(args.out).write_text(markdown)
    else:
        sys.stdout.write(markdown)
    print(f"raw numbers: {args.json}; wall time {total_seconds:.0f} s (sqnxt-sim {our_seconds:.1f} s, "
          f"peers {peer_seconds:.0f} s on {args.jobs} processes)", file=sys.stderr)


if __name__ == "__main__":
    main()
