"""The site telephony screen: the number inventory, its filters and ranges, and every action
driven by keyboard only, with the database checked afterwards."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from conftest import keys_then_settle, press, run, typed, with_db

from voiceconsole.services import numbers
from voiceconsole.services.numbers import list_numbers, pin_matches, show_number
from voiceconsole.tui.screens import telephony
from voiceconsole.tui.screens.number_configure import ConfigureDialog, PinDialog
from voiceconsole.tui.screens.number_dialogs import AllocateDialog, MoveDialog
from voiceconsole.tui.screens.number_import import ImportNumbersScreen
from voiceconsole.tui.screens.telephony import TelephonyScreen
from voiceconsole.tui.widgets.paged_table import PagedTable

# From the sites list (LDS1, LON1, MAN1, NYC1, SFO1): down to the site, t for telephony.
LON1 = ("down", "t")
MAN1 = ("down", "down", "t")
NYC1 = ("down", "down", "down", "t")


def london(n: int) -> str:
    return f"+44207946{n:04d}"


def rows(app: Any) -> list[list[str]]:
    table = app.screen.query_one(PagedTable)
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


def notes(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


def configure(url: str, e164: str, **settings: Any) -> None:
    run(with_db(url, lambda db: numbers.configure_number(db, "qa", e164, **settings)))


async def number(url: str, e164: str) -> Any:
    return await with_db(url, lambda db: show_number(db, e164))


# --- snapshots -------------------------------------------------------------------------------


def test_telephony_screen_80x24(make_app, snap_compare) -> None:
    assert snap_compare(make_app(), run_before=keys_then_settle(*LON1), terminal_size=(80, 24))


def test_telephony_with_filters(make_app, snap_compare) -> None:
    # Search, then state: reserved (tab to the state filter, open it, pick), back to the list.
    keys = [*LON1, "slash", *typed("7946 0"), "tab", "enter", "down", "down", "enter", "tab"]
    keys += ["tab", "tab"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 24))


def test_telephony_us_site_marks_one_per_row(make_app, snap_compare) -> None:
    keys = [*NYC1, "x", "space", "space", "down", "space"]
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
    keys = [*LON1, "down", "down", "down", "down", "space", "down", "down", "space", "r"]
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
        await press(pilot, *["down"] * found["020 7946 0034"], "space", "space", "d", "enter")
        assert (await number(console_db, london(34))).state == "reserved"
        assert (await number(console_db, london(35))).state == "reserved"
        # Space moved the cursor on, and it stays there after the action: mark two spares.
        assert app.screen.highlighted().first.e164 == london(36)
        await press(pilot, "down", "down", "down", "space", "space", "e", "ctrl+s")
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
        assert len(rows(app)) == PagedTable.PAGE_SIZE
        await press(pilot, "ctrl+end")
        assert len(rows(app)) == 2 * PagedTable.PAGE_SIZE
        await press(pilot, "x")  # ranges: the whole site in a few rows
        assert rows(app)[-1][1:4] == ["020 7946 0907–0909", "3", "reserved"]
        assert len(rows(app)) < PagedTable.PAGE_SIZE


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
