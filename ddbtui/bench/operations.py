"""DynamoDB operations, mixes of them, and YCSB's core workloads adapted to DynamoDB.

One row per operation in `OPERATIONS`: its name on the command line (`--mix put=50,get=50`),
the DynamoDB API calls it makes, whether it reads or writes, and how many items it touches.
`Plan.requests(rng)` draws the next operation from the mix and builds its request bodies
(DynamoDB JSON, the low-level API's own parameters, so the same body goes to the raw
client's `request(api, body)` and to boto3's `client.put_item(**body)`). Every body asks for
`ReturnConsumedCapacity` (TOTAL, or INDEXES when the table has indexes).

Keys come from a key distribution (`keys.py`) over the records 0..records-1 that the load
phase wrote; `insert` adds new records after them (YCSB's insert), so `latest` favours
the newest. Items come from the workload (the same generator the write benchmark uses), so
a key's item is the same in every run with the same seed.

YCSB core workloads (github.com/brianfrankcooper/YCSB/tree/master/workloads), adapted:
- A update heavy: get 50, update 50, zipfian
- B read mostly: get 95, update 5, zipfian
- C read only: get 100, zipfian
- D read latest: get 95, insert 5, latest
- E short ranges: scan 95, insert 5, zipfian. A DynamoDB table keyed by partition key alone
  has no ranges, so a "scan" is one BatchGetItem of 1..`SCAN_MAX` consecutive records
  (uniform length, YCSB's maxscanlength 100) starting at the chosen one.
- F read-modify-write: get 50, rmw 50 (GetItem then UpdateItem), zipfian
"""

from __future__ import annotations

import bisect
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from ddbtui.bench.keys import KeyChooser, SizeDist, parse_keys
from ddbtui.dynamo.codec import item_size

SCAN_MAX = 100           # BatchGetItem's own limit is 100 keys
BATCH_GET_KEYS = 10
BATCH_WRITE_ITEMS = 25   # BatchWriteItem's limit
TRANSACT_ITEMS = 2
COUNTER_ATTR = "ops"     # the attribute `update` and `rmw` increment


@dataclass(frozen=True)
class OpKind:
    name: str
    apis: tuple[str, ...]
    reads: bool
    writes: bool
    description: str


OPERATIONS: dict[str, OpKind] = {o.name: o for o in (
    OpKind("insert", ("PutItem",), False, True, "PutItem of a new record (after the loaded ones)"),
    OpKind("put", ("PutItem",), False, True, "PutItem overwriting a chosen record"),
    OpKind("get", ("GetItem",), True, False, "GetItem, eventually consistent"),
    OpKind("get-strong", ("GetItem",), True, False, "GetItem, strongly consistent"),
    OpKind("query", ("Query",), True, False, "Query on a chosen record's partition key"),
    OpKind("update", ("UpdateItem",), False, True, f"UpdateItem ADD {COUNTER_ATTR} 1 on a chosen record"),
    OpKind("delete", ("DeleteItem",), False, True, "DeleteItem of a chosen record"),
    OpKind("batch-get", ("BatchGetItem",), True, False, f"BatchGetItem of {BATCH_GET_KEYS} chosen records"),
    OpKind("batch-write", ("BatchWriteItem",), False, True, f"BatchWriteItem of {BATCH_WRITE_ITEMS} puts"),
    OpKind("transact-write", ("TransactWriteItems",), False, True,
           f"TransactWriteItems of {TRANSACT_ITEMS} puts (transactional: 2x capacity)"),
    OpKind("scan", ("BatchGetItem",), True, False, f"YCSB scan: BatchGetItem of 1..{SCAN_MAX} consecutive records"),
    OpKind("rmw", ("GetItem", "UpdateItem"), True, True, "read-modify-write: GetItem then UpdateItem"),
)}
OP_NAMES = tuple(OPERATIONS)
READ_APIS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})


