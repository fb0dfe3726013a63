"""Dialogs of the switches screen: add a switch, trust its key again, map its ports to floor
ports, remove it. Each is a form over one service call (form_dialog.py); adding takes two
steps, as a careful engineer would: connect and look (a dry run), then add exactly the switch
that was shown (the key seen in the first step is required in the second)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Button, Select, Static

from voiceconsole.domain.platforms import PROFILES
from voiceconsole.domain.words import counted
from voiceconsole.services.host_keys import trust
from voiceconsole.services.switch_inventory import (
    MappedPort,
    Onboarding,
    SwitchView,
    add_switch,
    map_floor_ports,
    remove_switch,
)
from voiceconsole.tui.screens.form_dialog import FieldsDialog
from voiceconsole.tui.text import plain
from voiceconsole.tui.widgets.fields import TextInput

AUTO = "\x00auto"


class SwitchDialog(FieldsDialog):
    CSS_PATH = ["port_dialogs.tcss", "switches.tcss"]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Confirm", id="switches.dialog.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="switches.dialog.cancel"),
    ]
    box_class = "dialog-box port-dialog"


def onboarding_text(found: Onboarding) -> Text:
    text = Text()
    version = re.search(r"Version ([^,\s]+)", found.os_version)
    software = f", IOS {version.group(1)}" if version else ""
    text.append(f"{found.hostname}: {found.model} ({found.profile}){software}\n")
    text.append("SSH host key:\n")
    text.append(f"  {found.fingerprint}\n", style="bold")
    poe = sum(p.poe for p in found.ports)
    up = sum(p.link_up for p in found.ports)
    text.append(f"{len(found.ports)} ports, {poe} with PoE, {up} with a link up\n")
    if found.findings:
        text.append("Not ready for changes yet (it can be added, and fixed after):\n", "yellow")
        for finding in found.findings:
            text.append(f"• {finding.problem}\n", style="yellow")
            for line in finding.fix:
                text.append(f"    {line}\n", style="bold")
    else:
        text.append("Ready for changes.\n", style="green")
    return text


class AddSwitchDialog(SwitchDialog):
    """Connect, show the key and what the switch has, then add it (ctrl+s twice)."""

    title_text = "Add a switch"
    confirm_label = "Connect"

    def __init__(self, site: str) -> None:
        super().__init__()
        self.site = site
        self.found: Onboarding | None = None

    def body(self) -> ComposeResult:
        yield from self.field(
            "Address", TextInput(placeholder="name or IP", id="address", compact=True)
        )
        yield from self.field("SSH port", TextInput(value="22", id="port", compact=True))
        yield from self.field(
            "Login",
            TextInput(
                placeholder="credentials reference, e.g. noc", id="credentials", compact=True
            ),
        )
        options = [(plain("told from the model it reports"), AUTO)] + [
            (plain(p.name), p.code) for p in PROFILES
        ]
        yield from self.field(
            "Platform",
            Select[str](options, value=AUTO, allow_blank=False, id="platform", compact=True),
        )
        yield from self.field(
            "Hostname", TextInput(placeholder="default: its own", id="hostname", compact=True)
        )
        with VerticalScroll(id="found-box"):
            yield Static(
                plain(
                    f"At {self.site}. ctrl+s connects and shows its SSH key and ports; nothing "
                    "is added until you look and press ctrl+s again.",
                    "dim",
                ),
                id="found",
            )

    def on_mount(self) -> None:
        self.query_one("#address", TextInput).focus()

    def on_input_changed(self) -> None:
        # Anything typed after a look means a new look before adding.
        if self.found is not None:
            self.found = None
            self._label("Connect")

    def on_select_changed(self) -> None:
        self.on_input_changed()

    def _label(self, word: str) -> None:
        self.confirm_label = word
        self.query_one("#confirm", Button).label = f"{word} (ctrl+s)"
        self.refresh_bindings()  # the footer names the key as the button does

    def _form(self) -> dict[str, Any] | None:
        address, credentials = self.value("#address"), self.value("#credentials")
        port = self.value("#port") or "22"
        if not address or not credentials:
            self.say("Give the address and the login (a credentials reference).", "bold red")
            return None
        if not port.isdigit():
            self.say(f"{port!r} is not a port number.", "bold red")
            return None
        platform = self.query_one("#platform", Select).value
        return {
            "address": address,
            "site": self.site,
            "credentials": credentials,
            "port": int(port),
            "platform": None if platform == AUTO else str(platform),
            "hostname": self.value("#hostname") or None,
        }

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        form = self._form()
        if form is None:
            return None
        app: Any = self.app
        if self.found is None:
            return lambda: add_switch(app.db, app.gateway, app.actor, dry_run=True, **form)
        seen = self.found.fingerprint
        return lambda: add_switch(app.db, app.gateway, app.actor, expect_fingerprint=seen, **form)

    def _done(self, result: Onboarding) -> None:
        if result.added:
            self.dismiss(self.said(result))
            return
        self.write.busy = False
        self.found = result
        self.query_one("#found", Static).update(onboarding_text(result))
        self.query_one("#confirm", Button).disabled = False
        self._label("Add")
        self.say(
            "Check the key against the switch's console (show ip ssh), then ctrl+s adds it.",
            "italic",
        )

    def said(self, result: Onboarding) -> str:
        state = "ready" if not result.findings else "not ready yet (see the list)"
        return (
            f"Added {result.hostname} ({result.model}, {len(result.ports)} ports), key "
            f"{result.fingerprint} pinned; {state}. m maps its ports to floor ports."
        )


class TrustKeyDialog(SwitchDialog):
    """Pin the key a switch offers now, after a person compared it with the switch's own."""

    title_text = "Trust a switch's SSH host key"
    confirm_label = "Trust"

    def __init__(self, switch: SwitchView) -> None:
        super().__init__()
        self.switch = switch

    def body(self) -> ComposeResult:
        s = self.switch
        pinned = s.fingerprint or "no key pinned yet"
        yield Static(
            plain(
                f"{s.hostname} ({s.address}:{s.port}) has {pinned}. If the switch was replaced "
                "or re-keyed, read its new fingerprint on its console (show ip ssh) and type "
                "it here; the key it offers is pinned only if it matches."
            ),
            classes="dialog-text",
        )
        yield from self.field(
            "Fingerprint", TextInput(placeholder="SHA256:...", id="fingerprint", compact=True)
        )

    def on_mount(self) -> None:
        self.query_one("#fingerprint", TextInput).focus()

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        expect = self.value("#fingerprint")
        if not expect:
            self.say("Type the fingerprint you read on the switch's console.", "bold red")
            return None
        app: Any = self.app
        return lambda: trust(app.db, app.gateway, app.actor, self.switch.hostname, expect=expect)

    def said(self, result: tuple[str | None, str]) -> str:
        old, new = result
        if old == new:
            return f"{self.switch.hostname}: {new} was already pinned"
        return f"{self.switch.hostname}: pinned {new}" + (f" (was {old})" if old else "")


