"""Export the loaded items (or the query result) to JSON Lines or CSV (ddbtui.export)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import Worker

from ddbtui.dynamo.errors import DdbError
from ddbtui.ui.messages import ExportFinished
from ddbtui.ui.screens.base import DdbScreenMixin
from ddbtui.ui.widgets.form import Field, FieldError, FormMixin

FORMAT_CHOICES = [("JSON Lines, plain JSON", "jsonl"), ("JSON Lines, DynamoDB JSON (lossless)", "jsonl-ddb"),
                  ("CSV", "csv")]


class ExportScreen(DdbScreenMixin, FormMixin, ModalScreen):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "submit", "Export")]
    DEFAULT_CSS = """
    ExportScreen .row { height: auto; }
    ExportScreen #field-format { width: 40; }
    """

    def __init__(self, table: str, items: list[dict], key_names: list[str], source: str,
                 more: bool = False) -> None:
        super().__init__()
        self.table, self.items, self.key_names, self.source, self.more = table, items, key_names, source, more
        self.result = None

    def compose(self) -> ComposeResult:
        from ddbtui.export import default_path

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
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Export", variant="primary", id="ok")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Select.Changed, "#format")
    def _format_changed(self, event: Select.Changed) -> None:
        from ddbtui.export import with_format

        path = self.query_one("#path", Input)
        path.value = with_format(path.value, "csv" if event.value == "csv" else "jsonl")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def action_submit(self) -> None:
        self.clear_errors()
        choice = self.query_one("#format", Select).value
        fmt = "csv" if choice == "csv" else "jsonl"
        style = "dynamodb" if choice == "jsonl-ddb" else "plain"
        self.query_one("#ok", Button).disabled = True
        self.export(self.query_one("#path", Input).value, fmt, style)

    @work(group="export", thread=True, exit_on_error=False)
    def export(self, path: str, fmt: str, style: str) -> None:
        from ddbtui.export import export_items

        res = export_items(self.items, path, fmt=fmt, key_names=self.key_names, style=style)
        self.result = res
        self.post_message(ExportFinished(str(res.path), res.count, res.format))

    def on_export_finished(self, msg: ExportFinished) -> None:
        self.dismiss(self.result)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def worker_failed(self, worker: Worker, error: BaseException | None) -> None:
        self.query_one("#ok", Button).disabled = False
        if isinstance(error, DdbError):
            self.show_field_error(error.field, error.message)
        elif isinstance(error, OSError):
            self.show_field_error("path", f"cannot write the file: {error.strerror or error}")
        else:
            super().worker_failed(worker, error)