@dataclass(frozen=True)
class Preset:
    name: str
    mix: str
    keys: str
    description: str


YCSB: dict[str, Preset] = {p.name: p for p in (
    Preset("A", "get=50,update=50", "zipfian", "update heavy (session store)"),
    Preset("B", "get=95,update=5", "zipfian", "read mostly (photo tagging)"),
    Preset("C", "get=100", "zipfian", "read only (profile cache)"),
    Preset("D", "get=95,insert=5", "latest", "read latest (status updates)"),
    Preset("E", "scan=95,insert=5", "zipfian", "short ranges (threaded conversations)"),
    Preset("F", "get=50,rmw=50", "zipfian", "read-modify-write (user database)"),
)}


def parse_mix(text: str) -> dict[str, float]:
    """'put=50,get=50' -> {"put": 0.5, "get": 0.5} (weights need not add up to 100)."""
    out: dict[str, float] = {}
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    if not parts:
        raise ValueError("--mix: give OP=WEIGHT,... e.g. put=50,get=50")
    for p in parts:
        name, sep, w = p.partition("=")
        name = name.strip()
        if name not in OPERATIONS:
            raise ValueError(f"--mix: unknown operation {name!r}: choose from {', '.join(OP_NAMES)}")
        try:
            weight = float(w) if sep else 1.0
        except ValueError:
            raise ValueError(f"--mix: {p!r}: the weight must be a number, e.g. {name}=50") from None
        if weight < 0:
            raise ValueError(f"--mix: {p!r}: weights cannot be negative")
        out[name] = out.get(name, 0.0) + weight
    total = sum(out.values())
    if total <= 0:
        raise ValueError("--mix: the weights add up to 0")
    return {k: v / total for k, v in out.items() if v > 0}


def format_mix(mix: dict[str, float]) -> str:
    return ",".join(f"{k}={v * 100:g}" for k, v in mix.items())


def needs_records(mix: dict[str, float]) -> bool:
    """True when the mix touches existing records (so a load phase must write them first)."""
    return any(name != "insert" for name in mix)


# --------------------------------------------------------------------- items
class ItemSource:
    """Record index -> DynamoDB-JSON item / key, from a `Workload` (optionally resized)."""

    def __init__(self, workload: Any, sizes: SizeDist | None = None, seed: int = 42):
        self.workload = workload
        self.sizes = sizes
        self.seed = seed
        self.key_name: str = workload.key_name

    def item(self, i: int) -> dict[str, Any]:
        it: dict[str, Any] = workload_item(self.workload, i)
        if self.sizes is not None:
            it = resize(it, self.sizes.sample(random.Random(self.seed * 7_919 + i)))
        return it

    def key(self, i: int) -> dict[str, Any]:
        key = getattr(self.workload, "key", None)  # the workload's key(i): no item built
        if key is not None:
            return key(i)  # type: ignore[no-any-return]
        return {self.key_name: workload_item(self.workload, i)[self.key_name]}


def workload_item(workload: Any, i: int) -> dict[str, Any]:
    """Item number i of the workload, in DynamoDB JSON (the workload's own generator)."""
    one = getattr(workload, "ddb_item", None)
    item: dict[str, Any] = one(i) if one is not None else workload.ddb_items(1, i)[0]
    return item


def resize(item: dict[str, Any], target: int) -> dict[str, Any]:
    """The item with a `padding` string making it about `target` bytes (never smaller)."""
    base = {k: v for k, v in item.items() if k != "padding"}
    size = item_size(base) + len("padding")
    if target > size:
        base["padding"] = {"S": "x" * (target - size)}
    return base


# ---------------------------------------------------------------------- plan
class InsertCounter:
    """Indices for new records: start, start+step, ... (thread-safe; step = worker count)."""

    def __init__(self, start: int, step: int = 1):
        self._next = start
        self.step = step
        self._lock = threading.Lock()
        self.issued = 0

    def take(self) -> int:
        with self._lock:
            v = self._next
            self._next += self.step
            self.issued += 1
            return v


