"""Open-loop load: arrival schedules, rate ramps, pacing bookkeeping, and a diagnosis.

A closed loop (N workers, each sending its next request when the previous one answers)
slows down with the server, so a stall never shows in its latencies: coordinated omission.
An open loop sends on a *schedule* that does not wait for answers (wrk2, YCSB's
`measurement.interval=intended`, oha `--latency-correction`). Each request is timed twice:

- response time = answer - *intended* start (what a user arriving on schedule waits),
- service time  = answer - *actual* send   (what the server and network took).

When the client cannot send on time (every in-flight slot busy, or the sending loop
itself late) the request still counts from its intended start: the queueing is part of the
response time. Arrivals that were never sent before the run ended are *skipped*.

Pure and clock-free: `Schedule` yields intended start offsets (seconds from the start);
`Pacer` does the bookkeeping for a driver that passes in the clock readings; `diagnose`
names the resource that limited a run that missed its target. Unit-tested with a fake clock.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

ARRIVALS = ("constant", "poisson")
LATE_AFTER_S = 0.001  # a send more than 1 ms after its intended start counts as late
MAX_RATE = 1_000_000.0
# asyncio's selector rounds its poll timeout up to whole milliseconds, so `asyncio.sleep(wait)`
# wakes 0-1 ms after the intended start (measured 2026-11-25 on an idle loop pacing 500/s:
# median 0.6 ms late, 10-13 % of sends over LATE_AFTER_S). `sleep_until` wakes this much early
# and yields (`sleep(0)`) until the intended start. Idle loop at 1,000/s: 0.25 ms early gives
# 0.4-0.8 % late for +1-2 % of a core; 0.5 ms gave 0.1-0.8 % for +7 % (the yield-spin's cost).
EARLY_WAKE_S = 0.00025
MAX_SECONDS = 7 * 24 * 3600.0

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


async def sleep_until(due: float, clock: Any, early: float = EARLY_WAKE_S) -> None:
    """Return at `due` (a `clock()` reading) or just after, never before: sleep until `early`
    seconds before it, then yield to the loop until it is reached."""
    wait = due - clock()
    if wait > early:
        await asyncio.sleep(wait - early)
    while clock() < due:
        await asyncio.sleep(0)


def parse_duration(text: str, opt: str = "--duration") -> float:
    """'30s', '2m', '500ms', '1h' or a bare number of seconds -> seconds (> 0)."""
    m = _DURATION.match(str(text))
    if not m:
        raise ValueError(f"{opt}: {text!r} is not a duration (e.g. 30s, 2m, 500ms)")
    v = float(m.group(1)) * _UNIT[m.group(2)]
    if v <= 0 or v > MAX_SECONDS:
        raise ValueError(f"{opt} must be more than 0 and at most 7 days, got {text!r}")
    return v


def parse_rate(text: str | float, opt: str = "--rate") -> float:
    try:
        v = float(str(text).strip().removesuffix("/s"))
    except ValueError:
        raise ValueError(f"{opt}: {text!r} is not a rate in requests per second") from None
    if not (0 < v <= MAX_RATE) or math.isnan(v):
        raise ValueError(f"{opt} must be more than 0 and at most {MAX_RATE:,.0f} requests/s, got {text!r}")
    return v


@dataclass(frozen=True)
class Step:
    """`rate` requests/s for `seconds`."""
    rate: float
    seconds: float


def parse_ramp(text: str) -> list[Step]:
    """'100:30s,1000:60s,2000:60s' -> steps (rate:duration, comma-separated)."""
    steps: list[Step] = []
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if not parts:
        raise ValueError("--ramp: give steps as RATE:DURATION,... e.g. 100:30s,1000:60s")
    for p in parts:
        rate, sep, dur = p.partition(":")
        if not sep:
            raise ValueError(f"--ramp: step {p!r} needs RATE:DURATION, e.g. 100:30s")
        steps.append(Step(parse_rate(rate, "--ramp rate"), parse_duration(dur, "--ramp duration")))
    return steps


def format_ramp(steps: list[Step]) -> str:
    return ",".join(f"{s.rate:g}:{s.seconds:g}s" for s in steps)


@dataclass(frozen=True)
class Schedule:
    """When requests should start: piecewise-constant rate steps, constant or Poisson gaps.

    `share(i, n)` is worker i's part when the rate is split across n workers (processes):
    each runs rate/n; constant arrivals are phase-shifted so the union is evenly spaced.
    """
    steps: tuple[Step, ...]
    arrivals: str = "constant"
    seed: int = 42
    phase: float = 0.0  # fraction of one gap to shift constant arrivals by (0..1)

    def __post_init__(self) -> None:
        if self.arrivals not in ARRIVALS:
            raise ValueError(f"--arrivals must be {' or '.join(ARRIVALS)}, got {self.arrivals!r}")
        if not self.steps:
            raise ValueError("a schedule needs at least one rate step")

    @classmethod
    def constant_rate(cls, rate: float, seconds: float, arrivals: str = "constant", seed: int = 42) -> "Schedule":
        return cls((Step(rate, seconds),), arrivals, seed)

    @property
    def duration(self) -> float:
        return sum(s.seconds for s in self.steps)

    @property
    def peak_rate(self) -> float:
        return max(s.rate for s in self.steps)

    def expected(self) -> int:
        """Requests the schedule holds (exact for constant arrivals, the mean for Poisson)."""
        if self.arrivals == "constant":
            return sum(self._constant_count(s) for s in self.steps)
        return int(round(sum(s.rate * s.seconds for s in self.steps)))

    def _constant_count(self, s: Step) -> int:
        # arrivals at (k + phase)/rate for k = 0.. while < seconds
        return max(0, math.ceil(s.seconds * s.rate - self.phase - 1e-9))

    def rate_at(self, t: float) -> float:
        """Target rate at offset t (0 after the end)."""
        start = 0.0
        for s in self.steps:
            if t < start + s.seconds:
                return s.rate if t >= start else 0.0
            start += s.seconds
        return 0.0

    def times(self) -> Iterator[float]:
        """Intended start offsets in seconds from the run start, ascending."""
        start = 0.0
        rng = random.Random(self.seed)
        for s in self.steps:
            end = start + s.seconds
            if self.arrivals == "constant":
                gap = 1.0 / s.rate
                for k in range(self._constant_count(s)):
                    yield start + (k + self.phase) * gap
            else:
                t = start + rng.expovariate(s.rate)
                while t < end:
                    yield t
                    t += rng.expovariate(s.rate)
            start = end

    def share(self, i: int, n: int) -> "Schedule":
        if n <= 1:
            return self
        steps = tuple(Step(s.rate / n, s.seconds) for s in self.steps)
        return Schedule(steps, self.arrivals, self.seed * 1_000 + i, phase=(i / n) if self.arrivals == "constant" else 0.0)

    def target_series(self, interval: float = 1.0) -> list[float]:
        """Target requests/s per interval over the whole schedule (for charts and results)."""
        n = max(1, math.ceil(self.duration / interval - 1e-9))
        return [self.rate_at((k + 0.5) * interval) for k in range(n)]

    def to_dict(self) -> dict[str, Any]:
        return {"steps": [[s.rate, s.seconds] for s in self.steps], "arrivals": self.arrivals,
                "seed": self.seed, "phase": self.phase}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Schedule":
        return cls(tuple(Step(float(r), float(s)) for r, s in d["steps"]), d.get("arrivals", "constant"),
                   int(d.get("seed", 42)), float(d.get("phase", 0.0)))


def schedule_from(rate: float | None, ramp: str | None, duration: float | None,
                  arrivals: str = "constant", seed: int = 42) -> Schedule:
    """The run's schedule from the CLI/form fields: --ramp, or --rate for --duration."""
    if ramp:
        steps = parse_ramp(ramp)
        if duration is not None and abs(duration - sum(s.seconds for s in steps)) > 1e-9:
            raise ValueError("give --ramp or --duration, not both: a ramp's steps set the duration")
        return Schedule(tuple(steps), arrivals, seed)
    if rate is None:
        raise ValueError("open loop needs --rate R (requests/s) or --ramp")
    if duration is None:
        raise ValueError("open loop needs --duration (e.g. 30s) with --rate")
    return Schedule.constant_rate(rate, duration, arrivals, seed)


