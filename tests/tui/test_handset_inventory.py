"""The handset inventory of a site and its dialogs, driven by keyboard only: add a handset
into stock, edit it, move it to another occupier (its lines logged out), mark it faulty,
retire it, put it back in stock, import a CSV file (a dry run first); the database checked
afterwards.

The sample's LON1 handsets, in label order: Acme desk 1, Acme desk 2, Brightwater desk 2
(Panasonic, manual, 2 line keys), Brightwater reception (Poly, remote, 12 line keys),
Copperleaf studio, Indigo desk 1. Remote handsets answer re-sync only while `voiceconsole lab`
runs; here nothing listens, so telling one of its lines' going ends "pending re-sync" at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import keys_then_settle, press, run, typed, with_db
from sqlalchemy import select

from voiceconsole.db.models import AuditEntry, FloorPort, Handset, HandsetLine, Occupier
from voiceconsole.services.handsets import add_handset, login_number, set_handset_state
from voiceconsole.tui.screens.handset_inventory import HandsetInventoryScreen
from voiceconsole.tui.screens.handset_inventory_dialogs import (
    AddHandsetDialog,
    EditHandsetDialog,
    ImportHandsetsDialog,
    MarkHandsetDialog,
    MoveHandsetDialog,
)

# From the sites list (LDS1, LON1, MAN1, ...): down to LON1, open it, h for its handsets.
INVENTORY = ("down", "enter", "h")
DESK = "02:cc:01:01:00:07"  # Brightwater desk 2: manual, 2 line keys (third row)
RECEPTION = "02:cc:01:01:00:05"  # Brightwater reception: remote, 12 line keys (fourth row)
STUDIO = "02:cc:01:01:00:09"  # Copperleaf studio (fifth row)
NEW = "02:cc:01:01:00:21"
SIZE = (100, 32)


def london(n: int) -> str:
    return f"+44207946{n:04d}"


async def set_up(url: str, *logins: tuple[str, int], spare: bool = False) -> None:
    """Numbers logged in (and a spare in stock, a faulty phone) through the services, before
    the console starts."""

    async def prepare(db: Any) -> None:
        for handset, n in logins:
            await login_number(db, "setup", handset=handset, number=london(n))
        if spare:
            await add_handset(
                db, "setup", mac="02:cc:01:01:00:31", model="yealink-t33g", site="LON1"
            )
            await set_handset_state(db, "setup", handset=STUDIO, state="faulty", reason="no PoE")

    await with_db(url, prepare)


async def handsets(url: str) -> dict[str, dict[str, Any]]:
    """MAC -> what the database holds of each handset."""

    async def read(db: Any) -> dict[str, dict[str, Any]]:
        async with db.read() as session:
            found = {}
            for h in await session.scalars(select(Handset)):
                occupier = await session.get(Occupier, h.occupier_id) if h.occupier_id else None
                port = await session.get(FloorPort, h.floor_port_id) if h.floor_port_id else None
                lines = await session.scalars(
                    select(HandsetLine.line_key).where(HandsetLine.handset_id == h.id)
                )
                found[h.mac] = {
                    "label": h.label,
                    "state": h.state.value,
                    "occupier": occupier.code if occupier else None,
                    "port": port.label if port else None,
                    "sip": h.sip_address,
                    "model": h.model,
                    "lines": sorted(lines),
                }
            return found

    return await with_db(url, read)


async def audit(url: str, action: str) -> list[str]:
    async def read(db: Any) -> list[str]:
        async with db.read() as session:
            found = await session.scalars(
                select(AuditEntry.summary)
                .where(AuditEntry.action == action, AuditEntry.actor == "qa")
                .order_by(AuditEntry.id)
            )
            return list(found)

    return await with_db(url, read)


def text_of(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def notes(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


def highlighted(app: Any) -> str | None:
    screen = app.screen
    assert isinstance(screen, HandsetInventoryScreen)
    handset = screen.selected()
    return handset.mac if handset else None


# --- snapshots -------------------------------------------------------------------------------


def test_inventory_screen(make_app, console_db, snap_compare) -> None:
    # Lines on both Brightwater phones, a spare in stock (last: no label), Copperleaf studio
    # faulty; the cursor on Brightwater reception.
    run(set_up(console_db, (DESK, 5), (RECEPTION, 6), (RECEPTION, 7), spare=True))
    keys = [*INVENTORY, *["down"] * 3]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=SIZE)


def test_add_dialog(make_app, snap_compare) -> None:
    keys = [*INVENTORY, "a", *typed(NEW), "tab", "enter", *typed("t33g"), "enter"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=SIZE)


def test_edit_dialog(make_app, snap_compare) -> None:
    keys = [*INVENTORY, "down", "down", "down", "e"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=SIZE)


def test_move_dialog_says_which_lines_are_logged_out(make_app, console_db, snap_compare) -> None:
    run(set_up(console_db, (DESK, 5), (DESK, 6)))
    keys = [*INVENTORY, "down", "down", "m", "enter", *typed("copp"), "enter"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=SIZE)


def test_faulty_dialog(make_app, console_db, snap_compare) -> None:
    run(set_up(console_db, (RECEPTION, 6), (RECEPTION, 7)))
    keys = [*INVENTORY, "down", "down", "down", "f", *typed("no dial tone")]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=SIZE)


def test_retire_dialog(make_app, console_db, snap_compare) -> None:
    run(set_up(console_db, (RECEPTION, 6)))
    keys = [*INVENTORY, "down", "down", "down", "x"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=SIZE)


def test_import_dry_run_with_a_bad_row(make_app, snap_compare, tmp_path, monkeypatch) -> None:
    (tmp_path / "handsets.csv").write_text(
        "mac,model,occupier,floor_port,label,sip_address\n"
        "02:cc:01:01:00:21,yealink-t33g,,,Spare 1,\n"
        "02:cc:01:01:00:23,yealink-t54w,acme-analytics,1F-002,Acme desk 3,127.0.0.1:25066\n"
        "not-a-mac,yealink-t33g,,,[bold]Spare 2[/],\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    keys = [*INVENTORY, "i", *typed("handsets.csv"), "ctrl+s"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=SIZE)


# --- keyboard flows, database checked afterwards ----------------------------------------------


async def test_add_a_handset_into_stock(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *INVENTORY, "a")
        assert isinstance(app.screen, AddHandsetDialog)
        await press(pilot, *typed(NEW), "tab", "enter", *typed("t33g"), "enter")
        await press(pilot, "tab", "tab", *typed("1f-011"), "tab", *typed("Spare T33G"))
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, HandsetInventoryScreen)
        assert any(f"Added Spare T33G ({NEW}, yealink-t33g) in stock" in n for n in notes(app))
        assert highlighted(app) == NEW  # the cursor on the new handset
        assert "7 handsets: 6 deployed, 1 in stock · 0/58 line keys used" in text_of(app, "#title")
    found = (await handsets(console_db))[NEW]
    assert found == {
        "label": "Spare T33G",
        "state": "in_stock",
        "occupier": None,
        "port": "1F-011",
        "sip": None,
        "model": "yealink-t33g",
        "lines": [],
    }
    assert await audit(console_db, "handset.add") == [f"added handset {NEW} (yealink-t33g) at LON1"]


async def test_a_bad_mac_is_refused_in_the_dialog(make_app, console_db) -> None:
    before = await handsets(console_db)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *INVENTORY, "a", *typed("02:cc:01:01:00"), "ctrl+s")
        assert "Give the handset's MAC and choose its model." in text_of(app, "#dialog-status")
        await press(pilot, "tab", "enter", *typed("t33g"), "enter", "ctrl+s")
        assert isinstance(app.screen, AddHandsetDialog)
        status = text_of(app, "#dialog-status")
        assert "Refused: '02:cc:01:01:00' is not a MAC address (12 hex digits)" in status
        await press(pilot, "escape")
        assert isinstance(app.screen, HandsetInventoryScreen)
    assert await handsets(console_db) == before
    assert await audit(console_db, "handset.add") == []


async def test_edit_label_port_and_address(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *INVENTORY, "e")  # Acme desk 1: 1F-001, 127.0.0.1:25061
        assert isinstance(app.screen, EditHandsetDialog)
        await press(pilot, "ctrl+a", "ctrl+k", *typed("Acme boardroom"), "tab")
        await press(pilot, "ctrl+a", "ctrl+k", *typed("1F-002"), "tab", "ctrl+a", "ctrl+k")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, HandsetInventoryScreen)
        assert any(
            "Changed Acme boardroom: label, floor port, SIP address" in n for n in notes(app)
        )
        assert "SIP address" not in text_of(app, "#inventory-detail").replace("no SIP address", "")
    found = (await handsets(console_db))["02:cc:01:01:00:01"]
    assert (found["label"], found["port"], found["sip"]) == ("Acme boardroom", "1F-002", None)
    assert await audit(console_db, "handset.edit") == ["changed handset Acme boardroom"]


async def test_edit_with_nothing_changed_writes_nothing(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *INVENTORY, "e", "ctrl+s")
        assert isinstance(app.screen, EditHandsetDialog)
        assert "Nothing is changed" in text_of(app, "#dialog-status")
    assert await audit(console_db, "handset.edit") == []


async def test_move_to_another_occupier_logs_its_lines_out(make_app, console_db) -> None:
    await set_up(console_db, (DESK, 5), (DESK, 6))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *INVENTORY, "down", "down", "m")
        assert isinstance(app.screen, MoveHandsetDialog)
        said = text_of(app, "#lines-out")
        assert "Its 2 lines are logged out: 020 7946 0005 (line 1), 020 7946 0006 (line 2)" in (
            said
        )
        await press(pilot, "enter", *typed("copp"), "enter", "ctrl+s")
        assert isinstance(app.screen, HandsetInventoryScreen)
        assert any(
            "Moved Brightwater desk 2 to copperleaf-design; 2 lines logged out "
            "(020 7946 0005, 020 7946 0006)" in n
            for n in notes(app)
        )
        assert highlighted(app) == DESK  # the cursor stays on the handset
    found = (await handsets(console_db))[DESK]
    assert (found["occupier"], found["state"], found["lines"]) == (
        "copperleaf-design",
        "deployed",
        [],
    )
    assert await audit(console_db, "handset.move") == [
        "moved handset Brightwater desk 2 to copperleaf-design, 2 lines logged out"
    ]


async def test_move_back_to_stock(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        # "back to stock" is the first choice, under the prompt.
        await press(pilot, *INVENTORY, "m", "enter", "down", "enter", "ctrl+s")
        assert isinstance(app.screen, HandsetInventoryScreen)
    found = (await handsets(console_db))["02:cc:01:01:00:01"]
    assert (found["occupier"], found["state"]) == (None, "in_stock")


async def test_faulty_logs_lines_out_then_back_in_stock(make_app, console_db) -> None:
    await set_up(console_db, (RECEPTION, 6), (RECEPTION, 7))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *INVENTORY, "down", "down", "down", "f")
        assert isinstance(app.screen, MarkHandsetDialog)
        assert "Its 2 lines are logged out" in text_of(app, "#what-happens")
        await press(pilot, *typed("no dial tone"), "ctrl+s")
        assert isinstance(app.screen, HandsetInventoryScreen)
        assert any(
            n.startswith("Brightwater reception marked faulty; 2 lines logged out")
            and "pending re-sync" in n
            for n in notes(app)
        )
        assert "faulty" in text_of(app, "#inventory-detail")
    found = (await handsets(console_db))[RECEPTION]
    assert (found["state"], found["occupier"], found["lines"]) == (
        "faulty",
        "brightwater-legal",
        [],
    )
    assert await audit(console_db, "handset.faulty") == [
        "marked handset Brightwater reception faulty, 2 lines logged out: no dial tone"
    ]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *INVENTORY, "down", "down", "down", "s")
        assert "Repaired, it goes back to stock" in text_of(app, "#what-happens")
        await press(pilot, *typed("repaired"), "ctrl+s")
        assert isinstance(app.screen, HandsetInventoryScreen)
    found = (await handsets(console_db))[RECEPTION]
    assert (found["state"], found["occupier"]) == ("in_stock", None)
    assert await audit(console_db, "handset.in_stock") == [
        "marked handset Brightwater reception in stock: repaired"
    ]


async def test_a_retired_handset_cannot_be_moved(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *INVENTORY, *["down"] * 4, "x")
        assert isinstance(app.screen, MarkHandsetDialog)
        assert "Retired is final" in text_of(app, "#what-happens")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, HandsetInventoryScreen)
        await press(pilot, "m", "enter", *typed("acme"), "enter", "ctrl+s")
        assert isinstance(app.screen, MoveHandsetDialog)
        assert "Refused: Copperleaf studio is retired: it cannot be given out" in text_of(
            app, "#dialog-status"
        )
        await press(pilot, "escape")
    found = (await handsets(console_db))[STUDIO]
    assert (found["state"], found["occupier"]) == ("retired", None)  # retired: nobody's
    assert await audit(console_db, "handset.retired") == [
        "marked handset Copperleaf studio retired"
    ]
    assert await audit(console_db, "handset.move") == []


async def test_import_dry_run_writes_nothing_then_import_writes_the_rows(
    make_app, console_db, tmp_path: Path
) -> None:
    path = tmp_path / "handsets.csv"
    header = "site,mac,model,occupier,floor_port,label,sip_address\n"
    good = (
        "LON1,02:cc:01:01:00:21,yealink-t33g,,,Spare 1,\n"
        "LON1,02:cc:01:01:00:23,yealink-t54w,acme-analytics,1F-002,Acme desk 3,127.0.0.1:25066\n"
    )
    path.write_text(header + good + "LON1,02:cc:01:01:00:01,yealink-t33g,,,Again,\n")
    before = await handsets(console_db)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *INVENTORY, "i")
        assert isinstance(app.screen, ImportHandsetsDialog)
        await press(pilot, *typed(str(path)), "ctrl+s")
        report = text_of(app, "#import-report")
        assert "ERR  line 4: 02:cc:01:01:00:01: already in the inventory" in report
        assert "1 of 3 rows refused: nothing can be imported." in report
        path.write_text(header + good)  # fixed
        await press(pilot, "ctrl+s")
        report = text_of(app, "#import-report")
        assert "ok   line 2: 02:cc:01:01:00:21 yealink-t33g, in stock, 'Spare 1'" in report
        assert "Would import 2 handsets to LON1." in report
        assert await handsets(console_db) == before  # a dry run writes nothing
        await press(pilot, "enter")  # Enter never imports
        assert isinstance(app.screen, ImportHandsetsDialog)
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, HandsetInventoryScreen)
        assert any("Imported 2 handsets to LON1" in n for n in notes(app))
    found = await handsets(console_db)
    assert found["02:cc:01:01:00:21"]["state"] == "in_stock"
    assert found["02:cc:01:01:00:23"]["occupier"] == "acme-analytics"
    assert found["02:cc:01:01:00:23"]["port"] == "1F-002"
    assert await audit(console_db, "handset.import") == ["imported 2 handsets at LON1"]


async def test_import_checks_a_changed_file_again(make_app, console_db, tmp_path: Path) -> None:
    path = tmp_path / "handsets.csv"
    header = "mac,model,occupier,floor_port,label,sip_address\n"
    path.write_text(header + "02:cc:01:01:00:21,yealink-t33g,,,Spare 1,\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *INVENTORY, "i", *typed(str(path)), "ctrl+s")
        assert "Would import 1 handset to LON1." in text_of(app, "#import-report")
        path.write_text(header + "02:cc:01:01:00:25,yealink-t33g,,,Spare 2,\n")
        await press(pilot, "ctrl+s")  # not imported: the file changed, checked again
        assert isinstance(app.screen, ImportHandsetsDialog)
        assert "The file changed since the dry run" in text_of(app, "#dialog-status")
        assert "02:cc:01:01:00:25" in text_of(app, "#import-report")
        assert "02:cc:01:01:00:21" not in (await handsets(console_db))
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, HandsetInventoryScreen)
    found = await handsets(console_db)
    assert "02:cc:01:01:00:25" in found and "02:cc:01:01:00:21" not in found


async def test_import_refuses_rows_of_another_site(make_app, console_db, tmp_path: Path) -> None:
    path = tmp_path / "handsets.csv"
    path.write_text(
        "site,mac,model,occupier,floor_port,label,sip_address\n"
        "MAN1,02:cc:01:01:00:21,yealink-t33g,,,Spare 1,\n"
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *INVENTORY, "i", *typed(str(path)), "ctrl+s")
        assert "rows for another site than LON1 (line 2: MAN1)" in text_of(app, "#dialog-status")
    assert "02:cc:01:01:00:21" not in (await handsets(console_db))


async def test_keys_need_a_highlighted_handset(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "down", "down", "enter", "h")  # MAN1: no handsets
        assert isinstance(app.screen, HandsetInventoryScreen)
        assert "No handset at MAN1 yet" in text_of(app, "#inventory-detail")
        for key in ("e", "m", "f", "x", "s"):
            await press(pilot, key)
            assert isinstance(app.screen, HandsetInventoryScreen)
        assert notes(app).count("No handset is highlighted: highlight the one to edit.") == 1
        assert len([n for n in notes(app) if n.startswith("No handset is highlighted")]) == 5


async def test_refresh_keeps_the_cursor_on_the_same_handset(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *INVENTORY, "down", "down", "down")
        assert highlighted(app) == RECEPTION
        # A handset whose label sorts first arrives meanwhile (another console).
        await with_db(
            console_db,
            lambda db: add_handset(
                db, "other", mac=NEW, model="yealink-t33g", site="LON1", label="Aardvark"
            ),
        )
        await press(pilot, "f5")
        assert highlighted(app) == RECEPTION
        table = app.screen.query_one("#inventory")
        assert table.selected_key == str(
            next(h.id for h in app.screen.data.handsets if h.mac == RECEPTION)
        )
        assert "7 handsets" in text_of(app, "#title")


async def test_y_asks_a_remote_phone_to_resync_and_refuses_a_manual_one(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *INVENTORY, "down", "down", "y")  # Brightwater desk 2: manual
        assert "Brightwater desk 2 is logged in by hand: there is nothing to re-sync." in [
            n.message for n in app._notifications
        ]
        await press(pilot, "up", "up", "y")  # Acme desk 1: remote, nothing answers (no lab)
        said = [n.message for n in app._notifications][-1]
        assert said.startswith("Acme desk 1: pending re-sync: nothing answers SIP at 127.0.0.1")
        assert "The phone did not answer" in text_of(app, "#inventory-detail")
