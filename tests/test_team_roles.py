"""A team on PostgreSQL: each person's own login role, the grants of their group, and the
journal's actor set by the database (db/pg_roles.py, migration 0010, services/db_roles.py).

Each test makes login roles of its own (unique names, dropped at the end even on failure) on
the run's database; the server may hold other roles and databases.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import pg_admin
from sqlalchemy import exc as sa_exc
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from voiceconsole.db import migrate
from voiceconsole.db.database import Database
from voiceconsole.db.models import AuditEntry, FloorPort, Site, User, UserSite
from voiceconsole.db.pg_roles import GROUPS
from voiceconsole.domain.errors import InvalidInput, NotPermitted
from voiceconsole.domain.roles import Role
from voiceconsole.services.db_roles import sync_login_role
from voiceconsole.services.floor_ports import allocate_floor_ports, floor_port_ids
from voiceconsole.services.handsets import add_handset, login_number
from voiceconsole.services.move_outs import move_out
from voiceconsole.services.numbers import allocate_numbers, list_numbers
from voiceconsole.services.port_readings import refresh_live_state
from voiceconsole.services.seed import load_sample_data
from voiceconsole.services.switch_ports import apply_role_change, plan_role_change
from voiceconsole.services.transaction import DatabaseRefused
from voiceconsole.switches.fleet import SimulatorFleet, make_gateway

pytestmark = pytest.mark.postgres

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
ACME_DESK_1 = "02:cc:01:01:00:01"  # yealink-t54w, acme-analytics at LON1 (sample data)


@dataclass
class Team:
    url: str
    owner: Database
    names: dict[Role, str] = field(default_factory=dict)
    consoles: dict[Role, Database] = field(default_factory=dict)

    def url_as(self, login: str) -> str:
        return make_url(self.url).set(username=login).render_as_string(hide_password=False)

    def console(self, role: Role) -> Database:
        """A console connected as the person of `role` (trust auth: no password)."""
        if role not in self.consoles:
            self.consoles[role] = Database(self.url_as(self.names[role]))
        return self.consoles[role]


async def _drop_roles(names: list[str]) -> None:
    for name in names:
        await pg_admin(f'DROP ROLE IF EXISTS "{name}"')


@pytest.fixture
async def team(postgres_url: str) -> AsyncIterator[Team]:
    """The sample data, and one person of each role with their login role and user row."""
    suffix = uuid.uuid4().hex[:8]
    team = Team(postgres_url, Database(postgres_url))
    team.names = {role: f"vc_{role.value}_{suffix}" for role in Role}
    try:
        await load_sample_data(team.owner, "sample-data")
        async with team.owner.write() as session:
            lon1 = (await session.scalars(select(Site.id).where(Site.code == "LON1"))).one()
            for role, name in team.names.items():
                await sync_login_role(session, name, role, disabled=False)
                user = User(login=name, display_name=name, role=role, created_by="qa")
                session.add(user)
                await session.flush()
                if role is Role.ENGINEER:
                    session.add(UserSite(user_id=user.id, site_id=lon1))
            await session.commit()
        yield team
    finally:
        for console in team.consoles.values():
            await console.close()
        await team.owner.close()
        await _drop_roles(list(team.names.values()))


async def _actors(db: Database) -> dict[str, str]:
    async with db.read() as session:
        rows = await session.execute(select(AuditEntry.action, AuditEntry.actor))
        return dict(rows.all())


async def _free_numbers(db: Database, count: int) -> list[str]:
    free = await list_numbers(db, site="LON1", state="available")
    return [n.e164 for n in free[:count]]


def _refused(err: pytest.ExceptionInfo[BaseException]) -> bool:
    return "permission denied" in str(err.value) or "row-level security" in str(err.value)


async def test_two_consoles_as_two_roles_leave_their_own_names(team: Team) -> None:
    engineer, noc = team.console(Role.ENGINEER), team.console(Role.NOC)
    async with engineer.read() as session:
        port = (
            await session.scalars(
                select(FloorPort.id).join(Site).where(Site.code == "LON1").order_by(FloorPort.id)
            )
        ).first()
    (free,) = await _free_numbers(team.owner, 1)
    # Both pass someone else's name: the database writes the session's role.
    await asyncio.gather(
        allocate_floor_ports(engineer, "root", [port], operator=True),
        allocate_numbers(noc, "mallory", [free], occupier="acme-analytics", site="LON1"),
    )
    actors = await _actors(team.owner)
    assert actors["ports.allocate"] == team.names[Role.ENGINEER]
    assert actors["numbers.allocate"] == team.names[Role.NOC]


async def test_the_owner_keeps_the_actor_it_gives(team: Team) -> None:
    """Migrations, scripts and this suite connect as the owner, who could drop the trigger.
    The actor it gives must still be a user allowed the action (services/permissions.py)."""
    async with team.owner.write() as session:
        session.add(User(login="night-script", display_name="cron", role=Role.NOC, created_by="qa"))
        await session.commit()
    await allocate_numbers(
        team.owner,
        "night-script",
        await _free_numbers(team.owner, 1),
        occupier="acme-analytics",
        site="LON1",
    )
    assert (await _actors(team.owner))["numbers.allocate"] == "night-script"


async def test_a_persons_own_insert_into_the_journal_gets_their_name(team: Team) -> None:
    async with team.console(Role.ENGINEER).write() as session:
        await session.execute(
            text(
                "INSERT INTO audit_entries (at, actor, action, summary) "
                "VALUES (now(), 'root', 'forged', 'by hand')"
            )
        )
        await session.commit()
    assert (await _actors(team.owner))["forged"] == team.names[Role.ENGINEER]


async def test_an_engineers_own_sql_cannot_touch_numbers(team: Team) -> None:
    async with team.console(Role.ENGINEER).write() as session:
        with pytest.raises(sa_exc.ProgrammingError) as err:
            await session.execute(text("UPDATE phone_numbers SET label = 'mine'"))
        assert _refused(err)
    for statement in (
        "DELETE FROM phone_numbers",
        # The one column an engineer may update, to lock a number during a login: no more.
        "UPDATE phone_numbers SET id = id",
        "UPDATE occupancies SET id = id",
        "UPDATE sites SET name = 'mine'",
        "UPDATE switches SET hostname = 'mine'",
        "DELETE FROM users",
    ):
        async with team.console(Role.ENGINEER).write() as session:
            with pytest.raises(sa_exc.ProgrammingError) as err:
                await session.execute(text(statement))
            assert _refused(err), statement
    # The service refuses before the database is asked (services/permissions.py) ...
    allocate = functools.partial(
        allocate_numbers,
        team.console(Role.ENGINEER),
        "qa",
        await _free_numbers(team.owner, 1),
        occupier="acme-analytics",
        site="LON1",
    )
    with pytest.raises(NotPermitted, match="engineer"):
        await allocate()
    # ... and were the users table out of step with the database's roles (made noc by hand),
    # the database still refuses, in one line.
    async with team.owner.write() as session:
        await session.execute(
            text("UPDATE users SET role = 'noc' WHERE login = :me"),
            {"me": team.names[Role.ENGINEER]},
        )
        await session.commit()
    with pytest.raises(DatabaseRefused, match="permission denied for table phone_numbers"):
        await allocate()
    async with team.owner.read() as session:
        refusals = await session.scalars(
            text("SELECT actor FROM audit_entries WHERE action = 'refused' ORDER BY id")
        )
        # Both journalled: the console's refusal, then the database's.
        assert list(refusals) == [team.names[Role.ENGINEER]] * 2
    async with team.owner.read() as session:
        labels = await session.scalars(
            text("SELECT count(*) FROM phone_numbers WHERE label = 'mine'")
        )
        assert labels.one() == 0


@pytest.mark.parametrize(
    "statement",
    [
        # The journal takes a viewer's refusals only (below).
        "INSERT INTO audit_entries (at, actor, action, summary) VALUES (now(), 'v', 'x', 'y')",
        "INSERT INTO audit_subjects (audit_id, site_id) SELECT max(id), 1 FROM audit_entries",
        # Presence: their own heartbeat only.
        "INSERT INTO presence (console_id, login, seen_at) VALUES ('c1', 'someone', now())",
        "INSERT INTO floor_ports (site_id, label) SELECT id, 'X-1' FROM sites LIMIT 1",
        "UPDATE phone_numbers SET label = 'mine'",
        "DELETE FROM handsets",
    ],
)
async def test_a_viewer_reads_and_changes_nothing(team: Team, statement: str) -> None:
    viewer = team.console(Role.VIEWER)
    assert await list_numbers(viewer, site="LON1")
    async with viewer.write() as session:
        with pytest.raises(sa_exc.ProgrammingError) as err:
            await session.execute(text(statement))
        assert _refused(err)


async def test_a_viewer_journals_refusals_and_their_own_heartbeat(team: Team) -> None:
    viewer, name = team.console(Role.VIEWER), team.names[Role.VIEWER]
    async with viewer.write() as session:
        await session.execute(
            text(
                "INSERT INTO audit_entries (at, actor, action, summary) "
                "VALUES (now(), 'root', 'refused', 'refused numbers.allocate')"
            )
        )
        await session.execute(
            text("INSERT INTO presence (console_id, login, seen_at) VALUES ('c1', :me, now())"),
            {"me": name},
        )
        await session.commit()
    assert (await _actors(team.owner))["refused"] == name


async def test_noc_allocates_numbers_as_itself(team: Team) -> None:
    free = await _free_numbers(team.owner, 2)
    done = await allocate_numbers(
        team.console(Role.NOC), "qa", free, occupier="acme-analytics", site="LON1"
    )
    assert [n.e164 for n in done.numbers] == free


async def test_an_engineer_logs_a_number_in_to_a_handset(team: Team) -> None:
    done = await login_number(
        team.console(Role.ENGINEER), "qa", handset=ACME_DESK_1, number="020 7946 0001"
    )
    assert done.handset.lines == ((1, "+442079460001", "pending_resync"),)
    assert (await _actors(team.owner))["handset.login"] == team.names[Role.ENGINEER]


async def test_an_engineer_writes_at_their_own_sites_only(team: Team) -> None:
    """Row-level security: floor ports and handsets of the sites in the engineer's user_sites."""
    engineer = team.console(Role.ENGINEER)
    at = "site_id = (SELECT id FROM sites WHERE code = '{}')"
    async with engineer.write() as session:
        own = await session.execute(
            text(f"UPDATE floor_ports SET label = label WHERE {at.format('LON1')}")
        )
        other = await session.execute(
            text(f"UPDATE floor_ports SET label = label WHERE {at.format('MAN1')}")
        )
        seen = await session.scalar(
            text(f"SELECT count(*) FROM floor_ports WHERE {at.format('MAN1')}")
        )
        assert own.rowcount > 0 and other.rowcount == 0 and seen > 0
        await session.rollback()
    await add_handset(engineer, "qa", mac="02:cc:09:00:00:51", model="yealink-t54w", site="LON1")
    # The service refuses first; the UPDATE above shows the database would refuse it too.
    with pytest.raises(NotPermitted, match="not at MAN1"):
        await add_handset(
            engineer, "qa", mac="02:cc:09:00:00:52", model="yealink-t54w", site="MAN1"
        )
    await add_handset(
        team.console(Role.NOC), "qa", mac="02:cc:09:00:00:53", model="yealink-t54w", site="MAN1"
    )
    async with team.owner.read() as session:
        macs = await session.scalars(
            text("SELECT mac FROM handsets WHERE mac LIKE '02:cc:09:00:00:%'")
        )
        assert sorted(macs) == ["02:cc:09:00:00:51", "02:cc:09:00:00:53"]


