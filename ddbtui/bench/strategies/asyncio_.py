"""Async strategies on one event loop.

- `aioboto3`: one aioboto3 client (max_pool_connections=C), a task per put under an
  asyncio.Semaphore(C) (made when a slot frees: flat memory in the item count).
- `aiohttp`: ddbtui's raw client (DynamoDB JSON over aiohttp, hand-written SigV4), C
  coroutines pulling items from a shared iterator.
"""

from __future__ import annotations

import asyncio
import time

from ddbtui.bench.strategies.base import (StrategyContext, error_parts, raw_client, raw_put,
                                          raw_workers)


def aioboto3_client(ctx: StrategyContext, pool: int | None = None):
    """An aioboto3 client context manager for ctx.conn (local dummy keys or the profile)."""
    import aioboto3
    from aiobotocore.config import AioConfig

    from ddbtui.config import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY

    if ctx.conn.local_credentials:
        session = aioboto3.Session(aws_access_key_id=LOCAL_ACCESS_KEY,
                                   aws_secret_access_key=LOCAL_SECRET_KEY, region_name=ctx.conn.region)
    else:
        session = aioboto3.Session(profile_name=ctx.conn.profile, region_name=ctx.conn.region)
    kw = ctx.botocore_kwargs(pool)
    if kw["retry_mode"] == "none":
        retries = {"mode": "standard", "total_max_attempts": 1}
    else:
        retries = {"mode": kw["retry_mode"]}
        if kw["max_attempts"]:
            retries["total_max_attempts"] = kw["max_attempts"]
    config = AioConfig(max_pool_connections=kw["max_pool_connections"], retries=retries,
                       connect_timeout=5, read_timeout=30)
    return session.client("dynamodb", endpoint_url=ctx.conn.endpoint_url, config=config)


def run_aioboto3(ctx: StrategyContext) -> None:
    from ddbtui.bench.strategies.base import instrument

    rec, table, stop = ctx.recorder, ctx.table, ctx.stop

    async def main():
        async with aioboto3_client(ctx) as client:
            instrument(client, rec)
            sem = asyncio.Semaphore(max(ctx.concurrency, 1))
            tasks: set[asyncio.Task] = set()

            async def one(item):
                try:
                    if stop.is_set():
                        return
                    t = time.perf_counter()
                    try:
                        r = await client.put_item(TableName=table, Item=item)
                    except Exception as e:
                        code, msg, retries = error_parts(e)
                        rec.record(time.perf_counter() - t, ok=0, failed=1, retries=retries,
                                   error=code, message=msg)
                    else:
                        rec.record(time.perf_counter() - t,
                                   retries=int(r["ResponseMetadata"].get("RetryAttempts", 0) or 0))
                finally:
                    sem.release()

            # one request first so the connection pool and the client's lazy state exist
            await client.describe_table(TableName=table)
            ctx.begin()
            # A task per put under a Semaphore(C), as `gather(*(put(i) for i in items))` with
            # `async with sem` does — but a task is made only when a slot is free, so memory
            # stays flat in the item count (gather of 10M coroutines would hold them all).
            for item in ctx.items:
                await sem.acquire()
                if stop.is_set():
                    sem.release()
                    break
                task = asyncio.create_task(one(item))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.gather(*tasks)

    asyncio.run(main())


def run_aiohttp(ctx: StrategyContext) -> None:
    rec, table = ctx.recorder, ctx.table

    async def main():
        async with raw_client(ctx.conn, ctx.concurrency, ctx.raw_attempts()) as client:
            await client.describe_table(table)  # opens the session, like the others' setup
            ctx.begin()
            await raw_workers(ctx.items, ctx.concurrency, ctx.stop,
                              lambda item: raw_put(client, table, item, rec))

    asyncio.run(main())
