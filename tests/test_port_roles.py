"""Switch port roles: rendering, sanitising descriptions, classifying what a switch has."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiceconsole.domain.port_roles import (
    PortCapabilities,
    PortSettings,
    RoleError,
    SwitchPortRole,
    VlanPlan,
    classify,
    render,
    sanitise_description,
    settings_for,
)

PLAN = VlanPlan(data=110, voice=210, guest=300, access_point=400, printer=500)
IF = "GigabitEthernet1/0/5"


def test_voice_role_renders_data_and_voice_vlan_with_portfast() -> None:
    config = render("ios", IF, SwitchPortRole.VOICE, PLAN, "1F-005 acme")
    assert config.splitlines() == [
        f"interface {IF}",
        " description 1F-005 acme",
        " switchport access vlan 110",
        " no switchport trunk native vlan",
        " no switchport trunk allowed vlan",
        " switchport mode access",
        " switchport voice vlan 210",
        " power inline auto",
        " no shutdown",
        " spanning-tree portfast",
        "end",
    ]


@pytest.mark.parametrize("role", list(SwitchPortRole))
def test_every_role_states_every_setting_so_rendering_is_idempotent(role: SwitchPortRole) -> None:
    lines = render("ios", IF, role, PLAN).splitlines()
    # Each setting a role may leave behind is either set or negated, whatever the port had.
    for setting in ("switchport access vlan", "switchport voice vlan", "switchport trunk native"):
        assert any(setting in line for line in lines), (role, setting)
    assert render("ios", IF, role, PLAN) == render("ios", IF, role, PLAN)


def test_roles_that_drop_the_voice_vlan_say_so() -> None:
    for role in set(SwitchPortRole) - {SwitchPortRole.VOICE}:
        assert " no switchport voice vlan" in render("ios", IF, role, PLAN).splitlines()


def test_disabled_shuts_the_port_and_its_power() -> None:
    lines = render("ios", IF, SwitchPortRole.DISABLED, PLAN).splitlines()
    assert " shutdown" in lines and " power inline never" in lines


def test_access_point_is_a_trunk_with_the_ap_vlan_native() -> None:
    lines = render("ios", IF, SwitchPortRole.ACCESS_POINT, PLAN).splitlines()
    assert " switchport mode trunk" in lines
    assert " switchport trunk native vlan 400" in lines
    assert " switchport trunk allowed vlan 400,300" in lines


def test_unknown_platform_is_refused() -> None:
    with pytest.raises(RoleError, match="junos"):
        render("junos", IF, SwitchPortRole.DATA, PLAN)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"voice": 110}, "a VLAN of its own"),
        ({"printer": 110}, "a VLAN of its own"),
        ({"guest": 0}, "1-4094"),
        ({"printer": 4095}, "1-4094"),
    ],
)
def test_vlan_plans_are_checked(kwargs: dict[str, int], message: str) -> None:
    values = {"data": 110, "voice": 210, "guest": 300, "access_point": 400, "printer": 500}
    with pytest.raises(RoleError, match=message):
        VlanPlan(**{**values, **kwargs})


@pytest.mark.parametrize("role", list(SwitchPortRole))
def test_a_port_with_a_roles_settings_is_classified_as_that_role(role: SwitchPortRole) -> None:
    assert classify(settings_for(role, PLAN), PLAN) is role


def test_hand_made_settings_match_no_role() -> None:
    odd = settings_for(SwitchPortRole.DATA, VlanPlan(999, 210, 300, 400, 500))
    assert classify(odd, PLAN) is None


def test_a_newline_in_a_description_cannot_start_a_command() -> None:
    config = render("ios", IF, SwitchPortRole.DATA, PLAN, "Desk 3\nno vlan 110\r\nreload")
    assert config.count("\n") == len(config.splitlines())
    assert " description Desk 3 no vlan 110 reload" in config.splitlines()
    assert not any(line.startswith(("no vlan", "reload")) for line in config.splitlines())


@given(st.text())
def test_any_description_stays_on_one_printable_line(text: str) -> None:
    safe = sanitise_description(text)
    assert safe == safe.strip()
    assert all(32 <= ord(ch) < 127 for ch in safe)
    assert "?" not in safe and len(safe) <= 200
    config = render("ios", IF, SwitchPortRole.VOICE, PLAN, text)
    assert len(config.splitlines()) == 11


NO_POE = PortCapabilities(poe=False)


@pytest.mark.parametrize("role", ["data", "guest", "printer", "disabled"])
def test_a_port_without_poe_takes_roles_without_a_power_inline_line(role: str) -> None:
    lines = render("ios", IF, SwitchPortRole(role), PLAN, port=NO_POE).splitlines()
    assert not any("power inline" in line for line in lines)
    assert len(lines) == len(render("ios", IF, SwitchPortRole(role), PLAN).splitlines()) - 1


@pytest.mark.parametrize("role", ["voice", "access_point"])
def test_a_role_whose_device_the_port_powers_is_refused_without_poe(role: str) -> None:
    with pytest.raises(RoleError, match="has no PoE"):
        render("ios", IF, SwitchPortRole(role), PLAN, port=NO_POE)


def test_unknown_poe_renders_as_if_the_port_had_it() -> None:
    assert " power inline auto" in render("ios", IF, SwitchPortRole.VOICE, PLAN).splitlines()


def test_trunks_on_isl_capable_ports_set_dot1q_before_trunk_mode() -> None:
    port = PortCapabilities(poe=True, trunk_encapsulation=True)
    lines = render("ios", IF, SwitchPortRole.ACCESS_POINT, PLAN, port=port).splitlines()
    encapsulation = lines.index(" switchport trunk encapsulation dot1q")
    assert encapsulation < lines.index(" switchport mode trunk")
    # Access roles leave the encapsulation alone: it matters only to trunk mode.
    access = render("ios", IF, SwitchPortRole.DATA, PLAN, port=port)
    assert "encapsulation" not in access


def test_a_trunk_allowing_all_vlans_is_not_one_allowing_none() -> None:
    every = PortSettings(True, "trunk", native_vlan=400, allowed_vlans=None)
    none = PortSettings(True, "trunk", native_vlan=400, allowed_vlans=())
    assert every != none
    assert classify(every, PLAN) is None and classify(none, PLAN) is None
    assert classify(settings_for(SwitchPortRole.ACCESS_POINT, PLAN), PLAN) is (
        SwitchPortRole.ACCESS_POINT
    )
