"""The registration check: for a site that enables it, each fetched line is looked up with a
SIP OPTIONS through the registrar (sipp plays the registrar). A 200 means the line reached a
phone (registered); a 404 leaves it fetched, not known to be registered."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from helpers import set_status
from phones import ACME_DESK_1, Phone, db, line_status, needs_sipp

from voiceconsole.db.database import Database
from voiceconsole.services.handsets import login_number
from voiceconsole.services.provisioning import check_registrations
from voiceconsole.services.sites import edit_site

__all__ = ["db"]  # fixtures
E164 = "+442079460001"


async def fetched_line_checked_by(db: Database, registrar: Phone | None, check: bool) -> int:
    await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    await set_status(db, E164, "file_fetched")
    await edit_site(
        db,
        "qa",
        "LON1",
        sip_registrar="127.0.0.1",
        sip_port=registrar.port if registrar else 9,
        sip_registration_check=check,
    )
    return await check_registrations(db)


@needs_sipp
@pytest.mark.parametrize(("scenario", "status"), [("200", "registered"), ("404", "file_fetched")])
async def test_the_registrar_says_whether_a_fetched_line_registered(
    db: Database, tmp_path: Path, scenario: str, status: str
) -> None:
    registrar = Phone(tmp_path, f"registrar_options_{scenario}.xml")
    try:
        found = await fetched_line_checked_by(db, registrar, check=True)
        got = await asyncio.to_thread(registrar.received)
    finally:
        registrar.stop()
    assert found == (1 if status == "registered" else 0)
    assert "OPTIONS sip:442079460001@127.0.0.1:" in got
    assert await line_status(db, E164) == status


async def test_no_check_unless_the_site_asks_for_one(db: Database) -> None:
    assert await fetched_line_checked_by(db, None, check=False) == 0
    assert await line_status(db, E164) == "file_fetched"
