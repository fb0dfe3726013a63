"""`voiceconsole switches ...` paths the lab-process tests do not take: list, check, map from
a CSV, check --abandon, remove; on the in-process sample switches."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from voiceconsole.cli.main import main


class Cli:
    def __init__(self, db: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.db = db
        self.capsys = capsys

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["switches", *args, "--db", self.db, "--actor", "cli-tester"])
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def cli(
    tmp_path: Path,
    seeded_template: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    monkeypatch.delenv("VOICECONSOLE_LAB", raising=False)
    path = tmp_path / "cli.db"
    shutil.copy(seeded_template, path)
    return Cli(str(path), capsys)


def test_list_and_check(cli: Cli) -> None:
    code, out, _ = cli.run("list", "--site", "LON1")
    assert code == 0 and "lon1-1f-sw1" in out and "not checked" in out
    code, out, _ = cli.run("check", "lon1-1f-sw1")
    assert code == 0 and "lon1-1f-sw1: ready" in out
    code, out, _ = cli.run("list", "--site", "LON1", "--json")
    found = {s["hostname"]: s for s in json.loads(out)}
    assert found["lon1-1f-sw1"]["findings"] == [] and found["lon1-2f-sw1"]["findings"] is None


def test_map_from_a_csv_is_all_or_nothing(cli: Cli, tmp_path: Path) -> None:
    csv = tmp_path / "patching.csv"
    csv.write_text("label,interface,space\n1F-001,Gi1/0/1,1.01\n1F-002,Gi1/0/1,\n")
    code, _, err = cli.run("map", "lon1-1f-sw1", "--floor", "1F", "--csv", str(csv))
    assert code != 0 and "already patched to floor port 1F-001" in err
    csv.write_text("label,interface,space\n1F-001,Gi1/0/1,9.99\n")
    code, _, err = cli.run("map", "lon1-1f-sw1", "--floor", "1F", "--csv", str(csv))
    assert code != 0 and "that floor has no space '9.99'" in err
    csv.write_text("label,interface,space\n1F-001,Gi1/0/1,1.01\n")
    code, out, err = cli.run("map", "lon1-1f-sw1", "--floor", "1F", "--csv", str(csv))
    assert code == 0, err
    assert "1F-001 -> GigabitEthernet1/0/1" in out and "(new)" not in out
    csv.write_text("port,where\n")
    code, _, err = cli.run("map", "lon1-1f-sw1", "--floor", "1F", "--csv", str(csv))
    assert code != 0 and "needs the columns label and interface" in err


def test_abandon_needs_a_switch_and_a_change_in_flight(cli: Cli) -> None:
    code, _, err = cli.run("check", "--abandon")
    assert code != 0 and "name it" in err
    code, _, err = cli.run("check", "lon1-1f-sw1", "--abandon")
    assert code != 0 and "lon1-1f-sw1 has no change in flight" in err


def test_remove(cli: Cli) -> None:
    code, out, err = cli.run("remove", "sfo1-3f-sw1")
    assert code == 0 and "removed sfo1-3f-sw1" in out
    assert "floor ports are no longer patched to a switch" in err
    code, out, _ = cli.run("list")
    assert "sfo1-3f-sw1" not in out
    code, _, err = cli.run("remove", "sfo1-3f-sw1")
    assert code != 0 and "unknown switch 'sfo1-3f-sw1'" in err
