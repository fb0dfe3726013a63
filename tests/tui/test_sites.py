"""The sites screen: figures per site, low stock, filter as you type, opening a site."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import keys_then_settle, press, settle, typed

from voiceconsole.config import ConsoleSettings
from voiceconsole.tui.app import VoiceconsoleApp
from voiceconsole.tui.screens.site import SiteScreen
from voiceconsole.tui.widgets.list_table import ListTable


def test_sites_screen_80x24(make_app, snap_compare) -> None:
    assert snap_compare(make_app(), run_before=keys_then_settle(), terminal_size=(80, 24))


def test_sites_screen_large_terminal(make_app, snap_compare) -> None:
    assert snap_compare(make_app(), run_before=keys_then_settle(), terminal_size=(160, 48))


def test_sites_filter_as_you_type(make_app, snap_compare) -> None:
    keys = ["slash", *typed("london")]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(100, 24))


async def test_sites_open_a_site_by_keyboard(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await press(pilot)
        table = app.screen.query_one(ListTable)
        assert [table.get_row_at(i)[0].plain for i in range(table.row_count)] == [
            "LDS1",
            "LON1",
            "MAN1",
            "NYC1",
            "SFO1",
        ]
        low = {
            table.get_row_at(i)[0].plain: table.get_row_at(i)[2].plain
            for i in range(table.row_count)
        }
        assert low["LDS1"] == "LOW" and low["LON1"] == "ok"
        await press(pilot, "down", "enter")
        assert isinstance(app.screen, SiteScreen) and app.screen.site == "LON1"
        assert app.sub_title == "LON1 · qa"


@pytest.fixture
def empty_app(tmp_path: Path, sqlite_template: Path) -> VoiceconsoleApp:
    path = tmp_path / "empty.db"
    shutil.copy(sqlite_template, path)
    return VoiceconsoleApp(
        f"sqlite+aiosqlite:///{path}",
        actor="qa",
        settings=ConsoleSettings(cursor_blink=False),
        apply_due_on_start=False,
    )


def test_a_database_without_sites_says_so(empty_app, snap_compare) -> None:
    assert snap_compare(empty_app, run_before=keys_then_settle(), terminal_size=(80, 24))


async def test_the_no_sites_word_only_when_there_are_none(make_app, empty_app) -> None:
    async with empty_app.run_test(size=(80, 24)) as pilot:
        await press(pilot)
        assert empty_app.screen.query_one("#no-sites").display
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "slash", *typed("nothing-like-this"))
        assert app.screen.query_one(ListTable).row_count == 0
        assert not app.screen.query_one("#no-sites").display  # a filter, not an empty estate


async def test_a_cut_name_is_shown_in_full_under_the_list(make_app) -> None:
    """At 80 columns the sites' names give way (ending in …); the highlighted one is in full
    on the line under the list. At 160 nothing is cut and the line takes no room."""
    from voiceconsole.tui.widgets.row_detail import RowDetail

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        detail = app.screen.query_one(RowDetail)
        table = app.screen.query_one("#sites")
        assert str(table.get_row_at(0)[1]) == "Northwind Wellington Place, Leeds"
        assert detail.display and "Name: Northwind Wellington Place, Leeds" in str(detail.render())
        await press(pilot, "down")
        assert "Name: Northwind Aldgate, London" in str(detail.render())
    app = make_app()
    async with app.run_test(size=(160, 24)) as pilot:
        await settle(pilot)
        assert not app.screen.query_one(RowDetail).display
