"""ddbtui.ui.widgets.plotext_adapter: the only place that calls textual-plotext privates.

If an upgrade removes a private, the first two tests fail with a sentence saying what to do;
the adapter itself keeps working through its public fallback (checked below to draw the same).
No engine, no Java.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from ddbtui.ui.widgets import plotext_adapter as pa


def test_set_size_private_still_exists():
    assert callable(getattr(Plot, pa.SIZE_PRIVATE, None)), (
        "textual-plotext no longer has Plot._set_size: the adapter now only calls plotsize(); "
        "check the live charts resize (tests/ui/test_bench_ui.py) and drop the private call")


def test_theme_name_private_still_exists():
    assert callable(getattr(PlotextPlot, pa.THEME_PRIVATE, None)), (
        "textual-plotext no longer has PlotextPlot._get_plotext_theme_name: the adapter uses its "
        "public re-spelling; check that auto-themed charts still pick up the app theme")


class _PublicOnly:
    """A Plot seen through its public sizing API only (as if an upgrade removed _set_size)."""

    def __init__(self, plot: Plot) -> None:
        self.plot = plot

    def plotsize(self, width: int, height: int) -> None:
        self.plot.plotsize(width, height)


def _draw(public_only: bool) -> str:
    plot = Plot()
    plot.plot([1, 2, 3, 4], [1, 4, 2, 3])
    pa.size_plot(_PublicOnly(plot) if public_only else plot, 40, 12)
    return plot.build()


def test_size_fallback_draws_the_same_canvas():
    private, public = _draw(False), _draw(True)
    assert private == public
    assert len(private.splitlines()) == 12


async def test_theme_name_fallback_matches_the_private():
    class One(App):
        def compose(self) -> ComposeResult:
            yield PlotextPlot(id="auto")
            p = PlotextPlot(id="named")
            p.theme = "dark"
            yield p

    app = One()
    async with app.run_test(size=(60, 20)):
        for w in app.query(PlotextPlot):
            for theme in (app.theme, "nord"):
                assert pa.theme_name(w, theme) == pa.public_theme_name(w, theme)
        assert pa.theme_name(app.query_one("#auto", PlotextPlot), "nord") == "textual-auto-nord"
        assert pa.theme_name(app.query_one("#named", PlotextPlot), "nord") == "dark"
