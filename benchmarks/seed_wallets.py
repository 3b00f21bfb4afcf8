"""Seeding wallets: 1,000 wallets on DynamoDB Local, target under 2 s (issue #11).

Times the two parts the seed dialog runs, each repeated (median shown):
- plan: Faker names and e-mails for n wallets (`wallet.plan_seed`);
- write: BatchWriteItem in chunks of 25 with SEED_WORKERS chunks in flight
  (`wallet.write_seed`), and the same with one chunk at a time, for the ratio.
Prints one line per figure and the machine's load average beside them.

    .venv/bin/python benchmarks/seed_wallets.py              # starts DynamoDB Local
    .venv/bin/python benchmarks/seed_wallets.py --n 5000 --repeats 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_S = 2.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from _common import conn_for, engine

    from ddbtui.dynamo import tables as T
    from ddbtui.dynamo import wallet as W
    from ddbtui.dynamo.clients import new_client

    with engine() as (url, _name):
        client = new_client(conn_for(url))
        table = f"bench_seed_{uuid.uuid4().hex[:8]}"
        T.create_table(client, T.wallet_spec(table), wait=True)
        try:
            W.plan_seed(10)  # warm Faker's import and locale data once (the app pays it once too)
            plan, par, seq = [], [], []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                items = W.plan_seed(args.n)
                plan.append(time.perf_counter() - t0)
                par.append(W.write_seed(client, table, items).seconds)
                seq.append(W.write_seed(client, table, W.plan_seed(args.n), workers=1).seconds)
            total = statistics.median(plan) + statistics.median(par)
            print(f"seed {args.n:,} wallets: plan {statistics.median(plan):.2f} s + write "
                  f"{statistics.median(par):.2f} s ({W.SEED_WORKERS} batches in flight) = {total:.2f} s "
                  f"(target < {TARGET_S:.0f} s: {'met' if total < TARGET_S else 'MISSED'})")
            print(f"write with 1 batch in flight: {statistics.median(seq):.2f} s "
                  f"(x{statistics.median(seq) / statistics.median(par):.1f} slower)")
            print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
        finally:
            T.delete_table(client, table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
