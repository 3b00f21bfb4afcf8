"""Export the loaded items (or the query result) to JSON Lines or CSV (ddbtui.dynamo.export)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import Worker

from ddbtui.dynamo.errors import DdbError
from ddbtui.dynamo.export import ExportCancelled, default_path, export_items, with_format
from ddbtui.ui.messages import ExportFinished
from ddbtui.ui.screens.base import DdbScreenMixin
from ddbtui.ui.widgets.footer import KeyFooter
from ddbtui.ui.widgets.form import Field, FieldError, FormMixin
from ddbtui.ui.widgets.progress import ProgressPanel, ProgressTracker

FORMAT_CHOICES = [("JSON Lines, plain JSON", "jsonl"), ("JSON Lines, DynamoDB JSON (lossless)", "jsonl-ddb"),
                  ("CSV", "csv")]


class ExportScreen(DdbScreenMixin, FormMixin, ModalScreen):
    BINDINGS = [Binding("ctrl+s", "submit", "Export"), Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ExportScreen .row { height: auto; }
    ExportScreen #field-format { width: 40; }
    """

    def __init__(self, table: str, items: list[dict], key_names: list[str], source: str,
                 more: bool = False) -> None:
        super().__init__()
        self.table, self.items, self.key_names, self.source, self.more = table, items, key_names, source, more
        self.result = None
        self.tracker: ProgressTracker | None = None  # set while the file is being written

    def compose(self) -> ComposeResult:
        n = len(self.items)
        note = " (more are available: load all with A first to export everything)" if self.more else ""
        with Vertical(classes="dialog", id="export-dialog"):
            yield Label(f"Export {n:,} items from {self.table}", classes="dialog-title", markup=False)
            yield Static(f"Source: {self.source}{note}", classes="help", markup=False)
            yield Field("Format", Select(FORMAT_CHOICES, value="jsonl", allow_blank=False, id="format"),
                        name="format")
            yield Field("File (relative paths are in the current directory)",
                        Input(str(default_path(self.table, "jsonl")), id="path"), name="path")
            yield FieldError(id="err-form")
            with Horizontal(classes="buttons", id="export-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Export", variant="primary", id="ok")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Select.Changed, "#format")
    def _format_changed(self, event: Select.Changed) -> None:
        path = self.query_one("#path", Input)
        path.value = with_format(path.value, "csv" if event.value == "csv" else "jsonl")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    async def action_submit(self) -> None:
        if self.tracker is not None:
            return
        self.clear_errors()
        choice = self.query_one("#format", Select).value
        fmt = "csv" if choice == "csv" else "jsonl"
        style = "dynamodb" if choice == "jsonl-ddb" else "plain"
        self.query_one("#ok", Button).disabled = True
        tracker = ProgressTracker(total=len(self.items), unit="items", verb="written")
        self.tracker = tracker
        self.query_one("#export-buttons").display = False
        await self.query_one("#export-dialog").mount(ProgressPanel("Writing the file…", tracker))
        self.export(self.query_one("#path", Input).value, fmt, style, tracker)

    @work(group="export", thread=True, exit_on_error=False)
    def export(self, path: str, fmt: str, style: str, tracker: ProgressTracker) -> None:
        try:
            res = export_items(self.items, path, fmt=fmt, key_names=self.key_names, style=style,
                               on_progress=tracker.advance, should_stop=lambda: tracker.cancelled)
        finally:
            tracker.finish()
        self.result = res
        self.post_message(ExportFinished(str(res.path), res.count, res.format))

    def on_export_finished(self, msg: ExportFinished) -> None:
        self.dismiss(self.result)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.tracker is not None:  # writing: stop it (the partial file is removed)
            self.tracker.cancel()
            return
        self.dismiss(None)

    def _writing_ended(self) -> None:
        self.tracker = None
        self.query(ProgressPanel).remove()
        self.query_one("#export-buttons").display = True
        self.query_one("#ok", Button).disabled = False

    def worker_failed(self, worker: Worker, error: BaseException | None) -> None:
        self._writing_ended()
        if isinstance(error, ExportCancelled):
            self.notify(f"Export stopped ({error}): no file was written.", severity="warning", markup=False)
            self.dismiss(None)
        elif isinstance(error, DdbError):
            self.show_field_error(error.field, error.message)
        elif isinstance(error, OSError):
            self.show_field_error("path", f"cannot write the file: {error.strerror or error}")
        else:
            super().worker_failed(worker, error)
