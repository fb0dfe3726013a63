"""`voiceconsole ports ...`: the same role changes from a script, on in-process simulators."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from voiceconsole.cli.main import main


class Ports:
    def __init__(self, db: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.db = db
        self.capsys = capsys

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["ports", *args, "--db", self.db, "--actor", "cli-tester"])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> object:
        code, out, err = self.run(*args, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def ports(tmp_path: Path, seeded_template: Path, capsys: pytest.CaptureFixture[str]) -> Ports:
    path = tmp_path / "cli.db"
    shutil.copy(seeded_template, path)
    return Ports(str(path), capsys)


def role_of(ports: Ports, label: str) -> dict[str, object]:
    found = ports.json("list", "--site", "LON1", "--floor", label[:2])
    return next(p for p in found if p["label"] == label)  # type: ignore[union-attr, index]


def test_dry_run_prints_the_diff_and_changes_nothing(ports: Ports) -> None:
    code, out, _ = ports.run("set-role", "1F-007", "--site", "LON1", "--role", "voice", "--dry-run")
    assert code == 0
    assert "--- lon1-1f-sw1 (1 port)" in out and "+ switchport voice vlan 200" in out
    assert role_of(ports, "1F-007")["role"] is None


def test_set_role_then_list_shows_it(ports: Ports) -> None:
    outcome = ports.json("set-role", "1F-007", "2F-003", "--site", "LON1", "--role", "voice")
    assert outcome["done"] == 2 and outcome["failed"] == 0  # type: ignore[index]
    port = role_of(ports, "1F-007")
    assert (port["role"], port["observed_role"], port["drift"]) == ("voice", "voice", False)
    # The simulator's config is kept beside the database, so the next process sees it too.
    assert list(Path(ports.db).with_suffix(".switches").glob("lon1-1f-sw1.cfg"))
    code, out, _ = ports.run("refresh", "--site", "LON1", "--floor", "1F")
    assert code == 0 and "lon1-1f-sw1: 24 ports read" in out
    assert role_of(ports, "1F-007")["drift"] is False


def test_problems_after_a_refresh(ports: Ports) -> None:
    assert ports.run("refresh", "--site", "LON1")[0] == 0
    code, out, _ = ports.run("list", "--site", "LON1", "--problems")
    assert code == 0
    assert "1F-001: a phone is plugged in, but the port has no voice role" in out


def test_an_unknown_port_is_refused(ports: Ports) -> None:
    code, out, err = ports.run("set-role", "1F-999", "--site", "LON1", "--role", "data")
    assert code == 1 and out == ""
    assert "LON1 has no floor port 1F-999" in err


def test_allocate_and_patch(ports: Ports) -> None:
    assert ports.run("allocate", "1F-020", "--site", "LON1", "--operator")[0] == 0
    assert role_of(ports, "1F-020")["operator_use"] is True
    code, _, err = ports.run(
        "patch", "1F-020", "--site", "LON1", "--switch", "lon1-1f-sw1", "--interface", "Gi1/0/99"
    )
    assert code == 1 and "has no interface 'Gi1/0/99'" in err
    code, _, err = ports.run(
        "patch",
        "1F-020",
        "--site",
        "LON1",
        "--switch",
        "lon1-1f-sw1",
        "--interface",
        "GigabitEthernet1/0/1",
    )
    assert code == 1 and "already patched to floor port 1F-001" in err


def add_vlans(ports: Ports, hostname: str, *vlans: int) -> None:
    """What an engineer does on the switch's console: create the VLANs (the simulator's
    config is kept beside the database, where the next command finds it)."""
    from voiceconsole.switches.fleet import SimulatorFleet, state_dir_for

    fleet = SimulatorFleet(state_dir_for(f"sqlite+aiosqlite:///{ports.db}"))
    assert fleet.switch(hostname).merge_text("".join(f"vlan {v}\n" for v in vlans)) == []
    fleet.save(hostname)


def test_vlan_plans(ports: Ports) -> None:
    code, out, _ = ports.run("vlans", "--site", "LON1")
    assert code == 0
    assert "LON1: data 100, voice 200, guest 300, access point 400, printer 500" in out
    assert "brightwater-legal: data 102" in out
    changed = ports.json("vlans", "--site", "LON1", "--voice", "210")
    assert changed["voice"] == 210  # type: ignore[index]
    # The switch has no VLAN 210 yet: the change is refused before any diff, with the fix.
    code, out, err = ports.run(
        "set-role", "1F-001", "--site", "LON1", "--role", "voice", "--dry-run"
    )
    assert code != 0 and "+ switchport" not in out
    assert "VLAN 210 of this site's roles does not exist on the switch" in out
    assert "Fix: vlan 210 / name voice" in out
    add_vlans(ports, "lon1-1f-sw1", 210, 101)
    code, out, _ = ports.run("set-role", "1F-001", "--site", "LON1", "--role", "voice", "--dry-run")
    assert code == 0 and "+ switchport voice vlan 210" in out
    # A plan where two roles share a VLAN is refused, the occupiers' own VLANs included.
    code, _, err = ports.run("vlans", "--site", "LON1", "--guest", "102")
    assert code == 1 and "brightwater-legal's data VLAN 102" in err
    code, _, err = ports.run(
        "occupier-vlan", "--occupier", "acme-analytics", "--site", "LON1", "--vlan", "210"
    )
    assert code == 1 and "a VLAN of its own" in err
    done = ports.json(
        "occupier-vlan", "--occupier", "acme-analytics", "--site", "LON1", "--vlan", "101"
    )
    assert done["occupier_data_vlans"]["acme-analytics"] == 101  # type: ignore[index]
    code, out, _ = ports.run("set-role", "1F-001", "--site", "LON1", "--role", "data", "--dry-run")
    assert "+ switchport access vlan 101" in out


def test_a_change_not_done_everywhere_exits_3(ports: Ports) -> None:
    # Voice moves to VLAN 210, which only the 2F switch has: 1F-001 cannot change, 2F-003 can.
    assert ports.json("vlans", "--site", "LON1", "--voice", "210")["voice"] == 210  # type: ignore[index]
    add_vlans(ports, "lon1-2f-sw1", 210)
    code, out, err = ports.run("set-role", "1F-001", "2F-003", "--site", "LON1", "--role", "voice")
    assert code == 3, (out, err)
    assert "2F-003 (lon1-2f-sw1" in out and "done" in out
    assert role_of(ports, "2F-003")["role"] == "voice"
    assert role_of(ports, "1F-001")["role"] is None


def test_a_refresh_that_cannot_read_a_switch_exits_3(ports: Ports) -> None:
    import sqlite3

    with sqlite3.connect(ports.db) as conn:  # lon1-2f-sw1 over SSH where nothing listens
        conn.execute(
            "UPDATE switches SET simulated = 0, mgmt_address = '127.0.0.1', mgmt_port = 1 "
            "WHERE hostname = 'lon1-2f-sw1'"
        )
    code, out, err = ports.run("refresh", "--site", "LON1")
    assert code == 3, (out, err)
    assert "lon1-2f-sw1" in out + err
    assert ports.run("refresh", "--site", "LON1", "--floor", "1F")[0] == 0
