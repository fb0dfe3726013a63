"""The footer: the keys of the screen in front, most important first, as many as fit whole.

One policy for every screen and dialog:
- a screen's keys rank in the order the screen declares them, after the focused widget's own
  (a list's "Open") and before the console-wide ones (f2, f3, quit); `f1 Help` and `^p Find`
  always end it (their room is kept first), so the keys that do not fit are always one `f1`
  away (the help screen lists them all);
- a dialog shows only its own keys: not the screen's underneath, not the console-wide ones;
- a key is shown whole or not at all (Textual's footer cut the last one mid-word), and a
  less important key never takes the place of one that did not fit.

Textual's `Footer` also rebuilds its keys (a widget each, styled one by one) whenever the
screen refreshes its bindings: focus moving, a screen pushed on top or resumed. Opening one
list did that six times, and it was about two thirds of the list's first-page time on the
build machine (bench/ui.py). This one rebuilds once for several changes in one frame, only on
the screen shown, and only when what it would show differs. Each rebuild also left the old
keys reachable from the footer (Textual issue #6666: `data_bind` watchers are only pruned when
the watched value changes), so the watchers of removed keys are dropped by hand.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

GAP = 1  # the blank cell after each key of a compact footer
# At the end of every screen's footer (not a dialog's): the rest of the keys and
# the palette's search are always there, whatever the width.
PINNED = (("f1", "help", "Help"), ("ctrl+p", "command_palette", "Find"))


def ranked_keys(screen: Screen[Any]) -> list[tuple[Binding, bool, str]]:
    """The keys the footer may show on `screen`, most important first: one per action, the
    focused widget's before the screen's before the console's; a dialog's own only."""
    app = screen.app
    levels: list[tuple[int, int, tuple[Binding, bool, str]]] = []
    seen: set[str] = {action for _, action, _ in PINNED}
    for order, active in enumerate(screen.active_bindings.values()):
        binding = active.binding
        if not binding.show or binding.action in seen:
            continue
        if active.node is app:
            if isinstance(screen, ModalScreen):
                continue
            level = 2
        else:
            level = 1 if active.node is screen else 0
        seen.add(binding.action)
        levels.append((level, order, (binding, active.enabled, active.tooltip)))
    return [key for _, _, key in sorted(levels, key=lambda item: item[:2])]


def label_of(screen: Screen[Any], binding: Binding) -> str:
    """What the footer calls a key: a form's confirm key by its button's word ("Allocate",
    "Release"), which the form may only know once open; the binding's description else."""
    if binding.action == "confirm" and getattr(screen, "confirm_label", ""):
        return str(screen.confirm_label)  # type: ignore[attr-defined]
    return binding.description


def key_width(key_display: str, description: str) -> int:
    return len(key_display) + 1 + len(description) + GAP


class ConsoleFooter(Footer):
    """Rebuilds after the bindings settle (once for several changes in one frame), only on the
    screen shown, and only when the keys it would show differ from those shown."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        kwargs.setdefault("show_command_palette", False)
        super().__init__(*args, **kwargs)
        self._shown: tuple[Any, ...] | None = None
        self._pending = False

    def fitting_keys(self, screen: Screen[Any]) -> tuple[list[tuple[Binding, bool, str]], bool]:
        """The ranked keys that fit whole beside the pinned ones; and whether any did not."""
        ranked = ranked_keys(screen)
        pinned = () if isinstance(screen, ModalScreen) else PINNED
        room = self.size.width or screen.app.size.width
        room -= sum(key_width(self._display(key), label) for key, _, label in pinned)
        shown = []
        for binding, enabled, tooltip in ranked:
            width = key_width(self.app.get_key_display(binding), label_of(screen, binding))
            if width > room:
                break  # what shows is always the most important keys, in their order
            room -= width
            shown.append((binding, enabled, tooltip))
        return shown, len(shown) < len(ranked)

    def _display(self, key: str) -> str:
        return self.app.get_key_display(Binding(key, ""))

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        shown, _ = self.fitting_keys(self.screen)
        for binding, enabled, tooltip in shown:
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                label_of(self.screen, binding),
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
        if not isinstance(self.screen, ModalScreen):
            for key, action, label in PINNED:
                yield FooterKey(key, self._display(key), label, f"app.{action}", classes="-pinned")

    def _keys(self, screen: Screen[Any]) -> tuple[Any, ...]:
        """What the footer would show: the active bindings, with their state, and the room."""
        return (
            self.size.width,
            tuple(
                (
                    key,
                    active.binding,
                    active.enabled,
                    active.tooltip,
                    label_of(screen, active.binding),
                )
                for key, active in screen.active_bindings.items()
            ),
        )

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(screen)  # Textual's footer rebuilds nothing then either
            return
        self._bindings_ready = True
        self._schedule()

    def on_resize(self) -> None:
        self._schedule()

    def _schedule(self) -> None:
        if not self._pending:
            self._pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._pending = False
        if not self.is_attached or not self.screen.is_current or not self._bindings_ready:
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
