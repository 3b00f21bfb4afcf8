"""The proxy's command line: options derived from the fault table, and `main` for
`python -m ddbtui.local.proxy` (also what `ProxyProcess` runs, with the whole FaultConfig
as JSON in `--config-json`, never re-spelled as flags)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ddbtui.local.proxy.faults import FaultConfig, FaultKind, _table
from ddbtui.local.proxy.host import run_proxy_forever

__all__ = ["add_proxy_arguments", "fault_config_from_args", "main"]


def _option_type(kind: FaultKind) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            return kind.parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return parse


def add_proxy_arguments(parser: argparse.ArgumentParser) -> Any:
    """Add the fault/latency options (an argument group, one option per fault-table row) to a
    parser; returns the group."""
    g = parser.add_argument_group(
        "fault and latency injection",
        "Put a proxy in front of the engine that adds latency and injects DynamoDB errors. "
        "Faults apply to data-plane operations only unless --fault-all-ops. "
        "For local engines: the proxy keeps the client's signature, which real AWS rejects.")
    for k in _table():
        g.add_argument(k.option, dest=k.field, type=_option_type(k), default=None,
                       metavar="F" if k.is_rate else "MS", help=k.help)
    g.add_argument("--fault-seed", type=int, default=None, metavar="N",
                   help="seed the fault sequence so a run replays")
    g.add_argument("--fault-all-ops", action="store_true", default=False,
                   help="fault control-plane calls (CreateTable, DescribeTable, ...) too")
    g.add_argument("--fault-ops", default=None, metavar="OP,OP",
                   help="fault only these operations, e.g. PutItem,BatchWriteItem")
    g.add_argument("--capacity-model", choices=("aws",), default=None,
                   help="throttle like AWS from each table's capacity: provisioned buckets with 300 s "
                        "burst, partitions and hot keys, GSI back-pressure, on-demand peaks and maximums "
                        "(ThrottlingReasons in the errors; see README)")
    g.add_argument("--time-scale", type=_time_scale, default=None, metavar="X",
                   help="with --capacity-model: run the long windows (300 s burst, 30 min on-demand peak) "
                        "X times faster; rates stay per second (default 1)")
    return g


def _time_scale(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--time-scale takes a number > 0, got {text!r}") from None
    if not 0 < v <= 1_000_000:
        raise argparse.ArgumentTypeError(f"--time-scale takes a number > 0 and <= 1,000,000, got {text!r}")
    return v


def fault_config_from_args(args: argparse.Namespace) -> FaultConfig | None:
    """A FaultConfig from parsed options, or None when no latency/fault option was given.

    Raises ValueError with a sentence naming the option when the values do not go together.
    """
    given = {k.field: getattr(args, k.field, None) for k in _table()}
    model = getattr(args, "capacity_model", None)
    scale = getattr(args, "time_scale", None)
    if scale is not None and model is None:
        raise ValueError("--time-scale only applies with --capacity-model aws.")
    if all(v is None for v in given.values()) and model is None:
        return None
    kw = {f: v for f, v in given.items() if v is not None}
    return FaultConfig(**kw, capacity_model=model, time_scale=scale or 1.0, seed=getattr(args, "fault_seed", None),
                       only_targets=getattr(args, "fault_ops", None) or None,
                       all_ops=bool(getattr(args, "fault_all_ops", False)))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ddbtui.local.proxy",
                                description="Fault and latency proxy in front of a DynamoDB endpoint.")
    p.add_argument("--target", required=True, help="endpoint URL to forward to, e.g. http://127.0.0.1:8000")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--config-json", default=None, metavar="JSON",
                   help="the whole configuration as FaultConfig.to_json() (then no other fault option)")
    add_proxy_arguments(p)
    args = p.parse_args(argv)
    try:
        if args.config_json is not None:
            if fault_config_from_args(args) is not None:
                p.error("--config-json carries the whole configuration: give no other fault option")
            cfg = FaultConfig.from_json(args.config_json)
        else:
            cfg = fault_config_from_args(args) or FaultConfig()
        run_proxy_forever(args.target, cfg, args.port, args.host)
    except (ValueError, TypeError, OSError) as e:
        print(f"ddbtui proxy: {e}", file=sys.stderr)
        return 2
    return 0
