"""The SqueezeNext family search: enumeration counts derived by hand, exact equality with
single runs, constraints, Pareto fronts, bad space files and the command line."""

import csv
import io
import itertools

import numpy as np
import pytest
from click.testing import CliRunner

from sqnxt_sim import InputError, load_network, resolve_hardware, simulate
from sqnxt_sim.cli import main
from sqnxt_sim.studies.search import (Candidate, family_counts, load_space, pareto_indices, reference_finding, run_search, scaled_width,
                                      search_family, search_fronts, space_from_dict)
from sqnxt_sim.report.search_output import search_files, write_search_csv
from sqnxt_sim.sweep import TOTAL_COLUMNS, configurations, grid_from_dict

EXAMPLE = "searches/sqnxt23_blocks.yaml"
# v1 and v5 plus their two neighbours in stem and first block: 2 layouts x 2 stems x 2 styles.
SMALL = {"base": "sqnxt23_v1", "blocks": [[6, 6, 8, 1], [2, 4, 14, 1]], "stem_kernel": [5, 7],
         "first_block": ["projection", "shared"]}


@pytest.fixture(scope="module")
def hw():
    return resolve_hardware("32pe_os")


@pytest.fixture(scope="module")
def small(hw):
    return run_search(space_from_dict(SMALL), hw)


def test_example_space_count_is_compositions_times_stems_times_styles():
    space = load_space(EXAMPLE)
    # 21 blocks over 4 stages, each >= 1: put one block in each stage, then spread the other 17
    # (stars and bars): C(17 + 3, 3) = C(20, 3) = 20*19*18/6 = 1,140 layouts.
    assert space.blocks.count == 1140
    # x 2 stem kernels (5, 7) x 2 first-block styles (projection, shared) = 4,560 candidates.
    assert space.size == 1140 * 2 * 2 == 4560
    candidates = list(space.candidates())
    assert len(candidates) == 4560 and [c.id for c in candidates] == list(range(4560))
    layouts = {c.blocks for c in candidates}
    assert len(layouts) == 1140 and all(sum(b) == 21 and min(b) >= 1 for b in layouts)
    points = {(c.blocks, c.stem_kernel, c.first_block) for c in candidates}
    assert ((6, 6, 8, 1), 7, "projection") in points  # sqnxt23_v1
    assert ((2, 4, 14, 1), 5, "shared") in points  # sqnxt23_v5


def test_per_stage_ranges_with_a_total_count_by_hand():
    space = space_from_dict({"blocks": {"per_stage": [[1, 8], [1, 8], [1, 16], [1, 2]], "total": 21}})
    # a, b in 1..8, c in 1..16, d in 1..2, a+b+c+d = 21.
    # d = 1: c = 20 - a - b in 1..16 needs a + b in 4..19; a + b spans 2..16, so drop the sums 2
    #        (1 pair) and 3 (2 pairs): 64 - 3 = 61.
    # d = 2: c = 19 - a - b needs a + b in 3..18: drop the sum 2 (1 pair): 63.  61 + 63 = 124.
    assert space.size == 124
    brute = [t for t in itertools.product(range(1, 9), range(1, 9), range(1, 17), range(1, 3)) if sum(t) == 21]
    assert [c.blocks for c in space.candidates()] == brute  # lexicographic order too
    # Without a total, the product of the ranges: 8 x 8 x 16 x 2.
    assert space_from_dict({"blocks": {"per_stage": [[1, 8], [1, 8], [1, 16], [1, 2]]}}).size == 2048


