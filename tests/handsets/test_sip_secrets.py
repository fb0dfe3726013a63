"""A line's SIP password goes into its phone's file and nowhere else: not into a log (at any
level, SQL included), not into `--json`, not into the audit journal. (On screen: the handset
panel's tests, tests/tui/test_handsets_panel.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import pytest
from phones import ACME_DESK_1, db, free_udp_port, phone_login, provisioning_server, secret_of
from phones import set_address as point_phone_at
from sqlalchemy import select

from voiceconsole.cli.main import main
from voiceconsole.db.database import Database
from voiceconsole.db.models import AuditEntry
from voiceconsole.handsets.phone_simulator import PhoneSpec, SimulatedPhones
from voiceconsole.services.handsets import login_number, logout_number, set_handset_state

__all__ = ["db"]  # fixtures

E164 = "+442079460001"


async def a_whole_life(db: Database) -> list[str]:
    """Log in (the phone fetches), log out, log in, mark faulty: every secret the line had
    (each logout changes it)."""
    address = f"127.0.0.1:{free_udp_port()}"
    await point_phone_at(db, ACME_DESK_1, address)
    seen = []
    async with provisioning_server(db, write_files=False) as settings:
        login = await phone_login(db, ACME_DESK_1, settings)
        with SimulatedPhones([PhoneSpec(address, ACME_DESK_1, "yealink_cfg", login)]) as phones:
            await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
            for _ in range(100):
                if phones.fetched[address]:
                    break
                await asyncio.sleep(0.05)
            seen.append(await secret_of(db, E164))
            await logout_number(db, "qa", number="020 7946 0001")
            seen.append(await secret_of(db, E164))
            await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
            await set_handset_state(db, "qa", handset=ACME_DESK_1, state="faulty", reason="x")
            seen.append(await secret_of(db, E164))
    assert len(set(seen)) == 3  # rotated at each logout
    return seen


async def test_not_in_any_log_at_any_level(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # SQLAlchemy's engine logger included: SQL and all
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        secrets = await a_whole_life(db)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert "INSERT INTO line_credentials" in caplog.text  # the SQL was logged...
    assert not [s for s in secrets if s in caplog.text]  # ...without its parameters


async def test_not_in_the_audit_journal(db: Database) -> None:
    secrets = await a_whole_life(db)
    async with db.read() as session:
        entries = list(await session.scalars(select(AuditEntry)))
    assert any(e.action == "handset.login" for e in entries)
    for entry in entries:
        text = json.dumps([entry.summary, entry.before, entry.after], default=str)
        assert not [s for s in secrets if s in text]


async def test_not_in_json(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    secrets = await a_whole_life(db)
    capsys.readouterr()
    commands = [
        ["handsets", "list", "--site", "LON1"],
        ["handsets", "mark", ACME_DESK_1, "in_stock"],
        ["handsets", "move", ACME_DESK_1, "--to", "acme-analytics"],
        ["handsets", "login", "020 7946 0001", "--handset", ACME_DESK_1],
        ["handsets", "resync", "--number", "020 7946 0001"],
        ["provisioning", "fetches"],
        ["audit"],
    ]
    for command in commands:
        # resync: the phone is gone (exit 3); its JSON is printed all the same.
        with contextlib.suppress(SystemExit):
            await asyncio.to_thread(main, ["--db", db.url, "--json", *command])
        out = capsys.readouterr().out
        json.loads(out)
        assert not [s for s in secrets if s in out], command
