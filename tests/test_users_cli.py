"""`voiceconsole users`: adding, listing, editing and disabling users from the command line,
and the command line refusing to start for someone who is not an enabled user."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_cli import Cli


class UsersCli(Cli):
    """Each command run as its actor's own OS login, as each person runs the command line
    (`--actor` for another name is an admin's, once there are users: services/acting.py)."""

    def __init__(
        self, db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        super().__init__(db, capsys)
        self.monkeypatch = monkeypatch

    def run(self, *args: str, actor: str = "cli-tester") -> tuple[int, str, str]:
        self.monkeypatch.setattr("voiceconsole.services.acting.default_actor", lambda: actor)
        return super().run(*args, actor=actor)

    def json(self, *args: str, actor: str = "cli-tester") -> Any:
        code, out, err = self.run(*args, "--json", actor=actor)
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> UsersCli:
    tool = UsersCli(db_url, capsys, monkeypatch)
    code, _, err = tool.run(
        "sites",
        "add",
        "--code",
        "LON1",
        "--name",
        "London",
        "--country",
        "GB",
        "--timezone",
        "Europe/London",
    )
    assert code == 0, err
    return tool


def test_users_from_the_first_admin_to_a_disabled_engineer(cli: UsersCli) -> None:
    code, _, err = cli.run("users", "add", "eve", "--role", "engineer", "--site", "LON1")
    assert code == 1 and err.count("\n") == 1 and "first user must be an admin" in err
    assert cli.json("users", "list") == []
    added = cli.json("users", "add", "ann", "--role", "admin", "--name", "Ann Lee")
    assert added == {
        "login": "ann",
        "name": "Ann Lee",
        "role": "admin",
        "sites": [],
        "disabled": False,
    }
    # Only users act from now on: the tester is not one, even to read.
    code, _, err = cli.run("sites", "list")
    assert code == 1 and "cli-tester is not a user of this installation; ask an admin" in err
    eve = cli.json("users", "add", "eve", "--role", "engineer", "--site", "lon1", actor="ann")
    assert eve["sites"] == ["LON1"]
    code, out, _ = cli.run("users", "list", actor="eve")
    assert code == 0 and "eve" in out and "LON1" in out
    code, _, err = cli.run("users", "add", "bob", "--role", "viewer", actor="eve")
    assert code == 1 and "eve is an engineer and may not manage users" in err
    edited = cli.json("users", "edit", "eve", "--role", "noc", actor="ann")
    assert (edited["role"], edited["sites"]) == ("noc", [])
    assert cli.json("users", "disable", "eve", actor="ann")["disabled"] is True
    code, _, err = cli.run("users", "list", actor="eve")
    assert code == 1 and "eve is disabled; ask an admin" in err
    code, _, err = cli.run("users", "disable", "ann", actor="ann")
    assert code == 1 and "last enabled admin" in err
    assert cli.json("users", "enable", "eve", actor="ann")["disabled"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "add", "b\u00f6b", "--role", "viewer"], "is not a login"),
        (["users", "add", "bob", "--role", "noc", "--site", "LON1"], "works at every site"),
        (["users", "add", "bob", "--role", "engineer", "--site", "XYZ1"], "unknown site XYZ1"),
        (["users", "add", "ann", "--role", "viewer"], "a user ann already exists"),
        (["users", "edit", "nobody", "--name", "N"], "no user 'nobody'"),
        (["users", "edit", "ann", "--sites", "LON1"], "works at every site"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(cli: Cli, args: list[str], message: str) -> None:
    cli.json("users", "add", "ann", "--role", "admin")
    before = cli.state()
    code, out, err = cli.run(*args, actor="ann")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and message in err, err
    assert cli.state() == before
