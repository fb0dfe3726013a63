"""The README's list of binding ids (for the keymap in console.toml) is the code's list."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from textual.binding import Binding

import voiceconsole.tui.screens as screens
from voiceconsole.tui.app import VoiceconsoleApp

README = Path(__file__).resolve().parents[2] / "README.md"


def code_ids() -> set[str]:
    ids = {b.id for b in VoiceconsoleApp.BINDINGS if isinstance(b, Binding) and b.id}
    for module in pkgutil.iter_modules(screens.__path__):
        loaded = importlib.import_module(f"{screens.__name__}.{module.name}")
        for value in vars(loaded).values():
            for binding in getattr(value, "BINDINGS", None) or []:
                if isinstance(binding, Binding) and binding.id:
                    ids.add(binding.id)
    return ids


def readme_ids() -> set[str]:
    text = README.read_text(encoding="utf-8")
    listed = text[text.index("Binding ids:") : text.index("## Remote use")]
    return set(re.findall(r"`([a-z_]+(?:\.[a-z_]+)+)`", listed))


def test_the_readme_lists_every_binding_id_and_no_other() -> None:
    assert readme_ids() == code_ids()
