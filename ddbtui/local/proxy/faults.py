"""The fault model: ONE table of fault kinds, and everything derived from it.

`FAULTS` has one `FaultKind` row per setting of the proxy: its `FaultConfig` field, its CLI
option, what it does on the wire (`action`, and the DynamoDB error for an `error` row), the
label and placeholder of its TUI form field (or none), its limits, and the counter the
proxy's stats report it under. From this table come:

- `FaultConfig` (its keyword arguments, validation, `describe()`, `to_dict()/from_dict()`),
- the CLI options (`ddbtui.local.proxy.cli.add_proxy_arguments`),
- the TUI benchmark form's fault fields (`form_kinds()`; the screen lays them out),
- the proxy's decisions and its `injected` counters (`ddbtui.local.proxy.server`).

Adding a fault kind = one row here (+ its behaviour in the server if its `action` is new:
an `error` row needs nothing else). Limits live in the row (`FaultKind.parse`); argparse,
`FaultConfig` and the form all call it, so a limit is checked in one place.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any, Literal

__all__ = ["DATA_PLANE_OPS", "FAULTS", "FAULT_KINDS", "FaultConfig", "FaultKind", "error_body",
           "form_kinds", "kind_for_field", "wire_error"]

# Operations faulted by default. Control plane (CreateTable, DescribeTable, DeleteTable,
# ListTables, UpdateTable, TTL, tags, backups, ...) is never faulted unless asked.
DATA_PLANE_OPS = frozenset({
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
    "BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems",
    "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction",
})

# delay: added latency (ms); jitter: uniform ± around it (ms); the rest are rates (0..1):
# error: answer with `error` without forwarding; drop: close before forwarding (not
# applied); drop_after: forward (applied), then close unanswered; unprocessed: a
# BatchWriteItem forwards part of its items and returns the rest in UnprocessedItems.
Action = Literal["delay", "jitter", "error", "drop", "drop_after", "unprocessed"]
EXCLUSIVE_ACTIONS = ("error", "drop", "drop_after")  # one uniform draw picks at most one

MAX_MS = 60_000.0


@dataclass(frozen=True)
class FaultKind:
    """One row of the fault table."""

    field: str  # FaultConfig attribute and JSON key
    option: str  # CLI option
    action: Action
    help: str  # CLI help
    label: str = ""  # TUI form label; "" = not on the form
    placeholder: str = ""  # TUI form placeholder
    short: str = ""  # name in describe()
    counter: str = ""  # key in the proxy's stats["injected"] ("" = not counted there)
    error: tuple[int, str, str] | None = None  # (HTTP status, __type, message) for action "error"

    @property
    def is_rate(self) -> bool:
        return self.action not in ("delay", "jitter")

    @property
    def limits(self) -> tuple[float, float]:
        return (0.0, 1.0) if self.is_rate else (0.0, MAX_MS)

    @property
    def on_form(self) -> bool:
        return bool(self.label)

    def limit_sentence(self) -> str:
        lo, hi = self.limits
        return (f"a fraction between {lo:g} and {hi:g}" if self.is_rate
                else f"milliseconds between {lo:g} and {hi:,.0f}")

    def check(self, value: object, name: str | None = None) -> float:
        """`value` as a float within this row's limits, or ValueError naming `name`
        (default: the CLI option) in one sentence."""
        who = name or self.option
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{who} takes {self.limit_sentence()}, got {value!r}.")
        v = float(value)
        lo, hi = self.limits
        if math.isnan(v) or not lo <= v <= hi:
            raise ValueError(f"{who} takes {self.limit_sentence()}, got {v:g}.")
        return v

    def parse(self, text: str, name: str | None = None) -> float:
        """Typed text (CLI or form) to a checked value; ValueError names `name`."""
        who = name or self.option
        s = text.strip()
        try:
            v = float(s)
        except ValueError:
            raise ValueError(f"{who} takes {self.limit_sentence()}, got {s!r}.") from None
        return self.check(v, who)


_DDB = "com.amazonaws.dynamodb.v20120810#"

FAULTS: tuple[FaultKind, ...] = (
    FaultKind("latency_ms", "--latency-ms", "delay", "added delay per request (real DynamoDB: 5-100 ms)",
              label="Latency ms", placeholder="e.g. 20", short="latency"),
    FaultKind("jitter_ms", "--jitter-ms", "jitter", "uniform ± jitter around --latency-ms",
              label="Jitter ± ms", placeholder="e.g. 5", short="jitter ±"),
    FaultKind("drop_rate", "--drop-rate", "drop",
              "fraction whose connection is closed before forwarding (not applied)",
              label="Drops 0..1", placeholder="e.g. 0.005", short="drop", counter="drop"),
    FaultKind("throttle_rate", "--throttle-rate", "error",
              "fraction answered 400 ProvisionedThroughputExceededException",
              label="Throttles 0..1", placeholder="e.g. 0.05", short="throttle", counter="throttle",
              error=(400, _DDB + "ProvisionedThroughputExceededException",
                     "The level of configured provisioned throughput for the table was exceeded. "
                     "Consider increasing your provisioning level with the UpdateTable API.")),
    FaultKind("throttling_rate", "--throttling-rate", "error", "fraction answered 400 ThrottlingException",
              short="throttling", counter="throttling",
              error=(400, "com.amazon.coral.availability#ThrottlingException",
                     "Rate of requests exceeds the allowed throughput.")),
    FaultKind("error_500_rate", "--error-rate", "error", "fraction answered 500 InternalServerError",
              label="HTTP 500s 0..1", placeholder="e.g. 0.01", short="error", counter="error_500",
              error=(500, _DDB + "InternalServerError", "Internal server error")),
    FaultKind("drop_after_rate", "--drop-after-rate", "drop_after",
              "fraction applied by the engine, then the connection is closed unanswered",
              short="drop-after", counter="drop_after"),
    FaultKind("unprocessed_rate", "--unprocessed-rate", "unprocessed",
              "fraction of BatchWriteItem calls that return part of the items in UnprocessedItems",
              short="unprocessed", counter="unprocessed"),
)


def _table() -> tuple[FaultKind, ...]:
    # read at call time (not import time) so a test can add a row with monkeypatch
    return FAULTS


def kind_for_field(field: str) -> FaultKind:
    for k in _table():
        if k.field == field:
            return k
    raise KeyError(field)


def form_kinds() -> tuple[FaultKind, ...]:
    """The rows shown as fields of the TUI benchmark form, in table order."""
    return tuple(k for k in _table() if k.on_form)


def counters() -> tuple[str, ...]:
    """The keys of the proxy's stats["injected"]."""
    return tuple(k.counter for k in _table() if k.counter)


