"""One progress view for every long operation (load all, export, batch delete, seed, import).

Three parts, used together:

- `ProgressTracker`: thread-safe counters a worker thread updates (`advance`, `set_total`,
  `finish`) and reads (`cancelled`) between units of work. It never touches widgets.
- `ProgressPanel`: title, a Textual ProgressBar, one info line ("1,200 / 5,000 items ·
  2,310 items/s · ETA 2 s") and a Cancel button; it pulls the tracker at 4 Hz.
- `ProgressScreen`: a small modal holding a ProgressPanel; escape or Cancel asks the worker
  to stop (`tracker.cancel()`); it closes itself when the tracker finishes.

Usage from a screen (the worker stays the screen's; the modal is only the view + cancel):

    tracker = ProgressTracker(total=len(keys), unit="items", verb="deleted")
    show_progress(self.app, "Deleting 3,000 items", tracker)   # modal after 0.5 s, if still busy
    self.delete_items(keys, tracker)                           # @work(thread=True)
    # in the worker: for chunk ...: if tracker.cancelled: break; ...; tracker.advance(len(chunk))
    # and always, in a finally: tracker.finish()
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, ProgressBar, Static

from ddbtui.ui.widgets.footer import KeyFooter

SHOW_AFTER_S = 0.5  # quicker operations never flash a dialog


@dataclass(frozen=True)
class ProgressState:
    done: int
    total: int | None
    elapsed: float
    finished: bool
    cancelled: bool
    note: str


def fmt_duration(seconds: float) -> str:
    """12 s, 3 m 05 s, 1 h 02 m."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} m {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} m"


class ProgressTracker:
    """Progress of one operation, written by a worker thread and read by the UI."""

    def __init__(self, total: int | None = None, *, unit: str = "items", verb: str = "done",
                 estimate: bool = False, clock=time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._t0 = clock()
        self._done = 0
        self._total = total if total else None
        self._finished = False
        self._note = ""
        self._cancel = threading.Event()
        self.unit = unit
        self.verb = verb
        self.estimate = estimate  # the total is an estimate (DynamoDB's ItemCount)

    # ------------------------------------------------------------------ worker side
    def advance(self, n: int = 1, note: str | None = None) -> None:
        with self._lock:
            self._done += n
            if note is not None:
                self._note = note

    def set_total(self, total: int | None, *, estimate: bool = False) -> None:
        with self._lock:
            self._total = total if total else None
            self.estimate = estimate

    def set_note(self, note: str) -> None:
        with self._lock:
            self._note = note

    def finish(self, note: str | None = None) -> None:
        with self._lock:
            self._finished = True
            if note is not None:
                self._note = note

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def cancel_event(self) -> threading.Event:
        return self._cancel

    # ------------------------------------------------------------------ UI side
    def cancel(self) -> None:
        self._cancel.set()

    @property
    def finished(self) -> bool:
        with self._lock:
            return self._finished

    @property
    def done(self) -> int:
        with self._lock:
            return self._done

    def state(self) -> ProgressState:
        with self._lock:
            return ProgressState(self._done, self._total, self._clock() - self._t0, self._finished,
                                 self._cancel.is_set(), self._note)

    def line(self) -> str:
        """'1,200 / 5,000 items deleted · 2,310 items/s · ETA 2 s' (ETA and rate once known)."""
        st = self.state()
        total = st.total
        if total is not None and st.done > total:
            total = st.done  # the estimate was low
        of = f" / {'~' if self.estimate else ''}{total:,}" if total is not None else ""
        parts = [f"{st.done:,}{of} {self.unit} {self.verb}"]
        rate = st.done / st.elapsed if st.elapsed > 0.2 and st.done else None
        if rate:
            parts.append(f"{rate:,.0f} {self.unit}/s")
        if st.finished:
            parts.append("stopped" if st.cancelled else "finished")
        elif st.cancelled:
            parts.append("stopping…")
        elif rate and total is not None:
            parts.append(f"ETA {fmt_duration((total - st.done) / rate)}")
        else:
            parts.append(f"{fmt_duration(st.elapsed)} elapsed")
        if st.note:
            parts.append(st.note)
        return " · ".join(parts)


class ProgressPanel(Vertical):
    """Title, bar, info line and Cancel for one ProgressTracker (pulls it at 4 Hz)."""

    DEFAULT_CSS = """
    ProgressPanel { height: auto; width: 1fr; }
    ProgressPanel > .progress-title { text-style: bold; padding: 0 1; }
    ProgressPanel > ProgressBar { padding: 0 1; margin-top: 1; }
    ProgressPanel > ProgressBar > Bar { width: 1fr; }
    ProgressPanel > .progress-info { padding: 0 1; color: $text-muted; }
    ProgressPanel > .progress-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    """
    POLL_S = 0.25

    def __init__(self, title: str, tracker: ProgressTracker, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.tracker = tracker

    def compose(self) -> ComposeResult:
        yield Label(self.title, classes="progress-title", markup=False)
        yield ProgressBar(total=self.tracker.state().total, show_eta=False, show_percentage=True,
                          id="progress-bar")
        yield Static(self.tracker.line(), classes="progress-info", id="progress-info", markup=False)
        with Horizontal(classes="progress-buttons"):
            yield Button("Cancel", variant="error", id="progress-cancel", compact=True)

    def on_mount(self) -> None:
        self.set_interval(self.POLL_S, self.refresh_progress)

    def refresh_progress(self) -> None:
        st = self.tracker.state()
        bar = self.query_one(ProgressBar)
        total = None if st.total is None else max(st.total, st.done)
        bar.update(total=total, progress=st.done)
        self.query_one("#progress-info", Static).update(self.tracker.line())
        button = self.query_one("#progress-cancel", Button)
        if st.cancelled and not button.disabled:
            button.label = "Stopping…"
            button.disabled = True

    @on(Button.Pressed, "#progress-cancel")
    def _cancel_pressed(self) -> None:
        self.tracker.cancel()
        self.refresh_progress()


class ProgressScreen(ModalScreen[ProgressTracker]):
    """A modal ProgressPanel: escape cancels; closes itself when the tracker finishes."""

    DEFAULT_CSS = """
    ProgressScreen { align: center middle; }
    ProgressScreen > #progress-dialog { width: 72; max-width: 100%; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, tracker: ProgressTracker) -> None:
        super().__init__()
        self.title_text = title
        self.tracker = tracker

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="progress-dialog"):
            yield ProgressPanel(self.title_text, self.tracker)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_interval(ProgressPanel.POLL_S, self._check_finished)

    def _check_finished(self) -> None:
        if self.tracker.finished and self.is_current:
            self.dismiss(self.tracker)

    def action_cancel(self) -> None:
        self.tracker.cancel()
        self.query_one(ProgressPanel).refresh_progress()


def close_progress(app: App, tracker: ProgressTracker | None) -> None:
    """Close the dialog of `tracker` now if it is on top (call when the result arrives, so
    the next key goes to the screen below, not to a dialog about to close itself)."""
    screen = app.screen
    if tracker is not None and isinstance(screen, ProgressScreen) and screen.tracker is tracker:
        screen.dismiss(tracker)


def show_progress(app: App, title: str, tracker: ProgressTracker, *,
                  delay: float | None = None) -> None:
    """Push a ProgressScreen for `tracker` after `delay` seconds (default SHOW_AFTER_S),
    unless it has finished by then."""
    delay = SHOW_AFTER_S if delay is None else delay

    def push() -> None:
        if not tracker.finished:
            app.push_screen(ProgressScreen(title, tracker))

    if delay <= 0:
        push()
    else:
        app.set_timer(delay, push)