class MapPortsDialog(SwitchDialog):
    """Patch floor ports to the switch's interfaces, labelled by a pattern."""

    title_text = "Map a switch's ports to floor ports"
    confirm_label = "Map"

    def __init__(self, switch: SwitchView) -> None:
        super().__init__()
        self.switch = switch

    def body(self) -> ComposeResult:
        yield Static(
            plain(
                f"{self.switch.hostname}: each interface gets a floor port, made if it does not "
                "exist. {port} is the interface's number, {member} its stack member, {n} its "
                "place in the list."
            ),
            classes="dialog-text",
        )
        yield from self.field("Floor", TextInput(placeholder="e.g. 3F", id="floor", compact=True))
        yield from self.field(
            "Labels", TextInput(placeholder="e.g. 3F-{port:03d}", id="pattern", compact=True)
        )
        yield from self.field(
            "Interfaces",
            TextInput(
                placeholder="default: the access ports; e.g. Gi1/0/1-24",
                id="interfaces",
                compact=True,
            ),
        )

    def on_mount(self) -> None:
        self.query_one("#floor", TextInput).focus()

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        floor, pattern = self.value("#floor"), self.value("#pattern")
        if not floor or not pattern:
            self.say("Give the floor and a label pattern.", "bold red")
            return None
        app: Any = self.app
        interfaces = self.value("#interfaces") or None
        return lambda: map_floor_ports(
            app.db,
            app.actor,
            switch=self.switch.hostname,
            floor=floor,
            pattern=pattern,
            interfaces=interfaces,
        )

    def said(self, result: list[MappedPort]) -> str:
        made = sum(p.created for p in result)
        first, last = (result[0].label, result[-1].label) if result else ("", "")
        return (
            f"Patched {counted(len(result), 'floor port')} to {self.switch.hostname} "
            f"({first} to {last}); "
            f"{made} new"
        )


class RemoveSwitchDialog(SwitchDialog):
    title_text = "Remove a switch"
    confirm_label = "Remove"

    def __init__(self, switch: SwitchView) -> None:
        super().__init__()
        self.switch = switch

    def body(self) -> ComposeResult:
        s = self.switch
        yield Static(
            plain(
                f"{s.hostname} leaves the inventory with its {counted(s.ports, 'port')}. Its "
                f"{counted(s.patched, 'floor port')} {'stays' if s.patched == 1 else 'stay'}, "
                "no longer patched to a switch. Nothing is sent to the switch."
            ),
            classes="dialog-text",
        )

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def submit(self) -> Callable[[], Awaitable[Any]]:
        app: Any = self.app
        return lambda: remove_switch(app.db, app.actor, self.switch.hostname)

    def said(self, result: int) -> str:
        return f"Removed {self.switch.hostname}; {counted(result, 'floor port')} unpatched"
