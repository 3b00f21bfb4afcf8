"""Text formatting shared by the screens (sizes, billing): plain functions, no widgets.

Screens import these from here rather than from each other (tables.py and describe.py used
to import one another for them).
"""

from __future__ import annotations

from typing import Any


def human_bytes(n: int | None) -> str:
    """1,234 B / 1.2 KB / ... (binary units); "" when unknown."""
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return str(n)


def billing_text(info: Any) -> str:
    """"on-demand" or "provisioned R/W" for a TableInfo (or "" when unknown)."""
    if info is None:
        return ""
    if info.billing_mode == "PROVISIONED":
        return f"provisioned {info.read_capacity}/{info.write_capacity}"
    return "on-demand"
