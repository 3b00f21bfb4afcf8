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

    def on_resize(self) -> None:
        self._changed()

    def render_target(self) -> Text:
        """The full line if it fits the bar, else the compact one (target shortened first:
        no field names, host:port, key id masked), so the header stays one line at 80 columns."""
        full = self._build_line(compact=False)
        width = self.content_region.width if self.is_mounted else 0
        first = full.plain.split("\n", 1)[0]
        if width and len(first) > width:
            return self._build_line(compact=True)
        return full

    @staticmethod
    def _short_key(hint: str) -> str:
        return hint if len(hint) <= 12 else f"{hint[:4]}…{hint[-4:]}"

    def _build_line(self, compact: bool) -> Text:
        app = self.app
        conn = getattr(app, "connection", None)
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append("ddbtui", style="bold")
        if conn is None:
            return t
        state = getattr(app, "engine_state", "ready")
        sep = " " if compact else "  "
        t.append(" " if compact else "  target ", style="dim")
        if state == "starting":
            t.append(f"{conn.engine or 'local engine'} (starting…)", style="bold yellow")
        elif state == "failed":
            t.append("local engine failed", style="bold red")
        elif compact and conn.engine and conn.endpoint_url:
            t.append(f"{conn.engine}@{conn.host}", style="bold")
        elif compact and conn.endpoint_url and not conn.is_aws:
            t.append(conn.host, style="bold")
        else:
            t.append(conn.label(), style="bold")
        t.append(sep if compact else "  region ", style="dim")
        t.append(conn.region or "?")
        if conn.profile and not (compact and conn.is_aws):  # an AWS label already names it
            t.append(f"{sep}profile " if compact else "  profile ", style="dim")
            t.append(conn.profile)
        hint = getattr(app, "key_hint", "")
        if hint:
            t.append(f"{sep}key " if compact else "  key ", style="dim")
            t.append(self._short_key(hint) if compact else hint)
        if conn.is_aws and state == "ready":
            t.append(sep)
            t.append(" AWS ", style="bold white on red")
        if getattr(app, "read_only", False):
            t.append(sep)
            t.append(" READ-ONLY ", style="bold black on yellow")
        note = getattr(app, "engine_note", "")
        if note:
            t.append("\n")
            style = "red" if state == "failed" else "dim"
            t.append(note.splitlines()[0], style=style)
        return t
