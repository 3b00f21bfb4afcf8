"""`make bench`: every side-by-side performance figure, each as a ratio with its target.

Starts one DynamoDB Local (in memory) shared by all parts (the 100k-item table is seeded
once per run), runs each part as its own process (their output streams through), then
prints a summary: figure, ratio, target, met/missed, and the raw numbers behind it.

Parts (each also runs alone; see its docstring):
  harness     benchmarks/harness_overhead.py  ddbtui strategies vs plain reference scripts
  peers       benchmarks/raw_vs_peers.py      raw client CPU/item vs aioboto3, aiodynamo, boto3, the floor
  little      benchmarks/littles_law.py       best single-put under 20 ms latency, c=64
  tui         benchmarks/tui_cost.py          UI CPU and event-loop lag (if present)
  startup     benchmarks/startup.py           launch to first frame
  items       benchmarks/items_browser.py     100k-item table: first page, load all, RSS
  openloop    benchmarks/open_loop.py         open loop 500/s +20 ms, a 1 s engine stall, scheduler cost
  memory      benchmarks/bench_memory.py      bench engine RSS at 10k, 1M, 10M items (flat memory)
  virtual     benchmarks/items_virtual.py     1,000,000 items in the virtual table: B/item, frame cost

    .venv/bin/python benchmarks/run.py                     # everything (~7-9 min on 2 cores)
    .venv/bin/python benchmarks/run.py --only startup,items
    .venv/bin/python benchmarks/run.py --quick             # fewer rounds/items (~4 min)
    .venv/bin/python benchmarks/run.py --json results.json --markdown table.md
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import PY, ROOT, machine_line, strip_ansi  # noqa: E402

PARTS = ("harness", "peers", "little", "tui", "startup", "items", "openloop", "memory", "virtual")


def run_part(name: str, args: list[str], timeout: float) -> tuple[int, str, float]:
    """Run a part, streaming its output; (exit code, output, seconds)."""
    print(f"\n=== {name}: {' '.join(args)}", flush=True)
    t0 = time.perf_counter()
    p = subprocess.Popen([PY, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
    out = []
    deadline = time.monotonic() + timeout
    assert p.stdout is not None
    for line in p.stdout:
        out.append(line)
        print("  " + line, end="", flush=True)
        if time.monotonic() > deadline:
            p.kill()
            out.append(f"(killed after {timeout:.0f} s)\n")
            break
    rc = p.wait()
    return rc, "".join(out), time.perf_counter() - t0


def load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def mark(met: bool | None) -> str:
    return "n/a" if met is None else ("met" if met else "MISSED")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of: {', '.join(PARTS)}")
    ap.add_argument("--quick", action="store_true", help="fewer rounds and items")
    ap.add_argument("--json", metavar="PATH", help="all figures as JSON")
    ap.add_argument("--markdown", metavar="PATH", help="the summary table as Markdown")
    a = ap.parse_args(argv)
    parts = [p for p in a.only.split(",") if p]
    bad = [p for p in parts if p not in PARTS]
    if bad:
        ap.error(f"unknown part(s) {', '.join(bad)}")
    from ddbtui.local.engine import LocalEngine

    t_all = time.perf_counter()
    print(f"ddbtui benchmarks: {', '.join(parts)}")
    print(machine_line(), flush=True)
    eng = LocalEngine(engine="dynamodb-local", in_memory=True)
    eng.start()
    url = eng.endpoint_url
    print(f"started {eng.describe()} (shared by every part)", flush=True)
    os.environ["DDBTUI_BENCH_ENDPOINT"] = url
    tmp = Path(tempfile.mkdtemp(prefix="ddbtui-bench-"))
    results: dict[str, dict | None] = {}
    outputs: dict[str, str] = {}
    durations: dict[str, float] = {}
    q = a.quick
    try:
        for part in parts:
            j = tmp / f"{part}.json"
            if part == "harness":
                args = ["benchmarks/harness_overhead.py", "--json", str(j)] + (["--rounds", "2", "--scale", "0.5"] if q else [])
            elif part == "peers":
                args = ["benchmarks/raw_vs_peers.py", "--json", str(j)] + (["--rounds", "2"] if q else [])
            elif part == "little":
                args = ["benchmarks/littles_law.py", "--json", str(j)] + (["--rounds", "2", "--items", "3000"] if q else [])
            elif part == "tui":
                if not (HERE / "tui_cost.py").exists():
                    print("\n=== tui: benchmarks/tui_cost.py not available yet", flush=True)
                    results[part] = None
                    continue
                args = ["benchmarks/tui_cost.py", "--endpoint-url", url] + (["--items", "8000"] if q else [])
            elif part == "startup":
                args = ["benchmarks/startup.py", "--endpoint-url", url, "--json", str(j)] + (["--samples", "3"] if q else [])
            elif part == "memory":
                args = ["benchmarks/bench_memory.py", "--json", str(j)] + (["--seconds", "4"] if q else [])
            elif part == "virtual":
                args = ["benchmarks/items_virtual.py", "--json", str(j)] + (["--items", "200000"] if q else [])
            elif part == "openloop":  # starts its own engine: it SIGSTOPs it
                args = ["benchmarks/open_loop.py", "--json", str(j)] + (["--seconds", "10"] if q else [])
            else:
                args = ["benchmarks/items_browser.py", "--endpoint-url", url, "--json", str(j)] + \
                    (["--items", "20000"] if q else [])
            rc, out, secs = run_part(part, args, timeout=600)
            outputs[part], durations[part] = out, secs
            results[part] = load(j) if part != "tui" else {"rc": rc}
            if rc != 0 and part != "tui":
                print(f"  ({part} exited with status {rc})", flush=True)
    finally:
        eng.stop()
    rows = summarise(results, outputs)
    total = time.perf_counter() - t_all
    print_summary(rows, total)
    if a.markdown:
        Path(a.markdown).write_text(markdown(rows, total))
    if a.json:
        Path(a.json).write_text(json.dumps({"results": results, "summary": rows, "durations_s": durations,
                                            "total_s": total}, indent=2, default=str))
    return 0


# ------------------------------------------------------------------------ summary
def summarise(res: dict, outputs: dict) -> list[dict]:
    rows: list[dict] = []

    def add(figure, ratio, target, met, raw):
        rows.append({"figure": figure, "ratio": ratio, "target": target, "met": met, "raw": raw})

    h = res.get("harness")
    if "harness" in res:
        if not h:
            add("harness overhead", "-", "within 5 %", None, "did not run")
        else:
            for r in h["rows"]:
                add(f"harness: {r['strategy']} vs reference",
                    f"{r['throughput_ratio']:.2f} items/s, {r['cpu_ratio']:.2f} CPU",
                    "items/s ≥ 0.95, CPU ≤ 1.05", r["met"],
                    f"{r['ddbtui_items_per_s']:,.0f} vs {r['ref_items_per_s']:,.0f} items/s; "
                    f"{r['ddbtui_cpu_us']:,.0f} vs {r['ref_cpu_us']:,.0f} µs/item")
    p = res.get("peers")
    if "peers" in res:
        if not p:
            add("raw client vs peers", "-", "lowest CPU/item", None, "did not run")
        else:
            cpu = {r["client"]: r["cpu_us_per_item"] for r in p["rows"]}
            if "raw_us" in p:
                add("raw client CPU per PutItem", f"{p['raw_us']:.0f} µs ({p['raw_us'] / p['target_us']:.2f} of target)",
                    f"≤ {p['target_us']:.0f} µs", p["under_target"],
                    f"benchmark strategy (recorder included) {p['strategy_us']:.0f} µs; {p.get('machine', '')}")
                add("raw client vs the floor (bare asyncio protocol)", f"{p['floor_multiple']:.2f}x the floor",
                    "reported", None, f"floor {p['floor_us']:.0f} µs/PutItem")
            add("raw client CPU/item vs peers",
                " / ".join(f"{k} {v:.2f}x" for k, v in p["ratios"].items()),
                "lowest of raw, peers", p.get("lowest", p["met"]),
                "; ".join(f"{k} {v:,.0f} µs" for k, v in cpu.items()))
    li = res.get("little")
    if "little" in res:
        if not li:
            add("Little's law (c=64, 20 ms)", "-", "≥ 70 %", None, "did not run")
        else:
            add("Little's law (c=64, +20 ms)", f"{li['figure']:.0%} of bound (rounds "
                f"{' '.join(f'{x:.0%}' for x in li['per_round'])})", "≥ 70 %", li["met"],
                f"best {li['best']} {li['best_items_per_s']:,.0f}/s; bound min({li['little']:,.0f} Little, "
                f"{li['ceiling']:,.0f} engine ceiling)")
    if "tui" in res:
        if res["tui"] is None:
            add("TUI cost (UI CPU, event-loop lag)", "-", "-", None, "not available yet")
        else:
            out = strip_ansi(outputs.get("tui", ""))
            lines = [ln.strip() for ln in out.splitlines()
                     if re.search(r"(UI CPU|lag|target)", ln, re.I) and not ln.strip().startswith("===")]
            met = None
            if res["tui"].get("rc") is not None:
                met = res["tui"]["rc"] == 0
            add("TUI cost (tui_cost.py)", "see raw", "UI CPU < 15 %, lag p99 < 33 ms at load ≤ 4", met,
                " · ".join(lines[-4:]) or "(no figures parsed)")
    s = res.get("startup")
    if "startup" in res:
        if not s:
            add("start-up to first frame", "-", "< 1 s", None, "did not run")
        else:
            m = s["median"]
            add("start-up to first frame", f"{m['first_frame_s']:.3f} s ({m['first_frame_s'] / s['target_s']:.2f} of target)",
                f"< {s['target_s']:.1f} s", s["met"],
                f"median; import {m['imports_s']:.3f} s; {s.get('machine', '')}")
            if "met_tables" in s:
                add("start-up to tables listed", f"{m['tables_s']:.3f} s", f"< {s['tables_target_s']:.1f} s",
                    s["met_tables"], "engine already answering")
    it = res.get("items")
    if "items" in res:
        if not it:
            add("items browser", "-", "first page < 1 s", None, "did not run")
        else:
            add(f"items browser: first page ({it['items']:,} items)", f"{it['first_page_s']:.3f} s",
                "≤ 0.3 s", it["met_first_page"], f"{it['first_page_s']:.3f} s; {it.get('machine', '')}")
            add("items browser: load all", f"{it['live']:,} / {it['items']:,} items", "all loaded", it["all_loaded"],
                f"{it['load_all_s']:.1f} s; RSS +{it['rss_delta_mb']:.0f} MB ({it['bytes_per_item']:,.0f} B/item)")
            add("items browser: RSS per loaded item (real screen)", f"{it['bytes_per_item']:,.0f} B",
                "≤ 300 B", it.get("met_bytes"), f"+{it['rss_delta_mb']:.0f} MB for {it['live']:,} items")
    ol = res.get("openloop")
    if "openloop" in res:
        if not ol:
            add("open loop (500/s, +20 ms)", "-", "rate ±1 %, service p50 ±2 ms", None, "did not run")
        else:
            a = ol.get("accuracy") or {}
            if a:
                add(f"open loop {a['target_per_s']:,.0f}/s via proxy +20 ms", f"rate {a['rate_error']:+.2%}, service p50 "
                    f"{a['service_p50_error_ms']:+.1f} ms", "rate within 1 %, service p50 within 2 ms", a["met"],
                    f"sent {a['achieved_per_s']:,.1f}/s; response p99 {a['response_p99_ms']:,.0f} ms; "
                    f"send error p99 {a['lateness_p99_ms']:.1f} ms")
            st = ol.get("stall") or {}
            if st:
                add(f"1 s engine stall at {st.get('rate', 500):,.0f}/s: open-loop response p99",
                    f"{st['open']['response_p99_ms']:,.0f} ms",
                    "≥ 900 ms; service p99 and closed loop p99 below", st["met"],
                    f"service p99 {st['open']['service_p99_ms']:,.0f} ms; closed loop p99 "
                    f"{st['closed']['p99_ms']:,.0f} ms")
            sc = ol.get("scheduler") or {}
            if sc:
                add("open-loop scheduler (1,000/s)", f"{sc['cpu_us_per_request']:,.0f} µs CPU/request",
                    "-", None, f"timing error p99 {sc['timing_error_p99_ms']:.2f} ms; {sc['late']} late")
    m = res.get("memory")
    if "memory" in res:
        if not m:
            add("bench engine memory vs run size", "-", "< 200 MB at any count", None, "did not run")
        else:
            add("bench engine peak RSS (10k / 1M / 10M items)",
                " / ".join(f"{r['peak_rss_mb']:.0f}" for r in m["rows"]) + " MB", "< 200 MB, flat", m["met"],
                f"slope {m['slope_b_per_item']:+.3f} B/item (eager list was {m['eager_b_per_item']:,.0f} B/item); "
                f"first write after " + " / ".join(f"{r['first_write_s'] or 0:.1f}" for r in m["rows"]) + " s; "
                + m.get("machine", ""))
    v = res.get("virtual")
    if "virtual" in res:
        if not v:
            add("items browser at 1M items", "-", "≤ 300 B/item, frame ≤ 16 ms", None, "did not run")
        else:
            add(f"virtual table: RSS per item ({v['items']:,} items)", f"{v['bytes_per_item']:.0f} B", "≤ 300 B",
                v["met_bytes"], f"store {v['store_bytes_per_item']:.0f} B/item; RSS +{v['rss_delta_mb']:.0f} MB")
            add("virtual table: frame at any position (cold)", f"worst {v['worst_frame_ms']:.1f} ms CPU",
                "≤ 16 ms", v["met_frame"], f"worst wall {v['worst_frame_wall_ms']:.1f} ms; keypress round trip "
                f"(Pilot, upper bound) median {v['keypress_median_ms']:.0f} ms; {v.get('machine', '')}")
    return rows


def print_summary(rows: list[dict], total: float) -> None:
    print("\n" + "=" * 100)
    print(f"SUMMARY ({total / 60:.1f} min)")
    w = max(len(r["figure"]) for r in rows) if rows else 10
    for r in rows:
        print(f"{r['figure']:<{w}}  {mark(r['met']):<6}  {r['ratio']}  [target {r['target']}]\n{'':<{w}}          {r['raw']}")


def markdown(rows: list[dict], total: float) -> str:
    lines = ["| figure | result | target | met | raw numbers |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['figure']} | {r['ratio']} | {r['target']} | {mark(r['met'])} | {r['raw']} |")
    lines.append("")
    lines.append(f"Total time: {total / 60:.1f} min.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
