"""Compare and export benchmark result documents (no textual; the TUI's history screen and
tests use it).

- `compare_rows(docs)`: one flat row per (run document, strategy) from each document's
  `summary` (the statistics come from ddbtui.bench.results / stats, not recomputed here).
- `chart_series(docs, metric)`: strategies (union, first-seen order) and, per document, the
  metric per strategy (None where a run lacks it) for a grouped bar chart.
- `to_json(docs)`, `to_csv(docs)`, `to_markdown(docs)`, `export(docs, path, fmt)`.

Only what result documents already hold is written: target host/region/engine, never
credentials or profile names.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime
from pathlib import Path

from ddbtui.bench.mixed import LoadSpec
from ddbtui.bench.report import comparison_lines
from ddbtui.bench.stats import fmt_mean_sd, fmt_ms

SCHEMA = "ddbtui-bench-compare/1"
FORMATS = ("json", "csv", "md")
METRICS = {  # metric -> (label, getter on a summary)
    "items_per_s": ("items/s", lambda s: s.get("items_per_s_mean")),
    "p50": ("p50 ms", lambda s: (s.get("latency_ms") or {}).get("p50")),
    "p99": ("p99 ms", lambda s: (s.get("latency_ms") or {}).get("p99")),
    "cpu_us_per_item": ("CPU µs/item", lambda s: s.get("cpu_us_per_item_mean")),
}

COLUMNS = ("run", "created", "target", "engine", "workload", "items", "concurrency", "repeat",
           "retry_mode", "proxy", "complete", "strategy", "runs", "items_per_s", "items_per_s_stdev",
           "wall_mean_s", "wall_stdev_s", "wall_min_s", "wall_max_s", "p50_ms", "p90_ms", "p99_ms",
           "p99_9_ms", "max_ms", "cpu_us_per_item", "retries", "throttled", "failed", "verified", "lost",
           # mixed / open-loop runs (#15); empty for plain write runs
           "mode", "service_p99_ms", "rcu", "wcu", "on_demand_usd")


def run_label(doc: dict) -> str:
    """Short label for a run: `MM-DD HH:MM <id>`."""
    try:
        ts = datetime.fromisoformat(doc["created"]).astimezone().strftime("%m-%d %H:%M")
    except Exception:
        ts = "?"
    return f"{ts} {doc.get('id', '?')}"


def describe_settings(doc: dict) -> str:
    st = doc.get("settings") or {}
    if st.get("load"):  # a mixed / open-loop run: what it did, in the engine's own words
        return f"{LoadSpec.from_dict(st['load']).describe()} ×{st.get('repeat', 1)}"
    parts = [f"{st.get('items', '?')} {st.get('workload', 'books')}",
             f"c={st.get('concurrency', '?')}", f"×{st.get('repeat', 1)}", f"retry {st.get('retry_mode', '?')}"]
    if st.get("item_bytes"):
        parts.insert(1, f"~{st['item_bytes']} B")
    proxy = (doc.get("target") or {}).get("proxy")
    if proxy:
        cfg = proxy.get("config") or {}
        parts.append(f"proxy {cfg.get('describe') or 'on'}")
    return " ".join(parts)


def compare_rows(docs: list[dict]) -> list[dict]:
    rows = []
    for doc in docs:
        st, tg = doc.get("settings") or {}, doc.get("target") or {}
        proxy = (tg.get("proxy") or {}).get("config") or {}
        for s in doc.get("summary") or []:
            lat = s.get("latency_ms") or {}
            lost = s.get("lost")
            if lost is not None:
                lost = max(lost, s.get("missing") or 0)
            rows.append({
                "run": doc.get("id"), "created": doc.get("created"), "target": tg.get("host"),
                "engine": tg.get("engine") or ("aws" if tg.get("is_aws") else None),
                "workload": st.get("workload"), "items": st.get("items"), "concurrency": st.get("concurrency"),
                "repeat": st.get("repeat"), "retry_mode": st.get("retry_mode"),
                "proxy": proxy.get("describe") if proxy else None, "complete": bool(doc.get("complete")),
                "strategy": s.get("strategy"), "runs": s.get("runs"),
                "items_per_s": s.get("items_per_s_mean"), "items_per_s_stdev": s.get("items_per_s_stdev"),
                "wall_mean_s": s.get("wall_mean_s"), "wall_stdev_s": s.get("wall_stdev_s"),
                "wall_min_s": s.get("wall_min_s"), "wall_max_s": s.get("wall_max_s"),
                "p50_ms": lat.get("p50"), "p90_ms": lat.get("p90"), "p99_ms": lat.get("p99"),
                "p99_9_ms": lat.get("p99_9"), "max_ms": lat.get("max"),
                "cpu_us_per_item": s.get("cpu_us_per_item_mean"), "retries": s.get("retries"),
                "throttled": s.get("throttled"), "failed": s.get("failed"), "verified": s.get("verified"),
                "lost": lost,
                "mode": s.get("mode"), "service_p99_ms": (s.get("service_ms") or {}).get("p99"),
                "rcu": (s.get("capacity") or {}).get("rcu"), "wcu": (s.get("capacity") or {}).get("wcu"),
                "on_demand_usd": _on_demand_usd(doc, s.get("strategy")),
            })
    return rows


def _on_demand_usd(doc: dict, strategy: str | None) -> float | None:
    """The on-demand cost of a strategy's mixed runs (summed over repeats), or None."""
    costs = [((r.get("cost") or {}).get("on_demand") or {}).get("run_usd") for r in doc.get("runs") or []
             if r.get("strategy") == strategy]
    known: list[float] = [c for c in costs if c is not None]
    return sum(known) if known else None


