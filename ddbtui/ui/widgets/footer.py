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
        self._composed: tuple | None = None  # the bindings the keys on screen were built from
        self._pending = False
        self.recomposes = 0  # rebuilds of the keys (start-up / first-page cost; tests read it)

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit_keys)

    def _signature(self) -> tuple:
        return tuple((b.key, b.description, b.action, b.show, b.group, enabled, tooltip)
                     for (_node, b, enabled, tooltip) in self.screen.active_bindings.values())

    def bindings_changed(self, screen) -> None:
        """Textual rebuilds every key on each bindings signal (focus moves, a disabled button,
        a worker ending...): 29 rebuilds, ~0.2 s of the items screen's first page. Rebuild
        once per refresh, and only when the keys would differ."""
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._pending = False
        if self.is_attached and self._signature() != self._composed:
            await self.recompose()

    async def recompose(self) -> None:
        if self.is_attached and self._bindings_ready:
            self._composed = self._signature()
        self.recomposes += 1
        await super().recompose()
        self.call_after_refresh(self.fit_keys)

    def on_mount(self) -> None:
        super().on_mount()
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
