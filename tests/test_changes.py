"""The change feed: a colleague's committed action reaches another console's feed, on both
backends, with its sites and occupiers; what was rolled back or seen before does not."""

from __future__ import annotations

import asyncio
import json

from helpers import ACTOR, make_occupier, make_site, uk_world
from sqlalchemy import text
from test_team_roles import Team, team  # noqa: F401 (the fixture)

from voiceconsole.db.database import Database
from voiceconsole.domain.roles import Role
from voiceconsole.services import changes, presence
from voiceconsole.services.changes import Change, ChangeFeed, changes_after, notify_payload
from voiceconsole.services.numbers import allocate_numbers, list_numbers
from voiceconsole.services.voice_services import add_services


async def _wait_for(got: list[Change], count: int, within: float = 2.0) -> None:
    loop = asyncio.get_running_loop()
    until = loop.time() + within
    while len(got) < count and loop.time() < until:
        await asyncio.sleep(0.02)


async def test_a_colleagues_action_reaches_the_feed_within_two_seconds(db: Database) -> None:
    await uk_world(db)
    got: list[Change] = []
    feed = ChangeFeed(db, got.extend, poll_s=0.2)
    await feed.start()
    colleague = Database(db.url)  # another console: its own connections
    try:
        await asyncio.sleep(0.3)  # the feed is watching (SQLite: its first data_version)
        assert got == []  # what was there before it started is not news
        await add_services(
            colleague, "bob", occupier="acme", site="LON1", product="desk-line", quantity=3
        )
        await _wait_for(got, 1)
        assert [(c.action, c.actor) for c in got] == [("services.add", "bob")]
        assert got[0].sites == {"LON1"} and got[0].occupiers == {"acme"}
        assert got[0].concerns(site="LON1") and got[0].concerns(site="LON1", occupier="acme")
        assert not got[0].concerns(site="LON1", occupier="bravo")
        assert not got[0].concerns(site="MAN1")
        # A dry run (the wizard's preview) is rolled back: nothing to tell.
        await add_services(
            colleague,
            "bob",
            occupier="bravo",
            site="LON1",
            product="desk-line",
            quantity=1,
            dry_run=True,
        )
        await make_occupier(colleague, "charlie")
        await _wait_for(got, 2)
        assert [c.action for c in got] == ["services.add", "occupier.create"]
        if db.dialect == "postgresql":
            assert feed.listening
    finally:
        await feed.stop()
        await colleague.close()


async def test_changes_after_reads_codes_and_skips_what_was_seen(db: Database) -> None:
    await make_site(db, "LON1")
    await make_site(db, "MAN1")
    await make_occupier(db, "acme", "MAN1")
    found = await changes_after(db, 0)
    assert [(c.action, c.sites, c.occupiers) for c in found] == [
        ("site.create", {"LON1"}, set()),
        ("site.create", {"MAN1"}, set()),
        ("occupier.create", {"MAN1"}, {"acme"}),
    ]
    assert all(c.actor == ACTOR for c in found)
    first = found[0].audit_id
    rest = await changes_after(db, 0, skip=[first])
    assert [c.audit_id for c in rest] == [c.audit_id for c in found[1:]]
    assert await changes_after(db, found[-1].audit_id) == []


async def test_an_entry_committed_out_of_id_order_is_still_delivered(db: Database) -> None:
    """PostgreSQL numbers an entry at insert, so a lower id can commit after a higher one was
    read: the feed looks back and skips what it already delivered."""
    await make_site(db, "LON1")
    got: list[Change] = []
    feed = ChangeFeed(db, got.extend)
    feed.last = 0
    assert len(await feed.catch_up()) == 1
    await make_site(db, "MAN1")
    feed._seen.discard(got[0].audit_id + 1)  # pretend MAN1's entry had not been seen yet
    feed.last = got[0].audit_id + 1  # ... while a higher id was
    again = await feed.catch_up()
    assert [c.sites for c in again] == [{"MAN1"}]
    assert await feed.catch_up() == []  # delivered once


async def _until_listening(feed: ChangeFeed) -> None:
    for _ in range(50):
        if feed.listening:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the feed never listened")


async def test_a_listening_feed_survives_losing_its_connection(postgres_url: str) -> None:
    db = Database(postgres_url)
    await make_site(db, "LON1")
    got: list[Change] = []
    feed = ChangeFeed(db, got.extend, poll_s=0.1)
    await feed.start()
    try:
        await _until_listening(feed)
        async with db.engine.connect() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                )
            )
        await asyncio.sleep(0.2)
        assert not feed.listening  # polling meanwhile
        await make_site(db, "MAN1")
        await _wait_for(got, 1)
        assert [c.sites for c in got] == [{"MAN1"}]
    finally:
        await feed.stop()
        await db.close()


def test_a_notify_payload_stays_under_postgresqls_limit() -> None:
    few = json.loads(notify_payload(7, "services.add", [(1, 2)]))
    assert few == {"id": 7, "action": "services.add", "subjects": [[1, 2]]}
    many = notify_payload(8, "services.apply_due", [(i, i) for i in range(2000)])
    assert len(many.encode()) < changes.NOTIFY_LIMIT
    assert json.loads(many)["subjects"] is None


async def test_people_on_their_own_roles_hear_each_other_and_see_who_is_here(team: Team) -> None:  # noqa: F811
    """PostgreSQL with a role per person (db/pg_roles.py): the feed listens as the person,
    and each writes their own heartbeat under row-level security."""
    viewer, noc = team.console(Role.VIEWER), team.console(Role.NOC)
    got: list[Change] = []
    feed = ChangeFeed(viewer, got.extend, poll_s=0.2)
    await feed.start()
    try:
        await _until_listening(feed)
        free = await list_numbers(noc, site="LON1", state="available")
        await allocate_numbers(
            noc, team.names[Role.NOC], [free[0].e164], occupier="acme-analytics", site="LON1"
        )
        await _wait_for(got, 1)
        assert [(c.action, c.actor) for c in got] == [("numbers.allocate", team.names[Role.NOC])]
        assert got[0].occupiers == {"acme-analytics"}
    finally:
        await feed.stop()
    seen_by_viewer = await presence.heartbeat(viewer, "console-v", team.names[Role.VIEWER], "LON1")
    assert seen_by_viewer == []
    seen_by_noc = await presence.heartbeat(noc, "console-n", team.names[Role.NOC], "LON1")
    assert seen_by_noc == [team.names[Role.VIEWER]]
    await presence.leave(noc, "console-n")
    assert await presence.heartbeat(viewer, "console-v", team.names[Role.VIEWER], "LON1") == []
