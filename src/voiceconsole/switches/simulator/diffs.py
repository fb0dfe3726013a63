"""The archive's config diffs as IOS prints them: `show archive config differences` (contextual)
and `show archive config incremental-diffs` (the lines that would change the running config)."""

from __future__ import annotations

from .config_state import EXEC, GLOBAL, ConfigState
from .grammar import Rejection


def config_blocks(text: str) -> list[tuple[str, list[str]]]:
    """Config text as (top-level line, its indented children); comments dropped."""
    blocks: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if not line.strip() or line.strip().startswith("!") or line.strip() == "end":
            continue
        if line.startswith(" ") and blocks:
            blocks[-1][1].append(line.strip())
        else:
            blocks.append((line.strip(), []))
    return blocks


def contextual_diff(old: str, new: str) -> list[str]:
    """`show archive config differences` in IOS's contextual form (+/- per line)."""
    old_blocks = dict(config_blocks(old))
    new_blocks = dict(config_blocks(new))
    out: list[str] = []
    for parent, children in new_blocks.items():
        if parent not in old_blocks:
            out += [f"+{parent}", *[f" +{c}" for c in children]]
            continue
        added = [c for c in children if c not in old_blocks[parent]]
        removed = [c for c in old_blocks[parent] if c not in children]
        if added or removed:
            out += [parent, *[f" -{c}" for c in removed], *[f" +{c}" for c in added]]
    for parent, children in old_blocks.items():
        if parent not in new_blocks:
            out += [f"-{parent}", *[f" -{c}" for c in children]]
    return out


def incremental_diff(state: ConfigState, text: str) -> list[str] | None:
    """Lines of `text` that would change the running config (with their parent line), as
    `show archive config incremental-diffs` lists them; None when a line is invalid.

    It compares with the running config: in VTP server mode `vlan` lines always count as
    changes, since the VLANs are not in the running config."""
    trial = state.copy()
    context = GLOBAL
    parent: str | None = None
    parent_shown = False
    out: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("!"):
            continue
        before = trial.render()
        try:
            new_context, _ = trial.apply(context, line)
        except Rejection:
            return None
        if new_context == EXEC:
            break
        changed = trial.render() != before or (
            new_context[0] == "vlan" and trial.vtp_mode == "server"
        )
        if new_context != context and new_context != GLOBAL:
            parent, parent_shown = stripped, False
            if changed:
                out.append(stripped)
                parent_shown = True
        elif new_context == GLOBAL and context != GLOBAL and not line.startswith(" "):
            parent = None
            if changed:
                out.append(stripped)
        elif changed:
            if parent is not None and new_context != GLOBAL:
                if not parent_shown:
                    out.append(parent)
                    parent_shown = True
                out.append(f" {stripped}")
            else:
                out.append(stripped)
        context = new_context
    return out
