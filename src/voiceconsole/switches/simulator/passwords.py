"""Secrets as IOS 15.3+ and IOS-XE store them (`enable secret 9 ...`, `username x secret 9 ...`):
type 9, scrypt, so the running config never shows the secret itself."""

from __future__ import annotations

import base64
import hashlib
import secrets
from functools import lru_cache

_CISCO64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_STD64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def type9_hash(secret: str, salt: str | None = None) -> str:
    """`$9$<salt>$<scrypt>`: the running config never shows the secret itself."""
    salt = salt or "".join(secrets.choice(_CISCO64) for _ in range(14))
    digest = hashlib.scrypt(secret.encode(), salt=salt.encode(), n=16384, r=1, p=1, dklen=32)
    text = base64.b64encode(digest).decode().rstrip("=")
    return f"$9${salt}${text.translate(str.maketrans(_STD64, _CISCO64))}"


@lru_cache(maxsize=256)  # scrypt is slow on purpose; logins repeat (NAPALM opens many sessions)
def secret_matches(stored: str, attempt: str) -> bool:
    """Whether `attempt` is the secret stored as "9 $9$..." (or "0 plain"); other types are
    kept as given but never match."""
    kind, _, value = stored.partition(" ")
    if kind == "0":
        return value == attempt
    if kind != "9" or not value.startswith("$9$"):
        return False
    return type9_hash(attempt, value[3:17]) == value
