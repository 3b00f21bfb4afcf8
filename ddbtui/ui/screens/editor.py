"""Item editor: JSON in a TextArea, DynamoDB JSON (types shown) or plain JSON.

Save parses and validates first (bad JSON, bad types: the message shows under the editor
with its line and column, nothing is written). On a wallet table (user_id S key) the wallet
rules hold here too: `balance` must be a number >= 0, refused inline before sending. A save
in flight ignores further ctrl+s. Leaving with unsaved changes (escape, Cancel) asks first:
save, discard, or keep editing (escape again keeps editing: Esc Esc never drops edits). An existing item is saved with
`items.save_edit`: a changed key is refused, and an optimistic check refuses to overwrite
changes somebody else made meanwhile (ConcurrentChange). A new item is written only if no
item has its key yet.
"""

from __future__ import annotations

import json

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea
from textual.worker import Worker

from ddbtui.dynamo import codec
from ddbtui.dynamo import items as it
from ddbtui.dynamo.errors import ConcurrentChange, DdbError, ValidationError, error_code
from ddbtui.dynamo.wallet import check_wallet_item
from ddbtui.ui.messages import ItemSaved
from ddbtui.ui.screens.base import DdbScreenMixin
from ddbtui.ui.widgets.footer import KeyFooter
from ddbtui.ui.widgets.form import FieldError, MarksSubmitKeys, SubmitGuard

MODES = {"ddb": "DynamoDB JSON (types shown)", "plain": "plain JSON"}
_EMPTY = {"S": "", "N": "0", "B": ""}


