"""Benchmark result documents: build, summarise, save, list, load.

One JSON document per `ddbtui bench` invocation (schema "ddbtui-bench/1"):

    {"schema", "id", "created" (UTC ISO), "finished", "complete" (false after a cancel),
     "settings": {strategies, items, concurrency, repeat, workload, item_bytes, table,
                  keep_table, force, retry_mode, max_attempts, seed, processes},
     "target": {host, region, engine, is_aws, proxy (fault config or null)},
     "versions": {python, ddbtui, boto3, botocore, aioboto3, aiobotocore, aiohttp, faker,
                  hdrhistogram, psutil},
     "machine": {cpu_count, platform, machine, python_implementation},
     "runs": [ one per strategy and repeat: see `runner.run_one` ],
     "summary": [ one per strategy: wall time mean/σ/min/max over repeats, items/s,
                  merged latency percentiles, CPU µs/item, totals, verified/lost/missing ],
     "comparisons": [ {"faster", "slower", "ratio", "ratio_stdev"} ... ],
     "error": null or a sentence}

Never credentials: the target is described by host/region/engine only (no keys, no
profile secrets; the profile *name* is not stored either).
Saved as `<results_dir>/<YYYYmmdd-HHMMSS>-<id>.json` (`ddbtui.paths.results_dir()`).
"""

from __future__ import annotations

import json
import os
import platform
import uuid
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

from ddbtui.bench.events import SCHEMA, SCHEMAS  # the contract names the schema versions
from ddbtui.bench.stats import decode_histogram, encode_histogram, histogram_summary, mean_stdev, ratio_with_error
from ddbtui.paths import results_dir



def new_id() -> str:
    return uuid.uuid4().hex[:8]


def _version(dist: str) -> str | None:
    try:
        return version(dist)
    except Exception:
        return None


def library_versions() -> dict:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for d in ("ddbtui", "boto3", "botocore", "aioboto3", "aiobotocore", "aiohttp", "faker",
              "hdrhistogram", "psutil"):
        out[d] = _version(d)
    return out


def machine_info() -> dict:
    return {"cpu_count": os.cpu_count(), "platform": platform.platform(),
            "machine": platform.machine(), "python_implementation": platform.python_implementation()}


def target_info(conn, proxy: dict | None = None) -> dict:
    """Where the requests went, without credentials or profile names."""
    return {"host": conn.host, "region": conn.region, "engine": conn.engine,
            "is_aws": conn.is_aws, "proxy": proxy}


def new_document(settings: dict, target: dict, run_id: str | None = None) -> dict:
    now = datetime.now(timezone.utc)
    return {"schema": SCHEMA, "id": run_id or new_id(),
            "created": now.isoformat(timespec="seconds"), "finished": None,
            "complete": False, "settings": settings, "target": target,
            "versions": library_versions(), "machine": machine_info(),
            "runs": [], "summary": [], "comparisons": [], "error": None}


# --------------------------------------------------------------------- summaries
def summarise(runs: list[dict]) -> list[dict]:
    """One summary per strategy (in the order the strategies first appear)."""
    order: list[str] = []
    by: dict[str, list[dict]] = {}
    for r in runs:
        if r["strategy"] not in by:
            order.append(r["strategy"])
            by[r["strategy"]] = []
        by[r["strategy"]].append(r)
    out = []
    for name in order:
        rs = by[name]
        timed = [r for r in rs if r.get("wall_s")]
        s: dict = {"strategy": name, "runs": len(rs), "complete_runs": sum(1 for r in rs if r["complete"])}
        if timed:
            walls = [r["wall_s"] for r in timed]
            m, sd = mean_stdev(walls)
            ips_m, ips_sd = mean_stdev([r["items_per_s"] for r in timed])
            cpu_m, cpu_sd = mean_stdev([r["cpu_us_per_item"] for r in timed if r.get("cpu_us_per_item") is not None] or [0.0])
            s.update({"wall_mean_s": m, "wall_stdev_s": sd, "wall_min_s": min(walls), "wall_max_s": max(walls),
                      "items_per_s_mean": ips_m, "items_per_s_stdev": ips_sd,
                      "cpu_us_per_item_mean": cpu_m, "cpu_us_per_item_stdev": cpu_sd})
        else:
            s.update({"wall_mean_s": None, "wall_stdev_s": None, "wall_min_s": None, "wall_max_s": None,
                      "items_per_s_mean": None, "items_per_s_stdev": None,
                      "cpu_us_per_item_mean": None, "cpu_us_per_item_stdev": None})
        h = decode_histogram(None)
        for r in rs:
            if r.get("histogram"):
                h.add(decode_histogram(r["histogram"]))
        sum_us = sum(r.get("latency_sum_us") or 0.0 for r in rs)
        sumsq = sum(r.get("latency_sumsq_us") or 0.0 for r in rs)
        s["latency_ms"] = histogram_summary(h, sum_us, sumsq)
        s["histogram"] = encode_histogram(h)
        for k in ("requests", "ok", "failed", "retried", "retries", "throttled", "server_errors", "conn_errors"):
            s[k] = sum(r.get(k) or 0 for r in rs)
        verified = [r for r in rs if r.get("verified") is not None]
        s["verified"] = sum(r["verified"] for r in verified) if verified else None
        s["lost"] = sum(r.get("lost") or 0 for r in verified) if verified else None
        s["missing"] = sum(r.get("missing") or 0 for r in verified) if verified else None
        if any(r.get("mode") for r in rs):
            s.update(_summarise_mixed(rs))
        out.append(s)
    return out