# ------------------------------------------------------------------ bookkeeping
@dataclass
class PaceStats:
    """What the pacing did: counts and the lateness of sends (actual - intended)."""
    scheduled: int = 0        # arrivals due so far
    sent: int = 0
    late: int = 0             # sent more than LATE_AFTER_S after their intended start
    late_at_cap: int = 0      # ... of which in a backlog that began with every in-flight slot busy
    skipped: int = 0          # never sent (the run ended or was stopped first)
    max_in_flight_seen: int = 0
    lateness_us: list[int] = field(default_factory=list)  # sample for the timing-error figure

    def to_dict(self) -> dict[str, Any]:
        return {"scheduled": self.scheduled, "sent": self.sent, "late": self.late,
                "late_at_cap": self.late_at_cap, "skipped": self.skipped,
                "max_in_flight_seen": self.max_in_flight_seen}


class Pacer:
    """Bookkeeping for one open-loop driver (async or threads): the driver owns the clock.

    Usage: `due = pacer.next_due()` (absolute intended time or None when the schedule is
    over); wait until then and for a free slot; `pacer.sent(due, now, in_flight, at_cap)`;
    at the end `pacer.finish()` counts what was never sent.
    """
    LATENESS_SAMPLE = 100_000

    def __init__(self, schedule: Schedule, t0: float, max_in_flight: int):
        if max_in_flight < 1:
            raise ValueError("--max-in-flight must be at least 1")
        self.schedule = schedule
        self.t0 = t0
        self.max_in_flight = max_in_flight
        self.end = t0 + schedule.duration
        self._times = schedule.times()
        self._pending: float | None = None
        self._cap_backlog = False
        self.stats = PaceStats()

    def next_due(self) -> float | None:
        if self._pending is None:
            off = next(self._times, None)
            if off is None:
                return None
            self._pending = self.t0 + off
            self.stats.scheduled += 1
        return self._pending

    def sent(self, due: float, now: float, in_flight: int, at_cap: bool = False) -> None:
        """Record that the pending arrival (intended `due`) was sent at `now`."""
        self._pending = None
        st = self.stats
        st.sent += 1
        late = now - due
        if late > LATE_AFTER_S:
            st.late += 1
            # a backlog that began with every slot busy is the cap's, until a send is on time
            self._cap_backlog = self._cap_backlog or at_cap
            if self._cap_backlog:
                st.late_at_cap += 1
        else:
            self._cap_backlog = False
        if in_flight > st.max_in_flight_seen:
            st.max_in_flight_seen = in_flight
        if len(st.lateness_us) < self.LATENESS_SAMPLE:
            st.lateness_us.append(max(0, int(late * 1e6)))

    def expired(self, now: float) -> bool:
        """True when the schedule's window is over: arrivals not yet sent are skipped."""
        return now >= self.end

    def finish(self) -> PaceStats:
        """Count the arrivals never sent (the pending one and those after it)."""
        if self._pending is not None:
            self.stats.skipped += 1
            self._pending = None
        for _ in self._times:
            self.stats.scheduled += 1
            self.stats.skipped += 1
        return self.stats


