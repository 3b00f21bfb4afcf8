"""Statistics with known inputs: percentiles, mean ± σ, ratios with propagated error."""

import math
import random

import pytest

from ddbtui.bench import stats
from ddbtui.bench.recorder import Recorder


def test_mean_stdev_sample():
    m, sd = stats.mean_stdev([2, 4, 4, 4, 5, 5, 7, 9])
    assert m == 5
    assert sd == pytest.approx(math.sqrt(32 / 7))  # sample (n-1) standard deviation


def test_mean_stdev_single_value_has_no_sigma():
    assert stats.mean_stdev([3.5]) == (3.5, None)
    with pytest.raises(ValueError):
        stats.mean_stdev([])


def test_ratio_with_error_like_hyperfine():
    # hyperfine: ratio = slower/faster, σ = ratio * sqrt((σs/s)² + (σf/f)²)
    r, sd = stats.ratio_with_error(10.0, 1.0, 2.0, 0.1)
    assert r == 5.0
    assert sd == pytest.approx(5.0 * math.sqrt(0.1 ** 2 + 0.05 ** 2))
    assert stats.ratio_with_error(3.0, None, 1.5, None) == (2.0, None)
    r, sd = stats.ratio_with_error(3.0, None, 1.5, 0.15)
    assert sd == pytest.approx(0.2)
    with pytest.raises(ZeroDivisionError):
        stats.ratio_with_error(1, None, 0, None)


def test_nearest_rank_percentile():
    xs = list(range(1, 101))
    assert stats.percentile(xs, 50) == 50
    assert stats.percentile(xs, 90) == 90
    assert stats.percentile(xs, 99) == 99
    assert stats.percentile(xs, 99.9) == 100
    assert stats.percentile(xs, 100) == 100
    assert stats.percentile([7], 50) == 7


def test_histogram_summary_matches_exact_values():
    rnd = random.Random(1)
    micros = [rnd.randint(100, 50_000) for _ in range(5000)]
    h = stats.new_histogram()
    for v in micros:
        stats.record_us(h, v)
    s = stats.histogram_summary(h, float(sum(micros)), float(sum(v * v for v in micros)))
    xs = sorted(micros)
    for key, p in stats.PERCENTILES:
        exact = stats.percentile(xs, p) / 1000.0
        assert s[key] == pytest.approx(exact, rel=2e-3)  # 3 significant digits
    assert s["count"] == 5000
    assert s["max"] == pytest.approx(max(xs) / 1000, rel=1e-3)
    m, sd = stats.mean_stdev(micros)
    assert s["mean"] == pytest.approx(m / 1000)
    assert s["stdev"] == pytest.approx(sd / 1000, rel=1e-3)
    # the slow path (histogram walk) agrees
    slow = stats.histogram_summary(h)
    assert slow["mean"] == pytest.approx(s["mean"], rel=1e-3)


def test_histogram_encode_decode_merge():
    a, b = stats.new_histogram(), stats.new_histogram()
    for v in (1000, 2000, 3000):
        stats.record_us(a, v)
    stats.record_us(b, 9000)
    merged = stats.decode_histogram(stats.encode_histogram(a))
    merged.add(stats.decode_histogram(stats.encode_histogram(b)))
    assert merged.get_total_count() == 4
    assert merged.get_max_value() == pytest.approx(9000, rel=1e-3)
    assert stats.encode_histogram(stats.new_histogram()) == ""
    assert stats.decode_histogram("").get_total_count() == 0


def test_empty_summary():
    s = stats.histogram_summary(stats.new_histogram())
    assert s["count"] == 0 and s["p99"] is None and s["mean"] is None


def test_recorder_counts_and_delta_merge():
    r = Recorder(total=10, exporting=True)
    r.start()
    r.record(0.002)
    r.record(0.004, retries=2, throttles=1)
    r.record(0.010, ok=0, failed=1, error="ValidationException", message="bad")
    r.record(0.050, ok=25)  # a batch of 25
    c = r.counts()
    assert c == {"requests": 4, "ok": 27, "failed": 1, "retried": 1, "retries": 2, "throttled": 1,
                 "server_errors": 0, "conn_errors": 0}
    assert r.first_error == "ValidationException: bad"
    assert sum(r.throughput_series()) * r.interval == pytest.approx(27)
    s = r.summary()
    assert s["mean"] == pytest.approx((2 + 4 + 10 + 50) / 4, rel=1e-6)
    # delta export / absorb reproduces the counts in another recorder (worker processes)
    other = Recorder()
    other.absorb(r.export_delta())
    assert other.counts() == c
    r.record(0.001)
    other.absorb(r.export_delta())
    assert other.requests == 5 and other.hist.get_total_count() == 5
    assert other.summary()["p50"] == pytest.approx(r.summary()["p50"])


def test_snapshot_delta_only_new():
    r = Recorder()
    r.start()
    r.record(0.001)
    first = r.take_snapshot_delta()
    assert stats.decode_histogram(first).get_total_count() == 1
    assert r.take_snapshot_delta() == ""
