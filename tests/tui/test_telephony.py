"""The site telephony screen: the number inventory, its filters and ranges, and every action
driven by keyboard only, with the database checked afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import threading
from typing import Any

import pytest
from conftest import keys_then_settle, press, run, settle, typed, with_db
from textual.widgets import Select

from voiceconsole.services import numbers
from voiceconsole.services.numbers import list_numbers, pin_matches, show_number
from voiceconsole.tui.screens import number_import, number_rows, telephony
from voiceconsole.tui.screens.error import ErrorDialog
from voiceconsole.tui.screens.number_configure import ConfigureDialog, PinDialog
from voiceconsole.tui.screens.number_dialogs import (
    ActionsMenu,
    AllocateDialog,
    MainNumberDialog,
    MoveDialog,
)
from voiceconsole.tui.screens.number_import import ImportNumbersScreen
from voiceconsole.tui.screens.telephony import TelephonyScreen
from voiceconsole.tui.widgets.list_table import ListTable

# From the sites list (LDS1, LON1, MAN1, NYC1, SFO1): down to the site, t for telephony.
LON1 = ("down", "t")
MAN1 = ("down", "down", "t")
NYC1 = ("down", "down", "down", "t")


@pytest.fixture(autouse=True)
def preview_at_once(monkeypatch) -> None:
    """The import dry run waits for a pause in typing; tests wait for it anyway."""
    monkeypatch.setattr(number_import, "PREVIEW_DELAY", 0.0)


def london(n: int) -> str:
    return f"+44207946{n:04d}"


def rows(app: Any) -> list[list[str]]:
    table = app.screen.query_one(ListTable)
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


def notes(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


def configure(url: str, e164: str, **settings: Any) -> None:
    run(with_db(url, lambda db: numbers.configure_number(db, "qa", e164, **settings)))


async def number(url: str, e164: str) -> Any:
    return await with_db(url, lambda db: show_number(db, e164))


async def numbers_like(url: str, search: str) -> list[Any]:
    return await with_db(url, lambda db: list_numbers(db, site="LON1", search=search))


def said(app: Any, selector: str = "#import-report") -> str:
    return str(app.screen.query_one(selector).render())


# Into the import screen's CSV mode, the cursor in the file field.
CSV_MODE = ("i", "shift+tab", "enter", "down", "enter", "tab")


# --- snapshots -------------------------------------------------------------------------------


def test_telephony_screen_80x24(make_app, snap_compare) -> None:
    assert snap_compare(make_app(), run_before=keys_then_settle(*LON1), terminal_size=(80, 24))


def test_telephony_with_filters(make_app, snap_compare) -> None:
    # Search, then state: reserved (tab to the state filter, open it, pick), back to the list.
    keys = [*LON1, "slash", *typed("7946 0"), "tab", "enter", "down", "down", "enter", "tab"]
    keys += ["tab", "tab"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 24))


def test_telephony_us_site_marks_one_per_row(make_app, snap_compare) -> None:
    keys = [*NYC1, "x", "shift+down", "down", "down", "space", "down"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 24))


def test_telephony_shows_markup_literally(make_app, console_db, snap_compare) -> None:
    configure(console_db, london(1), label="[bold]Front[/] desk [link=https://x.example]x[/link]")
    configure(console_db, london(2), label="[red]", voicemail_email="[b]@example.com")
    keys = [*LON1, "down"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(100, 24))


def test_actions_menu(make_app, snap_compare) -> None:
    keys = [*LON1, "down", "down", "enter"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 24))


def test_allocate_dialog_names_literally(make_app, snap_compare) -> None:
    # 020 7946 0450, for the occupier whose name is markup (picked by typing its start).
    keys = [*LON1, "slash", *typed("0450"), "enter", "a", "enter", *typed("squ"), "enter"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 24))


def test_release_dialog(make_app, snap_compare) -> None:
    keys = [*LON1, *["down"] * 4, "space", *["down"] * 3, "space", "down", "r"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 24))


def test_activate_refused_in_dialog(make_app, snap_compare) -> None:
    # copperleaf-design: QTY 1, 020 7946 0014 active; its spares cannot be activated.
    keys = [*LON1, "slash", *typed("7946 0015"), "enter", "e", "ctrl+s"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 24))


def test_main_number_dialog(make_app, snap_compare) -> None:
    keys = [*MAN1, "slash", *typed("496 0005"), "enter", "m"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 24))


def test_configure_dialog(make_app, snap_compare) -> None:
    keys = [*LON1, "down", "c"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 24))


def test_pin_dialog(make_app, snap_compare, monkeypatch) -> None:
    digits = itertools.cycle("482913")
    monkeypatch.setattr(numbers.secrets, "choice", lambda _: next(digits))
    keys = [*LON1, "down", "c", "tab", "tab", "tab", "tab", "tab", "tab", "tab", "tab", "space"]
    keys += ["ctrl+s"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 24))


def test_import_range_preview(make_app, snap_compare) -> None:
    keys = [*LON1, "i", *typed("020 7946 0600"), "tab", *typed("020 7946 0699")]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 24))


def test_import_csv_report(make_app, snap_compare, tmp_path, monkeypatch) -> None:
    (tmp_path / "ranges.csv").write_text(
        "first,last,main_candidate,note\n"
        "020 7946 0600,020 7946 0649,no,new block\n"
        "020 7946 0640,020 7946 0660,no,overlaps the row above\n"
        "020 7946 0450,,no,already at LON1\n"
        "+1 212 555 0150,,no,a New York number\n"
        "[bold]oops[/],,no,\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    keys = [*LON1, "i", "shift+tab", "enter", "down", "enter", "tab", *typed("ranges.csv")]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 24))


# --- keyboard flows, database checked afterwards ---------------------------------------------


async def test_allocate_a_number_by_keyboard(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, "slash", *typed("7946 0450"), "enter")
        assert [r[1] for r in rows(app)] == ["020 7946 0450"]
        await press(pilot, "a")
        assert isinstance(app.screen, AllocateDialog)
        await press(pilot, "enter", *typed("juni"), "enter", "ctrl+s")
        assert isinstance(app.screen, TelephonyScreen)
        assert rows(app)[0][3] == "reserved" and rows(app)[0][5] == "juniper-robotics"
        assert any("Allocated to juniper-robotics: 020 7946 0450" in n for n in notes(app))
    n = await number(console_db, london(450))
    assert (n.state, n.occupier) == ("reserved", "juniper-robotics")


async def test_refusals_stay_in_the_dialog_and_change_nothing(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        # copperleaf-design: QTY 1 and 020 7946 0014 active: no free voice service.
        await press(pilot, *LON1, "slash", *typed("7946 0015"), "enter", "e", "ctrl+s")
        assert isinstance(app.screen, MoveDialog)
        status = str(app.screen.query_one("#dialog-status").render())
        assert "no free voice service for Copperleaf Design at LON1: QTY 1, 1 active" in status
        await press(pilot, "escape")
        # An allocated number cannot be allocated again.
        await press(pilot, "a", "enter", *typed("juni"), "enter", "ctrl+s")
        assert isinstance(app.screen, AllocateDialog)
        status = str(app.screen.query_one("#dialog-status").render())
        assert "it already belongs to an occupier" in status
        await press(pilot, "escape")
    n = await number(console_db, london(15))
    assert (n.state, n.occupier) == ("reserved", "copperleaf-design")


async def test_deactivate_then_activate_a_spare(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, "slash", *typed("7946 0014"), "enter", "d", "enter")
        await press(pilot, "slash", "ctrl+a", "ctrl+k", *typed("7946 0015"), "enter", "e", "ctrl+s")
        assert isinstance(app.screen, TelephonyScreen)
    assert (await number(console_db, london(14))).state == "reserved"
    assert (await number(console_db, london(15))).state == "active"


async def test_release_marked_numbers(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        # Filter by occupier and state; mark the range of three spares and release them.
        await press(pilot, *LON1, "tab", "tab", "enter", "down", "down", "enter")
        await press(pilot, "tab", "tab", "enter", *typed("copp"), "enter", "tab")
        assert [r[1] for r in rows(app)] == ["020 7946 0015–0017"]
        await press(pilot, "space")
        assert rows(app)[0][0] == "●"
        await press(pilot, "r")
        assert "020 7946 0015–0017 (3 numbers, copperleaf-design)" in str(
            app.screen.query_one(".dialog-text").render()
        )
        await press(pilot, "ctrl+s")
        assert rows(app) == []  # no reserved numbers left for copperleaf-design
        assert not app.screen.marked
    for n in (15, 16, 17):
        got = await number(console_db, london(n))
        assert (got.state, got.occupier, str(got.cooldown_until)) == (
            "cooldown",
            None,
            "2027-02-17",
        )


async def test_mark_several_rows_and_activate(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        # ember-oak at LON1: QTY 5, five active, four spares. Free two services first.
        await press(pilot, *LON1, "slash", *typed("7946 00"), "enter", "x")
        assert [r[1] for r in rows(app)][:3] == ["020 7946 0000", "020 7946 0001", "020 7946 0002"]
        found = {r[1]: i for i, r in enumerate(rows(app))}
        await press(pilot, *["down"] * found["020 7946 0034"], "shift+down", "down", "d", "enter")
        assert (await number(console_db, london(34))).state == "reserved"
        assert (await number(console_db, london(35))).state == "reserved"
        # Space moved the cursor on, and it stays there after the action: mark two spares.
        assert app.screen.highlighted().first.e164 == london(36)
        await press(pilot, "down", "down", "down", "shift+down", "down", "e", "ctrl+s")
        assert isinstance(app.screen, TelephonyScreen)
    states = {n: (await number(console_db, london(n))).state for n in range(34, 42)}
    assert states == {
        34: "reserved",
        35: "reserved",
        36: "active",
        37: "active",
        38: "active",
        39: "active",
        40: "active",
        41: "reserved",
    }


async def test_nominate_main_number(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *MAN1, "slash", *typed("496 0005"), "enter", "m")
        assert "Its main number now, 0161 496 0004, becomes a spare" in str(
            app.screen.query(".dialog-text").last().render()
        )
        await press(pilot, "enter")
        assert isinstance(app.screen, TelephonyScreen)
    new, old = await number(console_db, "+441614960005"), await number(console_db, "+441614960004")
    assert (new.is_main, new.state, old.is_main, old.state) == (True, "active", False, "reserved")


async def test_configure_a_number(make_app, console_db, monkeypatch) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, "down", "c")
        assert isinstance(app.screen, ConfigureDialog)
        await press(pilot, "ctrl+a", "ctrl+k", *typed("[bold]Front[/] desk"), "tab", "tab", "tab")
        await press(pilot, *typed("020 7946 0003"), "tab", "ctrl+a", "ctrl+k", "tab", "space")
        await press(pilot, "tab", "tab", "space", "tab", "space", "ctrl+s")
        assert isinstance(app.screen, PinDialog)
        pin = app.screen.pin
        await press(pilot, "enter")
        assert isinstance(app.screen, TelephonyScreen)
        assert rows(app)[1][6] == "[bold]Front[/] desk"
        assert any("Configured 020 7946 0001: label" in n for n in notes(app))
    n = await number(console_db, london(1))
    assert (n.label, n.forward_busy, n.forward_no_answer) == (
        "[bold]Front[/] desk",
        london(3),
        None,
    )
    assert (n.voicemail, n.dnd, n.voicemail_email) == (False, True, "sales@acme.example")

    async def stored_pin(db: Any) -> str:
        from sqlalchemy import select

        from voiceconsole.db.models import PhoneNumber

        async with db.read() as session:
            return await session.scalar(
                select(PhoneNumber.pin_hash).where(PhoneNumber.e164 == london(1))
            )

    assert pin_matches(pin, await with_db(console_db, stored_pin))


async def test_refused_before_any_dialog_opens(make_app, monkeypatch) -> None:
    monkeypatch.setattr(telephony, "MAX_PER_ACTION", 5)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, "down", "down", "c")  # 020 7946 0002-0004
        assert any("Configure takes one number; 3 are chosen" in n for n in notes(app))
        await press(pilot, "m")
        assert any("Making a main number takes one number; 3 are chosen" in n for n in notes(app))
        await press(pilot, "down", "r")  # 020 7946 0005-0011
        assert any("7 numbers are chosen; one action takes at most 5" in n for n in notes(app))
        await press(pilot, "slash", *typed("7946 0450"), "enter", "c", "m")
        assert any("020 7946 0450 is available: only numbers held" in n for n in notes(app))
        assert any("020 7946 0450 is available, held by no occupier" in n for n in notes(app))
        assert isinstance(app.screen, TelephonyScreen)


async def test_import_a_range(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, "i", *typed("020 7946 0600"), "tab", *typed("020 7946 0699"))
        report = str(app.screen.query_one("#import-report").render())
        assert "Would import 100 pool numbers to LON1" in report
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, TelephonyScreen)
        assert any("Imported 100 pool numbers to LON1" in n for n in notes(app))
    found = await with_db(
        console_db, lambda db: list_numbers(db, site="LON1", search="7946 06", state="available")
    )
    assert len(found) == 100


async def test_import_ported_numbers_for_an_occupier(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, "i", *typed("020 7946 0700"), "tab", *typed("020 7946 0704"))
        await press(pilot, "tab", "enter", "down", "enter")  # origin: ported
        report = str(app.screen.query_one("#import-report").render())
        assert "ported numbers are brought in for one occupier" in report
        await press(pilot, "tab", "enter", *typed("indi"), "enter", "ctrl+s")
        assert isinstance(app.screen, TelephonyScreen)
    n = await number(console_db, london(702))
    assert (n.state, n.origin, n.occupier) == ("reserved", "ported", "indigo-health")


async def test_import_csv_refused_row_imports_nothing(make_app, console_db, tmp_path) -> None:
    path = tmp_path / "ranges.csv"
    path.write_text("020 7946 0600,020 7946 0609\n020 7946 0450,\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, "i", "shift+tab", "enter", "down", "enter", "tab")
        await press(pilot, *typed(str(path)))
        report = str(app.screen.query_one("#import-report").render())
        assert "ok   line 1: 020 7946 0600-020 7946 0609: 10 numbers" in report
        assert "ERR  line 2: 020 7946 0450: 020 7946 0450 already exists at LON1" in report
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ImportNumbersScreen)  # nothing to confirm
        await press(pilot, "escape")
    found = await with_db(console_db, lambda db: list_numbers(db, site="LON1", search="7946 060"))
    assert found == []


async def test_lists_load_by_page(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, "x")  # one number per row: 510 numbers at LON1
        assert len(rows(app)) == ListTable.PAGE_SIZE
        await press(pilot, "ctrl+end")
        assert len(rows(app)) == 2 * ListTable.PAGE_SIZE
        await press(pilot, "x")  # ranges: the whole site in a few rows
        assert rows(app)[-1][1:4] == ["020 7946 0907–0909", "3", "reserved"]
        assert len(rows(app)) < ListTable.PAGE_SIZE


@pytest.mark.parametrize(
    ("opened", "first_rows"),
    [
        (
            {"occupier": "kestrel-architects"},
            ["020 7946 0900", "020 7946 0901–0906", "020 7946 0907–0909"],
        ),
        ({"search": "+442079460001"}, ["020 7946 0001"]),
    ],
    ids=["occupier", "search"],
)
async def test_opened_with_a_filter(make_app, opened, first_rows) -> None:
    """As the occupier screen and the command palette open it."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot)
        await app.push_screen(TelephonyScreen("LON1", **opened))
        await press(pilot)
        assert [r[1] for r in rows(app)] == first_rows


