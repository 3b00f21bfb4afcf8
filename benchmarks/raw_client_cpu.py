"""Client CPU per PutItem: aioboto3 vs ddbtui's RawDynamoClient, side by side in one run.

Starts one local engine (DynamoDB Local in memory when Java is there, else moto), creates
a table, then per round writes N items with each client (one client each, all puts
gathered under a semaphore of --concurrency) and measures this process's CPU time
(time.process_time: the engine is a separate process and not counted). Both clients get
the same DynamoDB-JSON items, warmed-up clients, keep-alive pools of --concurrency.

    .venv/bin/python benchmarks/raw_client_cpu.py                 # 5000 items, c=32, 5 rounds
    .venv/bin/python benchmarks/raw_client_cpu.py -n 20000 -c 64 --engine moto

Target: raw >= 4x less client CPU per PutItem than aioboto3.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ddbtui.config import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY  # noqa: E402
from ddbtui.local.engine import LocalEngine  # noqa: E402

REGION = "us-east-1"


def item(prefix: str, i: int) -> dict:
    return {"user_id": {"S": f"{prefix}-{i:08d}"}, "balance": {"N": str(1000 + i)},
            "name": {"S": f"User {i} ünïcødé"}, "tags": {"SS": ["a", "b"]}}


async def run_puts(put, n: int, concurrency: int, prefix: str) -> tuple[float, float]:
    """(cpu seconds, wall seconds) for n puts of distinct items."""
    sem = asyncio.Semaphore(concurrency)
    items = [item(prefix, i) for i in range(n)]  # built before timing

    async def one(it):
        async with sem:
            await put(it)

    c0, w0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(it) for it in items))
    return time.process_time() - c0, time.perf_counter() - w0


def signer_costs(n: int = 20000) -> dict[str, float]:
    """µs per signature of one PutItem body: fast path, general signer, botocore SigV4Auth."""
    import json

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from ddbtui.dynamo.sigv4 import DynamoDBSigner, SigV4Signer

    url = "http://127.0.0.1:8000"
    body = json.dumps({"TableName": "bench_cpu", "Item": item("sig", 1)}).encode()
    creds = (LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, None)
    fast, general = DynamoDBSigner(REGION, url), SigV4Signer(REGION, "dynamodb")
    hdrs = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.PutItem"}
    boto = SigV4Auth(Credentials(*creds[:2]), "dynamodb", REGION)

    def botocore_sign():
        boto.add_auth(AWSRequest(method="POST", url=url + "/", data=body, headers=dict(hdrs)))

    out = {}
    for name, fn in (("fast path (DynamoDBSigner)", lambda: fast.headers("PutItem", body, creds)),
                     ("general (SigV4Signer)", lambda: general.sign("POST", url + "/", hdrs, body,
                                                                      credentials=creds)),
                     ("botocore SigV4Auth", botocore_sign)):
        fn()
        t0 = time.process_time()
        for _ in range(n):
            fn()
        out[name] = (time.process_time() - t0) / n * 1e6
    return out


async def main(args) -> int:
    import aioboto3
    from botocore.config import Config

    from ddbtui.dynamo.raw import RawDynamoClient

    eng = LocalEngine(engine=args.engine, in_memory=True).start()
    try:
        print(f"engine: {eng.describe()}", flush=True)
        table = "bench_cpu"
        session = aioboto3.Session(aws_access_key_id=LOCAL_ACCESS_KEY,
                                   aws_secret_access_key=LOCAL_SECRET_KEY, region_name=REGION)
        cfg = Config(max_pool_connections=args.concurrency, retries={"mode": "standard"})
        async with session.client("dynamodb", endpoint_url=eng.endpoint_url, config=cfg) as boto, \
                RawDynamoClient(eng.endpoint_url, REGION, (LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, None),
                                max_connections=args.concurrency) as raw:
            await raw.create_table(
                TableName=table, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}])
            await raw.wait_active(table)

            async def boto_put(it):
                await boto.put_item(TableName=table, Item=it)

            async def raw_put(it):
                await raw.put_item(table, it)

            clients = {"aioboto3": boto_put, "raw": raw_put}
            for name, put in clients.items():  # warm-up: models, pools, caches
                await run_puts(put, args.warmup, args.concurrency, f"warm-{name}")

            cpu: dict[str, list[float]] = {k: [] for k in clients}
            rate: dict[str, list[float]] = {k: [] for k in clients}
            for r in range(args.rounds):
                order = list(clients) if r % 2 == 0 else list(reversed(clients))
                for name in order:
                    c, w = await run_puts(clients[name], args.items, args.concurrency, f"{name}-{r}")
                    cpu[name].append(c / args.items * 1e6)
                    rate[name].append(args.items / w)
                    print(f"  round {r + 1} {name:9s} {cpu[name][-1]:8.1f} µs CPU/put "
                          f"{rate[name][-1]:8.0f} puts/s", flush=True)

            expected = (args.warmup + args.items * args.rounds) * len(clients)
            count = await raw.scan_count(table)
            await raw.delete_table(table)

        med = {k: statistics.median(v) for k, v in cpu.items()}
        ratio = med["aioboto3"] / med["raw"]
        per_round = [b / r for b, r in zip(cpu["aioboto3"], cpu["raw"])]
        print()
        print(f"items/round={args.items} rounds={args.rounds} concurrency={args.concurrency} "
              f"engine={eng.chosen} python={sys.version.split()[0]}")
        print(f"{'client':10s} {'µs CPU/PutItem (median)':>24s} {'puts/s (median)':>16s}")
        for k in clients:
            print(f"{k:10s} {med[k]:24.1f} {statistics.median(rate[k]):16.0f}")
        print(f"ratio aioboto3/raw: {ratio:.2f}x of medians; per round "
              f"{', '.join(f'{x:.2f}' for x in per_round)} "
              f"(target >= 4x: {'met' if ratio >= 4 else 'NOT met'})")
        print("signing only, µs CPU per PutItem signature: " + ", ".join(
            f"{k} {v:.1f}" for k, v in signer_costs().items()))
        print(f"load average at end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
              f"on {os.cpu_count()} CPUs (CPU time per request inflates under contention)")
        print(f"items in table: {count} (expected {expected})")
        return 0 if count == expected else 1
    finally:
        eng.stop()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", "--items", type=int, default=5000, help="PutItems per client per round")
    p.add_argument("-c", "--concurrency", type=int, default=32)
    p.add_argument("-r", "--rounds", type=int, default=5)
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--engine", default="auto", choices=["auto", "dynamodb-local", "moto"])
    sys.exit(asyncio.run(main(p.parse_args())))
