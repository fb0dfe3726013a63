"""The floor-port grid: ports with what their switches say, the role change with its per-switch
diff, progress and result, allocating, patching and power-cycling, driven by keyboard only
against the in-process simulated switches; the database and the switches' running config are
checked afterwards."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from conftest import keys_then_settle, press, settle, typed, with_db
from sqlalchemy import select, update

from voiceconsole.db.models import AuditEntry, FloorPort, Site, Switch, SwitchPort
from voiceconsole.domain.port_roles import SwitchPortRole
from voiceconsole.switches import fleet
from voiceconsole.tui.screens import port_dialogs
from voiceconsole.tui.screens.floor_ports import FloorPortsScreen
from voiceconsole.tui.screens.port_dialogs import (
    AllocatePortsDialog,
    PatchPortDialog,
    PowerCycleDialog,
)
from voiceconsole.tui.screens.role_dialog import SetRoleDialog
from voiceconsole.tui.widgets.list_table import ListTable

# From the sites list (LDS1, LON1, ...): down to LON1, open it, g for the grid (floor 1F).
GRID = ("down", "enter", "g")
# The first port of 1F marked, then the first of 2F: one port on each of two switches.
TWO_SWITCHES = ("space", "right_square_bracket", "space")
REJECTED = "% Invalid input detected at '^' marker."


@pytest.fixture(autouse=True)
def in_process_switches(monkeypatch) -> None:
    """The sample's switches are in-process simulators here, whatever the environment says,
    and a power cycle does not wait."""
    monkeypatch.delenv(fleet.ENV_LAB, raising=False)
    monkeypatch.setattr(port_dialogs, "POWER_CYCLE_PAUSE", 0.0)


def switch(app: Any, hostname: str) -> Any:
    """The simulated switch behind `hostname` in the app's gateway."""
    return app.gateway.simulators.switch(hostname)


def interface_config(app: Any, hostname: str, interface: str) -> str:
    """The running config of one interface, its lines as the switch shows them."""
    lines = switch(app, hostname).running_config().splitlines()
    start = lines.index(f"interface {interface}")
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break
        block.append(line)
    return "\n".join(block)


def rows(app: Any) -> list[list[str]]:
    table = app.screen.query_one(ListTable)
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


def row(app: Any, label: str) -> list[str]:
    return next(r for r in rows(app) if r[1] == label)


def notes(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


def text_of(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def ports(url: str, *labels: str) -> dict[str, tuple[FloorPort, SwitchPort | None]]:
    async def read(db: Any) -> dict[str, tuple[FloorPort, SwitchPort | None]]:
        async with db.read() as session:
            found = await session.execute(
                select(FloorPort, SwitchPort)
                .join(Site, Site.id == FloorPort.site_id)
                .outerjoin(SwitchPort, SwitchPort.id == FloorPort.switch_port_id)
                .where(FloorPort.label.in_(labels), Site.code == "LON1")
            )
            return {f.label: (f, s) for f, s in found}

    return await with_db(url, read)


async def audit(url: str, action: str) -> list[AuditEntry]:
    async def read(db: Any) -> list[AuditEntry]:
        async with db.read() as session:
            found = await session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
            return list(found)

    return await with_db(url, read)


async def execute(url: str, statement: Any) -> None:
    async def write(db: Any) -> None:
        async with db.write() as session:
            await session.execute(statement)
            await session.commit()

    await with_db(url, write)


async def until(pilot: Any, condition: Any) -> None:
    """Let the app run until `condition()` holds (without waiting for every worker)."""
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("it never happened")


def drift_behind_the_consoles_back(app: Any) -> None:
    """An engineer on the switch's own CLI puts 1F-001's interface in the guest VLAN."""
    errors = switch(app, "lon1-1f-sw1").merge_text(
        "interface GigabitEthernet1/0/1\n switchport access vlan 300\n no switchport voice vlan\n"
        "end\n"
    )
    assert not errors


# --- snapshots -------------------------------------------------------------------------------


def test_grid_80x24(make_app, snap_compare) -> None:
    keys = [*GRID, "f5", "down", "down"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(80, 24))


def test_grid_120x40_marks_and_problems(make_app, snap_compare) -> None:
    keys = [*GRID, "f5", "down", "shift+down", "down", "down", "space", "down"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(120, 40))


def test_role_dialog_shows_each_switchs_diff(make_app, snap_compare) -> None:
    keys = [*GRID, *TWO_SWITCHES, "r", "enter"]
    assert snap_compare(make_app(), run_before=keys_then_settle(*keys), terminal_size=(100, 36))


def test_role_result_with_a_partial_failure(make_app, snap_compare) -> None:
    async def run_before(pilot: Any) -> None:
        await press(pilot, *GRID, *TWO_SWITCHES, "r", "enter")
        switch(pilot.app, "lon1-2f-sw1").fail_next(r"switchport voice vlan", REJECTED)
        await press(pilot, "ctrl+s")

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(100, 30))


def test_drift_marker_after_a_refresh(make_app, snap_compare) -> None:
    async def run_before(pilot: Any) -> None:
        await press(pilot, *GRID, "r", "enter", "ctrl+s", "escape")
        drift_behind_the_consoles_back(pilot.app)
        pilot.app.clear_notifications()
        await press(pilot, "f5")

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(80, 24))


