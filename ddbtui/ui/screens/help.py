"""`?` / F1: the keys of the screen you are on and what they do.

Built from the screen's own bindings (so it never disagrees with them), with the screen's
`HELP` text on top when it has one, and the app-wide keys at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from ddbtui.ui.widgets.footer import KeyFooter

APP_KEYS = [("ctrl+p", "command palette: every screen and action by name"), ("? / f1", "this help"),
            ("ctrl+b", "benchmark form"), ("ctrl+q", "quit")]


# Textual's own screen keys (tab, shift+tab, copy): the same everywhere, not this screen's
TEXTUAL_KEYS = frozenset({"app.focus_next", "app.focus_previous", "screen.copy_text", "focus_next",
                          "focus_previous", "copy_text", "screen.minimize", "screen.maximize"})


@dataclass(frozen=True)
class KeyHelp:
    keys: str  # "x / del"
    name: str  # the footer's word: "Delete"
    what: str  # "Delete: delete the selected items (or the one under the cursor)"
    action: str


def screen_keys(screen: Screen) -> list[KeyHelp]:
    """One KeyHelp per binding of `screen` a person can use, in its order (two keys for one
    action are one row: "x / del")."""
    app = screen.app
    rows: dict[tuple[str, str], tuple[list[str], Binding]] = {}
    for key, binding in screen._bindings:  # BindingsMap: (key, Binding) in definition order
        action = binding.action
        if action.startswith("refuse_write") or not binding.description or action in TEXTUAL_KEYS:
            continue
        if not action.startswith("app.") and screen.check_action(action.split("(")[0], ()) is False:
            continue
        shown = app.get_key_display(Binding(key, ""))
        keys, _ = rows.setdefault((action, binding.description), ([], binding))
        if shown not in keys:
            keys.append(shown)
    return [KeyHelp(" / ".join(keys), b.description,
                    f"{b.description}: {b.tooltip}" if b.tooltip else b.description, b.action)
            for keys, b in rows.values()]


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > #help-dialog { width: 76; max-width: 100%; height: auto; max-height: 100%; }
    HelpScreen #help-body { height: auto; max-height: 100%; }
    HelpScreen #help-body > .help { margin-bottom: 1; }
    """
    BINDINGS = [Binding("escape,question_mark,f1,q", "close", "Close")]

    def __init__(self, behind: Screen) -> None:
        super().__init__()
        self.behind = behind
        self.keys = screen_keys(behind)

    def compose(self) -> ComposeResult:
        title = getattr(self.behind, "HELP_TITLE", "") or type(self.behind).__name__.removesuffix("Screen")
        with Vertical(classes="dialog", id="help-dialog"):
            yield Label(f"Help · {title}", classes="dialog-title", markup=False)
            with VerticalScroll(id="help-body"):
                intro = getattr(self.behind, "HELP", "")
                if intro:
                    yield Static(intro.strip(), classes="help", markup=False)
                yield Static(self._table(), id="help-keys")
        yield KeyFooter()

    def _table(self) -> Table:
        t = Table(show_header=True, box=None, padding=(0, 2, 0, 1), expand=False)
        t.add_column("key", style="bold", no_wrap=True)
        t.add_column("what it does", overflow="fold")
        for k in self.keys:
            t.add_row(k.keys, k.what)
        t.add_row("", "")
        for key, what in APP_KEYS:
            t.add_row(Text(key, style="dim"), Text(what, style="dim"))
        return t

    def action_close(self) -> None:
        self.dismiss(None)
