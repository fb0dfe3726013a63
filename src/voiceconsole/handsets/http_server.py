"""The provisioning server: each phone fetches its own files over HTTP(S) with its own login.

- A phone's own files (`<mac>.cfg`, `<mac>-lines.cfg`) are made from the database when asked
  for (the store), to that phone only: another phone's login gets 403.
- Any other name is a shared file (firmware, a common file), served from the provisioning
  root to any phone that logs in. Names are flat: a slash, a backslash, `..`, a percent
  escape or a leading dot is answered 404 before anything else, so nothing outside the root is
  ever served (a symbolic link leading out of it is refused too).
- Logins: HTTP Digest (RFC 7616, MD5, qop=auth, as Yealink and Poly phones speak it) over HTTP
  or HTTPS; Basic only over HTTPS, where the password is not in the clear.
- Every request is recorded (the store): which phone, which file, from where, the answer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from pathlib import Path
from typing import Protocol

from aiohttp import web

from voiceconsole.handsets.provisioning import REALM, Login, owner_of

NONCE_LIFETIME = 300.0  # seconds a digest challenge stays good
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")


class PhoneStore(Protocol):
    async def login(self, user: str) -> Login | None: ...

    async def own_file(self, login: Login, name: str, address: str) -> str | None:
        """The phone's own file, recorded as fetched; None when it has no such file."""

    async def record(
        self, handset_id: int | None, name: str, address: str, status: int
    ) -> None: ...


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def _parse_auth_params(text: str) -> dict[str, str]:
    params = {}
    for match in re.finditer(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))', text):
        key, quoted, plain = match.groups()
        params[key.lower()] = quoted if quoted is not None else plain
    return params


class Digest:
    """Stateless nonces: a time and its HMAC under a key of this server's run."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def nonce(self) -> str:
        stamp = f"{time.time():.0f}"
        mac = hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{stamp}.{mac}"

    def fresh(self, nonce: str) -> bool:
        stamp, _, mac = nonce.partition(".")
        expected = hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:32]
        if not stamp.isdigit() or not hmac.compare_digest(mac, expected):
            return False
        return time.time() - int(stamp) <= NONCE_LIFETIME

    def challenge(self, stale: bool = False) -> str:
        return f'Digest realm="{REALM}", qop="auth", algorithm=MD5, nonce="{self.nonce()}"' + (
            ", stale=true" if stale else ""
        )

    @staticmethod
    def valid(params: dict[str, str], login: Login, method: str) -> bool:
        if params.get("algorithm", "MD5").upper() != "MD5" or params.get("realm") != REALM:
            return False
        ha1 = _md5(f"{params['username']}:{REALM}:{login.secret}")
        ha2 = _md5(f"{method}:{params['uri']}")
        if params.get("qop") == "auth":
            expected = _md5(
                f"{ha1}:{params['nonce']}:{params.get('nc', '')}:"
                f"{params.get('cnonce', '')}:auth:{ha2}"
            )
        else:
            expected = _md5(f"{ha1}:{params['nonce']}:{ha2}")
        return hmac.compare_digest(expected, params.get("response", ""))


class ProvisioningServer:
    def __init__(self, store: PhoneStore, root: Path) -> None:
        self.store = store
        self.root = root
        self.digest = Digest()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        address = request.remote or ""
        raw = request.raw_path.split("?", 1)[0]
        name = raw[1:] if raw.startswith("/") else raw
        if not _NAME.fullmatch(name) or ".." in name:
            await self.store.record(None, name, address, 404)
            return web.Response(status=404, text="not found\n")
        if request.method not in ("GET", "HEAD"):
            await self.store.record(None, name, address, 405)
            return web.Response(status=405, headers={"Allow": "GET, HEAD"})
        login, stale = await self._login(request)
        if login is None:
            # The bare challenge is every digest login's first step: only a login that was
            # offered and failed is worth recording.
            if "Authorization" in request.headers and not stale:
                await self.store.record(None, name, address, 401)
            return web.Response(
                status=401,
                headers={"WWW-Authenticate": self.digest.challenge(stale)},
                text="log in with this phone's provisioning login\n",
            )
        owner = owner_of(name)
        if owner is not None and owner != login.user:
            await self.store.record(login.handset_id, name, address, 403)
            return web.Response(status=403, text="another phone's file\n")
        if owner is not None:
            content = await self.store.own_file(login, name, address)
            if content is None:
                await self.store.record(login.handset_id, name, address, 404)
                return web.Response(status=404, text="not found\n")
            return web.Response(text=content, content_type="text/plain", charset="utf-8")
        shared = self._shared(name)
        await self.store.record(login.handset_id, name, address, 200 if shared else 404)
        if shared is None:
            return web.Response(status=404, text="not found\n")
        return web.FileResponse(shared)

    def _shared(self, name: str) -> Path | None:
        root = self.root.resolve()
        path = (root / name).resolve()
        if path.parent != root or not path.is_file():
            return None
        return path

    async def _login(self, request: web.Request) -> tuple[Login | None, bool]:
        """The phone that logged in (None: nobody), and whether its digest nonce had expired."""
        header = request.headers.get("Authorization", "")
        scheme, _, rest = header.partition(" ")
        if scheme.lower() == "basic" and request.secure:
            try:
                user, _, password = base64.b64decode(rest).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None, False
            login = await self.store.login(user)
            if login is not None and hmac.compare_digest(login.secret, password):
                return login, False
            return None, False
        if scheme.lower() != "digest":
            return None, False
        params = _parse_auth_params(rest)
        if not {"username", "nonce", "uri", "response"} <= set(params):
            return None, False
        if params["uri"] != request.raw_path:
            return None, False
        login = await self.store.login(params["username"])
        if login is None or not Digest.valid(params, login, request.method):
            return None, False
        if not self.digest.fresh(params["nonce"]):
            return None, True
        return login, False
