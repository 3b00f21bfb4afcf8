"""Plain statistics for benchmark reports (no I/O, no third-party imports at module level).

- `mean_stdev(xs)`: mean and *sample* standard deviation (n-1), as hyperfine reports;
  σ is None for a single value (hyperfine prints no ± then).
- `ratio_with_error(a, sa, b, sb)`: a/b with the uncertainty propagated the way hyperfine
  does it (relative errors added in quadrature):
  σ = (a/b)·sqrt((sa/a)² + (sb/b)²).
- `percentile(sorted_values, p)`: nearest-rank percentile of a list (used by tests and as a
  cross-check of the HdrHistogram figures).
- `new_histogram()`, `histogram_summary(h)`, `encode_histogram(h)`, `decode_histogram(s)`:
  latency histograms in microseconds (HdrHistogram, 1 µs .. 10 min, 3 significant digits);
  summaries are reported in milliseconds.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Sequence

from hdrh.histogram import HdrHistogram

# Latencies are recorded in microseconds.
HIST_LOWEST = 1
HIST_HIGHEST = 600_000_000  # 10 minutes
HIST_DIGITS = 3
PERCENTILES = (("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99_9", 99.9))


def mean_stdev(xs: Iterable[float]) -> tuple[float, float | None]:
    vals = [float(x) for x in xs]
    if not vals:
        raise ValueError("mean_stdev of no values")
    n = len(vals)
    m = math.fsum(vals) / n
    if n < 2:
        return m, None
    var = math.fsum((x - m) ** 2 for x in vals) / (n - 1)
    return m, math.sqrt(var)


def ratio_with_error(a: float, sa: float | None, b: float, sb: float | None) -> tuple[float, float | None]:
    """a/b and its propagated standard deviation (None when neither side has one)."""
    if b == 0:
        raise ZeroDivisionError("ratio with a zero denominator")
    r = a / b
    if sa is None and sb is None:
        return r, None
    ra = (sa or 0.0) / a if a else 0.0
    rb = (sb or 0.0) / b
    return r, abs(r) * math.sqrt(ra * ra + rb * rb)


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of an ascending list."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    if p <= 0:
        return sorted_values[0]
    k = math.ceil(p / 100.0 * len(sorted_values))
    return sorted_values[min(max(k, 1), len(sorted_values)) - 1]


# --------------------------------------------------------------------- histograms
def new_histogram() -> Any:  # an HdrHistogram (hdrh ships no type information)
    return HdrHistogram(HIST_LOWEST, HIST_HIGHEST, HIST_DIGITS)


def record_us(h: Any, micros: float, count: int = 1) -> None:
    v = int(micros)
    if v < HIST_LOWEST:
        v = HIST_LOWEST
    elif v > HIST_HIGHEST:
        v = HIST_HIGHEST
    h.record_value(v, count)


def encode_histogram(h: Any) -> str:
    """HdrHistogram's compressed base64 form (the same text HdrHistogram tools read)."""
    if h.get_total_count() == 0:
        return ""
    text: str = h.encode().decode("ascii")
    return text


def decode_histogram(text: str | bytes | None) -> Any:
    h = new_histogram()
    if text:
        h.add(HdrHistogram.decode(text.encode("ascii") if isinstance(text, str) else text))
    return h


def histogram_summary(h: Any, sum_us: float | None = None, sumsq_us: float | None = None) -> dict[str, Any]:
    """count, min/mean/stdev/max and percentiles, in milliseconds (None when empty).

    Pass the exact sum and sum of squares of the recorded microseconds when known: the
    histogram's own mean/stdev walk every bucket in Python (~0.2-0.7 s), too slow to run
    next to the workers being measured.
    """
    n = h.get_total_count()
    out: dict[str, Any] = {"count": n}
    keys = ["min", "mean", "stdev", "max"] + [k for k, _ in PERCENTILES]
    if n == 0:
        out.update({k: None for k in keys})
        return out
    out["min"] = h.get_min_value() / 1000.0
    if sum_us is not None:
        mean = sum_us / n
        var = max(0.0, (sumsq_us or 0.0) / n - mean * mean) if sumsq_us is not None else None
        out["mean"] = mean / 1000.0
        out["stdev"] = math.sqrt(var) / 1000.0 if var is not None else None
    else:
        out["mean"] = h.get_mean_value() / 1000.0
        out["stdev"] = h.get_stddev() / 1000.0
    out["max"] = h.get_max_value() / 1000.0
    vals = h.get_percentile_to_value_dict([p for _, p in PERCENTILES])
    for k, p in PERCENTILES:
        out[k] = vals[p] / 1000.0
    return out


# ------------------------------------------------------------------- formatting
def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.3f} s"


def fmt_mean_sd(m: float, sd: float | None, unit_fmt: Callable[[float], str] = fmt_seconds) -> str:
    if sd is None:
        return unit_fmt(m)
    return f"{unit_fmt(m)} ± {unit_fmt(sd)}"


def fmt_ms(v: float | None) -> str:
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"