async def test_an_engineer_changes_a_port_role_on_a_switch(team: Team, tmp_path: Path) -> None:
    """Switch work as the engineer's role: the change in flight, the ports read, the journal."""
    engineer = team.console(Role.ENGINEER)
    fleet = SimulatorFleet(tmp_path / "switches", SAMPLE / "lab_devices.csv")
    gateway = make_gateway(engineer.url, lab=False, fleet=fleet)
    ids = await floor_port_ids(engineer, site="LON1", labels=["1F-003"])
    plan = await plan_role_change(engineer, gateway, ids, "voice")
    outcome = await apply_role_change(engineer, gateway, "qa", plan)
    assert outcome.done == 1
    actors = await _actors(team.owner)
    assert [a for action, a in actors.items() if action.startswith("ports.")] == [
        team.names[Role.ENGINEER]
    ]


async def _groups_of(db: Database, login: str) -> set[str]:
    async with db.read() as session:
        found = await session.scalars(
            text(
                "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname::text = :login"
            ),
            {"login": login},
        )
        return set(found)


async def _can_login(db: Database, login: str) -> bool | None:
    async with db.read() as session:
        found = await session.scalars(
            text("SELECT rolcanlogin FROM pg_roles WHERE rolname::text = :login"), {"login": login}
        )
        return found.first()


