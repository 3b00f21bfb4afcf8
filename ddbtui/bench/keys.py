"""Key and item-size distributions for mixed workloads (pure, seeded, no I/O).

Key choosers return a record *index* in 0..n-1; the workload turns an index into a key
(so the keys are the same ones the load phase wrote). Distributions follow YCSB's
generators (core/src/main/java/site/ycsb/generator):

- `uniform`: every record equally likely.
- `zipfian[:theta]`: Gray et al.'s algorithm as in YCSB's ZipfianGenerator (theta 0.99 by
  default: a few records take most requests); *scrambled* as YCSB does (FNV-1a hash of the
  rank) so the hot records are spread over the key space, not the first ones written.
- `hotspot[:hot_fraction[:hot_op_fraction]]`: `hot_op_fraction` of requests (0.8) go to the
  first `hot_fraction` of records (0.2), the rest uniformly to the others.
- `latest[:theta]`: zipfian over recency: the most recently inserted record is the most
  likely (YCSB's SkewedLatestGenerator); pass the current record count on every call.

Item sizes (`--item-sizes`): `fixed:B`, `uniform:A-B`, `normal:MEAN,SD` (clamped to
1..400 KB), `zipfian:A-B` (small sizes common, large rare).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Protocol

from ddbtui.dynamo.codec import MAX_ITEM_BYTES

KEY_DISTRIBUTIONS = ("uniform", "zipfian", "hotspot", "latest")
SIZE_DISTRIBUTIONS = ("fixed", "uniform", "normal", "zipfian")
DEFAULT_THETA = 0.99

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3


def fnv1a64(v: int) -> int:
    h = _FNV_OFFSET
    for _ in range(8):
        h ^= v & 0xFF
        h = (h * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
        v >>= 8
    return h


def zeta(n: int, theta: float) -> float:
    return math.fsum(1.0 / (i ** theta) for i in range(1, n + 1))


class KeyChooser(Protocol):
    name: str

    def next(self, rng: random.Random, count: int | None = None) -> int: ...

    def describe(self) -> str: ...


@dataclass
class Uniform:
    n: int
    name: str = "uniform"

    def next(self, rng: random.Random, count: int | None = None) -> int:
        return rng.randrange(count if count else self.n)

    def describe(self) -> str:
        return "uniform"


class Zipfian:
    """Ranks 0..n-1 with P(rank k) ∝ 1/(k+1)^theta (YCSB's ZipfianGenerator, Gray et al.)."""
    name = "zipfian"

    def __init__(self, n: int, theta: float = DEFAULT_THETA, scrambled: bool = True):
        if n < 1:
            raise ValueError("a key distribution needs at least one record")
        if not (0 < theta < 1):
            raise ValueError(f"zipfian theta must be between 0 and 1 (exclusive), got {theta}")
        self.n = n
        self.theta = theta
        self.scrambled = scrambled
        self.alpha = 1.0 / (1.0 - theta)
        self.zetan = zeta(n, theta)
        self.zeta2 = zeta(2, theta)
        self.eta = (1 - (2.0 / n) ** (1 - theta)) / (1 - self.zeta2 / self.zetan) if n > 1 else 1.0

    def rank(self, rng: random.Random) -> int:
        u = rng.random()
        uz = u * self.zetan
        if uz < 1.0:
            return 0
        if uz < 1.0 + 0.5 ** self.theta:
            return 1 if self.n > 1 else 0
        return min(self.n - 1, int(self.n * (self.eta * u - self.eta + 1) ** self.alpha))

    def next(self, rng: random.Random, count: int | None = None) -> int:
        r = self.rank(rng)
        return fnv1a64(r) % self.n if self.scrambled else r

    def describe(self) -> str:
        return f"zipfian θ={self.theta:g}"


@dataclass
class Hotspot:
    n: int
    hot_fraction: float = 0.2
    hot_op_fraction: float = 0.8
    name: str = "hotspot"

    def __post_init__(self) -> None:
        if not (0 < self.hot_fraction <= 1) or not (0 <= self.hot_op_fraction <= 1):
            raise ValueError("hotspot takes hot_fraction in (0,1] and hot_op_fraction in [0,1], "
                             "e.g. hotspot:0.2:0.8")

    def next(self, rng: random.Random, count: int | None = None) -> int:
        n = count if count else self.n
        hot = max(1, int(n * self.hot_fraction))
        if hot >= n or rng.random() < self.hot_op_fraction:
            return rng.randrange(hot)
        return hot + rng.randrange(n - hot)

    def describe(self) -> str:
        return f"hotspot {self.hot_op_fraction:.0%} of requests to {self.hot_fraction:.0%} of keys"


class Latest:
    """The newest record most likely: index = count-1 - zipfian rank (not scrambled)."""
    name = "latest"

    def __init__(self, n: int, theta: float = DEFAULT_THETA):
        self.zipf = Zipfian(n, theta, scrambled=False)
        self.n = n

    def next(self, rng: random.Random, count: int | None = None) -> int:
        c = count if count else self.n
        return max(0, c - 1 - (self.zipf.rank(rng) % c))

    def describe(self) -> str:
        return f"latest θ={self.zipf.theta:g}"


def _floats(parts: list[str], what: str) -> list[float]:
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"--keys: {what} takes numbers, got {':'.join(parts)!r}") from None


