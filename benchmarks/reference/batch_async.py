"""Reference `batch-async`: ddbtui's raw client batch_write per chunk of 25, gathered under
a Semaphore(C) (the raw client resends UnprocessedItems itself)."""
import asyncio

from _args import KEY, REGION, SECRET, Clock, parse, report

from ddbtui.dynamo.raw import RawDynamoClient

a = parse()
chunks = [a.item_list[i:i + 25] for i in range(0, len(a.item_list), 25)]


async def main():
    async with RawDynamoClient(a.endpoint, REGION, (KEY, SECRET, None),
                               max_connections=a.concurrency) as client:
        await client.describe_table(a.table)
        sem = asyncio.Semaphore(a.concurrency)

        async def write(chunk):
            async with sem:
                await client.batch_write(a.table, chunk)
                return len(chunk)

        with Clock() as clock:
            ok = sum(await asyncio.gather(*(write(c) for c in chunks)))
    return clock, ok


clock, ok = asyncio.run(main())
report(a, clock, ok)
