"""Reports: everything that turns results into text, tables, figures and files.

- ``table``, ``export``: one run as a terminal table, CSV, JSON.
- ``stages``: per-stage totals of one run.
- ``plots``: per-layer figures of one run (utilization and losses, cycles and energy, stages).
- ``catalog``: the network zoo and one network's layers (``nets``, ``show``).
- ``compare``, ``compare_plots``: several networks on several configs, ratios to the first.
- ``study``, ``study_plots``: the SqueezeNext study (``reproduce``).

Figure modules import matplotlib only when a figure is drawn; every function returns text or
PNG bytes, so a caller renders everything before writing anything.
"""
