"""The live latency histogram before the first measured request: an empty chart, not
"chart error: 'NoneType' object is not iterable" (plotext cannot put an empty plot on a log
axis). Seen in the browser view while a run was still in setup."""

from textual.app import App

from ddbtui.ui.widgets.bench_charts import HistogramChart


async def test_empty_histogram_builds_without_error():
    class One(App):
        def compose(self):
            yield HistogramChart(id="h")

    app = One()
    async with app.run_test(size=(60, 16)) as pilot:
        await pilot.pause()
        chart = app.query_one(HistogramChart)
        text = chart._build_text((0, 40, 10, chart._get_plotext_theme_name(app.theme)), {})
        assert "error" not in text.plain and "ms" in text.plain
