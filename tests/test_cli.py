"""The command line: same services, --json for scripts, one-line errors with a non-zero exit."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import snapshot
from sqlalchemy.engine import make_url

from voiceconsole.cli.main import main
from voiceconsole.db.database import Database


class Cli:
    def __init__(self, db: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.db = db
        self.capsys = capsys

    def run(self, *args: str, actor: str = "cli-tester") -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main([*args, "--db", self.db, "--actor", actor])
        out, err = self.capsys.readouterr()
        return code, out, err

    def state(self) -> dict[str, list[tuple[object, ...]]]:
        """Every row of the database, to show that a refused command changed nothing."""

        async def read() -> dict[str, list[tuple[object, ...]]]:
            db = Database(self.db)
            try:
                return await snapshot(db)
            finally:
                await db.close()

        return asyncio.run(read())

    def do(self, command: str) -> Any:
        """Run a command line written as one string and return its --json output."""
        return self.json(*shlex.split(command))

    def json(self, *args: str) -> Any:
        code, out, err = self.run(*args, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    tool = Cli(db_url, capsys)
    code, out, err = tool.run("demo", "load")
    assert code == 0, err
    assert "5 sites, 36 occupiers" in out
    return tool


def test_lists_use_the_model_field_names(cli: Cli) -> None:
    sites = cli.json("sites", "list")
    assert {"code", "name", "country", "main_number_policy"} <= set(sites[0])
    assert {s["code"]: (s["country"], s["main_number_policy"]) for s in sites} == {
        "LDS1": ("GB", "auto"),
        "LON1": ("GB", "auto"),
        "MAN1": ("GB", "manual"),
        "NYC1": ("US", "manual"),
        "SFO1": ("US", "manual"),
    }
    products = cli.json("products", "list")
    assert {"code", "name"} <= set(products[0])
    occupiers = cli.do("occupiers list --site LON1")
    assert {"code", "name"} <= set(occupiers[0])
    numbers = cli.do("numbers list --site LON1 --state active --limit 3")
    assert len(numbers) == 3
    assert {"e164", "state", "origin", "occupier", "is_main"} <= set(numbers[0])
    assert numbers[0]["e164"].startswith("+44")


def test_services_add_dry_run_and_real_run_agree(cli: Cli) -> None:
    add = "services add --occupier indigo-health --site LON1 --product desk-line --qty 7"
    before = cli.state()
    preview = cli.do(add + " --dry-run")
    assert cli.state() == before
    real = cli.do(add)
    for key in ("automation", "reason", "batch_size", "allocated", "activated", "main_number"):
        assert preview[key] == real[key], key
    assert real["automation"] == "applied" and real["reason"] is None
    assert real["batch_size"] == len(real["allocated"]) == 10
    assert len(real["activated"]) == 7 and real["main_number"] in real["allocated"]
    held = cli.do("numbers list --occupier indigo-health")
    assert sorted(n["e164"] for n in held) == sorted(real["allocated"])


def test_special_numbers_skip_the_automation(cli: Cli) -> None:
    result = cli.do("services add --occupier halcyon-legal --site LON1 --product desk-line --qty 3")
    assert result["automation"] == "skipped" and result["reason"].startswith("special numbers")
    assert (result["batch_size"], result["allocated"], result["main_number"]) == (0, [], None)


BAD_INPUT = [
    (
        "services add --occupier acme-analytics --site ZZZ9 --product desk-line --qty 1",
        "unknown site 'ZZZ9'",
    ),
    (
        "services add --occupier indigo-health --site LON1 --product desk-line --qty 0",
        "quantity must be between 1",
    ),
    (
        "services add --occupier wharfside-dental --site LDS1 --product desk-line --qty 9",
        "pool is short: 10 numbers needed, 5 available",
    ),
    (
        "services add --occupier acme-analytics --site LON1 --product desk-line --qty 2",
        "already has desk-line",
    ),
    ("numbers activate '020 7946 0450'", "cannot activate 020 7946 0450: it is available"),
    ("numbers release '020 7946 0002'", "deactivate it first"),
    ("numbers allocate 0207946 --occupier indigo-health --site LON1", "not a valid phone number"),
    ("numbers allocate '020 7946 0500' --occupier indigo-health --site LON1", "brought in for"),
    ("numbers configure '020 7946 0002' --caller-id '020 7946 0002'", "is the number itself"),
    (
        "services schedule --occupier acme-analytics --site LON1 --product desk-line --qty 1 --on tomorrow",
        "cannot reduce to QTY 1",
    ),
    (
        "services schedule --occupier acme-analytics --site LON1 --product desk-line --qty 9 --on someday",
        "not a date",
    ),
    ("services cancel 99999999999", "no scheduled change 99999999999"),
    ("services apply-due --today 2999-01-01", "cannot be brought forward"),
    ("occupiers add --name 'Acme Analytics' --site LON1", "already exists"),
    ("occupiers list --site ²", "unknown site '²'"),
    (
        "sites add --code LON1 --name Again --country GB --timezone Europe/London",
        "a site with code 'LON1' already exists",
    ),
    ("sites add --code LON9 --name X --country XX --timezone Europe/London", "not an ISO 3166-1"),
    ("sites add --code LON9 --name X --country GB --timezone Mars/Olympus", "not a time zone"),
    ("sites edit LON1", "nothing to change"),
    (
        "ports-in add --occupier indigo-health --site LON1 --carrier BT --account A1 "
        "--requested +2 --numbers '020 7946 0450'",
        "020 7946 0450 already in the inventory (LON1, available)",
    ),
    (
        "ports-in add --occupier indigo-health --site LON1 --carrier BT --account A1 "
        "--requested yesterday --numbers '03069 990100'",
        "not a date",
    ),
    ("ports-in advance 42", "no port-in order #42"),
    ("ports-in cancel 42 --reason x", "no port-in order #42"),
]


@pytest.mark.parametrize(("command", "message"), BAD_INPUT, ids=[c for c, _ in BAD_INPUT])
def test_bad_input_is_one_line_and_changes_nothing(cli: Cli, command: str, message: str) -> None:
    before = cli.state()
    code, _, err = cli.run(*shlex.split(command))
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("voiceconsole: error: ") and message in err, err
    assert cli.state() == before


def test_ports_in_through_their_whole_course(cli: Cli) -> None:
    order = cli.do(
        "ports-in add --occupier indigo-health --site LON1 --carrier 'Old Telco' --account A-9 "
        "--requested +3 --numbers '03069 990100..0102' --numbers '03069 990200'"
    )
    assert order["state"] == "requested" and order["number_count"] == 4
    oid = str(order["id"])
    code, out, _ = cli.run("ports-in", "advance", oid)
    assert code == 0 and out.startswith(f"port-in #{oid} for indigo-health at LON1: submitted;")
    code, out, _ = cli.run("ports-in", "advance", oid, "--date", "today")
    assert code == 0 and ": agreed for " in out and "4 numbers from Old Telco" in out
    assert cli.do(f"ports-in advance #{oid}")["state"] == "completed"
    code, _, err = cli.run("ports-in", "cancel", oid, "--reason", "too late")
    assert code == 1 and "the order is completed; nothing more happens to it" in err
    listed = cli.do("ports-in list --site LON1")
    assert [(o["id"], o["state"]) for o in listed] == [(order["id"], "completed")]
    numbers = cli.do("numbers list --occupier indigo-health --origin ported --state reserved")
    assert {n["e164"] for n in numbers} >= {"+443069990100", "+443069990200"}


def test_an_empty_actor_is_refused(cli: Cli) -> None:
    code = main(["sites", "list", "--db", cli.db, "--actor", ""])
    assert code == 1 and "the actor must be" in cli.capsys.readouterr().err


def test_unreadable_import_files(cli: Cli, tmp_path: Path) -> None:
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text("first,last\n0161 496 0900,\n", encoding="utf-16")
    code, _, err = cli.run("numbers", "import", str(utf16), "--site", "MAN1")
    assert code == 1 and "is not UTF-8 text" in err
    extra = tmp_path / "extra.csv"
    extra.write_text("first,last\n0161 496 0900,,,,surprise\n")
    code, out, err = cli.run("numbers", "import", str(extra), "--site", "MAN1")
    assert code == 1 and "5 cells where the file has 2 columns" in out


def test_import_dry_run_then_real_with_per_row_report(cli: Cli, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("first,last\n0161 496 0500,0161 496 0599\n0161 496 0700,\n")
    code, out, _ = cli.run("numbers", "import", str(good), "--site", "MAN1", "--dry-run")
    assert code == 0 and "would import 101 pool numbers to MAN1" in out
    assert cli.do("numbers list --search '0161 496 07'") == []
    report = cli.json("numbers", "import", str(good), "--site", "MAN1")
    assert report["ok"] and report["total"] == 101
    bad = tmp_path / "bad.csv"
    bad.write_text("first,last\n0161 496 0800,0161 496 0809\n0161 496 0550,\n")
    code, out, err = cli.run("numbers", "import", str(bad), "--site", "MAN1")
    assert code == 1
    assert "ok  line 2" in out and "ERR line 3" in out and "already exist" in out
    assert "1 of 2 rows refused; nothing was imported" in err
    assert cli.do("numbers list --search '0161 496 080'") == []


def test_number_moves_schedule_and_audit(cli: Cli) -> None:
    code, _, err = cli.run(
        *shlex.split(
            "numbers allocate '020 7946 0450' '020 7946 0451' --occupier juniper-robotics --site LON1"
        )
    )
    assert code == 0, err
    cli.do("services add --occupier juniper-robotics --site LON1 --product desk-line --qty 1")
    moved = cli.json("numbers", "activate", "+442079460450")
    assert moved["numbers"][0]["state"] == "active"
    main = cli.do("numbers nominate-main '020 7946 0451' --occupier juniper-robotics")
    assert main["numbers"][0]["is_main"]
    configured = cli.do(
        "numbers configure '020 7946 0450' --label 'Front desk' --voicemail on --reset-pin"
    )
    assert configured["number"]["label"] == "Front desk" and len(configured["new_pin"]) == 6
    change = cli.do(
        "services schedule --occupier juniper-robotics --site LON1 --product desk-line --qty 3 --on 2099-01-01"
    )
    assert change["status"] == "pending"
    code, _, err = cli.run("services", "apply-due", "--today", "2099-01-01")
    assert code == 1 and "cannot be brought forward" in err  # no skipping cooldowns
    now = cli.do(
        "services schedule --occupier juniper-robotics --site LON1 --product desk-line --qty 2 --on today"
    )
    assert now["status"] == "applied"
    assert cli.json("services", "apply-due")["applied"] == []  # 2099 is not due yet
    entries = cli.json("audit", "--limit", "6")
    assert [e["action"] for e in entries][:3] == [
        "services.schedule",
        "services.schedule",
        "numbers.configure",
    ]
    assert entries[0]["occupiers"] == ["juniper-robotics"] and entries[0]["sites"] == ["LON1"]
    assert {e["actor"] for e in entries} == {"cli-tester"}


def test_demo_load_refuses_a_database_with_data(cli: Cli) -> None:
    code, _, err = cli.run("demo", "load")
    assert code == 1 and "already holds 5 sites" in err


def _console(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("voiceconsole", path=str(Path(sys.executable).parent))
    command = [exe] if exe else [sys.executable, "-m", "voiceconsole"]
    return subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=120)


def test_first_start_seeds_the_embedded_database_and_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "VOICECONSOLE_DB"}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["HOME"] = str(tmp_path)
    first = _console(env)
    assert first.returncode == 0, first.stderr
    assert "First start:" in first.stderr and "loaded the sample data" in first.stderr
    assert "usage: voiceconsole" in first.stdout
    assert "data: SQLite file" in first.stdout and "(embedded default)" in first.stdout
    second = _console(env, "sites", "list")
    assert second.returncode == 0 and "First start" not in second.stderr
    assert "LON1" in second.stdout and "NYC1" in second.stdout


def test_a_first_start_killed_while_seeding_seeds_on_the_next_start(tmp_path: Path) -> None:
    """kill -9 while seeding: the seed is one transaction, so what is left is a migrated,
    empty database (made here directly). The next start sees it was never seeded."""
    from voiceconsole.db.database import Database

    env = {k: v for k, v in os.environ.items() if k != "VOICECONSOLE_DB"}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["HOME"] = str(tmp_path)
    path = tmp_path / "data" / "voiceconsole" / "voiceconsole.db"

    async def migrated_only() -> None:
        db = await Database.open(str(path))
        await db.close()

    asyncio.run(migrated_only())
    again = _console(env, "sites", "list")
    assert again.returncode == 0, again.stderr
    assert "First start:" in again.stderr and "LON1" in again.stdout


def test_unreachable_database_is_a_clear_message(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["VOICECONSOLE_DB"] = "postgresql+asyncpg://nobody@127.0.0.1:1/none"
    result = _console(env, "sites", "list")
    assert result.returncode == 1
    assert result.stderr.startswith("voiceconsole: error: cannot open the database")
    assert result.stderr.count("\n") == 1


def test_catalogue_and_service_commands(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    site = cli.do("sites edit MAN1 --name 'Northwind Manchester' --cooldown-days 60")
    assert (site["name"], site["cooldown_days"]) == ("Northwind Manchester", 60)
    moved = cli.do("occupiers occupy --occupier acme-analytics --site MAN1 --since 2026-01-05")
    assert moved["sites"] == ["LON1", "MAN1", "NYC1"]
    cli.do("occupiers edit-occupancy --occupier acme-analytics --site MAN1 --since 2026-02-01")
    entry = cli.do("audit --limit 1 --occupier acme-analytics")[0]
    assert entry["action"] == "occupancy.edit" and entry["after"]["since"] == "2026-02-01"
    shown = cli.do("numbers show '020 7946 0000'")
    assert (shown["label"], shown["is_main"], shown["occupier"]) == (
        "Reception",
        True,
        "acme-analytics",
    )
    (bowery,) = cli.do("services list --occupier bowery-partners")
    assert bowery["quantity"] == 8 and len(bowery["scheduled"]) == 1
    cancelled = cli.do(f"services cancel {bowery['scheduled'][0]['id']}")
    assert cancelled["status"] == "cancelled"
    assert cli.do("services list --occupier bowery-partners")[0]["scheduled"] == []
    # A CSV from standard input, byte-order mark and all.
    data = "\ufefffirst,last\n0161 496 0600,0161 496 0604\n".encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    report = cli.do("numbers import - --site MAN1")
    assert report["ok"] and report["total"] == 5


def test_numbers_list_streams_pages_as_one_table(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from voiceconsole.cli import number_commands

    monkeypatch.setattr(number_commands, "PAGE", 7)
    code, out, _ = cli.run("numbers", "list", "--site", "SFO1", "--state", "available")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("NUMBER") and len(lines) == 1 + 45
    assert [line.split()[1] for line in lines[1:4]] == ["555-0105", "555-0106", "555-0107"]
    assert len(cli.do("numbers list --site SFO1 --state available")) == 45
    # What people type in a search is matched as typed, % included.
    assert cli.do("numbers list --search %") == []


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql+asyncpg://qa:s3cret-pw@127.0.0.1:abc/x", "is not a database URL"),
        ("mysql://qa:s3cret-pw@db.example/x", "SQLite or PostgreSQL, not mysql"),
        ("oracle://qa:s3cret-pw@db.example/x", "SQLite or PostgreSQL, not oracle"),
        ("nosuch+driver://qa:s3cret-pw@x/y", "is not a database URL"),
        ("postgresql+psycopg://qa:s3cret-pw@db.example/x", "its driver is not installed"),
    ],
)
def test_a_bad_database_url_is_one_line_without_its_password(url: str, said: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "voiceconsole", "--db", url, "sites", "list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert said in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr  # no traceback
    assert "s3cret-pw" not in done.stderr + done.stdout


def test_an_argument_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "voiceconsole", "--db", str(tmp_path / "x.db"), "sites", "list",
         "--search", b"\xff\xfe"],
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.decode().strip() == (
        "voiceconsole: error: an argument is not UTF-8 text: '??'"
    )
    assert not (tmp_path / "x.db").exists()  # refused before anything was opened


def test_a_new_database_and_its_folders_are_the_owners_only(tmp_path: Path) -> None:
    """It holds SIP secrets: folders made 0700, the file 0600 (and SQLite's -wal with it)."""
    env = {k: v for k, v in os.environ.items() if k != "VOICECONSOLE_DB"}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["HOME"] = str(tmp_path)
    done = _console(env, "sites", "list")
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "data" / "voiceconsole"
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (folder / "voiceconsole.db").stat().st_mode & 0o777 == 0o600
    wal = folder / "voiceconsole.db-wal"  # present while a connection is open
    assert not wal.exists() or wal.stat().st_mode & 0o777 == 0o600
    other = tmp_path / "elsewhere" / "team.db"
    assert _console(env, "--db", str(other), "--create", "sites", "list").returncode == 0
    assert other.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("command", "rows"),
    [
        (["numbers", "import"], "first,last,main_candidate,note\n020 7946 0999\x1b[2J,,no,x\n"),
        (["handsets", "import"], "mac,model\n02cc01099999\x1b]0;pwn\x07,yealink-t33g\n"),
    ],
)
def test_escape_sequences_in_csv_cells_never_reach_the_terminal(
    tmp_path: Path, seeded_template: Path, command: list[str], rows: str
) -> None:
    db = tmp_path / "x.db"
    shutil.copy(seeded_template, db)
    csv_file = tmp_path / "evil.csv"
    csv_file.write_text(rows, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "voiceconsole", "--db", str(db), *command, str(csv_file),
         "--site", "LON1", "--dry-run"],
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    written = done.stdout + done.stderr
    assert done.returncode == 1 and b"refused" in written
    assert b"\x1b" not in written and b"\x07" not in written
    assert "␛".encode() in written  # shown, not obeyed