class UnsavedChangesScreen(ModalScreen[str]):
    """Leaving the editor with unsaved changes: "save", "discard" or "keep" (escape)."""

    BINDINGS = [Binding("escape", "keep", "Keep editing"), Binding("s", "choose('save')", "Save"),
                Binding("d", "choose('discard')", "Discard")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="unsaved-dialog"):
            yield Label("Unsaved changes", classes="dialog-title")
            yield Static("This item has changes that are not saved. Save them, discard them, or "
                         "keep editing?", classes="help")
            with Horizontal(classes="buttons"):
                yield Button("Keep editing", id="keep")
                yield Button("Discard", variant="error", id="discard")
                yield Button("Save", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose(event.button.id or "keep")

    def action_keep(self) -> None:
        self.dismiss("keep")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class ItemEditorScreen(MarksSubmitKeys, DdbScreenMixin, SubmitGuard, ModalScreen[dict | None]):
    CSS_PATH = "editor.tcss"
    SUBMIT_BUTTONS = ("save",)
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", priority=True),
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+t", "toggle_mode", "DynamoDB/plain JSON", priority=True),
        Binding("t", "toggle_mode", "Toggle JSON", show=False),
    ]

    def __init__(self, table: str, original: dict | None, key_names: list[str], *,
                 key_types: dict[str, str] | None = None, read_only: bool = False,
                 wallet: bool = False) -> None:
        super().__init__()
        self.table = table
        self.original = original
        self.key_names = list(key_names)
        self.key_types = key_types or {}
        self.read_only = read_only
        self.wallet = wallet  # a wallet table: balance must be a number >= 0
        self.mode = "ddb"
        self._template = original  # type template for plain JSON (sets, binary)
        self._saved = False

    @property
    def is_new(self) -> bool:
        return self.original is None

    def _title(self) -> str:
        if self.is_new:
            return f"New item in {self.table}"
        key = ", ".join(f"{k}={codec.display(self.original.get(k), 40)}" for k in self.key_names)
        return f"{'View' if self.read_only else 'Edit'} item {key} in {self.table}"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="editor-dialog"):
            yield Label(self._title(), classes="dialog-title", markup=False)
            yield Static("", id="editor-mode", classes="help")
            yield TextArea(self._initial_text(), id="editor", show_line_numbers=True, tab_behavior="indent",
                           read_only=self.read_only)
            yield FieldError(id="err-editor")
            with Horizontal(classes="buttons"):
                yield Button("Toggle DynamoDB / plain JSON", id="toggle")
                yield Button("Cancel", id="cancel")
                yield Button("Save", variant="primary", id="save", disabled=self.read_only)
        yield KeyFooter()

    def _initial_text(self) -> str:
        if self.original is not None:
            return codec.item_to_ddb_json(self.keys_first(self.original))

        doc = {k: {self.key_types.get(k, "S"): _EMPTY[self.key_types.get(k, "S")]} for k in self.key_names}
        if self.wallet:
            doc["balance"] = {"N": "0"}
        return json.dumps(doc, indent=2)

    def keys_first(self, item: dict) -> dict:
        """The same item with its key attributes first (easier to read and to spot)."""
        return {**{k: item[k] for k in self.key_names if k in item},
                **{k: v for k, v in item.items() if k not in self.key_names}}

    def on_mount(self) -> None:
        self._show_mode()
        self.query_one("#editor", TextArea).focus()

    def _show_mode(self) -> None:
        other = "plain" if self.mode == "ddb" else "ddb"
        note = "  ·  read-only mode: saving is disabled" if self.read_only else ""
        keys = ", ".join(self.key_names)
        self.query_one("#editor-mode", Static).update(
            f"{MODES[self.mode]}  ·  ctrl+t: {MODES[other]}  ·  ctrl+s: save  ·  key: {keys}{note}")

    @property
    def text(self) -> str:
        return self.query_one("#editor", TextArea).text

    def set_text(self, text: str) -> None:
        self.query_one("#editor", TextArea).load_text(text)

    def error(self, message: str | None) -> None:
        self.query_one("#err-editor", FieldError).show(message)

    @property
    def error_message(self) -> str:
        return self.query_one("#err-editor", FieldError).message

    def parse(self) -> dict:
        """The item in the editor, or ValidationError (nothing is sent)."""
        if self.mode == "ddb":
            item = codec.ddb_json_to_item(self.text)
        else:
            item = codec.plain_json_to_item(self.text, template=self._template)
        codec.check_item_size(codec.serialize_item(item))
        for k in self.key_names:
            if k not in item:
                raise ValidationError(f"the item needs its key attribute {k!r}", field=k)
        if self.wallet:
            try:
                check_wallet_item(item, new=self.original is None)
            except ValidationError as e:
                raise ValidationError(f"wallet table: {e.message}", field=e.field) from None
        return item

    def has_changes(self) -> bool:
        """Whether leaving now would lose something: the item differs from what was opened
        (compared as items, so toggling the JSON mode alone is not a change)."""
        if self.read_only or self._saved:
            return False
        try:
            item = (codec.ddb_json_to_item(self.text) if self.mode == "ddb" else
                    codec.plain_json_to_item(self.text, template=self._template))
        except ValidationError:
            return True  # text that does not even parse was typed by someone
        if self.original is None:
            return item != codec.ddb_json_to_item(self._initial_text())
        return item != self.original

    # ------------------------------------------------------------------ actions
    @on(Button.Pressed, "#toggle")
    def action_toggle_mode(self) -> None:
        try:
            item = self.parse() if self.text.strip() else {}
        except ValidationError as e:
            self.error(f"Fix this before switching: {e.message}")
            return
        self.error(None)
        if self.mode == "ddb":
            self._template = item or self._template
            self.mode = "plain"
            self.set_text(codec.item_to_plain_json(self.keys_first(item)))
        else:
            self.mode = "ddb"
            self.set_text(codec.item_to_ddb_json(self.keys_first(item)))
        self._show_mode()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Escape / Cancel: close; with unsaved changes, ask first (save, discard, keep)."""
        if self.in_flight:
            self.error("Saving… wait for the outcome.")
            return
        if not self.has_changes():
            self.dismiss(None)
            return

        def chosen(choice: str | None) -> None:
            if choice == "discard":
                self.dismiss(None)
            elif choice == "save":
                self.action_save()

        self.app.push_screen(UnsavedChangesScreen(), chosen)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self.read_only:
            self.app.refuse_write("save items")
            return
        if self.in_flight:
            return  # a save is in flight (or done): this press is the same intent
        try:
            item = self.parse()
        except ValidationError as e:
            self.error(e.message)
            return
        self.error(None)
        self.begin_submit()
        self.save(item)

    @work(group="item-save", thread=True, exit_on_error=False)
    def save(self, item: dict) -> None:
        client = self.app.client()
        if self.original is None:
            try:
                it.put_item(client, self.table, item, key_names=self.key_names, only_if_new=True)
            except Exception as e:
                if error_code(e) == "ConditionalCheckFailedException":
                    raise DdbError("an item with this key already exists: open it to edit it",
                                   field=self.key_names[0]) from None
                raise
            saved = item
        else:
            saved = it.save_edit(client, self.table, self.original, item, self.key_names)
        self.post_message(ItemSaved(saved))

    def on_item_saved(self, msg: ItemSaved) -> None:
        self._saved = True  # stays "in flight": a queued ctrl+s must not save again
        self.dismiss(msg.item)

    def worker_failed(self, worker: Worker, error: BaseException | None) -> None:
        self.end_submit()
        self.query_one("#save", Button).disabled = self.read_only
        if isinstance(error, ConcurrentChange):
            self.error(f"Not saved: {error.message}")
            self.notify(error.message, title="Changed by someone else", severity="error", markup=False)
        elif isinstance(error, DdbError):
            self.error(f"Not saved: {error.message}")
        else:
            self.error(f"Not saved: {self.app.explain(error)}")
            super().worker_failed(worker, error)
