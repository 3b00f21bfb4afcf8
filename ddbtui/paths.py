"""User directories (cache for the engine jar, data for tables and benchmark results)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "ddbtui"


def cache_dir() -> Path:
    base = os.environ.get("DDBTUI_CACHE_DIR")
    p = Path(base) if base else Path(platformdirs.user_cache_dir(APP))
    p.mkdir(parents=True, exist_ok=True)
    return p


def data_dir() -> Path:
    base = os.environ.get("DDBTUI_DATA_DIR")
    p = Path(base) if base else Path(platformdirs.user_data_dir(APP))
    p.mkdir(parents=True, exist_ok=True)
    return p


def results_dir() -> Path:
    p = data_dir() / "results"
    p.mkdir(parents=True, exist_ok=True)
    return p


def log_dir() -> Path:
    p = cache_dir() / "logs"
    p.mkdir(parents=True, exist_ok=True)
    return p
