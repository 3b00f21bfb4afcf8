"""Placeholder for the benchmark screen (registered on the app as "bench").

Another part of the project replaces this class; `DdbApp.action_benchmark()` pushes "bench".
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from ddbtui.ui.widgets.target_bar import TargetBar


class BenchScreen(Screen):
    DEFAULT_CSS = """
    BenchScreen #bench-placeholder {
        padding: 2 4;
        height: 1fr;
    }
    """
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def compose(self) -> ComposeResult:
        yield TargetBar()
        yield Static(
            "[b]Benchmarks[/b]\n\nThe benchmark screen is coming: write-concurrency runs with live "
            "progress and latency charts.\nMeanwhile run them headless: [b]ddbtui bench --help[/b].\n\n"
            "Press escape to go back.",
            id="bench-placeholder",
        )
        yield Footer(compact=True)
