"""The handset panel's words: login methods, line statuses, rows, the detail of one handset,
and what became of each number logged in.

All text built here is plain (`rich.text.Text` with styles, never markup): labels, models and
reasons are shown as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from voiceconsole.domain.handsets import HandsetState, LineStatus, LoginMethod, manual_instructions
from voiceconsole.domain.phone import national
from voiceconsole.domain.words import counted
from voiceconsole.services.handsets import HandsetView, LoginResult
from voiceconsole.tui.text import plain

# The lines first, so that a narrow terminal shows them; the rest scrolls into view.
# Model and Login give way first when the terminal is narrow.
HANDSET_COLUMNS = (
    "Handset",
    "Line",
    "Number",
    "Status",
    "Port",
    "Keys",
    ("Model", 8, 1),
    ("Login", 6, 1),
)

METHOD_WORDS = {
    LoginMethod.REMOTE.value: "remote",
    LoginMethod.MANUAL.value: "manual: log in on the phone",
}

# What each status claims, and no more (domain.handsets.LineStatus).
STATUS_WORDS = {
    LineStatus.LOGGED_IN.value: "logged in",
    LineStatus.PENDING_RESYNC.value: "pending re-sync",
    LineStatus.NOTIFIED.value: "told, not seen fetching",
    LineStatus.FILE_FETCHED.value: "fetched, not known to be registered",
    LineStatus.REGISTERED.value: "registered",
    LineStatus.MANUAL_PENDING.value: "waiting for the engineer",
}
STATUS_STYLES = {
    LineStatus.LOGGED_IN.value: "green",
    LineStatus.PENDING_RESYNC.value: "yellow",
    LineStatus.NOTIFIED.value: "yellow",
    LineStatus.FILE_FETCHED.value: "green",
    LineStatus.REGISTERED.value: "bold green",
    LineStatus.MANUAL_PENDING.value: "bold yellow",
}
STATE_WORDS = {
    HandsetState.IN_STOCK.value: "in stock",
    HandsetState.DEPLOYED.value: "deployed",
    HandsetState.FAULTY.value: "faulty",
    HandsetState.RETIRED.value: "retired",
}
STATE_STYLES = {
    HandsetState.IN_STOCK.value: "",
    HandsetState.DEPLOYED.value: "green",
    HandsetState.FAULTY.value: "bold red",
    HandsetState.RETIRED.value: "dim",
}


def state_text(state: str) -> Text:
    return plain(STATE_WORDS.get(state, state), STATE_STYLES.get(state, ""))


# What the engineer types as the PIN: the console never knows a PIN (only its hash).
PIN_HINT = "(its PIN: reset it in Telephony if unknown)"


def method_words(method: str) -> str:
    return METHOD_WORDS.get(method, method)


def status_text(status: str) -> Text:
    return plain(STATUS_WORDS.get(status, status.replace("_", " ")), STATUS_STYLES.get(status, ""))


def extension_of(e164: str) -> str:
    """The extension a manual model logs in with: the national number's last four digits."""
    digits = "".join(c for c in national(e164) if c.isdigit())
    return digits[-4:]


def phone_steps(steps: str, e164: str) -> str:
    """What to type on a manual model for one number.

    Kept simple on purpose: the extension is the national number's last four digits and the
    PIN is not known to the console (it keeps only a hash), so the text says where to get it.
    """
    return manual_instructions(steps, extension=extension_of(e164), pin=PIN_HINT)


def row_key(handset: HandsetView, line_key: int | None) -> str:
    return f"{handset.id}:{line_key if line_key is not None else ''}"


def parse_row_key(key: str) -> tuple[int, int | None]:
    handset, _, line = key.partition(":")
    return int(handset), int(line) if line else None


def handset_rows(handset: HandsetView) -> list[tuple[str, tuple[Text, ...]]]:
    """One row per line in use (the handset's own cells on its first row only); a handset
    without lines has one row saying so."""
    name = plain(handset.name, "bold")
    about = (
        plain(handset.floor_port or "—", "" if handset.floor_port else "dim"),
        plain(f"{len(handset.lines)}/{handset.line_keys}"),
        plain(handset.model),
        plain(method_words(handset.login_method)),
    )
    blank = tuple(plain("") for _ in about)
    if not handset.lines:
        return [
            (row_key(handset, None), (name, plain(""), plain("no lines", "dim"), plain(""), *about))
        ]
    rows = []
    for i, (key, e164, status) in enumerate(handset.lines):
        cells = (
            name if i == 0 else plain(""),
            plain(str(key)),
            plain(national(e164)),
            status_text(status),
            *(about if i == 0 else blank),
        )
        rows.append((row_key(handset, key), cells))
    return rows