async def test_a_login_role_follows_its_user(postgres_url: str) -> None:
    login = f"vc_person_{uuid.uuid4().hex[:8]}"
    owner = Database(postgres_url)
    try:
        async with owner.engine.begin() as conn:
            said = await sync_login_role(conn, login, Role.ENGINEER, disabled=False)
        assert "created" in said
        assert await _groups_of(owner, login) == {GROUPS[Role.ENGINEER]}
        assert await _can_login(owner, login) is True
        async with owner.engine.begin() as conn:
            await sync_login_role(conn, login, "noc", disabled=True)
        # In no group: a session still open loses its rights too, not only new logins.
        assert await _groups_of(owner, login) == set()
        assert await _can_login(owner, login) is False
        async with owner.engine.begin() as conn:
            await sync_login_role(conn, login, Role.NOC, disabled=False)
        assert await _groups_of(owner, login) == {GROUPS[Role.NOC]}
        assert await _can_login(owner, login) is True
    finally:
        await owner.close()
        await _drop_roles([login])


@pytest.mark.parametrize(
    "login",
    [
        'x"; DROP ROLE postgres; --',
        "alice bob",
        "",
        "1alice",
        "public",
        "pg_monitor",
        "voiceconsole_admin",
        "a" * 64,
        "rооt",  # Cyrillic о
    ],
)
async def test_a_bad_login_is_refused_before_any_sql(postgres_url: str, login: str) -> None:
    owner = Database(postgres_url)
    try:
        before = await _can_login(owner, login), await _groups_of(owner, login)
        async with owner.engine.begin() as conn:
            with pytest.raises(InvalidInput):
                await sync_login_role(conn, login, Role.VIEWER, disabled=False)
        assert (await _can_login(owner, login), await _groups_of(owner, login)) == before
        assert await _can_login(owner, "postgres") is True
    finally:
        await owner.close()


