"""Single-put strategies side by side behind 20 ms of injected latency (jitter ±5 ms).

On a local engine every request answers in ~1 ms and client CPU decides the ranking. Real
DynamoDB answers in 5-100 ms: then the question is how many requests a strategy keeps in
flight, and whether its client CPU per request lets it. This script puts the fault proxy
(latency only, its own process) in front of DynamoDB Local and runs sync, threads,
executor, semaphore, aioboto3, aiohttp and processes at one concurrency through the real
benchmark engine (`runner.start_run`), interleaved over --rounds rounds (the order rotates
each round), and prints the median items/s, client CPU per item and the ranking.

Little's law bounds every strategy: throughput <= in-flight / latency = C / 0.020 s
(1,600/s at C=32); sync has one request in flight: <= 50/s.

Expected: async strategies (aiohttp, aioboto3) ahead of the thread strategies (threads,
executor, semaphore) ahead of sync.

    .venv/bin/python benchmarks/latency_ranking.py                  # c=32, 2 rounds
    .venv/bin/python benchmarks/latency_ranking.py -c 64 --rounds 3 --json out.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (conn_for, emit_json, engine, machine_line, median, proxy_process,  # noqa: E402
                     replace, run_strategy, spread)

STRATEGIES = ("sync", "threads", "executor", "semaphore", "aioboto3", "aiohttp", "processes")
FAMILY = {"sync": "sync", "threads": "threads", "executor": "threads", "semaphore": "threads",
          "aioboto3": "async", "aiohttp": "async", "processes": "async"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-c", "--concurrency", type=int, default=32)
    ap.add_argument("-n", "--items", type=int, default=1200, help="items per concurrent run (default 1200)")
    ap.add_argument("--sync-items", type=int, default=150, help="items per sync run (default 150: ~3 s)")
    ap.add_argument("--latency-ms", type=float, default=20.0)
    ap.add_argument("--jitter-ms", type=float, default=5.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--strategies", default=",".join(STRATEGIES))
    ap.add_argument("--json", metavar="PATH")
    a = ap.parse_args(argv)
    names = [s for s in a.strategies.split(",") if s]
    c = a.concurrency
    bound = c / (a.latency_ms / 1000.0)
    print(f"latency ranking: {a.latency_ms:g}±{a.jitter_ms:g} ms injected latency (fault proxy, own process) "
          f"in front of DynamoDB Local (in memory), concurrency {c}, {a.rounds} rounds interleaved")
    print(machine_line())
    print(f"Little's law bound: {c} in flight / {a.latency_ms / 1000:.3f} s = {bound:,.0f} items/s "
          f"(sync: 1 in flight = {1000 / a.latency_ms:,.0f}/s)\n", flush=True)
    runs: dict[str, list[dict]] = {n: [] for n in names}
    with engine() as (url, eng_name):
        direct = conn_for(url, eng_name)
        with proxy_process(url, latency_ms=a.latency_ms, jitter_ms=a.jitter_ms) as purl:
            via = replace(direct, purl)
            for rnd in range(a.rounds):
                order = names[rnd % len(names):] + names[:rnd % len(names)]
                for n in order:
                    items = a.sync_items if n == "sync" else a.items
                    r = run_strategy(via, n, items, c, admin_conn=direct)
                    runs[n].append(r)
                    print(f"  round {rnd + 1} {n:<10} {r['items_per_s']:>8,.0f} items/s  "
                          f"{r['cpu_us_per_item']:>7,.0f} µs CPU/item  p50 {r['latency_ms']['p50']:.1f} ms",
                          flush=True)
    rows = []
    for n in names:
        ips = [r["items_per_s"] for r in runs[n]]
        rows.append({"strategy": n, "family": FAMILY.get(n, "?"), "items_per_s": median(ips),
                     "items_per_s_all": ips,
                     "cpu_us_per_item": median([r["cpu_us_per_item"] for r in runs[n]]),
                     "p50_ms": median([r["latency_ms"]["p50"] for r in runs[n]]),
                     "p99_ms": median([r["latency_ms"]["p99"] for r in runs[n]]),
                     "of_bound": median(ips) / (1000 / a.latency_ms if n == "sync" else bound)})
    rows.sort(key=lambda r: -r["items_per_s"])
    print(f"\n{'rank':<4} {'strategy':<10} {'family':<7} {'items/s':>8} {'(min…max)':>13} {'CPU µs/item':>11} "
          f"{'p50 ms':>7} {'p99 ms':>7} {'of bound':>8}")
    for i, r in enumerate(rows, 1):
        print(f"{i:<4} {r['strategy']:<10} {r['family']:<7} {r['items_per_s']:>8,.0f} {spread(r['items_per_s_all']):>13} "
              f"{r['cpu_us_per_item']:>11,.0f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} {r['of_bound']:>8.0%}")
    best = {}
    for r in rows:
        best.setdefault(r["family"], r)
    worst = {}
    for r in rows:
        worst[r["family"]] = r
    ok = True
    if "async" in best and "threads" in best:
        ok &= worst["async"]["items_per_s"] > best["threads"]["items_per_s"]
    if "threads" in best and "sync" in best:
        ok &= worst["threads"]["items_per_s"] > best["sync"]["items_per_s"]
    ranking = " > ".join(r["strategy"] for r in rows)
    print(f"\nranking: {ranking}")
    print(f"expected async > threads > sync (every member of each family): {'yes' if ok else 'NO'}")
    emit_json(a.json, {"concurrency": c, "latency_ms": a.latency_ms, "jitter_ms": a.jitter_ms,
                       "bound": bound, "rows": rows, "ranking": ranking, "as_expected": ok})
    return 0


if __name__ == "__main__":
    sys.exit(main())