def test_v1_and_v5_are_points_with_their_exact_totals(small, hw):
    rows = small.rows()
    assert len(rows) == 8 and small.evaluated == 8 and small.cut == small.skipped == 0
    for name in ("sqnxt23_v1", "sqnxt23_v5"):
        (row,) = [r for r in rows if r["known_as"] == name]
        single = simulate(load_network(name), hw).totals
        assert (row["cycles"], row["energy"], row["macs"], row["params"]) == (
            single["cycles"], single["energy"], single["macs"], single["weights"])
        for key in TOTAL_COLUMNS:
            if key in single:
                assert row[key] == single[key], (name, key)
    v1 = next(r for r in rows if r["known_as"] == "sqnxt23_v1")
    assert (v1["blocks"], v1["stem_kernel"], v1["first_block"], v1["width_multiplier"], v1["groups"]) == (
        "6-6-8-1", 7, "projection", 1.0, 1)
    # Golden counts (shared/reference/squeezenext.md).
    assert (v1["macs"], v1["params"]) == (277_999_808, 705_728)
    assert {r["known_as"] for r in rows} >= {"sqnxt23_v1", "sqnxt23_v2", "sqnxt23_v5"}


def test_multiplier_one_groups_one_is_the_base_and_the_rules_give_the_published_variants(hw):
    rows = search_family({"base": "sqnxt23_v1", "width_multiplier": [1.0, 2.0], "groups": [1, 2, 3, 16]}, hw)
    by = {(r["width_multiplier"], r["groups"]): r for r in rows}
    base = simulate(load_network("sqnxt23_v1"), hw).totals
    assert by[(1.0, 1)]["known_as"] == "sqnxt23_v1"
    assert (by[(1.0, 1)]["cycles"], by[(1.0, 1)]["energy"]) == (base["cycles"], base["energy"])
    # Width x2 (stem and head kept) is the authors' 2.0-SqNxt-23: 2,339,008 weights, 742.1 M MACs.
    assert by[(2.0, 1)]["known_as"] == "sqnxt23_w2" and by[(2.0, 1)]["params"] == 2_339_008
    assert by[(2.0, 1)]["widths"] == "64-128-256-512"
    # Groups 2 is 1.0-G-SqNxt-23: 531,520 weights.
    assert by[(1.0, 2)]["known_as"] == "g_sqnxt23" and by[(1.0, 2)]["params"] == 531_520
    # Groups 3 divides no width/4 (8, 16, 32, 64) nor 64; groups 16 does not divide 32/4 = 8
    # at width x1 (it does at x2: 16, 32, 64, 128 and 64): 3 of the 8 candidates skipped.
    result = run_search({"base": "sqnxt23_v1", "width_multiplier": [1.0, 2.0], "groups": [1, 2, 3, 16]}, hw)
    assert (result.enumerated, result.skipped, result.evaluated) == (8, 3, 5)
    assert {(r["width_multiplier"], r["groups"]) for r in result.rows()} == {(1.0, 1), (1.0, 2), (2.0, 1), (2.0, 2), (2.0, 16)}
    # Rounding half up to a multiple of 4: 32 x 0.75 = 24; 32 x 1.3 = 41.6 -> 40; 32 x 0.1 -> 4 at least.
    assert (scaled_width(32, 0.75), scaled_width(32, 1.3), scaled_width(32, 0.1), scaled_width(32, 1.0)) == (24, 40, 4, 32)


def test_counts_without_building_match_the_golden_counts():
    # (MACs, weights) at 227x227 from shared/reference/squeezenext.md; the search cuts on these
    # before building, and checks them against every candidate it builds.
    base = load_space(EXAMPLE).base_data

    def counts(blocks, kernel, first, multiplier=1.0, groups=1):
        widths = tuple(4 * int(w * multiplier / 4 + 0.5) for w in (32, 64, 128, 256))
        return family_counts(base, Candidate(0, blocks, kernel, first, multiplier, groups, widths))

    assert counts((6, 6, 8, 1), 7, "projection") == (277_999_808, 705_728)  # sqnxt23_v1
    assert counts((2, 4, 14, 1), 5, "shared") == (224_916_480, 915_648)  # sqnxt23_v5
    assert counts((6, 6, 8, 1), 7, "projection", groups=2)[1] == 531_520  # 1.0-G-SqNxt-23
    assert counts((6, 6, 8, 1), 7, "projection", 2.0) == (742_070_464, 2_339_008)  # 2.0-SqNxt-23
    assert counts((6, 6, 8, 1), 300, "projection") is None  # no output: the build reports it