# --- keyboard flows, database and switches checked afterwards ---------------------------------


async def test_site_screen_opens_the_grid_and_floors_switch(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *GRID)
        assert isinstance(app.screen, FloorPortsScreen)
        assert "LON1 floor 1F ports" in text_of(app, "#title")
        assert [r[1] for r in rows(app)][:2] == ["1F-001", "1F-002"]
        assert len(rows(app)) == 24
        await press(pilot, "right_square_bracket")
        assert "LON1 floor 2F ports" in text_of(app, "#title")
        assert {r[1][:2] for r in rows(app)} == {"2F"}
        await press(pilot, "left_square_bracket", "slash", *typed("brightwater"), "enter")
        assert [r[1] for r in rows(app)] == ["1F-005", "1F-006", "1F-007", "1F-008"]


async def test_refresh_reads_the_switch_and_updates_rows_in_place(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, *GRID, "down", "down")
        # A floor never read before is read on sight.
        assert row(app, "1F-001")[4:7] == ["up", "6.3W", "☎ SEP02CC01010001"]
        assert row(app, "1F-008")[4] == "down"
        assert row(app, "1F-001")[7] == "phone, no voice"
        assert "Read 1 switch, 24 ports" in text_of(app, "#status")
        # Someone unplugs the phone; f5 reads again and the row changes in place.
        app.gateway.simulators.switch("lon1-1f-sw1").connect("GigabitEthernet1/0/1", None)
        await press(pilot, "f5")
        assert app.screen.query_one(ListTable).cursor_row == 2  # the cursor stayed
        assert row(app, "1F-001")[4:7] == ["down", "-", ""]
        assert row(app, "1F-001")[7] == ""
    found = await ports(console_db, "1F-001")
    assert found["1F-001"][1].live["neighbour"] == ""
    assert found["1F-001"][1].checked_at is not None


async def test_typing_goes_on_while_a_switch_is_slow(make_app) -> None:
    app = make_app()
    released = threading.Event()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *GRID)
        slow = app.gateway.read

        def read(target: Any, interfaces: Any, check_vlans: Any = None) -> Any:
            released.wait(10)
            return slow(target, interfaces, check_vlans)

        app.gateway.read = read
        await pilot.press("f5")
        await until(pilot, lambda: "Reading" in text_of(app, "#status"))
        assert "Reading 1 switch… 0 of 1 answered" in text_of(app, "#status")
        for key in ("slash", *typed("1F-02")):
            await pilot.press(key)
        wanted = ["1F-020", "1F-021", "1F-022", "1F-023", "1F-024"]
        # The filter's page loads while the switch is still silent.
        await until(pilot, lambda: [r[1] for r in rows(app)] == wanted)
        assert "0 of 1 answered" in text_of(app, "#status")
        released.set()
        await settle(pilot)
        assert "Read 1 switch, 24 ports" in text_of(app, "#status")
        assert row(app, "1F-021")[4] == "down" and row(app, "1F-024")[4] == "up"  # read


async def test_set_role_by_keyboard(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *GRID, "shift+down", "down", "r")
        assert isinstance(app.screen, SetRoleDialog)
        await press(pilot, "enter")  # voice, the first role
        plan = text_of(app, "#plan")
        assert "lon1-1f-sw1  2 ports: 1F-001 1F-002" in plan
        assert "+ switchport voice vlan 200" in plan
        assert "switchport voice vlan" not in interface_config(
            app, "lon1-1f-sw1", "GigabitEthernet1/0/1"
        )  # the preview changed nothing
        await press(pilot, "ctrl+s")
        assert app.screen.outcome is not None
        result = text_of(app, "#plan")
        assert "✓ 1F-001   lon1-1f-sw1 GigabitEthernet1/0/1  done" in result
        assert "✓ 1F-002   lon1-1f-sw1 GigabitEthernet1/0/2  done" in result
        await press(pilot, "escape")
        assert isinstance(app.screen, FloorPortsScreen)
        assert row(app, "1F-001")[3] == "voice" and row(app, "1F-001")[0] == ""
        assert any("2 floor ports set to voice" in n for n in notes(app))
        config = interface_config(app, "lon1-1f-sw1", "GigabitEthernet1/0/1")
    assert " switchport voice vlan 200" in config
    assert " description 1F-001 acme-analytics" in config
    found = await ports(console_db, "1F-001", "1F-002", "1F-003")
    for label in ("1F-001", "1F-002"):
        port = found[label][1]
        assert (port.role, port.observed_role, port.drift) == (
            SwitchPortRole.VOICE,
            SwitchPortRole.VOICE,
            False,
        )
    assert found["1F-003"][1].role is None
    (entry,) = await audit(console_db, "ports.role")
    assert entry.actor == "qa" and entry.summary == "set 2 floor ports to voice"


