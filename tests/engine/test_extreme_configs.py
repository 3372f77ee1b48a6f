"""No valid configuration, however extreme, yields a negative, NaN or overflowing count: it
either simulates to sane numbers or is refused with an InputError (hypothesis)."""

import math
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqnxt_sim import InputError, hardware_from_dict, load_network, simulate

INT64 = 2**63 - 1


@lru_cache(maxsize=None)
def network(name: str, batch: int):
    return load_network(name, batch=batch)


extreme_configs = st.fixed_dictionaries({
    "name": st.just("extreme"),
    "pe_array": st.fixed_dictionaries({"rows": st.sampled_from([1, 2, 7, 256, 2048]),
                                       "cols": st.sampled_from([1, 3, 64, 2048])}),
    "cores": st.sampled_from([1, 2, 16]),
    "dataflow": st.sampled_from(["os", "ws", "is", "rs", "best"]),
    "clock_mhz": st.sampled_from([1e-3, 500.0, 1e6]),
    "word_bits": st.sampled_from([1, 16, 64]),
    "memory": st.fixed_dictionaries({
        "global_buffer_kib": st.sampled_from([1e-3, 0.5, 128.0, float(1 << 30)]),
        "activation_share": st.sampled_from([0.0, 0.5, 0.9]),
        "dram_bandwidth_bytes_per_cycle": st.sampled_from([1e-3, 64.0, 1e9, None]),
        "scratchpads": st.sampled_from([None, {"ifmap_words": 1, "filter_words": 1, "psum_words": 1},
                                        {"ifmap_words": 1 << 28, "filter_words": 1 << 28, "psum_words": 1 << 28}]),
        "array_bus_words_per_cycle": st.sampled_from([None, {"ifmap": 1e-3, "filter": 1e-3, "psum": 1e-3},
                                                      {"ifmap": 1e9, "filter": 1e9, "psum": 1e9}]),
    }),
    "energy": st.fixed_dictionaries({
        "mac": st.sampled_from([0.0, 1.0, 1e9]), "dram": st.sampled_from([0.0, 200.0, 1e9]),
        "register_file_accesses": st.sampled_from(["on_change", "per_mac"]),
    }),
})


def _sane(value) -> bool:
    if value is None or isinstance(value, (str, bool)):
        return True
    if isinstance(value, int):
        return 0 <= value <= INT64
    if isinstance(value, float):
        return math.isfinite(value) and value >= 0
    if isinstance(value, (list, tuple)):
        return all(_sane(v) for v in value)
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=extreme_configs, net=st.sampled_from([("sqnxt23_v1", 1), ("alexnet", 1), ("alexnet", 64)]))
def test_extreme_configs_give_sane_numbers_or_a_clean_refusal(config, net):
    # Remove the Nones of optional sections (a config file would leave the key out).
    config["memory"] = {k: v for k, v in config["memory"].items() if v is not None or k.startswith("dram")}
    try:
        results = simulate(network(*net), hardware_from_dict(config))
    except InputError as error:  # refused: it must name a field
        assert error.field, error
        return
    for column, values in results.layers.items():
        assert _sane(values), (column, values[:5])
    for key, value in results.totals.items():
        assert _sane(value), (key, value)
