"""Handsets: the inventory and the login rules. Every refusal leaves the database as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import set_status, snapshot

from voiceconsole.db.database import Database
from voiceconsole.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from voiceconsole.domain.handsets import manual_instructions, normalise_mac
from voiceconsole.services.handsets import (
    add_handset,
    confirm_manual_login,
    edit_handset,
    list_handsets,
    login_number,
    logout_number,
    move_handset,
    set_handset_state,
)
from voiceconsole.services.numbers import deactivate_numbers

ACME_DESK_1 = "02:cc:01:01:00:01"  # yealink-t54w, acme-analytics (sample data)
ACME_DESK_2 = "02:cc:01:01:00:03"  # yealink-t33g (4 line keys), acme-analytics
BRIGHTWATER = "02:cc:01:01:00:07"  # panasonic-hdv130 (manual, 2 keys), brightwater-legal


@pytest.fixture
def db(seeded: Database) -> Database:
    return seeded


async def lines_of(db: Database, mac: str) -> list[tuple[int, str, str]]:
    (found,) = [h for h in await list_handsets(db, site="LON1") if h.mac == mac]
    return list(found.lines)


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("AA-BB-CC-00-11-22", "aa:bb:cc:00:11:22"),
        ("aabb.cc00.1122", "aa:bb:cc:00:11:22"),
        ("aabbcc001122", "aa:bb:cc:00:11:22"),
    ],
)
def test_mac_addresses_are_normalised(typed: str, normal: str) -> None:
    assert normalise_mac(typed) == normal


@pytest.mark.parametrize("bad", ["aa:bb:cc:00:11", "aa:bb:cc:00:11:zz", "01:00:5e:00:00:01", ""])
def test_bad_mac_addresses_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_mac(bad)


async def test_login_takes_the_first_free_line_key(db: Database) -> None:
    done = await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    assert done.handset.lines == ((1, "+442079460001", "pending_resync"),)
    done = await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0002")
    assert [key for key, _, _ in done.handset.lines] == [1, 2]


@pytest.mark.parametrize(
    ("handset", "number", "message"),
    [
        (ACME_DESK_1, "020 7946 0000", "main number"),
        (ACME_DESK_1, "020 7946 0012", "reserved: only an active number"),  # Brightwater's
        (ACME_DESK_1, "020 7946 0005", "different occupiers"),
        (ACME_DESK_1, "0161 496 0001", "another site"),
    ],
)
async def test_each_login_rule_refuses_and_changes_nothing(
    db: Database, handset: str, number: str, message: str
) -> None:
    before = await snapshot(db)
    with pytest.raises(RuleViolation, match=message):
        await login_number(db, "qa", handset=handset, number=number)
    assert await snapshot(db) == before


async def test_a_number_already_on_a_handset_moves_only_when_confirmed(db: Database) -> None:
    await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0003")
    before = await snapshot(db)
    with pytest.raises(RuleViolation, match="logged in to Acme desk 1; confirm the move"):
        await login_number(db, "qa", handset=ACME_DESK_2, number="020 7946 0003")
    assert await snapshot(db) == before
    await login_number(db, "qa", handset=ACME_DESK_2, number="020 7946 0003", move=True)
    assert await lines_of(db, ACME_DESK_1) == []
    assert await lines_of(db, ACME_DESK_2) == [(1, "+442079460003", "pending_resync")]
    # Not taken by the phone yet: logging it in again asks the phone again, changing nothing.
    before = await snapshot(db, ignore=("handsets",))
    again = await login_number(db, "qa", handset=ACME_DESK_2, number="020 7946 0003")
    assert again.asked_again and again.resync is not None
    assert await snapshot(db, ignore=("handsets",)) == before
    await set_status(db, "+442079460003", "file_fetched")
    with pytest.raises(RuleViolation, match="already logged in to Acme desk 2"):
        await login_number(db, "qa", handset=ACME_DESK_2, number="020 7946 0003", move=True)


async def test_a_handset_takes_at_most_its_line_keys(db: Database) -> None:
    # The Panasonic has 2 line keys; Brightwater has 7 active numbers.
    for number in ("020 7946 0005", "020 7946 0006"):
        await login_number(db, "qa", handset=BRIGHTWATER, number=number)
    before = await snapshot(db)
    with pytest.raises(RuleViolation, match="all its 2 line key"):
        await login_number(db, "qa", handset=BRIGHTWATER, number="020 7946 0007")
    assert await snapshot(db) == before
    await logout_number(db, "qa", number="020 7946 0005")
    done = await login_number(db, "qa", handset=BRIGHTWATER, number="020 7946 0007")
    assert [(key, number) for key, number, _ in done.handset.lines] == [
        (1, "+442079460007"),
        (2, "+442079460006"),
    ]


async def test_deactivating_a_number_logs_it_out_first(db: Database) -> None:
    import os

    await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0004")
    provisioned = Path(os.environ["VOICECONSOLE_PROVISIONING_DIR"]) / "02cc01010001.cfg"
    assert "account.1.user_name = 442079460004" in provisioned.read_text()
    await deactivate_numbers(db, "qa", ["020 7946 0004"])
    assert await lines_of(db, ACME_DESK_1) == []
    # The remote handset's file is written again without the number.
    assert "442079460004" not in provisioned.read_text()
    with pytest.raises(RuleViolation, match="not logged in"):
        await logout_number(db, "qa", number="020 7946 0004")


async def test_a_manual_login_is_recorded_when_the_engineer_says_so(db: Database) -> None:
    done = await login_number(db, "qa", handset=BRIGHTWATER, number="020 7946 0008")
    assert done.resync is None and done.handset.login_method == "manual"
    assert done.handset.lines == ((1, "+442079460008", "manual_pending"),)
    view = await confirm_manual_login(db, "qa", number="020 7946 0008")
    assert view.lines == ((1, "+442079460008", "logged_in"),)
    with pytest.raises(RuleViolation, match="not waiting for a manual login"):
        await confirm_manual_login(db, "qa", number="020 7946 0008")


def test_manual_steps_are_filled_in() -> None:
    steps = "Type {extension}, then PIN {pin}."
    assert manual_instructions(steps, extension="0008", pin="4321") == "Type 0008, then PIN 4321."


async def test_adding_handsets(db: Database) -> None:
    view = await add_handset(
        db,
        "qa",
        mac="02CC.0101.0011",
        model="yealink-t33g",
        site="LON1",
        occupier="copperleaf-design",
        floor_port="1F-011",
    )
    assert (view.mac, view.floor_port, view.line_keys) == ("02:cc:01:01:00:11", "1F-011", 4)
    before = await snapshot(db)
    with pytest.raises(Conflict, match="already in the inventory"):
        await add_handset(db, "qa", mac="02:cc:01:01:00:11", model="yealink-t33g", site="LON1")
    with pytest.raises(NotFound, match="no device model 'nokia-3310'"):
        await add_handset(db, "qa", mac="02:cc:01:01:00:12", model="nokia-3310", site="LON1")
    with pytest.raises(RuleViolation, match="does not occupy"):
        await add_handset(
            db,
            "qa",
            mac="02:cc:01:01:00:12",
            model="yealink-t33g",
            site="LON1",
            occupier="lumen-software",
        )
    assert await snapshot(db) == before


def test_the_command_line(
    tmp_path: Path, seeded_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from voiceconsole.cli.main import main

    path = tmp_path / "cli.db"
    shutil.copy(seeded_template, path)

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*args, "--db", str(path), "--actor", "qa"])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("handsets", "login", "020 7946 0001", "--handset", "02CC.0101.0001")
    assert code == 0 and "1:020 7946 0001(pending_resync)" in out
    code, _, err = run("handsets", "login", "020 7946 0001", "--handset", "02:cc:01:01:00:03")
    assert code == 1 and "confirm the move" in err
    code, out, _ = run("handsets", "list", "--site", "LON1", "--occupier", "acme-analytics")
    assert code == 0 and "Acme desk 1" in out and "1/16" in out
    assert run("handsets", "logout", "020 7946 0001")[0] == 0


async def test_importing_handsets_is_all_or_nothing(db: Database) -> None:
    from voiceconsole.services.handsets import HandsetImportRefused, import_handsets

    rows = [
        {
            "mac": "02-CC-01-02-00-01",
            "model": "yealink-t54w",
            "occupier": "fairline-capital",
            "floor_port": "2F-001",
            "label": "Fairline 1",
        },
        {
            "mac": "02cc.0102.0002",
            "model": "nokia-3310",
            "occupier": "",
            "floor_port": "",
            "label": "",
        },
        {
            "mac": "02:cc:01:02:00:01",
            "model": "yealink-t33g",
            "occupier": "",
            "floor_port": "",
            "label": "",
        },
        {
            "mac": "not-a-mac",
            "model": "yealink-t33g",
            "occupier": "",
            "floor_port": "",
            "label": "",
        },
    ]
    before = await snapshot(db)
    with pytest.raises(HandsetImportRefused) as refused:
        await import_handsets(db, "qa", rows, site="LON1")
    said = [(r.line, r.ok, r.message) for r in refused.value.report.rows]
    assert said[0] == (2, True, "ok")
    assert said[1] == (3, False, "no device model 'nokia-3310'")
    assert said[2] == (4, False, "the same MAC is on an earlier row")
    assert said[3][:2] == (5, False) and "not a MAC address" in said[3][2]
    assert await snapshot(db) == before
    report = await import_handsets(db, "qa", rows[:1], site="LON1")
    assert report.ok
    (found,) = [h for h in await list_handsets(db, site="LON1") if h.label == "Fairline 1"]
    assert (found.mac, found.floor_port, found.occupier) == (
        "02:cc:01:02:00:01",
        "2F-001",
        "fairline-capital",
    )


async def test_handsets_are_located_from_the_switches_readings(
    db: Database, tmp_path: Path
) -> None:
    from voiceconsole.services.handsets import locate_handsets
    from voiceconsole.services.port_readings import refresh_live_state
    from voiceconsole.switches.fleet import SimulatorFleet, make_gateway

    sample = Path(__file__).resolve().parents[1] / "sample_data"
    # A handset added without a floor port.
    await add_handset(
        db,
        "qa",
        mac="02:cc:01:01:00:0b",
        model="yealink-t33g",
        site="LON1",
        occupier="copperleaf-design",
        label="Copperleaf desk 2",
    )
    gateway = make_gateway(
        db.url, lab=False, fleet=SimulatorFleet(tmp_path / "switches", sample / "lab_devices.csv")
    )
    await refresh_live_state(db, gateway, site="LON1", floor="1F")
    moved = await locate_handsets(db, "qa", site="LON1")
    # The phone on 1F-011 in the lab is 02:cc:01:01:00:0b: the new handset is found there.
    assert ("Copperleaf desk 2", "1F-011") in moved
    assert await locate_handsets(db, "qa", site="LON1") == []  # nothing left to move


def test_import_locate_and_manual_done_from_the_command_line(
    tmp_path: Path, seeded_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from voiceconsole.cli.main import main

    path = tmp_path / "cli.db"
    shutil.copy(seeded_template, path)

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*args, "--db", str(path), "--actor", "qa"])
        out, err = capsys.readouterr()
        return code, out, err

    csv_file = tmp_path / "handsets.csv"
    csv_file.write_text(
        "mac,model,occupier,floor_port,label\n"
        "02:cc:01:01:00:0b,yealink-t33g,copperleaf-design,,Copperleaf desk 2\n"
        "02:cc:01:01:00:0b,yealink-t33g,,,twice\n",
        encoding="utf-8",
    )
    code, out, err = run("handsets", "import", str(csv_file), "--site", "LON1")
    assert code == 1 and "line 3: 02:cc:01:01:00:0b: the same MAC is on an earlier row" in out
    assert "nothing was imported" in err
    header, first, _ = csv_file.read_text().splitlines(keepends=True)
    csv_file.write_text(header + first)
    code, out, _ = run("handsets", "import", str(csv_file), "--site", "LON1")
    assert code == 0 and "line 2: 02:cc:01:01:00:0b: ok" in out
    # Where is it? The switches know: read them (in-process simulators), then locate.
    assert run("ports", "refresh", "--site", "LON1", "--floor", "1F")[0] == 0
    code, out, _ = run("handsets", "locate", "--site", "LON1")
    assert code == 0 and "Copperleaf desk 2: on 1F-011" in out
    # A manual model: logged in by hand, then recorded as done.
    code, out, _ = run("handsets", "login", "020 7946 0008", "--handset", "02:cc:01:01:00:07")
    assert code == 0 and "manual_pending" in out
    code, out, _ = run("handsets", "manual-done", "020 7946 0008")
    assert code == 0 and "1:020 7946 0008(logged_in)" in out


def test_power_cycle_from_the_command_line(
    tmp_path: Path, seeded_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from voiceconsole.cli.main import main

    path = tmp_path / "cli.db"
    shutil.copy(seeded_template, path)
    code = main(["ports", "power-cycle", "1F-001", "--site", "LON1", "--db", str(path)])
    out, _ = capsys.readouterr()
    assert code == 0 and "1F-001: PoE off, then on again" in out


# --- the inventory: a handset's life --------------------------------------------------------


async def audit_actions(db: Database) -> list[str]:
    from sqlalchemy import select

    from voiceconsole.db.models import AuditEntry

    async with db.read() as session:
        return list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


async def test_a_faulty_handset_loses_its_lines_and_takes_no_login(db: Database) -> None:
    await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    done = await set_handset_state(
        db, "qa", handset=ACME_DESK_1, state="faulty", reason="cracked screen"
    )
    assert done.logged_out == ("+442079460001",) and done.handset.state == "faulty"
    assert await lines_of(db, ACME_DESK_1) == []
    assert (await audit_actions(db))[-1] == "handset.faulty"
    before = await snapshot(db)
    with pytest.raises(RuleViolation, match="is faulty: it takes no login"):
        await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    with pytest.raises(RuleViolation, match="faulty: put it back in stock"):
        await set_handset_state(db, "qa", handset=ACME_DESK_1, state="deployed")
    assert await snapshot(db) == before
    # Repaired: back in stock (no occupier), then given out again.
    back = await set_handset_state(db, "qa", handset=ACME_DESK_1, state="in_stock")
    assert (back.handset.state, back.handset.occupier) == ("in_stock", None)
    with pytest.raises(RuleViolation, match="different occupiers"):
        await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    moved = await move_handset(db, "qa", handset=ACME_DESK_1, occupier="acme-analytics")
    assert (moved.handset.state, moved.handset.occupier) == ("deployed", "acme-analytics")
    await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")


async def test_retired_is_for_good(db: Database) -> None:
    await set_handset_state(db, "qa", handset=ACME_DESK_2, state="retired")
    before = await snapshot(db)
    for attempt in (
        set_handset_state(db, "qa", handset=ACME_DESK_2, state="in_stock"),
        move_handset(db, "qa", handset=ACME_DESK_2, occupier="acme-analytics"),
    ):
        with pytest.raises(RuleViolation, match="retired"):
            await attempt
    assert await snapshot(db) == before


async def test_moving_a_handset_logs_its_lines_out(db: Database) -> None:
    await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0002")
    done = await move_handset(db, "qa", handset=ACME_DESK_1, occupier="copperleaf-design")
    assert done.logged_out == ("+442079460001", "+442079460002")
    assert done.handset.occupier == "copperleaf-design" and done.handset.lines == ()
    with pytest.raises(RuleViolation, match="already with copperleaf-design"):
        await move_handset(db, "qa", handset=ACME_DESK_1, occupier="copperleaf-design")
    with pytest.raises(NotFound):
        await move_handset(db, "qa", handset=ACME_DESK_1, occupier="nobody-here")
    stock = await move_handset(db, "qa", handset=ACME_DESK_1, occupier=None)
    assert (stock.handset.state, stock.handset.occupier) == ("in_stock", None)


async def test_editing_a_handset(db: Database) -> None:
    view = await edit_handset(
        db, "qa", handset=ACME_DESK_1, label="Acme desk 9", floor_port="1f-002",
        sip_address="10.1.2.3:5062",
    )  # fmt: skip
    assert (view.label, view.floor_port, view.sip_address) == (
        "Acme desk 9",
        "1F-002",
        "10.1.2.3:5062",
    )
    before = await snapshot(db)
    for bad in ("127.0.0.1:abc", "127.0.0.1:99999", "10.0.0.1:0", "a b"):
        with pytest.raises(InvalidInput, match="not a SIP address"):
            await edit_handset(db, "qa", handset=ACME_DESK_1, sip_address=bad)
    with pytest.raises(NotFound, match="no floor port 9F-999"):
        await edit_handset(db, "qa", handset=ACME_DESK_1, floor_port="9F-999")
    # The same values again: nothing to record.
    await edit_handset(db, "qa", handset=ACME_DESK_1, label="Acme desk 9")
    assert await snapshot(db) == before
    cleared = await edit_handset(db, "qa", handset=ACME_DESK_1, floor_port=None, sip_address=None)
    assert (cleared.floor_port, cleared.sip_address) == (None, None)


async def test_a_handset_added_without_an_occupier_is_in_stock(db: Database) -> None:
    view = await add_handset(db, "qa", mac="02cc01099901", model="yealink-t33g", site="LON1")
    assert (view.state, view.occupier) == ("in_stock", None)
    with pytest.raises(InvalidInput, match="not a SIP address"):
        await add_handset(
            db, "qa", mac="02cc01099902", model="yealink-t33g", site="LON1",
            sip_address="127.0.0.1:abc",
        )  # fmt: skip


async def test_a_logout_or_a_move_changes_the_lines_sip_secret(db: Database) -> None:
    import os

    from sqlalchemy import select

    from voiceconsole.db.models import LineCredentials, PhoneNumber

    async def secret() -> str:
        async with db.read() as session:
            return (
                await session.execute(
                    select(LineCredentials.secret)
                    .join(PhoneNumber, PhoneNumber.id == LineCredentials.number_id)
                    .where(PhoneNumber.e164 == "+442079460001")
                )
            ).scalar_one()

    folder = Path(os.environ["VOICECONSOLE_PROVISIONING_DIR"])
    await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    first = await secret()
    assert f"password = {first}" in (folder / "02cc01010001.cfg").read_text()
    # Hot-desking to the other phone: a new secret; the old phone's file has neither.
    await login_number(db, "qa", handset=ACME_DESK_2, number="020 7946 0001", move=True)
    second = await secret()
    assert second != first
    assert f"password = {second}" in (folder / "02cc01010003.cfg").read_text()
    old_file = (folder / "02cc01010001.cfg").read_text()
    assert first not in old_file and second not in old_file
    # A logout too: the phone that had it holds a login that no longer works.
    await logout_number(db, "qa", number="020 7946 0001")
    assert await secret() not in (first, second)
