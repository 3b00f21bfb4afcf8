"""What every reference script shares: arguments, the items, the timing line.

The loops themselves are in the scripts, written the way blog posts and docs write them.
Items are the benchmark's own (`ddbtui.bench.workload`, DynamoDB JSON, same seed) so the
payloads are byte-for-byte those ddbtui writes; they are built before the clock starts.
Prints one JSON line: {"items", "wall_s", "cpu_s", "ok"}; wall and CPU (this process,
time.process_time) cover the write loop only, after the client exists and one warm-up
call (DescribeTable) was made — the same window ddbtui's benchmark measures.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

KEY, SECRET, REGION = "local", "local", "us-east-1"


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--table", required=True)
    ap.add_argument("--items", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    from ddbtui.bench.workload import Workload

    a.item_list = Workload("books", a.seed).ddb_items(a.items)
    return a


class Clock:
    def __enter__(self):
        self.c0, self.w0 = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.w0
        self.cpu = time.process_time() - self.c0


def report(a, clock, ok):
    print(json.dumps({"items": a.items, "wall_s": clock.wall, "cpu_s": clock.cpu, "ok": ok}), flush=True)
