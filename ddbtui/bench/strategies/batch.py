"""Batch strategies: 25 items per BatchWriteItem.

- `batch`: boto3's `batch_writer` (boto3.dynamodb.table.BatchWriter over the low-level
  client, DynamoDB JSON), one thread. Each BatchWriteItem call is one recorded request;
  items returned in UnprocessedItems are resent by boto3 in a later call (no backoff: that
  is boto3's behaviour) and counted as retries/throttles.
- `batch-async`: C coroutines each sending BatchWriteItem calls through the raw client's
  `batch_write`, which resends UnprocessedItems with capped exponential backoff. A
  recorded request is one chunk of 25 from its first send to its last resend.
"""

from __future__ import annotations

import asyncio
import time

from ddbtui.bench.strategies.base import (
    StrategyContext,
    error_parts,
    instrument,
    raw_client,
    record_raw_failure,
    run_async,
)
from ddbtui.dynamo.clients import new_client
from ddbtui.dynamo.raw import CallInfo

CHUNK = 25


class _TimedClient:
    """What BatchWriter needs of a client (batch_write_item), timed into the recorder."""

    def __init__(self, client, ctx: StrategyContext):
        self._client = client
        self._rec = ctx.recorder
        self._table = ctx.table

    def batch_write_item(self, RequestItems):  # noqa: N803 (boto3's parameter name)
        sent = len(RequestItems.get(self._table, []))
        t = time.perf_counter()
        try:
            r = self._client.batch_write_item(RequestItems=RequestItems)
        except Exception as e:
            code, msg, retries = error_parts(e)
            self._rec.record(time.perf_counter() - t, ok=0, retries=retries, error=code, message=msg)
            raise
        left = len((r.get("UnprocessedItems") or {}).get(self._table, []))
        retries = int(r["ResponseMetadata"].get("RetryAttempts", 0) or 0)
        self._rec.record(time.perf_counter() - t, ok=sent - left, retries=retries + (1 if left else 0),
                         throttles=1 if left else 0)
        return r


def run_batch(ctx: StrategyContext) -> None:
    from boto3.dynamodb.table import BatchWriter  # lazy: boto3 costs ~200 ms at start-up

    client = new_client(ctx.conn, **ctx.botocore_kwargs(pool=1))
    instrument(client, ctx.recorder)
    client.describe_table(TableName=ctx.table)
    ctx.used_concurrency = 1
    rec = ctx.recorder
    ctx.begin()
    try:
        with BatchWriter(ctx.table, _TimedClient(client, ctx), flush_amount=CHUNK) as w:
            for item in ctx.items:
                if ctx.stop.is_set():
                    break
                w.put_item(Item=item)
    except Exception as e:
        code, msg, _ = error_parts(e)
        if not ctx.stop.is_set():
            rec.fail_items(len(ctx.items) - rec.done, code, msg)


def run_batch_async(ctx: StrategyContext) -> None:
    rec, table, stop = ctx.recorder, ctx.table, ctx.stop
    chunks = (ctx.items[i:i + CHUNK] for i in range(0, len(ctx.items), CHUNK))  # lazy: flat memory

    async def one(client, chunk):
        info = CallInfo()
        t = time.perf_counter()
        try:
            await client.batch_write(table, chunk, info=info)
        except Exception as e:
            record_raw_failure(rec, time.perf_counter() - t, info, e, items=len(chunk))
            return
        rec.record(time.perf_counter() - t, ok=len(chunk), retries=info.retries,
                   throttles=info.throttles, server_errors=info.server_errors,
                   conn_errors=info.conn_errors)

    async def main():
        async with raw_client(ctx.conn, ctx.concurrency, ctx.raw_attempts()) as client:
            await client.describe_table(table)
            ctx.begin()
            it = iter(chunks)

            async def worker():
                for chunk in it:
                    if stop.is_set():
                        return
                    await one(client, chunk)

            await asyncio.gather(*(worker() for _ in range(max(ctx.concurrency, 1))))

    run_async(main())
