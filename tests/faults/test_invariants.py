"""The fault suite's checks can fail: each is shown a database that breaks it."""

from __future__ import annotations

from pathlib import Path

from invariants import Journal, audit_matches_work, files_match_logins, owners_and_quantities
from sqlalchemy import delete, insert, select, update

from voiceconsole.config import provisioning_settings
from voiceconsole.db.database import Database
from voiceconsole.db.models import HandsetLine, Occupier, PhoneNumber, ServiceAssignment
from voiceconsole.handsets.provisioning import file_name
from voiceconsole.services.handsets import login_number


async def test_an_action_without_its_audit_entry_is_found(seeded: Database, tmp_path: Path) -> None:
    journal = tmp_path / "journal.txt"
    journal.write_text("begin occupier fault0-0\nend occupier fault0-0\n", encoding="utf-8")
    assert await audit_matches_work(seeded, Journal.read(journal)) == [
        "occupier fault0-0: finished but not in the database"
    ]
    async with seeded.write() as session:  # written behind the journal's back
        await session.execute(insert(Occupier).values(code="fault0-0", name="Fault"))
        await session.commit()
    assert await audit_matches_work(seeded, Journal.read(journal)) == [
        "occupier fault0-0: 1 in the database, 0 audit entries"
    ]


async def test_more_active_numbers_than_the_services_allow_are_found(seeded: Database) -> None:
    assert await owners_and_quantities(seeded) == []
    async with seeded.write() as session:
        acme = await session.scalar(select(Occupier.id).where(Occupier.code == "acme-analytics"))
        await session.execute(  # its services cut behind the rules' back
            update(ServiceAssignment)
            .where(ServiceAssignment.occupier_id == acme)
            .values(quantity=0)
        )
        await session.commit()
    assert any("active >" in problem for problem in await owners_and_quantities(seeded))


async def test_a_file_with_a_live_secret_of_a_line_gone_is_found(seeded: Database) -> None:
    directory = provisioning_settings().directory
    await login_number(seeded, "qa", handset="02:cc:01:01:00:01", number="020 7946 0001")
    assert await files_match_logins(seeded, directory, settled=True) == []
    saved = (directory / file_name("02:cc:01:01:00:01")).read_text(encoding="utf-8")
    async with seeded.write() as session:  # the line gone, its secret not rotated
        number = select(PhoneNumber.id).where(PhoneNumber.e164 == "+442079460001")
        await session.execute(delete(HandsetLine).where(HandsetLine.number_id.in_(number)))
        await session.commit()
    (directory / file_name("02:cc:01:01:00:01")).write_text(saved, encoding="utf-8")
    problems = await files_match_logins(seeded, directory, settled=False)
    assert any("left in its file with a live secret" in p for p in problems), problems
