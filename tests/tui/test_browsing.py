"""Site, occupier and activity screens: snapshots, keyboard flows, and literal user text."""

from __future__ import annotations

import html
import re
from typing import Any

from conftest import press, settle, typed, with_db

from voiceconsole.services.numbers import configure_number
from voiceconsole.services.occupiers import create_occupier
from voiceconsole.services.products import create_product
from voiceconsole.services.voice_services import add_services
from voiceconsole.tui.screens.activity import ActivityScreen
from voiceconsole.tui.screens.occupier import OccupierScreen
from voiceconsole.tui.screens.site import SiteScreen
from voiceconsole.tui.widgets.list_table import ListTable


def opened(screen_factory: Any, *keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.push_screen(screen_factory())
        await press(pilot, *keys)

    return run_before


def test_site_screen(make_app, snap_compare) -> None:
    assert snap_compare(
        make_app(), run_before=opened(lambda: SiteScreen("LON1")), terminal_size=(100, 30)
    )


def test_site_screen_floor_ports_tab(make_app, snap_compare) -> None:
    run_before = opened(lambda: SiteScreen("LON1"), "p", "slash", *typed("1F-00"))
    assert snap_compare(make_app(), run_before=run_before, terminal_size=(100, 30))


def test_occupier_screen_services(make_app, snap_compare) -> None:
    run_before = opened(lambda: OccupierScreen("acme-analytics", "LON1"))
    assert snap_compare(make_app(), run_before=run_before, terminal_size=(100, 30))


def test_occupier_screen_numbers_80x24(make_app, snap_compare) -> None:
    run_before = opened(lambda: OccupierScreen("acme-analytics", "LON1"), "2")
    assert snap_compare(make_app(), run_before=run_before, terminal_size=(80, 24))


def test_occupier_screen_activity(make_app, snap_compare) -> None:
    run_before = opened(lambda: OccupierScreen("acme-analytics", "LON1"), "4")
    assert snap_compare(make_app(), run_before=run_before, terminal_size=(120, 30))


def test_activity_screen_filtered(make_app, snap_compare) -> None:
    keys = ["slash", *typed("numbers.")]  # / is the action filter
    assert snap_compare(
        make_app(),
        run_before=opened(lambda: ActivityScreen(site="MAN1"), *keys),
        terminal_size=(120, 30),
    )


def rows(table: ListTable, column: int = 0) -> list[str]:
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


async def test_site_filter_and_open_occupier_by_keyboard(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await press(pilot, "down", "down", "enter")  # MAN1
        assert isinstance(app.screen, SiteScreen) and app.screen.site == "MAN1"
        await press(pilot, "slash", *typed("quay"))
        table = app.screen.query_one("#occupiers", ListTable)
        assert rows(table) == ["quayside-games"]
        await press(pilot, "enter", "enter")
        assert isinstance(app.screen, OccupierScreen)
        assert app.screen.occupier == "quayside-games"
        await press(pilot, "escape", "escape")
        assert app.sub_title == "all sites · qa"


async def test_activity_pages_back_through_the_journal(make_app, monkeypatch) -> None:
    monkeypatch.setattr(ListTable, "PAGE_SIZE", 10)  # the sample journal holds 43 entries
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await press(pilot, "f3")
        table = app.screen.query_one(ListTable)
        # Pages load until the screen is full (and a few rows beyond), no further.
        loaded = table.row_count
        assert loaded % 10 == 0 and table.size.height - 1 <= loaded < 43
        ids = [int(k) for k in table.keys]
        assert ids == sorted(ids, reverse=True)  # newest first
        await press(pilot, "ctrl+end")  # the cursor reaches the last row: the next page loads
        assert table.row_count == loaded + 10
        ids = [int(k) for k in table.keys]
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
        await press(pilot, "s", *typed("NOPE"))
        assert table.row_count == loaded + 10 and not app._notifications  # applies on Enter
        await press(pilot, "enter")
        assert table.row_count == 0  # unknown site: refused, said once, the list is empty
        assert [n.message for n in app._notifications] == ["unknown site 'NOPE'"]


def screen_text(app: Any) -> str:
    """What the terminal shows, as text (from the SVG screenshot)."""
    svg = app.export_screenshot()
    text = " ".join(re.findall(r">([^<>]*)</text>", svg))
    return html.unescape(text).replace("\xa0", " ")


MARKUP_NAME = "[link=https://example.com]Click[/link] [bold]Ltd[/]"
BROKEN_MARKUP = "Desk [/] line"  # would not even parse as markup
MARKUP_LABEL = "[red]Desk[/] [i]1"


async def test_user_text_with_markup_shows_literally(make_app, console_db) -> None:
    async def setup(db: Any) -> None:
        await create_occupier(db, "qa", name=MARKUP_NAME, code="markup-ltd", site="LON1")
        result = await add_services(
            db, "qa", occupier="markup-ltd", site="LON1", product="desk-line", quantity=1
        )
        await configure_number(db, "qa", result.activated[0], label=MARKUP_LABEL)
        await create_product(db, "qa", code="odd-line", name=BROKEN_MARKUP)

    await with_db(console_db, setup)
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await press(pilot, "down", "enter", "slash", *typed("markup"))
        assert MARKUP_NAME in screen_text(app)
        await press(pilot, "enter", "enter")
        assert isinstance(app.screen, OccupierScreen)
        assert MARKUP_NAME in screen_text(app)
        await press(pilot, "2")
        assert MARKUP_LABEL in screen_text(app)
        await press(pilot, "a", "enter")  # the wizard's product list
        assert f"{BROKEN_MARKUP} (odd-line)" in screen_text(app)
        await press(pilot, "escape", "escape", "ctrl+p", *typed("click"))
        await pilot.pause(0.3)
        await settle(pilot)
        assert f"Occupier: {MARKUP_NAME} at LON1" in screen_text(app)


async def test_hidden_tabs_load_when_first_shown(make_app) -> None:
    """An occupier screen reads only what its first tab shows; the others load on demand."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.push_screen(OccupierScreen("acme-analytics", "LON1"))
        await settle(pilot)
        numbers = app.screen.query_one("#numbers", ListTable)
        assert numbers.row_count == 0
        await press(pilot, "2")
        assert numbers.row_count == 5


async def test_a_tab_put_back_before_a_refresh_still_loads(make_app) -> None:
    """Revisited with the numbers tab last shown: the screen goes back to its first tab and
    the tab is pressed again before any refresh, so the table never sees itself hidden.
    It still loads (it used to wait for a Show event that never came)."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_screen(OccupierScreen, "acme-analytics", "LON1")
        await press(pilot, "2")
        app.pop_screen()
        await settle(pilot)
        with app.batch_update():  # no refresh between the visit and the key
            app.open_screen(OccupierScreen, "acme-analytics", "LON1")
            await pilot.press("2")
        await settle(pilot)
        assert app.screen.query_one("#numbers", ListTable).row_count == 5


async def test_back_on_a_list_shows_fresh_figures_at_the_same_row(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await press(
            pilot, "down", "enter", "down", "down", "down", "down", "down", "down", "down", "down"
        )  # LON1, indigo-health
        occupiers = app.screen.query_one("#occupiers", ListTable)
        assert occupiers.selected_key == "indigo-health"
        await press(
            pilot,
            "enter",
            "a",
            *["enter", "down", "down", "enter", "tab"],
            "7",
            "ctrl+s",
            "enter",
            "escape",
        )
        assert isinstance(app.screen, SiteScreen)
        assert occupiers.selected_key == "indigo-health"
        row = occupiers.get_row("indigo-health")
        assert [str(c) for c in row[1:4]] == ["7", "7", "2"]  # QTY, active, spare
        await press(pilot, "escape")
        sites = app.screen.query_one(ListTable)
        assert sites.selected_key == "LON1"
        assert str(sites.get_row("LON1")[3]) == "430"  # available: 440 less the 10 taken
