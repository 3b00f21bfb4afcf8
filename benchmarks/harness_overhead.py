"""Harness overhead: each ddbtui strategy against a plain reference script, interleaved.

For every strategy with a reference in benchmarks/reference/ (the loop a blog post would
write: a boto3 put_item loop, ThreadPoolExecutor over put_item, aioboto3 gather under a
semaphore, chunks of 25 through batch_write_item, ...), each round runs ddbtui's strategy
through the real benchmark engine (`runner.start_run`: its own process, recorder,
snapshots every 0.25 s) and the reference script (its own process), in alternating order,
on the same DynamoDB Local, with the same items (same workload and seed), the same
concurrency, a fresh table each. Both measure the write loop only (after client creation
and one warm-up call) and the client process's CPU over it.

ddbtui runs with retry mode "legacy", botocore's default for a client built without a
retry config — what the references are — so the comparison is about the harness, not the
retry policy (aiobotocore's "standard" mode alone costs ~10-15 % more CPU per PutItem).

Ratios per round (ddbtui / reference), then the median over rounds:
- throughput: items/s ratio, target >= 0.95 (ddbtui within 5 %)
- client CPU per item: ratio, target <= 1.05

    .venv/bin/python benchmarks/harness_overhead.py                    # 4 rounds, c=32
    .venv/bin/python benchmarks/harness_overhead.py --strategies sync,aiohttp --rounds 5
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import (PY, ROOT, conn_for, emit_json, engine, machine_line, median, run_strategy,  # noqa: E402
                     warm_engine)

# strategy -> (reference script, items per run: ~1-2 s each on DynamoDB Local here)
REFS = {
    "sync": ("sync.py", 500),
    "threads": ("threads.py", 1200),
    "executor": ("executor.py", 1200),
    "semaphore": ("semaphore.py", 1000),
    "aioboto3": ("aioboto3_.py", 1200),
    "aiohttp": ("aiohttp_raw.py", 3000),
    "batch": ("batch.py", 4000),
    "batch-async": ("batch_async.py", 8000),
}
TARGET = 0.05


def run_reference(admin, url: str, script: str, items: int, concurrency: int) -> dict:
    from ddbtui.bench.workload import Workload
    from ddbtui.dynamo.tables import count_items, create_table, delete_table

    table = f"ref-{uuid.uuid4().hex[:8]}"
    create_table(admin, Workload("books").table_spec(table), wait=True)
    try:
        name, *extra = script.split()  # "script.py [its own options]"
        p = subprocess.run([PY, str(HERE / "reference" / name), *extra, "--endpoint", url, "--table", table,
                            "--items", str(items), "--concurrency", str(concurrency)],
                           capture_output=True, text=True, timeout=300, cwd=ROOT)
        if p.returncode != 0:
            raise RuntimeError(f"{script} failed: {p.stderr[-800:]}")
        out = json.loads(p.stdout.strip().splitlines()[-1])
        verified = count_items(admin, table)
        if out["ok"] != items or verified != items:
            raise RuntimeError(f"{script}: ok {out['ok']}, verified {verified}, expected {items}")
    finally:
        delete_table(admin, table, wait=False)
    return {"items_per_s": items / out["wall_s"], "cpu_us_per_item": out["cpu_s"] / items * 1e6,
            "wall_s": out["wall_s"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-c", "--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--strategies", default=",".join(REFS))
    ap.add_argument("--scale", type=float, default=0.75, help="multiply the item counts (default 0.75)")
    ap.add_argument("--retry-mode", default="legacy",
                    help="ddbtui's retry mode (default legacy: what the references' plain clients use; "
                         "standard mode costs aiobotocore ~10-15 %% more CPU per request by itself)")
    ap.add_argument("--json", metavar="PATH")
    a = ap.parse_args(argv)
    names = [s for s in a.strategies.split(",") if s]
    from ddbtui.dynamo.clients import new_client

    print(f"harness overhead: ddbtui strategy vs plain reference script, DynamoDB Local, concurrency "
          f"{a.concurrency}, {a.rounds} rounds, interleaved (order alternates each round)")
    print(machine_line(), flush=True)
    res: dict[str, dict[str, list]] = {n: {"ddbtui": [], "ref": []} for n in names}
    with engine() as (url, eng_name):
        conn = conn_for(url, eng_name)
        admin = new_client(conn, retry_mode="standard", max_attempts=5)
        print(f"  engine warm-up (JIT): {warm_engine(url):.1f} s, not measured", flush=True)
        for rnd in range(a.rounds):
            order = names[rnd % len(names):] + names[:rnd % len(names)]
            for n in order:
                script, items = REFS[n]
                items = max(100, int(items * a.scale))
                pair = ("ddbtui", "ref") if (rnd + names.index(n)) % 2 == 0 else ("ref", "ddbtui")
                for who in pair:
                    if who == "ddbtui":
                        r = run_strategy(conn, n, items, a.concurrency, retry_mode=a.retry_mode)
                        m = {"items_per_s": r["items_per_s"], "cpu_us_per_item": r["cpu_us_per_item"],
                             "wall_s": r["wall_s"]}
                    else:
                        m = run_reference(admin, url, script, items, a.concurrency)
                    res[n][who].append(m)
                d, f = res[n]["ddbtui"][-1], res[n]["ref"][-1]
                print(f"  round {rnd + 1} {n:<12} ddbtui {d['items_per_s']:>7,.0f}/s {d['cpu_us_per_item']:>6,.0f} µs"
                      f" | reference {f['items_per_s']:>7,.0f}/s {f['cpu_us_per_item']:>6,.0f} µs"
                      f" | ratio {d['items_per_s'] / f['items_per_s']:.2f} / {d['cpu_us_per_item'] / f['cpu_us_per_item']:.2f}",
                      flush=True)
    rows = []
    for n in names:
        d, f = res[n]["ddbtui"], res[n]["ref"]
        tput = median([x["items_per_s"] / y["items_per_s"] for x, y in zip(d, f)])
        cpu = median([x["cpu_us_per_item"] / y["cpu_us_per_item"] for x, y in zip(d, f)])
        rows.append({"strategy": n, "reference": f"benchmarks/reference/{REFS[n][0]}",
                     "ddbtui_items_per_s": median([x["items_per_s"] for x in d]),
                     "ref_items_per_s": median([x["items_per_s"] for x in f]),
                     "ddbtui_cpu_us": median([x["cpu_us_per_item"] for x in d]),
                     "ref_cpu_us": median([x["cpu_us_per_item"] for x in f]),
                     "throughput_ratio": tput, "cpu_ratio": cpu,
                     "throughput_ratios": [x["items_per_s"] / y["items_per_s"] for x, y in zip(d, f)],
                     "cpu_ratios": [x["cpu_us_per_item"] / y["cpu_us_per_item"] for x, y in zip(d, f)],
                     "met": tput >= 1 - TARGET and cpu <= 1 + TARGET})
    print(f"\n{'strategy':<12} {'ddbtui/s':>9} {'ref/s':>8} {'ratio':>6} {'(rounds)':<18} {'ddbtui µs':>9} "
          f"{'ref µs':>7} {'ratio':>6} {'(rounds)':<18} target")
    for r in rows:
        print(f"{r['strategy']:<12} {r['ddbtui_items_per_s']:>9,.0f} {r['ref_items_per_s']:>8,.0f} "
              f"{r['throughput_ratio']:>6.2f} {' '.join(f'{x:.2f}' for x in r['throughput_ratios']):<18} "
              f"{r['ddbtui_cpu_us']:>9,.0f} {r['ref_cpu_us']:>7,.0f} {r['cpu_ratio']:>6.2f} "
              f"{' '.join(f'{x:.2f}' for x in r['cpu_ratios']):<18} {'met' if r['met'] else 'MISSED'}")
    print("ratio = ddbtui / reference (median of per-round ratios); target: items/s >= 0.95, CPU/item <= 1.05")
    emit_json(a.json, {"concurrency": a.concurrency, "rounds": a.rounds, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
