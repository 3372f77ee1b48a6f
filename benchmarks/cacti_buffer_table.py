#!/usr/bin/env python3
"""Derive a 65 nm on-chip SRAM cost-vs-capacity table with CACTI 7.

Purpose
-------
Sourced defaults for sqnxt-sim's "buffer energy as a function of capacity"
option, for static (leakage) power, and for a later area model.  For every
capacity the script writes one CACTI input file into a temporary directory,
runs the CACTI binary on it, and parses CACTI's CSV side output
(``<cfg>.out``) plus its DETAILED stdout report.

Modelled memory (one CACTI run per point)
-----------------------------------------
* technology 0.065 um (65 nm, the node of the Eyeriss chip),
* ``-cache type "ram"`` : a plain scratchpad, no tag array, associativity 1,
* 1 bank (UCA); if CACTI finds no valid organization for a capacity, the
  script retries with 2, 4, then 8 banks and records ``banks`` per point,
* 1 read-write port, 0 exclusive read / write ports, 0 single-ended ports,
* output/input bus width 64 bits and block size 8 bytes (= 64 bits, the
  smallest block CACTI accepts for a 64-bit bus: it requires
  block_bytes * 8 >= bus width), i.e. one access moves four 16-bit words,
* data/tag cell and peripheral device type "itrs-hp".  This is the choice
  ZigZag (the peer package that bundles this CACTI) hard-codes in
  zigzag/cacti/cacti_master/cacti_config_creator.py and the one used in
  CACTI 7's sample cache.cfg, so it is the "standard" setting.  Note that
  itrs-hp transistors are high-leakage; "itrs-lstp" would give much lower
  leakage (use --cell-type/--peri-type to explore),
* the remaining optimisation / wire / temperature settings follow the
  CACTI 7 sample cache.cfg (as also used by ZigZag): 360 K, access mode
  "normal", design objective 0:0:0:100:0, deviate
  20:100000:100000:100000:100000, optimize "ED^2", wire signaling
  "Global_30", semi-global wires inside/outside mat, conservative
  interconnect projection, no power gating,
* ECC OFF (``-Add ECC "false"``).  ZigZag/CACTI's sample turn ECC on
  (+1 bit per byte, a cache-reliability feature); accelerator scratchpads
  such as Eyeriss's global buffer carry no ECC, so it is disabled here.

Recorded per point: capacity (KiB and bytes), banks, read / write dynamic
energy per access (pJ), the same divided by the 4 16-bit words per access,
leakage power (mW; subthreshold + gate leakage as reported by CACTI, times
the number of banks when >1 bank is needed), area (mm^2), access and cycle
time (ns) and the chosen array partitioning.  A 0.5 KiB (512-byte) point
models a register file / small scratchpad (CACTI's minimum is 64 bytes).

Usage
-----
    /tmp/peers/bin/python benchmarks/cacti_buffer_table.py \
        [--cacti PATH_TO_CACTI_DIR_OR_BINARY] [--out benchmarks/cacti_buffer_table.json]

CACTI opens ``tech_params/*.dat`` relative to its working directory, so each
run happens in a temporary directory holding symlinks to the CACTI
directory's ``tech_params`` and ``contention.dat``; nothing is written into
the CACTI directory.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections import OrderedDict

DEFAULT_CACTI_DIRS = [
    "/tmp/peers/lib/python3.11/site-packages/zigzag/cacti/cacti_master",
    "/tmp/cacti_build/cacti_master",
]

CAPACITIES_BYTES = [512] + [k * 1024 for k in (8, 16, 32, 64, 128, 256, 512, 1024, 2048)]
BANK_RETRIES = [1, 2, 4, 8]
BUS_BITS = 64
WORD_BITS = 16


def base_settings(tech_um: float, cell: str, peri: str) -> "OrderedDict[str, str]":
    """CACTI cfg lines as prefix -> value (capacity/banks filled per point)."""
    s: "OrderedDict[str, str]" = OrderedDict()
    s["-size (bytes)"] = None  # per point
    s["-block size (bytes)"] = str(BUS_BITS // 8)
    s["-associativity"] = "1"
    s["-read-write port"] = "1"
    s["-exclusive read port"] = "0"
    s["-exclusive write port"] = "0"
    s["-single ended read ports"] = "0"
    s["-search port"] = "0"
    s["-UCA bank count"] = None  # per point
    s["-technology (u)"] = f"{tech_um:.3f}"
    s["-output/input bus width"] = str(BUS_BITS)
    s["-operating temperature (K)"] = "360"
    s["-cache type"] = '"ram"'
    s["-tag size (b)"] = '"default"'
    s["-access mode (normal, sequential, fast) -"] = '"normal"'
    s["-Data array cell type -"] = f'"{cell}"'
    s["-Data array peripheral type -"] = f'"{peri}"'
    s["-Tag array cell type -"] = f'"{cell}"'
    s["-Tag array peripheral type -"] = f'"{peri}"'
    s["-design objective (weight delay, dynamic power, leakage power, cycle time, area)"] = "0:0:0:100:0"
    s["-deviate (delay, dynamic power, leakage power, cycle time, area)"] = "20:100000:100000:100000:100000"
    s["-NUCAdesign objective (weight delay, dynamic power, leakage power, cycle time, area)"] = "100:100:0:0:100"
    s["-NUCAdeviate (delay, dynamic power, leakage power, cycle time, area)"] = "10:10000:10000:10000:10000"
    s["-Optimize ED or ED^2 (ED, ED^2, NONE):"] = '"ED^2"'
    s["-Cache model (NUCA, UCA)  -"] = '"UCA"'
    s["-NUCA bank count"] = "0"
    s["-Wire signaling (fullswing, lowswing, default) -"] = '"Global_30"'
    s["-Wire inside mat -"] = '"semi-global"'
    s["-Wire outside mat -"] = '"semi-global"'
    s["-Interconnect projection -"] = '"conservative"'
    s["-Core count"] = "8"
    s["-Cache level (L2/L3) -"] = '"L3"'
    s["-Add ECC -"] = '"false"'
    s["-Print level (DETAILED, CONCISE) -"] = '"DETAILED"'
    s["-Print input parameters -"] = '"false"'
    s["-Force cache config -"] = '"false"'
    s["-Ndwl"] = "1"
    s["-Ndbl"] = "1"
    s["-Nspd"] = "0"
    s["-Ndcm"] = "1"
    s["-Ndsam1"] = "0"
    s["-Ndsam2"] = "0"
    s["-Array Power Gating -"] = '"false"'
    s["-WL Power Gating -"] = '"false"'
    s["-CL Power Gating -"] = '"false"'
    s["-Bitline floating -"] = '"false"'
    s["-Interconnect Power Gating -"] = '"false"'
    s["-Power Gating Performance Loss"] = "0.01"
    # main-memory / off-chip IO / MemCAD parameters: unused for an on-chip
    # "ram", given the CACTI sample values so no field is left uninitialised.
    s["-page size (bits)"] = "8192"
    s["-burst length"] = "8"
    s["-internal prefetch width"] = "8"
    s["-dram_type"] = '"DDR3"'
    s["-io state"] = '"WRITE"'
    s["-addr_timing"] = "1.0"
    s["-mem_density"] = "4 Gb"
    s["-bus_freq"] = "800 MHz"
    s["-duty_cycle"] = "1.0"
    s["-activity_dq"] = "1.0"
    s["-activity_ca"] = "0.5"
    s["-num_dq"] = "72"
    s["-num_dqs"] = "18"
    s["-num_ca"] = "25"
    s["-num_clk"] = "2"
    s["-num_mem_dq"] = "2"
    s["-mem_data_width"] = "8"
    s["-rtt_value"] = "10000"
    s["-ron_value"] = "34"
    s["-tflight_value"] = ""
    s["-num_bobs"] = "1"
    s["-capacity"] = "80"
    s["-num_channels_per_bob"] = "1"
    s["-first metric"] = '"Cost"'
    s["-second metric"] = '"Bandwidth"'
    s["-third metric"] = '"Energy"'
    s["-DIMM model"] = '"ALL"'
    s["-mirror_in_bob"] = '"F"'
    return s


def resolve_cacti(path: str | None) -> tuple[str, str]:
    """Return (cacti_dir, binary) from a directory or binary path."""
    cands = [path] if path else DEFAULT_CACTI_DIRS
    for c in cands:
        c = os.path.abspath(c)
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.dirname(c), c
        b = os.path.join(c, "cacti")
        if os.path.isfile(b) and os.access(b, os.X_OK):
            return c, b
    sys.exit(f"no executable cacti found in {cands}; build one with `make` in a copy of cacti_master")


def cacti_version(cacti_dir: str, stdout_text: str = "") -> str:
    m = re.search(r"CACTI \(version\s+([^)]*)\)", stdout_text)
    if m:
        return "CACTI " + " ".join(m.group(1).split())
    hdr = os.path.join(cacti_dir, "version_cacti.h")
    try:
        txt = open(hdr, encoding="utf-8", errors="replace").read()
    except OSError:
        return "unknown"
    get = lambda k: (re.search(rf"#define\s+{k}\s+(\"[^\"]*\"|\S+)", txt) or [None, "?"])[1].strip('"')
    return f"CACTI {get('VER_MAJOR_CACTI')}.{get('VER_MINOR_CACTI')} {get('VER_COMMENT_CACTI')} ({get('VER_UPDATE_CACTI')})"


def write_cfg(path: str, settings: "OrderedDict[str, str]") -> None:
    with open(path, "w", encoding="utf-8") as f:
        for k, v in settings.items():
            f.write(f"{k} {v}\n" if v != "" else f"{k}\n")


def _num(x: str):
    x = x.strip()
    try:
        return float(x)
    except ValueError:
        return None


def run_point(binary: str, cacti_dir: str, settings, timeout: float):
    """Run CACTI once; return (parsed dict or None, stdout, stderr)."""
    with tempfile.TemporaryDirectory(prefix="cacti_pt_") as tmp:
        for name in ("tech_params", "contention.dat"):
            src = os.path.join(cacti_dir, name)
            if os.path.exists(src):
                os.symlink(src, os.path.join(tmp, name))
        write_cfg(os.path.join(tmp, "point.cfg"), settings)
        try:
            p = subprocess.run([binary, "-infile", "point.cfg"], cwd=tmp, capture_output=True,
                               text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, "", "timeout"
        out_csv = os.path.join(tmp, "point.cfg.out")
        if not os.path.isfile(out_csv):
            return None, p.stdout, p.stderr
        lines = [l for l in open(out_csv, encoding="utf-8").read().splitlines() if l.strip()]
    if len(lines) < 2:
        return None, p.stdout, p.stderr
    head = [h.strip() for h in lines[0].split(",")]
    row = [v.strip() for v in lines[1].split(",")]
    csv = dict(zip(head, row))
    res = {"csv": csv}
    # extra detail from the DETAILED stdout report
    pats = {
        "leak_sub_mw": r"Total leakage power of a bank \(mW\):\s*([-\d.eE+]+)",
        "leak_gate_mw": r"Total gate leakage power of a bank \(mW\):\s*([-\d.eE+]+)",
        "read_nj": r"Total dynamic read energy per access \(nJ\):\s*([-\d.eE+]+)",
        "write_nj": r"Total dynamic write energy per access \(nJ\):\s*([-\d.eE+]+)",
    }
    for k, pat in pats.items():
        m = re.search(pat, p.stdout)
        res[k] = float(m.group(1)) if m else None
    m = re.search(r"Cache height x width \(mm\):\s*([\d.eE+-]+)\s*x\s*([\d.eE+-]+)", p.stdout)
    res["height_mm"], res["width_mm"] = (float(m.group(1)), float(m.group(2))) if m else (None, None)
    return res, p.stdout, p.stderr


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cacti", default=None, help="CACTI directory (with tech_params/) or binary")
    ap.add_argument("--out", default=os.path.join(here, "cacti_buffer_table.json"))
    ap.add_argument("--tech", type=float, default=0.065, help="technology in um")
    ap.add_argument("--cell-type", default="itrs-hp")
    ap.add_argument("--peri-type", default="itrs-hp")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per CACTI run")
    args = ap.parse_args()

    cacti_dir, binary = resolve_cacti(args.cacti)
    base = base_settings(args.tech, args.cell_type, args.peri_type)
    version = None
    points, failures = [], []
    words = BUS_BITS // WORD_BITS
    for cap in CAPACITIES_BYTES:
        got = None
        for nb in BANK_RETRIES:
            s = OrderedDict(base)
            s["-size (bytes)"] = str(cap)
            s["-UCA bank count"] = str(nb)
            res, so, se = run_point(binary, cacti_dir, s, args.timeout)
            if version is None and so:
                version = cacti_version(cacti_dir, so)
            if res is not None:
                got = (nb, res)
                break
            failures.append({"capacity_bytes": cap, "banks": nb,
                             "reason": (se.strip() or so.strip()[-300:] or "no output")[:300]})
            print(f"  {cap} B with {nb} bank(s): CACTI gave no result, retrying", file=sys.stderr)
        if got is None:
            print(f"  {cap} B: no valid organization with {BANK_RETRIES} banks", file=sys.stderr)
            continue
        nb, res = got
        c = res["csv"]
        rd_nj = _num(c["Dynamic read energy (nJ)"])
        wr_nj = _num(c["Dynamic write energy (nJ)"])
        leak_bank = _num(c["Standby leakage per bank(mW)"])  # subthreshold + gate, one bank
        pt = OrderedDict()
        pt["capacity_kib"] = cap / 1024
        pt["capacity_bytes"] = cap
        pt["banks"] = nb
        pt["bus_bits"] = int(_num(c["Output width (bits)"]))
        pt["words_per_access"] = words
        pt["read_pj_per_access"] = rd_nj * 1e3
        pt["write_pj_per_access"] = wr_nj * 1e3
        pt["read_pj_per_16b_word"] = rd_nj * 1e3 / words
        pt["write_pj_per_16b_word"] = wr_nj * 1e3 / words
        pt["leakage_mw"] = leak_bank * nb
        pt["leakage_per_bank_mw"] = leak_bank
        pt["leakage_subthreshold_mw_per_bank"] = res["leak_sub_mw"]
        pt["leakage_gate_mw_per_bank"] = res["leak_gate_mw"]
        pt["area_mm2"] = _num(c["Area (mm2)"])
        pt["height_mm"], pt["width_mm"] = res["height_mm"], res["width_mm"]
        pt["access_time_ns"] = _num(c["Access time (ns)"])
        pt["cycle_time_ns"] = _num(c["Random cycle time (ns)"])
        pt["organization"] = {k: c.get(k) for k in ("Ndwl", "Ndbl", "Nspd", "Ndcm",
                                                      "Ndsam_level_1", "Ndsam_level_2")}
        pt["data_array_area_efficiency_pct"] = _num(c["Data arrary area efficiency %"])
        points.append(pt)

    # ---- sanity checks ------------------------------------------------
    pts = sorted(points, key=lambda p: p["capacity_bytes"])
    checks = OrderedDict()
    for key in ("read_pj_per_access", "write_pj_per_access", "area_mm2", "leakage_mw"):
        bad = [f"{a['capacity_kib']:g}->{b['capacity_kib']:g} KiB" for a, b in zip(pts, pts[1:])
               if not b[key] > a[key]]
        checks[f"{key}_increasing"] = {"ok": not bad, "violations": bad}
    per_kib = [p["leakage_mw"] / p["capacity_kib"] for p in pts if p["capacity_kib"] >= 8]
    if per_kib:
        lo, hi = min(per_kib), max(per_kib)
        checks["leakage_mw_per_kib_range_8KiB_up"] = {"min": lo, "max": hi, "max_over_min": hi / lo,
                                                     "roughly_proportional": hi / lo < 2.0}

    header = OrderedDict()
    header["description"] = ("CACTI 7 on-chip SRAM scratchpad cost vs capacity at 65 nm, for sqnxt-sim's "
                             "capacity-dependent buffer energy, leakage and area defaults")
    header["cacti_version"] = version or cacti_version(cacti_dir)
    header["cacti_binary"] = binary
    header["technology_um"] = args.tech
    header["technology_nm"] = round(args.tech * 1000)
    header["cfg_settings"] = OrderedDict((k, ("<per point>" if v is None else v)) for k, v in base.items())
    header["per_point_settings"] = {"-size (bytes)": "capacity_bytes",
                                    "-UCA bank count": f"banks (first of {BANK_RETRIES} giving a valid organization)"}
    header["units"] = {"energy": "pJ per access (one access = bus_bits = words_per_access 16-bit words)",
                       "leakage": "mW (subthreshold + gate, whole array = per-bank x banks)",
                       "area": "mm^2", "time": "ns"}
    header["notes"] = [
        "block size 8 B = 64-bit bus: smallest block CACTI accepts for a 64-bit bus; "
        "per-16-bit-word energy = per-access energy / 4",
        "512 B point (capacity_kib 0.5) stands for a register file; CACTI minimum capacity is 64 B",
        "ECC disabled (CACTI/ZigZag sample enables it); itrs-hp cells+periphery as in ZigZag/CACTI sample",
        "leakage at 360 K operating temperature (CACTI sample default)",
    ]
    header["date_utc"] = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    header["command"] = " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv)
    header["cwd"] = os.getcwd()
    doc = OrderedDict(header=header, sanity_checks=checks, failed_attempts=failures, points=pts)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")

    # ---- compact table ------------------------------------------------
    print(f"{header['cacti_version']}, {header['technology_nm']} nm, {args.cell_type}/{args.peri_type}, "
          f"{BUS_BITS}-bit bus, 1 RW port")
    print(f"{'KiB':>7} {'bk':>2} {'rd pJ':>8} {'wr pJ':>8} {'rd pJ/w':>8} {'leak mW':>9} "
          f"{'area mm2':>9} {'t_acc ns':>8}")
    for p in pts:
        print(f"{p['capacity_kib']:>7g} {p['banks']:>2d} {p['read_pj_per_access']:>8.2f} "
              f"{p['write_pj_per_access']:>8.2f} {p['read_pj_per_16b_word']:>8.2f} {p['leakage_mw']:>9.3f} "
              f"{p['area_mm2']:>9.4f} {p['access_time_ns']:>8.3f}")
    for k, v in checks.items():
        print(f"check {k}: {v}")
    print(f"wrote {args.out}")
    ok = all(v.get("ok", v.get("roughly_proportional", True)) for v in checks.values())
    return 0 if ok and len(pts) == len(CAPACITIES_BYTES) else 1


if __name__ == "__main__":
    sys.exit(main())
