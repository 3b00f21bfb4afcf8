"""Items browser at 1,000,000 items: memory per item, and frame cost at any position.

In a fresh interpreter, the items screen's table (`VirtualItemTable` + `ItemStore`) runs
headless under Pilot at 120x40 and receives 1,000,000 books items the way the screen adds
loaded pages: 1,000 at a time, already encoded (compact DynamoDB JSON bytes; the loading
thread encodes them). Measured:
- RSS per item: process RSS growth over the whole load / items. Target <= 300 B.
- frame cost at rows 0, 250k, 500k, 750k and the last: a jump there (move_cursor) and a
  scroll (scroll_to), then every visible line rendered with an empty line cache (what a
  frame at a never-seen position costs the widget: CPU time of this thread, and wall time,
  which on a loaded machine includes waiting for a core), and the keypress round trip
  (pilot.press + pause: includes Pilot and compositor; an upper bound). Target: cold
  render CPU <= 16 ms at every position.
The first page through the real screen and engine is in items_browser.py.

    .venv/bin/python benchmarks/items_virtual.py                 # 1,000,000 items
    .venv/bin/python benchmarks/items_virtual.py --items 200000
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
BYTES_TARGET = 300
FRAME_TARGET_MS = 16.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def drive(n: int) -> dict:
    from textual.app import App, ComposeResult
    from textual.geometry import Region

    from ddbtui.bench.workload import Workload
    from ddbtui.ui.widgets.virtual_table import ItemStore, VirtualItemTable

    class Bench(App):
        def compose(self) -> ComposeResult:
            yield VirtualItemTable(ItemStore(), id="items")

    w = Workload("books", 42)
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    app = Bench()
    out: dict = {"items": n}
    async with app.run_test(size=(120, 40)) as pilot:
        t = app.query_one(VirtualItemTable)
        t.focus()
        for name, width in (("isbn", 13), ("author", 24), ("title", 40), ("published", 10)):
            t.add_column(name, width)
        await pilot.pause()
        gc.collect()
        before = rss_mb()
        t0 = time.perf_counter()
        for start in range(0, n, 1000):
            page = [dumps(w.ddb_item(i)).encode() for i in range(start, min(n, start + 1000))]
            t.add_rows(t.store.append(page))
            del page
        out["load_s"] = time.perf_counter() - t0
        await pilot.pause()
        gc.collect()
        out["rss_delta_mb"] = rss_mb() - before
        out["bytes_per_item"] = out["rss_delta_mb"] * 2**20 / n
        out["store_bytes_per_item"] = t.store.nbytes() / n
        region = Region(0, 0, t.size.width, t.size.height)
        frames = []
        for pos in (0, n // 4, n // 2, 3 * n // 4, n - 1):
            for how in ("jump", "scroll"):
                if how == "jump":
                    t.move_cursor(row=pos)
                else:
                    t.scroll_to(y=max(0, pos - 10), animate=False, immediate=True)
                t._line_cache.clear()
                c0, u0 = time.perf_counter(), time.thread_time()
                lines = t.render_lines(region)
                cold_cpu_ms = (time.thread_time() - u0) * 1000
                cold_ms = (time.perf_counter() - c0) * 1000
                assert len(lines) == t.size.height
                t._line_cache.clear()
                k0 = time.perf_counter()
                await pilot.press("down")
                await pilot.pause()
                key_ms = (time.perf_counter() - k0) * 1000
                frames.append({"row": pos, "how": how, "cold_render_ms": cold_ms, "cold_render_cpu_ms": cold_cpu_ms,
                               "keypress_ms": key_ms})
        out["frames"] = frames
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json", metavar="PATH")
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(asyncio.run(drive(a.items))), flush=True)
        return 0
    from _common import emit_json, machine_line

    print(f"items browser, virtual table: {a.items:,} books items, headless 120x40")
    print(machine_line(), flush=True)
    p = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", "--items", str(a.items)],
                       capture_output=True, text=True, timeout=1800)
    if p.returncode != 0:
        raise RuntimeError(f"child failed: {p.stderr[-2000:]}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    worst = max(f["cold_render_cpu_ms"] for f in r["frames"])
    worst_wall = max(f["cold_render_ms"] for f in r["frames"])
    med_key = statistics.median(f["keypress_ms"] for f in r["frames"])
    met_b = r["bytes_per_item"] <= BYTES_TARGET
    met_f = worst <= FRAME_TARGET_MS
    print(f"load {r['items']:,} items in pages of 1,000: {r['load_s']:.1f} s (encoding included)")
    print(f"memory: RSS +{r['rss_delta_mb']:.0f} MB = {r['bytes_per_item']:.0f} B per item "
          f"(store {r['store_bytes_per_item']:.0f} B/item); target <= {BYTES_TARGET} B: {'met' if met_b else 'MISSED'}")
    for f in r["frames"]:
        print(f"  row {f['row']:>9,} {f['how']:<6}: cold render {f['cold_render_cpu_ms']:5.1f} ms CPU "
              f"({f['cold_render_ms']:5.1f} ms wall), "
              f"keypress round trip {f['keypress_ms']:5.1f} ms")
    print(f"target: cold frame render <= {FRAME_TARGET_MS:.0f} ms CPU at every position: worst {worst:.1f} ms "
          f"({'met' if met_f else 'MISSED'}; worst wall {worst_wall:.1f} ms); keypress round trip median {med_key:.0f} ms")
    print("  " + machine_line())
    r.update({"worst_frame_ms": worst, "worst_frame_wall_ms": worst_wall, "keypress_median_ms": med_key, "met_bytes": met_b, "met_frame": met_f,
              "met": met_b and met_f, "machine": machine_line()})
    emit_json(a.json, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
