"""`sync` (one reused boto3 client, a loop) and `client-per-request` (the anti-pattern)."""

from __future__ import annotations

import time

from ddbtui.bench.strategies.base import StrategyContext, boto3_put, error_parts, instrument
from ddbtui.dynamo.clients import botocore_config, new_client, session_for


def run_sync(ctx: StrategyContext) -> None:
    client = new_client(ctx.conn, **ctx.botocore_kwargs(pool=1))
    instrument(client, ctx.recorder)
    ctx.used_concurrency = 1
    client.describe_table(TableName=ctx.table)  # warm connection, like every strategy's setup
    ctx.begin()
    rec, table, stop = ctx.recorder, ctx.table, ctx.stop
    for item in ctx.items:
        if stop.is_set():
            break
        boto3_put(client, table, item, rec)


def run_client_per_request(ctx: StrategyContext) -> None:
    """A new boto3 client for every PutItem, from one cached Session (creating a Session per
    request costs ~15x more again). The client's creation is inside the measured latency:
    that is the cost this strategy shows."""
    session = session_for(ctx.conn)
    config = botocore_config(**ctx.botocore_kwargs(pool=1))
    endpoint = ctx.conn.endpoint_url
    ctx.used_concurrency = 1
    rec, table, stop = ctx.recorder, ctx.table, ctx.stop
    ctx.begin()
    for item in ctx.items:
        if stop.is_set():
            break
        t = time.perf_counter()
        client = None
        try:
            client = session.client("dynamodb", endpoint_url=endpoint, config=config)
            instrument(client, rec)
            r = client.put_item(TableName=table, Item=item)
        except Exception as e:
            code, msg, retries = error_parts(e)
            rec.record(time.perf_counter() - t, ok=0, failed=1, retries=retries, error=code, message=msg)
        else:
            rec.record(time.perf_counter() - t,
                       retries=int(r["ResponseMetadata"].get("RetryAttempts", 0) or 0))
        finally:
            if client is not None:
                client.close()  # otherwise sockets pile up until garbage collection
