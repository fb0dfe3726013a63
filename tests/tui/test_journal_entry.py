"""The activity journal read in full: Enter opens an entry (who, when, what, whom it concerns,
before/after as a diff), its subjects are a jump away, filters are a key away; and f1."""

from __future__ import annotations

import html
import re
from typing import Any

from conftest import press, settle, typed

from voiceconsole.tui.screens.activity import ActivityScreen
from voiceconsole.tui.screens.help import HelpScreen
from voiceconsole.tui.screens.journal_entry import JournalEntryScreen
from voiceconsole.tui.screens.occupier import OccupierScreen
from voiceconsole.tui.screens.sites import SitesScreen
from voiceconsole.tui.widgets.list_table import ListTable


def release_entry(*keys: str) -> Any:
    """The sample journal's release of greyhound-logistics' five numbers, opened."""

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await press(pilot, "f3", "slash", *typed("numbers.release"), "enter", "enter", *keys)

    return run_before


def test_journal_entry_80x24(make_app, snap_compare) -> None:
    assert snap_compare(make_app(), run_before=release_entry(), terminal_size=(80, 24))


def test_journal_entry_120x40(make_app, snap_compare) -> None:
    assert snap_compare(make_app(), run_before=release_entry(), terminal_size=(120, 40))


def test_activity_80x24_what_takes_the_width_left(make_app, snap_compare) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await press(pilot, "f3")

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(80, 24))


def test_help_screen_of_the_sites_80x24(make_app, snap_compare) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await press(pilot, "f1")

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(80, 24))


def test_help_screen_of_telephony_120x40(make_app, snap_compare) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await press(pilot, "down", "t", "f1")  # LON1's numbers

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(120, 40))


def screen_text(app: Any) -> str:
    """What the terminal shows, as text (from the SVG screenshot)."""
    text = " ".join(re.findall(r">([^<>]*)</text>", app.export_screenshot()))
    return html.unescape(text).replace("\xa0", " ")


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_enter_opens_an_entry_and_its_occupier(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await release_entry()(pilot)
        screen = app.screen
        assert isinstance(screen, JournalEntryScreen)
        shown = screen_text(app)
        assert re.search(r"Action\s+numbers\.release", shown)
        assert re.search(r"Who\s+sample-data", shown)
        changes = text_of(screen, "#changes")
        assert "state: reserved → cooldown" in changes
        assert "occupier: greyhound-logistics → none" in changes  # a code, not an id
        assert "020 7946 0053" in changes and "+44" not in changes
        # The subjects: the site, then the occupier; Enter on the occupier opens it there.
        await press(pilot, "down", "enter")
        assert isinstance(app.screen, OccupierScreen)
        assert (app.screen.occupier, app.screen.site) == ("greyhound-logistics", "LON1")
        await press(pilot, "escape", "escape")
        assert isinstance(app.screen, ActivityScreen)


async def test_activity_filters_are_a_key_away(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await press(pilot, "f3")
        screen = app.screen
        table = screen.query_one("#journal", ListTable)
        for key, field in (("s", "#f-site"), ("o", "#f-occupier"), ("a", "#f-actor")):
            table.focus()
            await press(pilot, key)
            assert app.focused is screen.query_one(field), key
        table.focus()
        await press(pilot, "s", *typed("MAN1"), "enter")
        assert app.focused is table  # Enter applies the site and goes back to the list
        sites = {str(table.get_row_at(i)[4]) for i in range(table.row_count)}
        assert sites == {"MAN1"}


async def test_f1_opens_the_help_of_the_screen_in_front_and_closes_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "f1")
        assert isinstance(app.screen, HelpScreen)
        text = text_of(app.screen, "#help-text")
        # Every key of the sites list, those the footer had no room for included.
        for line in ("⏎", "Open", "r", "Refresh", "^q", "Quit", "cooldown: A released number"):
            assert line in text, line
        await press(pilot, "f1")
        assert isinstance(app.screen, SitesScreen)