@dataclass
class Request:
    api: str
    body: dict[str, Any]


@dataclass
class Op:
    name: str
    requests: list[Request]
    items: int = 1   # items this operation touches (for items/s)
    # For rmw: the update is built after the read answered
    follow_up: Callable[[], Request] | None = None


@dataclass
class Plan:
    """What a mixed run does: the mix, the key distribution, the items; builds requests."""
    table: str
    mix: dict[str, float]
    keys: KeyChooser
    source: ItemSource
    records: int
    inserts: InsertCounter
    capacity_mode: str = "TOTAL"   # or "INDEXES"
    _names: list[str] = field(default_factory=list, init=False)
    _cum: list[float] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        acc = 0.0
        for name, w in self.mix.items():
            acc += w
            self._names.append(name)
            self._cum.append(acc)

    @classmethod
    def build(cls, table: str, workload: Any, *, mix: str, keys: str, records: int,
              sizes: SizeDist | None = None, seed: int = 42, worker: int = 0, workers: int = 1,
              capacity_mode: str = "TOTAL") -> "Plan":
        m = parse_mix(mix)
        n = max(records, 1)
        source = ItemSource(workload, sizes, seed)
        source.item(0)  # the workload's first item builds its Faker pools: setup, not the measured window
        return cls(table, m, parse_keys(keys, n), source, records,
                   InsertCounter(records + worker, max(workers, 1)), capacity_mode)

    def choose(self, rng: random.Random) -> str:
        if len(self._names) == 1:
            return self._names[0]
        i = bisect.bisect_right(self._cum, rng.random() * self._cum[-1])
        return self._names[min(i, len(self._names) - 1)]

    def _index(self, rng: random.Random) -> int:
        count = self.records + self.inserts.issued * self.inserts.step
        return self.keys.next(rng, count if self.keys.name == "latest" else None)

    def _distinct(self, rng: random.Random, k: int) -> list[int]:
        k = min(k, max(self.records, 1))
        seen: dict[int, None] = {}
        tries = 0
        while len(seen) < k and tries < k * 20:
            seen[self._index(rng)] = None
            tries += 1
        i = 0
        while len(seen) < k:  # a very skewed distribution: fill with neighbours
            seen[i % max(self.records, 1)] = None
            i += 1
        return list(seen)

    def _req(self, api: str, body: dict[str, Any]) -> Request:
        body["ReturnConsumedCapacity"] = self.capacity_mode
        return Request(api, body)

    def next_op(self, rng: random.Random) -> Op:
        name = self.choose(rng)
        t, src = self.table, self.source
        if name == "insert":
            return Op(name, [self._req("PutItem", {"TableName": t, "Item": src.item(self.inserts.take())})])
        if name == "put":
            return Op(name, [self._req("PutItem", {"TableName": t, "Item": src.item(self._index(rng))})])
        if name in ("get", "get-strong"):
            body: dict[str, Any] = {"TableName": t, "Key": src.key(self._index(rng))}
            if name == "get-strong":
                body["ConsistentRead"] = True
            return Op(name, [self._req("GetItem", body)])
        if name == "query":
            key = src.key(self._index(rng))
            kn = src.key_name
            return Op(name, [self._req("Query", {
                "TableName": t, "KeyConditionExpression": "#k = :k",
                "ExpressionAttributeNames": {"#k": kn}, "ExpressionAttributeValues": {":k": key[kn]}})])
        if name == "update":
            return Op(name, [self._req("UpdateItem", self._update_body(self._index(rng)))])
        if name == "delete":
            return Op(name, [self._req("DeleteItem", {"TableName": t, "Key": src.key(self._index(rng))})])
        if name == "batch-get":
            keys = [src.key(i) for i in self._distinct(rng, BATCH_GET_KEYS)]
            return Op(name, [self._req("BatchGetItem", {"RequestItems": {t: {"Keys": keys}}})], items=len(keys))
        if name == "scan":
            start = self._index(rng)
            length = rng.randint(1, SCAN_MAX)
            idx = sorted({(start + j) % max(self.records, 1) for j in range(length)})
            keys = [src.key(i) for i in idx]
            return Op(name, [self._req("BatchGetItem", {"RequestItems": {t: {"Keys": keys}}})], items=len(keys))
        if name == "batch-write":
            idx = self._distinct(rng, BATCH_WRITE_ITEMS)
            reqs = [{"PutRequest": {"Item": src.item(i)}} for i in idx]
            return Op(name, [self._req("BatchWriteItem", {"RequestItems": {t: reqs}})], items=len(reqs))
        if name == "transact-write":
            idx = self._distinct(rng, TRANSACT_ITEMS)
            acts = [{"Put": {"TableName": t, "Item": src.item(i)}} for i in idx]
            return Op(name, [self._req("TransactWriteItems", {"TransactItems": acts})], items=len(acts))
        if name == "rmw":
            i = self._index(rng)
            get = self._req("GetItem", {"TableName": t, "Key": src.key(i)})
            return Op(name, [get], follow_up=lambda: self._req("UpdateItem", self._update_body(i)))
        raise ValueError(f"unknown operation {name}")  # pragma: no cover - parse_mix checks

    def _update_body(self, i: int) -> dict[str, Any]:
        return {"TableName": self.table, "Key": self.source.key(i), "UpdateExpression": "ADD #c :one",
                "ExpressionAttributeNames": {"#c": COUNTER_ATTR}, "ExpressionAttributeValues": {":one": {"N": "1"}}}


