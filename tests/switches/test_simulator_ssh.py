"""The stock NAPALM ios driver over real SSH (and SCP) against the simulator on loopback.

One server and one driver session serve the whole module (a login costs ~0.3 s, mostly
netmiko's own pacing); each test works on ports of its own so the order does not matter.
Credentials are made up at run time.
"""

from __future__ import annotations

import contextlib
import csv
import io
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import napalm
import paramiko
import pytest
import scp
from helpers import SwitchClock
from napalm.base.exceptions import ConnectionException, MergeConfigException
from netmiko.exceptions import NetmikoAuthenticationException
from ntc_templates.parse import parse_output

from voiceconsole.switches.simulator.lab import build_fleet, serve_lab
from voiceconsole.switches.simulator.model import Device, SimulatedSwitch
from voiceconsole.switches.simulator.ssh_server import PortInUseError, SimulatorServer

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"
HOSTNAME = "lon1-1f-sw1"
PHONE_MAC = "02cc.0101.0001"
PC_MAC = "02cc.0201.0001"
# What a caller should pass so an unreachable switch fails in seconds, not minutes:
# conn_timeout bounds the TCP connect and (paramiko's start_client) the SSH handshake,
# banner_timeout the server's SSH banner, auth_timeout the answer to the password.
FAST_FAIL = {"conn_timeout": 2, "banner_timeout": 2, "auth_timeout": 2}


@dataclass
class Lab:
    switch: SimulatedSwitch
    clock: SwitchClock
    port: int
    username: str
    password: str

    def driver(self, password: str | None = None, port: int | None = None, **optional_args):
        driver_class = napalm.get_network_driver("ios")
        args = {"port": port or self.port, **FAST_FAIL, **optional_args}
        return driver_class(
            "127.0.0.1",
            self.username,
            self.password if password is None else password,
            timeout=10,
            optional_args=args,
        )


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    clock = SwitchClock()
    username, password = "noc", secrets.token_urlsafe(12)
    switch = SimulatedSwitch(HOSTNAME, users={username: password}, clock=clock)
    pc = Device("pc", PC_MAC, "PC-1F-001", lldp=False)
    switch.connect(
        "GigabitEthernet1/0/1",
        Device("phone", PHONE_MAC, "SEP02CC01010001", poe_watts=6.3, pc_behind=pc),
    )
    switch.connect("GigabitEthernet1/0/2", Device("pc", "02cc.0301.0002", "PC-1F-002", lldp=False))
    with SimulatorServer([(switch, "127.0.0.1", 0)]) as server:
        yield Lab(switch, clock, server.ports[0], username, password)


@pytest.fixture(scope="module")
def driver(lab: Lab) -> Iterator[napalm.base.NetworkDriver]:
    device = lab.driver()
    device.open()
    yield device
    device.close()


def config_lines(switch: SimulatedSwitch) -> list[str]:
    # NAPALM turns `file prompt quiet` on for its file operations; that is not the change.
    return [line for line in switch.running_config().splitlines() if "file prompt" not in line]


def test_getters_and_cli(driver, lab: Lab) -> None:
    assert driver.is_alive() == {"is_alive": True}  # netmiko writes a NUL; ignored
    facts = driver.get_facts()
    assert facts["hostname"] == HOSTNAME
    assert facts["model"] == "C9200L-24P-4G"
    assert "GigabitEthernet1/0/24" in facts["interface_list"]

    interfaces = driver.get_interfaces()
    assert interfaces["GigabitEthernet1/0/1"]["is_up"] is True
    assert interfaces["GigabitEthernet1/0/3"]["is_up"] is False

    assert driver.get_lldp_neighbors()["GigabitEthernet1/0/1"][0]["hostname"] == "SEP02CC01010001"
    macs = {entry["mac"] for entry in driver.get_mac_address_table()}
    assert {"02:CC:01:01:00:01", "02:CC:02:01:00:01"} <= macs

    output = driver.cli(["show interfaces switchport"])["show interfaces switchport"]
    rows = parse_output(platform="cisco_ios", command="show interfaces switchport", data=output)
    first = next(row for row in rows if row["interface"] in ("Gi1/0/1", "GigabitEthernet1/0/1"))
    assert first["access_vlan"] == "1"
    assert len(rows) == 24


def test_merge_copies_by_scp_and_commits(driver, lab: Lab) -> None:
    config = (
        "interface GigabitEthernet1/0/5\n"
        " description voice desk 1.02\n"
        " switchport access vlan 20\n"
        " switchport voice vlan 200\n"
    )
    driver.load_merge_candidate(config=config)
    # inline_transfer is off: the candidate reached flash over the SCP channel.
    assert lab.switch.flash["merge_config.txt"] == config
    diff = driver.compare_config()
    assert "switchport voice vlan 200" in diff

    driver.commit_config()

    assert not driver.has_pending_commit()
    running = driver.get_config(retrieve="running")["running"]
    assert " switchport voice vlan 200" in running
    port = lab.switch.port("GigabitEthernet1/0/5").config
    assert (port.access_vlan, port.voice_vlan) == (20, 200)


def test_invalid_line_is_rolled_back(driver, lab: Lab) -> None:
    before = config_lines(lab.switch)
    lab.switch.fail_next(r"voice vlan 300", "% Invalid input detected at '^' marker.")
    driver.load_merge_candidate(
        config="interface GigabitEthernet1/0/6\n description desk 1.03\n switchport voice vlan 300\n"
    )

    with pytest.raises(MergeConfigException, match="Invalid input detected"):
        driver.commit_config()

    # IOS keeps the lines before the bad one; the driver's rollback takes them out again.
    assert config_lines(lab.switch) == before


