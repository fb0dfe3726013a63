"""The stock NAPALM ios driver over real SSH (and SCP) against the simulator on loopback:
getters, merge and commit-confirm, `enable` with a secret, SCP refused where IOS refuses it,
host keys kept across restarts, and the lab's sample switches and spares.

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
from napalm.base.exceptions import (
    CommandErrorException,
    ConnectionException,
    MergeConfigException,
)
from netmiko.exceptions import NetmikoAuthenticationException
from ntc_templates.parse import parse_output

from voiceconsole.switches.simulator.host_keys import key_path, load_host_keys
from voiceconsole.switches.simulator.lab import build_fleet, build_spares, serve_lab
from voiceconsole.switches.simulator.model import (
    Account,
    Device,
    SimulatedSwitch,
    site_ready_config,
)
from voiceconsole.switches.simulator.ssh_server import (
    PortInUseError,
    SimulatorServer,
    fingerprint,
)

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
    secret: str = ""  # the enable secret, where the login needs one

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
    config = site_ready_config(HOSTNAME, {20: "DATA", 200: "VOICE"})
    switch = SimulatedSwitch(
        HOSTNAME, users={username: password}, clock=clock, startup_config=config
    )
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
    assert len(rows) == 28  # 24 access ports and 4 uplinks


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
    lon1 = fleet[0][0]
    assert sorted(lon1.config.vlans) == [100, 102, 104, 200, 300, 400, 500]  # its site's plan
    assert "archive\n path flash:archive" in lon1.running_config()  # site-ready
    assert [n for n, _ in lon1.lldp_neighbors()][:1] == ["GigabitEthernet1/0/1"]
    assert sorted(fleet[4][0].config.vlans) == [10, 20, 30, 40, 50]  # NYC1's own plan

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


# -- enable and privilege ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def operator_lab() -> Iterator[Lab]:
    """A switch whose `ops` login lands in user EXEC and needs the enable secret."""
    clock = SwitchClock()
    password, secret = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    switch = SimulatedSwitch(
        "lon1-2f-sw1",
        users={"ops": Account(password, privilege=1)},
        clock=clock,
        startup_config=site_ready_config("lon1-2f-sw1", {100: "DATA"}),
        enable_secret=secret,
    )
    with SimulatorServer([(switch, "127.0.0.1", 0)]) as server:
        yield Lab(switch, clock, server.ports[0], "ops", password, secret)


def test_enable_with_the_secret_over_ssh(operator_lab: Lab) -> None:
    secret = operator_lab.secret
    device = operator_lab.driver(secret=secret)
    device.open()  # NAPALM's open() runs netmiko's enable(): `enable`, Password:, the secret
    try:
        assert device.cli(["show privilege"]) == {"show privilege": "Current privilege level is 15"}
        assert "hostname lon1-2f-sw1" in device.get_config(retrieve="running")["running"]
    finally:
        device.close()


def test_a_typed_secret_is_not_echoed(operator_lab: Lab) -> None:
    secret = operator_lab.secret
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(
        "127.0.0.1",
        operator_lab.port,
        operator_lab.username,
        operator_lab.password,
        look_for_keys=False,
        allow_agent=False,
        timeout=5,
    )
    try:
        shell = client.invoke_shell()
        seen = read_until(shell, "lon1-2f-sw1>")
        shell.send(b"enable\n")
        seen += read_until(shell, "Password: ")
        shell.send(secret.encode() + b"\n")
        seen += read_until(shell, "lon1-2f-sw1#")
        shell.send(b"show privilege\n")
        seen += read_until(shell, "Current privilege level is 15")
    finally:
        client.close()
    assert secret not in seen
    assert "lon1-2f-sw1>enable\r\nPassword: \r\nlon1-2f-sw1#" in seen


def test_enable_asks_three_times_and_an_empty_answer_counts(operator_lab: Lab) -> None:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(
        "127.0.0.1",
        operator_lab.port,
        operator_lab.username,
        operator_lab.password,
        look_for_keys=False,
        allow_agent=False,
        timeout=5,
    )
    try:
        shell = client.invoke_shell()
        read_until(shell, "lon1-2f-sw1>")
        shell.send(b"enable\n")
        read_until(shell, "Password: ")
        shell.send(b"\nwrong\n\n")
        seen = read_until(shell, "% Bad secrets\r\nlon1-2f-sw1>")
    finally:
        client.close()
    assert seen.count("Password: ") == 2  # asked again twice after the first


def read_until(channel: paramiko.Channel, text: str, timeout: float = 5) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while text not in seen and time.monotonic() < deadline:
        if channel.recv_ready():
            seen += channel.recv(4096).decode()
        else:
            time.sleep(0.01)
    assert text in seen, seen
    return seen


def test_without_an_enable_secret_enable_fails_at_once() -> None:
    switch = SimulatedSwitch(
        "lon1-3f-sw1",
        users={"ops": Account("pw1", privilege=1)},
        startup_config=site_ready_config("lon1-3f-sw1"),
    )
    with SimulatorServer([(switch, "127.0.0.1", 0)]) as server:
        device = napalm.get_network_driver("ios")(
            "127.0.0.1",
            "ops",
            "pw1",
            optional_args={"port": server.ports[0], **FAST_FAIL, "secret": "anything"},
        )
        started = time.perf_counter()
        with pytest.raises(ValueError, match="Failed to enter enable mode"):
            device.open()  # IOS: "% No password set", and the prompt stays `>`
        assert time.perf_counter() - started < 5


# -- SCP where IOS allows it -------------------------------------------------------------------


def test_scp_is_refused_without_aaa() -> None:
    """A factory-default spare: no SCP server, then an SCP server but no AAA."""
    bench = SimulatedSwitch("bench-1", users={"noc": "pw"})
    with SimulatorServer([(bench, "127.0.0.1", 0)]) as server:
        device = napalm.get_network_driver("ios")(
            "127.0.0.1", "noc", "pw", optional_args={"port": server.ports[0], **FAST_FAIL}
        )
        device.open()
        try:
            with pytest.raises(CommandErrorException, match="ip scp server enable"):
                device.load_merge_candidate(config="interface Gi1/0/5\n description x\n")
            bench.merge_text("ip scp server enable\n")
            with pytest.raises(scp.SCPException, match="Privilege denied"):
                device.load_merge_candidate(config="interface Gi1/0/5\n description x\n")
            assert "merge_config.txt" not in bench.flash
            bench.merge_text("aaa new-model\naaa authorization exec default local\n")
            device.load_merge_candidate(config="interface Gi1/0/5\n description x\n")
            assert bench.flash["merge_config.txt"] == "interface Gi1/0/5\n description x\n"
        finally:
            device.close()


def test_scp_is_refused_to_a_login_below_level_15(operator_lab: Lab) -> None:
    secret = operator_lab.secret
    device = operator_lab.driver(secret=secret)
    device.open()
    try:
        # Enabled on the CLI, but the SCP session runs at the login's own level.
        with pytest.raises(scp.SCPException, match="Privilege denied"):
            device.load_merge_candidate(config="interface Gi1/0/5\n description x\n")
    finally:
        device.close()


# -- host keys ---------------------------------------------------------------------------------


def served_key(port: int) -> str:
    """The host key a client sees, as OpenSSH writes it (`ssh-ed25519 AAAA...`)."""
    transport = paramiko.Transport(("127.0.0.1", port))
    try:
        transport.start_client(timeout=5)
        key = transport.get_remote_server_key()
        return f"{key.get_name()} {key.get_base64()}"
    finally:
        transport.close()


def test_host_keys_are_kept_across_a_restart_and_renewed_on_request(tmp_path: Path) -> None:
    folder = tmp_path / "lab-host-keys"
    names = ["lon1-1f-sw1", "bench-1"]

    def serve_once(renew: bool = False) -> dict[str, str]:
        keys = load_host_keys(folder, names, renew=renew)
        switches = [(SimulatedSwitch(name), "127.0.0.1", 0) for name in names]
        with SimulatorServer(switches, host_keys=keys) as server:
            seen = {name: served_key(port) for name, port in zip(names, server.ports, strict=True)}
        for name in names:
            public = keys[name].export_public_key().decode().split()
            assert seen[name] == f"{public[0]} {public[1]}"
            assert fingerprint(keys[name]).startswith("SHA256:")
        return seen

    first = serve_once()
    assert first["lon1-1f-sw1"] != first["bench-1"]  # a key per switch
    for name in names:
        assert key_path(folder, name).stat().st_mode & 0o777 == 0o600
    assert serve_once() == first  # the same keys after a restart
    renewed = serve_once(renew=True)
    assert all(renewed[name] != first[name] for name in names)  # replaced switches


def test_a_switch_without_a_kept_key_gets_one_of_its_own() -> None:
    switches = [(SimulatedSwitch("a"), "127.0.0.1", 0), (SimulatedSwitch("b"), "127.0.0.1", 0)]
    with SimulatorServer(switches) as server:
        assert set(server.host_keys) == {"a", "b"}
        assert served_key(server.ports[0]) != served_key(server.ports[1])


# -- the bench's spares ------------------------------------------------------------------------


def test_the_spares_are_one_of_each_model_with_factory_defaults() -> None:
    spares = build_spares(SAMPLE_DATA / "lab_spares.yaml", {"noc": "pw"})
    models = [switch.model for switch, _, _ in spares]
    assert sorted(models) == sorted(
        [
            "C9200L-24P-4G",
            "C9200L-24T-4G",
            "C9300-48UXM",
            "WS-C2960X-48FPD-L",
            "WS-C3560CX-12PC-S",
            "WS-C3560X-24P-S",
        ]
    )
    assert [port for _, _, port in spares] == list(range(22111, 22111 + len(spares)))
    inventory = {
        s.hostname
        for s, _, _ in build_fleet(
            SAMPLE_DATA / "switches.yaml", SAMPLE_DATA / "lab_devices.csv", {"noc": "pw"}
        )
    }
    for switch, host, _ in spares:
        assert host == "127.0.0.1" and switch.hostname not in inventory
        text = switch.running_config()
        assert "archive" not in text and "ip scp server enable" not in text
        assert "no aaa new-model" in text and not switch.config.lldp
        assert switch.config.vlans == {}
        plugged = [s for s in switch.ports() if s.device]
        assert any(s.device.kind == "phone" and s.device.lldp for s in plugged)
        assert any(s.device.kind == "pc" or s.device.pc_behind for s in plugged)
        assert switch.mac_table()  # something for discovery to find

    # Served on free ports: the stock driver reads a spare's model.
    free = [(switch, host, 0) for switch, host, _ in spares[2:3]]
    stop, bound = threading.Event(), []
    runner = threading.Thread(target=serve_lab, args=(free, stop), kwargs={"ready": bound.extend})
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while not bound and time.monotonic() < deadline:
            time.sleep(0.01)
        device = napalm.get_network_driver("ios")(
            "127.0.0.1", "noc", "pw", optional_args={"port": bound[0][2], **FAST_FAIL}
        )
        device.open()
        try:
            assert device.get_facts()["model"] == "C9300-48UXM"
            assert "TwoGigabitEthernet1/0/1" in device.get_interfaces()
            assert device.get_lldp_neighbors() == {}  # LLDP is off on a spare
        finally:
            device.close()
    finally:
        stop.set()
        runner.join(timeout=10)