async def test_the_owner_is_left_as_it_is(postgres_url: str) -> None:
    """A disabled first admin who owns the installation must not lock the migrations out."""
    owner = Database(postgres_url)
    try:
        async with owner.engine.begin() as conn:
            said = await sync_login_role(conn, "postgres", Role.VIEWER, disabled=True)
        assert "kept" in said
        assert await _can_login(owner, "postgres") is True
        assert GROUPS[Role.VIEWER] not in await _groups_of(owner, "postgres")
    finally:
        await owner.close()


async def test_grants_are_applied_again_on_each_upgrade(postgres_url: str) -> None:
    """A grant lost (or a table of a later migration) is put right by the next upgrade."""
    owner = Database(postgres_url)
    try:
        async with owner.engine.begin() as conn:
            await conn.execute(text(f"REVOKE SELECT ON sites FROM {GROUPS[Role.VIEWER]}"))
            # Back to before the newest migration, which the upgrade then applies again.
            await conn.execute(text("DROP TABLE voiceconsole_installation"))
            await conn.execute(text("UPDATE alembic_version SET version_num = '0010'"))
        assert await migrate.upgrade(owner.engine)
        async with owner.read() as session:
            granted = await session.scalar(
                text(f"SELECT has_table_privilege('{GROUPS[Role.VIEWER]}', 'sites', 'SELECT')")
            )
        assert granted is True
    finally:
        await owner.close()


async def test_a_viewer_reads_a_sites_ports_from_the_switches(team: Team, tmp_path: Path) -> None:
    """Reading ports is for everyone; the reading is kept (an observation) under the viewer's
    own role, and nothing else of the switch is touched (no host key pinned)."""
    viewer = team.console(Role.VIEWER)
    fleet = SimulatorFleet(tmp_path / "switches", SAMPLE / "lab_devices.csv")
    gateway = make_gateway(viewer.url, lab=False, fleet=fleet)
    readings = await refresh_live_state(viewer, gateway, site="LON1", actor=team.names[Role.VIEWER])
    assert readings and all(r.ports and not r.error for r in readings), readings
    async with team.owner.read() as session:
        read = await session.scalar(
            text("SELECT count(*) FROM switch_ports WHERE checked_at IS NOT NULL")
        )
    assert read == sum(r.ports for r in readings)


async def test_noc_moves_an_occupier_out_as_itself(team: Team) -> None:
    """A move-out frees the occupier's numbers, ports and spaces: all within NOC's grants."""
    noc = team.console(Role.NOC)
    async with team.owner.read() as session:
        let = await session.scalar(
            text(
                "SELECT count(*) FROM spaces s JOIN occupiers o ON o.id = s.occupier_id "
                "JOIN floors f ON f.id = s.floor_id JOIN sites t ON t.id = f.site_id "
                "WHERE o.code = 'acme-analytics' AND t.code = 'LON1'"
            )
        )
    assert let  # the sample data lets it spaces there: the move-out has some to free
    await move_out(noc, "qa", occupier="acme-analytics", site="LON1")
    async with team.owner.read() as session:
        spaces = await session.scalar(
            text(
                "SELECT count(*) FROM spaces s JOIN occupiers o ON o.id = s.occupier_id "
                "JOIN floors f ON f.id = s.floor_id JOIN sites t ON t.id = f.site_id "
                "WHERE o.code = 'acme-analytics' AND t.code = 'LON1'"
            )
        )
    assert spaces == 0
    assert (await _actors(team.owner))["occupiers.move_out"] == team.names[Role.NOC]
