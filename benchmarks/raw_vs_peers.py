"""Raw client vs peers and the floor: client CPU per PutItem of ddbtui's raw client, aioboto3,
aiodynamo, boto3 and a bare asyncio protocol, side by side on the same DynamoDB Local,
interleaved (the order rotates each round).

Contenders, each in its own process, same items (DynamoDB JSON from the bench workload;
aiodynamo gets them as plain Python values, converted before the clock starts, since it
serialises itself), same concurrency, warm client, a fresh table each:
- `ddbtui aiohttp strategy`: the benchmark strategy through the real engine (recorder included)
- `raw client (plain loop)`: RawDynamoClient (its default: aiohttp's public API) in a plain loop
- `raw client + uvloop`: the same on uvloop (the optional `fast` extra), when installed
- `raw, experimental http1`: RawDynamoClient(transport="http1"): the hand-written HTTP/1.1
  pool, an opt-in kept to measure what aiohttp itself costs
- `aioboto3`, `aiodynamo`, `boto3 (sync loop)`: the plain reference scripts
- `aiohttp alone (pre-signed)` (+ uvloop): benchmarks/reference/aiohttp_floor.py — prebuilt,
  pre-signed requests posted through aiohttp's public ClientSession.post with the raw client's
  session settings: what aiohttp's public API alone costs, the least the default raw client
  can spend
- `floor: bare protocol` (+ uvloop): benchmarks/reference/floor_protocol.py — prebuilt,
  pre-signed requests written by a bare asyncio.Protocol: the least CPU per request any
  Python asyncio client can spend here (event loop + syscalls + loopback TCP)

Metric: client CPU per item (time.process_time of the client process over the write
loop, median over rounds). Targets: the raw client <= 100 µs and lowest of (raw, aioboto3,
aiodynamo, boto3); its multiple of the floor is reported.

    .venv/bin/python benchmarks/raw_vs_peers.py              # 3 rounds, 2000 items, c=32
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import conn_for, emit_json, engine, machine_line, median, run_strategy, warm_engine  # noqa: E402
from harness_overhead import run_reference  # noqa: E402

try:
    import uvloop  # noqa: F401  (the optional `fast` extra)

    HAVE_UVLOOP = True
except ImportError:
    HAVE_UVLOOP = False

OURS = "raw client (plain loop)"
CONTENDERS = [("ddbtui aiohttp strategy", None), (OURS, "aiohttp_raw.py"),
              *([("raw client + uvloop", "raw_variants.py --uvloop")] if HAVE_UVLOOP else []),
              ("raw, experimental http1", "raw_variants.py --transport http1"),
              ("aioboto3", "aioboto3_.py"), ("aiodynamo", "aiodynamo_.py"), ("boto3 (sync loop)", "sync.py"),
              ("aiohttp alone (pre-signed)", "aiohttp_floor.py"),
              *([("aiohttp alone + uvloop", "aiohttp_floor.py --uvloop")] if HAVE_UVLOOP else []),
              ("floor: bare protocol", "floor_protocol.py"),
              *([("floor + uvloop", "floor_protocol.py --uvloop")] if HAVE_UVLOOP else [])]
PEERS = ("aioboto3", "aiodynamo", "boto3 (sync loop)")
TARGET_US = 100.0


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

        vers = {k: version(k) for k in ("aiodynamo", "aioboto3", "boto3", "aiohttp")}
        if HAVE_UVLOOP:
            vers["uvloop"] = version("uvloop")
    except Exception:
        vers = {}
    print(f"raw client vs peers and floor: client CPU per PutItem, {a.items} items, concurrency {a.concurrency}, "
          f"{a.rounds} rounds interleaved, DynamoDB Local; {', '.join(f'{k} {v}' for k, v in vers.items())}")
    print(machine_line(), flush=True)
    res: dict[str, list[dict]] = {n: [] for n, _ in CONTENDERS}
    k = len(CONTENDERS)
    with engine() as (url, eng_name):
        conn = conn_for(url, eng_name)
        admin = new_client(conn, retry_mode="standard", max_attempts=5)
        print(f"  engine warm-up (JIT): {warm_engine(url):.1f} s, not measured", flush=True)
        for rnd in range(a.rounds):
            order = CONTENDERS[rnd % k:] + CONTENDERS[:rnd % k]
            for name, script in order:
                if script is None:
                    r = run_strategy(conn, "aiohttp", a.items, a.concurrency)
                    m = {"items_per_s": r["items_per_s"], "cpu_us_per_item": r["cpu_us_per_item"]}
                else:
                    m = run_reference(admin, url, script, a.items, a.concurrency)
                res[name].append(m)
                print(f"  round {rnd + 1} {name:<28} {m['cpu_us_per_item']:>6,.0f} µs/item {m['items_per_s']:>7,.0f} items/s",
                      flush=True)
    print("  " + machine_line(), flush=True)
    rows = [{"client": n, "cpu_us_per_item": median([m["cpu_us_per_item"] for m in v]),
             "cpu_us_all": [m["cpu_us_per_item"] for m in v],
             "items_per_s": median([m["items_per_s"] for m in v])} for n, v in res.items()]
    cpu = {r["client"]: r["cpu_us_per_item"] for r in rows}
    ours = cpu[OURS]
    strategy = cpu["ddbtui aiohttp strategy"]
    floor = cpu["floor: bare protocol"]
    peers = {p: cpu[p] for p in PEERS}
    lowest = all(ours < v for v in peers.values())
    under = ours <= TARGET_US
    print(f"\n{'client':<28} {'CPU µs/item':>11} {'(rounds)':<20} {'items/s':>8} {'× floor':>8} {'vs raw':>7}")
    for r in sorted(rows, key=lambda r: r["cpu_us_per_item"]):
        print(f"{r['client']:<28} {r['cpu_us_per_item']:>11,.0f} {' '.join(f'{x:.0f}' for x in r['cpu_us_all']):<20} "
              f"{r['items_per_s']:>8,.0f} {r['cpu_us_per_item'] / floor:>7.2f}x {r['cpu_us_per_item'] / ours:>6.2f}x")
    print(f"target: raw client <= {TARGET_US:.0f} µs CPU per PutItem: {ours:.0f} µs ({'met' if under else 'MISSED'}); "
          f"benchmark strategy (recorder included) {strategy:.0f} µs")
    print(f"target: raw client lowest of raw, {', '.join(PEERS)}: {'met' if lowest else 'MISSED'}")
    aio = cpu["aiohttp alone (pre-signed)"]
    print(f"raw client = {ours / floor:.2f}x the floor (bare protocol, {floor:.0f} µs); "
          f"aiohttp's public API alone (pre-signed, no JSON): {aio:.0f} µs = {aio / floor:.2f}x the floor, "
          f"so the raw client's own work is {ours - aio:.0f} µs")
    emit_json(a.json, {"items": a.items, "concurrency": a.concurrency, "rounds": a.rounds, "rows": rows,
                       "versions": vers, "met": lowest and under, "lowest": lowest, "under_target": under,
                       "raw_us": ours, "strategy_us": strategy, "floor_us": floor, "aiohttp_alone_us": aio, "floor_multiple": ours / floor,
                       "target_us": TARGET_US, "machine": machine_line(),
                       "ratios": {k: v / ours for k, v in peers.items()}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
