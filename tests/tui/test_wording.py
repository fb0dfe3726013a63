"""Words a person reads: every screen and dialog opened on the sample data, and the command
line's lists, say counts with their right plural (never `1 handset(s)`) and numbers in their
national form (E.164 only in `--json` and in the journal's stored before/after).

What is collected of a screen: what the terminal shows, and in full what its widgets hold (a
cell or a line cut by the screen's width is read whole), and the toasts with their titles.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import press, settle
from rich.console import Console
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from voiceconsole.cli.main import main
from voiceconsole.tui.screens.activity import ActivityScreen
from voiceconsole.tui.screens.add_services import AddServicesWizard
from voiceconsole.tui.screens.floor_ports import FloorPortsScreen
from voiceconsole.tui.screens.handset_dialogs import LoginDialog
from voiceconsole.tui.screens.handset_inventory import HandsetInventoryScreen
from voiceconsole.tui.screens.handsets import HandsetsScreen
from voiceconsole.tui.screens.manage_services import ManageServicesDialog
from voiceconsole.tui.screens.occupier import OccupierScreen
from voiceconsole.tui.screens.reconcile import ReconcileScreen
from voiceconsole.tui.screens.site import SiteScreen
from voiceconsole.tui.screens.switches import SwitchesScreen
from voiceconsole.tui.screens.telephony import TelephonyScreen
from voiceconsole.tui.widgets.list_table import ListTable

# `1 handset(s)`, `Read 1 switch(es)`: a plural left to the reader.
PLURAL_LEFT_OPEN = re.compile(r"\w\((?:s|es)\)")
# A number as stored, not as people read it.
E164 = re.compile(r"\+\d{8,15}")

SITE, OCCUPIER = "LON1", "brightwater-legal"  # two handsets: a manual one and a remote one
MANUAL_MAIN_SITE, NEWCOMER = "MAN1", "orchid-events"  # no services yet
DESK_LINE = ["enter", "down", "down", "enter", "tab"]  # the wizard's product list


def offences(texts: list[tuple[str, str]]) -> list[str]:
    """Each (where, text) whose text leaves a plural open or shows an E.164 number."""
    found = []
    for where, text in texts:
        for line in text.splitlines():
            if PLURAL_LEFT_OPEN.search(line) or E164.search(line):
                found.append(f"{where}: {line.strip()}")
    return found


class Shown:
    """Everything the console has shown, by where it was shown."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.texts: list[tuple[str, str]] = []

    def screen_text(self) -> str:
        """The terminal's characters, as the SVG snapshots draw them."""
        app = self.app
        width, height = app.size
        console = Console(
            width=width,
            height=height,
            file=io.StringIO(),
            force_terminal=True,
            color_system="truecolor",
            record=True,
            legacy_windows=False,
        )
        console.print(
            app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
        )
        return console.export_text()

    def widget_texts(self) -> list[str]:
        """What the screen's widgets hold, whole: static text, buttons, every loaded row."""
        out = []
        for widget in self.app.screen.query("*"):
            if isinstance(widget, ListTable):
                for i in range(widget.row_count):
                    out.append(" | ".join(cell.plain for cell in widget.get_row_at(i)))
            elif isinstance(widget, Static):
                out.append(str(widget.render()))
            elif isinstance(widget, Button):
                out.append(str(widget.label))
        return out

    def take(self, where: str) -> None:
        self.texts.append((where, self.screen_text()))
        self.texts += [(f"{where} (widget)", text) for text in self.widget_texts()]

    def toasts(self) -> list[tuple[str, str]]:
        return [(n.title, n.message) for n in self.app._notifications]

    def all(self) -> list[tuple[str, str]]:
        return self.texts + [(f"toast {title!r}", message) for title, message in self.toasts()]


async def visit(pilot: Any, shown: Shown, where: str, opened: Any) -> None:
    """Open a screen (or a dialog), note what it shows; a dialog is closed again."""
    if opened is not None:
        await opened
    await settle(pilot)
    shown.take(where)
    if isinstance(pilot.app.screen, ModalScreen):
        pilot.app.pop_screen()
        await settle(pilot)


