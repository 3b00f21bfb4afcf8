"""Confirmation dialogs: type-the-name to delete a table, and a yes/no with a count."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ddbtui.ui.widgets.footer import KeyFooter
from ddbtui.ui.widgets.form import MarksSubmitKeys


class ConfirmDeleteTableScreen(MarksSubmitKeys, ModalScreen[bool]):
    """Type the table name to enable the Delete button."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="delete-table-dialog"):
            yield Label(f"Delete table {self.table}?", classes="dialog-title", markup=False)
            yield Static("This deletes the table and every item in it. It cannot be undone.\n"
                         "Type the table name to confirm:", classes="help")
            yield Input(placeholder=self.table, id="confirm-name")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Delete table", variant="error", id="delete", disabled=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#confirm-name", Input).focus()

    @property
    def matches(self) -> bool:
        return self.query_one("#confirm-name", Input).value == self.table

    @on(Input.Changed, "#confirm-name")
    def _changed(self, event: Input.Changed) -> None:
        self.query_one("#delete", Button).disabled = not self.matches

    _answered = False  # one answer: a second Enter queued behind the first is ignored

    @on(Input.Submitted, "#confirm-name")
    def _submitted(self, event: Input.Submitted) -> None:
        self._delete()

    @on(Button.Pressed, "#delete")
    def _delete(self) -> None:
        if self.matches and not self._answered:
            self._answered = True
            self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class ConfirmScreen(MarksSubmitKeys, ModalScreen[bool]):
    """A yes/no question; the confirm button says what will happen."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, text: str, confirm: str = "OK", variant: str = "error") -> None:
        super().__init__()
        self._title, self._text, self._confirm, self._variant = title, text, confirm, variant

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Static(self._text, classes="help", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._confirm, variant=self._variant, id="confirm")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()

    _answered = False  # one answer: a second Enter queued behind the first is ignored

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        if not self._answered:
            self._answered = True
            self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
