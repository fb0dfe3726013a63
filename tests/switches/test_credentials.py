"""Switch credentials come from the environment or an owner-only file, never the database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voiceconsole.switches.credentials import Credentials, CredentialsError, ensure_entry, lookup


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("VOICECONSOLE_SWITCH_"):
            monkeypatch.delenv(name)


def test_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VOICECONSOLE_SWITCH_CORE_LON_USERNAME", "noc")
    monkeypatch.setenv("VOICECONSOLE_SWITCH_CORE_LON_PASSWORD", "s3cret")
    assert lookup("core-lon", tmp_path / "none.toml") == Credentials("noc", "s3cret")


def test_file_entry(tmp_path: Path) -> None:
    path = tmp_path / "creds.toml"
    path.write_text('[lab]\nusername = "admin"\npassword = "pw"\n')
    path.chmod(0o600)
    assert lookup("lab", path) == Credentials("admin", "pw")


def test_a_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "creds.toml"
    path.write_text('[lab]\nusername = "admin"\npassword = "pw"\n')
    path.chmod(0o644)
    with pytest.raises(CredentialsError, match="chmod 600"):
        lookup("lab", path)


def test_missing_entry_says_where_to_put_it(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="VOICECONSOLE_SWITCH_LAB_USERNAME"):
        lookup("lab", tmp_path / "creds.toml")


def test_the_secret_is_not_in_the_repr() -> None:
    assert "pw" not in repr(Credentials("admin", "pw"))


def test_ensure_entry_creates_an_owner_only_file_once(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "creds.toml"
    made = ensure_entry("lab", "admin", path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert ensure_entry("lab", "admin", path) == made == lookup("lab", path)
    assert len(made.password) >= 20


def test_an_entry_without_a_password_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "creds.toml"
    path.write_text('[lab]\nusername = "admin"\n')
    path.chmod(0o600)
    with pytest.raises(CredentialsError, match="needs a username and a password"):
        lookup("lab", path)
