"""Reference `executor`: asyncio, run_in_executor(put_item) for every item, gathered."""
import asyncio
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config
from _args import KEY, REGION, SECRET, Clock, parse, report

a = parse()
client = boto3.client("dynamodb", endpoint_url=a.endpoint, region_name=REGION,
                      aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                      config=Config(max_pool_connections=a.concurrency))
client.describe_table(TableName=a.table)


def put(item):
    client.put_item(TableName=a.table, Item=item)
    return 1


async def main():
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=a.concurrency) as pool:
        with Clock() as clock:
            ok = sum(await asyncio.gather(*(loop.run_in_executor(pool, put, it) for it in a.item_list)))
    return clock, ok


clock, ok = asyncio.run(main())
report(a, clock, ok)
