"""One progress row per strategy: name, bar (items done / total over all repeats), and
items/s + ETA while running, the result (items/s, lost) once finished."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar, Static

from ddbtui.bench.live import StrategyLive, fmt_eta


class StrategyProgress(Horizontal):
    DEFAULT_CSS = """
    StrategyProgress {
        height: 1;
        padding: 0 1;
    }
    StrategyProgress > .sp-name { width: 20; color: $text-muted; }
    StrategyProgress > ProgressBar { width: 1fr; max-width: 44; min-width: 14; }
    StrategyProgress > ProgressBar > Bar { width: 1fr; }
    StrategyProgress > .sp-info { width: 1fr; min-width: 28; padding-left: 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    StrategyProgress.-running { background: $boost; }
    StrategyProgress.-running > .sp-name { color: $accent; text-style: bold; }
    StrategyProgress.-running > .sp-info { color: $foreground; }
    StrategyProgress.-finished > .sp-name { color: $success; }
    StrategyProgress.-finished > .sp-info { color: $foreground; }
    StrategyProgress.-cancelled > .sp-name, StrategyProgress.-failed > .sp-name { color: $warning; }
    """

    def __init__(self, name: str, total: int, colour: tuple[int, int, int] | None = None) -> None:
        super().__init__(id=f"sp-{name}")
        self.strategy = name
        self.total = total
        self.colour = colour
        self.info = ""
        self.completed = 0
        self._shown = None

    def compose(self) -> ComposeResult:
        t = Text()
        if self.colour:
            t.append("■ ", style="rgb({},{},{})".format(*self.colour))
        t.append(self.strategy)
        yield Label(t, classes="sp-name")
        yield ProgressBar(total=self.total, show_eta=False, id=f"bar-{self.strategy}")
        yield Static("waiting", classes="sp-info", markup=False)

    @property
    def percentage(self) -> float:
        return self.query_one(ProgressBar).percentage or 0.0

    def show(self, st: StrategyLive) -> None:
        rep = f" run {st.repeat}/{st.repeats}" if st.repeats > 1 and st.repeat else ""
        if st.state == "running":
            eta = fmt_eta(st.eta_s)
            p99 = f" · p99 {st.p99_ms:,.1f} ms" if st.p99_ms is not None else ""
            if st.phase == "writing":
                # ETA and p99 first: a narrow terminal cuts the end of the line
                info = (f"ETA {eta}" if eta else "ETA …") + p99 + f" · {st.items_per_s:,.0f} items/s" + rep
            else:
                info = f"{st.phase}{rep}"
        elif st.state == "finished":
            ips = st.result_items_per_s
            lost = st.lost
            info = (f"✓ {ips:,.0f} items/s" if ips else "✓ done") + (f" · lost {lost:,}" if lost is not None else "")
        elif st.state == "cancelled":
            info = f"cancelled at {st.completed:,} (incomplete)"
        elif st.state == "failed":
            info = f"failed: {st.message}"
        else:
            info = "waiting"
        key = (st.state, st.completed, info)
        if key == self._shown:
            return
        self._shown = key
        self.completed = st.completed
        self.info = info
        for state in ("running", "finished", "cancelled", "failed"):
            self.set_class(st.state == state, f"-{state}")
        self.query_one(ProgressBar).update(total=st.total, progress=st.completed)
        self.query_one(".sp-info", Static).update(info, layout=False)
