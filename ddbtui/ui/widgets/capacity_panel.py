"""The live view's capacity-model panel (#16): while a run goes through the proxy with
`--capacity-model aws`, throttles split by why (hot key, table or GSI capacity with the burst
spent, on-demand maximum, account quota) and each provisioned bucket's level as % of its
burst allowance over time (one sparkline row per bucket). The figures are the proxy's own
counters (`/__ddbtui/stats`), grouped by `ddbtui.local.proxy.capacity`; nothing is estimated here."""

from __future__ import annotations

from collections import deque
from typing import Any

from rich.text import Text
from textual.widgets import Static

from ddbtui.local.proxy.capacity import bucket_levels, throttles_by_group

_BARS = "▁▂▃▄▅▆▇█"
HISTORY = 240  # samples kept per bucket (1 per second: 4 minutes)
MAX_BUCKET_ROWS = 3


def sparkline(values: list[float], width: int) -> str:
    """0..100 values as block characters, the newest on the right."""
    vals = values[-width:] if width > 0 else []
    return "".join(_BARS[min(len(_BARS) - 1, int(v / 100.0 * len(_BARS)))] for v in vals)


class CapacityPanel(Static):
    """Throttles by reason and bucket levels; `show(stats)` with the proxy's `capacity` dict."""

    DEFAULT_CSS = """
    CapacityPanel { height: auto; max-height: 4; padding: 0 1; }
    """

    def __init__(self, **kw: Any) -> None:
        super().__init__("capacity model: waiting for the proxy's first figures…", markup=False, **kw)
        self.history: dict[str, deque[float]] = {}
        self.throttled: dict[str, int] = {}
        self.samples = 0

    @property
    def rows(self) -> int:
        return 1 + min(MAX_BUCKET_ROWS, len(self.history))

    def show(self, stats: dict[str, Any] | None) -> None:
        if stats is None:
            return
        self.samples += 1
        self.throttled = throttles_by_group(stats.get("throttled") or {})
        for name, level in bucket_levels(stats).items():
            self.history.setdefault(name, deque(maxlen=HISTORY)).append(level)
        self.update(self.render_text(self.size.width or 80))

    def render_text(self, width: int) -> Text:
        total = sum(self.throttled.values())
        t = Text.assemble(("capacity model ", "bold"), ("throttled ", "dim"),
                          (f"{total:,}", "bold yellow" if total else ""))
        if total:
            t.append(": ", "dim")
            t.append(" · ".join(f"{g} {n:,}" for g, n in sorted(self.throttled.items(), key=lambda kv: -kv[1])))
        for name, hist in list(self.history.items())[:MAX_BUCKET_ROWS]:
            label = name if len(name) <= 26 else "…" + name[-25:]
            spark_w = max(0, width - 2 - 27 - 20)
            t.append("\n")
            t.append(f"{label:<26} ", "cyan")
            t.append(sparkline(list(hist), spark_w), "green" if hist[-1] > 20 else "bold red")
            t.append(f" {hist[-1]:5.1f}% of burst", "dim")
        return t
