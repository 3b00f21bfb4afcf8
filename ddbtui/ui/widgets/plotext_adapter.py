"""The one place ddbtui touches textual-plotext's private API (pinned textual-plotext 1.0.1).

- `size_plot(plot, w, h)`: `plotsize()` plus the private `_set_size()` that
  `PlotextPlot.render` also calls (textual-plotext issue 5: resizing is wrong without it).
- `theme_name(widget, app_theme)`: `PlotextPlot._get_plotext_theme_name` — the plotext theme
  that `PlotextPlot` registers for an app theme ("textual-auto-<theme>" when the widget's
  theme is "auto").

Each falls back to public behaviour when the private is gone (plotsize alone; the same naming
rule re-spelled here), and tests/ui/test_plotext_adapter.py fails loudly when either private
disappears, so an upgrade is a decision rather than a silent change.
"""

from __future__ import annotations

from typing import Any

from textual_plotext import PlotextPlot

SIZE_PRIVATE = "_set_size"
THEME_PRIVATE = "_get_plotext_theme_name"


def size_plot(plot: Any, width: int, height: int) -> None:
    """Size a textual-plotext `Plot` (a widget's `plt`) for a width x height canvas."""
    plot.plotsize(width, height)
    setter = getattr(plot, SIZE_PRIVATE, None)
    if callable(setter):  # as PlotextPlot.render does (textual-plotext issue 5)
        setter(width, height)


def public_theme_name(widget: PlotextPlot, app_theme: str) -> str:
    """The naming rule of textual-plotext 1.0.1, from public attributes only."""
    return f"textual-auto-{app_theme}" if widget.theme == "auto" else str(widget.theme)


def theme_name(widget: PlotextPlot, app_theme: str) -> str:
    """The plotext theme name `widget` registers for the Textual theme `app_theme`."""
    getter = getattr(widget, THEME_PRIVATE, None)
    if callable(getter):
        return str(getter(app_theme))
    return public_theme_name(widget, app_theme)
