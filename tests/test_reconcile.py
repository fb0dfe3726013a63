"""Reconciliation: voice quantity, active numbers, logins, handsets and voice ports, with each
mismatch named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from voiceconsole.db.database import Database
from voiceconsole.services.floor_ports import floor_port_ids
from voiceconsole.services.handsets import add_handset, confirm_manual_login, login_number
from voiceconsole.services.reconcile import reconcile
from voiceconsole.services.switch_ports import apply_role_change, plan_role_change
from voiceconsole.switches.fleet import SimulatorFleet, make_gateway

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


@pytest.fixture
def db(seeded: Database) -> Database:
    return seeded


async def set_voice(db: Database, tmp_path: Path, *labels: str) -> None:
    gateway = make_gateway(
        db.url, lab=False, fleet=SimulatorFleet(tmp_path / "switches", SAMPLE / "lab_devices.csv")
    )
    ids = await floor_port_ids(db, site="LON1", labels=list(labels))
    plan = await plan_role_change(db, gateway, ids, "voice")
    assert (await apply_role_change(db, gateway, "qa", plan)).failed == 0


async def findings(db: Database, occupier: str) -> set[tuple[str, str]]:
    (found,) = await reconcile(db, site="LON1", occupier=occupier)
    return {(f.kind, f.subject) for f in found.findings}


async def test_an_occupier_with_everything_in_place_is_clean(db: Database, tmp_path: Path) -> None:
    # Saltire Finance: 2 voice services at LON1, two active numbers.
    await set_voice(db, tmp_path, "2F-013")
    await add_handset(
        db,
        "qa",
        mac="02:cc:09:00:00:01",
        model="panasonic-hdv130",
        site="LON1",
        occupier="saltire-finance",
        floor_port="2F-013",
        label="Saltire desk",
    )
    (before,) = await reconcile(db, site="LON1", occupier="saltire-finance")
    numbers = ["+442079460049", "+442079460050"]
    assert {f.subject for f in before.findings} >= set(numbers)
    for number in numbers:
        await login_number(db, "qa", handset="02:cc:09:00:00:01", number=number)
        await confirm_manual_login(db, "qa", number=number)
    (after,) = await reconcile(db, site="LON1", occupier="saltire-finance")
    assert after.clean, after.findings
    assert (after.voice_quantity, after.active_numbers, after.logged_in, after.handsets) == (
        2,
        2,
        2,
        1,
    )


async def test_mismatches_are_named(db: Database) -> None:
    # Acme: 4 active numbers, handsets on ports without the voice role, one login pending.
    await login_number(db, "qa", handset="02:cc:01:01:00:01", number="020 7946 0001")
    acme = await findings(db, "acme-analytics")
    assert ("active_not_on_handset", "+442079460002") in acme
    assert ("line_not_confirmed", "+442079460001") in acme
    assert ("handset_on_data_port", "Acme desk 1") in acme
    # Fairline Capital: 5 voice services, 3 active, a spare nobody uses.
    assert ("spare_unused", "+442079460047") in await findings(db, "fairline-capital")


def test_the_command_line(
    tmp_path: Path, seeded_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from voiceconsole.cli.main import main

    path = tmp_path / "cli.db"
    shutil.copy(seeded_template, path)
    assert main(["reconcile", "--site", "LON1", "--json", "--db", str(path)]) == 0
    found = {r["occupier"]: r for r in json.loads(capsys.readouterr().out)}
    assert found["juniper-robotics"]["clean"] is True
    assert found["acme-analytics"]["active_numbers"] == 4
    kinds = {f["kind"] for f in found["acme-analytics"]["findings"]}
    assert "active_not_on_handset" in kinds
