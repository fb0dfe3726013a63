"""The palette's jumps: a floor port into the grid, a handset into its panel, and what ranks
first (recent jumps, then the site you are at)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import press, settle, typed, with_db
from textual.command import CommandList

from voiceconsole.services.handsets import add_handset
from voiceconsole.tui.screens.floor_ports import FloorPortsScreen
from voiceconsole.tui.screens.handset_inventory import HandsetInventoryScreen
from voiceconsole.tui.screens.handsets import HandsetsScreen
from voiceconsole.tui.widgets.list_table import ListTable

ACME_DESK_2 = "02:cc:01:01:00:03"  # acme-analytics' second handset at LON1, on 1F-003
INDIGO_DESK = "02:cc:01:02:00:0d"  # indigo-health's handset at LON1, on 2F-013


async def search(pilot: Any, text: str) -> list[str]:
    """Open the palette, type `text`, and return the hits it shows, top first."""
    await press(pilot, "ctrl+p", *typed(text))
    await pilot.pause(0.3)  # the palette searches after a short debounce
    await settle(pilot)
    hits = pilot.app.screen.query_one(CommandList)
    return [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]


async def jump(pilot: Any, text: str) -> None:
    await search(pilot, text)
    await press(pilot, "enter")


def port_under_cursor(app: Any) -> str | None:
    return app.screen.query_one("#ports", ListTable).selected_key


def handset_under_cursor(app: Any) -> str | None:
    handset, _ = app.screen.highlighted()
    return handset.mac if handset else None


async def test_a_port_opens_the_grid_on_its_floor_with_the_cursor_on_it(
    make_app, monkeypatch
) -> None:
    # Pages of 5 rows: 2F-013 is on the third, which the grid reads on its way to it.
    monkeypatch.setattr(ListTable, "PAGE_SIZE", 5)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await jump(pilot, "2F-013")
        assert isinstance(app.screen, FloorPortsScreen)
        assert (app.screen.site, app.screen.floor) == ("LON1", "2F")
        assert port_under_cursor(app) == "2F-013"
        assert app.current_site == "LON1"
        assert [(f.kind, f.ref, f.site) for f in app.recent_jumps] == [
            ("floor port", "2F-013", "LON1")
        ]


async def test_a_handset_opens_its_panel_with_the_cursor_on_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        assert await search(pilot, "acme desk 2") == [
            f"Handset: LON1 Acme desk 2 · {ACME_DESK_2} · 1F-003 (acme-analytics)"
        ]
        await press(pilot, "enter")
        assert isinstance(app.screen, HandsetsScreen)
        assert (app.screen.occupier, app.screen.site) == ("acme-analytics", "LON1")
        assert handset_under_cursor(app) == ACME_DESK_2  # the panel's second handset
        # By MAC, written as a switch shows it: the kept panel, now indigo-health's.
        await press(pilot, "escape")
        await jump(pilot, "02cc.0102.000d")
        assert isinstance(app.screen, HandsetsScreen)
        assert (app.screen.occupier, handset_under_cursor(app)) == ("indigo-health", INDIGO_DESK)


async def test_a_handset_in_stock_opens_the_sites_handsets(make_app, console_db) -> None:
    mac = "02:cc:09:00:00:01"
    await with_db(
        console_db,
        lambda db: add_handset(db, "qa", mac=mac, model="yealink-t54w", site="LON1"),
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await jump(pilot, mac)
        assert isinstance(app.screen, HandsetInventoryScreen)
        assert app.screen.site == "LON1"
        assert app.screen.selected().mac == mac


async def test_recent_jumps_then_the_current_site_rank_first(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        # From the sites list (no site yet): LDS1's 1F-001 sorts before LON1's.
        await jump(pilot, "1F-001")
        assert (app.screen.site, port_under_cursor(app)) == ("LDS1", "1F-001")
        await jump(pilot, "acme desk 2")
        assert app.current_site == "LON1"
        # At LON1: its 1F-002 before LDS1's.
        hits = await search(pilot, "1F-002")
        assert hits[:2] == ["Port: LON1 1F-002", "Port: LDS1 1F-002"]
        await press(pilot, "escape")
        # The jump made a minute ago beats the site you are at.
        hits = await search(pilot, "1F-001")
        assert hits[:2] == ["Port: LDS1 1F-001", "Port: LON1 1F-001"]
        await press(pilot, "enter")
        assert (app.screen.site, port_under_cursor(app)) == ("LDS1", "1F-001")


@pytest.mark.parametrize("number", ["+44 (0)20 7946 0005", "0044 20 7946 0005", "020-7946-0005"])
async def test_numbers_are_found_however_they_are_written(make_app, number: str) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        assert await search(pilot, number) == ["Number: 020 7946 0005 (brightwater-legal)"]


def test_palette_shows_ports_and_the_handset_on_one(make_app, snap_compare) -> None:
    async def run_before(pilot: Any) -> None:
        await search(pilot, "1F-001")

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(100, 30))
