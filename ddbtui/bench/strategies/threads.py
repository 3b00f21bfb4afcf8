"""Thread-based boto3 strategies; all share one client with max_pool_connections=C.

- `threads`: ThreadPoolExecutor(C), C long-lived workers pulling items from a shared iterator.
- `executor`: asyncio, `loop.run_in_executor(pool of C threads, put)` from C coroutines.
- `semaphore`: a new thread per item, at most C alive at once (threading.BoundedSemaphore).
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from ddbtui.bench.strategies.base import StrategyContext, boto3_put, instrument
from ddbtui.dynamo.clients import new_client


def _client(ctx: StrategyContext):
    client = new_client(ctx.conn, **ctx.botocore_kwargs())
    instrument(client, ctx.recorder)
    client.describe_table(TableName=ctx.table)  # warm connection, like every strategy's setup
    return client


def run_threads(ctx: StrategyContext) -> None:
    client = _client(ctx)
    rec, table, stop = ctx.recorder, ctx.table, ctx.stop
    it = iter(ctx.items)
    lock = threading.Lock()

    def worker():
        while not stop.is_set():
            with lock:
                item = next(it, None)
            if item is None:
                return
            boto3_put(client, table, item, rec)

    c = max(ctx.concurrency, 1)
    with ThreadPoolExecutor(c, thread_name_prefix="bench-threads") as pool:
        ctx.begin()
        futures = [pool.submit(worker) for _ in range(c)]
        for f in futures:
            f.result()


def run_executor(ctx: StrategyContext) -> None:
    client = _client(ctx)
    rec, table, stop = ctx.recorder, ctx.table, ctx.stop
    c = max(ctx.concurrency, 1)

    async def main(pool):
        loop = asyncio.get_running_loop()
        it = iter(ctx.items)

        async def worker():
            for item in it:
                if stop.is_set():
                    return
                await loop.run_in_executor(pool, boto3_put, client, table, item, rec)

        ctx.begin()
        await asyncio.gather(*(worker() for _ in range(c)))

    with ThreadPoolExecutor(c, thread_name_prefix="bench-executor") as pool:
        asyncio.run(main(pool))


def run_semaphore(ctx: StrategyContext) -> None:
    client = _client(ctx)
    rec, table, stop = ctx.recorder, ctx.table, ctx.stop
    c = max(ctx.concurrency, 1)
    sem = threading.BoundedSemaphore(c)
    threads: list[threading.Thread] = []

    def one(item):
        try:
            boto3_put(client, table, item, rec)
        finally:
            sem.release()

    ctx.begin()
    for item in ctx.items:
        # wait for a free slot, but notice a cancel while waiting
        while not sem.acquire(timeout=0.1):
            if stop.is_set():
                break
        else:
            if stop.is_set():
                sem.release()
                break
            t = threading.Thread(target=one, args=(item,), daemon=True)
            t.start()
            threads.append(t)
            if len(threads) > 4 * c:  # forget finished threads
                threads = [x for x in threads if x.is_alive()]
            continue
        break
    for t in threads:
        t.join()
