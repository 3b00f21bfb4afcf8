"""Async strategies on one event loop.

- `aioboto3`: one aioboto3 client (max_pool_connections=C), a task per put under an
  asyncio.Semaphore(C) (made when a slot frees: flat memory in the item count).
- `aiohttp`: ddbtui's raw client (DynamoDB JSON over aiohttp, hand-written SigV4), C
  coroutines pulling items from a shared iterator.
"""

from __future__ import annotations

import asyncio
import time

from ddbtui.bench.strategies.base import (
    StrategyContext,
    error_parts,
    instrument,
    raw_client,
    raw_put,
    raw_workers,
    run_async,
)
from ddbtui.dynamo.clients import aioboto3_client as build


def aioboto3_client(ctx: StrategyContext, pool: int | None = None):
    """An aioboto3 client context manager for ctx.conn (built where every client is)."""
    return build(ctx.conn, **ctx.botocore_kwargs(pool))


def run_aioboto3(ctx: StrategyContext) -> None:
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

    run_async(main())


def run_aiohttp(ctx: StrategyContext) -> None:
    rec, table = ctx.recorder, ctx.table

    async def main():
        async with raw_client(ctx.conn, ctx.concurrency, ctx.raw_attempts()) as client:
            await client.describe_table(table)  # opens the session, like the others' setup
            ctx.begin()
            await raw_workers(ctx.items, ctx.concurrency, ctx.stop,
                              lambda item: raw_put(client, table, item, rec))

    run_async(main())