def test_constraints_cut_candidates_and_every_evaluated_row_meets_them(hw):
    # v1 has 705,728 params, v5 915,648; the 7x7 stem adds ~54 M MACs (v1 278.0 M, v2 224.1 M).
    result = run_search(space_from_dict(SMALL), hw, max_params=800_000, max_macs=250_000_000)
    rows = result.rows()
    assert all(r["params"] <= 800_000 and r["macs"] <= 250_000_000 for r in rows)
    assert result.evaluated + result.cut + result.skipped == result.enumerated == 8
    # Left: 5x5 stems of 6-6-8-1 (v2 701,120 params; shared 6-6-8-1 similar); every 2-4-14-1 is over 800 k.
    assert {(r["blocks"], r["stem_kernel"]) for r in rows} == {("6-6-8-1", 5)} and result.cut == 6
    from_file = run_search({**SMALL, "max_params": 800_000}, hw)
    assert from_file.cut == 4 and all(r["params"] <= 800_000 for r in from_file.rows())


def test_pareto_fronts_hold_no_dominated_point_and_miss_no_undominated_one(small):
    fronts = search_fronts(small)
    assert set(fronts) == {"cycles_vs_macs", "cycles_vs_params", "energy_vs_macs", "energy_vs_params"}
    for name, front in fronts.items():
        y, x = name.split("_vs_")
        xs, ys = small.columns[x].astype(float), small.columns[y].astype(float)

        def beaten(i):  # some point is at least as good in both and better in one
            return bool(np.any((xs <= xs[i]) & (ys <= ys[i]) & ((xs < xs[i]) | (ys < ys[i]))))

        assert front.size and not any(beaten(i) for i in front), name
        # Complete: every point off the front is beaten, or ties a front point exactly.
        for i in set(range(len(xs))) - set(front.tolist()):
            assert beaten(i) or any(xs[j] == xs[i] and ys[j] == ys[i] for j in front), (name, i)
        assert list(xs[front]) == sorted(xs[front])
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 20, 300).astype(float), rng.integers(0, 20, 300).astype(float)
    front = set(pareto_indices(x, y).tolist())
    for i in front:
        assert not np.any((x <= x[i]) & (y <= y[i]) & ((x < x[i]) | (y < y[i])))


@pytest.mark.parametrize("text, field, words", [
    ("blokcs: [[6, 6, 8, 1]]\n", "blokcs", "unknown key"),
    ("blocks: {totl: 21}\n", "blocks.totl", "unknown key"),
    ("blocks: [[6, 6, 8]]\n", "blocks[0]", "4 block counts"),
    ("blocks: {total: 21, per_stage: [[1, 8], [1, 8], [9, 1], [1, 2]]}\n", "blocks.per_stage[2]", "low <= high"),
    ("first_block: [projection, diagonal]\n", "first_block[1]", "diagonal"),
    ("stem_kernel: [0]\n", "stem_kernel[0]", "greater than 0"),
    ("stem_kernel: [5, 5]\n", "stem_kernel", "twice"),
    ("width_multiplier: [-1.0]\n", "width_multiplier", "above 0"),
    ("groups: [true]\n", "groups[0]", "integer"),
    ("base: sqnxt23_v9\n", "base", "unknown network"),
    ("base: squeezenet1_0\n", "base", "not a SqueezeNext family file"),
    ("max_params: big\n", "max_params", "integer"),
])
def test_bad_space_file_names_the_file_and_the_key(tmp_path, text, field, words):
    path = tmp_path / "space.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_space(path)
    assert caught.value.source == str(path) and caught.value.field == field, str(caught.value)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_joint_search_rows_equal_single_runs_on_each_configuration(hw):
    grid = grid_from_dict({"dataflow": ["os", "ws"], "memory.global_buffer_kib": [64, 128]})
    space = {"blocks": [[6, 6, 8, 1], [2, 4, 14, 1]], "stem_kernel": [5], "first_block": ["shared"]}
    result = run_search(space, hw, grid)
    rows = result.rows()
    assert len(rows) == 2 * 4 and [(r["candidate"], r["config"]) for r in rows] == [(c, k) for c in (0, 1) for k in range(4)]
    assert {"config", "dataflow", "memory.global_buffer_kib"} <= set(rows[0])
    configs = configurations(hw, grid, 0, grid.size)
    v5 = load_network("sqnxt23_v5")
    for row in rows[4:]:  # candidate 1 is 2-4-14-1, 5x5, shared: sqnxt23_v5
        single = simulate(v5, configs[row["config"]]).totals
        assert (row["cycles"], row["energy"]) == (single["cycles"], single["energy"])
    finding = reference_finding(result, "sqnxt23_v5", config=1)
    assert finding["config"] == 1 and finding["grid_values"] == {"dataflow": "os", "memory.global_buffer_kib": 128}
    assert finding["reference"]["cycles"] == rows[5]["cycles"]


