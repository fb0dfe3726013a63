"""Where things live: the embedded database, the sample data."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from platformdirs import user_config_path, user_data_path, user_log_path

ENV_DB = "VOICECONSOLE_DB"


def default_db_path() -> Path:
    return user_data_path("voiceconsole", appauthor=False) / "voiceconsole.db"


def console_log_path() -> Path:
    return user_log_path("voiceconsole", appauthor=False) / "console.log"


def default_db_url() -> str:
    return f"sqlite+aiosqlite:///{default_db_path()}"


def chosen_db(option: str | None) -> tuple[str, bool]:
    """The database to use and whether it is the embedded default: --db, then $VOICECONSOLE_DB."""
    if option:
        return option, False
    if os.environ.get(ENV_DB):
        return os.environ[ENV_DB], False
    return default_db_url(), True


def sample_data_dir() -> Path:
    """sample_data/ of the source tree, or the copy inside an installed wheel."""
    packaged = Path(str(resources.files("voiceconsole"))) / "sample_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "sample_data"


ENV_SETTINGS = "VOICECONSOLE_SETTINGS"


@dataclass(frozen=True)
class ConsoleSettings:
    """The console's user settings, from `console.toml` in the user config directory:

    theme = "ansi-dark"        # any Textual theme; ansi-* keep the terminal's own colours
    cursor_blink = false       # a steady cursor sends nothing over a slow SSH link
    [keymap]                   # binding id = keys, e.g. to move the wizard off "a"
    "occupier.add_services" = "n"
    """

    theme: str = "textual-dark"
    cursor_blink: bool = True
    keymap: dict[str, str] = field(default_factory=dict)


def settings_path() -> Path:
    if os.environ.get(ENV_SETTINGS):
        return Path(os.environ[ENV_SETTINGS])
    return user_config_path("voiceconsole", appauthor=False) / "console.toml"


def load_console_settings(path: Path | None = None) -> ConsoleSettings:
    """The settings file, or the defaults when there is none. A broken file is an error that
    names the file and the problem, never silently ignored."""
    path = path or settings_path()
    if not path.exists():
        return ConsoleSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise SettingsError(f"cannot read the settings file {path}: {err}") from None
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()
    ):
        raise SettingsError(f"{path}: [keymap] maps binding ids to keys, as strings")
    theme = data.get("theme", ConsoleSettings.theme)
    blink = data.get("cursor_blink", ConsoleSettings.cursor_blink)
    if not isinstance(theme, str) or not isinstance(blink, bool):
        raise SettingsError(f"{path}: theme is a name and cursor_blink is true or false")
    return ConsoleSettings(theme=theme, cursor_blink=blink, keymap=dict(keymap))


class SettingsError(ValueError):
    pass


ENV_PROVISIONING_DIR = "VOICECONSOLE_PROVISIONING_DIR"
ENV_SIP_REGISTRAR = "VOICECONSOLE_SIP_REGISTRAR"


@dataclass(frozen=True)
class ProvisioningSettings:
    """Where remote handsets' provisioning files go (the folder the operator's provisioning
    server serves) and the SIP registrar their lines register with."""

    directory: Path
    registrar: str
    notify_timeout: float = 4.0


def provisioning_settings() -> ProvisioningSettings:
    directory = os.environ.get(ENV_PROVISIONING_DIR)
    return ProvisioningSettings(
        Path(directory)
        if directory
        else user_data_path("voiceconsole", appauthor=False) / "provisioning",
        os.environ.get(ENV_SIP_REGISTRAR, "sip.voice.example"),
    )
