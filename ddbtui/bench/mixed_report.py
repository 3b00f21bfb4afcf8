"""Text for mixed and open-loop runs: per-operation table, response vs service time, pacing,
consumed capacity and cost. Plain strings (the CLI prints them; the TUI shows them too)."""

from __future__ import annotations

from typing import Any

from ddbtui.bench.cost import format_usd
from ddbtui.bench.stats import fmt_ms


def _lat(d: dict[str, Any] | None) -> str:
    d = d or {}
    return f"p50 {fmt_ms(d.get('p50'))}  p99 {fmt_ms(d.get('p99'))}  max {fmt_ms(d.get('max'))} ms"


OP_COLUMNS = ("strategy", "operation", "ok", "failed", "resp p50", "resp p99", "svc p99", "RCU", "WCU")


def op_rows(doc: dict[str, Any]) -> list[tuple[str, ...]]:
    """One row per (run, operation) of the mixed runs: OP_COLUMNS as text."""
    out: list[tuple[str, ...]] = []
    for r in doc.get("runs", []):
        for name, o in (r.get("operations") or {}).items():
            cap = o.get("capacity") or {}
            label = r["strategy"] if r.get("repeat", 1) == 1 else f"{r['strategy']} #{r['repeat']}"
            out.append((label, name, f"{o['ok']:,}", f"{o['failed']:,}", fmt_ms(o["response_ms"].get("p50")),
                        fmt_ms(o["response_ms"].get("p99")), fmt_ms(o["service_ms"].get("p99")),
                        f"{cap.get('rcu', 0.0):,.1f}", f"{cap.get('wcu', 0.0):,.1f}"))
    return out


def run_lines(run: dict[str, Any], with_ops: bool = True) -> list[str]:
    """The report block of one mixed/open-loop run (empty for a plain write run)."""
    if not run.get("mode"):
        return []
    out = [f"{run['strategy']} #{run.get('repeat', 1)}: {(run.get('load') or {}).get('describe', run['mode'])}"]
    out.append(f"  response time (from intended start): {_lat(run.get('response_ms'))}")
    out.append(f"  service time  (from send):           {_lat(run.get('service_ms'))}")
    pace = run.get("pace")
    if pace:
        out.append(f"  rate: target {pace['target_per_s']:,.1f}/s, sent {pace['achieved_per_s']:,.1f}/s; "
                   f"{pace['late']:,} late, {pace['skipped']:,} skipped starts; send timing error p99 "
                   f"{fmt_ms(pace.get('lateness_p99_ms'))} ms")
        out.append(f"  {pace['diagnosis']['sentence']}")
    ops = run.get("operations") or {}
    if ops and with_ops:
        out.append(f"  {'operation':<15}{'ok':>9}{'failed':>8}{'resp p50':>10}{'resp p99':>10}"
                   f"{'svc p99':>9}{'RCU':>11}{'WCU':>11}")
        for name, o in ops.items():
            cap = o.get("capacity") or {}
            out.append(f"  {name:<15}{o['ok']:>9,}{o['failed']:>8,}{fmt_ms(o['response_ms'].get('p50')):>10}"
                       f"{fmt_ms(o['response_ms'].get('p99')):>10}{fmt_ms(o['service_ms'].get('p99')):>9}"
                       f"{cap.get('rcu', 0.0):>11,.1f}{cap.get('wcu', 0.0):>11,.1f}")
    cap = run.get("capacity") or {}
    if cap:
        out.append(f"  consumed: {cap['rcu']:,.1f} RCU, {cap['wcu']:,.1f} WCU in {cap['requests']:,} requests; "
                   f"peak second {cap['peak_rcu_per_s']:,.1f} RCU/s, {cap['peak_wcu_per_s']:,.1f} WCU/s")
    c = run.get("cost") or {}
    if c.get("error"):
        out.append(f"  cost: {c['error']}")
    elif c:
        od, pv = c["on_demand"], c["provisioned"]
        pr = c["prices"]
        out.append(f"  cost ({c['region']}, prices as of {pr.get('as_of')}): on-demand {format_usd(od['run_usd'])} "
                   f"for this run, {format_usd(od['per_month_usd'])}/month at this rate; provisioned "
                   f"{pv['rcu']:,} RCU + {pv['wcu']:,} WCU = {format_usd(pv['per_month_usd'])}/month ({pv['basis']})")
        if c.get("note"):
            out.append(f"  ({c['note']})")
    return out


def lines(doc: dict[str, Any], with_ops: bool = True) -> list[str]:
    out: list[str] = []
    for r in doc.get("runs", []):
        block = run_lines(r, with_ops)
        if block:
            out.append("")
            out.extend(block)
    return out
