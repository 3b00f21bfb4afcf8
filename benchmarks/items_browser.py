"""Items browser on a 100,000-item table: time to the first page, time and memory to load all.

1. Seed (once per engine: the table `ddbtui-bench-items-100k` is reused when it already
   holds the items): BatchWriteItem through the raw client, 16 in flight, books workload
   (~120-byte items: isbn, author, title, published).
2. A fresh interpreter (so its RSS is the app's own) runs `DdbApp` headless under Pilot at
   120x40, waits until the tables screen is ready, opens the table as the enter key does
   (`app.open_table`), and measures:
   - first page: from opening to the first rows on screen (describe + first Scan page of
     100 + one refresh). Target <= 0.3 s.
   - load all (`A`): time until every page is in (1,000 per Scan page) and the RSS growth
     of the process from just before opening the table (bytes per item shown). Targets:
     load all shows 100,000 rows; <= 300 B of RSS per item (items are kept as compact
     DynamoDB JSON bytes in the virtual table's store; see items_virtual.py for 1M).

    .venv/bin/python benchmarks/items_browser.py                 # starts DynamoDB Local
    .venv/bin/python benchmarks/items_browser.py --items 20000 --endpoint-url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
FIRST_PAGE_TARGET_S = 0.3
BYTES_PER_ITEM_TARGET = 300  # RSS per loaded item beyond the page data (#19)


def seed(url: str, table: str, n: int, concurrency: int = 16) -> tuple[bool, float]:
    """(seeded now, seconds). Reuses the table when it already has n items."""
    from _common import conn_for

    from ddbtui.bench.workload import Workload
    from ddbtui.dynamo.clients import new_client
    from ddbtui.dynamo.raw import RawDynamoClient
    from ddbtui.dynamo.tables import count_items, create_table, delete_table, table_status

    conn = conn_for(url)
    admin = new_client(conn, retry_mode="standard", max_attempts=5)
    t0 = time.perf_counter()
    if table_status(admin, table) is not None:
        if count_items(admin, table) == n:
            return False, time.perf_counter() - t0
        delete_table(admin, table, wait=True)
    wl = Workload("books", 42)
    create_table(admin, wl.table_spec(table), wait=True)

    async def go():
        async with RawDynamoClient.from_connection(conn, max_connections=concurrency) as c:
            sem = asyncio.Semaphore(concurrency)

            async def write(chunk):
                async with sem:
                    await c.batch_write(table, chunk)

            step = 5000
            for start in range(0, n, step):
                items = wl.ddb_items(min(step, n - start), start)
                await asyncio.gather(*(write(items[i:i + 25]) for i in range(0, len(items), 25)))

    asyncio.run(go())
    got = count_items(admin, table)
    if got != n:
        raise RuntimeError(f"seeded {got} items, expected {n}")
    return True, time.perf_counter() - t0


async def drive(url: str, table: str, n: int) -> dict:
    import psutil

    from _common import conn_for

    from ddbtui.ui.app import DdbApp
    from ddbtui.ui.screens.items import ItemsScreen

    proc = psutil.Process()
    app = DdbApp(connection=conn_for(url))

    async def until(pred, timeout: float, what: str, step: float = 0.005):
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(step)

    out: dict = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.ready and getattr(app.screen, "_loaded", False), 30, "tables listed")
        await pilot.pause()
        out["rss_before_mb"] = proc.memory_info().rss / 2**20
        t0 = time.perf_counter()
        app.open_table(table)

        def first_page():
            s = app.screen
            return isinstance(s, ItemsScreen) and s.info is not None and s.data_table.row_count > 0

        await until(first_page, 30, "first page")
        await pilot.pause()  # the rows are drawn
        out["first_page_s"] = time.perf_counter() - t0
        scr = app.screen
        out["first_page_rows"] = scr.data_table.row_count
        await until(lambda: not scr._loading, 30, "first page settled")
        t1 = time.perf_counter()
        await pilot.press("A")
        await until(lambda: not scr._loading and not scr._has_more, 600, "load all", step=0.05)
        await pilot.pause()
        out["load_all_s"] = time.perf_counter() - t1
        out["rows"] = scr.data_table.row_count
        out["live"] = scr.live
        out["rss_after_mb"] = proc.memory_info().rss / 2**20
        # still responsive? one keypress round trip at the bottom of 100k rows
        t2 = time.perf_counter()
        await pilot.press("end")
        await pilot.pause()
        out["end_key_s"] = time.perf_counter() - t2
        out["cursor_row"] = scr.data_table.cursor_row
    out["rss_delta_mb"] = out["rss_after_mb"] - out["rss_before_mb"]
    out["bytes_per_item"] = out["rss_delta_mb"] * 2**20 / max(out["live"], 1)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--endpoint-url", default=None)
    ap.add_argument("--child", nargs=3, metavar=("URL", "TABLE", "N"), help=argparse.SUPPRESS)
    ap.add_argument("--json", metavar="PATH")
    a = ap.parse_args(argv)
    if a.child:
        url, table, n = a.child
        print(json.dumps(asyncio.run(drive(url, table, int(n)))), flush=True)
        return 0
    from _common import emit_json, engine, machine_line

    from ddbtui.bench.workload import Workload
    from ddbtui.dynamo.codec import item_size

    table = f"ddbtui-bench-items-{a.items // 1000}k" if a.items >= 1000 else f"ddbtui-bench-items-{a.items}"
    print(f"items browser: {a.items:,}-item table on DynamoDB Local (in memory), DdbApp headless 120x40")
    print(machine_line(), flush=True)
    if a.endpoint_url:
        os.environ["DDBTUI_BENCH_ENDPOINT"] = a.endpoint_url
    with engine() as (url, _):
        seeded, secs = seed(url, table, a.items)
        print(f"  {'seeded' if seeded else 'reused'} {table} ({a.items:,} items) in {secs:.1f} s", flush=True)
        p = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", url, table, str(a.items)],
                           capture_output=True, text=True, timeout=900)
        if p.returncode != 0:
            raise RuntimeError(f"child failed: {p.stderr[-2000:]}")
        r = json.loads(p.stdout.strip().splitlines()[-1])
    raw = sum(item_size(__import__("ddbtui.dynamo.codec", fromlist=["x"]).deserialize_item(i))
              for i in Workload("books", 42).ddb_items(1000)) / 1000
    met_first = r["first_page_s"] < FIRST_PAGE_TARGET_S
    print(f"\nfirst page ({r['first_page_rows']} rows on screen): {r['first_page_s']:.3f} s; "
          f"target <= {FIRST_PAGE_TARGET_S:.1f} s: {'met' if met_first else 'MISSED'}")
    print(f"load all: {r['live']:,} items, {r['rows']:,} rows in {r['load_all_s']:.1f} s "
          f"({r['live'] / r['load_all_s']:,.0f} items/s)")
    print(f"memory: RSS {r['rss_before_mb']:.0f} MB before opening -> {r['rss_after_mb']:.0f} MB after load all: "
          f"+{r['rss_delta_mb']:.0f} MB = {r['bytes_per_item']:,.0f} B per item (raw DynamoDB size ~{raw:.0f} B/item); "
          f"target <= {BYTES_PER_ITEM_TARGET} B: {'met' if r['bytes_per_item'] <= BYTES_PER_ITEM_TARGET else 'MISSED'}")
    print("  " + machine_line())
    print(f"end key at the bottom of {r['rows']:,} rows: {r['end_key_s'] * 1000:.0f} ms")
    r.update({"items": a.items, "seeded": seeded, "seed_s": secs, "raw_item_bytes": raw,
              "met_first_page": met_first, "all_loaded": r["live"] == a.items,
              "met_bytes": r["bytes_per_item"] <= BYTES_PER_ITEM_TARGET, "machine": machine_line()})
    emit_json(a.json, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