def test_reference_finding_numbers(small, hw):
    finding = reference_finding(small, "sqnxt23_v5")
    v5 = simulate(load_network("sqnxt23_v5"), hw).totals
    ref = finding["reference"]
    assert ref["in_space"] and ref["blocks"] == "2-4-14-1" and (ref["cycles"], ref["energy"]) == (v5["cycles"], v5["energy"])
    assert finding["params_budget"] == 915_648 and finding["start"]["name"] == "sqnxt23_v1"
    best = finding["best_by_cycles"]
    assert best["params"] <= 915_648 and finding["cycles_ratio"] == best["cycles"] / v5["cycles"] <= 1
    assert finding["found_reference"] == (best["candidate"] == ref["candidate"])
    assert sum(finding["stage_cycles"]["reference"].values()) == v5["cycles"]
    # A space without v5: v5 is evaluated directly, with the same numbers.
    without = run_search({"blocks": [[6, 6, 8, 1]], "stem_kernel": [5]}, hw)
    outside = reference_finding(without, "sqnxt23_v5")
    assert not outside["reference"]["in_space"] and outside["reference"]["cycles"] == v5["cycles"]
    assert outside["best_by_cycles"]["blocks_moved"] == [4, 2, -6, 0]  # 6-6-8-1 - 2-4-14-1


def test_csv_is_deterministic_whatever_the_workers(tmp_path, hw, small):
    two = run_search(space_from_dict(SMALL), hw, workers=2)
    write_search_csv(small, tmp_path / "one.csv")
    write_search_csv(two, tmp_path / "two.csv")
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    rows = list(csv.DictReader(io.StringIO((tmp_path / "one.csv").read_text())))
    assert len(rows) == 8 and "energy_macnorm" in rows[0] and rows[0]["blocks"] in ("6-6-8-1", "2-4-14-1")
    assert set(search_files(small)) == {"search.csv", "search_pareto.csv", "search.png"}


def test_cli_writes_the_files_and_bad_input_is_one_line(tmp_path):
    space = tmp_path / "space.yaml"
    space.write_text("blocks: [[6, 6, 8, 1], [2, 4, 14, 1]]\nstem_kernel: [5, 7]\nfirst_block: [projection, shared]\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["search", "--space", str(space), "--hw", "32pe_os", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"search.csv", "search_pareto.csv", "search.png"}
    assert (out / "search.png").read_bytes()[:4] == b"\x89PNG"
    assert len((out / "search.csv").read_text().splitlines()) == 1 + 8
    fronts = list(csv.DictReader(io.StringIO((out / "search_pareto.csv").read_text())))
    assert {r["front"] for r in fronts} == {"cycles_vs_macs", "cycles_vs_params", "energy_vs_macs", "energy_vs_params"}
    assert "candidates 8" in result.output and "evaluations/s" in result.output and "reference sqnxt23_v5" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("blocks: {total: 21, min_per_stage: 1, colour: red}\n")
    result = CliRunner().invoke(main, ["search", "--space", str(bad), "--out", str(tmp_path / "none")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert str(bad) in result.output and "blocks.colour" in result.output
    assert not (tmp_path / "none").exists()
