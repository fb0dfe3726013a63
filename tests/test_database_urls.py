"""Every database URL that names no usable database ends in one line and exit status 1,
never a traceback, and never with the password (issue 17)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from voiceconsole.cli.main import main

SECRET = "s3cret-Pa55"


@pytest.fixture(autouse=True)
def _no_database_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOICECONSOLE_DB", raising=False)


def refused(capsys: pytest.CaptureFixture[str], url: str) -> str:
    """`voiceconsole --db URL sites list`: its one error line (asserted to be one, exit 1,
    and without the password)."""
    status = main(["--db", url, "sites", "list"])
    out, err = capsys.readouterr()
    assert status == 1
    assert SECRET not in out + err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("voiceconsole: error: "), err
    return lines[0].removeprefix("voiceconsole: error: ")


def server(pg_url: str, **parts: object) -> str:
    return make_url(pg_url).set(password=SECRET, **parts).render_as_string(hide_password=False)


def test_an_unknown_dialect(capsys: pytest.CaptureFixture[str]) -> None:
    assert refused(capsys, f"nosuchdb://qa:{SECRET}@db.example/estate") == (
        "qa@db.example/estate is not a database URL: "
        "Can't load plugin: sqlalchemy.dialects:nosuchdb"
    )


def test_a_database_that_voiceconsole_does_not_keep_its_data_in(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert refused(capsys, f"mysql://qa:{SECRET}@db.example/estate") == (
        "qa@db.example/estate: voiceconsole keeps its data in SQLite or PostgreSQL, not mysql"
    )


def test_a_driver_that_is_not_installed(capsys: pytest.CaptureFixture[str]) -> None:
    if importlib.util.find_spec("pg8000") is not None:
        pytest.skip("pg8000 is installed here")
    assert refused(capsys, f"postgresql+pg8000://qa:{SECRET}@db.example/estate") == (
        "qa@db.example/estate: its driver is not installed (pg8000); "
        "use postgresql+asyncpg:// or a SQLite file"
    )


@pytest.mark.parametrize(
    ("port", "why"),
    [("99999", "connect(): port must be 0-65535."), ("abc", None)],
)
def test_a_port_out_of_range_or_not_a_number(
    capsys: pytest.CaptureFixture[str], port: str, why: str | None
) -> None:
    said = refused(capsys, f"postgresql://qa:{SECRET}@127.0.0.1:{port}/estate")
    if why:
        assert said == f"cannot open the database (qa@127.0.0.1:{port}/estate): {why}"
    else:
        assert said.startswith(f"127.0.0.1:{port}/estate is not a database URL: ")


def test_a_server_that_refuses_the_connection(capsys: pytest.CaptureFixture[str]) -> None:
    said = refused(capsys, f"postgresql://qa:{SECRET}@127.0.0.1:1/estate")
    assert said.startswith("cannot open the database (qa@127.0.0.1:1/estate): ")
    assert "Connect call failed" in said or "refused" in said


def test_a_host_that_does_not_resolve(capsys: pytest.CaptureFixture[str]) -> None:
    # .invalid never resolves (RFC 6761): no waiting on a network.
    said = refused(capsys, f"postgresql://qa:{SECRET}@nowhere.invalid/estate")
    assert said.startswith("cannot open the database (qa@nowhere.invalid/estate): ")


@pytest.mark.postgres
def test_a_database_that_does_not_exist(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    name = f"voiceconsole_missing_{os.getpid()}"
    url = server(pg_url, database=name)
    parsed = make_url(url)
    assert refused(capsys, url) == (
        f"cannot open the database ({parsed.username}@{parsed.host}:{parsed.port}/{name}): "
        f'database "{name}" does not exist'
    )


@pytest.mark.postgres
def test_a_role_that_does_not_exist(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = server(pg_url, username="voiceconsole_nobody")
    parsed = make_url(url)
    assert refused(capsys, url) == (
        f"cannot open the database (voiceconsole_nobody@{parsed.host}:{parsed.port}/"
        f'{parsed.database}): role "voiceconsole_nobody" does not exist'
    )


@pytest.mark.postgres
def test_a_wrong_password(
    pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test server trusts every local connection, so the server's refusal is raised
    where asyncpg would raise it (the one error path not produced for real)."""

    async def wrong_password(*args: object, **kwargs: object) -> None:
        assert kwargs.get("password") == SECRET  # the password did go to the server
        raise asyncpg.exceptions.InvalidPasswordError(
            'password authentication failed for user "postgres"'
        )

    monkeypatch.setattr(asyncpg, "connect", wrong_password)
    url = server(pg_url)
    parsed = make_url(url)
    assert refused(capsys, url) == (
        f"cannot open the database ({parsed.username}@{parsed.host}:{parsed.port}/"
        f'{parsed.database}): password authentication failed for user "postgres"'
    )


def test_a_folder_named_as_the_sqlite_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    said = refused(capsys, str(tmp_path))
    assert said.startswith(f"cannot open the database (SQLite file {tmp_path}): ")
