"""The command palette (ctrl+p): jump to any site, occupier, phone number, floor port or
handset. The app remembers the last few jumps (`recent_jumps`); they and the current site's
hits rank first (services/finder.py)."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from voiceconsole.domain.phone import national
from voiceconsole.services.finder import Found, find, remembered
from voiceconsole.tui.work import report_failure

KIND_LABEL = {
    "site": "Site",
    "occupier": "Occupier",
    "number": "Number",
    "floor port": "Port",
    "handset": "Handset",
}


class FindProvider(Provider):
    """Searches the database as the user types (numbers in any written form, names, codes,
    port labels, MACs)."""

    async def search(self, query: str) -> Hits:
        app: Any = self.app
        if app.db is None:
            return
        try:
            hits = await find(app.db, query, here=app.current_site, recent=app.recent_jumps)
        except Exception as err:  # the palette's worker must not take the console down
            report_failure(app, err)
            return
        for rank, found in enumerate(hits):
            label = f"{KIND_LABEL[found.kind]}: {found.text}"
            # Content(), not a str: names are shown as typed, never parsed as markup. The
            # palette sorts by score: falling scores keep the finder's order.
            score = 1.0 - rank / 1000
            yield Hit(score, Content(label), partial(open_found, app, found), text=label)

    async def discover(self) -> Hits:
        app: Any = self.app
        for title, action, help_text in (
            ("Sites", app.action_open_sites, "every site with its numbers and pool"),
            ("Activity", app.action_open_activity, "the audit journal"),
            ("Apply due changes", app.apply_due_changes, "scheduled changes that fell due"),
        ):
            yield DiscoveryHit(title, action, help=help_text)


def open_found(app: Any, found: Found) -> None:
    from voiceconsole.tui.screens.floor_ports import FloorPortsScreen
    from voiceconsole.tui.screens.handset_inventory import HandsetInventoryScreen
    from voiceconsole.tui.screens.handsets import HandsetsScreen
    from voiceconsole.tui.screens.occupier import OccupierScreen
    from voiceconsole.tui.screens.site import SiteScreen
    from voiceconsole.tui.screens.telephony import TelephonyScreen

    app.recent_jumps = remembered(app.recent_jumps, found)
    site = found.site
    if found.kind == "site":
        app.open_screen(SiteScreen, found.ref)
    elif found.kind == "occupier" and site:
        app.open_screen(OccupierScreen, found.ref, site)
    elif found.kind == "number" and site:
        app.open_screen(TelephonyScreen, site, search=national(found.ref))
    elif found.kind == "floor port" and site:
        app.push_screen(FloorPortsScreen(site, found.floor, port=found.ref))
    elif found.kind == "handset" and site and found.occupier:
        app.open_screen(HandsetsScreen, found.occupier, site, handset=found.ref)
    elif found.kind == "handset" and site:
        # In stock, with no occupier's panel to show it: the site's inventory.
        app.push_screen(HandsetInventoryScreen(site, handset=found.ref))
