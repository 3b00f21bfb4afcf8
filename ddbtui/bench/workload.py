"""Benchmark workloads: deterministic items from Faker and a seed.

Two runs with the same workload, seed, count and item size write exactly the same items
(same keys, same values), so results are comparable and a re-run into the same table
overwrites rather than adds.

- `books`: `isbn` (S, partition key), author, title, published (ISO date), padding to
  `item_bytes`. ISBNs are valid ISBN-13s built from a seed-dependent permutation of the item
  index, so keys never collide (up to 10⁹ items).
- `wallets`: `user_id` (S, partition key), balance (N), name.

Faker is slow per call (~50 µs), so each workload draws a pool of Faker values once per
seed and combines them with a seeded `random.Random`: ~5 µs per item.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterator

from ddbtui.dynamo.tables import KeySpec, TableSpec

WORKLOADS = ("books", "wallets")
MAX_ITEM_BYTES = 400 * 1024
_POOL = 512
_MULT = 7919  # coprime with 10**9: i -> (i*_MULT + offset) % 10**9 is a permutation


def _isbn13(n: int) -> str:
    digits = "978" + f"{n:09d}"
    s = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits))
    return digits + str((10 - s % 10) % 10)


@dataclass
class Workload:
    name: str = "books"
    seed: int = 42
    item_bytes: int = 0  # 0: natural size; else pad each item to about this many bytes

    def __post_init__(self) -> None:
        if self.name not in WORKLOADS:
            raise ValueError(f"unknown workload {self.name!r}: use {' or '.join(WORKLOADS)}")
        if self.item_bytes < 0 or self.item_bytes > MAX_ITEM_BYTES:
            raise ValueError(f"--item-bytes must be between 0 and {MAX_ITEM_BYTES} (DynamoDB's 400 KB item limit)")
        self._pools: dict | None = None

    @property
    def key_name(self) -> str:
        return "isbn" if self.name == "books" else "user_id"

    def table_spec(self, table: str) -> TableSpec:
        return TableSpec(name=table, partition_key=KeySpec(self.key_name, "S"))

    def _pool(self) -> dict:
        if self._pools is None:
            from faker import Faker

            f = Faker()
            f.seed_instance(self.seed)
            self._pools = {
                "name": [f.name() for _ in range(_POOL)],
                "title": [f.sentence(nb_words=4).rstrip(".") for _ in range(_POOL)],
                "date": [f.date_between("-80y", "today").isoformat() for _ in range(_POOL)],
            }
        return self._pools

    def items(self, n: int, start: int = 0) -> Iterator[dict]:
        """Plain items (Python values, Decimal numbers) number start .. start+n-1."""
        pools = self._pool()
        offset = (self.seed * 104_729) % 10**9
        for i in range(start, start + n):
            rnd = random.Random(self.seed * 1_000_003 + i)
            if self.name == "books":
                item = {"isbn": _isbn13((i * _MULT + offset) % 10**9),
                        "author": pools["name"][rnd.randrange(_POOL)],
                        "title": pools["title"][rnd.randrange(_POOL)],
                        "published": pools["date"][rnd.randrange(_POOL)]}
            else:
                item = {"user_id": f"user-{(i * _MULT + offset) % 10**9:09d}",
                        "balance": Decimal(rnd.randrange(0, 10_000_000)) / 100,
                        "name": pools["name"][rnd.randrange(_POOL)]}
            if self.item_bytes:
                item = _pad(item, self.item_bytes, rnd)
            yield item

    def ddb_items(self, n: int, start: int = 0) -> list[dict]:
        """The same items in DynamoDB JSON, ready for the low-level API (strings and numbers
        only, so a direct conversion; equal to `codec.serialize_item`, ~10x faster)."""
        return [{k: ({"N": str(v)} if isinstance(v, Decimal) else {"S": v}) for k, v in it.items()}
                for it in self.items(n, start)]

    def key_of(self, ddb_item: dict) -> dict:
        return {self.key_name: ddb_item[self.key_name]}


def _pad(item: dict, target: int, rnd: random.Random) -> dict:
    from ddbtui.dynamo.codec import item_size

    size = item_size(item) + len("padding")
    if target > size:
        letters = "abcdefghijklmnopqrstuvwxyz0123456789"
        need = target - size
        base = "".join(rnd.choice(letters) for _ in range(min(need, 64)))
        item["padding"] = (base * (need // len(base) + 1))[:need]
    return item
