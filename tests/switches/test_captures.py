"""The port reader on real Catalyst output (captures/README.md names each file's source), run
through the stock NAPALM `ios` driver with a transport that answers from the captures, and
checked against expectations written by hand from the raw text (captures/*/expected.yaml).

Most folders mix captures of several devices of one platform, so each command is checked on
its own: every port, PoE row, LLDP neighbour and MAC entry it lists is read, under the long
name the platform gives it. Then the whole reader is run over the folder: no port any
command lists is dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from capture_driver import CAPTURES, CaptureDriver

from voiceconsole.domain.interfaces import InterfaceNames, is_physical
from voiceconsole.domain.platforms import profile
from voiceconsole.switches.ios_output import (
    parse_archive,
    parse_lldp_brief,
    parse_lldp_status,
    parse_mac_table,
    parse_power_inline,
    parse_privilege,
    parse_switchport,
    parse_vlans,
    vlan_list,
)
from voiceconsole.switches.port_reader import _lldp, read_port_states, show

# The platform profile of each folder (None: a platform no profile covers, e.g. a 6800 core).
PROFILE = {
    "catalyst-2960-fastethernet": "catalyst-2960",
    "catalyst-2960x": "catalyst-2960x",
    "catalyst-3560": "catalyst-3560-3750",
    "catalyst-3750": "catalyst-3560-3750",
    "catalyst-3850": "catalyst-3850",
    "catalyst-4500": "catalyst-4500",
    "catalyst-4500x": "catalyst-4500",
    "catalyst-4948e": "catalyst-4500",
    "catalyst-6800": None,
    "catalyst-9200": "catalyst-9200",
    "catalyst-9300": "catalyst-9300",
}
FOLDERS = sorted(path.name for path in CAPTURES.iterdir() if path.is_dir())


def expected(folder: str) -> dict[str, Any]:
    return yaml.safe_load((CAPTURES / folder / "expected.yaml").read_text(encoding="utf-8"))


def names_for(folder: str, driver: CaptureDriver) -> InterfaceNames:
    """The switch's own names when every file is from one device, else its platform's kinds."""
    code = PROFILE[folder]
    kinds = profile(code).kinds if code else None
    known = driver.get_interfaces() if expected(folder).get("same_device") else {}
    return InterfaceNames(known, kinds)


def folders_with(key: str) -> list[str]:
    return [folder for folder in FOLDERS if key in expected(folder)]


def test_the_corpus_covers_at_least_six_platforms_with_ports_poe_and_lldp() -> None:
    assert set(FOLDERS) == set(PROFILE)
    platforms = {PROFILE[f] or f for f in FOLDERS}
    assert len(platforms) >= 6
    for key in ("poe", "lldp", "mac"):
        assert len(folders_with(key)) >= 4, key
    assert folders_with("switchports") and folders_with("interfaces")


@pytest.mark.parametrize("folder", folders_with("interfaces"))
def test_every_interface_is_listed_by_napalm(folder: str) -> None:
    found = CaptureDriver(CAPTURES / folder).get_interfaces()
    want = expected(folder)["interfaces"]
    assert list(found) == list(want)
    for name, facts in want.items():
        assert found[name]["is_enabled"] is facts["enabled"], name
        assert found[name]["is_up"] is facts["up"], name
        assert found[name]["description"] == (facts["description"] or ""), name


@pytest.mark.parametrize("folder", folders_with("switchports"))
def test_every_switchport_is_read_with_its_vlans(folder: str) -> None:
    driver = CaptureDriver(CAPTURES / folder)
    names = names_for(folder, driver)
    rows = {
        names(r.interface): r
        for r in parse_switchport(show(driver, "show interfaces switchport") or "")
    }
    want = expected(folder)["switchports"]
    assert sorted(rows) == sorted(want)
    for name, facts in want.items():
        row = rows[name]
        assert row.admin_mode == (facts["admin_mode"] or "").lower(), name
        assert row.access_vlan == facts["access_vlan"], name
        assert row.voice_vlan == facts["voice_vlan"], name
        assert row.native_vlan == facts["native_vlan"], name
        if facts["trunking_vlans"] is not None:
            assert vlan_list(row.trunking_vlans) == vlan_list(str(facts["trunking_vlans"])), name


@pytest.mark.parametrize("folder", folders_with("poe"))
def test_every_poe_row_is_read(folder: str) -> None:
    driver = CaptureDriver(CAPTURES / folder)
    names = names_for(folder, driver)
    want = expected(folder)["poe"]
    text = show(driver, "show power inline")
    rows = {names(r.interface): r for r in parse_power_inline(text or "")}
    if want == "none":
        assert rows == {}
        return
    assert sorted(rows) == sorted(want)
    for name, facts in want.items():
        row = rows[name]
        assert (row.admin, row.oper) == (facts["admin"], facts["oper"]), name
        watts = facts.get("watts_to_device", facts["watts"])
        assert row.watts == pytest.approx(float(watts)), name
        device = facts.get("device")
        assert row.device == ("" if device in (None, "n/a") else device), name


@pytest.mark.parametrize("folder", folders_with("lldp"))
def test_every_lldp_neighbour_is_read(folder: str) -> None:
    driver = CaptureDriver(CAPTURES / folder)
    found = _lldp(driver, names_for(folder, driver))
    want = expected(folder)["lldp"]
    assert sorted(found) == sorted(want)
    for name, systems in want.items():
        assert found[name].system_name == (systems[0] or ""), name


@pytest.mark.parametrize("folder", folders_with("lldp_table"))
def test_the_lldp_table_gives_every_local_port(folder: str) -> None:
    driver = CaptureDriver(CAPTURES / folder)
    names = names_for(folder, driver)
    locals_ = [names(n) for n in parse_lldp_brief(show(driver, "show lldp neighbors") or "")]
    want = expected(folder)["lldp_table"]
    assert sorted(set(locals_)) == sorted(want)
    assert len(locals_) == sum(len(ids) for ids in want.values())


@pytest.mark.parametrize("folder", folders_with("mac"))
def test_every_mac_entry_on_a_port_is_read(folder: str) -> None:
    driver = CaptureDriver(CAPTURES / folder)
    names = names_for(folder, driver)
    counts: dict[str, int] = {}
    for row in parse_mac_table(show(driver, "show mac address-table") or ""):
        name = names(row.interface)
        counts[name] = counts.get(name, 0) + 1
    assert counts == expected(folder)["mac"]


@pytest.mark.parametrize("folder", folders_with("vlans"))
def test_every_vlan_is_read(folder: str) -> None:
    driver = CaptureDriver(CAPTURES / folder)
    assert [v.vlan for v in parse_vlans(show(driver, "show vlan brief") or "")] == expected(folder)[
        "vlans"
    ]


@pytest.mark.parametrize("folder", folders_with("archive"))
def test_the_archive_state_is_read(folder: str) -> None:
    state = parse_archive(show(CaptureDriver(CAPTURES / folder), "show archive") or "")
    assert state.enabled is expected(folder)["archive"]["enabled"]


@pytest.mark.parametrize("folder", folders_with("lldp_running"))
def test_whether_lldp_runs_is_read(folder: str) -> None:
    text = show(CaptureDriver(CAPTURES / folder), "show lldp") or ""
    assert parse_lldp_status(text) is expected(folder)["lldp_running"]


@pytest.mark.parametrize("folder", folders_with("privilege"))
def test_the_privilege_level_is_read(folder: str) -> None:
    text = show(CaptureDriver(CAPTURES / folder), "show privilege") or ""
    assert parse_privilege(text) == expected(folder)["privilege"]


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_reader_drops_no_port(folder: str) -> None:
    """The whole reader, as a refresh runs it: every port any command lists is a port read,
    with its PoE; one command refused (a switch without PoE) costs that column only.

    Where the files are of several devices, the reader is given no `show interfaces` (each
    device's names would be another's), so it resolves names by the platform, as it does
    before a switch's names are known; the interfaces file is read on its own below."""
    want = expected(folder)
    mixed = not want.get("same_device")
    driver = CaptureDriver(CAPTURES / folder, without=("show interfaces",) if mixed else ())
    code = PROFILE[folder]
    states = read_port_states(driver, None, profile(code).kinds if code else None)
    poe = want.get("poe")
    listed = {*(want.get("switchports") or {})}
    if not mixed:
        listed |= set(want.get("interfaces") or {})
    if isinstance(poe, dict):
        listed |= set(poe)
    listed = {name for name in listed if is_physical(name)}  # floor ports go to these
    assert listed <= set(states), sorted(listed - set(states))
    for name, state in states.items():
        assert state.has_poe is (isinstance(poe, dict) and name in poe), name
        if name in (want.get("switchports") or {}):
            assert state.settings.mode in ("access", "trunk", "routed"), name