def test_unconfirmed_commit_reverts(driver, lab: Lab) -> None:
    before = config_lines(lab.switch)
    driver.load_merge_candidate(
        config="interface GigabitEthernet1/0/7\n switchport voice vlan 210\n"
    )
    driver.commit_config(revert_in=60)
    assert driver.has_pending_commit()
    assert lab.switch.port("GigabitEthernet1/0/7").config.voice_vlan == 210

    lab.clock.now += 61

    assert not driver.has_pending_commit()  # the command itself lets the timer fire
    assert config_lines(lab.switch) == before


def test_confirmed_commit_stays(driver, lab: Lab) -> None:
    driver.load_merge_candidate(
        config="interface GigabitEthernet1/0/8\n switchport voice vlan 220\n"
    )
    driver.commit_config(revert_in=120)
    driver.confirm_commit()
    lab.clock.now += 600

    assert not driver.has_pending_commit()
    assert lab.switch.port("GigabitEthernet1/0/8").config.voice_vlan == 220


@pytest.mark.parametrize("path", ["flash:/lab_a.txt", "flash:lab_b.txt"])
def test_scp_paths(lab: Lab, path: str, tmp_path: Path) -> None:
    """netmiko sends `scp -t flash:/name`; the IOS spelling without the slash works too."""
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(
        "127.0.0.1",
        lab.port,
        lab.username,
        lab.password,
        look_for_keys=False,
        allow_agent=False,
        timeout=5,
    )
    try:
        with scp.SCPClient(client.get_transport()) as channel:
            channel.putfo(io.BytesIO(b"hostname x\n"), path)
            channel.get(path, str(tmp_path / "copy.txt"))
        with scp.SCPClient(client.get_transport()) as channel, pytest.raises(scp.SCPException):
            channel.putfo(io.BytesIO(b"x"), "nvram:/startup-config")
    finally:
        client.close()
    name = path.split(":", 1)[1].lstrip("/")
    assert lab.switch.flash.pop(name) == "hostname x\n"
    assert (tmp_path / "copy.txt").read_bytes() == b"hostname x\n"


def test_bad_credentials_fail_fast(lab: Lab) -> None:
    # The stock driver converts only timeouts into ConnectionException; netmiko's
    # authentication error passes through.
    started = time.perf_counter()
    with pytest.raises(NetmikoAuthenticationException):
        lab.driver(password="wrong").open()
    assert time.perf_counter() - started < 2


def test_closed_port_fails_fast(lab: Lab) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    started = time.perf_counter()
    with pytest.raises(ConnectionException, match="Cannot connect"):
        lab.driver(port=closed_port).open()
    assert time.perf_counter() - started < 2


def test_silent_listener_fails_within_conn_timeout(lab: Lab) -> None:
    """A switch that takes the TCP connection but never speaks SSH."""
    held: list[socket.socket] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def accept() -> None:
            with contextlib.suppress(OSError):
                held.append(listener.accept()[0])

        threading.Thread(target=accept, daemon=True).start()
        started = time.perf_counter()
        with pytest.raises(ConnectionException):
            lab.driver(port=listener.getsockname()[1], conn_timeout=1, banner_timeout=1).open()
        elapsed = time.perf_counter() - started
    for conn in held:
        conn.close()
    assert 0.9 < elapsed < 3


def test_taken_port_is_a_clear_error(lab: Lab) -> None:
    other = SimulatedSwitch("lon1-2f-sw1", users={"noc": "x"})
    with (
        pytest.raises(PortInUseError, match=rf"lon1-2f-sw1: 127\.0\.0\.1:{lab.port} is already"),
        SimulatorServer([(other, "127.0.0.1", lab.port)]),
    ):
        pass


def test_lab_fleet_serves_the_sample_switches() -> None:
    fleet = build_fleet(
        SAMPLE_DATA / "switches.yaml", SAMPLE_DATA / "lab_devices.csv", {"noc": "pw"}
    )
    assert [switch.hostname for switch, _, _ in fleet][:2] == ["lon1-1f-sw1", "lon1-2f-sw1"]
    for switch, _, _ in fleet:
        kinds = [status.device.kind for status in switch.ports() if status.device]
        assert kinds.count("phone") >= 6 and "printer" in kinds and "access_point" in kinds

    # Served on free ports (the sample's fixed ports may be taken here); one exec command.
    free = [(switch, host, 0) for switch, host, _ in fleet[:2]]
    stop, bound = threading.Event(), []
    runner = threading.Thread(target=serve_lab, args=(free, stop), kwargs={"ready": bound.extend})
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while not bound and time.monotonic() < deadline:
            time.sleep(0.01)
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        client.connect(
            "127.0.0.1", bound[1][2], "noc", "pw", look_for_keys=False, allow_agent=False
        )
        try:
            _, stdout, _ = client.exec_command("show version")
            assert "lon1-2f-sw1 uptime is" in stdout.read().decode()
        finally:
            client.close()
    finally:
        stop.set()
        runner.join(timeout=10)
    assert not runner.is_alive()


def test_lab_devices_sit_on_floor_ports() -> None:
    """Every device of the lab is plugged into a wall socket that the sample data knows."""
    with (SAMPLE_DATA / "floor_ports.csv").open() as handle:
        sockets = {(row["switch"], row["interface"]) for row in csv.DictReader(handle)}
    with (SAMPLE_DATA / "lab_devices.csv").open() as handle:
        plugged = [(row["switch"], row["interface"]) for row in csv.DictReader(handle)]
    assert len(plugged) == len(set(plugged))
    assert set(plugged) <= sockets
