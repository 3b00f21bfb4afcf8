"""The always-visible header: where requests go, as whom, and in which mode."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class TargetBar(Static):
    """One line: app name, target (engine or endpoint), region, profile/access key id (never
    the secret), a red AWS marker for real AWS, READ-ONLY; a second line for the engine note
    (what the local engine is, why it was chosen, or why it failed)."""

    DEFAULT_CSS = """
    TargetBar {
        height: auto;
        max-height: 3;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    WATCHED = ("connection", "key_hint", "engine_state", "engine_note")

    def on_mount(self) -> None:
        for attr in self.WATCHED:
            self.watch(self.app, attr, self._changed, init=False)
        self._changed()

    def _changed(self, *_args) -> None:
        self.update(self.render_target())

    def render_target(self) -> Text:
        app = self.app
        conn = getattr(app, "connection", None)
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append("ddbtui", style="bold")
        if conn is None:
            return t
        state = getattr(app, "engine_state", "ready")
        t.append("  target ", style="dim")
        if state == "starting":
            t.append(f"{conn.engine or 'local engine'} (starting…)", style="bold yellow")
        elif state == "failed":
            t.append("local engine failed", style="bold red")
        else:
            t.append(conn.label(), style="bold")
        t.append("  region ", style="dim")
        t.append(conn.region or "?")
        if conn.profile:
            t.append("  profile ", style="dim")
            t.append(conn.profile)
        hint = getattr(app, "key_hint", "")
        if hint:
            t.append("  key ", style="dim")
            t.append(hint)
        if conn.is_aws and state == "ready":
            t.append("  ")
            t.append(" AWS ", style="bold white on red")
        if getattr(app, "read_only", False):
            t.append("  ")
            t.append(" READ-ONLY ", style="bold black on yellow")
        note = getattr(app, "engine_note", "")
        if note:
            t.append("\n")
            style = "red" if state == "failed" else "dim"
            t.append(note.splitlines()[0], style=style)
        return t
