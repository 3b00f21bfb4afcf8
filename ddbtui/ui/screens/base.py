"""What every ddbtui screen shares: read-only guarding and the one worker-error path."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:  # pragma: no cover
    from ddbtui.ui.app import DdbApp


# what a refused write would have done, for the read-only notice
WRITE_WHAT = {"create_table": "create a table", "delete_table": "delete a table",
              "new_item": "create an item", "delete_items": "delete items", "seed": "seed wallets",
              "deposit": "deposit", "withdraw": "withdraw", "transfer": "transfer"}


def guarded(*bindings: Binding) -> list[Binding]:
    """Write bindings plus hidden twins that, in read-only mode, explain the refusal.

    In read-only mode `check_action` hides and disables the real binding, so the key falls
    through to its twin `refuse_write`, which notifies instead of silently doing nothing.
    """
    out: list[Binding] = []
    for b in bindings:
        out.append(b)
        for key in b.key.split(","):
            what = WRITE_WHAT.get(b.action, b.description)
            out.append(Binding(key.strip(), f"refuse_write({what!r})", show=False))
    return out


class DdbScreenMixin:
    """Mix into Screen / ModalScreen (before the Textual class)."""

    if TYPE_CHECKING:  # for mypy: screens run inside DdbApp (client(), connection, explain(), ...)
        @property
        def app(self) -> DdbApp: ...

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        ro = getattr(self.app, "read_only", False)  # type: ignore[attr-defined]
        if action == "refuse_write":
            return ro
        if ro and action in self.WRITE_ACTIONS:
            return False
        return True

    def action_refuse_write(self, what: str = "change data") -> None:
        self.app.refuse_write(what)  # type: ignore[attr-defined]

    def writes_refused(self, what: str) -> bool:
        """Call first in write actions (the command palette can reach them too)."""
        return self.app.refuse_write(what) if self.app.read_only else False  # type: ignore[attr-defined]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.worker_failed(event.worker, event.worker.error)

    def worker_failed(self, worker: Worker, error: BaseException | None) -> None:
        """Override to show some errors inline; the rest go to the app's single handler."""
        self.app.report_error(error)  # type: ignore[attr-defined]
