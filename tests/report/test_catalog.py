"""nets / show as library calls: the zoo's golden counts and the reconstruction mark."""

from sqnxt_sim import load_network
from sqnxt_sim.workload.load import zoo_names
from sqnxt_sim.report.catalog import layer_rows, network_text, zoo_rows, zoo_text


def test_zoo_rows_have_golden_counts_and_marks():
    rows = {row["name"]: row for row in zoo_rows([load_network(name) for name in zoo_names()])}
    # shared/reference/squeezenext.md: v1 705,728 weights / 277,999,808 MACs; v5 915,648 / 224,916,480.
    assert (rows["sqnxt23_v1"]["weights"], rows["sqnxt23_v1"]["macs"]) == (705_728, 277_999_808)
    assert (rows["sqnxt23_v5"]["weights"], rows["sqnxt23_v5"]["macs"]) == (915_648, 224_916_480)
    assert rows["alexnet"]["parameters"] == 60_965_224  # weights incl. biases
    assert [n for n, row in rows.items() if row["reconstruction"]] == ["sqnxt23_v2", "sqnxt23_v3", "sqnxt23_v4"]
    text = zoo_text(list(rows.values()))
    assert "sqnxt23_v3 (reconstruction)" in text and "277,999,808" in text


def test_layer_rows_sum_to_the_network():
    network = load_network("sqnxt23_v1")
    rows = layer_rows(network)
    assert len(rows) == 135
    assert sum(r["macs"] for r in rows) == 277_999_808
    assert sum(r["weights"] for r in rows) == 705_728
    assert rows[0]["name"] == "conv1" and rows[0]["shape"] == "3x227x227 -> 64x111x111 k7x7/2"
    text = network_text(load_network("sqnxt23_v4"))
    assert "sqnxt23_v4 (reconstruction)" in text.splitlines()[0]
    assert "224,113,664" in text