# --- review fixes ----------------------------------------------------------------------------


async def test_actions_menu_runs_the_chosen_action(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, "down", "down", "enter")  # 020 7946 0002–0004, active
        assert isinstance(app.screen, ActionsMenu)
        menu = app.screen.query_one("#menu")
        greyed = {menu.get_option_at_index(i).id for i in range(menu.option_count)} - {
            o.id for o in menu.options if not o.disabled
        }
        # What three active numbers do not allow is greyed, with why; it cannot be chosen.
        assert greyed == {
            "allocate",
            "activate",
            "release",
            "nominate_main",
            "configure",
            "clear_marks",
        }
        release = str(menu.get_option("release").prompt)
        assert "not now: cannot be released while active; deactivate first" in release
        await press(pilot, "home", "enter")  # the first that can be taken: deactivate
        assert isinstance(app.screen, MoveDialog) and app.screen.move == "deactivate"
        await press(
            pilot, "escape", "enter", "end", "up", "enter"
        )  # mark / unmark (past the greyed clear)
        assert isinstance(app.screen, TelephonyScreen)
        assert len(app.screen.marked) == 3


async def test_a_failed_write_leaves_the_dialog_usable(make_app, monkeypatch) -> None:
    real = numbers.allocate_numbers

    async def allocate_then_fail(*args: Any, **kwargs: Any) -> Any:
        await real(*args, **kwargs)
        raise RuntimeError("the connection dropped after the commit")

    monkeypatch.setattr(numbers, "allocate_numbers", allocate_then_fail)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, "slash", *typed("7946 0450"), "enter", "a", "enter")
        await press(pilot, *typed("juni"), "enter", "ctrl+s")
        assert isinstance(app.screen, ErrorDialog)
        await press(pilot, "escape")
        assert isinstance(app.screen, AllocateDialog)
        assert not app.screen.query_one("#confirm").disabled
        assert "it may or may not have been done. Check the list" in said(app, "#dialog-status")
        await press(pilot, "escape")  # closes: not stuck at work
        assert isinstance(app.screen, TelephonyScreen)
        assert rows(app)[0][3] == "reserved"  # read again: it was done after all


