"""Small form helpers: a labelled field with an inline error line under it."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Label, Static


class FieldError(Static):
    """The inline message under a field; hidden while empty."""

    DEFAULT_CSS = """
    FieldError {
        color: $text-error;
        height: auto;
        display: none;
        padding: 0 1;
    }
    FieldError.-shown { display: block; }
    """

    _message = ""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", markup=False, id=id, classes=classes)

    def show(self, message: str | None) -> None:
        self._message = message or ""
        self.update(self._message)
        self.set_class(bool(message), "-shown")

    @property
    def message(self) -> str:
        return self._message


class Field(Vertical):
    """Label, the input widget(s), and a FieldError with id `err-<name>`."""

    DEFAULT_CSS = """
    Field {
        height: auto;
        width: 1fr;
        margin: 0 1 0 0;
    }
    Field > Label { color: $text-muted; padding: 0 1; }
    """

    def __init__(self, label: str, *widgets: Widget, name: str, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id or f"field-{name}", classes=classes)
        self._label = label
        self._widgets = widgets
        self.field_name = name

    def compose(self) -> ComposeResult:
        yield Label(self._label)
        yield from self._widgets
        yield FieldError(id=f"err-{self.field_name}")

    def on_input_changed(self) -> None:
        """An edited field loses its stale message (the event bubbles up from its Input)."""
        self.query_one(FieldError).show(None)


class FormMixin:
    """For screens with FieldErrors: show one error, clear them all."""

    def clear_errors(self) -> None:
        for e in self.query(FieldError):  # type: ignore[attr-defined]
            e.show(None)

    def show_field_error(self, field: str | None, message: str, *, fallback: str = "form") -> bool:
        """Show `message` under `field` (or the fallback error line). Returns True if the
        field had its own error line."""
        self.clear_errors()
        target = None
        if field:
            found = self.query(f"#err-{field}")  # type: ignore[attr-defined]
            target = found.first() if found else None
        own = target is not None
        if target is None:
            target = self.query_one(f"#err-{fallback}", FieldError)  # type: ignore[attr-defined]
        target.show(message)
        return own

    def error_text(self, field: str) -> str:
        return self.query_one(f"#err-{field}", FieldError).message  # type: ignore[attr-defined]


class SubmitGuard:
    """One submit per intent, for every form that writes.

    `begin_submit()` returns False (the caller ignores the submit) while an operation is in
    flight or after the form has been submitted for good (a modal that dismissed with its
    result: a second Enter already queued must not submit again). It disables the submit
    buttons named in SUBMIT_BUTTONS; `end_submit()` re-enables them for another try.
    """

    SUBMIT_BUTTONS: tuple[str, ...] = ()
    _in_flight = False

    @property
    def in_flight(self) -> bool:
        return self._in_flight

    def begin_submit(self) -> bool:
        if self._in_flight:
            return False
        self._in_flight = True
        self._set_submit_disabled(True)
        return True

    def end_submit(self) -> None:
        self._in_flight = False
        self._set_submit_disabled(False)

    def _set_submit_disabled(self, disabled: bool) -> None:
        for wid in self.SUBMIT_BUTTONS:
            for b in self.query(f"#{wid}"):  # type: ignore[attr-defined]
                b.disabled = disabled


# A key that repeats the one that submitted a dialog, pressed within this long after it,
# belongs to the same burst of presses (a double Enter): the screen behind ignores it.
REPEAT_KEY_S = 0.5
SUBMIT_KEYS = frozenset({"enter", "ctrl+s"})
_last_submit_key: WeakKeyDictionary[Any, float] = WeakKeyDictionary()


def note_submit_key(app: Any, event: events.Key) -> None:
    """Remember when (by the key event's own timestamp) a dialog saw a submitting key."""
    if event.key in SUBMIT_KEYS:
        _last_submit_key[app] = event.time


def is_repeated_submit_key(app: Any, event: events.Key) -> bool:
    """Whether `event` is a submitting key pressed within REPEAT_KEY_S of the last one a
    dialog saw (measured between the presses, not when they are processed)."""
    last = _last_submit_key.get(app)
    return event.key in SUBMIT_KEYS and last is not None and 0 <= event.time - last < REPEAT_KEY_S


class MarksSubmitKeys:
    """Mix into a dialog that writes: its Enter / ctrl+s presses are remembered, so the same
    key pressed again right after the dialog closed does not act on the screen behind."""

    def on_key(self, event: events.Key) -> None:
        note_submit_key(self.app, event)  # type: ignore[attr-defined]
