"""The provisioning server as phones meet it: each phone's own login, its own files only, no
path out of the root, every request recorded, and line statuses that say what was seen.

The server runs in the test's event loop on a free port; the phone side is the lab's
simulated phone code (urllib's digest client, as a phone's HTTP client would speak it) or raw
HTTP for requests no client library would send.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import http.client
import ssl
from pathlib import Path

import pytest
from phones import (
    ACME_DESK_1,
    ACME_DESK_2,
    BRIGHTWATER_RECEPTION,
    db,
    line_status,
    phone_login,
    provisioning_server,
    secret_of,
)
from sqlalchemy import select

from voiceconsole.db.database import Database
from voiceconsole.db.models import ProvisioningFetch
from voiceconsole.handsets.phone_simulator import PhoneLogin, fetch
from voiceconsole.services.handsets import login_number, set_handset_state
from voiceconsole.services.provisioning import list_fetches

__all__ = ["db"]  # fixtures

ACME_FILE = "02cc01010001.cfg"


async def get(login: PhoneLogin, name: str) -> tuple[int, str]:
    return await asyncio.to_thread(fetch, login, name)


async def raw_get(url: str, path: str, headers: dict[str, str] | None = None) -> int:
    return await asyncio.to_thread(_raw_get, url, path, headers)


def _raw_get(url: str, path: str, headers: dict[str, str] | None) -> int:
    """A request with the path exactly as written (no client normalises `..` or escapes)."""
    host, _, port = url.removeprefix("http://").rpartition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for key, value in (headers or {}).items():
            connection.putheader(key, value)
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


async def test_a_phone_fetches_its_own_file_and_its_line_is_seen_fetched(db: Database) -> None:
    await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    assert await line_status(db, "+442079460001") == "pending_resync"  # nobody answers
    async with provisioning_server(db) as settings:
        login = await phone_login(db, ACME_DESK_1, settings)
        status, text = await get(login, ACME_FILE)
    assert status == 200
    assert "account.1.user_name = 442079460001" in text
    assert f"account.1.password = {await secret_of(db, '+442079460001')}" in text
    assert "sip.notify_reboot_enable = 0" in text
    # The registrar is the site's own (sample data), not the console-wide default.
    assert "account.1.sip_server.1.address = sip.lon1.voice.example" in text
    assert await line_status(db, "+442079460001") == "file_fetched"
    (seen,) = [f for f in await list_fetches(db) if f.status == 200]
    assert (seen.handset, seen.file, seen.address, seen.lines) == (
        "Acme desk 1",
        ACME_FILE,
        "127.0.0.1",
        1,
    )


async def test_another_phones_login_gets_403_and_a_wrong_one_401(db: Database) -> None:
    await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    async with provisioning_server(db) as settings:
        other = await phone_login(db, ACME_DESK_2, settings)
        assert (await get(other, ACME_FILE))[0] == 403
        own = await phone_login(db, ACME_DESK_1, settings)
        wrong = PhoneLogin(own.url, own.user, own.secret + "x")
        assert (await get(wrong, ACME_FILE))[0] == 401
        assert await raw_get(settings.base_url, f"/{ACME_FILE}") == 401  # no login at all
        # Basic is refused over plain HTTP: the password would cross the network in clear.
        basic = "Basic " + base64.b64encode(f"{own.user}:{own.secret}".encode()).decode()
        assert await raw_get(settings.base_url, f"/{ACME_FILE}", {"Authorization": basic}) == 401
    # The line was never served: not fetched.
    assert await line_status(db, "+442079460001") == "pending_resync"
    async with db.read() as session:
        answers = list(await session.scalars(select(ProvisioningFetch.status)))
    # The bare digest challenges are not recorded; the refused logins and the 403 are.
    assert set(answers) == {401, 403} and answers.count(403) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/../outside.txt",
        "/..%2foutside.txt",
        "/%2e%2e/outside.txt",
        "/%2e%2e%2foutside.txt",
        "/..%5coutside.txt",
        "/sub/../02cc01010001.cfg",
        "/./02cc01010001.cfg",
        "/.hidden.cfg",
        "//etc/passwd",
        "/02cc01010001.cfg%00.txt",
    ],
)
async def test_path_tricks_get_404_whoever_asks(db: Database, tmp_path: Path, path: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("not for phones")
    (root / ".hidden.cfg").write_text("a temporary file")
    async with provisioning_server(db, directory=root) as settings:
        login = await phone_login(db, ACME_DESK_1, settings)
        assert await raw_get(settings.base_url, path) == 404
        # With the phone's login as well (urllib would normalise the path: send it raw).
        status, _ = await get(login, "shared.cfg")  # a login that works, to be sure
        assert status == 404


async def test_shared_files_come_from_the_root_and_never_from_outside(
    db: Database, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "y000000000000.cfg").write_text("#!version:1.0.0.1\n")
    (tmp_path / "secret.txt").write_text("outside the root")
    (root / "link.cfg").symlink_to(tmp_path / "secret.txt")
    async with provisioning_server(db, directory=root) as settings:
        login = await phone_login(db, ACME_DESK_1, settings)
        assert await get(login, "y000000000000.cfg") == (200, "#!version:1.0.0.1\n")
        status, text = await get(login, "link.cfg")
        assert status == 404 and "outside" not in text
        assert (await get(login, "missing.cfg"))[0] == 404
        assert await raw_get(settings.base_url, "/y000000000000.cfg") == 401


async def test_a_poly_master_file_does_not_count_as_fetching_the_lines(db: Database) -> None:
    await login_number(db, "qa", handset=BRIGHTWATER_RECEPTION, number="020 7946 0005")
    async with provisioning_server(db) as settings:
        login = await phone_login(db, BRIGHTWATER_RECEPTION, settings)
        status, master = await get(login, "02cc01010005.cfg")
        assert status == 200 and 'CONFIG_FILES="02cc01010005-lines.cfg"' in master
        assert await line_status(db, "+442079460005") == "pending_resync"
        status, lines = await get(login, "02cc01010005-lines.cfg")
        assert status == 200 and 'reg.1.address="442079460005"' in lines
    assert await line_status(db, "+442079460005") == "file_fetched"


async def test_a_retired_phone_fetches_a_file_without_its_old_lines(db: Database) -> None:
    await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    await set_handset_state(db, "qa", handset=ACME_DESK_1, state="retired")
    async with provisioning_server(db) as settings:
        login = await phone_login(db, ACME_DESK_1, settings)
        status, text = await get(login, ACME_FILE)
    assert status == 200
    assert "442079460001" not in text and "account.1.enable = 0" in text


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "prov.pem", tmp_path / "prov.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_over_https_basic_logins_work_too(db: Database, tmp_path: Path) -> None:
    await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    cert, key = self_signed(tmp_path)
    async with provisioning_server(db, certificate=cert, private_key=key) as settings:
        assert settings.base_url.startswith("https://")
        login = await phone_login(db, ACME_DESK_1, settings)

        def basic_get(user: str, password: str) -> int:
            host, _, port = settings.base_url.removeprefix("https://").rpartition(":")
            context = ssl.create_default_context(cafile=str(cert))
            context.check_hostname = False
            connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=5)
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            try:
                connection.request(
                    "GET", f"/{ACME_FILE}", headers={"Authorization": f"Basic {token}"}
                )
                return connection.getresponse().status
            finally:
                connection.close()

        assert await asyncio.to_thread(basic_get, login.user, login.secret) == 200
        assert await asyncio.to_thread(basic_get, login.user, "wrong") == 401
        assert (await get(login, ACME_FILE))[0] == 200  # digest over HTTPS as well
    assert await line_status(db, "+442079460001") == "file_fetched"