async def test_a_failed_import_leaves_the_screen_usable(make_app, monkeypatch) -> None:
    real = number_import.import_numbers

    async def fail_on_write(*args: Any, dry_run: bool = False, **kwargs: Any) -> Any:
        if not dry_run:
            raise RuntimeError("disk full")
        return await real(*args, dry_run=dry_run, **kwargs)

    monkeypatch.setattr(number_import, "import_numbers", fail_on_write)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, "i", *typed("020 7946 0600"), "tab", *typed("020 7946 0609"))
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ErrorDialog)
        await press(pilot, "escape")
        assert isinstance(app.screen, ImportNumbersScreen)
        assert not app.screen.query_one("#confirm").disabled
        assert "may or may not have been written. Check the list" in said(app)
        assert "Would import 10 pool numbers to LON1" in said(app)  # the report stays
        await press(pilot, "escape")
        assert isinstance(app.screen, TelephonyScreen)


async def test_import_runs_once_and_never_on_enter(make_app, console_db, monkeypatch) -> None:
    real = number_import.import_numbers
    writes: list[int] = []

    async def slow_write(*args: Any, dry_run: bool = False, **kwargs: Any) -> Any:
        if not dry_run:
            writes.append(1)
            await asyncio.sleep(0.3)
        return await real(*args, dry_run=dry_run, **kwargs)

    monkeypatch.setattr(number_import, "import_numbers", slow_write)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, "i", *typed("020 7946 0600"), "tab", *typed("020 7946 0699"))
        assert "Would import 100 pool numbers to LON1" in said(app)
        await press(pilot, "enter")  # in the Last field: Enter does not import
        assert isinstance(app.screen, ImportNumbersScreen) and writes == []
        await pilot.press("ctrl+s", "ctrl+s")  # the second while the first is at work
        await settle(pilot)
        assert isinstance(app.screen, TelephonyScreen)
        assert any("Imported 100 pool numbers to LON1" in n for n in notes(app))
    assert writes == [1]
    assert len(await numbers_like(console_db, "7946 06")) == 100


