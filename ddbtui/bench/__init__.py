"""Benchmark engine (never imports textual).

- `workload`: deterministic Faker items; `strategies`: the write strategies;
- `recorder`: per-run latency histograms and counters; `stats`: statistics;
- `runner`: the engine process and its `RunHandle`/`Snapshot` API (see its docstring);
- `results`: result documents (save/list/load); `report`: console rendering; `cli`: `ddbtui bench`.
"""
