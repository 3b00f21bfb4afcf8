"""Shared command-line options: the target (connection) options every command takes.

Both ddbtui.cli (the `ddbtui` parser) and ddbtui.bench.cli (`python -m ddbtui.bench`) add
them from here, so neither CLI module imports the other.
"""

from __future__ import annotations

import argparse
from typing import Any

ENGINES = ("auto", "dynamodb-local", "moto")


def add_connection_arguments(p: argparse.ArgumentParser, *, sub: bool = False) -> None:
    """Target options. On a subcommand they default to SUPPRESS so that
    `ddbtui --endpoint-url X bench` and `ddbtui bench --endpoint-url X` both work."""
    d: dict[str, Any] = {"default": argparse.SUPPRESS} if sub else {}
    g = p.add_argument_group("target")
    g.add_argument("--endpoint-url", help="DynamoDB endpoint, e.g. http://127.0.0.1:8000", **d)
    g.add_argument("--region", help="AWS region (default: AWS_REGION, the profile's, or us-east-1)", **d)
    g.add_argument("--profile", help="AWS profile from ~/.aws/config (implies real AWS unless --endpoint-url)", **d)
    g.add_argument("--aws", action="store_true", help="use real AWS with the standard credential chain", **d)
    g.add_argument("--engine", choices=ENGINES,
                   help="local engine to start when no target is given (default: auto)",
                   **(d or {"default": "auto"}))
