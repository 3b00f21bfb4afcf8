"""The write strategies, by their command-line names (modules are imported on use).

Each is `run(ctx: StrategyContext) -> None` (see `base.py`).
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

# name -> (module, function, one-line description)
STRATEGIES: dict[str, tuple[str, str, str]] = {
    "sync": ("sync", "run_sync", "one reused boto3 client, a loop"),
    "client-per-request": ("sync", "run_client_per_request", "a new boto3 client per PutItem (anti-pattern)"),
    "threads": ("threads", "run_threads", "ThreadPoolExecutor(C) sharing one boto3 client"),
    "executor": ("threads", "run_executor", "asyncio run_in_executor over boto3"),
    "semaphore": ("threads", "run_semaphore", "a thread per item, bounded by a BoundedSemaphore(C)"),
    "aioboto3": ("asyncio_", "run_aioboto3", "aioboto3, gather under an asyncio.Semaphore(C)"),
    "aiohttp": ("asyncio_", "run_aiohttp", "ddbtui's raw aiohttp + SigV4 client"),
    "processes": ("processes", "run_processes", "P processes, each the raw async client"),
    "batch": ("batch", "run_batch", "boto3 batch_writer, 25 per BatchWriteItem"),
    "batch-async": ("batch", "run_batch_async", "concurrent BatchWriteItem via the raw client"),
}
NAMES = tuple(STRATEGIES)


def parse_strategies(text: str) -> list[str]:
    """'all' or a comma-separated list; raises ValueError naming the unknown ones."""
    text = (text or "").strip()
    if text in ("", "all"):
        return list(NAMES)
    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in names if s not in STRATEGIES]
    if unknown:
        raise ValueError(f"unknown strategy {', '.join(unknown)}: choose from {', '.join(NAMES)} or all")
    seen: list[str] = []
    for s in names:
        if s not in seen:
            seen.append(s)
    return seen


def get(name: str) -> Callable[..., Any]:
    mod, fn, _ = STRATEGIES[name]
    run: Callable[..., Any] = getattr(importlib.import_module(f"ddbtui.bench.strategies.{mod}"), fn)
    return run