# ----------------------------------------------------------------- capacity
def consumed(api: str, resp: dict[str, Any]) -> tuple[float, float]:
    """(read units, write units) a response reports in ConsumedCapacity (0, 0 when absent).

    TOTAL answers carry CapacityUnits (and, from AWS, Read/WriteCapacityUnits); the split
    falls back to the API's kind. Batch and transaction answers carry one entry per table.
    """
    cc = resp.get("ConsumedCapacity") if isinstance(resp, dict) else None
    if not cc:
        return 0.0, 0.0
    entries = cc if isinstance(cc, list) else [cc]
    r = w = 0.0
    reads = api in READ_APIS
    for e in entries:
        rcu, wcu = e.get("ReadCapacityUnits"), e.get("WriteCapacityUnits")
        if rcu is not None or wcu is not None:
            r += float(rcu or 0.0)
            w += float(wcu or 0.0)
        elif reads:
            r += float(e.get("CapacityUnits") or 0.0)
        else:
            w += float(e.get("CapacityUnits") or 0.0)
    return r, w


def unprocessed(api: str, body: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any] | None:
    """The body to resend for a batch answer's UnprocessedItems / UnprocessedKeys, or None."""
    if api == "BatchWriteItem":
        left = resp.get("UnprocessedItems") or {}
        if any(left.values()):
            return {**body, "RequestItems": left}
    elif api == "BatchGetItem":
        left = resp.get("UnprocessedKeys") or {}
        if any((v or {}).get("Keys") for v in left.values()):
            return {**body, "RequestItems": left}
    return None


def snake(api: str) -> str:
    """'BatchWriteItem' -> 'batch_write_item' (boto3's method name)."""
    out = []
    for i, ch in enumerate(api):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def load_batches(source: ItemSource, records: int, start: int = 0) -> list[list[dict[str, Any]]]:
    """The load phase's items, BATCH_WRITE_ITEMS per BatchWriteItem."""
    out: list[list[dict[str, Any]]] = []
    for s in range(start, records, BATCH_WRITE_ITEMS):
        out.append([source.item(i) for i in range(s, min(records, s + BATCH_WRITE_ITEMS))])
    return out
