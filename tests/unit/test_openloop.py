"""Open-loop schedule arithmetic, pacing bookkeeping and the diagnosis, on a fake clock."""

from __future__ import annotations

import pytest

from ddbtui.bench.openloop import (PaceStats, Pacer, Schedule, Step, diagnose, format_ramp, lateness_p99_ms,
                                   parse_duration, parse_ramp, parse_rate, schedule_from)


def test_durations_and_rates():
    assert parse_duration("30s") == 30
    assert parse_duration("2m") == 120
    assert parse_duration("500ms") == 0.5
    assert parse_duration("1.5") == 1.5
    for bad in ("", "abc", "-1s", "0", "5d"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert parse_rate("500") == 500
    assert parse_rate("500/s") == 500
    for bad in ("0", "-3", "x", "nan"):
        with pytest.raises(ValueError):
            parse_rate(bad)


def test_ramp_parsing():
    steps = parse_ramp("100:30s,1000:60s,2000:1m")
    assert steps == [Step(100, 30), Step(1000, 60), Step(2000, 60)]
    assert format_ramp(steps) == "100:30s,1000:60s,2000:60s"
    for bad in ("", "100", "100:", "x:30s", "100:30s,,abc"):
        with pytest.raises(ValueError) as e:
            parse_ramp(bad)
        assert "--ramp" in str(e.value)


def test_constant_schedule_is_evenly_spaced():
    s = Schedule.constant_rate(100, 2.0)
    times = list(s.times())
    assert len(times) == 200 == s.expected()
    assert times[0] == 0.0
    assert times[1] == pytest.approx(0.01)
    assert times[-1] == pytest.approx(1.99)
    assert all(b > a for a, b in zip(times, times[1:]))


def test_ramp_schedule_counts_and_targets():
    s = Schedule((Step(100, 1.0), Step(1000, 2.0)))
    times = list(s.times())
    assert len(times) == 100 + 2000 == s.expected()
    assert sum(1 for t in times if t < 1.0) == 100
    assert s.duration == 3.0 and s.peak_rate == 1000
    assert s.target_series(1.0) == [100, 1000, 1000]
    assert s.rate_at(0.5) == 100 and s.rate_at(2.9) == 1000 and s.rate_at(3.0) == 0


def test_shares_interleave_into_the_whole_schedule():
    s = Schedule.constant_rate(100, 1.0)
    parts = [list(s.share(i, 4).times()) for i in range(4)]
    assert [len(p) for p in parts] == [25, 25, 25, 25]
    union = sorted(t for p in parts for t in p)
    assert union == pytest.approx(list(s.times()))


def test_poisson_schedule_is_seeded_and_near_the_rate():
    s = Schedule.constant_rate(1000, 10.0, arrivals="poisson", seed=7)
    a, b = list(s.times()), list(s.times())
    assert a == b
    assert 9_500 < len(a) < 10_500
    assert all(0 <= t < 10.0 for t in a)
    assert list(Schedule.constant_rate(1000, 10.0, "poisson", seed=8).times()) != a


def test_schedule_from_checks_the_combination():
    assert schedule_from(500, None, 20).expected() == 10_000
    assert schedule_from(None, "10:1s,20:1s", None).expected() == 30
    with pytest.raises(ValueError, match="--rate"):
        schedule_from(None, None, 10)
    with pytest.raises(ValueError, match="--duration"):
        schedule_from(100, None, None)
    with pytest.raises(ValueError, match="not both"):
        schedule_from(None, "10:1s", 5)
    with pytest.raises(ValueError, match="arrivals"):
        schedule_from(10, None, 1, arrivals="bursty")


def test_schedule_round_trips_through_a_dict():
    s = Schedule((Step(10, 1), Step(20, 2)), "poisson", 3).share(1, 2)
    assert Schedule.from_dict(s.to_dict()) == s


class FakeClock:
    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def simulate(schedule, service, cap, stall_at=None, stall=0.0, send_cost=0.0):
    """A discrete-event open loop on a fake clock: each request takes `service` seconds unless
    it is in flight while the server stalls; returns (pacer, response times, service times)."""
    clock = FakeClock()
    pacer = Pacer(schedule, clock(), cap)
    in_flight: list[float] = []  # completion times
    responses, services = [], []
    stall_from = (clock.t + stall_at) if stall_at is not None else None
    while True:
        due = pacer.next_due()
        if due is None:
            break
        clock.t = max(clock.t, due)
        in_flight = [c for c in in_flight if c > clock.t]
        at_cap = len(in_flight) >= cap
        if at_cap:
            clock.t = min(in_flight)
            in_flight = [c for c in in_flight if c > clock.t]
        if pacer.expired(clock.t):
            break
        pacer.sent(due, clock.t, len(in_flight) + 1, at_cap)
        done = clock.t + service
        if stall_from is not None and clock.t < stall_from + stall and done > stall_from:
            done = max(done, stall_from + stall + service)
        in_flight.append(done)
        responses.append(done - due)
        services.append(done - clock.t)
        clock.t += send_cost
    return pacer.finish(), responses, services


def p99(xs):
    xs = sorted(xs)
    return xs[int(0.99 * len(xs)) - 1]


def test_on_time_sends_are_not_late():
    st, resp, serv = simulate(Schedule.constant_rate(500, 2.0), 0.020, cap=64)
    assert st.sent == st.scheduled == 1000 and st.late == 0 and st.skipped == 0
    assert max(resp) == pytest.approx(0.020) and max(serv) == pytest.approx(0.020)
    assert lateness_p99_ms(st) == 0.0


def test_a_stall_shows_in_response_time_not_service_time():
    # 500/s for 10 s, 20 ms service, the server stops for 1 s at t=5 s; 32 slots fill in
    # 64 ms, then the sends wait for slots: the intended-start clock keeps counting.
    # The ~500 requests due during the stall wait 0..1 s: the top 1% of 5,000 is >= 0.9 s.
    # Only the 32 sent into the stall (0.6%) show it in service time.
    st, resp, serv = simulate(Schedule.constant_rate(500, 10.0), 0.020, cap=32, stall_at=5.0, stall=1.0)
    assert p99(resp) >= 0.9
    assert p99(serv) < 0.1
    assert st.late > 0 and st.late_at_cap == st.late


def test_in_flight_cap_limits_and_is_named():
    # 1000/s with 50 ms service needs 50 in flight; 10 slots carry 200/s
    st, resp, serv = simulate(Schedule.constant_rate(1000, 2.0), 0.050, cap=10)
    assert st.sent < st.scheduled and st.skipped == st.scheduled - st.sent
    assert st.late_at_cap > 0
    d = diagnose(target_rate=1000, achieved_rate=st.sent / 2.0, stats=st, max_in_flight=10,
                 service_p50_ms=50.0, service_p50_first_ms=50.0, client_cpu_share=0.2)
    assert d.limited and d.resource == "in-flight cap"
    assert "--max-in-flight" in d.sentence


def test_a_slow_sender_is_client_cpu():
    # each send costs 5 ms of the sending loop: 200/s at most, slots never full
    st, _, _ = simulate(Schedule.constant_rate(500, 2.0), 0.001, cap=100, send_cost=0.005)
    assert st.late > 0 and st.late_at_cap == 0
    d = diagnose(target_rate=500, achieved_rate=st.sent / 2.0, stats=st, max_in_flight=100,
                 service_p50_ms=1.0, service_p50_first_ms=1.0, client_cpu_share=0.97)
    assert d.resource == "client CPU"


def test_diagnosis_engine_and_none():
    ok = PaceStats(scheduled=1000, sent=1000)
    assert diagnose(target_rate=500, achieved_rate=500, stats=ok, max_in_flight=8, service_p50_ms=2,
                    service_p50_first_ms=2, client_cpu_share=0.1).resource == "none"
    slow = PaceStats(scheduled=1000, sent=600, late=400, late_at_cap=390, skipped=400)
    d = diagnose(target_rate=500, achieved_rate=300, stats=slow, max_in_flight=8, service_p50_ms=40,
                 service_p50_first_ms=5, client_cpu_share=0.1)
    assert d.resource == "engine"
    # slow from the first second on (the first-second baseline is slow too): the fastest answer tells
    d = diagnose(target_rate=500, achieved_rate=300, stats=slow, max_in_flight=256, service_p50_ms=460,
                 service_p50_first_ms=450, client_cpu_share=0.1, service_min_ms=21)
    assert d.resource == "engine" and "raise --max-in-flight" not in d.sentence
    d = diagnose(target_rate=500, achieved_rate=300, stats=slow, max_in_flight=8, service_p50_ms=5,
                 service_p50_first_ms=5, client_cpu_share=0.1, throttled=12)
    assert d.resource == "engine" and "throttled 12" in d.sentence


def test_stop_counts_the_rest_as_skipped():
    s = Schedule.constant_rate(100, 1.0)
    pacer = Pacer(s, 0.0, 4)
    for _ in range(10):
        due = pacer.next_due()
        pacer.sent(due, due, 1)
    st = pacer.finish()
    assert st.sent == 10 and st.skipped == 90 and st.scheduled == 100
    with pytest.raises(ValueError):
        Pacer(s, 0.0, 0)


def test_sleep_until_never_returns_before_the_intended_start():
    import asyncio
    import time

    from ddbtui.bench.openloop import sleep_until

    ticks = iter(i * 0.0001 for i in range(1000))  # a fake clock: 0.1 ms per reading
    readings: list[float] = []

    def fake() -> float:
        readings.append(next(ticks))
        return readings[-1]

    asyncio.run(sleep_until(0.00035, fake))  # within EARLY_WAKE_S: yields, no timer sleep
    assert readings[-1] >= 0.00035 and all(r < 0.00035 for r in readings[:-1])

    async def real() -> tuple[float, float]:
        due = time.perf_counter() + 0.004
        await sleep_until(due, time.perf_counter)
        return due, time.perf_counter()

    due, woke = asyncio.run(real())
    assert woke >= due  # the property, not a speed: it never wakes before the intended start
