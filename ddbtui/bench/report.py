"""Console rendering of a benchmark: live progress, then the results table and comparisons.

Rich when stdout is a terminal; plain lines otherwise (or with `plain=True`). Both read a
`LiveModel` fed from the session's snapshots, then the result document, like the TUI does.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,  # only on a terminal
)
from rich.table import Table

from ddbtui.bench.events import Phase, RunState
from ddbtui.bench.live import LiveModel
from ddbtui.bench.mixed import LoadSpec
from ddbtui.bench.stats import fmt_mean_sd, fmt_ms, fmt_seconds


# ------------------------------------------------------------------ live progress
class PlainProgress:
    """One line per phase change and per finished run; a progress line every ~2 s. Reads
    a `LiveModel` (fed by the caller), like the TUI's live view."""

    def __init__(self, out: TextIO | None = None, every: float = 2.0):
        self.out = out or sys.stdout
        self.every = every
        self._last_line = 0.0
        self._changes = 0
        self._runs = 0

    def __enter__(self) -> "PlainProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, model: LiveModel) -> None:
        for ch in model.phase_changes[self._changes:]:
            label = f"[{ch.strategy} {ch.repeat}/{ch.repeats}] " if ch.strategy else ""
            print(f"{label}{ch.message or ch.phase}", file=self.out, flush=True)
        self._changes = len(model.phase_changes)
        if model.runs_seen != self._runs:
            self._runs = model.runs_seen
            self._last_line = 0.0
        st = model.current_strategy
        if (st is not None and st.state == RunState.RUNNING and st.phase == Phase.WRITING and st.done
                and time.monotonic() - self._last_line >= self.every):
            self._last_line = time.monotonic()
            print(f"[{st.name} {st.repeat}/{st.repeats}] {st.done:,}/{st.run_total or st.items:,} items, "
                  f"{st.items_per_s:,.0f} items/s, p99 {fmt_ms(st.p99_ms)} ms", file=self.out, flush=True)


class RichProgress:
    """A Rich progress bar per strategy (all repeats in one bar), from a `LiveModel`."""

    def __init__(self, console: Any, strategies: list[str], items: int, repeat: int):
        self.console = console
        self.progress = Progress(TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[rate]:>12}"), TextColumn("{task.fields[phase]}"),
                                 TimeElapsedColumn(), console=console, refresh_per_second=8)
        self.tasks = {name: self.progress.add_task(name, total=items * repeat, rate="", phase="waiting",
                                                   start=False)
                      for name in strategies}

    def __enter__(self) -> "RichProgress":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        return self.progress.__exit__(*exc)

    def update(self, model: LiveModel) -> None:
        for st in model:
            tid = self.tasks.get(st.name)
            if tid is None or st.state == RunState.WAITING:
                continue
            task = self.progress.tasks[tid]
            if not task.started:
                self.progress.start_task(tid)
            phase = str(st.phase) if st.repeats == 1 else f"{st.phase} {st.repeat}/{st.repeats}"
            rate = f"{st.items_per_s:,.0f} it/s" if st.state == RunState.RUNNING else ""
            fields: dict[str, Any] = {"phase": phase}
            if rate:
                fields["rate"] = rate
            self.progress.update(tid, completed=st.completed, total=st.total, **fields)
            if st.state in (RunState.FINISHED, RunState.CANCELLED, RunState.FAILED) and not task.finished:
                self.progress.stop_task(tid)


# ------------------------------------------------------------------------ results
COLUMNS = ("strategy", "conc", "items/s", "time (mean ± σ)", "range (min … max)", "p50", "p90", "p99",
           "p99.9", "max ms", "CPU µs/item", "retries", "throttles", "failed", "verified", "lost")


def _range(s: dict[str, Any]) -> str:
    """'1.000 s … 1.400 s' over the repeats; '-' with fewer than two timed repeats."""
    if not s.get("wall_min_s") or (s.get("runs") or 0) < 2 or s["wall_min_s"] == s["wall_max_s"]:
        return "-"
    return f"{fmt_seconds(s['wall_min_s'])} … {fmt_seconds(s['wall_max_s'])}"


