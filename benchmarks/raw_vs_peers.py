"""Raw client vs peers: client CPU per PutItem of ddbtui's `aiohttp` strategy, aioboto3 and
aiodynamo, side by side on the same DynamoDB Local, interleaved.

Contenders, each in its own process, same items (DynamoDB JSON from the bench workload;
aiodynamo gets them as plain Python values, converted before the clock starts, since it
serialises itself), same concurrency, warm client, a fresh table each:
- `ddbtui aiohttp`: the benchmark strategy through the real engine (recorder included)
- `raw client (plain loop)`: the same RawDynamoClient in a plain gather loop
  (benchmarks/reference/aiohttp_raw.py): the client alone
- `aioboto3`: benchmarks/reference/aioboto3_.py (gather under a semaphore)
- `aiodynamo 26.4`: benchmarks/reference/aiodynamo_.py (its aiohttp adapter, static keys)

Metric: client CPU per item (time.process_time of the client process over the write
loop, median over rounds); items/s is shown too but on a local engine it is capped by the
engine sharing the 2 cores. Target: the `aiohttp` strategy has the lowest CPU per item.

    .venv/bin/python benchmarks/raw_vs_peers.py              # 3 rounds, 2000 items, c=32
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import conn_for, emit_json, engine, machine_line, median, run_strategy, warm_engine  # noqa: E402
from harness_overhead import run_reference  # noqa: E402

CONTENDERS = [("ddbtui aiohttp", None), ("raw client (plain loop)", "aiohttp_raw.py"),
              ("aioboto3", "aioboto3_.py"), ("aiodynamo", "aiodynamo_.py")]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--items", type=int, default=2000)
    ap.add_argument("-c", "--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", metavar="PATH")
    a = ap.parse_args(argv)
    from ddbtui.dynamo.clients import new_client

    try:
        from importlib.metadata import version

        vers = {k: version(k) for k in ("aiodynamo", "aioboto3", "aiohttp")}
    except Exception:
        vers = {}
    print(f"raw client vs peers: client CPU per PutItem, {a.items} items, concurrency {a.concurrency}, "
          f"{a.rounds} rounds interleaved, DynamoDB Local; {', '.join(f'{k} {v}' for k, v in vers.items())}")
    print(machine_line(), flush=True)
    res: dict[str, list[dict]] = {n: [] for n, _ in CONTENDERS}
    with engine() as (url, eng_name):
        conn = conn_for(url, eng_name)
        admin = new_client(conn, retry_mode="standard", max_attempts=5)
        print(f"  engine warm-up (JIT): {warm_engine(url):.1f} s, not measured", flush=True)
        for rnd in range(a.rounds):
            order = CONTENDERS[rnd % 4:] + CONTENDERS[:rnd % 4]
            for name, script in order:
                if script is None:
                    r = run_strategy(conn, "aiohttp", a.items, a.concurrency)
                    m = {"items_per_s": r["items_per_s"], "cpu_us_per_item": r["cpu_us_per_item"]}
                else:
                    m = run_reference(admin, url, script, a.items, a.concurrency)
                res[name].append(m)
                print(f"  round {rnd + 1} {name:<24} {m['cpu_us_per_item']:>6,.0f} µs/item {m['items_per_s']:>7,.0f} items/s",
                      flush=True)
    rows = [{"client": n, "cpu_us_per_item": median([m["cpu_us_per_item"] for m in v]),
             "cpu_us_all": [m["cpu_us_per_item"] for m in v],
             "items_per_s": median([m["items_per_s"] for m in v])} for n, v in res.items()]
    ours = rows[0]["cpu_us_per_item"]
    peers = {r["client"]: r["cpu_us_per_item"] for r in rows if r["client"] in ("aioboto3", "aiodynamo")}
    met = all(ours < v for v in peers.values())
    print(f"\n{'client':<24} {'CPU µs/item':>11} {'(rounds)':<20} {'items/s':>8} {'vs ddbtui aiohttp':>18}")
    for r in sorted(rows, key=lambda r: r["cpu_us_per_item"]):
        print(f"{r['client']:<24} {r['cpu_us_per_item']:>11,.0f} {' '.join(f'{x:.0f}' for x in r['cpu_us_all']):<20} "
              f"{r['items_per_s']:>8,.0f} {r['cpu_us_per_item'] / ours:>17.2f}x")
    print(f"target: ddbtui aiohttp lowest CPU per item of (aiohttp, aioboto3, aiodynamo): {'met' if met else 'MISSED'}")
    emit_json(a.json, {"items": a.items, "concurrency": a.concurrency, "rounds": a.rounds, "rows": rows,
                       "versions": vers, "met": met,
                       "ratios": {k: v / ours for k, v in peers.items()}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