def detail_text(handset: HandsetView, line_key: int | None, steps: str) -> Text:
    """The highlighted handset in full: what it is, then every line key, used or free; for a
    highlighted line waiting for the engineer, what to type on the phone."""
    text = Text()
    text.append(handset.name, style="bold")
    text.append("  ")
    text.append_text(state_text(handset.state))
    text.append(
        f" · MAC {handset.mac} · {handset.model} · {method_words(handset.login_method)} · "
        f"floor port {handset.floor_port or 'not known'} · "
        f"{len(handset.lines)} of {counted(handset.line_keys, 'line key')} used"
    )
    if handset.resync_problem:
        retry = (
            f"; asked again at {handset.next_resync_at:%H:%M} UTC (y: now)"
            if handset.next_resync_at
            else ""
        )
        text.append(
            f"\n  The phone did not answer: {handset.resync_problem}{retry}", style="yellow"
        )
    used = {key: (e164, status) for key, e164, status in handset.lines}
    shown_free = 0
    for key in range(1, handset.line_keys + 1):
        if key in used:
            e164, status = used[key]
            text.append(f"\n  line {key:<2}  {national(e164):<14} ")
            text.append_text(status_text(status))
            if status == LineStatus.MANUAL_PENDING.value:
                text.append("  (d when the engineer has done it)", style="dim")
        elif shown_free < 2:
            shown_free += 1
            text.append(f"\n  line {key:<2}  free", style="dim")
    hidden = handset.line_keys - len(used) - shown_free
    if hidden > 0:
        text.append(f"\n  … and {counted(hidden, 'more free line key')}", style="dim")
    if line_key in used and used[line_key][1] == LineStatus.MANUAL_PENDING.value and steps:
        text.append(f"\nOn the phone, for {national(used[line_key][0])}: ", style="bold")
        text.append(phone_steps(steps, used[line_key][0]))
    return text


@dataclass(frozen=True)
class Outcome:
    """What became of one number: done, pending (re-sync or the engineer), or refused."""

    e164: str
    handset: str
    state: str  # "done", "pending", "refused"
    text: str


def outcome_of(
    e164: str, result: LoginResult, steps: str, moved_from: str | None = None
) -> Outcome:
    """`moved_from`: the handset the number was on (a manual one has no re-sync to name it)."""
    view = result.handset
    key = next((k for k, n, _ in view.lines if n == e164), None)
    where = f"on {view.name}" + (f" line {key}" if key is not None else "")
    source = result.moved_from.handset if result.moved_from is not None else moved_from
    moved = f" (moved from {source})" if source else ""
    if result.resync is None:
        # A manual model: nothing was sent; the engineer logs in on the phone.
        how = phone_steps(steps, e164) if steps else "log in on the phone"
        return Outcome(
            e164, view.name, "pending", f"{where}{moved}: waiting for the engineer. {how}"
        )
    if result.resync.resynced:
        return Outcome(e164, view.name, "done", f"done {where}{moved}")
    reason = result.resync.reason
    if not reason.startswith("pending re-sync"):
        reason = f"pending re-sync: {reason}"
    return Outcome(e164, view.name, "pending", f"{where}{moved}: {reason}")


def refused(e164: str, handset: str, reason: str) -> Outcome:
    return Outcome(e164, handset, "refused", f"refused: {reason}")


MARKS = {
    "done": ("✓ ", "bold green"),
    "pending": ("… ", "bold yellow"),
    "refused": ("✗ ", "bold red"),
}


def outcomes_text(outcomes: list[Outcome], waiting: list[str], running: str | None) -> Text:
    """The results so far, then the number being logged in, then those still to go."""
    text = Text()
    for o in outcomes:
        mark, style = MARKS[o.state]
        text.append(mark, style=style)
        text.append(f"{national(o.e164):<14} ", style="bold")
        text.append(o.text, style="red" if o.state == "refused" else "")
        text.append("\n")
    for e164 in waiting:
        if e164 == running:
            text.append("→ ", style="bold")
            text.append(f"{national(e164):<14} logging in…\n", style="italic")
        else:
            text.append(f"  {national(e164):<14} waiting\n", style="dim")
    return text


def summary(outcomes: list[Outcome]) -> str:
    done = sum(o.state == "done" for o in outcomes)
    pending = sum(o.state == "pending" for o in outcomes)
    refused_ = sum(o.state == "refused" for o in outcomes)
    parts = [f"{done} done", f"{pending} pending"] + ([f"{refused_} refused"] if refused_ else [])
    return ", ".join(parts)