async def test_import_writes_the_rows_that_were_checked(make_app, console_db, tmp_path) -> None:
    path = tmp_path / "ranges.csv"
    path.write_text("020 7946 0600,020 7946 0609\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, *CSV_MODE, *typed(str(path)))
        assert "Would import 10 pool numbers to LON1" in said(app)
        path.write_text("020 7946 0700,020 7946 0799\n", encoding="utf-8")  # changed since
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, TelephonyScreen)
        assert any("Imported 10 pool numbers to LON1" in n for n in notes(app))
    assert len(await numbers_like(console_db, "7946 060")) == 10
    assert await numbers_like(console_db, "7946 07") == []


async def test_import_reads_files_within_limits_off_the_loop(
    make_app, tmp_path, monkeypatch
) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as f:
        f.truncate(number_import.MAX_FILE_BYTES + 1)  # sparse: takes no disk
    small = tmp_path / "small.csv"
    small.write_text("020 7946 0600,\n", encoding="utf-8")
    readers: list[threading.Thread] = []
    real_read_csv = number_import.read_csv

    def read_csv(text: str) -> Any:
        readers.append(threading.current_thread())
        return real_read_csv(text)

    monkeypatch.setattr(number_import, "read_csv", read_csv)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, *CSV_MODE, *typed(str(big)))
        assert "big.csv is 20.0 MB; at most 20 MB are imported at once" in said(app)
        assert readers == []  # refused before reading it
        await press(pilot, "ctrl+a", "ctrl+k", *typed(str(tmp_path)))
        assert "is a folder; give the path of a CSV file" in said(app)
        await press(pilot, "ctrl+a", "ctrl+k", *typed(str(small)))
        assert "Would import 1 pool numbers to LON1" in said(app)
    assert readers and threading.main_thread() not in readers


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
async def test_import_refuses_a_pipe_without_waiting_on_it(make_app, tmp_path) -> None:
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    app = make_app()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await press(pilot, *LON1, *CSV_MODE)
            await pilot.press(*typed(str(pipe)))
            await asyncio.wait_for(settle(pilot), timeout=10)
            assert "pipe.csv is not a regular file" in said(app)
    finally:  # a reader blocked on the pipe (the bug) gets an end of file
        with contextlib.suppress(OSError):
            os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))


