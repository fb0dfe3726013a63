"""A remote login end to end, as in the lab: the console logs the number in, the phone is told
(sipp in one test, the lab's simulated phone in the others), the phone fetches its file from
the provisioning server with its own login, and only then is the line `file_fetched`.
A phone that does not answer stays pending, is retried later, and `handsets resync` after it
comes up gets it fetched.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from phones import (
    ACME_DESK_1,
    BRIGHTWATER_RECEPTION,
    Phone,
    db,
    free_udp_port,
    line_status,
    needs_sipp,
    phone,
    phone_login,
    provisioning_server,
    set_address,
    wait_for_status,
)
from sqlalchemy import select

from voiceconsole import clock
from voiceconsole.cli.main import main
from voiceconsole.db.database import Database
from voiceconsole.db.models import Handset
from voiceconsole.handsets.phone_simulator import PhoneSpec, SimulatedPhones, fetch
from voiceconsole.services.handsets import login_number
from voiceconsole.services.provisioning import due_resyncs

__all__ = ["db", "phone"]  # fixtures


@needs_sipp
async def test_sipp_answers_then_the_phone_fetches_with_its_own_login(
    db: Database, phone: Phone
) -> None:
    await set_address(db, ACME_DESK_1, f"127.0.0.1:{phone.port}")
    async with provisioning_server(db, write_files=False) as settings:
        done = await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
        assert done.resync is not None and done.resync.resynced
        got = await asyncio.to_thread(phone.received)
        assert "NOTIFY sip:442079460001@127.0.0.1:" in got and "check-sync;reboot=false" in got
        # Answered, not yet fetched: the status says only that.
        assert await line_status(db, "+442079460001") == "notified"
        # sipp speaks no HTTP: what the phone does next, it does with the lab phone's client.
        login = await phone_login(db, ACME_DESK_1, settings)
        status, text = await asyncio.to_thread(fetch, login, "02cc01010001.cfg")
        assert status == 200 and "account.1.user_name = 442079460001" in text
    assert await line_status(db, "+442079460001") == "file_fetched"


async def simulated(db: Database, mac: str, settings, address: str) -> SimulatedPhones:  # type: ignore[no-untyped-def]
    family = "polycom_xml" if mac == BRIGHTWATER_RECEPTION else "yealink_cfg"
    login = await phone_login(db, mac, settings)
    return SimulatedPhones([PhoneSpec(address, mac, family, login)])


async def test_the_simulated_phone_fetches_after_the_notify(db: Database) -> None:
    address = f"127.0.0.1:{free_udp_port()}"
    await set_address(db, ACME_DESK_1, address)
    async with provisioning_server(db, write_files=False) as settings:
        phones = await simulated(db, ACME_DESK_1, settings, address)
        with phones:
            done = await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
            assert done.resync is not None and done.resync.resynced
            assert await wait_for_status(db, "+442079460001", "file_fetched") == "file_fetched"
        # Like a Yealink: the common file first (there is none here), then its own.
        assert phones.fetched[address] == [("y000000000000.cfg", 404), ("02cc01010001.cfg", 200)]


async def test_a_simulated_poly_follows_its_master_file(db: Database) -> None:
    address = f"127.0.0.1:{free_udp_port()}"
    await set_address(db, BRIGHTWATER_RECEPTION, address)
    async with provisioning_server(db, write_files=False) as settings:
        phones = await simulated(db, BRIGHTWATER_RECEPTION, settings, address)
        with phones:
            await login_number(db, "qa", handset=BRIGHTWATER_RECEPTION, number="020 7946 0005")
            assert await wait_for_status(db, "+442079460005", "file_fetched") == "file_fetched"
        assert phones.fetched[address] == [
            ("02cc01010005.cfg", 200),
            ("02cc01010005-lines.cfg", 200),
        ]


async def test_no_answer_stays_pending_and_a_resync_after_the_phone_is_up_fetches(
    db: Database, capsys
) -> None:  # type: ignore[no-untyped-def]
    address = f"127.0.0.1:{free_udp_port()}"  # nothing answers there yet
    await set_address(db, ACME_DESK_1, address)
    async with provisioning_server(db, write_files=False) as settings:
        done = await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
        assert done.resync is not None and not done.resync.resynced
        assert await line_status(db, "+442079460001") == "pending_resync"
        async with db.read() as session:
            handset = await session.scalar(select(Handset).where(Handset.mac == ACME_DESK_1))
            assert handset is not None and handset.resync_attempts == 1
            first_retry = handset.next_resync_at
        assert first_retry is not None
        # Not due yet: the retry timer sends nothing.
        assert await due_resyncs(db, settings) == []
        # Due, still no phone: the next wait is twice as long.
        with clock.frozen(first_retry + dt.timedelta(seconds=1)):
            (again,) = await due_resyncs(db, settings)
            assert not again.resynced
            async with db.read() as session:
                handset = await session.scalar(select(Handset).where(Handset.mac == ACME_DESK_1))
                assert handset is not None and handset.resync_attempts == 2
                assert handset.next_resync_at - clock.utcnow() == dt.timedelta(
                    seconds=2 * settings.retry_first
                )
        assert await line_status(db, "+442079460001") == "pending_resync"

        # The phone comes up; the engineer asks for a re-sync from the command line.
        phones = await simulated(db, ACME_DESK_1, settings, address)
        with phones:
            code = await asyncio.to_thread(
                main, ["--db", db.url, "handsets", "resync", "--handset", ACME_DESK_1]
            )
            assert code == 0, capsys.readouterr()
            assert await wait_for_status(db, "+442079460001", "file_fetched") == "file_fetched"
    async with db.read() as session:
        handset = await session.scalar(select(Handset).where(Handset.mac == ACME_DESK_1))
        assert handset is not None and (handset.resync_attempts, handset.next_resync_at) == (
            0,
            None,
        )


async def test_resync_exits_3_while_a_phone_does_not_answer(db: Database, capsys) -> None:  # type: ignore[no-untyped-def]
    await set_address(db, ACME_DESK_1, f"127.0.0.1:{free_udp_port()}")
    await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    try:
        code = await asyncio.to_thread(
            main, ["--db", db.url, "handsets", "resync", "--site", "LON1"]
        )
    except SystemExit as exit_:
        code = exit_.code  # type: ignore[assignment]
    assert code == 3
    out = capsys.readouterr().out
    assert "Acme desk 1: pending re-sync: nothing answers SIP at 127.0.0.1" in out
