"""Reference `aioboto3`: one aioboto3 client, asyncio.gather under a Semaphore(C)."""
import asyncio

import aioboto3
from aiobotocore.config import AioConfig
from _args import KEY, REGION, SECRET, Clock, parse, report

a = parse()


async def main():
    session = aioboto3.Session()
    async with session.client("dynamodb", endpoint_url=a.endpoint, region_name=REGION,
                              aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                              config=AioConfig(max_pool_connections=a.concurrency)) as client:
        await client.describe_table(TableName=a.table)
        sem = asyncio.Semaphore(a.concurrency)

        async def put(item):
            async with sem:
                await client.put_item(TableName=a.table, Item=item)
                return 1

        with Clock() as clock:
            ok = sum(await asyncio.gather(*(put(it) for it in a.item_list)))
    return clock, ok


clock, ok = asyncio.run(main())
report(a, clock, ok)