def rows(doc: dict[str, Any]) -> list[list[str]]:
    out = []
    runs = doc.get("runs", [])
    for s in doc.get("summary", []):
        lat = s.get("latency_ms") or {}
        conc = {r.get("concurrency") for r in runs if r["strategy"] == s["strategy"]}
        lost = None if s.get("lost") is None else max(s["lost"], s.get("missing") or 0)
        out.append([
            s["strategy"], "/".join(str(c) for c in sorted(c for c in conc if c)),
            f"{s['items_per_s_mean']:,.0f}" if s.get("items_per_s_mean") else "-",
            fmt_mean_sd(s["wall_mean_s"], s["wall_stdev_s"]) if s.get("wall_mean_s") else "-",
            _range(s),
            fmt_ms(lat.get("p50")), fmt_ms(lat.get("p90")), fmt_ms(lat.get("p99")), fmt_ms(lat.get("p99_9")),
            fmt_ms(lat.get("max")),
            f"{s['cpu_us_per_item_mean']:,.0f}" if s.get("cpu_us_per_item_mean") is not None else "-",
            f"{s['retries']:,}", f"{s['throttled']:,}", f"{s['failed']:,}",
            f"{s['verified']:,}" if s.get("verified") is not None else "-",
            f"{lost:,}" if lost is not None else "-",
        ])
    return out


def comparison_lines(doc: dict[str, Any]) -> list[str]:
    lines = []
    for c in doc.get("comparisons", []):
        sd = f" ± {c['ratio_stdev']:.2f}" if c.get("ratio_stdev") is not None else ""
        lines.append(f"{c['faster']} ran {c['ratio']:.2f}{sd} times faster than {c['slower']}")
    return lines


def hyperfine_lines(doc: dict[str, Any]) -> list[str]:
    """Per strategy: 'Time (mean ± σ)', 'Range (min … max)', runs; as hyperfine prints them."""
    out = []
    for s in doc.get("summary", []):
        if not s.get("wall_mean_s"):
            continue
        out.append(f"Strategy: {s['strategy']}")
        tm = fmt_mean_sd(s["wall_mean_s"], s["wall_stdev_s"])
        ips = (f"{s['items_per_s_mean']:,.0f}" + (f" ± {s['items_per_s_stdev']:,.0f}" if s.get("items_per_s_stdev") is not None else "")
               if s.get("items_per_s_mean") else "-")
        out.append(f"  Time (mean ± σ):     {tm}    [{ips} items/s]")
        if _range(s) != "-":
            out.append(f"  Range (min … max):   {_range(s)}    {s['runs']} runs")
        else:
            out.append(f"  {s['runs']} run{'s' if s['runs'] != 1 else ''}")
    return out


def header_lines(doc: dict[str, Any]) -> list[str]:
    st, tg, m = doc.get("settings", {}), doc.get("target", {}), doc.get("machine", {})
    where = f"{tg.get('engine')} @ {tg.get('host')}" if tg.get("engine") else f"{tg.get('host')} ({tg.get('region')})"
    if st.get("load"):  # a mixed / open-loop run (#15): say what ran, not the write benchmark's fields
        spec = LoadSpec.from_dict(st["load"])
        conc = "" if spec.open else f", concurrency {st.get('concurrency')}"
        first = (f"ddbtui bench {doc.get('id')}: {spec.describe()}; {st.get('workload')} items{conc}, "
                 f"{st.get('repeat')} repeat(s), retry mode {st.get('retry_mode')}, seed {st.get('seed')}")
    else:
        first = (f"ddbtui bench {doc.get('id')}: {st.get('items'):,} {st.get('workload')} items"
                 f"{' of ~' + str(st.get('item_bytes')) + ' B' if st.get('item_bytes') else ''}, "
                 f"concurrency {st.get('concurrency')}, {st.get('repeat')} repeat(s), retry mode "
                 f"{st.get('retry_mode')}, seed {st.get('seed')}")
    lines = [first, f"target: {where}; client machine: {m.get('cpu_count')} cores"]
    if tg.get("proxy"):
        lines.append(f"fault proxy: {tg['proxy'].get('describe') or tg['proxy'].get('config')}")
    return lines


