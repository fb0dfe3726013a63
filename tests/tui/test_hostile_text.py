"""Hostile text from a switch never reaches the terminal: an LLDP system name carrying an
OSC title sequence, a screen wipe and a colour change (what a rogue or hacked phone can
advertise) is read from the in-process simulated switch through the real parsers, and the
bytes Textual would write to the terminal for the port grid hold none of it; the name is
shown with visible control pictures instead."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import press
from test_floor_ports import GRID, row

from voiceconsole.switches import fleet
from voiceconsole.switches.simulator.switch import Device

HOSTILE = "SEP\x1b]0;pwned\x07\x1b[2J\x1b[31mRED\x9b1m\u202eevil\nnext"
SEQUENCES = (b"\x1b]0;pwned", b"\x07", b"\x1b[2J", b"\x1b[31mRED", "\x9b".encode(), b"\n next")


@pytest.fixture(autouse=True)
def in_process_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fleet.ENV_LAB, raising=False)


def terminal_bytes(app: Any) -> bytes:
    """What Textual's driver would write for the whole screen now (the headless driver of a
    pilot run writes nothing, so the same render is asked of the compositor here)."""
    update = app.screen._compositor.render_full_update()
    return update.render_segments(app.console).encode("utf-8")


async def test_an_lldp_name_with_escape_sequences_is_shown_not_obeyed(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await press(pilot, *GRID)
        phone = Device("phone", "02cc.0101.0001", HOSTILE, poe_watts=6.3)
        app.gateway.simulators.switch("lon1-1f-sw1").connect("GigabitEthernet1/0/1", phone)
        await press(pilot, "f5")
        shown = row(app, "1F-001")[6]
        assert shown.startswith("☎ SEP␛]0;pwned␇␛[2J␛[31mRED<U+009B>1m<U+202E>evil")
        written = terminal_bytes(app)
    assert "␛]0;pwned".encode() in written  # the name is on the screen, made visible
    for sequence in SEQUENCES:
        assert sequence not in written