def parse_keys(text: str, n: int) -> KeyChooser:
    """'uniform' | 'zipfian[:theta]' | 'hotspot[:hot_fraction[:hot_op_fraction]]' | 'latest[:theta]'."""
    name, *args = [p.strip() for p in (text or "uniform").strip().split(":")]
    if n < 1:
        raise ValueError("a key distribution needs at least one record (--records)")
    if name == "uniform" and not args:
        return Uniform(n)
    if name in ("zipfian", "latest") and len(args) <= 1:
        theta = _floats(args, name)[0] if args else DEFAULT_THETA
        return Zipfian(n, theta) if name == "zipfian" else Latest(n, theta)
    if name == "hotspot" and len(args) <= 2:
        vals = _floats(args, name) + [0.2, 0.8][len(args):]
        return Hotspot(n, vals[0], vals[1])
    raise ValueError(f"--keys: {text!r}: use uniform, zipfian[:THETA], hotspot[:HOT_FRACTION[:HOT_OP_FRACTION]] "
                     f"or latest[:THETA]")


# ---------------------------------------------------------------------- sizes
@dataclass(frozen=True)
class SizeDist:
    kind: str
    a: int
    b: int = 0

    def sample(self, rng: random.Random) -> int:
        if self.kind == "fixed":
            v = self.a
        elif self.kind == "uniform":
            v = rng.randint(self.a, self.b)
        elif self.kind == "normal":
            v = int(round(rng.gauss(self.a, self.b)))
        else:  # zipfian over the range, small sizes most common
            span = self.b - self.a + 1
            v = self.a + int(span * rng.random() ** 3)
        return min(MAX_ITEM_BYTES, max(1, v))

    def describe(self) -> str:
        return {"fixed": f"{self.a} B", "uniform": f"{self.a}-{self.b} B uniform",
                "normal": f"{self.a}±{self.b} B normal", "zipfian": f"{self.a}-{self.b} B skewed small"}[self.kind]

    def mean(self) -> float:
        if self.kind == "fixed" or self.kind == "normal":
            return float(self.a)
        if self.kind == "uniform":
            return (self.a + self.b) / 2
        return self.a + (self.b - self.a + 1) / 4  # E[u^3] = 1/4


def parse_sizes(text: str) -> SizeDist:
    """'fixed:1024' | 'uniform:100-4000' | 'normal:1024,256' | 'zipfian:100-100000' (bytes)."""
    kind, sep, arg = (text or "").strip().partition(":")
    bad = ValueError(f"--item-sizes: {text!r}: use fixed:B, uniform:A-B, normal:MEAN,SD or zipfian:A-B (bytes)")
    if not sep or kind not in SIZE_DISTRIBUTIONS:
        raise bad
    try:
        if kind == "fixed":
            d = SizeDist(kind, int(arg))
        elif kind == "normal":
            m, sd = arg.split(",")
            d = SizeDist(kind, int(m), int(sd))
        else:
            lo, hi = arg.split("-")
            d = SizeDist(kind, int(lo), int(hi))
    except ValueError:
        raise bad from None
    lo_ok = d.a >= 1 and d.b >= 0
    if not lo_ok or d.a > MAX_ITEM_BYTES or (kind in ("uniform", "zipfian") and not d.a <= d.b <= MAX_ITEM_BYTES):
        raise ValueError(f"--item-sizes: sizes must be 1..{MAX_ITEM_BYTES} bytes (DynamoDB's 400 KB item limit), "
                         f"low <= high: got {text!r}")
    return d