def _summarise_mixed(rs: list[dict]) -> dict:
    """Merged response/service times, operations and consumed capacity of mixed runs."""
    out: dict = {"mode": next(r["mode"] for r in rs if r.get("mode"))}
    for part in ("response", "service"):
        h = decode_histogram(None)
        for r in rs:
            if r.get(f"{part}_histogram"):
                h.add(decode_histogram(r[f"{part}_histogram"]))
        out[f"{part}_ms"] = histogram_summary(h)
    ops: dict = {}
    for r in rs:
        for name, o in (r.get("operations") or {}).items():
            m = ops.setdefault(name, {"ok": 0, "failed": 0, "items": 0, "rcu": 0.0, "wcu": 0.0, "_h": decode_histogram(None)})
            m["ok"] += o.get("ok", 0)
            m["failed"] += o.get("failed", 0)
            m["items"] += o.get("items", 0)
            m["rcu"] += (o.get("capacity") or {}).get("rcu", 0.0)
            m["wcu"] += (o.get("capacity") or {}).get("wcu", 0.0)
            if o.get("response_histogram"):
                m["_h"].add(decode_histogram(o["response_histogram"]))
    for m in ops.values():
        m["response_ms"] = histogram_summary(m.pop("_h"))
    out["operations"] = ops
    out["capacity"] = {"rcu": sum((r.get("capacity") or {}).get("rcu", 0.0) for r in rs),
                       "wcu": sum((r.get("capacity") or {}).get("wcu", 0.0) for r in rs)}
    return out


def compare(summary: list[dict]) -> list[dict]:
    """hyperfine's "X ran N ± σ times faster than Y", fastest first, by mean wall time.

    Open-loop runs last as long as their schedule whatever the strategy: no comparison."""
    if any(s.get("mode") == "open" for s in summary):
        return []
    timed = [s for s in summary if s.get("wall_mean_s")]
    if len(timed) < 2:
        return []
    timed.sort(key=lambda s: s["wall_mean_s"])
    fast = timed[0]
    out = []
    for s in timed[1:]:
        r, sd = ratio_with_error(s["wall_mean_s"], s["wall_stdev_s"], fast["wall_mean_s"], fast["wall_stdev_s"])
        out.append({"faster": fast["strategy"], "slower": s["strategy"], "ratio": r, "ratio_stdev": sd})
    return out


def finish(doc: dict, *, complete: bool, error: str | None = None) -> dict:
    doc["summary"] = summarise(doc["runs"])
    doc["comparisons"] = compare(doc["summary"])
    doc["complete"] = bool(complete)
    doc["error"] = error
    doc["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return doc


def any_lost(doc: dict) -> bool:
    """True when a verified run found fewer items than were acknowledged or expected."""
    return any((r.get("lost") or 0) > 0 or (r.get("missing") or 0) > 0 for r in doc.get("runs", []))


# ------------------------------------------------------------------------ files
def file_name(doc: dict) -> str:
    try:
        ts = datetime.fromisoformat(doc["created"]).strftime("%Y%m%d-%H%M%S")
    except Exception:
        ts = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{ts}-{doc['id']}.json"


def write_json(doc: dict, path: str | os.PathLike) -> Path:
    p = Path(path)
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1, default=str) + "\n")
    os.replace(tmp, p)
    return p


def save(doc: dict, directory: str | os.PathLike | None = None) -> Path:
    """Write into the results directory as <timestamp>-<id>.json; returns the path."""
    d = Path(directory) if directory else results_dir()
    d.mkdir(parents=True, exist_ok=True)
    return write_json(doc, d / file_name(doc))


def load_result(path: str | os.PathLike) -> dict:
    doc = json.loads(Path(path).read_text())
    if not isinstance(doc, dict) or doc.get("schema") not in SCHEMAS:
        raise ValueError(f"{path} is not a ddbtui benchmark result ({' or '.join(SCHEMAS)})")
    return doc


def list_results(directory: str | os.PathLike | None = None) -> list[dict]:
    """Past runs, newest first: {path, id, created, complete, strategies, items, concurrency, target}."""
    d = Path(directory) if directory else results_dir()
    out = []
    for p in sorted(d.glob("*.json"), reverse=True):
        try:
            doc = load_result(p)
        except Exception:
            continue
        st = doc.get("settings", {})
        out.append({"path": str(p), "id": doc.get("id"), "created": doc.get("created"),
                    "complete": doc.get("complete"), "strategies": st.get("strategies"),
                    "items": st.get("items"), "concurrency": st.get("concurrency"),
                    "target": (doc.get("target") or {}).get("host"),
                    "engine": (doc.get("target") or {}).get("engine")})
    return out
