"""Where things live: the embedded database, the sample data."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from platformdirs import user_config_path, user_data_path, user_log_path

from voiceconsole.domain.errors import InvalidInput

ENV_DB = "VOICECONSOLE_DB"
ENV_LAB = "VOICECONSOLE_LAB"  # simulated switches over SSH (`voiceconsole lab`), not in-process


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


def _settings_file(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise SettingsError(f"cannot read the settings file {path}: {err}") from None


def load_console_settings(path: Path | None = None) -> ConsoleSettings:
    """The settings file, or the defaults when there is none. A broken file is an error that
    names the file and the problem, never silently ignored."""
    path = path or settings_path()
    if not path.exists():
        return ConsoleSettings()
    data = _settings_file(path)
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


class SettingsError(InvalidInput):
    """A settings file that cannot be used: said in one line, naming the file."""


ENV_PROVISIONING_DIR = "VOICECONSOLE_PROVISIONING_DIR"
ENV_SIP_REGISTRAR = "VOICECONSOLE_SIP_REGISTRAR"
ENV_PROVISIONING_URL = "VOICECONSOLE_PROVISIONING_URL"


@dataclass(frozen=True)
class ProvisioningSettings:
    """Remote handsets' provisioning, from the `[provisioning]` table of `console.toml`:

    directory = "/srv/provisioning"  # the provisioning root (default: in the user data dir)
    registrar = "sip.voice.example"  # for sites that name no SIP registrar of their own
    listen = "0.0.0.0:8089"          # `provisioning serve`: where phones fetch their files
    url = "https://prov.example:8089" # what phones are staged with (default: from listen)
    certificate = "/etc/voiceconsole/prov.pem"  # with private_key: HTTPS (and Basic auth)
    private_key = "/etc/voiceconsole/prov.key"
    write_files = false              # also write each phone's files into `directory`, for
    file_mode = "0640"               #   another server (nginx, TFTP) to serve: their mode
    file_group = "www-data"          #   and group, so that server can read them
    poly_shared_files = ["site.cfg"] # Poly: shared settings files, after the phone's own
    poly_firmware = "sip.ld"         # Poly: the firmware image the master file names
    notify_timeout = 4.0             # seconds a re-sync request waits for the phone
    retry_first = 30                 # seconds before retrying a phone that did not answer,
    retry_max = 3600                 #   doubling each time up to this
    registration_interval = 60       # seconds between registration checks of a line

    $VOICECONSOLE_PROVISIONING_DIR, $VOICECONSOLE_SIP_REGISTRAR and
    $VOICECONSOLE_PROVISIONING_URL override the file.
    """

    directory: Path
    registrar: str = "sip.voice.example"
    listen: str = "0.0.0.0:8089"
    url: str = ""
    certificate: Path | None = None
    private_key: Path | None = None
    write_files: bool = False
    file_mode: int = 0o600
    file_group: str | None = None
    poly_shared_files: tuple[str, ...] = ()
    poly_firmware: str = "sip.ld"
    notify_timeout: float = 4.0
    retry_first: float = 30.0
    retry_max: float = 3600.0
    registration_interval: float = 60.0

    @property
    def tls(self) -> bool:
        return self.certificate is not None

    @property
    def base_url(self) -> str:
        if self.url:
            return self.url.rstrip("/")
        host, _, port = self.listen.rpartition(":")
        host = "127.0.0.1" if host in ("", "0.0.0.0", "::", "[::]") else host
        return f"{'https' if self.tls else 'http'}://{host}:{port}"


def _provisioning_table(path: Path) -> dict[str, object]:
    if not path.exists():
        return {}
    table = _settings_file(path).get("provisioning", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [provisioning] is a table of settings")
    return table


def provisioning_settings(path: Path | None = None) -> ProvisioningSettings:
    """The settings, checked: a wrong type or an unknown key names the file and the key."""
    path = path or settings_path()
    table = dict(_provisioning_table(path))
    known = set(ProvisioningSettings.__dataclass_fields__)
    unknown = sorted(set(table) - known)
    if unknown:
        raise SettingsError(f"{path}: [provisioning] has no setting {', '.join(unknown)}")
    values: dict[str, object] = {}
    try:
        for name in ("directory", "certificate", "private_key"):
            if name in table:
                values[name] = Path(str(table[name]))
        for name in ("registrar", "listen", "url", "poly_firmware"):
            if name in table:
                values[name] = _typed(table[name], str, name)
        if "file_group" in table:
            values["file_group"] = _typed(table["file_group"], str, "file_group")
        if "write_files" in table:
            values["write_files"] = _typed(table["write_files"], bool, "write_files")
        if "file_mode" in table:
            values["file_mode"] = int(_typed(table["file_mode"], str, "file_mode"), 8)
        if "poly_shared_files" in table:
            shared = table["poly_shared_files"]
            if not isinstance(shared, list) or not all(isinstance(f, str) for f in shared):
                raise ValueError("poly_shared_files is a list of file names")
            values["poly_shared_files"] = tuple(shared)
        for name in ("notify_timeout", "retry_first", "retry_max", "registration_interval"):
            if name in table:
                values[name] = float(_typed(table[name], (int, float), name))  # type: ignore[arg-type]
    except ValueError as err:
        raise SettingsError(f"{path}: [provisioning] {err}") from None
    if bool(values.get("certificate")) != bool(values.get("private_key")):
        raise SettingsError(f"{path}: [provisioning] certificate and private_key go together")
    if os.environ.get(ENV_PROVISIONING_DIR):
        values["directory"] = Path(os.environ[ENV_PROVISIONING_DIR])
    if os.environ.get(ENV_SIP_REGISTRAR):
        values["registrar"] = os.environ[ENV_SIP_REGISTRAR]
    if os.environ.get(ENV_PROVISIONING_URL):
        values["url"] = os.environ[ENV_PROVISIONING_URL]
    values.setdefault("directory", user_data_path("voiceconsole", appauthor=False) / "provisioning")
    return ProvisioningSettings(**values)  # type: ignore[arg-type]


def _typed(value: object, kind: type | tuple[type, ...], name: str) -> object:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ValueError(f"{name} has the wrong type ({value!r})")
    return value
