"""Who acts: `--actor` only on the embedded database and, once it has users, only for an
enabled admin; on PostgreSQL a person's actor is their database role (services/acting.py)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from helpers import pg_admin
from sqlalchemy.engine import make_url

from voiceconsole.cli.main import main
from voiceconsole.db.database import Database
from voiceconsole.db.models import User
from voiceconsole.domain.errors import InvalidInput
from voiceconsole.domain.roles import Role
from voiceconsole.services.acting import acting_as
from voiceconsole.services.db_roles import sync_login_role
from voiceconsole.services.transaction import default_actor


@pytest.fixture
def sqlite_file(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "voiceconsole.db"
    shutil.copyfile(sqlite_template, path)
    return str(path)


@pytest.fixture
async def embedded(sqlite_file: str) -> AsyncIterator[Database]:
    db = Database(sqlite_file)
    try:
        yield db
    finally:
        await db.close()


async def add_user(db: Database, login: str, role: Role, *, disabled: bool = False) -> None:
    async with db.write() as session:
        session.add(
            User(login=login, display_name=login, role=role, disabled=disabled, created_by="qa")
        )
        await session.commit()


async def test_without_users_anyone_names_the_actor(embedded: Database) -> None:
    assert await acting_as(embedded, None, "eve") == "eve"
    assert await acting_as(embedded, "night-script", "eve") == "night-script"


async def test_with_users_only_an_enabled_admin_names_another(embedded: Database) -> None:
    await add_user(embedded, "ada", Role.ADMIN)
    await add_user(embedded, "eve", Role.ENGINEER)
    await add_user(embedded, "old", Role.ADMIN, disabled=True)
    assert await acting_as(embedded, "night-script", "ada") == "night-script"
    # One's own name, given or not, is always taken.
    assert await acting_as(embedded, None, "eve") == "eve"
    assert await acting_as(embedded, "eve", "eve") == "eve"
    for login in ("eve", "old", "stranger"):
        with pytest.raises(InvalidInput, match=f"--actor is for admins: '{login}' is not"):
            await acting_as(embedded, "ada", login)


async def test_a_confusable_actor_is_refused_at_start(embedded: Database) -> None:
    with pytest.raises(InvalidInput, match="mixes letters"):
        await acting_as(embedded, "r\u043e\u043et", "eve")


def test_the_command_line_refuses_a_non_admins_actor(
    sqlite_file: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def users() -> None:
        db = Database(sqlite_file)
        try:
            await add_user(db, "ada", Role.ADMIN)
            await add_user(db, "eve", Role.ENGINEER)
        finally:
            await db.close()

    asyncio.run(users())
    # The OS login: each person runs the command line as their own account.
    monkeypatch.setattr("voiceconsole.services.acting.default_actor", lambda: "eve")
    assert main(["sites", "list", "--db", sqlite_file, "--actor", "ada"]) == 1
    assert "--actor is for admins: 'eve'" in capsys.readouterr().err
    monkeypatch.setattr("voiceconsole.services.acting.default_actor", lambda: "ada")
    assert main(["sites", "list", "--db", sqlite_file, "--actor", "eve"]) == 0


@pytest.mark.skipif(sys.platform == "win32", reason="the account database is POSIX")
def test_the_os_login_is_the_account_not_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """LOGNAME and USER are anyone's to set: naming an admin there must not make one."""
    import pwd

    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "ada-the-admin")
    assert default_actor() == pwd.getpwuid(os.getuid()).pw_name


@pytest.mark.postgres
async def test_on_postgresql_a_person_acts_as_their_role(postgres_url: str) -> None:
    login = f"vc_acting_{uuid.uuid4().hex[:8]}"
    owner = Database(postgres_url)
    person: Database | None = None
    try:
        async with owner.engine.begin() as conn:
            await sync_login_role(conn, login, Role.ENGINEER, disabled=False)
        person = Database(make_url(postgres_url).set(username=login).render_as_string())
        assert await acting_as(person, None, "eve") == login
        assert await acting_as(person, login, "eve") == login  # `voiceconsole web` passes it on
        with pytest.raises(InvalidInput, match=f"the database role you connect as \\('{login}'"):
            await acting_as(person, "ada", "eve")
        # The owner (here a superuser) keeps --actor for scripts, else the OS login.
        assert await acting_as(owner, "night-script", "eve") == "night-script"
        assert await acting_as(owner, None, "eve") == "eve"
    finally:
        if person is not None:
            await person.close()
        await owner.close()
        await pg_admin(f'DROP ROLE IF EXISTS "{login}"')