async def dialogs_of(
    pilot: Any, shown: Shown, where: str, actions: dict[str, Callable[[], Any]]
) -> None:
    """Each action of the screen on top: its dialog (or its refusal) noted, then closed."""
    for name, act in actions.items():
        await visit(pilot, shown, f"{where}: {name}", act())


async def test_the_console_says_counts_and_numbers_as_people_read_them(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        shown = Shown(app)
        await visit(pilot, shown, "sites", None)

        await visit(pilot, shown, "site", app.open_screen(SiteScreen, SITE))
        await visit(pilot, shown, "site: floor ports", app.screen.action_show_tab("ports"))
        app.pop_screen()

        await visit(pilot, shown, "occupier", app.open_screen(OccupierScreen, OCCUPIER, SITE))
        occupier = app.screen
        for tab in ("numbers", "ports", "activity"):
            await visit(pilot, shown, f"occupier: {tab}", occupier.action_show_tab(tab))
        await visit(pilot, shown, "manage services", occupier.action_manage_services())
        app.pop_screen()

        # The manual-main site's marlow-recruitment has a change to QTY 8 scheduled.
        await visit(
            pilot,
            shown,
            "manage services (MAN1)",
            app.push_screen(ManageServicesDialog("marlow-recruitment", MANUAL_MAIN_SITE)),
        )
        await app.push_screen(AddServicesWizard(NEWCOMER, MANUAL_MAIN_SITE))
        await press(pilot, *DESK_LINE, "7")
        await visit(pilot, shown, "add services preview (MAN1)", None)
        preview = str(app.screen.query_one("#preview", Static).render())
        assert "a main number is still to be nominated" in preview
        assert "main number 0" not in preview
        app.pop_screen()

        await visit(
            pilot, shown, "telephony", app.open_screen(TelephonyScreen, SITE, occupier=OCCUPIER)
        )
        phones = app.screen
        await dialogs_of(
            pilot,
            shown,
            "telephony",
            {
                "allocate": phones.action_allocate,
                "activate": phones.action_activate,
                "deactivate": phones.action_deactivate,
                "release": phones.action_release,
                "main number": phones.action_nominate_main,
                "configure": phones.action_configure,
                "import": phones.action_import_numbers,
            },
        )
        app.pop_screen()

        await visit(pilot, shown, "port grid", app.push_screen(FloorPortsScreen(SITE)))
        grid = app.screen
        await dialogs_of(
            pilot,
            shown,
            "port grid",
            {
                "set role": grid.action_set_role,
                "allocate": grid.action_allocate,
                "patch": grid.action_patch,
                "power-cycle": grid.action_power_cycle,
            },
        )
        app.pop_screen()

        await visit(pilot, shown, "switches", app.push_screen(SwitchesScreen(SITE)))
        switches = app.screen
        await dialogs_of(
            pilot,
            shown,
            "switches",
            {
                "add": switches.action_add,
                "trust": switches.action_trust,
                "map": switches.action_map,
                "remove": switches.action_remove,
            },
        )
        app.pop_screen()

        await visit(pilot, shown, "handsets", app.push_screen(HandsetInventoryScreen(SITE)))
        inventory = app.screen
        await dialogs_of(
            pilot,
            shown,
            "handsets",
            {
                "add": inventory.action_add,
                "edit": inventory.action_edit,
                "move": inventory.action_move,
                "mark faulty": lambda: inventory.action_mark("faulty"),
                "import": inventory.action_import_csv,
            },
        )
        app.pop_screen()

        await visit(pilot, shown, "handset panel", app.open_screen(HandsetsScreen, OCCUPIER, SITE))
        panel = app.screen
        await visit(pilot, shown, "login", panel.action_login())
        # A bulk login run to its end: every number pending (no phone answers here).
        panel.action_bulk_login()
        await settle(pilot)
        app.screen.action_confirm()
        await settle(pilot)
        shown.take("bulk login, done")
        app.screen.action_cancel()
        await settle(pilot)
        shown.take("handset panel after the bulk login")
        title, message = shown.toasts()[-1]
        assert message.startswith("Bulk login: 0 done, 7 pending")
        assert title == "Pending"  # not "Done": nothing is done yet
        panel.table.move_cursor(row=0)
        await visit(pilot, shown, "logout", panel.action_logout())
        app.pop_screen()

        await visit(pilot, shown, "reconcile", app.push_screen(ReconcileScreen(SITE)))
        app.pop_screen()
        await visit(
            pilot,
            shown,
            "reconcile (occupier)",
            app.push_screen(ReconcileScreen(SITE, occupier=OCCUPIER)),
        )
        app.pop_screen()

        # The journal, with the logins just made.
        await visit(pilot, shown, "activity", app.open_screen(ActivityScreen, site=SITE))
        journal = "\n".join(text for where, text in shown.texts if where.startswith("activity"))
        assert "logged 020 7946 0007 in to Brightwater reception" in journal

    assert offences(shown.all()) == []


async def test_the_login_dialog_counts_its_free_line_keys_after_each_login(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await app.open_screen(HandsetsScreen, OCCUPIER, SITE)
        await settle(pilot)
        panel = app.screen
        panel.table.move_cursor(row=1)  # Brightwater reception: remote, 12 line keys
        panel.action_login()
        await settle(pilot)
        assert isinstance(app.screen, LoginDialog)
        keys = app.screen.query_one("#keys-free", Static)
        assert "12 of 12 line keys free" in str(keys.render())
        await press(pilot, "space", "down", "space", "ctrl+s")
        assert "10 of 12 line keys free" in str(keys.render())


def test_a_planted_plural_or_e164_is_caught() -> None:
    """The checks above can fail."""
    assert offences([("x", "Read 1 switch(es)"), ("y", "1 handset(s)")]) == [
        "x: Read 1 switch(es)",
        "y: 1 handset(s)",
    ]
    assert offences([("z", "logged +442079460005 in to a phone")]) == [
        "z: logged +442079460005 in to a phone"
    ]
    assert offences([("ok", "2 handsets · 020 7946 0005 · (212) 555-0100")]) == []


# --- the command line -------------------------------------------------------------------------

LISTS = [
    "sites list",
    "products list",
    "occupiers list",
    "occupiers list --site MAN1",
    "numbers list",
    "numbers show 02079460005",
    "services list",
    "audit --limit 500",
    "switches list",
    "reconcile",
    *(f"ports list --site {site}" for site in ("LON1", "MAN1", "NYC1")),
    *(f"handsets list --site {site}" for site in ("LON1", "MAN1", "NYC1")),
    f"services add --occupier {NEWCOMER} --site {MANUAL_MAIN_SITE} --product desk-line "
    "--qty 7 --dry-run",
]
# Changes that write journal entries, to read back in `audit` afterwards.
CHANGES = [
    "handsets login 02079460005 --handset 02:cc:01:01:00:05",
    "ports allocate --site LON1 1F-020 --operator",
    "handsets logout 02079460005",
]


def test_the_command_line_says_counts_and_numbers_as_people_read_them(
    tmp_path: Path, seeded_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cli.db"
    shutil.copy(seeded_template, path)
    db = f"sqlite+aiosqlite:///{path}"

    def run(command: str, *extra: str) -> str:
        capsys.readouterr()
        code = main([*command.split(), *extra, "--db", db, "--actor", "qa"])
        out, err = capsys.readouterr()
        assert code == 0, f"{command}: {err}"
        return out + err

    texts = []
    for command in [*CHANGES, *LISTS]:
        texts.append((command, run(command)))
    assert offences(texts) == []
    said = dict(texts)
    assert "a main number is still to be nominated" in said[LISTS[-1]]
    assert "logged 020 7946 0005 in to Brightwater reception" in said["audit --limit 500"]
    # --json keeps E.164 for scripts.
    numbers = json.loads(run("numbers list --site LON1 --limit 3", "--json"))
    assert all(E164.fullmatch(n["e164"]) for n in numbers)