def proxy_lines(doc: dict[str, Any]) -> list[str]:
    out = []
    for r in doc.get("runs", []):
        p = r.get("proxy")
        if not p:
            continue
        inj = {k: v for k, v in (p.get("injected") or {}).items() if v}
        inj_s = ", ".join(f"{k} {v}" for k, v in inj.items()) or "nothing"
        out.append(f"{r['strategy']} #{r['repeat']}: proxy saw {p.get('requests')} requests, injected {inj_s}; "
                   f"client counted {r['retries']} retries, {r['throttled']} throttles, "
                   f"{r['server_errors']} 5xx, {r['conn_errors']} connection errors")
        cap = p.get("capacity")
        if cap:
            by = ", ".join(f"{k} {v}" for k, v in sorted((cap.get("throttled") or {}).items())) or "none"
            out.append(f"{r['strategy']} #{r['repeat']}: capacity model admitted {cap.get('admitted')}, "
                       f"throttled by reason: {by}")
    return out


def problem_lines(doc: dict[str, Any]) -> list[str]:
    out = []
    for r in doc.get("runs", []):
        label = f"{r['strategy']} #{r['repeat']}"
        if r.get("error"):
            out.append(f"{label}: {r['error']}")
        elif r.get("first_error"):
            out.append(f"{label}: {r['failed']} failed; first error {r['first_error']}")
        if (r.get("lost") or 0) > 0:
            out.append(f"{label}: LOST {r['lost']} acknowledged items (table holds {r['verified']}, {r['ok']} acknowledged)")
        if (r.get("missing") or 0) > 0:
            out.append(f"{label}: {r['missing']} of {r['items']} items missing from the table")
        if r.get("verification", "").startswith("failed"):
            out.append(f"{label}: verification {r['verification']}")
        for n in r.get("notes") or []:
            if "died" in n or "worker" in n:
                out.append(f"{label}: {n}")
    if doc.get("error"):
        out.append(doc["error"])
    if not doc.get("complete"):
        out.append("INCOMPLETE: the run was cancelled or failed; figures cover what was measured.")
    return out


def render_plain(doc: dict[str, Any], out: TextIO | None = None) -> None:
    out = out or sys.stdout

    def p(s: str = "") -> None:
        print(s, file=out)

    for line in header_lines(doc):
        p(line)
    p()
    table = [list(COLUMNS)] + rows(doc)
    widths = [max(len(r[i]) for r in table) for i in range(len(COLUMNS))]
    for i, r in enumerate(table):
        p("  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths))))
        if i == 0:
            p("  ".join("-" * w for w in widths))
    p("latency columns in ms; time = wall time of the measured window (setup excluded)")
    p()
    for line in hyperfine_lines(doc):
        p(line)
    comps = comparison_lines(doc)
    if comps:
        p()
        p("Summary")
        for line in comps:
            p("  " + line)
    for block in (proxy_lines(doc), problem_lines(doc)):
        if block:
            p()
            for line in block:
                p(line)


def render_rich(doc: dict[str, Any], console: Any) -> None:
    for line in header_lines(doc):
        console.print(line, highlight=False)
    t = Table(show_lines=False, header_style="bold", title="latency in ms", title_justify="left")
    for i, c in enumerate(COLUMNS):
        t.add_column(c, justify="left" if i == 0 else "right", no_wrap=True)
    for r in rows(doc):
        style = "bold red" if r[-1] not in ("0", "-") else None
        t.add_row(*r, style=style)
    console.print(t)
    for line in hyperfine_lines(doc):
        console.print(line, highlight=False)
    comps = comparison_lines(doc)
    if comps:
        console.print("\n[bold]Summary[/]")
        for line in comps:
            console.print("  " + line, highlight=False)
    px = proxy_lines(doc)
    if px:
        console.print()
        for line in px:
            console.print(line, highlight=False)
    probs = problem_lines(doc)
    if probs:
        console.print()
        for line in probs:
            console.print(f"[red]{line}[/]", highlight=False)
