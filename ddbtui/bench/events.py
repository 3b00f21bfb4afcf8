"""The benchmark engine -> UI contract, as types (no textual, no I/O).

The engine process talks to its parent through one queue of `(MessageKind, payload)`
tuples; every consumer (`RunHandle`, `LiveModel`, the console progress, the TUI) reads these
types instead of re-interpreting strings:

- `MessageKind`: SNAP (payload: `Snapshot.to_dict()`), RUN (a finished `RunRecord`), RESULT
  (the `ResultDocument`), ERROR (a sentence and a traceback).
- `SnapKind`: what a `Snapshot` reports: PHASE (a phase began), PROGRESS (counters while
  writing, ~4 Hz), RUN (a run finished; its record arrives as a RUN message), DONE (all done).
- `Phase`: where a run is: ITEMS, SETUP, LOADING, WRITING, VERIFYING, CLEANUP, FINISHED,
  CANCELLED (`STARTING` only on the UI side, before the first snapshot).
- `Snapshot`: one frozen dataclass per report; `to_dict`/`from_dict` for the queue.
- `RunRecord`, `LatencySummary`, `TargetInfo`, `ResultDocument`: the result document's
  shape (TypedDicts over the JSON), with `SCHEMA` (written) and `SCHEMAS` (readable).

Extending (other parts of the engine do): a new phase = one `Phase` member; a new live
figure = one `Snapshot` field with a default (None when it does not apply); a new result
key = one `RunRecord`/`ResultDocument` key (total=False: older documents lack it) and, if
it changes the meaning of the document, a new `SCHEMA`. The enums are `StrEnum`s: each
member *is* its string ("writing" == Phase.WRITING), so JSON, logs and older readers see
plain strings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any, TypedDict

# /2 (#15) adds settings.load and, on mixed/open-loop runs, mode, load, operations,
# response_ms/service_ms (+ histograms), sent_per_s, capacity, pace and cost; the summary
# gains mode, response_ms, service_ms, capacity. /1 documents load unchanged.
SCHEMA = "ddbtui-bench/2"
SCHEMAS = ("ddbtui-bench/1", SCHEMA)


class MessageKind(StrEnum):
    SNAP = "snap"
    RUN = "run"
    RESULT = "result"
    ERROR = "error"


class SnapKind(StrEnum):
    PHASE = "phase"
    PROGRESS = "progress"
    RUN = "run"
    DONE = "done"


class Phase(StrEnum):
    STARTING = "starting"  # UI side only: nothing received yet
    ITEMS = "items"  # generating the workload
    SETUP = "setup"  # table, clients
    LOADING = "loading"  # mixed runs: loading the records first
    WRITING = "writing"  # the measured window
    VERIFYING = "verifying"
    CLEANUP = "cleanup"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class RunState(StrEnum):
    """A strategy's state in a live view."""

    WAITING = "waiting"
    RUNNING = "running"
    FINISHED = "finished"
    CANCELLED = "cancelled"
    FAILED = "failed"


def _enum(cls: type[StrEnum], value: Any) -> Any:
    """`value` as a member of `cls`; an unknown string stays a string (a newer engine)."""
    try:
        return cls(value)
    except ValueError:
        return value


@dataclass(frozen=True)
class Snapshot:
    """What the engine reports about the current run, about every 0.25 s and at each phase
    change. Counters are of this run so far; latencies in ms (None before the first
    request); `hist_delta`: base64 HdrHistogram (µs) of the requests since the previous
    snapshot of this run ("" if none)."""

    kind: SnapKind
    t: float  # seconds since the engine started
    strategy: str
    index: int  # position of the strategy
    strategies: int  # how many strategies
    repeat: int  # 1-based
    repeats: int
    phase: Phase
    done: int = 0  # items finished (ok + failed)
    total: int = 0  # items to write in this run
    ok: int = 0
    failed: int = 0
    retried: int = 0
    retries: int = 0
    throttled: int = 0
    elapsed: float = 0.0  # seconds of the measured window so far
    items_per_s: float = 0.0  # ok / elapsed
    interval_items_per_s: float = 0.0  # ok items in the last interval / its length
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    p99_9_ms: float | None = None
    max_ms: float | None = None
    mean_ms: float | None = None
    hist_delta: str = ""
    message: str = ""  # a sentence for the user (phase detail, error), or ""
    # mixed / open-loop runs only (None otherwise): see bench/opstats.py
    target_per_s: float | None = None
    achieved_per_s: float | None = None
    response_p50_ms: float | None = None
    response_p99_ms: float | None = None
    service_p50_ms: float | None = None
    service_p99_ms: float | None = None
    rcu_per_s: float | None = None
    wcu_per_s: float | None = None
    in_flight: int | None = None
    ops: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["kind"], d["phase"] = str(self.kind), str(self.phase)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Snapshot":
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        kw["kind"] = _enum(SnapKind, kw.get("kind"))
        kw["phase"] = _enum(Phase, kw.get("phase"))
        return cls(**kw)


class LatencySummary(TypedDict):
    count: int
    min: float | None
    mean: float | None
    stdev: float | None
    max: float | None
    p50: float | None
    p90: float | None
    p99: float | None
    p99_9: float | None


class RunRecord(TypedDict, total=False):
    """One strategy x repeat, as the engine reports it (MessageKind.RUN) and saves it."""

    strategy: str
    repeat: int
    complete: bool
    table: str
    table_created: bool
    table_kept: bool
    concurrency: int
    items: int
    attempted: int
    requests: int
    ok: int
    failed: int
    retried: int
    retries: int
    throttled: int
    server_errors: int
    conn_errors: int
    wall_s: float | None
    items_per_s: float | None
    cpu_s: float | None
    cpu_us_per_item: float | None
    latency_ms: LatencySummary
    latency_sum_us: float
    latency_sumsq_us: float
    histogram: str
    throughput: dict[str, Any]  # {"interval_s": float, "items_per_s": [float, ...]}
    verification: str
    verified: int | None
    lost: int | None
    missing: int | None
    errors: dict[str, int]
    first_error: str | None
    error: str | None
    notes: list[str]
    proxy: dict[str, Any] | None
    # mixed / open-loop runs (schema /2)
    mode: str
    load: dict[str, Any]
    operations: dict[str, Any]
    response_ms: LatencySummary
    service_ms: LatencySummary
    sent_per_s: float | None
    capacity: dict[str, Any]
    pace: dict[str, Any]
    cost: dict[str, Any]


class TargetInfo(TypedDict):
    """Where the requests went, without credentials or profile names."""

    host: str
    region: str
    engine: str | None
    is_aws: bool
    proxy: dict[str, Any] | None


class ResultDocument(TypedDict, total=False):
    schema: str
    id: str
    created: str
    finished: str | None
    complete: bool
    settings: dict[str, Any]
    target: TargetInfo
    versions: dict[str, str | None]
    machine: dict[str, Any]
    runs: list[RunRecord]
    summary: list[dict[str, Any]]
    comparisons: list[dict[str, Any]]
    error: str | None
    stopped_by: str  # "SIGTERM"/"SIGHUP" when `ddbtui bench` was stopped by a signal
