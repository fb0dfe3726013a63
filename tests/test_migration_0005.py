"""Migration 0005 on a database that has handsets already (SQLite and PostgreSQL): each gets a
life state from whether it has an occupier and its own provisioning login, and a remote line
that counted as logged in (the phone had only answered a re-sync request) says just that."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import pg_admin
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from voiceconsole.db import migrate
from voiceconsole.db.database import Database
from voiceconsole.db.engine import make_engine


def _upgrade_to(connection: Connection, revision: str) -> None:
    from alembic import command

    command.upgrade(migrate._config(connection), revision)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend (PostgreSQL: one of its own, dropped after)."""
    if request.param == "sqlite":
        yield str(tmp_path / "old.db")
        return
    server = request.getfixturevalue("pg_url")  # skips, or fails in CI, without a server
    name = f"voiceconsole_mig_{uuid.uuid4().hex[:10]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_existing_handsets_get_a_state_a_login_and_honest_statuses(empty_url: str) -> None:
    db_url = empty_url
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_to, "0004")
            await conn.execute(
                text(
                    "INSERT INTO sites (id, code, name, country, timezone, main_number_policy,"
                    " cooldown_days, created_at) VALUES (1, 'LON1', 'London', 'GB',"
                    " 'Europe/London', 'auto', 90, CURRENT_TIMESTAMP)"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO occupiers (id, code, name, created_at)"
                    " VALUES (1, 'acme', 'Acme', CURRENT_TIMESTAMP)"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO handsets (id, site_id, occupier_id, model, mac, label) VALUES"
                    " (1, 1, 1, 'yealink-t54w', '02:cc:00:00:00:01', 'deployed one'),"
                    " (2, 1, NULL, 'yealink-t54w', '02:cc:00:00:00:02', 'stock one')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO phone_numbers (id, site_id, e164, e164_value, state, origin,"
                    " is_main, main_candidate, label, voicemail, dnd) VALUES"
                    " (1, 1, '+442079460001', 442079460001, 'active', 'pool', false, false, '',"
                    " false, false),"
                    " (2, 1, '+442079460002', 442079460002, 'active', 'pool', false, false, '',"
                    " false, false)"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO handset_lines (handset_id, number_id, line_key, method, status,"
                    " logged_in_at, logged_in_by) VALUES"
                    " (1, 1, 1, 'remote', 'logged_in', CURRENT_TIMESTAMP, 'qa'),"
                    " (1, 2, 2, 'manual', 'logged_in', CURRENT_TIMESTAMP, 'qa')"
                )
            )
    finally:
        await engine.dispose()
    db = await Database.open(db_url)  # upgrades to the head
    try:
        assert await migrate.current_revision(db.engine) == migrate.head_revision()
        async with db.read() as session:
            handsets = (
                await session.execute(
                    text("SELECT id, state, provisioning_secret FROM handsets ORDER BY id")
                )
            ).all()
            statuses = (
                await session.execute(
                    text("SELECT method, status FROM handset_lines ORDER BY line_key")
                )
            ).all()
    finally:
        await db.close()
    assert [(h.id, h.state) for h in handsets] == [(1, "deployed"), (2, "in_stock")]
    secrets = [h.provisioning_secret for h in handsets]
    assert all(len(s) >= 24 for s in secrets) and secrets[0] != secrets[1]
    assert [tuple(s) for s in statuses] == [("remote", "notified"), ("manual", "logged_in")]
