"""Notifications picked from the change feed: a reverted role change, a re-synced handset, a
due port-in; each for the user it concerns only."""

from __future__ import annotations

import datetime as dt

from helpers import ACTOR, make_site, noon_in_london, set_status, uk_world

from voiceconsole import clock
from voiceconsole.db.database import Database
from voiceconsole.db.models import User, UserSite
from voiceconsole.domain.roles import Role
from voiceconsole.services import notices
from voiceconsole.services.changes import Change, changes_after
from voiceconsole.services.handsets import login_number
from voiceconsole.services.lookup import site_by_ref
from voiceconsole.services.porting import add_port_in

TODAY = dt.date(2026, 11, 19)
ACME_DESK_1 = "02:cc:01:01:00:01"  # a remote model of acme-analytics (sample data)


def _settled(actor: str, by: str, outcomes: list[str]) -> Change:
    return Change(
        audit_id=9,
        at=clock.utcnow(),
        actor=actor,
        action="ports.role_settled",
        summary="",
        sites=frozenset({"LON1"}),
        occupiers=frozenset(),
        subjects=((1, None),),
        after={
            "switch": "lon1-1f-sw1",
            "by": by,
            "ports": [{"port": f"1F-00{i}", "outcome": o} for i, o in enumerate(outcomes, 1)],
        },
    )


def test_a_role_change_found_reverted_by_someone_else_is_told_to_its_author() -> None:
    said = notices.reverted_role_changes(
        [_settled("bob", "alice", ["reverted", "confirmed"])], "alice"
    )
    assert [(n.title, n.text) for n in said] == [
        (
            "Your port change was reverted",
            "lon1-1f-sw1: your role change of 1F-001 is not on the switch (found by bob's "
            "console).",
        )
    ]
    assert notices.reverted_role_changes([_settled("bob", "alice", ["confirmed"])], "alice") == []
    assert notices.reverted_role_changes([_settled("bob", "carol", ["reverted"])], "alice") == []
    # Settled by her own console (its start): she is told by the start's own message.
    assert notices.reverted_role_changes([_settled("alice", "alice", ["reverted"])], "alice") == []


async def test_a_handset_logged_in_is_told_once_its_phone_re_synced(seeded: Database) -> None:
    db = seeded
    start = (await changes_after(db, 0))[-1].audit_id
    await login_number(db, "alice", handset=ACME_DESK_1, number="020 7946 0001")
    changes = await changes_after(db, start)
    assert notices.handset_logins(changes, "bob") == []
    logins = notices.handset_logins(changes, "alice")
    watched = await notices.pending_handsets(db, logins)  # no SIP address: still pending
    assert len(watched) == 1
    assert await notices.resynced(db, watched) == []
    await set_status(db, "+442079460001", "notified")  # the phone answered a retry
    (said,) = await notices.resynced(db, watched)
    assert said.title == "Handset re-synced" and "answered at last" in said.text


async def test_a_port_in_of_the_users_sites_is_told_when_due(db: Database) -> None:
    await uk_world(db)
    await make_site(db, "MAN1")
    with clock.frozen(noon_in_london(TODAY)):
        order = await add_port_in(
            db,
            ACTOR,
            occupier="acme",
            site="LON1",
            losing_carrier="Old Telco",
            account_ref="ACC-77",
            requested_on=5,
            numbers="03069 990100..0104",
        )
        assert await notices.due_port_ins(db, ["LON1"]) == []  # due in 5 days
    with clock.frozen(noon_in_london(TODAY + dt.timedelta(days=5))):
        (due,) = await notices.due_port_ins(db, ["LON1"])
        assert (
            due.text.startswith(f"LON1: port-in #{order.id} of acme (") and "due today" in due.text
        )
        assert await notices.due_port_ins(db, ["MAN1"]) == []
    with clock.frozen(noon_in_london(TODAY + dt.timedelta(days=6))):
        (late,) = await notices.due_port_ins(db, ["LON1"])
        assert "due since 2026-11-24" in late.text and late.key == due.key  # said once

    # No sites assigned: the console's own; assigned: those.
    assert await notices.user_sites(db, "alice", "LON1") == ["LON1"]
    assert await notices.user_sites(db, "alice", None) == []
    async with db.write() as session:
        user = User(login="alice", display_name="Alice", role=Role.ENGINEER, created_by=ACTOR)
        session.add(user)
        await session.flush()
        session.add(UserSite(user_id=user.id, site_id=(await site_by_ref(session, "MAN1")).id))
        await session.commit()
    assert await notices.user_sites(db, "alice", "LON1") == ["MAN1"]
