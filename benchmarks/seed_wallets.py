"""Seeding wallets: 1,000 wallets on DynamoDB Local, target under 2 s (issue #11).

Times what the seed dialog runs, repeated (median shown): `wallet.write_seed` of a fresh
plan (Faker names and e-mails made chunk by chunk, BatchWriteItem in chunks of 25 with
SEED_WORKERS chunks in flight), and the same with one chunk at a time, for the ratio.
Prints one line per figure and the machine's load average beside them.

    .venv/bin/python benchmarks/seed_wallets.py              # starts DynamoDB Local
    .venv/bin/python benchmarks/seed_wallets.py --n 5000 --repeats 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
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
            W.plan_seed(10).items()  # warm Faker's import and locale data once (the app pays it once too)
            par, seq = [], []
            for _ in range(args.repeats):
                par.append(W.write_seed(client, table, W.plan_seed(args.n)).seconds)
                seq.append(W.write_seed(client, table, W.plan_seed(args.n), workers=1).seconds)
            total = statistics.median(par)
            print(f"seed {args.n:,} wallets (names made chunk by chunk, {W.SEED_WORKERS} batches in flight): "
                  f"{total:.2f} s (target < {TARGET_S:.0f} s: {'met' if total < TARGET_S else 'MISSED'})")
            print(f"write with 1 batch in flight: {statistics.median(seq):.2f} s "
                  f"(x{statistics.median(seq) / statistics.median(par):.1f} slower)")
            print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
        finally:
            T.delete_table(client, table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
