"""How close the best single-put strategy gets to Little's law under injected latency.

With L seconds of latency per request and C requests in flight, no client can exceed
C / L items/s (64 / 0.020 s = 3,200/s); nor can it exceed what the engine itself can take.
This script measures both limits and the best single-put strategy against the lower one:

1. engine ceiling: the single-put strategies that keep the engine busiest (`aiohttp`,
   `processes`) at concurrency C straight at DynamoDB Local, no proxy; the best median.
2. under latency: the same strategies at concurrency C through the fault proxy (its own
   process) adding L ms to every request; the best median.
3. bound = min(C / L, ceiling); figure = best under latency / bound, computed per round
   (direct and proxied runs of a round are adjacent, their order alternates) and the
   median over rounds reported: the machine's load drifts. Target >= 70 %.

The proxy's own CPU per request (psutil, proxy process) is reported too: on a 2-core
machine the client, the proxy and the engine share the same cores, so the proxy is not
free the way a real network is.

    .venv/bin/python benchmarks/littles_law.py                     # C=64, L=20 ms, 3 rounds
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (conn_for, emit_json, engine, machine_line, median, proxy_process,  # noqa: E402
                     replace, run_strategy, warm_engine)

STRATEGIES = ("aiohttp", "processes")
TARGET = 0.70


def _proxy_cpu(url: str) -> float | None:
    """CPU seconds used so far by the process listening behind `url` (proxy or engine)."""
    try:
        import psutil

        port = int(url.rsplit(":", 1)[1])
        for c in psutil.net_connections(kind="tcp"):
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port and c.pid:
                t = psutil.Process(c.pid).cpu_times()
                return t.user + t.system
    except Exception:
        return None
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-c", "--concurrency", type=int, default=64)
    ap.add_argument("--latency-ms", type=float, default=20.0)
    ap.add_argument("--jitter-ms", type=float, default=0.0)
    ap.add_argument("-n", "--items", type=int, default=4000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--strategies", default=",".join(STRATEGIES))
    ap.add_argument("--json", metavar="PATH")
    a = ap.parse_args(argv)
    names = [s for s in a.strategies.split(",") if s]
    c, lat = a.concurrency, a.latency_ms / 1000.0
    little = c / lat
    print(f"Little's law: concurrency {c}, {a.latency_ms:g}±{a.jitter_ms:g} ms injected latency -> "
          f"bound {little:,.0f} items/s; strategies {', '.join(names)}; {a.items} items; {a.rounds} rounds")
    print(machine_line(), flush=True)
    direct: dict[str, list[dict]] = {n: [] for n in names}
    proxied: dict[str, list[dict]] = {n: [] for n in names}
    proxy_cpu_us: list[float] = []
    per_round: list[float] = []
    engine_cpu_us: dict[str, list[float]] = {"direct": [], "latency": []}
    with engine() as (url, eng_name):
        conn = conn_for(url, eng_name)
        print(f"  engine warm-up (JIT): {warm_engine(url):.1f} s, not measured", flush=True)
        with proxy_process(url, latency_ms=a.latency_ms, jitter_ms=a.jitter_ms) as purl:
            via = replace(conn, purl)
            for rnd in range(a.rounds):
                for n in (names if rnd % 2 == 0 else names[::-1]):
                    for mode in (("direct", "latency") if rnd % 2 == 0 else ("latency", "direct")):
                        target = conn if mode == "direct" else via
                        e0, p0 = _proxy_cpu(url), _proxy_cpu(purl)
                        r = run_strategy(target, n, a.items, c, admin_conn=conn if mode == "latency" else None)
                        e1, p1 = _proxy_cpu(url), _proxy_cpu(purl)
                        if e0 is not None and e1 is not None:
                            engine_cpu_us[mode].append((e1 - e0) / a.items * 1e6)
                        if mode == "latency" and p0 is not None and p1 is not None:
                            proxy_cpu_us.append((p1 - p0) / a.items * 1e6)
                        (direct if mode == "direct" else proxied)[n].append(r)
                        print(f"  round {rnd + 1} {n:<10} {'direct' if mode == 'direct' else f'+{a.latency_ms:g} ms':<8} "
                              f"{r['items_per_s']:>7,.0f} items/s  p50 {r['latency_ms']['p50']:5.1f} ms  "
                              f"client CPU {r['cpu_us_per_item']:.0f} µs/item", flush=True)
                ceil_r = max(direct[n][-1]["items_per_s"] for n in names)
                best_r = max(proxied[n][-1]["items_per_s"] for n in names)
                per_round.append(best_r / min(little, ceil_r))
                print(f"  round {rnd + 1}: best +latency {best_r:,.0f} / min({little:,.0f}, ceiling {ceil_r:,.0f}) "
                      f"= {per_round[-1]:.0%}", flush=True)
    rows = []
    for n in names:
        rows.append({"strategy": n,
                     "direct_items_per_s": median([r["items_per_s"] for r in direct[n]]),
                     "latency_items_per_s": median([r["items_per_s"] for r in proxied[n]]),
                     "latency_p50_ms": median([r["latency_ms"]["p50"] for r in proxied[n]]),
                     "latency_cpu_us": median([r["cpu_us_per_item"] for r in proxied[n]]),
                     "direct_all": [r["items_per_s"] for r in direct[n]],
                     "latency_all": [r["items_per_s"] for r in proxied[n]]})
    ceiling = max(r["direct_items_per_s"] for r in rows)
    best = max(rows, key=lambda r: r["latency_items_per_s"])
    bound = min(little, ceiling)
    figure = median(per_round)  # paired within each round: the machine's load drifts between rounds
    print(f"\n{'strategy':<10} {'direct/s':>9} {'+latency/s':>10} {'p50 ms':>7} {'CPU µs':>7}")
    for r in rows:
        print(f"{r['strategy']:<10} {r['direct_items_per_s']:>9,.0f} {r['latency_items_per_s']:>10,.0f} "
              f"{r['latency_p50_ms']:>7.1f} {r['latency_cpu_us']:>7,.0f}")
    pcpu = median(proxy_cpu_us)
    if pcpu is not None:
        print(f"proxy process CPU: {pcpu:,.0f} µs per request (at {best['latency_items_per_s']:,.0f}/s: "
              f"{pcpu * best['latency_items_per_s'] / 1e6:.2f} cores)")
    ecpu = {k: median(v) for k, v in engine_cpu_us.items()}
    if ecpu["direct"] is not None:
        print(f"engine (DynamoDB Local, Java) CPU: {ecpu['direct']:,.0f} µs per item direct, "
              f"{ecpu['latency']:,.0f} µs through the proxy (table setup included)")
    budget = None
    if ecpu["latency"] is not None and pcpu is not None:
        budget = (ecpu["latency"] + pcpu + best["latency_cpu_us"])
        import os

        print(f"CPU per item under latency, all processes: client {best['latency_cpu_us']:,.0f} + proxy {pcpu:,.0f} "
              f"+ engine {ecpu['latency']:,.0f} = {budget:,.0f} µs -> at most {os.cpu_count() * 1e6 / budget:,.0f} items/s "
              f"on {os.cpu_count()} idle cores; measured {best['latency_items_per_s']:,.0f}/s uses "
              f"{budget * best['latency_items_per_s'] / 1e6:.2f} cores")
    print(f"engine ceiling (no proxy): {ceiling:,.0f} items/s; Little's law: {little:,.0f} items/s; "
          f"bound = {bound:,.0f} ({'engine' if ceiling < little else 'latency'})")
    print(f"best under latency: {best['strategy']} {best['latency_items_per_s']:,.0f} items/s (median); "
          f"per round best / bound: {' '.join(f'{x:.0%}' for x in per_round)}; median {figure:.0%} "
          f"(target >= {TARGET:.0%}): {'met' if figure >= TARGET else 'MISSED'}")
    emit_json(a.json, {"concurrency": c, "latency_ms": a.latency_ms, "little": little, "ceiling": ceiling,
                       "bound": bound, "best": best["strategy"], "best_items_per_s": best["latency_items_per_s"],
                       "figure": figure, "per_round": per_round, "met": figure >= TARGET, "rows": rows, "proxy_cpu_us": pcpu,
                       "engine_cpu_us": ecpu, "cpu_budget_us": budget})
    return 0


if __name__ == "__main__":
    sys.exit(main())
