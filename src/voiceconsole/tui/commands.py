"""The command palette (ctrl+p): jump to any site, occupier, phone number or floor port."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from voiceconsole.services.finder import Found, find
from voiceconsole.tui.work import report_failure

KIND_LABEL = {"site": "Site", "occupier": "Occupier", "number": "Number", "floor port": "Port"}


class FindProvider(Provider):
    """Searches the database as the user types (national or E.164 numbers, names, codes)."""

    async def search(self, query: str) -> Hits:
        app: Any = self.app
        if app.db is None:
            return
        try:
            hits = await find(app.db, query)
        except Exception as err:  # the palette's worker must not take the console down
            report_failure(app, err)
            return
        for found in hits:
            label = f"{KIND_LABEL[found.kind]}: {found.text}"
            # Content(), not a str: names are shown as typed, never parsed as markup.
            yield Hit(1.0, Content(label), partial(open_found, app, found), text=label)

    async def discover(self) -> Hits:
        app: Any = self.app
        for title, action, help_text in (
            ("Sites", app.action_open_sites, "every site with its numbers and pool"),
            ("Activity", app.action_open_activity, "the audit journal"),
            ("Apply due changes", app.apply_due_changes, "scheduled changes that fell due"),
        ):
            yield DiscoveryHit(title, action, help=help_text)


def open_found(app: Any, found: Found) -> None:
    from voiceconsole.tui.screens.occupier import OccupierScreen
    from voiceconsole.tui.screens.site import SiteScreen
    from voiceconsole.tui.screens.telephony import TelephonyScreen

    site = found.site
    if found.kind == "site":
        app.open_screen(SiteScreen, found.ref)
    elif found.kind == "occupier" and site:
        app.open_screen(OccupierScreen, found.ref, site)
    elif found.kind == "number" and site:
        app.open_screen(TelephonyScreen, site, search=found.ref)
    elif found.kind == "floor port" and site:
        app.open_screen(SiteScreen, site, floor_port=found.ref)