def chart_series(docs: list[dict], metric: str = "items_per_s") -> tuple[list[str], list[list[float | None]]]:
    get = METRICS[metric][1]
    names: list[str] = []
    for doc in docs:
        for s in doc.get("summary") or []:
            if s["strategy"] not in names:
                names.append(s["strategy"])
    values = []
    for doc in docs:
        by = {s["strategy"]: get(s) for s in doc.get("summary") or []}
        values.append([by.get(n) for n in names])
    return names, values


def to_json(docs: list[dict]) -> str:
    out = {"schema": SCHEMA,
           "runs": [{"id": d.get("id"), "created": d.get("created"), "finished": d.get("finished"),
                     "complete": d.get("complete"), "settings": d.get("settings"), "target": d.get("target"),
                     "summary": [{k: v for k, v in s.items() if k != "histogram"} for s in d.get("summary") or []],
                     "comparisons": d.get("comparisons") or [], "error": d.get("error")}
                    for d in docs],
           "rows": compare_rows(docs)}
    return json.dumps(out, indent=1, default=str) + "\n"


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def to_csv(docs: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in compare_rows(docs):
        w.writerow([_cell(r[c]) for c in COLUMNS])
    return buf.getvalue()


def _md(v, fmt: str = "{:,.0f}") -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return fmt.format(v)
    return str(v).replace("|", "\\|")


def to_markdown(docs: list[dict]) -> str:
    lines = ["# ddbtui benchmark comparison", ""]
    for d in docs:
        tg = d.get("target") or {}
        where = f"{tg.get('engine')} @ {tg.get('host')}" if tg.get("engine") else f"{tg.get('host')} ({tg.get('region')})"
        flag = "" if d.get("complete") else " — **incomplete**"
        lines.append(f"- **{run_label(d)}**: {where}; {describe_settings(d)}{flag}")
    lines += ["", "| run | strategy | items/s | time (mean ± σ) | p50 ms | p99 ms | p99.9 ms | max ms | "
                  "CPU µs/item | retries | throttles | failed | verified | lost |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for d in docs:
        for s in d.get("summary") or []:
            lat = s.get("latency_ms") or {}
            lost = s.get("lost")
            if lost is not None:
                lost = max(lost, s.get("missing") or 0)
            tm = fmt_mean_sd(s["wall_mean_s"], s.get("wall_stdev_s")) if s.get("wall_mean_s") else "-"
            lines.append("| " + " | ".join([
                run_label(d), _md(s.get("strategy")), _md(s.get("items_per_s_mean")), tm,
                fmt_ms(lat.get("p50")), fmt_ms(lat.get("p99")), fmt_ms(lat.get("p99_9")), fmt_ms(lat.get("max")),
                _md(s.get("cpu_us_per_item_mean")), _md(s.get("retries")), _md(s.get("throttled")),
                _md(s.get("failed")), _md(s.get("verified")), _md(lost)]) + " |")
    comps = [(d, comparison_lines(d)) for d in docs]
    if any(c for _, c in comps):
        lines += ["", "## Within each run", ""]
        for d, cl in comps:
            for c in cl:
                lines.append(f"- {run_label(d)}: {c}")
    return "\n".join(lines) + "\n"


RENDER = {"json": to_json, "csv": to_csv, "md": to_markdown}


def export(docs: list[dict], path: str | os.PathLike, fmt: str | None = None) -> Path:
    """Write the selection; `fmt` json|csv|md (default: from the file extension)."""
    p = Path(path).expanduser()
    fmt = (fmt or p.suffix.lstrip(".") or "json").lower()
    if fmt == "markdown":
        fmt = "md"
    if fmt not in RENDER:
        raise ValueError(f"export format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if not docs:
        raise ValueError("nothing to export: select at least one run")
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(RENDER[fmt](docs))
    os.replace(tmp, p)
    return p
