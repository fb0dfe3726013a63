"""f1: what the screen in front is for, every key it answers (grouped by where it works),
and the words it uses.

A screen says what it is for in `PURPOSE` and which words it uses in `WORDS` (keys of
`GLOSSARY`); the keys are read from the bindings active when f1 was pressed, so the help
never lists a key that does nothing there, nor misses one the footer had no room for.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from voiceconsole.tui.permitted import may_not, who
from voiceconsole.tui.widgets.footer import ConsoleFooter

GLOSSARY = {
    "site": "One building, in one country. Numbers, switches and floor ports belong to a site.",
    "occupier": "A tenant company. Everything voice-related is per occupier and site.",
    "pool": "A site's ordinary stock of numbers; only pool numbers are picked automatically.",
    "available": "A number in the site's pool, free to allocate.",
    "reserved": "A number allocated to an occupier but not in service: a spare.",
    "active": "A number in service; each uses one of the occupier's voice services.",
    "cooldown": "A released number resting (90 days by default) before it is free again.",
    "port out": "A ported or custom number whose occupier left: never given to anyone else.",
    "move-out": (
        "An occupier leaving a site: its services end, its numbers are released, its handsets "
        "and floor ports go back to the operator; now or scheduled for a date."
    ),
    "default port role": (
        "The switch port role a site's floor ports go back to when their occupier moves out "
        "(disabled unless set otherwise)."
    ),
    "porting in": (
        "A number an occupier is bringing from another carrier (a port-in order): held for "
        "it, never allocated to anyone else, its own when the port completes."
    ),
    "port-in order": (
        "An occupier's request to bring numbers from its old carrier: requested, submitted, "
        "agreed for a date (the carrier's firm order commitment), completed; or rejected or "
        "cancelled, with the reason."
    ),
    "origin": "Where a number came from: pool, ported (from another provider) or custom.",
    "main number": (
        "An occupier's reception number at a site, at most one: virtual, never logged in to "
        "a handset, uses no voice service."
    ),
    "spare": "A number the occupier holds (reserved) beyond those active.",
    "QTY": "A voice service's quantity: how many numbers the occupier may have active.",
    "batch of 5": (
        "UK sites allocate numbers in fives on first-time services: ceil((QTY + main) / 5) * 5."
    ),
    "forecast": (
        "When a pool is expected to run LOW: its available numbers, less as many a week as "
        "were taken over the last 90 days (read from the journal), plus those coming back "
        "from cooldown on their day."
    ),
    "first time": (
        "Adding a voice service where the occupier has neither services nor numbers: the only "
        "time numbers are allocated and activated automatically."
    ),
    "scheduled change": "A quantity change that takes effect on a date, applied when due.",
    "floor port": "A wall socket (e.g. 3F-017), patched to one switch interface.",
    "role": (
        "A switch port role: what the switch interface of a floor port is set up for (voice, "
        "data, guest, access point, printer, disabled)."
    ),
    "drift": "The switch shows a role other than the one recorded here.",
    "LLDP": "What a device on a port says it is (a phone, a PC), read from the switch.",
    "handset": "A desk phone. Numbers are logged in to its line keys.",
    "line key": "A handset's button for one logged-in number.",
    "re-sync": "The handset fetching its provisioning file again, to take a login or logout.",
    "marked": "Rows picked for a bulk action (space); the header counts them.",
    "export": (
        "An occupier's numbers, handsets or floor ports written to a file (CSV, one per kind, "
        "or JSON) for billing or handover; the numbers' CSV imports again."
    ),
    "journal": "The audit journal: who did what, when, with the data before and after.",
    "console role": (
        "What a user of the console may do: viewer (reads), engineer (floor ports, handsets, "
        "switch work at their sites), noc (also numbers, services and porting, at every "
        "site), admin (also sites, switches, users and settings). Keys for the rest are grey."
    ),
}


class HelpScreen(ModalScreen[None]):
    """The help of `about`, the screen that was in front when f1 was pressed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "app.pop_screen", "Close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90%; max-width: 100; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    HelpScreen #help-text { width: 1fr; height: auto; }
    """

    def __init__(self, about: Screen[Any]) -> None:
        super().__init__()
        self.about = about

    def compose(self) -> ComposeResult:
        with Vertical(), VerticalScroll(id="help-box"):
            yield Static(help_text(self.about), id="help-text")
        yield ConsoleFooter()


def help_text(screen: Screen[Any]) -> Text:
    title = getattr(screen, "HELP_TITLE", "") or type(screen).__name__
    text = Text()
    text.append(f"{title}\n", style="bold")
    purpose = getattr(screen, "PURPOSE", "")
    if purpose:
        text.append(f"{purpose}\n")
    # Said first: it explains the keys marked "not for you" below.
    user = getattr(screen.app, "user", None)
    if user is not None:
        text.append("\nYou\n", style="bold")
        text.append(f"  {who(user)}: the keys marked 'not for you' are greyed.\n")
        refused = may_not(user)
        if refused:
            text.append(f"  You may not {'; '.join(refused)}.\n")
        if user.site_bound:
            text.append(f"  Floor ports, handsets and switch work only at {user.where()}.\n")
    for heading, keys in key_groups(screen):
        text.append(f"\n{heading}\n", style="bold")
        for key, description in keys:
            text.append(f"  {key:<14}", style="bold")
            text.append(f"{description}\n")
    words = [w for w in getattr(screen, "WORDS", ()) if w in GLOSSARY]
    if user is not None:
        words.append("console role")
    if words:
        text.append("\nWords\n", style="bold")
        for word in words:
            text.append(f"  {word}: ", style="bold")
            text.append(f"{GLOSSARY[word]}\n")
    text.rstrip()
    return text


def key_groups(screen: Screen[Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The keys active on `screen`, each once, in three groups: where the cursor is (the
    focused list or field), the screen's own, and those that work everywhere."""
    app = screen.app
    groups: dict[str, list[tuple[str, str]]] = {
        "Where the cursor is": [],
        "On this screen": [],
        "Everywhere": [],
    }
    found: dict[tuple[int, str], tuple[str, list[str], str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        # Keys of our own (each has an id) and those the footer offers; not Textual's
        # cursor and focus keys, which every terminal user knows.
        if not binding.description or binding.system or not (binding.id or binding.show):
            continue
        if active.node is app:
            group = "Everywhere"
        elif active.node is screen:
            group = "On this screen"
        else:
            group = "Where the cursor is"
        # One line per action of a node, with all its keys ("esc, q").
        description = binding.description + ("" if active.enabled else " (not for you)")
        _, keys, _ = found.setdefault((id(active.node), binding.action), (group, [], description))
        keys.append(app.get_key_display(binding))
    for group, keys, description in found.values():
        groups[group].append((", ".join(keys), description))
    if not isinstance(screen, ModalScreen):
        groups["Everywhere"].append(("^p", "Find a site, occupier, number, floor port or handset"))
    return [(heading, keys) for heading, keys in groups.items() if keys]
