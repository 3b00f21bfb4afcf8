"""The key footer: the screen's keys in BINDINGS order (most important first), whole keys only.

Textual's Footer lays every key out in one row and lets the last ones run off the edge or
under the palette key ("…p Deposit w W", "^ ^ppa lette"). `KeyFooter` hides every key that
would not fit whole, from the end, so screens list their bindings by importance; `?`/F1
shows all of them (ddbtui.ui.screens.help).
"""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import (
    FooterKey,  # the footer's own key widget (no public alias)
)


class KeyFooter(Footer):
    DEFAULT_CSS = """
    KeyFooter FooterKey.-command-palette { border-left: none; }
    """

    def __init__(self, **kw) -> None:
        kw.setdefault("compact", True)
        super().__init__(**kw)
        self.recomposes = 0  # rebuilds of the keys (start-up / first-page cost; tests read it)

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit_keys)

    def _wanted(self) -> tuple | None:
        """The keys Textual's compose() would build now: (key, description, action, enabled)
        in order, the palette key aside; None when it would build groups (always rebuild)."""
        wanted, seen = [], set()
        for (_node, b, enabled, _tooltip) in self.screen.active_bindings.values():
            if not b.show:
                continue
            if b.group is not None:
                return None
            if b.action in seen:  # compose shows the first binding of each action
                continue
            seen.add(b.action)
            wanted.append((b.key, b.description, b.action, bool(enabled)))
        return tuple(wanted)

    def _built(self) -> tuple:
        return tuple((k.key, k.description, k.action, not k.disabled) for k in self.query_children(FooterKey)
                     if not k.has_class("-command-palette"))

    def bindings_changed(self, screen) -> None:
        """As Textual's Footer, but also while the app is blurred (a browser tab under
        `ddbtui serve` that has not been clicked yet): Textual skips the signal then and
        relied on rebuilding every key on every signal to catch up later; with rebuilds only
        on change (below) the keys of a table list that loaded while blurred never showed."""
        self._bindings_ready = True
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self.recompose)

    async def recompose(self) -> None:
        """Textual rebuilds every key on each bindings signal (focus moves, a disabled button,
        a worker ending...): 29 rebuilds, ~0.2 s of the items screen's first page. Rebuild
        only when the keys on screen differ from the ones compose() would build now."""
        if self.is_attached and self._bindings_ready:
            wanted = self._wanted()
            if wanted is not None and wanted and wanted == self._built():
                return
        self.recomposes += 1
        await super().recompose()
        self.call_after_refresh(self.fit_keys)

    @staticmethod
    def _width(key: FooterKey) -> int:
        return key.render().cell_len + key.styles.margin.left + key.styles.margin.right

    def fit_keys(self) -> None:
        """Show the keys that fit whole, in order; hide the rest."""
        width = self.size.width
        if not width:
            return
        keys = list(self.query_children(FooterKey))
        palette = [k for k in keys if k.has_class("-command-palette")]
        # "? Help" is always shown: it lists every key that did not fit
        keep = [k for k in keys if k.action in ("help", "app.help")]
        room = width - sum(self._width(k) + 1 for k in palette) - sum(self._width(k) for k in keep)
        used = 0
        for key in keys:
            if key in palette or key in keep:
                continue
            w = self._width(key)
            fits = used + w <= room
            if fits:
                used += w
            if key.display != fits:
                key.display = fits

    @property
    def shown_keys(self) -> list[str]:
        """'key description' of each key on screen (tests read the footer like a person)."""
        return [f"{k.key_display} {k.description}".strip() for k in self.query_children(FooterKey) if k.display]
