"""Where the aioboto3 strategy's extra CPU goes: cProfile of the strategy's write window and
of the reference loop (benchmarks/reference/aioboto3_.py), each in its own fresh process,
same items, same DynamoDB Local, same concurrency; prints CPU per item of each and the
functions whose own time differs most per item.

    .venv/bin/python benchmarks/profile_aioboto3.py --items 1500
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _common import PY, conn_for, engine, machine_line, warm_engine  # noqa: E402


def child(mode: str, url: str, items: int, concurrency: int, out: str) -> None:
    import aioboto3
    from aiobotocore.config import AioConfig

    from ddbtui.bench.workload import Workload
    from ddbtui.dynamo.clients import new_client
    from ddbtui.dynamo.tables import create_table, delete_table

    conn = conn_for(url)
    admin = new_client(conn)
    table = f"prof-{uuid.uuid4().hex[:8]}"
    create_table(admin, Workload("books").table_spec(table), wait=True)
    data = Workload("books", 42).ddb_items(items)
    prof = cProfile.Profile()
    try:
        if mode == "reference":
            async def main() -> float:
                session = aioboto3.Session()
                async with session.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                                          aws_access_key_id="ddbtuilocal", aws_secret_access_key="ddbtuilocal",
                                          config=AioConfig(max_pool_connections=concurrency)) as client:
                    await client.describe_table(TableName=table)
                    sem = asyncio.Semaphore(concurrency)

                    async def put(item):
                        async with sem:
                            await client.put_item(TableName=table, Item=item)

                    c0 = time.process_time()
                    prof.enable()
                    await asyncio.gather(*(put(it) for it in data))
                    prof.disable()
                    return time.process_time() - c0

            cpu = asyncio.run(main())
        else:
            from ddbtui.bench.recorder import Recorder
            from ddbtui.bench.strategies.asyncio_ import run_aioboto3
            from ddbtui.bench.strategies.base import StrategyContext

            ctx = StrategyContext(conn=conn, table=table, items=data, concurrency=concurrency,
                                  recorder=Recorder(items), retry_mode="legacy")
            real_begin = ctx.begin

            def begin() -> None:
                real_begin()
                prof.enable()

            ctx.begin = begin  # type: ignore[method-assign]
            run_aioboto3(ctx)
            prof.disable()
            cpu = time.process_time() - (ctx.cpu_begin or 0.0)
    finally:
        delete_table(admin, table, wait=False)
    st = pstats.Stats(prof)
    funcs = {f"{Path(k[0]).name}:{k[2]}": v[2] for k, v in st.stats.items()}  # own time
    Path(out).write_text(json.dumps({"cpu_us": cpu / items * 1e6, "own": funcs}))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=1500)
    ap.add_argument("-c", "--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        mode, url, n, c, out = a.child
        child(mode, url, int(n), int(c), out)
        return 0
    print(f"aioboto3 strategy vs reference loop under cProfile, {a.items} items, c={a.concurrency}")
    print(machine_line(), flush=True)
    res: dict[str, list[dict]] = {"strategy": [], "reference": []}
    with engine() as (url, _):
        warm_engine(url)
        for rnd in range(a.rounds):
            for mode in (("strategy", "reference") if rnd % 2 == 0 else ("reference", "strategy")):
                out = f"/tmp/ddbtui-prof-{mode}-{rnd}.json"
                subprocess.run([PY, __file__, "--child", mode, url, str(a.items), str(a.concurrency), out],
                               check=True, timeout=600)
                res[mode].append(json.loads(Path(out).read_text()))
                print(f"  round {rnd + 1} {mode:<9} {res[mode][-1]['cpu_us']:,.0f} µs CPU/item (profiled)", flush=True)
    n = a.items * a.rounds

    def per_item(mode: str) -> dict[str, float]:
        tot: dict[str, float] = {}
        for r in res[mode]:
            for k, v in r["own"].items():
                tot[k] = tot.get(k, 0.0) + v
        return {k: v / n * 1e6 for k, v in tot.items()}

    s, r = per_item("strategy"), per_item("reference")
    diff = sorted(((s.get(k, 0.0) - r.get(k, 0.0), k) for k in set(s) | set(r)), reverse=True)
    print(f"\nprofiled CPU/item: strategy {sum(x['cpu_us'] for x in res['strategy']) / a.rounds:,.0f} µs, "
          f"reference {sum(x['cpu_us'] for x in res['reference']) / a.rounds:,.0f} µs")
    print("own time per item, strategy minus reference (µs), largest first:")
    for d, k in diff[:12]:
        print(f"  {d:+8.1f}  {k}  (strategy {s.get(k, 0):.1f}, reference {r.get(k, 0):.1f})")
    print("largest savings:")
    for d, k in diff[-5:]:
        print(f"  {d:+8.1f}  {k}")
    print("  " + machine_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