def lateness_p99_ms(stats: PaceStats) -> float | None:
    xs = sorted(stats.lateness_us)
    if not xs:
        return None
    return xs[min(len(xs) - 1, math.ceil(0.99 * len(xs)) - 1)] / 1000.0


# -------------------------------------------------------------------- diagnosis
@dataclass(frozen=True)
class Diagnosis:
    limited: bool
    resource: str   # "none" | "client CPU" | "in-flight cap" | "engine" | "cancelled"
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        return {"limited": self.limited, "resource": self.resource, "sentence": self.sentence}


def diagnose(*, target_rate: float, achieved_rate: float, stats: PaceStats, max_in_flight: int,
             service_p50_ms: float | None, service_p50_first_ms: float | None,
             client_cpu_share: float | None, throttled: int = 0,
             service_min_ms: float | None = None) -> Diagnosis:
    """Name what kept the client from its schedule.

    - nothing, when at least 99% of the target was sent and < 1% of sends were late;
    - engine: throttles, or service time at least doubled since the run's first second, or
      its median at least 10x the fastest answer (slow from the start);
    - in-flight cap: most late sends waited for a free slot while service time held
      (Little's law: rate x service time > --max-in-flight);
    - client CPU: sends were late with slots free (the sending loop itself was behind),
      or the client's CPU share was >= 90% of one core.
    """
    late_share = stats.late / stats.sent if stats.sent else 0.0
    sent_share = achieved_rate / target_rate if target_rate > 0 else 1.0
    if sent_share >= 0.99 and late_share < 0.01 and stats.skipped == 0:
        return Diagnosis(False, "none", f"held the target: {achieved_rate:,.0f}/s of {target_rate:,.0f}/s, "
                                         f"{late_share:.1%} of sends late")
    slowed = bool(service_p50_ms is not None and (
        (service_p50_first_ms and service_p50_ms >= 2.0 * service_p50_first_ms)
        or (service_min_ms and service_p50_ms >= 10.0 * service_min_ms)))
    cap_share = stats.late_at_cap / stats.late if stats.late else 0.0
    if sent_share >= 0.99:
        skipped = f", {stats.skipped:,} never sent" if stats.skipped else ""
        head = (f"kept the rate ({achieved_rate:,.0f}/s of {target_rate:,.0f}/s) but {stats.late:,} sends "
                f"({late_share:.1%}) started late{skipped}")
    else:
        head = (f"missed the target: {achieved_rate:,.0f}/s of {target_rate:,.0f}/s, {stats.late:,} late "
                f"and {stats.skipped:,} skipped starts")
    if throttled:
        return Diagnosis(True, "engine", f"{head}; the engine throttled {throttled:,} times")
    if cap_share >= 0.5 and slowed:
        was = service_p50_first_ms if service_p50_first_ms else service_min_ms
        return Diagnosis(True, "engine", f"{head}; answers slowed down (service p50 {service_p50_ms:.1f} ms, "
                                         f"from {was or 0:.1f} ms) and filled all {max_in_flight} in-flight slots: "
                                         f"the engine, or what is between (proxy, network, a busy machine)")
    need = target_rate * (service_p50_ms or 0.0) / 1000.0
    if cap_share >= 0.5 and need < 0.8 * max_in_flight:
        return Diagnosis(True, "engine", f"{head}; all {max_in_flight} in-flight slots filled although the median "
                                         f"answer needs only about {need:,.0f}: slow answers in the tail (engine, "
                                         f"proxy or network) held the slots")
    if cap_share >= 0.5:
        return Diagnosis(True, "in-flight cap", f"{head}; all {max_in_flight} in-flight slots were busy "
                                                f"(about {need:,.0f} needed at this service time): raise --max-in-flight")
    if client_cpu_share is not None and client_cpu_share >= 0.9 or late_share > 0:
        cpu = f" (client CPU {client_cpu_share:.0%} of a core)" if client_cpu_share is not None else ""
        return Diagnosis(True, "client CPU", f"{head}; sends were late with in-flight slots free: the sending "
                                             f"loop was behind{cpu}; other busy processes on this machine do this too")
    return Diagnosis(True, "engine", f"{head}; answers came back too slowly")
