"""Lists that show fresh figures when the user comes back to them."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from textual.screen import ModalScreen, Screen

from voiceconsole.services.changes import Change
from voiceconsole.tui.live import touching
from voiceconsole.tui.widgets.list_table import ListTable
from voiceconsole.tui.work import call_service


class RefreshOnReturn(Screen[Any]):
    """Calls `refresh_on_return()` when the user comes back from another screen (where data
    may have changed), not from a dialog, the palette or an error message over this one:
    after a failure, closing its message must not fail again at once."""

    _left_for_a_screen = False

    def on_screen_suspend(self) -> None:
        # The screen pushed over this one is already on the stack, right above it.
        stack = self.app.screen_stack
        above = stack[stack.index(self) + 1 :] if self in stack else []
        self._left_for_a_screen = bool(above) and not isinstance(above[0], ModalScreen)

    def on_screen_resume(self) -> None:
        if self._left_for_a_screen:
            self._left_for_a_screen = False
            self.refresh_on_return()

    def refresh_on_return(self) -> None:
        raise NotImplementedError


class Revisited(Screen[Any]):
    """A list screen built once and shown again for each subject (a site, an occupier):
    `VoiceconsoleApp.open_screen` calls `visit` with the new subject before showing it."""

    def visit(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError


class SiteList(Screen[None]):
    """A list of one site's things (its switches, its port-in orders), read in a worker on
    opening and again with f5; the site is the console's current one while it shows.

    Subclasses name their table (`LIST_ID`), give `load()` (the service call) and `_show()`
    (the rows it returns)."""

    LIST_ID = ""

    def __init__(self, site: str) -> None:
        super().__init__()
        self.site = site

    def on_mount(self) -> None:
        self.app.set_current_site(self.site)  # type: ignore[attr-defined]
        self.action_refresh()
        self.query_one(f"#{self.LIST_ID}").focus()

    def on_screen_resume(self) -> None:
        self.app.set_current_site(self.site)  # type: ignore[attr-defined]

    def changes_arrived(self, changes: list[Change]) -> None:
        if touching(changes, self.site):
            self.query_one(f"#{self.LIST_ID}", ListTable).refresh_window()  # flash changes
            self.action_refresh()

    def load(self) -> Awaitable[Any]:
        raise NotImplementedError

    def _show(self, found: Any) -> None:
        raise NotImplementedError

    def action_refresh(self) -> None:
        call_service(self, self.load, self._show, group=self.LIST_ID, exclusive=True)
