"""The handset panel (remote and manual models), logging numbers in and out, bulk login, and the
reconciliation screen, driven by keyboard only; the database is checked afterwards.

The sample's remote handsets answer re-sync at loopback addresses only while `voiceconsole
lab` runs; here nothing listens there, so their logins end "pending re-sync: nothing answers
SIP at …" at once (the port is unreachable).
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from typing import Any

import pytest
from conftest import keys_then_settle, press, run, settle, with_db
from sqlalchemy import select, update

from voiceconsole.config import ENV_PROVISIONING_DIR, provisioning_settings
from voiceconsole.db.models import AuditEntry, Handset, HandsetLine, LineCredentials, PhoneNumber
from voiceconsole.handsets.phone_simulator import PhoneLogin, PhoneSpec, SimulatedPhones
from voiceconsole.services.handsets import login_number
from voiceconsole.services.provisioning import staging
from voiceconsole.services.provisioning_server import run_provisioning_server
from voiceconsole.tui.screens.handset_dialogs import BulkLoginDialog, LoginDialog, LogoutDialog
from voiceconsole.tui.screens.handsets import HandsetsScreen
from voiceconsole.tui.screens.reconcile import ReconcileScreen
from voiceconsole.tui.widgets.list_table import ListTable

# From the sites list: LON1, its second occupier (brightwater-legal), h for its handsets:
# "Brightwater desk 2" (Panasonic, manual, 2 line keys) and "Brightwater reception" (Poly,
# remote, 12 line keys), in label order.
OCCUPIER = ("down", "enter", "down", "enter")
PANEL = (*OCCUPIER, "h")
DESK = "02:cc:01:01:00:07"  # Brightwater desk 2, manual
RECEPTION = "02:cc:01:01:00:05"  # Brightwater reception, remote


def london(n: int) -> str:
    return f"+44207946{n:04d}"


@pytest.fixture(autouse=True)
def provisioning_dir(tmp_path, monkeypatch) -> None:
    """Remote logins write their files into the test's own folder."""
    monkeypatch.setenv(ENV_PROVISIONING_DIR, str(tmp_path / "provisioning"))


def logged_in_before(url: str, *logins: tuple[str, int]) -> None:
    """Log numbers in through the service, before the console starts."""

    async def log_in(db: Any) -> None:
        for handset, n in logins:
            await login_number(db, "qa", handset=handset, number=london(n))

    run(with_db(url, log_in))


async def lines(url: str) -> dict[str, tuple[str, int, str]]:
    """E.164 -> (handset label, line key, status), for every line in the database."""

    async def read(db: Any) -> dict[str, tuple[str, int, str]]:
        async with db.read() as session:
            found = await session.execute(
                select(PhoneNumber.e164, Handset.label, HandsetLine.line_key, HandsetLine.status)
                .join(PhoneNumber, PhoneNumber.id == HandsetLine.number_id)
                .join(Handset, Handset.id == HandsetLine.handset_id)
            )
            return {e164: (label, key, status) for e164, label, key, status in found}

    return await with_db(url, read)


async def audit(url: str, action: str) -> list[str]:
    async def read(db: Any) -> list[str]:
        async with db.read() as session:
            found = await session.scalars(
                select(AuditEntry.summary)
                .where(AuditEntry.action == action)
                .order_by(AuditEntry.id)
            )
            return list(found)

    return await with_db(url, read)


async def set_statuses(db: Any, statuses: dict[int, str]) -> None:
    async with db.write() as session:
        for n, status in statuses.items():
            number_id = (
                await session.execute(select(PhoneNumber.id).where(PhoneNumber.e164 == london(n)))
            ).scalar_one()
            await session.execute(
                update(HandsetLine).where(HandsetLine.number_id == number_id).values(status=status)
            )
        await session.commit()


