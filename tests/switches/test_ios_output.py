"""The IOS output parsers on what a device can put into them: text from outside is hostile."""

from __future__ import annotations

from voiceconsole.switches.ios_output import parse_lldp_detail, parse_mac_table, vlan_list

RULE = "------------------------------------------------"


def neighbour(local: str, name: str, description: str) -> str:
    return "\n".join(
        [
            RULE,
            f"Local Intf: {local}",
            "Chassis id: 0011.2233.4455",
            "Port id: 001122334455:P1",
            f"System Name: {name}",
            "",
            "System Description: ",
            description,
            "",
            "Enabled Capabilities: B,T",
            "",
        ]
    )


def test_a_device_cannot_make_a_neighbour_on_another_port() -> None:
    """A system description with lines of its own (`Local Intf: Gi1/0/2`) stays the
    description of the device that sent it; no neighbour appears on Gi1/0/2."""
    forged = "phone\nLocal Intf: Gi1/0/2\nChassis id: 0000.0000.0001\nSystem Name: SEPFAKE"
    found = parse_lldp_detail(neighbour("Gi1/0/1", "SEP001122334455", forged))
    assert [(n.local_interface, n.system_name) for n in found] == [("Gi1/0/1", "SEP001122334455")]


def test_escape_sequences_in_a_system_name_do_not_reach_the_terminal() -> None:
    found = parse_lldp_detail(neighbour("Gi1/0/1", "evil\x1b]0;owned\x07\x1b[2J", "x"))
    assert found[0].system_name == "evil␛]0;owned␇␛[2J"  # shown, not obeyed
    assert not any(ord(c) < 32 for c in found[0].system_name)


def test_vlan_lists() -> None:
    assert vlan_list("ALL") is None and vlan_list("NONE") == () and vlan_list("") == ()
    assert vlan_list("1-3,10") == (1, 2, 3, 10)


def test_mac_rows_on_several_ports_and_cpu_rows() -> None:
    rows = parse_mac_table(
        " All    0100.0ccc.cccc    STATIC      CPU\n"
        "  10    0011.2233.4455    DYNAMIC     Gi1/0/8 Gi1/0/9\n"
        " 100    58bf.eaff.e508    STATIC      Vl100\n"
    )
    assert [(r.vlan, r.mac, r.interface) for r in rows] == [
        (10, "00:11:22:33:44:55", "Gi1/0/8"),
        (10, "00:11:22:33:44:55", "Gi1/0/9"),
    ]
