"""SqueezeNext networks against the reference's golden counts (../shared/reference/squeezenext.md)."""

import pytest

from sqnxt_sim import load_network


@pytest.mark.parametrize(
    "name, macs, weights",
    [
        # Reference table "Golden counts at 227x227 input", conv + FC weights, no BN, no bias.
        ("sqnxt23_v1", 277_999_808, 705_728),
        ("sqnxt23_v5", 224_916_480, 915_648),
    ],
)
def test_published_variants_match_golden_counts(name, macs, weights):
    network = load_network(name)
    assert network.macs == macs
    assert network.weights == weights


@pytest.mark.parametrize("name", ["sqnxt23_v1", "sqnxt23_v5"])
def test_111_convolutions_and_one_fc(name):
    ops = [layer.op for layer in load_network(name).layers]
    assert ops.count("conv") == 111
    assert ops.count("fc") == 1


@pytest.mark.parametrize(
    "name, stem, pool, stages",
    [
        # 7x7/2 pad 0 on 227: (227-7)//2+1 = 111; 3x3/2 ceil: ceil(108/2)+1 = 55; 1x1/2: 28, 14, 7.
        ("sqnxt23_v1", 111, 55, [55, 28, 14, 7]),
        # 5x5/2 pad 0 on 227: (227-5)//2+1 = 112; pool: ceil(109/2)+1 = 56; then 28, 14, 7.
        ("sqnxt23_v5", 112, 56, [56, 28, 14, 7]),
    ],
)
def test_stem_and_stage_resolutions(name, stem, pool, stages):
    layers = {layer.name: layer for layer in load_network(name).layers}
    assert layers["conv1"].p == stem
    assert layers["pool1"].p == pool
    for index, size in enumerate(stages, start=1):
        assert layers[f"s{index}b1_add"].p == size


def test_reconstructions_are_labelled():
    for name in ("sqnxt23_v2", "sqnxt23_v3", "sqnxt23_v4"):
        network = load_network(name)
        assert network.reconstruction
        assert "reconstruction" in network.display_name
        assert "RECONSTRUCTION" in network.description
    assert not load_network("sqnxt23_v1").reconstruction


def test_v1_stage1_block_shapes():
    # First block of stage 1 (width 32, input 64 channels): projection 64->32, main branch
    # 64->16 (1x1), 16->8 (1x1), 8->16 (3x1), 16->16 (1x3), 16->32 (1x1).
    layers = {layer.name: layer for layer in load_network("sqnxt23_v1").layers}
    assert (layers["s1b1_proj"].in_channels, layers["s1b1_proj"].k) == (64, 32)
    chain = [(layers[f"s1b1_{part}"].in_channels, layers[f"s1b1_{part}"].k, layers[f"s1b1_{part}"].r, layers[f"s1b1_{part}"].s)
             for part in ("reduce1", "reduce2", "sep1", "sep2", "expand")]
    assert chain == [(64, 16, 1, 1), (16, 8, 1, 1), (8, 16, 3, 1), (16, 16, 1, 3), (16, 32, 1, 1)]
    # Block 2 (an even block) starts its separable pair with the 1x3.
    assert (layers["s1b2_sep1"].r, layers["s1b2_sep1"].s) == (1, 3)
    assert layers["s1b2_add"].inputs == ("s1b2_expand", "s1b1_add")