def text_of(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def notes(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


# --- snapshots -------------------------------------------------------------------------------


def test_panel_remote_and_manual(make_app, console_db, snap_compare) -> None:
    logged_in_before(console_db, (DESK, 5), (RECEPTION, 6), (RECEPTION, 7))
    # The cursor on the manual handset's line: the detail says what to type on the phone.
    assert snap_compare(make_app(), run_before=keys_then_settle(*PANEL), terminal_size=(120, 30))


def test_login_dialog(make_app, console_db, snap_compare) -> None:
    logged_in_before(console_db, (DESK, 5))
    # On the reception handset: two numbers marked, one of them on the desk phone (a move).
    keys = [*PANEL, "down", "l", "space", "down", "space", "down"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(100, 32))


def test_login_result_pending_resync(make_app, snap_compare) -> None:
    keys = [*PANEL, "down", "l", "space", "down", "space", "down", "ctrl+s"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(100, 32))


def test_bulk_login_result(make_app, snap_compare) -> None:
    keys = [*PANEL, "b", "ctrl+s"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(100, 32))


def test_panel_line_statuses(make_app, console_db, snap_compare) -> None:
    # Each status says only what was seen: a line the phone was not reached for (with why and
    # when it is asked again), one it answered for, one it fetched, one found registered.
    logged_in_before(console_db, (RECEPTION, 6), (RECEPTION, 7), (RECEPTION, 8), (RECEPTION, 9))
    run(with_db(console_db, lambda db: set_statuses(db, {7: "notified", 8: "file_fetched"})))
    run(with_db(console_db, lambda db: set_statuses(db, {9: "registered"})))
    keys = [*PANEL, "down"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(120, 30))


def test_reconciliation_of_one_occupier(make_app, console_db, snap_compare) -> None:
    # A line waiting for the engineer, active numbers on no handset, handsets on ports
    # without the voice role.
    logged_in_before(console_db, (DESK, 5))
    keys = [*OCCUPIER, "r"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(120, 30))


def test_reconciliation_of_a_site(make_app, snap_compare) -> None:
    # LON1 from its site screen; the cursor on fairline-capital (a spare nobody uses).
    keys = ["down", "enter", "R", *["down"] * 5]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(120, 34))


# --- keyboard flows --------------------------------------------------------------------------


async def test_manual_login_then_done(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await press(pilot, *PANEL)
        assert isinstance(app.screen, HandsetsScreen)
        await press(pilot, "l")  # on Brightwater desk 2: manual, 2 line keys
        assert isinstance(app.screen, LoginDialog)
        await press(pilot, *("space", "down") * 3, "ctrl+s")  # 0005, 0006, 0007 marked
        results = text_of(app, "#results")
        # Two fit; what to type on the phone, with the extension filled in; the third refused.
        assert "waiting for the engineer" in results
        assert "Type the extension 0005" in results
        assert "(its PIN: reset it in Telephony if unknown)" in results
        assert "all its 2 line keys taken" in results
        await press(pilot, "escape")
        assert isinstance(app.screen, HandsetsScreen)
        assert "Log in to Brightwater desk 2: 0 done, 2 pending, 1 refused" in notes(app)

        found = await lines(console_db)
        assert found == {
            london(5): ("Brightwater desk 2", 1, "manual_pending"),
            london(6): ("Brightwater desk 2", 2, "manual_pending"),
        }
        assert len(await audit(console_db, "handset.login")) == 2

        await press(pilot, "d")  # the cursor is on line 1: the engineer has done it
        found = await lines(console_db)
        assert found[london(5)] == ("Brightwater desk 2", 1, "logged_in")
        assert found[london(6)][2] == "manual_pending"
        assert await audit(console_db, "handset.manual_login") == [
            "020 7946 0005 logged in by hand on Brightwater desk 2"
        ]
        assert "logged in" in text_of(app, "#detail")

        await press(pilot, "d")  # not waiting any more: refused, nothing written
        assert "is not waiting for the engineer" in notes(app)[-1]
        assert len(await audit(console_db, "handset.manual_login")) == 1


async def test_remote_login_stays_pending_resync(make_app, console_db, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await press(pilot, *PANEL, "down", "l", "space", "ctrl+s")
        results = text_of(app, "#results")
        assert "pending re-sync: nothing answers SIP at 127.0.0.1:25063" in results
        assert "done" not in results.split("pending")[0]
        await press(pilot, "escape")
    assert (await lines(console_db)) == {london(5): ("Brightwater reception", 1, "pending_resync")}
    assert any(
        (tmp_path / "provisioning").iterdir()
    )  # the provisioning file was written for the phone to fetch


async def test_move_needs_a_second_confirm(make_app, console_db) -> None:
    await with_db(console_db, lambda db: login_number(db, "qa", handset=DESK, number=london(5)))
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await press(pilot, *PANEL, "down", "down", "l")  # on the reception handset
        assert isinstance(app.screen, LoginDialog)
        await press(pilot, *("space", "down") * 2, "ctrl+s")  # 0005 (on the desk) and 0006
        assert "ctrl+s again moves them" in text_of(app, "#dialog-status")
        assert (await lines(console_db)) == {london(5): ("Brightwater desk 2", 1, "manual_pending")}
        await press(pilot, "ctrl+s")
        assert "moved from Brightwater desk 2" in text_of(app, "#results")
        await press(pilot, "escape")
    found = await lines(console_db)
    assert found == {
        london(5): ("Brightwater reception", 1, "pending_resync"),
        london(6): ("Brightwater reception", 2, "pending_resync"),
    }
    logins = await audit(console_db, "handset.login")
    assert logins[-2] == (
        "logged 020 7946 0005 in to Brightwater reception on line 1, moved from Brightwater desk 2"
    )


async def test_logout_with_confirmation(make_app, console_db) -> None:
    await with_db(
        console_db, lambda db: login_number(db, "qa", handset=RECEPTION, number=london(6))
    )
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await press(pilot, *PANEL, "down", "o")
        assert isinstance(app.screen, LogoutDialog)
        await press(pilot, "escape")  # cancelled: nothing changes
        assert london(6) in await lines(console_db)
        await press(pilot, "o", "ctrl+s")
        assert isinstance(app.screen, HandsetsScreen)
        assert "Logged 020 7946 0006 out of Brightwater reception" in notes(app)
        assert "no lines" in str(app.screen.query_one("#handsets").get_row_at(1)[2])
        await press(pilot, "up", "o")  # the desk phone has no line: refused, no dialog
        assert isinstance(app.screen, HandsetsScreen)
        assert "Highlight a line" in notes(app)[-1]
    assert await lines(console_db) == {}
    assert await audit(console_db, "handset.logout") == [
        "logged 020 7946 0006 out of Brightwater reception"
    ]


async def test_bulk_login_fills_handsets_in_label_order(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await press(pilot, *PANEL, "b")
        assert isinstance(app.screen, BulkLoginDialog)
        assert (await lines(console_db)) == {}  # nothing before ctrl+s
        await press(pilot, "ctrl+s")
        assert "Bulk login: 0 done, 7 pending" in text_of(app, "#login-title")
        await press(pilot, "ctrl+s")  # once only
        await press(pilot, "escape")
        assert isinstance(app.screen, HandsetsScreen)
        assert "0 active numbers on no handset" in text_of(app, "#title")
    found = await lines(console_db)
    assert found == {
        london(5): ("Brightwater desk 2", 1, "manual_pending"),
        london(6): ("Brightwater desk 2", 2, "manual_pending"),
        **{london(n): ("Brightwater reception", n - 6, "pending_resync") for n in range(7, 12)},
    }
    assert len(await audit(console_db, "handset.login")) == 7


async def test_reconciliation_from_site_and_occupier(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 34)) as pilot:
        await press(pilot, "down", "enter", "R")
        assert isinstance(app.screen, ReconcileScreen)
        occupiers = app.screen.query_one("#occupiers")
        assert occupiers.row_count == 13
        findings = app.screen.query_one("#findings")
        kinds = {str(findings.get_row_at(i)[0]) for i in range(findings.row_count)}
        assert kinds == {
            "an active number on no handset",
            "a handset on a port without the voice role",
        }
        await press(pilot, "escape", "down", "enter", "r")  # brightwater-legal's own
        assert isinstance(app.screen, ReconcileScreen)
        assert app.screen.query_one("#occupiers").row_count == 1
        assert "brightwater-legal: 9 to look at" in text_of(app, "#findings-title")
        await settle(pilot)


async def test_resync_key_gets_a_pending_line_fetched_and_no_secret_shows(
    make_app, console_db
) -> None:
    """y on a phone that was away: it answers now, fetches its file from the provisioning
    server with its own login, and the line shows fetched. The SIP password is on no screen."""
    await with_db(
        console_db, lambda db: login_number(db, "qa", handset=RECEPTION, number=london(5))
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"

    async def stage(db: Any) -> tuple[str, PhoneLogin]:
        async with db.write() as session:
            await session.execute(
                update(Handset).where(Handset.mac == RECEPTION).values(sip_address=address)
            )
            await session.commit()
            secret = (
                await session.execute(
                    select(LineCredentials.secret)
                    .join(PhoneNumber, PhoneNumber.id == LineCredentials.number_id)
                    .where(PhoneNumber.e164 == london(5))
                )
            ).scalar_one()
        staged = await staging(db, RECEPTION, settings)
        return secret, PhoneLogin(staged.url, staged.user, staged.password)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        listen = f"127.0.0.1:{probe.getsockname()[1]}"
    settings = dataclasses.replace(provisioning_settings(), listen=listen, write_files=False)
    secret, login = await with_db(console_db, stage)
    app = make_app()
    stop, up = asyncio.Event(), asyncio.Event()
    async with app.run_test(size=(120, 30)) as pilot:
        server = asyncio.create_task(
            run_provisioning_server(app.db, settings, stop, ready=lambda _: up.set(), retries=False)
        )
        await up.wait()
        try:
            with SimulatedPhones([PhoneSpec(address, RECEPTION, "polycom_xml", login)]) as phones:
                await press(pilot, *PANEL, "down")
                assert "pending re-sync" in text_of(app, "#detail")
                await press(pilot, "y")
                assert "Brightwater reception answered: it fetches its file now" in notes(app)
                for _ in range(100):
                    if (await lines(console_db))[london(5)][2] == "file_fetched":
                        break
                    await asyncio.sleep(0.05)
                assert phones.fetched[address] == [
                    ("02cc01010005.cfg", 200),
                    ("02cc01010005-lines.cfg", 200),
                ]
                await press(pilot, "f5")
                assert "fetched, not known to be registered" in text_of(app, "#detail")
                assert secret not in app.export_screenshot()
                await press(pilot, "l")  # the login dialog shows no secret either
                assert secret not in app.export_screenshot()
        finally:
            stop.set()
            await server
    assert (await lines(console_db))[london(5)] == ("Brightwater reception", 1, "file_fetched")


async def test_a_second_occupiers_panel_shows_nothing_of_the_first(make_app) -> None:
    """The panel is built once and refilled: another occupier's visit starts clean."""
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        app.open_screen(HandsetsScreen, "acme-analytics", "LON1")
        await settle(pilot)
        panel = app.screen
        assert {str(panel.table.get_row_at(i)[0]) for i in range(panel.table.row_count)} >= {
            "Acme desk 1",
            "Acme desk 2",
        }
        app.pop_screen()
        await settle(pilot)
        app.open_screen(HandsetsScreen, "brightwater-legal", "LON1")
        await settle(pilot)
        assert app.screen is panel
        shown = [str(panel.table.get_row_at(i)[0]) for i in range(panel.table.row_count)]
        assert "Brightwater reception" in shown
        assert not any(name.startswith("Acme") for name in shown)
        assert text_of(app, "#title").startswith("Handsets of brightwater-legal at LON1")


async def test_enter_on_a_finding_opens_what_it_names(make_app) -> None:
    from voiceconsole.tui.screens.floor_ports import FloorPortsScreen
    from voiceconsole.tui.screens.telephony import TelephonyScreen

    app = make_app()
    async with app.run_test(size=(120, 34)) as pilot:
        await press(pilot, "down", "enter", "R", "tab")  # LON1; acme-analytics' findings
        findings = app.screen.query_one("#findings")
        assert app.focused is findings
        assert "020 7946 0001 is active" in str(findings.get_row_at(0)[1])
        await press(pilot, "enter")  # the number, in the site's numbers
        assert isinstance(app.screen, TelephonyScreen) and app.screen.site == "LON1"
        number = app.screen.query_one("#numbers")
        assert str(number.get_row_at(number.cursor_row)[1]).startswith("020 7946 0001")
        await press(pilot, "escape")
        assert isinstance(app.screen, ReconcileScreen)
        await press(pilot, "end", "enter")  # Acme desk 2 on 1F-003: the port in the grid
        assert isinstance(app.screen, FloorPortsScreen)
        grid = app.screen.query_one(ListTable)
        assert grid.selected_key == "1F-003"