async def test_import_dry_run_waits_for_a_pause_in_typing(make_app, monkeypatch) -> None:
    monkeypatch.setattr(number_import, "PREVIEW_DELAY", 0.25)
    real = number_import.import_numbers
    runs: list[bool] = []

    async def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(kwargs["dry_run"])
        return await real(*args, **kwargs)

    monkeypatch.setattr(number_import, "import_numbers", counted)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, "i")
        await pilot.press(*typed("020 7946 0600"))  # typed on without waiting
        await settle(pilot)
        assert "Would import 1 pool numbers to LON1" in said(app)
    assert runs == [True]


async def test_main_number_already_main_offers_nothing(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *MAN1, "slash", *typed("496 0004"), "enter", "m")
        assert isinstance(app.screen, MainNumberDialog)
        text = " ".join(str(w.render()) for w in app.screen.query(".dialog-text"))
        assert "0161 496 0004 is already the main number of" in text
        assert "no main number" not in text
        assert not app.screen.query("#confirm")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, MainNumberDialog)
        await press(pilot, "escape")
        assert isinstance(app.screen, TelephonyScreen)
    assert (await number(console_db, "+441614960004")).is_main


async def test_marks_stay_within_one_action(make_app, monkeypatch) -> None:
    monkeypatch.setattr(telephony, "MAX_PER_ACTION", 4)
    listed: list[int] = []  # the sizes of the rows whose numbers were listed
    real_block_numbers = telephony.block_numbers

    def block_numbers(block: Any) -> list[str]:
        listed.append(block.size)
        return real_block_numbers(block)

    monkeypatch.setattr(telephony, "block_numbers", block_numbers)
    summaries: list[int] = []
    real_compact = number_rows.compact_blocks

    def compact_blocks(e164s: list[str]) -> Any:
        summaries.append(len(e164s))
        return real_compact(e164s)

    monkeypatch.setattr(number_rows, "compact_blocks", compact_blocks)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1, "down", "down", "space")  # 020 7946 0002–0004
        assert len(app.screen.marked) == 3
        await press(pilot, "down", "space")  # 020 7946 0005–0011: 7 numbers
        assert len(app.screen.marked) == 3
        assert any(
            "This range holds 7 numbers; one action takes at most 4" in n for n in notes(app)
        )
        await press(pilot, "up", "up", "space")  # 020 7946 0001
        assert len(app.screen.marked) == 4
        await press(pilot, "up", "space")  # 020 7946 0000: a fifth
        assert len(app.screen.marked) == 4
        assert any(
            "would make 5 marked numbers; one action takes at most 4" in n for n in notes(app)
        )
        assert "Marked 4" in said(app, "#detail") and "020 7946 0001–0004" in said(app, "#detail")
        summaries.clear()
        await press(pilot, "down", "down", "up", "down")  # the marks are not summed up again
        assert summaries == []
        await press(pilot, "ctrl+r")  # every row's mark drawn again, from the marks alone
        assert [r[0] for r in rows(app)[:4]] == ["", "●", "●", ""]
        await press(pilot, "r")
        assert isinstance(app.screen, MoveDialog) and len(app.screen.chosen) == 4
        await press(pilot, "escape", "u", "down")  # no marks, 020 7946 0005–0011 highlighted
        assert not app.screen.marked and app.screen.highlighted().size == 7
        await press(pilot, "r")
        assert any("7 numbers are chosen; one action takes at most 4" in n for n in notes(app))
        assert isinstance(app.screen, TelephonyScreen)
    assert max(listed) <= 4  # no row bigger than one action was ever listed