async def test_a_double_confirm_commits_once(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *GRID, "r", "down", "enter")  # data
        await pilot.press("ctrl+s", "ctrl+s")
        await settle(pilot)
        assert app.screen.outcome.done == 1
    assert len(await audit(console_db, "ports.role")) == 1
    found = await ports(console_db, "1F-001")
    assert found["1F-001"][1].role is SwitchPortRole.DATA


async def test_cancel_after_the_preview_changes_nothing(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *GRID)
        before = switch(app, "lon1-1f-sw1").running_config()
        await press(pilot, "r", "down", "down", "enter")
        assert "switchport access vlan 300" in text_of(app, "#plan")  # guest
        await press(pilot, "escape")
        assert isinstance(app.screen, FloorPortsScreen)
        assert switch(app, "lon1-1f-sw1").running_config() == before
    assert await audit(console_db, "ports.role") == []
    found = await ports(console_db, "1F-001")
    assert found["1F-001"][1].role is None


async def test_partial_failure_commits_one_switch_and_rolls_back_the_other(
    make_app, console_db
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await press(pilot, *GRID, *TWO_SWITCHES, "r", "enter")
        before = switch(app, "lon1-2f-sw1").running_config()
        switch(app, "lon1-2f-sw1").fail_next(r"switchport voice vlan", REJECTED)
        await press(pilot, "ctrl+s")
        dialog = app.screen
        assert isinstance(dialog, SetRoleDialog)
        assert dialog.progress["lon1-1f-sw1"].plain == "done 1 port"
        assert dialog.progress["lon1-2f-sw1"].plain.startswith("not changed: ")
        result = text_of(app, "#plan")
        assert "✓ 1F-001" in result
        assert "✗ 2F-001   lon1-2f-sw1 GigabitEthernet1/0/1  not changed: " in result
        assert "Invalid input" in result
        assert "voice: 1 port done, 1 not changed" in text_of(app, "#role-title")
        assert switch(app, "lon1-2f-sw1").running_config() == before
        assert "switchport voice vlan 200" in interface_config(
            app, "lon1-1f-sw1", "GigabitEthernet1/0/1"
        )
        await press(pilot, "escape")
        assert any("1 floor port set to voice; 1 not changed" in n for n in notes(app))
    found = await ports(console_db, "1F-001", "2F-001")
    assert found["1F-001"][1].role is SwitchPortRole.VOICE
    failed = found["2F-001"][1]
    assert failed.role is None and "Invalid input" in (failed.last_error or "")
    (entry,) = await audit(console_db, "ports.role")
    outcome = {p["port"]: p for p in entry.after}
    assert outcome["1F-001"]["done"] and not outcome["2F-001"]["done"]
    assert "Invalid input" in outcome["2F-001"]["reason"]


async def test_an_unreachable_switch_leaves_nothing_to_confirm(make_app, console_db) -> None:
    # lon1-1f-sw1 becomes a real switch at an address where nothing listens.
    await execute(
        console_db,
        update(Switch)
        .where(Switch.hostname == "lon1-1f-sw1")
        .values(simulated=False, mgmt_address="127.0.0.1", mgmt_port=9),
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await press(pilot, *GRID, "r", "enter")
        assert "cannot be changed: " in text_of(app, "#plan")
        assert app.screen.query_one("#confirm").disabled
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, SetRoleDialog) and app.screen.outcome is None
        await press(pilot, "escape")
    assert await audit(console_db, "ports.role") == []


async def test_drift_shows_after_the_switch_was_changed_behind_the_consoles_back(
    make_app, console_db
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *GRID, "r", "enter", "ctrl+s", "escape")
        assert row(app, "1F-001")[3] == "voice"
        drift_behind_the_consoles_back(app)
        await press(pilot, "f5")
        assert row(app, "1F-001")[3] == "voice≠guest"
        assert "drift" in row(app, "1F-001")[7]
        assert "switch shows guest" in text_of(app, "#detail")
        await press(pilot, "p")  # problems only: 1F-001 is among them, 1F-002 (a PC) is not
        labels = [r[1] for r in rows(app)]
        assert "1F-001" in labels and "1F-002" not in labels
    found = await ports(console_db, "1F-001")
    port = found["1F-001"][1]
    assert (port.role, port.observed_role, port.drift) == (
        SwitchPortRole.VOICE,
        SwitchPortRole.GUEST,
        True,
    )


async def test_allocate_to_the_operator_then_to_an_occupier(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *GRID, "shift+down", "down", "a")
        assert isinstance(app.screen, AllocatePortsDialog)
        # Their occupier is preselected; typing picks another holder.
        assert app.screen.query_one("#holder").value == "acme-analytics"
        await press(pilot, "enter", *typed("the"), "enter", "ctrl+s")
        assert isinstance(app.screen, FloorPortsScreen)
        assert row(app, "1F-001")[2] == "operator" and row(app, "1F-002")[2] == "operator"
        assert any("to the operator: 1F-001, 1F-002" in n for n in notes(app))
        # The marks are gone: the next action is on the highlighted port, 1F-003.
        await press(pilot, "a", "enter", *typed("brig"), "enter", "ctrl+s")
        assert row(app, "1F-003")[2] == "brightwater-legal"
    found = await ports(console_db, "1F-001", "1F-002", "1F-003")
    for label in ("1F-001", "1F-002"):
        assert (found[label][0].operator_use, found[label][0].occupier_id) == (True, None)
    third = found["1F-003"][0]
    assert not third.operator_use and third.occupier_id is not None
    entries = await audit(console_db, "ports.allocate")
    assert [e.summary for e in entries] == [
        "allocated 2 floor ports to the operator",
        "allocated 1 floor port to brightwater-legal",
    ]


async def test_patch_refused_then_done(make_app, console_db) -> None:
    # 1F-024's cable was unplugged from the switch: it is not patched any more.
    await execute(
        console_db, update(FloorPort).where(FloorPort.label == "1F-024").values(switch_port_id=None)
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *GRID, "slash", *typed("1F-024"), "enter")
        assert row(app, "1F-024")[9] == "—"
        await press(pilot, "c")
        assert isinstance(app.screen, PatchPortDialog)
        await press(pilot, "shift+tab", *typed("lon1-1f-sw1"), "tab", *typed("Gi"), "ctrl+s")
        assert "Refused: lon1-1f-sw1 has no interface 'Gi'" in text_of(app, "#dialog-status")
        await press(pilot, *["backspace"] * 2, *typed("GigabitEthernet1/0/1"), "ctrl+s")
        assert "already patched to floor port 1F-001" in text_of(app, "#dialog-status")
        await press(pilot, "backspace", *typed("24"), "enter")
        assert isinstance(app.screen, FloorPortsScreen)
        assert row(app, "1F-024")[9:11] == ["lon1-1f-sw1", "Gi1/0/24"]
    found = await ports(console_db, "1F-024")
    assert found["1F-024"][1].interface == "GigabitEthernet1/0/24"
    (entry,) = await audit(console_db, "ports.patch")
    assert entry.summary == "patched 1F-024 to lon1-1f-sw1 GigabitEthernet1/0/24"


async def test_power_cycle_a_phone(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *GRID, "f5", "w")
        assert isinstance(app.screen, PowerCycleDialog)
        assert "phone SEP02CC01010001 loses power" in text_of(app, ".dialog-text")
        await press(pilot, "escape")
        assert await audit(console_db, "ports.power_cycle") == []
        await press(pilot, "w", "enter")  # Confirm has the focus
        assert isinstance(app.screen, FloorPortsScreen)
        assert any("1F-001: PoE off, then on again" in n for n in notes(app))
        assert "power inline never" not in interface_config(
            app, "lon1-1f-sw1", "GigabitEthernet1/0/1"
        )
        assert switch(app, "lon1-1f-sw1").port("GigabitEthernet1/0/1").poe_on
    (entry,) = await audit(console_db, "ports.power_cycle")
    assert "1F-001" in entry.summary


async def test_grid_marks_stay_mark_shown_and_esc_clears_before_back(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await press(pilot, *GRID)
        grid = app.screen
        assert isinstance(grid, FloorPortsScreen)
        await press(pilot, "space", "space")  # marked, then unmarked: the cursor stayed
        assert not grid.marked and grid.table.cursor_row == 0
        await press(pilot, "ctrl+a")
        assert list(grid.marked) == grid.table.visible_keys() and len(grid.marked) > 5
        await press(pilot, "escape")  # the marks go, the grid stays
        assert not grid.marked and app.screen is grid
        await press(pilot, "escape")
        assert not isinstance(app.screen, FloorPortsScreen)
