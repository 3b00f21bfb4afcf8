"""An AWS capacity model for the proxy (`--capacity-model aws`): throttle like DynamoDB does.

No local engine throttles. With this model the proxy admits or throttles each data-plane
request from the table's capacity (read from DescribeTable on the target) and answers a
throttled one in DynamoDB's exact wire format, `ThrottlingReasons` included. Each rule cites
the Amazon DynamoDB Developer Guide page it implements (https://docs.aws.amazon.com/
amazondynamodb/latest/developerguide/<page>):

- Consumption (CapacityUnitCalculations.html "DynamoDB item sizes and formats";
  provisioned-capacity-mode.html / on-demand-capacity-mode.html "read/write request units"):
  item size = sum of attribute name + value sizes (strings UTF-8 bytes, numbers 1 byte per
  two significant digits + 1, binary raw bytes, null/bool 1, list/map 3 + 1 per element);
  1 WCU per 1 KB written (rounded up), 1 RCU per 4 KB strongly consistent read, half for
  eventually consistent; transactional reads/writes cost 2x (transaction-apis.html
  "Capacity management for transactions"); a batch costs the sum of its items. The proxy
  also asks the engine for ReturnConsumedCapacity=INDEXES (DynamoDB Local 3.3 computes it
  as AWS does, GSI writes and Query/Scan bytes included) and settles each request with the
  engine's figure, hiding it from a client that did not ask.
- Provisioned tables (burst-adaptive-capacity.html "Burst capacity"): a token bucket per
  table and per GSI filled at the provisioned RCU/WCU per second, keeping up to 300 s of
  unused capacity (burst). Throttle reasons Table|Index + Read|Write +
  ProvisionedThroughputExceeded.
- Partitions (bp-partition-key-design.html, burst-adaptive-capacity.html "Adaptive
  capacity"): each partition serves at most 3,000 RCU and 1,000 WCU per second; a table has
  max(ceil(RCU/3000 + WCU/1000), ceil(size/10 GB)) partitions; a partition key value maps to
  one partition (hash), so a hot key is throttled at 1,000 WCU/s even when the table has
  spare capacity: reason ...KeyRangeThroughputExceeded. Adaptive capacity is modelled as
  instant (each partition may use up to its ceiling as long as the table has capacity).
- GSI back-pressure (GSI.ThroughputConsiderations.html): a base-table write that updates a
  provisioned GSI whose bucket is empty is throttled with IndexWriteProvisionedThroughputExceeded
  naming the index ARN.
- On-demand tables (on-demand-capacity-mode.html "Initial throughput and scaling
  properties", pre-warming-on-demand-capacity-mode.html): a new table sustains 4,000
  writes/s and 12,000 reads/s (or its WarmThroughput), and up to double its previous peak;
  a new peak becomes the "previous peak" only after 30 minutes (more than double within
  30 minutes is throttled). Per-partition limits apply too (partitions = allowed WCU/1000 +
  RCU/3000). OnDemandThroughput MaxRead/WriteRequestUnits (on-demand-capacity-mode-max-
  throughput.html) cap the table: ...MaxOnDemandThroughputExceeded.
- Wire format (troubleshooting-throttling-diagnostics.html "DynamoDB throttling resolution
  guide", throttling-diagnosing-workflow.html; API_ThrottlingReason.html): reasons
  Table|Index + Read|Write + ProvisionedThroughputExceeded | KeyRangeThroughputExceeded |
  MaxOnDemandThroughputExceeded | AccountLimitExceeded; resource = the table ARN or
  `<table ARN>/index/<name>`. ProvisionedThroughputExceeded and KeyRange reasons come in a
  ProvisionedThroughputExceededException (member `ThrottlingReasons`), MaxOnDemand in a
  ThrottlingException (member `throttlingReasons`, as botocore's model spells it).

`time_scale` divides the long windows (300 s burst, 30 min peak rule) so a test sees them in
seconds; rates stay per real second. The model is pure: every method takes `now` (seconds,
any monotonic origin), so unit tests drive it with a fake clock.
- Account quotas (ServiceQuotas.html "Throughput default quotas"; throttling-account-limit-
  exceeded-mitigation.html): an on-demand table without its own OnDemandThroughput maximum is
  held to the per-table account quota, 40,000 read and 40,000 write request units per second
  by default: Table + Read|Write + AccountLimitExceeded in a RequestLimitExceeded exception.
- Decreasing provisioned throughput (ServiceQuotas.html "Decreasing provisioned
  throughput"): up to 4 decreases of a table's (or its GSIs') RCU/WCU at any time in a UTC
  day, then one more only when there was none in the past hour (27 a day at most); a further
  UpdateTable is refused with LimitExceededException naming the count and the next allowed time.
Not modelled: the per-account provisioned total (80,000 RCU/WCU across tables), exact
adaptive-capacity and split-for-heat timing, LSIs.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["BURST_SECONDS", "CapacityModel", "bucket_levels", "explain_capacity", "reason_group", "throttles_by_group", "PARTITION_RCU", "PARTITION_WCU", "TableCapacity", "Throttle",
           "item_size", "partitions_for", "read_units", "table_from_describe", "write_units"]

# ---------------------------------------------------------------- documented numbers
KB = 1024
WRITE_UNIT_BYTES = 1 * KB  # CapacityUnitCalculations.html / provisioned-capacity-mode.html
READ_UNIT_BYTES = 4 * KB
BURST_SECONDS = 300.0  # burst-adaptive-capacity.html: up to 5 minutes of unused capacity
PARTITION_RCU = 3000.0  # bp-partition-key-design.html: per-partition ceiling
PARTITION_WCU = 1000.0
PARTITION_BYTES = 10 * 1024 ** 3  # 10 GB per partition
ON_DEMAND_INITIAL_WRITE = 4000.0  # on-demand-capacity-mode.html: new table 4,000 writes/s
ON_DEMAND_INITIAL_READ = 12000.0  # ... and 12,000 reads/s
PEAK_WINDOW_SECONDS = 30 * 60.0  # pre-warming-on-demand-capacity-mode.html: "within the same 30 minutes"
TRANSACTION_FACTOR = 2.0  # transaction-apis.html: two underlying reads/writes per item
ACCOUNT_TABLE_READ = 40000.0  # ServiceQuotas.html "Throughput default quotas": per table, on-demand,
ACCOUNT_TABLE_WRITE = 40000.0  # 40,000 read request units and 40,000 write request units (adjustable)
DECREASES_ANYTIME = 4  # ServiceQuotas.html "Decreasing provisioned throughput": 4 decreases any time in a UTC day,
DECREASE_SPACING_SECONDS = 3600.0  # then one more when there was none in the past hour,
MAX_DECREASES_PER_DAY = 27  # "effectively ... 27 times" (4 in the first hour, then 1 per hour)
DAY_SECONDS = 86400.0

WRITE_OPS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
READ_OPS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
MODELLED_OPS = WRITE_OPS | READ_OPS

_DDB = "com.amazonaws.dynamodb.v20120810#"
EXCEPTIONS = {  # limit type -> (__type, member holding the reasons, message)
    "ProvisionedThroughputExceeded": (
        _DDB + "ProvisionedThroughputExceededException", "ThrottlingReasons",
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API."),
    "KeyRangeThroughputExceeded": (
        _DDB + "ProvisionedThroughputExceededException", "ThrottlingReasons",
        "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically "
        "scaling your table or index so please try again shortly."),
    "MaxOnDemandThroughputExceeded": (
        _DDB + "ThrottlingException", "throttlingReasons",
        "Throughput exceeds the maximum OnDemandThroughput configured on table or index."),
    "AccountLimitExceeded": (
        _DDB + "RequestLimitExceeded", "ThrottlingReasons",
        "Throughput exceeds the current throughput limit for your account. Please contact AWS Support at "
        "https://aws.amazon.com/support request a limit increase"),
}


# ---------------------------------------------------------------- sizes and units
def _number_size(text: str) -> int:
    """1 byte per two significant digits + 1 (leading/trailing zeros trimmed)."""
    try:
        d = Decimal(text)
    except InvalidOperation:
        return len(text)
    digits = d.as_tuple().digits
    s = "".join(str(x) for x in digits).strip("0") or "0"
    return (len(s) + 1) // 2 + 1


def value_size(v: Any) -> int:
    """Size of one AttributeValue (wire JSON form, e.g. {"S": "x"}), without its name."""
    if not isinstance(v, dict) or len(v) != 1:
        return 0
    (t, x), = v.items()
    if t == "S":
        return len(str(x).encode())
    if t == "N":
        return _number_size(str(x))
    if t == "B":
        return len(x) * 3 // 4 - (str(x).count("=") if x else 0)  # raw bytes of base64
    if t in ("BOOL", "NULL"):
        return 1
    if t == "SS":
        return sum(len(str(e).encode()) for e in x)
    if t == "NS":
        return sum(_number_size(str(e)) for e in x)
    if t == "BS":
        return sum(len(e) * 3 // 4 - str(e).count("=") for e in x)
    if t == "L":
        return 3 + sum(value_size(e) + 1 for e in x)
    if t == "M":
        return 3 + sum(len(k.encode()) + value_size(e) + 1 for k, e in x.items())
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    """Bytes of an item as DynamoDB counts them (CapacityUnitCalculations.html)."""
    if not item:
        return 0
    return sum(len(k.encode()) + value_size(v) for k, v in item.items())


def write_units(size: int) -> float:
    """WCU for one write: 1 per 1 KB, rounded up, at least 1."""
    return float(max(1, math.ceil(size / WRITE_UNIT_BYTES)))


def read_units(size: int, consistent: bool) -> float:
    """RCU for one read: 1 per 4 KB (rounded up, at least 1), half when eventually consistent."""
    u = max(1, math.ceil(size / READ_UNIT_BYTES))
    return float(u) if consistent else u / 2.0


def partitions_for(rcu: float, wcu: float, size_bytes: int = 0) -> int:
    return max(1, math.ceil(rcu / PARTITION_RCU + wcu / PARTITION_WCU - 1e-9),
               math.ceil(size_bytes / PARTITION_BYTES))


# ---------------------------------------------------------------- buckets
@dataclass
class Bucket:
    """Tokens refilled at `rate`/s up to `depth` seconds of it (burst)."""

    rate: float
    depth_s: float
    level: float
    t: float

    @property
    def capacity(self) -> float:
        return self.rate * self.depth_s

    def refill(self, now: float) -> None:
        if now > self.t:
            self.level = min(self.capacity, self.level + self.rate * (now - self.t))
            self.t = now

    def has(self, n: float, now: float) -> bool:
        self.refill(now)
        return self.level >= min(n, self.capacity) - 1e-9 and self.level > 0

    def take(self, n: float, now: float) -> None:
        self.refill(now)
        self.level -= n  # may go below 0: settled consumption larger than admitted is a debt

    def retune(self, rate: float, depth_s: float, now: float) -> None:
        self.refill(now)
        self.rate, self.depth_s = rate, depth_s
        self.level = min(self.level, self.capacity)


def _bucket(rate: float, depth_s: float, now: float, full: bool = False) -> Bucket:
    # a new provisioned bucket starts with one second of capacity (no unused capacity yet)
    return Bucket(rate, depth_s, rate * (depth_s if full else min(1.0, depth_s)), now)


@dataclass
class PeakTracker:
    """On-demand 'previous peak': per-second consumption windows; a window's peak counts once
    it is older than the 30-minute window (scaled)."""

    established: float  # units/s that count as the previous peak
    window_s: float
    cur_start: float
    cur_units: float = 0.0
    pending: list[tuple[float, float]] = field(default_factory=list)  # (window end, units/s)

    def add(self, units: float, now: float) -> None:
        self._roll(now)
        self.cur_units += units

    def _roll(self, now: float) -> None:
        if now - self.cur_start >= 1.0:
            if self.cur_units > self.established:
                self.pending.append((self.cur_start + 1.0, self.cur_units))
            self.cur_start += math.floor(now - self.cur_start)
            self.cur_units = 0.0
        keep = []
        for end, u in self.pending:
            if now - end >= self.window_s:
                self.established = max(self.established, u)
            elif u > self.established:
                keep.append((end, u))
        self.pending = keep

    def allowed(self, floor: float, now: float) -> float:
        self._roll(now)
        return max(floor, 2.0 * self.established)


# ---------------------------------------------------------------- tables
@dataclass
class IndexCapacity:
    name: str
    arn: str
    hash_key: str
    rcu: float = 0.0
    wcu: float = 0.0
    read: Bucket | None = None
    write: Bucket | None = None


@dataclass
class TableCapacity:
    name: str
    arn: str
    mode: str  # PROVISIONED | PAY_PER_REQUEST
    hash_key: str
    rcu: float = 0.0
    wcu: float = 0.0
    size_bytes: int = 0
    max_read: float = 0.0  # OnDemandThroughput; 0 / -1 = none
    max_write: float = 0.0
    warm_read: float = 0.0
    warm_write: float = 0.0
    indexes: dict[str, IndexCapacity] = field(default_factory=dict)
    # state
    read: Bucket | None = None
    write: Bucket | None = None
    max_read_bucket: Bucket | None = None
    max_write_bucket: Bucket | None = None
    account_read_bucket: Bucket | None = None  # on-demand without its own maximum: the account quota
    account_write_bucket: Bucket | None = None
    decreases: list[float] = field(default_factory=list)  # epoch seconds (UTC) of capacity decreases
    part_read: dict[int, Bucket] = field(default_factory=dict)
    part_write: dict[int, Bucket] = field(default_factory=dict)
    peak_read: PeakTracker | None = None
    peak_write: PeakTracker | None = None

    @property
    def on_demand(self) -> bool:
        return self.mode == "PAY_PER_REQUEST"


def table_from_describe(desc: dict[str, Any]) -> TableCapacity:
    """The modelled capacity of a table from a DescribeTable response's `Table`."""
    t = desc.get("Table", desc)
    name = t["TableName"]
    arn = t.get("TableArn") or f"arn:aws:dynamodb:ddblocal:000000000000:table/{name}"
    mode = (t.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
    pt = t.get("ProvisionedThroughput") or {}
    if mode == "PROVISIONED" and not pt.get("WriteCapacityUnits") and not pt.get("ReadCapacityUnits"):
        mode = "PAY_PER_REQUEST"  # engines that report 0/0 for on-demand tables
    hash_key = next((k["AttributeName"] for k in t.get("KeySchema", []) if k.get("KeyType") == "HASH"), "")
    odt = t.get("OnDemandThroughput") or {}
    warm = t.get("WarmThroughput") or {}
    tc = TableCapacity(name=name, arn=arn, mode=mode, hash_key=hash_key,
                       rcu=float(pt.get("ReadCapacityUnits") or 0), wcu=float(pt.get("WriteCapacityUnits") or 0),
                       size_bytes=int(t.get("TableSizeBytes") or 0),
                       max_read=float(odt.get("MaxReadRequestUnits") or 0),
                       max_write=float(odt.get("MaxWriteRequestUnits") or 0),
                       warm_read=float(warm.get("ReadUnitsPerSecond") or 0),
                       warm_write=float(warm.get("WriteUnitsPerSecond") or 0))
    for g in t.get("GlobalSecondaryIndexes") or []:
        gpt = g.get("ProvisionedThroughput") or {}
        gh = next((k["AttributeName"] for k in g.get("KeySchema", []) if k.get("KeyType") == "HASH"), "")
        tc.indexes[g["IndexName"]] = IndexCapacity(
            g["IndexName"], g.get("IndexArn") or f"{arn}/index/{g['IndexName']}", gh,
            float(gpt.get("ReadCapacityUnits") or 0), float(gpt.get("WriteCapacityUnits") or 0))
    return tc


@dataclass(frozen=True)
class Throttle:
    """A throttled request: the exception and its ThrottlingReasons."""

    limit: str  # ProvisionedThroughputExceeded | KeyRangeThroughputExceeded | MaxOnDemandThroughputExceeded
    reasons: tuple[tuple[str, str], ...]  # (reason, resource ARN)

    @property
    def reason(self) -> str:
        return self.reasons[0][0]

    def body(self) -> bytes:
        typ, member, msg = EXCEPTIONS[self.limit]
        return json.dumps({"__type": typ, "message": msg,
                           member: [{"reason": r, "resource": a} for r, a in self.reasons]},
                          separators=(",", ":")).encode()


def _utc_text(epoch: float) -> str:
    """DynamoDB's date format in LimitExceededException messages, e.g.
    'Wednesday, November 25, 2026 7:12:01 AM UTC'."""
    d = datetime.fromtimestamp(epoch, timezone.utc)
    return f"{d:%A, %B} {d.day}, {d.year} {d.hour % 12 or 12}:{d:%M:%S %p} UTC"


def _key_value(item: dict[str, Any] | None, attr: str) -> str | None:
    if not item or attr not in item:
        return None
    return json.dumps(item[attr], sort_keys=True, separators=(",", ":"))


def partition_of(key: str, partitions: int) -> int:
    """Stable hash partition for a partition-key value (canonical JSON of its AttributeValue)."""
    return int.from_bytes(hashlib.md5(key.encode()).digest()[:8], "big") % partitions


@dataclass
class Charge:
    """What one request (or one batch item) would consume on one table."""

    table: str
    units: float
    write: bool
    key: str | None  # canonical partition-key value, when known
    index_units: dict[str, float] = field(default_factory=dict)


class CapacityModel:
    """The pure model: tables, buckets, decisions. Thread-unsafe; the server serializes."""

    def __init__(self, time_scale: float = 1.0, account_table_read: float = ACCOUNT_TABLE_READ,
                 account_table_write: float = ACCOUNT_TABLE_WRITE) -> None:
        self.time_scale = float(time_scale)
        self.account_table_read = float(account_table_read)
        self.account_table_write = float(account_table_write)
        self.tables: dict[str, TableCapacity] = {}
        self.throttled: dict[str, int] = {}
        self.admitted = 0
        self.refused_decreases = 0  # UpdateTable decreases refused (LimitExceededException), not throttles

    @property
    def burst_s(self) -> float:
        return max(1.0, BURST_SECONDS / self.time_scale)

    @property
    def peak_window_s(self) -> float:
        return PEAK_WINDOW_SECONDS / self.time_scale

    # ---- tables
    def set_table(self, desc: dict[str, Any], now: float) -> TableCapacity:
        """Add or update a table from DescribeTable; an UpdateTable's new capacity takes effect
        here (buckets keep their level, capped at the new burst)."""
        new = table_from_describe(desc)
        old = self.tables.get(new.name)
        if old is not None and old.mode == new.mode:
            for a in ("rcu", "wcu", "size_bytes", "max_read", "max_write", "warm_read", "warm_write"):
                setattr(old, a, getattr(new, a))
            for n, g in new.indexes.items():
                og = old.indexes.get(n)
                if og is None:
                    old.indexes[n] = g
                else:
                    og.rcu, og.wcu = g.rcu, g.wcu
            for n in set(old.indexes) - set(new.indexes):
                del old.indexes[n]
            tc = old
        else:
            tc = new
            self.tables[tc.name] = tc
        self._tune(tc, now)
        return tc

    def _tune(self, tc: TableCapacity, now: float) -> None:
        if tc.on_demand:
            if tc.peak_write is None:
                tc.peak_write = PeakTracker(max(ON_DEMAND_INITIAL_WRITE, tc.warm_write) / 2, self.peak_window_s, now)
                tc.peak_read = PeakTracker(max(ON_DEMAND_INITIAL_READ, tc.warm_read) / 2, self.peak_window_s, now)
            tc.read = tc.write = None
            tc.max_write_bucket = _bucket(tc.max_write, 1.0, now, True) if tc.max_write > 0 else None
            tc.max_read_bucket = _bucket(tc.max_read, 1.0, now, True) if tc.max_read > 0 else None
            # the per-table account quota applies when the table has no maximum of its own
            tc.account_write_bucket = (_bucket(self.account_table_write, 1.0, now, True)
                                       if tc.max_write <= 0 else None)
            tc.account_read_bucket = (_bucket(self.account_table_read, 1.0, now, True)
                                      if tc.max_read <= 0 else None)
        else:
            for attr, rate in (("read", tc.rcu), ("write", tc.wcu)):
                b = getattr(tc, attr)
                if b is None:
                    setattr(tc, attr, _bucket(rate, self.burst_s, now))
                else:
                    b.retune(rate, self.burst_s, now)
            for g in tc.indexes.values():
                if g.write is None:
                    g.write, g.read = _bucket(g.wcu, self.burst_s, now), _bucket(g.rcu, self.burst_s, now)
                else:
                    g.write.retune(g.wcu, self.burst_s, now)
                    assert g.read is not None
                    g.read.retune(g.rcu, self.burst_s, now)

    def partitions(self, tc: TableCapacity, now: float) -> int:
        if tc.on_demand:
            assert tc.peak_read is not None and tc.peak_write is not None
            r = tc.peak_read.allowed(max(ON_DEMAND_INITIAL_READ, tc.warm_read), now)
            w = tc.peak_write.allowed(max(ON_DEMAND_INITIAL_WRITE, tc.warm_write), now)
            return partitions_for(r, w, tc.size_bytes)
        return partitions_for(tc.rcu, tc.wcu, tc.size_bytes)

    def _partition_bucket(self, tc: TableCapacity, write: bool, key: str, now: float) -> Bucket:
        p = partition_of(key, self.partitions(tc, now))
        parts = tc.part_write if write else tc.part_read
        b = parts.get(p)
        if b is None:
            b = parts[p] = _bucket(PARTITION_WCU if write else PARTITION_RCU, 1.0, now, True)
        return b

    def _on_demand_bucket(self, tc: TableCapacity, write: bool, now: float) -> Bucket:
        """The doubling rule as a bucket: rate = max(initial, 2 x previous peak), 1 s deep."""
        peak = tc.peak_write if write else tc.peak_read
        assert peak is not None
        floor = max(ON_DEMAND_INITIAL_WRITE, tc.warm_write) if write else max(ON_DEMAND_INITIAL_READ, tc.warm_read)
        rate = peak.allowed(floor, now)
        attr = "write" if write else "read"
        b: Bucket | None = getattr(tc, attr)
        if b is None:
            b = _bucket(rate, 1.0, now, True)
            setattr(tc, attr, b)
        elif b.rate != rate:
            b.retune(rate, 1.0, now)
        return b

    # ---- decisions
    def check(self, charges: list[Charge], now: float) -> Throttle | None:
        """Whether all these charges fit; consume them if so. None = admitted."""
        rw = {True: "Write", False: "Read"}
        for c in charges:
            tc = self.tables.get(c.table)
            if tc is None:
                continue
            op = rw[c.write]
            if tc.on_demand:
                mb = tc.max_write_bucket if c.write else tc.max_read_bucket
                if mb is not None and not mb.has(c.units, now):
                    return self._throttled("MaxOnDemandThroughputExceeded", f"Table{op}MaxOnDemandThroughputExceeded",
                                           tc.arn)
                ab = tc.account_write_bucket if c.write else tc.account_read_bucket
                if ab is not None and not ab.has(c.units, now):
                    return self._throttled("AccountLimitExceeded", f"Table{op}AccountLimitExceeded", tc.arn)
                if not self._on_demand_bucket(tc, c.write, now).has(c.units, now):
                    # more than double the previous peak: AWS serves it by splitting partitions,
                    # which has not happened yet -> a partition-level (key range) throttle
                    return self._throttled("KeyRangeThroughputExceeded", f"Table{op}KeyRangeThroughputExceeded",
                                           tc.arn)
            else:
                b = tc.write if c.write else tc.read
                if b is not None and not b.has(c.units, now):
                    return self._throttled("ProvisionedThroughputExceeded",
                                           f"Table{op}ProvisionedThroughputExceeded", tc.arn)
            if c.key is not None and not self._partition_bucket(tc, c.write, c.key, now).has(c.units, now):
                return self._throttled("KeyRangeThroughputExceeded", f"Table{op}KeyRangeThroughputExceeded", tc.arn)
            for iname, u in c.index_units.items():
                g = tc.indexes.get(iname)
                gb = None if g is None or tc.on_demand else g.write
                if g is not None and gb is not None and not gb.has(u, now):
                    return self._throttled("ProvisionedThroughputExceeded",
                                           "IndexWriteProvisionedThroughputExceeded", g.arn)
        for c in charges:
            self.consume(c, now)
        self.admitted += 1
        return None

    def consume(self, c: Charge, now: float) -> None:
        """Take `c.units` (may be negative: a refund when the settled cost was lower)."""
        tc = self.tables.get(c.table)
        if tc is None or not c.units and not c.index_units:
            return
        if tc.on_demand:
            self._on_demand_bucket(tc, c.write, now).take(c.units, now)
            peak = tc.peak_write if c.write else tc.peak_read
            assert peak is not None
            peak.add(c.units, now)
            for lb in ((tc.max_write_bucket, tc.account_write_bucket) if c.write
                       else (tc.max_read_bucket, tc.account_read_bucket)):
                if lb is not None:
                    lb.take(c.units, now)
        else:
            b = tc.write if c.write else tc.read
            if b is not None:
                b.take(c.units, now)
        if c.key is not None:
            self._partition_bucket(tc, c.write, c.key, now).take(c.units, now)
        if not tc.on_demand:
            for iname, u in c.index_units.items():
                g = tc.indexes.get(iname)
                if g is not None and g.write is not None:
                    g.write.take(u, now)

    def _throttled(self, limit: str, reason: str, arn: str) -> Throttle:
        self.throttled[reason] = self.throttled.get(reason, 0) + 1
        return Throttle(limit, ((reason, arn),))

    # ---- UpdateTable: the daily limit on provisioned-capacity decreases
    @property
    def decrease_spacing_s(self) -> float:
        return DECREASE_SPACING_SECONDS / self.time_scale

    def is_decrease(self, req: dict[str, Any]) -> bool:
        """Whether an UpdateTable request lowers the RCU or WCU of a modelled provisioned
        table or of one of its GSIs (a switch of billing mode is not a decrease)."""
        tc = self.tables.get(str(req.get("TableName", "")))
        if tc is None or tc.on_demand:
            return False

        def lower(new: Any, old: float) -> bool:
            return isinstance(new, (int, float)) and not isinstance(new, bool) and new < old

        pt = req.get("ProvisionedThroughput") or {}
        if lower(pt.get("ReadCapacityUnits"), tc.rcu) or lower(pt.get("WriteCapacityUnits"), tc.wcu):
            return True
        for u in req.get("GlobalSecondaryIndexUpdates") or []:
            upd = (u or {}).get("Update") or {}
            g = tc.indexes.get(str(upd.get("IndexName", "")))
            gpt = upd.get("ProvisionedThroughput") or {}
            if g is not None and (lower(gpt.get("ReadCapacityUnits"), g.rcu)
                                  or lower(gpt.get("WriteCapacityUnits"), g.wcu)):
                return True
        return False

    def decreases_today(self, table: str, wall_now: float) -> list[float]:
        tc = self.tables.get(table)
        day = math.floor(wall_now / DAY_SECONDS)
        return sorted(t for t in (tc.decreases if tc else []) if math.floor(t / DAY_SECONDS) == day)

    def next_decrease_at(self, table: str, wall_now: float) -> float | None:
        """When the next decrease of this table is allowed (epoch seconds); None = now."""
        today = self.decreases_today(table, wall_now)
        if len(today) < DECREASES_ANYTIME:
            return None
        nxt = today[-1] + self.decrease_spacing_s
        if nxt <= wall_now:
            return None
        return min(nxt, (math.floor(wall_now / DAY_SECONDS) + 1) * DAY_SECONDS)  # a new UTC day resets

    def decrease_refusal(self, table: str, wall_now: float) -> bytes | None:
        """The LimitExceededException body refusing a decrease now, or None when allowed."""
        nxt = self.next_decrease_at(table, wall_now)
        if nxt is None:
            return None
        today = self.decreases_today(table, wall_now)
        msg = ("Subscriber limit exceeded: Provisioned throughput decreases are limited within a given UTC day. "
               f"After the first {DECREASES_ANYTIME} decreases, each subsequent decrease in the same UTC day can be "
               f"performed at most once every {self.decrease_spacing_s:g} seconds. "
               f"Number of decreases today: {len(today)}. Last decrease at {_utc_text(today[-1])}. "
               f"Next decrease can be made at {_utc_text(nxt)}")
        self.refused_decreases += 1
        return json.dumps({"__type": _DDB + "LimitExceededException", "message": msg}).encode()

    def record_decrease(self, table: str, wall_now: float) -> None:
        tc = self.tables.get(table)
        if tc is not None:
            day = math.floor(wall_now / DAY_SECONDS)
            tc.decreases = [t for t in tc.decreases if math.floor(t / DAY_SECONDS) == day] + [wall_now]

    # ---- what a request costs (before the engine answers)
    def charges(self, op: str, req: dict[str, Any]) -> list[Charge]:
        """Estimated charges of one request, per table (item, partition key, GSI writes).
        Writes of a full item (PutItem) are exact; others are settled from the engine's
        ConsumedCapacity after the answer."""
        out: list[Charge] = []
        if op in ("PutItem", "UpdateItem", "DeleteItem"):
            out.append(self._write_charge(req.get("TableName", ""), req.get("Item"), req.get("Key")))
        elif op == "GetItem":
            out.append(self._read_charge(req.get("TableName", ""), req.get("Key"), bool(req.get("ConsistentRead"))))
        elif op in ("Query", "Scan"):
            out.append(Charge(req.get("TableName", ""), read_units(0, bool(req.get("ConsistentRead"))), False, None))
        elif op == "BatchGetItem":
            for t, spec in (req.get("RequestItems") or {}).items():
                for k in spec.get("Keys") or []:
                    out.append(self._read_charge(t, k, bool(spec.get("ConsistentRead"))))
        elif op == "BatchWriteItem":
            for t, reqs in (req.get("RequestItems") or {}).items():
                for r in reqs:
                    put, dele = r.get("PutRequest"), r.get("DeleteRequest")
                    out.append(self._write_charge(t, put.get("Item") if put else None,
                                                  dele.get("Key") if dele else None))
        elif op == "TransactWriteItems":
            for a in req.get("TransactItems") or []:
                for kind in ("Put", "Update", "Delete", "ConditionCheck"):
                    x = a.get(kind)
                    if x:
                        c = self._write_charge(x.get("TableName", ""), x.get("Item"), x.get("Key"))
                        c.units *= TRANSACTION_FACTOR
                        c.index_units = {n: u * TRANSACTION_FACTOR for n, u in c.index_units.items()}
                        out.append(c)
        elif op == "TransactGetItems":
            for a in req.get("TransactItems") or []:
                x = a.get("Get") or {}
                c = self._read_charge(x.get("TableName", ""), x.get("Key"), True)
                c.units *= TRANSACTION_FACTOR
                out.append(c)
        return out

    def _write_charge(self, table: str, item: dict[str, Any] | None, key: dict[str, Any] | None) -> Charge:
        tc = self.tables.get(table)
        ident = item if item is not None else key
        k = _key_value(ident, tc.hash_key) if tc else None
        units = write_units(item_size(item)) if item is not None else 1.0
        idx: dict[str, float] = {}
        if tc is not None and item is not None:
            for n, g in tc.indexes.items():
                if g.hash_key in item:
                    idx[n] = units  # ALL projection assumed; settled from the engine
        return Charge(table, units, True, k, idx)

    def _read_charge(self, table: str, key: dict[str, Any] | None, consistent: bool) -> Charge:
        tc = self.tables.get(table)
        return Charge(table, read_units(0, consistent), False, _key_value(key, tc.hash_key) if tc else None)

    # ---- stats
    def snapshot(self, now: float, wall_now: float | None = None) -> dict[str, Any]:
        tables = {}
        for n, tc in self.tables.items():
            d: dict[str, Any] = {"mode": tc.mode, "partitions": self.partitions(tc, now), "arn": tc.arn}
            if tc.on_demand:
                d["allowed_write_per_s"] = self._on_demand_bucket(tc, True, now).rate
                d["allowed_read_per_s"] = self._on_demand_bucket(tc, False, now).rate
                d["max_write"], d["max_read"] = tc.max_write, tc.max_read
                d["account_write"] = self.account_table_write if tc.account_write_bucket else None
                d["account_read"] = self.account_table_read if tc.account_read_bucket else None
            else:
                assert tc.write is not None and tc.read is not None
                tc.write.refill(now)
                tc.read.refill(now)
                d.update(wcu=tc.wcu, rcu=tc.rcu, write_tokens=round(tc.write.level, 2),
                         read_tokens=round(tc.read.level, 2), burst_s=self.burst_s,
                         indexes={g.name: {"wcu": g.wcu, "rcu": g.rcu,
                                           "write_tokens": round(g.write.level, 2) if g.write else None}
                                  for g in tc.indexes.values()})
                if wall_now is not None:
                    d["decreases_today"] = len(self.decreases_today(n, wall_now))
                    nxt = self.next_decrease_at(n, wall_now)
                    d["next_decrease_at"] = _utc_text(nxt) if nxt is not None else None
            tables[n] = d
        return {"model": "aws", "time_scale": self.time_scale, "admitted": self.admitted,
                "throttled": dict(self.throttled), "throttled_total": sum(self.throttled.values()),
                "refused_decreases": self.refused_decreases,
                "tables": tables}


# ---------------------------------------------------------------- what the TUI shows of it
# Throttle reasons grouped the way a reader asks "why": the limit type of the reason
# (ResourceType + OperationType + LimitType, API_ThrottlingReason.html) and its resource.
_LIMIT_LABELS = (
    ("KeyRangeThroughputExceeded", "hot key (partition limit)"),
    ("ProvisionedThroughputExceeded", "capacity (burst spent)"),
    ("MaxOnDemandThroughputExceeded", "on-demand maximum"),
    ("AccountLimitExceeded", "account quota"),
)


def reason_group(reason: str) -> str:
    """'TableWriteKeyRangeThroughputExceeded' -> 'hot key (partition limit)';
    'TableWriteProvisionedThroughputExceeded' -> 'table capacity (burst spent)';
    'IndexWriteProvisionedThroughputExceeded' -> 'GSI capacity (burst spent)'."""
    for limit, label in _LIMIT_LABELS:
        if reason.endswith(limit):
            if limit == "ProvisionedThroughputExceeded":
                return ("GSI " if reason.startswith("Index") else "table ") + label
            return label
    return reason


def throttles_by_group(throttled: dict[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for reason, n in sorted(throttled.items()):
        g = reason_group(reason)
        out[g] = out.get(g, 0) + int(n)
    return out


def bucket_levels(snapshot: dict[str, Any]) -> dict[str, float]:
    """From a model snapshot (`/__ddbtui/stats` -> `capacity`): each provisioned table's and
    GSI's token level as % of its burst allowance (capacity x burst seconds), keyed
    '<table> write', '<table> read', '<table>/<index> write'. Below 0 (a debt after a large
    settled item) shows as 0."""
    out: dict[str, float] = {}
    for name, t in (snapshot.get("tables") or {}).items():
        if t.get("mode") != "PROVISIONED":
            continue
        burst = float(t.get("burst_s") or 0)
        for kind, units, tokens in (("write", t.get("wcu"), t.get("write_tokens")),
                                    ("read", t.get("rcu"), t.get("read_tokens"))):
            if units and burst and tokens is not None:
                out[f"{name} {kind}"] = max(0.0, min(100.0, 100.0 * float(tokens) / (float(units) * burst)))
        for iname, g in (t.get("indexes") or {}).items():
            if g.get("wcu") and burst and g.get("write_tokens") is not None:
                out[f"{name}/{iname} write"] = max(0.0, min(100.0, 100.0 * float(g["write_tokens"])
                                                             / (float(g["wcu"]) * burst)))
    return out


def explain_capacity(desc: dict[str, Any]) -> list[tuple[str, str]]:
    """What the model makes of a table (DescribeTable's `Table`), as (label, text) rows with
    the rule behind each figure: the describe screen's "Modelled capacity" section."""
    tc = table_from_describe(desc)
    gb = tc.size_bytes / 1024 ** 3
    rows: list[tuple[str, str]] = []
    if tc.on_demand:
        w0 = max(ON_DEMAND_INITIAL_WRITE, tc.warm_write)
        r0 = max(ON_DEMAND_INITIAL_READ, tc.warm_read)
        parts = partitions_for(r0, w0, tc.size_bytes)
        rows += [
            ("Mode", "on-demand (PAY_PER_REQUEST)"),
            ("Serves at once", f"{w0:,.0f} writes/s · {r0:,.0f} reads/s (new table 4,000 / 12,000, or its warm "
                               "throughput; on-demand-capacity-mode.html)"),
            ("Grows", "up to double its previous peak; more than that within 30 minutes is throttled "
                      "(pre-warming-on-demand-capacity-mode.html)"),
            ("Partitions", f"{parts} = ceil({r0:,.0f}/3,000 + {w0:,.0f}/1,000) (at that throughput; "
                           f"size {gb:,.2f} GB / 10 GB each)"),
            ("Hot key limit", "3,000 reads/s and 1,000 writes/s per partition key value "
                              "(KeyRangeThroughputExceeded)"),
            ("Maximum", (f"OnDemandThroughput {tc.max_read:,.0f} reads/s · {tc.max_write:,.0f} writes/s"
                         if tc.max_read > 0 or tc.max_write > 0 else
                         f"none set: the per-table account quota, {ACCOUNT_TABLE_READ:,.0f} read / "
                         f"{ACCOUNT_TABLE_WRITE:,.0f} write request units/s (ServiceQuotas.html)")),
        ]
    else:
        parts = partitions_for(tc.rcu, tc.wcu, tc.size_bytes)
        rows += [
            ("Mode", "provisioned"),
            ("Capacity", f"{tc.rcu:,.0f} RCU · {tc.wcu:,.0f} WCU per second (token buckets)"),
            ("Burst", f"up to {BURST_SECONDS:.0f} s of unused capacity kept: {tc.rcu * BURST_SECONDS:,.0f} RCU · "
                      f"{tc.wcu * BURST_SECONDS:,.0f} WCU (burst-adaptive-capacity.html)"),
            ("Partitions", f"{parts} = max(ceil({tc.rcu:,.0f}/3,000 + {tc.wcu:,.0f}/1,000), "
                           f"ceil({gb:,.2f} GB / 10 GB))"),
            ("Hot key limit", "3,000 RCU and 1,000 WCU per second per partition key value, even with spare "
                              "table capacity (KeyRangeThroughputExceeded)"),
            ("Decreases", f"{DECREASES_ANYTIME} any time per UTC day, then 1 per hour without one "
                          f"({MAX_DECREASES_PER_DAY} a day; ServiceQuotas.html)"),
        ]
        for g in tc.indexes.values():
            rows.append((f"GSI {g.name}", f"{g.rcu:,.0f} RCU · {g.wcu:,.0f} WCU; a write the index cannot absorb "
                                          "throttles the base table (GSI back-pressure)"))
    return rows
