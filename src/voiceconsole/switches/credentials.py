"""Switch credentials: named by a reference in the database, kept outside it.

A switch row holds only `credentials_ref` (e.g. `lab`). The secret comes from, in order:

1. the environment: `VOICECONSOLE_SWITCH_<REF>_USERNAME` and `..._PASSWORD`, and optionally
   `..._SECRET` (`<REF>` upper-cased, `-` and `.` as `_`);
2. the credentials file: `switch-credentials.toml` in the user config directory, or the file
   named by `VOICECONSOLE_SWITCH_CREDENTIALS`; a table per reference with `username` and
   `password`, and optionally `secret`. The file must be readable by its owner only (mode
   0600): a secret that others can read is refused, as ssh does with keys.

`secret` is the enable secret, for an account that logs in below privilege 15 (NAPALM runs
`enable` with it); an account with privilege 15 of its own needs none.

Secrets are never logged, stored in the database, or shown; `Credentials.__repr__` hides them.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_config_path

from voiceconsole.domain.errors import VoiceconsoleError

ENV_FILE = "VOICECONSOLE_SWITCH_CREDENTIALS"


class CredentialsError(VoiceconsoleError):
    """No usable credentials for a switch (said without the secret)."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)
    secret: str = field(default="", repr=False)  # the enable secret, if the login needs one


def credentials_file() -> Path:
    named = os.environ.get(ENV_FILE)
    if named:
        return Path(named)
    return user_config_path("voiceconsole", appauthor=False) / "switch-credentials.toml"


def _env_name(ref: str, part: str) -> str:
    return f"VOICECONSOLE_SWITCH_{re.sub(r'[^A-Za-z0-9]', '_', ref).upper()}_{part}"


def _read_file(path: Path) -> dict[str, object]:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return {}
    if os.name == "posix":  # other systems guard files with ACLs, not mode bits
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CredentialsError(
                f"The switch credentials file {path} can be read by others; "
                f"run `chmod 600 {path}` and try again."
            )
        if path.stat().st_uid != os.getuid():
            raise CredentialsError(
                f"The switch credentials file {path} belongs to another user; it must be yours."
            )
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise CredentialsError(
            f"The switch credentials file {path} is not valid TOML: {err}"
        ) from None


def lookup(ref: str, path: Path | None = None) -> Credentials:
    """The credentials `ref` names, from the environment or the credentials file."""
    username = os.environ.get(_env_name(ref, "USERNAME"))
    password = os.environ.get(_env_name(ref, "PASSWORD"))
    if username and password is not None:
        return Credentials(username, password, os.environ.get(_env_name(ref, "SECRET"), ""))
    path = path or credentials_file()
    entry = _read_file(path).get(ref)
    if isinstance(entry, dict):
        username, password = entry.get("username"), entry.get("password")
        secret = entry.get("secret", "")
        if isinstance(username, str) and isinstance(password, str) and isinstance(secret, str):
            return Credentials(username, password, secret)
        raise CredentialsError(
            f"The [{ref}] entry of {path} needs a username and a password, both as text "
            "(and, if the login needs one, an enable secret as text)."
        )
    raise CredentialsError(
        f"No switch credentials named {ref!r}: set {_env_name(ref, 'USERNAME')} and "
        f"{_env_name(ref, 'PASSWORD')}, or add a [{ref}] table to {path}."
    )


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ensure_entry(ref: str, username: str, path: Path | None = None) -> Credentials:
    """The entry `ref` of the credentials file, created with a random password if missing.

    `voiceconsole lab` uses this so that its simulators and the console agree on a secret
    that is generated on this machine rather than written in the repository.
    """
    path = path or credentials_file()
    try:
        return lookup(ref, path)
    except CredentialsError:
        if _read_file(path).get(ref) is not None:
            raise
    made = Credentials(username, secrets.token_urlsafe(18))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Created 0600 before anything is written, so the secret is never readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(
            f"\n[{_toml_string(ref)}]\nusername = {_toml_string(made.username)}\n"
            f"password = {_toml_string(made.password)}\n"
        )
    return made