@pytest.mark.parametrize("named_by", ["--db", "VOICECONSOLE_DB"])
@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///nowhere/x.db", "nowhere/x.db"])
def test_a_database_that_does_not_exist_is_refused_and_nothing_is_made(
    tmp_path: Path, named_by: str, url: str
) -> None:
    """A mistyped path over SSH must not open a new, empty estate (nor make its folders)."""
    env = {k: v for k, v in os.environ.items() if k != "VOICECONSOLE_DB"}
    args = ["sites", "list"]
    if named_by == "--db":
        args = ["--db", url, *args]
    else:
        env["VOICECONSOLE_DB"] = url
    exe = shutil.which("voiceconsole", path=str(Path(sys.executable).parent))
    command = [exe] if exe else [sys.executable, "-m", "voiceconsole"]
    done = subprocess.run(
        [*command, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"voiceconsole: error: no database at {tmp_path.resolve() / 'nowhere' / 'x.db'} "
        f"(from {'--db' if named_by == '--db' else '$VOICECONSOLE_DB'}); nothing was created. "
        "Check the path, or add --create to make a new database there"
    ]
    assert list(tmp_path.iterdir()) == []


def test_create_and_db_upgrade_make_a_new_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "VOICECONSOLE_DB"}
    upgraded, created = tmp_path / "a" / "upgraded.db", tmp_path / "created.db"
    done = _console(env, "--db", str(upgraded), "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert upgraded.exists() and "schema is at revision" in done.stdout
    done = _console(env, "--db", str(created), "--create", "sites", "list", "--json")
    assert done.returncode == 0, done.stderr
    assert created.exists() and json.loads(done.stdout) == []


@pytest.mark.postgres
def test_a_postgresql_database_that_does_not_exist_is_one_line(pg_url: str) -> None:
    missing = make_url(pg_url).set(database=f"voiceconsole_missing_{os.getpid()}")
    done = _console(
        dict(os.environ), "--db", missing.render_as_string(hide_password=False), "sites", "list"
    )
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert f'database "voiceconsole_missing_{os.getpid()}" does not exist' in done.stderr
