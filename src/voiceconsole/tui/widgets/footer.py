"""Textual's footer, rebuilt only when the keys it shows change.

Textual's `Footer` rebuilds its keys (a widget each, styled one by one) whenever the screen
refreshes its bindings: focus moving, a screen pushed on top or resumed. Opening one list
did that six times, the footer of the screen underneath included, and it was about two
thirds of the list's first-page time on the build machine (bench/ui.py). Most of those
rebuilds show exactly the keys already shown. Each rebuild also left the old keys
reachable from the footer (Textual issue #6666: `data_bind` watchers are only pruned when
the watched value changes), so a console left open all day kept every key it ever showed.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class ConsoleFooter(Footer):
    """Rebuilds after the bindings settle (once for several changes in one frame), only on the
    screen shown, and only when the keys differ from those shown."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[Any, ...] | None = None
        self._pending = False

    def _keys(self, screen: Screen[Any]) -> tuple[Any, ...]:
        """What the footer would show: the active bindings, with their state."""
        return (
            self.compact,
            self.show_command_palette,
            tuple(
                (key, active.binding, active.enabled, active.tooltip)
                for key, active in screen.active_bindings.items()
            ),
        )

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(screen)  # Textual's footer rebuilds nothing then either
            return
        self._bindings_ready = True
        if not self._pending:
            self._pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._pending = False
        if not self.is_attached or not self.screen.is_current:
            return  # the screen refreshes its bindings again when it is shown
        keys = self._keys(self.screen)
        if keys != self._shown:
            self._shown = keys
            await self.recompose()

    async def recompose(self) -> None:
        await super().recompose()
        # Drop the watchers of the keys just removed (see the module's note).
        watchers = getattr(self, "__watchers", {}).get("compact")
        if watchers:
            watchers[:] = [(node, callback) for node, callback in watchers if node.is_attached]
