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

Items are never held: item i is a pure function of (workload, seed, item_bytes, i).
`Workload.sequence(n)` is the run's item list as a lazy, picklable, sliceable sequence
(`item(i)`, `iter_range(start, stop)`, `count`, `key(i)`, `keys(start, stop)`); a 10-million
item run starts at once and its memory does not grow with the item count.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterator, overload

from ddbtui.bench.limits import LIMITS
from ddbtui.dynamo.codec import item_size
from ddbtui.dynamo.tables import KeySpec, TableSpec

WORKLOADS = ("books", "wallets")
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
        LIMITS["item_bytes"].check(self.item_bytes)
        self._pools: dict[str, list[str]] | None = None

    def __getstate__(self) -> dict[str, Any]:  # pickled to worker processes: no Faker pools
        d = dict(self.__dict__)
        d["_pools"] = None
        return d

    @property
    def key_name(self) -> str:
        return "isbn" if self.name == "books" else "user_id"

    def table_spec(self, table: str) -> TableSpec:
        return TableSpec(name=table, partition_key=KeySpec(self.key_name, "S"))

    def _pool(self) -> dict[str, list[str]]:
        if self._pools is None:
            from faker import Faker  # lazy: faker costs ~100 ms at start-up

            f = Faker()
            f.seed_instance(self.seed)
            self._pools = {
                "name": [f.name() for _ in range(_POOL)],
                "title": [f.sentence(nb_words=4).rstrip(".") for _ in range(_POOL)],
                "date": [f.date_between("-80y", "today").isoformat() for _ in range(_POOL)],
            }
        return self._pools

    def _key_value(self, i: int) -> str:
        n = (i * _MULT + (self.seed * 104_729) % 10**9) % 10**9
        return _isbn13(n) if self.name == "books" else f"user-{n:09d}"

    def item(self, i: int) -> dict[str, Any]:
        """Plain item number i (Python values, Decimal numbers)."""
        pools = self._pool()
        rnd = random.Random(self.seed * 1_000_003 + i)
        item: dict[str, Any]
        if self.name == "books":
            item = {"isbn": self._key_value(i),
                    "author": pools["name"][rnd.randrange(_POOL)],
                    "title": pools["title"][rnd.randrange(_POOL)],
                    "published": pools["date"][rnd.randrange(_POOL)]}
        else:
            item = {"user_id": self._key_value(i),
                    "balance": Decimal(rnd.randrange(0, 10_000_000)) / 100,
                    "name": pools["name"][rnd.randrange(_POOL)]}
        if self.item_bytes:
            item = _pad(item, self.item_bytes, rnd)
        return item

    def items(self, n: int, start: int = 0) -> Iterator[dict[str, Any]]:
        """Plain items number start .. start+n-1."""
        for i in range(start, start + n):
            yield self.item(i)

    def ddb_item(self, i: int) -> dict[str, dict[str, str]]:
        """Item number i in DynamoDB JSON, ready for the low-level API (strings and numbers
        only, so a direct conversion; equal to `codec.serialize_item`, ~10x faster)."""
        return {k: ({"N": str(v)} if isinstance(v, Decimal) else {"S": v}) for k, v in self.item(i).items()}

    def ddb_items(self, n: int, start: int = 0) -> list[dict[str, dict[str, str]]]:
        """Items start .. start+n-1 in DynamoDB JSON, as a list (small n: tests, references)."""
        return [self.ddb_item(i) for i in range(start, start + n)]

    def key(self, i: int) -> dict[str, dict[str, str]]:
        """The DynamoDB key of item i, without generating the item."""
        return {self.key_name: {"S": self._key_value(i)}}

    def key_of(self, ddb_item: dict[str, Any]) -> dict[str, Any]:
        return {self.key_name: ddb_item[self.key_name]}

    def sequence(self, count: int) -> "ItemSequence":
        """The first `count` items as a lazy sequence (nothing generated until read)."""
        return ItemSequence(self, 0, count)


