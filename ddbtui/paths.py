"""User directories (cache for the engine jar, data for tables and benchmark results)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

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


@contextlib.contextmanager
def atomic_text_writer(path: Path, *, newline: str | None = None) -> Iterator[TextIO]:
    """Write `path` all or nothing: into a temporary sibling (`.NAME.*.part`), renamed over
    `path` when the block ends; on any exception (Ctrl+C too) the sibling is removed."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as out:
            yield out
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def log_dir() -> Path:
    p = cache_dir() / "logs"
    p.mkdir(parents=True, exist_ok=True)
    return p