@pytest.mark.parametrize("folder", folders_with("interfaces"))
def test_every_front_panel_port_of_show_interfaces_is_read(folder: str) -> None:
    """With only `show interfaces` answered (each other command refused), every front-panel
    port is read under the switch's own name, and nothing else is taken for a port."""
    other = (
        "show interfaces switchport",
        "show power inline",
        "show lldp neighbors detail",
        "show lldp neighbors",
        "show mac address-table",
    )
    driver = CaptureDriver(CAPTURES / folder, without=other)
    code = PROFILE[folder]
    states = read_port_states(driver, None, profile(code).kinds if code else None)
    ports = {n for n in expected(folder)["interfaces"] if is_physical(n)}
    assert ports and set(states) == ports


def test_a_switch_without_poe_reads_fine(tmp_path: Path) -> None:
    """A 4500-X answers `show power inline` with `% Invalid input`: its ports are all read,
    none with PoE (the refusal is the capture driver's; the ports are the real 4500-X's)."""
    folder = CAPTURES / "catalyst-4500x"
    driver = CaptureDriver(folder)
    assert show(driver, "show power inline") is None
    states = read_port_states(driver, None, profile("catalyst-4500").kinds)
    ports = [n for n in expected("catalyst-4500x")["interfaces"] if is_physical(n)]
    assert ports and sorted(states) == sorted(ports)
    assert not any(state.has_poe for state in states.values())
