"""Reference `aiodynamo`: the aiodynamo library (its aiohttp adapter, static credentials),
gather under a Semaphore(C). Items are converted to plain Python values before the clock
starts (aiodynamo takes Python values and serialises them itself)."""
import asyncio

from aiohttp import ClientSession, TCPConnector
from aiodynamo.client import Client
from aiodynamo.credentials import Key, StaticCredentials
from aiodynamo.http.aiohttp import AIOHTTP
from yarl import URL
from _args import KEY, REGION, SECRET, Clock, parse, report

a = parse()
from ddbtui.dynamo.codec import deserialize_item  # noqa: E402

plain = [deserialize_item(it) for it in a.item_list]


async def main():
    async with ClientSession(connector=TCPConnector(limit=a.concurrency)) as session:
        client = Client(AIOHTTP(session), StaticCredentials(Key(KEY, SECRET)), REGION, endpoint=URL(a.endpoint))
        table = client.table(a.table)
        await table.describe()
        sem = asyncio.Semaphore(a.concurrency)

        async def put(item):
            async with sem:
                await table.put_item(item)
                return 1

        with Clock() as clock:
            ok = sum(await asyncio.gather(*(put(it) for it in plain)))
    return clock, ok


clock, ok = asyncio.run(main())
report(a, clock, ok)
