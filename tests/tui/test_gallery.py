"""A gallery of every screen and dialog of the console at 80x24 and 120x40, each reached the way
a user reaches it: by keys from the sites list. The pictures are there to be read: the footer's
key hints whole, nothing cut while the terminal has room for it.

Each case names the screen class it must end on, so a key path that stops working fails here
rather than showing another screen's picture. The switches are the in-process simulators, the
remote handsets answer nothing (no lab), PINs come from a fixed sequence.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import press, run, typed, with_db
from sqlalchemy import exc as sa_exc
from textual.screen import Screen

from voiceconsole.config import ENV_PROVISIONING_DIR
from voiceconsole.services import numbers
from voiceconsole.services.handsets import login_number
from voiceconsole.switches import fleet
from voiceconsole.tui import screens
from voiceconsole.tui.screens import number_import
from voiceconsole.tui.screens.activity import ActivityScreen
from voiceconsole.tui.screens.add_services import AddServicesResultScreen, AddServicesWizard
from voiceconsole.tui.screens.confirm import ConfirmDialog
from voiceconsole.tui.screens.error import ErrorDialog
from voiceconsole.tui.screens.export_dialog import ExportDialog
from voiceconsole.tui.screens.floor_ports import FloorPortsScreen
from voiceconsole.tui.screens.handset_dialogs import BulkLoginDialog, LoginDialog, LogoutDialog
from voiceconsole.tui.screens.handset_inventory import HandsetInventoryScreen
from voiceconsole.tui.screens.handset_inventory_dialogs import (
    AddHandsetDialog,
    EditHandsetDialog,
    ImportHandsetsDialog,
    MarkHandsetDialog,
    MoveHandsetDialog,
)
from voiceconsole.tui.screens.handsets import HandsetsScreen
from voiceconsole.tui.screens.help import HelpScreen
from voiceconsole.tui.screens.journal_entry import JournalEntryScreen
from voiceconsole.tui.screens.manage_services import ManageServicesDialog
from voiceconsole.tui.screens.move_out import MoveOutWizard
from voiceconsole.tui.screens.number_configure import ConfigureDialog, PinDialog
from voiceconsole.tui.screens.number_dialogs import (
    ActionsMenu,
    AllocateDialog,
    MainNumberDialog,
    MoveDialog,
)
from voiceconsole.tui.screens.number_import import ImportNumbersScreen
from voiceconsole.tui.screens.occupier import OccupierScreen
from voiceconsole.tui.screens.port_dialogs import (
    AllocatePortsDialog,
    PatchPortDialog,
    PowerCycleDialog,
)
from voiceconsole.tui.screens.port_in_dialogs import AddPortInDialog, MovePortInDialog
from voiceconsole.tui.screens.port_ins import PortInsScreen
from voiceconsole.tui.screens.reconcile import ReconcileScreen
from voiceconsole.tui.screens.role_dialog import SetRoleDialog
from voiceconsole.tui.screens.site import SiteScreen
from voiceconsole.tui.screens.sites import SitesScreen
from voiceconsole.tui.screens.switch_dialogs import (
    AddSwitchDialog,
    MapPortsDialog,
    RemoveSwitchDialog,
    TrustKeyDialog,
)
from voiceconsole.tui.screens.switches import SwitchesScreen
from voiceconsole.tui.screens.telephony import TelephonyScreen

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}

# From the sites list (LDS1, LON1, MAN1, NYC1, SFO1).
LON1 = ("down", "enter")  # the site screen, its occupiers tab
MAN1 = ("down", "down", "enter")
LON1_NUMBERS = ("down", "t")
MAN1_NUMBERS = ("down", "down", "t")
ACME = (*LON1, "enter")  # acme-analytics, LON1's first occupier
PANEL = (*LON1, "down", "enter", "h")  # brightwater-legal's handsets
GRID = (*LON1, "g")  # the port grid, floor 1F
INVENTORY = (*LON1, "h")
SWITCHES = (*LON1, "w")
# An occupier picked by filtering the site's occupiers.
INDIGO = (*LON1, "slash", *typed("indigo"), "enter", "enter")
MARLOW = (*MAN1, "slash", *typed("marlow"), "enter", "enter")
# The wizard's product list: desk-line, then the quantity field.
DESK_LINE = ("enter", "down", "down", "enter", "tab")

RECEPTION = "02:cc:01:01:00:05"  # Brightwater reception: remote, 12 line keys


def reception_has_a_line(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """020 7946 0006 logged in to Brightwater reception, before the console starts."""
    run(
        with_db(
            url,
            lambda db: login_number(db, "setup", handset=RECEPTION, number="+442079460006"),
        )
    )


def orders_placed(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_port_ins import place_orders

    place_orders(url)


def fixed_pins(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    digits = itertools.cycle("482913")
    monkeypatch.setattr(numbers.secrets, "choice", lambda _: next(digits))


def sites_fail_to_load(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise sa_exc.OperationalError("SELECT", {}, Exception("disk I/O error"))

    monkeypatch.setattr("voiceconsole.tui.screens.sites.list_sites", broken)


@dataclass(frozen=True)
class Case:
    name: str
    keys: tuple[str, ...]
    ends_on: type[Screen[Any]]
    setup: Callable[[str, pytest.MonkeyPatch], None] | None = None


CASES = [
    # The shell: the sites list, help, the activity journal, the error dialog.
    Case("sites", (), SitesScreen),
    Case("help-sites", ("f1",), HelpScreen),
    Case("help-telephony", (*LON1_NUMBERS, "f1"), HelpScreen),
    Case("activity", ("f3",), ActivityScreen),
    Case(
        "journal-entry",
        ("f3", "slash", *typed("numbers.release"), "enter", "enter"),
        JournalEntryScreen,
    ),
    Case("error", (), ErrorDialog, sites_fail_to_load),
    # A site and an occupier, each tab.
    Case("site-occupiers", LON1, SiteScreen),
    Case("site-floor-ports", (*LON1, "p"), SiteScreen),
    Case("occupier-services", ACME, OccupierScreen),
    Case("occupier-numbers", (*ACME, "2"), OccupierScreen),
    Case("occupier-floor-ports", (*ACME, "3"), OccupierScreen),
    Case("occupier-activity", (*ACME, "4"), OccupierScreen),
    Case("add-services-wizard", (*INDIGO, "a", *DESK_LINE, "7"), AddServicesWizard),
    Case(
        "add-services-result",
        (*INDIGO, "a", *DESK_LINE, "7", "ctrl+s"),
        AddServicesResultScreen,
    ),
    Case("manage-services", (*MARLOW, "m"), ManageServicesDialog),
    Case("export", (*ACME, "e"), ExportDialog),
    Case("manage-services-confirm-cancel", (*MARLOW, "m", "f8"), ConfirmDialog),
    Case("move-out-wizard", (*ACME, "M"), MoveOutWizard),
    # Telephony and its dialogs.
    Case("telephony", LON1_NUMBERS, TelephonyScreen),
    Case("actions-menu", (*LON1_NUMBERS, "down", "down", "enter"), ActionsMenu),
    Case(
        "allocate",
        (*LON1_NUMBERS, "slash", *typed("0450"), "enter", "a"),
        AllocateDialog,
    ),
    Case(
        "activate",
        (*LON1_NUMBERS, "slash", *typed("7946 0015"), "enter", "e"),
        MoveDialog,
    ),
    Case("deactivate", (*LON1_NUMBERS, "down", "down", "d"), MoveDialog),
    Case(
        "release",
        (*LON1_NUMBERS, *["down"] * 4, "space", *["down"] * 3, "space", "down", "r"),
        MoveDialog,
    ),
    Case(
        "main-number",
        (*MAN1_NUMBERS, "slash", *typed("496 0005"), "enter", "m"),
        MainNumberDialog,
    ),
    Case("configure", (*LON1_NUMBERS, "down", "c"), ConfigureDialog),
    Case(
        "pin",
        (*LON1_NUMBERS, "down", "c", *["tab"] * 8, "space", "ctrl+s"),
        PinDialog,
        fixed_pins,
    ),
    Case(
        "import-numbers",
        (*LON1_NUMBERS, "i", *typed("020 7946 0600"), "tab", *typed("020 7946 0699")),
        ImportNumbersScreen,
    ),
    # The port grid and its dialogs.
    Case("port-grid", (*GRID, "f5", "down", "down"), FloorPortsScreen),
    Case(
        "set-role",
        (*GRID, "space", "right_square_bracket", "space", "r", "enter"),
        SetRoleDialog,
    ),
    Case("allocate-ports", (*GRID, "a"), AllocatePortsDialog),
    Case("patch-port", (*GRID, "slash", *typed("1F-024"), "enter", "c"), PatchPortDialog),
    Case("power-cycle", (*GRID, "f5", "w"), PowerCycleDialog),
    # An occupier's handsets and the login dialogs.
    Case("handsets", PANEL, HandsetsScreen, reception_has_a_line),
    Case("login", (*PANEL, "down", "l"), LoginDialog),
    Case("bulk-login", (*PANEL, "b"), BulkLoginDialog),
    Case("logout", (*PANEL, "down", "o"), LogoutDialog, reception_has_a_line),
    # The site's handset inventory and its dialogs.
    Case("handset-inventory", (*INVENTORY, "down", "down", "down"), HandsetInventoryScreen),
    Case("handset-add", (*INVENTORY, "a"), AddHandsetDialog),
    Case("handset-edit", (*INVENTORY, "down", "down", "down", "e"), EditHandsetDialog),
    Case("handset-move", (*INVENTORY, "down", "down", "m"), MoveHandsetDialog),
    Case("handset-faulty", (*INVENTORY, "down", "down", "down", "f"), MarkHandsetDialog),
    Case("handset-retire", (*INVENTORY, "down", "down", "down", "x"), MarkHandsetDialog),
    Case("handset-import", (*INVENTORY, "i"), ImportHandsetsDialog),
    # The site's port-in orders and their dialogs.
    Case("port-ins", (*LON1, "i"), PortInsScreen, orders_placed),
    Case("add-port-in", (*LON1, "i", "a"), AddPortInDialog),
    Case("move-port-in", (*LON1, "i", "n"), MovePortInDialog, orders_placed),
    # The site's switches and their dialogs.
    Case("switches", SWITCHES, SwitchesScreen),
    Case("switch-add", (*SWITCHES, "a"), AddSwitchDialog),
    Case("switch-trust", (*SWITCHES, "t"), TrustKeyDialog),
    Case("switch-map-ports", (*SWITCHES, "m"), MapPortsDialog),
    Case("switch-remove", (*SWITCHES, "down", "x"), RemoveSwitchDialog),
    # Reconciliation, of a site and of an occupier.
    Case("reconcile-site", (*LON1, "R"), ReconcileScreen),
    Case("reconcile-occupier", (*PANEL[:-1], "r"), ReconcileScreen),
]


@pytest.fixture(autouse=True)
def quiet_surroundings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process switches, an import preview at once, provisioning files in the test's own
    folder."""
    monkeypatch.delenv(fleet.ENV_LAB, raising=False)
    monkeypatch.setattr(number_import, "PREVIEW_DELAY", 0.0)
    monkeypatch.setenv(ENV_PROVISIONING_DIR, str(tmp_path / "provisioning"))


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_gallery(make_app, console_db, snap_compare, monkeypatch, case: Case, size) -> None:
    if case.setup is not None:
        case.setup(console_db, monkeypatch)

    async def run_before(pilot: Any) -> None:
        await press(pilot, *case.keys)
        screen = pilot.app.screen
        assert type(screen) is case.ends_on, f"{case.name} ended on {type(screen).__name__}"

    assert snap_compare(make_app(), run_before=run_before, terminal_size=size)


def test_every_screen_and_dialog_is_in_the_gallery() -> None:
    """The Screen classes of the screens package that nothing there builds on (the bases such
    as FormDialog are left out) each have a case."""
    found: set[type[Screen[Any]]] = set()
    for module in pkgutil.iter_modules(screens.__path__):
        loaded = importlib.import_module(f"{screens.__name__}.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == loaded.__name__:
                found.add(cls)
    concrete = {cls for cls in found if not any(o is not cls and issubclass(o, cls) for o in found)}
    missing = sorted(cls.__name__ for cls in concrete - {case.ends_on for case in CASES})
    assert not missing, f"no gallery case for {missing}"