class ItemSequence:
    """Items start .. stop-1 of a workload, generated on demand (DynamoDB JSON).

    A read-only sequence: `len`, `seq[i]`, `seq[a:b]` (another lazy sequence), iteration.
    `iter(seq)` is safe to share between threads and coroutines: each item is handed out
    once. Pickles as (workload, start, stop): worker processes regenerate their share.
    """

    __slots__ = ("workload", "start", "stop")

    def __init__(self, workload: Workload, start: int, stop: int):
        self.workload = workload
        self.start = start
        self.stop = max(stop, start)

    def __getstate__(self) -> tuple[Workload, int, int]:
        return (self.workload, self.start, self.stop)

    def __setstate__(self, state: tuple[Workload, int, int]) -> None:
        self.workload, self.start, self.stop = state

    @property
    def count(self) -> int:
        return self.stop - self.start

    def __len__(self) -> int:
        return self.stop - self.start

    def item(self, i: int) -> dict[str, dict[str, str]]:
        """Item i of this sequence (0-based, relative to its start)."""
        return self.workload.ddb_item(self.start + i)

    def key(self, i: int) -> dict[str, dict[str, str]]:
        return self.workload.key(self.start + i)

    def keys(self, start: int = 0, stop: int | None = None) -> Iterator[dict[str, dict[str, str]]]:
        """Keys of items start .. stop-1 (relative), streamed."""
        stop = len(self) if stop is None else min(stop, len(self))
        for i in range(self.start + start, self.start + stop):
            yield self.workload.key(i)

    def iter_range(self, start: int = 0, stop: int | None = None) -> Iterator[dict[str, dict[str, str]]]:
        """Items start .. stop-1 (relative), streamed."""
        stop = len(self) if stop is None else min(stop, len(self))
        one = self.workload.ddb_item
        for i in range(self.start + start, self.start + stop):
            yield one(i)

    @overload
    def __getitem__(self, i: int) -> dict[str, dict[str, str]]: ...

    @overload
    def __getitem__(self, i: slice) -> "ItemSequence": ...

    def __getitem__(self, i: int | slice) -> "dict[str, dict[str, str]] | ItemSequence":
        n = len(self)
        if isinstance(i, slice):
            a, b, step = i.indices(n)
            if step != 1:
                raise ValueError("ItemSequence slices take no step")
            return ItemSequence(self.workload, self.start + a, self.start + max(a, b))
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        return self.workload.ddb_item(self.start + i)

    def __iter__(self) -> "_SharedIter":
        return _SharedIter(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ItemSequence):
            return (self.workload, self.start, self.stop) == (other.workload, other.start, other.stop)
        if isinstance(other, list):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ItemSequence({self.workload.name!r}, seed={self.workload.seed}, {self.start}..{self.stop})"


class _SharedIter:
    """An iterator over an ItemSequence that threads may share (itertools.count's next is
    atomic under the GIL, where a generator shared by threads raises "already executing")."""

    __slots__ = ("_next", "_stop", "_one")

    def __init__(self, seq: ItemSequence):
        self._next = itertools.count(seq.start).__next__
        self._stop = seq.stop
        self._one = seq.workload.ddb_item

    def __iter__(self) -> "_SharedIter":
        return self

    def __next__(self) -> dict[str, dict[str, str]]:
        i = self._next()
        if i >= self._stop:
            raise StopIteration
        return self._one(i)


def _pad(item: dict[str, Any], target: int, rnd: random.Random) -> dict[str, Any]:
    size = item_size(item) + len("padding")
    if target > size:
        letters = "abcdefghijklmnopqrstuvwxyz0123456789"
        need = target - size
        base = "".join(rnd.choice(letters) for _ in range(min(need, 64)))
        item["padding"] = (base * (need // len(base) + 1))[:need]
    return item