async def test_occupiers_are_offered_alike_everywhere(make_app) -> None:
    def offered(selector: str) -> list[tuple[str, Any]]:
        select = app.screen.query_one(selector, Select)
        return [(str(label), value) for label, value in select._options if value != Select.NULL]

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *LON1)
        in_filter = offered("#occupier-filter")
        await press(pilot, "a")
        in_allocate = offered("#occupier")
        await press(pilot, "escape", "i")
        in_import = offered("#occupier")
    assert ("copperleaf-design  Copperleaf Design", "copperleaf-design") in in_filter
    assert in_filter == in_allocate == in_import


async def test_marking_stays_extends_marks_shown_and_esc_clears(make_app) -> None:
    """space marks the row under the cursor and stays (a second space undoes it), shift+down
    marks on downwards, ctrl+a marks the rows on screen, esc clears before it goes back; the
    header counts the marks and the dialog names them."""
    from voiceconsole.tui.widgets.header import ConsoleHeader

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await press(pilot, *LON1, "x")  # one number per row
        screen = app.screen
        assert isinstance(screen, TelephonyScreen)
        table = screen.query_one(ListTable)

        def header() -> str:
            return screen.query_one(ConsoleHeader).render().plain

        await press(pilot, "space")
        assert len(screen.marked) == 1 and table.cursor_row == 0
        assert "1 marked" in header()
        await press(pilot, "space")  # the same row: unmarked, not the next one marked
        assert len(screen.marked) == 0 and table.cursor_row == 0
        assert "marked" not in header()
        await press(pilot, "shift+down", "shift+down")
        assert table.cursor_row == 2
        assert [r[0] for r in rows(app)[:4]] == ["●", "●", "●", ""]
        assert "3 marked" in header()
        await press(pilot, "r")
        assert "020 7946 0000–0002 (3 numbers" in said(app, ".dialog-text")
        await press(pilot, "escape")  # the dialog closes; the marks stay
        assert isinstance(app.screen, TelephonyScreen) and len(screen.marked) == 3
        await press(pilot, "escape")  # the marks go; the screen stays
        assert isinstance(app.screen, TelephonyScreen) and not screen.marked
        await press(pilot, "ctrl+a")
        shown = table.visible_keys()
        assert len(shown) > 3 and len(screen.marked) == len(shown)
        await press(pilot, "escape", "escape")  # cleared, then back
        assert not isinstance(app.screen, TelephonyScreen)