def wire_error(counter: str) -> tuple[int, str, str]:
    for k in _table():
        if k.counter == counter and k.error is not None:
            return k.error
    raise KeyError(counter)


def error_body(counter: str) -> bytes:
    """The exact JSON body DynamoDB sends for an injected error kind (by counter name)."""
    _, typ, msg = wire_error(counter)
    return json.dumps({"__type": typ, "message": msg}, separators=(",", ":")).encode()


# Kept for readers of the old module: the exclusive kinds in draw order.
FAULT_KINDS = tuple(k.counter for k in FAULTS if k.action in EXCLUSIVE_ACTIONS)


class FaultConfig:
    """What the proxy injects: one value per row of `FAULTS` (keyword = the row's field),
    plus which operations are faulted and the seed. Rates are fractions of faultable
    requests (0..1); the exclusive kinds (errors, drops) share one draw per request, so
    their sum must be <= 1. `unprocessed_rate` applies to a BatchWriteItem that drew none.

    `capacity_model` ("aws" or None) and `time_scale` switch on the AWS capacity model
    (ddbtui.local.proxy.capacity) in the same proxy; they travel in the same config.
    """

    __slots__ = ("_values", "seed", "only_targets", "all_ops", "capacity_model", "time_scale")

    def __init__(self, *, seed: int | None = None, only_targets: str | Any = None, all_ops: bool = False,
                 capacity_model: str | None = None, time_scale: float = 1.0, **values: float) -> None:
        fields = {k.field: k for k in _table()}
        unknown = sorted(set(values) - set(fields))
        if unknown:
            raise TypeError(f"FaultConfig got unknown fault field(s) {', '.join(unknown)}; "
                            f"known: {', '.join(fields)}")
        self._values: dict[str, float] = {f: 0.0 for f in fields}
        for f, v in values.items():
            self._values[f] = fields[f].check(v)
        total = sum(self._values[k.field] for k in fields.values() if k.action in EXCLUSIVE_ACTIONS)
        if total > 1.0 + 1e-9:
            opts = ", ".join(k.option for k in fields.values() if k.action in EXCLUSIVE_ACTIONS)
            raise ValueError(f"{opts} are exclusive per request and must add up to at most 1, got {total:g}.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"--fault-seed takes a whole number, got {seed!r}.")
        self.seed = seed
        if isinstance(only_targets, str):
            only_targets = frozenset(t.strip() for t in only_targets.split(",") if t.strip())
        self.only_targets: frozenset[str] | None = None if only_targets is None else frozenset(only_targets)
        self.all_ops = bool(all_ops)
        if capacity_model not in (None, "aws"):
            raise ValueError(f"--capacity-model takes 'aws', got {capacity_model!r}.")
        if isinstance(time_scale, bool) or not isinstance(time_scale, (int, float)) or \
                math.isnan(time_scale) or not 0 < time_scale <= 1_000_000:
            raise ValueError(f"--time-scale takes a number > 0 (how many times faster than real time), "
                             f"got {time_scale!r}.")
        self.capacity_model = capacity_model
        self.time_scale = float(time_scale)

    # field access: cfg.throttle_rate, cfg.latency_ms, ... (any row's field)
    def __getattr__(self, name: str) -> float:
        try:
            values: dict[str, float] = object.__getattribute__(self, "_values")
            return values[name]
        except KeyError:
            raise AttributeError(name) from None

    def value(self, kind: FaultKind) -> float:
        return self._values.get(kind.field, 0.0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FaultConfig) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def __repr__(self) -> str:
        set_ = ", ".join(f"{f}={v:g}" for f, v in self._values.items() if v)
        return f"FaultConfig({set_ or 'pass-through'}, seed={self.seed!r})"

    def faults(self, op: str | None) -> bool:
        """Whether requests for this operation may be faulted."""
        if op is None:
            return False
        if self.all_ops:
            return True
        return op in (DATA_PLANE_OPS if self.only_targets is None else self.only_targets)

    @property
    def any_fault(self) -> bool:
        return any(self.value(k) > 0 for k in _table() if k.is_rate)

    def exclusive(self) -> list[tuple[FaultKind, float]]:
        """(kind, rate) of the exclusive kinds in draw order, rate > 0 only."""
        return [(k, self.value(k)) for k in _table() if k.action in EXCLUSIVE_ACTIONS and self.value(k) > 0]

    def describe(self) -> str:
        parts = []
        for k in _table():
            v = self.value(k)
            if v:
                parts.append(f"{k.short or k.field} {v:.3g}" + ("" if k.is_rate else " ms"))
        if self.any_fault:
            ops = ("all operations" if self.all_ops else
                   "data-plane operations" if self.only_targets is None else
                   ",".join(sorted(self.only_targets)))
            parts.append(f"on {ops}")
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        if self.capacity_model:
            parts.append(f"capacity model {self.capacity_model}"
                         + (f" (time ×{self.time_scale:g})" if self.time_scale != 1 else ""))
        return ", ".join(parts) or "no faults (pass-through)"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; `FaultConfig.from_dict(cfg.to_dict()) == cfg`."""
        return {**self._values, "seed": self.seed,
                "only_targets": sorted(self.only_targets) if self.only_targets is not None else None,
                "all_ops": self.all_ops, "capacity_model": self.capacity_model, "time_scale": self.time_scale}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FaultConfig:
        d = dict(d)
        d.pop("describe", None)
        return cls(**d)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> FaultConfig:
        try:
            d = json.loads(text)
        except ValueError as e:
            raise ValueError(f"the proxy configuration is not JSON: {e}") from None
        if not isinstance(d, dict):
            raise ValueError("the proxy configuration must be a JSON object.")
        return cls.from_dict(d)
