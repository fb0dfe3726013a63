"""Remote login against a real SIP peer: sipp plays the phone and receives the re-sync NOTIFY,
and the console writes the files for another server to serve (the tests' settings)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from phones import (
    ACME_DESK_1,
    BRIGHTWATER_RECEPTION,
    SIPP,
    Phone,
    db,
    free_udp_port,
    phone,
    secret_of,
    set_address,
)

from voiceconsole.db.database import Database
from voiceconsole.services.handsets import login_number, logout_number

if SIPP is None and not os.environ.get("CI") and not os.environ.get("VOICECONSOLE_REQUIRE_SIPP"):
    pytest.skip("sipp is not installed (Debian package sip-tester)", allow_module_level=True)

__all__ = ["db", "phone"]  # fixtures


async def test_remote_login_writes_the_file_and_the_phone_is_told(
    db: Database, phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    await set_address(db, ACME_DESK_1, f"127.0.0.1:{phone.port}")
    done = await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    assert done.resync is not None and done.resync.resynced, done.resync
    # The phone answered; another server serves the files here, so no fetch is seen.
    assert done.handset.lines == ((1, "+442079460001", "notified"),)

    path = Path(os.environ["VOICECONSOLE_PROVISIONING_DIR"]) / "02cc01010001.cfg"
    assert path.stat().st_mode & 0o777 == 0o600
    content = path.read_text()
    secret = await secret_of(db, "+442079460001")
    assert "account.1.enable = 1" in content
    assert "account.1.user_name = 442079460001" in content
    assert f"account.1.password = {secret}" in content
    assert "account.1.label = Sales desk" in content
    assert "account.2.enable = 0" in content

    got = phone.received()
    # Addressed to the line's user at the phone, as the vendors' examples are.
    assert "NOTIFY sip:442079460001@127.0.0.1:" in got and "Event: check-sync" in got
    assert "SIP/2.0 200 OK" in got
    # The secret went into the file only: not into the NOTIFY, the result or the logs.
    assert secret not in got and secret not in repr(done) and secret not in caplog.text


async def test_a_poly_phone_gets_its_xml(db: Database, phone: Phone) -> None:
    await set_address(db, BRIGHTWATER_RECEPTION, f"127.0.0.1:{phone.port}")
    done = await login_number(db, "qa", handset=BRIGHTWATER_RECEPTION, number="020 7946 0005")
    assert done.resync is not None and done.resync.resynced
    folder = Path(os.environ["VOICECONSOLE_PROVISIONING_DIR"])
    master = (folder / "02cc01010005.cfg").read_text()
    assert 'CONFIG_FILES="02cc01010005-lines.cfg"' in master
    content = (folder / "02cc01010005-lines.cfg").read_text()
    assert content.startswith('<?xml version="1.0"')
    assert 'reg.1.address="442079460005"' in content
    assert 'reg.2.address=""' in content
    assert "Event: check-sync" in phone.received()


async def test_a_phone_that_does_not_answer_stays_pending(db: Database) -> None:
    silent = free_udp_port()  # nothing listens there
    await set_address(db, ACME_DESK_1, f"127.0.0.1:{silent}")
    done = await login_number(db, "qa", handset=ACME_DESK_1, number="020 7946 0002")
    assert done.resync is not None and not done.resync.resynced
    assert done.resync.reason.startswith("pending re-sync: nothing answers SIP at 127.0.0.1")
    assert done.handset.lines == ((1, "+442079460002", "pending_resync"),)
    # The file is there all the same: the phone takes it when it next asks.
    content = (Path(os.environ["VOICECONSOLE_PROVISIONING_DIR"]) / "02cc01010001.cfg").read_text()
    assert "account.1.user_name = 442079460002" in content
    # Logging out rewrites the file without the line.
    await logout_number(db, "qa", number="020 7946 0002")
    content = (Path(os.environ["VOICECONSOLE_PROVISIONING_DIR"]) / "02cc01010001.cfg").read_text()
    assert "442079460002" not in content and "account.1.enable = 0" in content


async def test_files_for_another_server_get_the_mode_and_group_of_the_settings(
    db: Database, tmp_path: Path
) -> None:
    import dataclasses
    import grp

    from voiceconsole.config import provisioning_settings
    from voiceconsole.services.handsets import list_handsets
    from voiceconsole.services.provisioning import provision_handset

    group = grp.getgrgid(os.getgid()).gr_name
    settings = dataclasses.replace(
        provisioning_settings(),
        directory=tmp_path / "served",
        write_files=True,
        file_mode=0o640,
        file_group=group,
        notify_timeout=0.5,
    )
    (desk,) = [h for h in await list_handsets(db, site="LON1") if h.mac == BRIGHTWATER_RECEPTION]
    await provision_handset(db, desk.id, settings=settings)
    written = sorted((tmp_path / "served").iterdir())
    # The master file and the lines file, nothing half-written or temporary left behind.
    assert [p.name for p in written] == ["02cc01010005-lines.cfg", "02cc01010005.cfg"]
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o640
        assert grp.getgrgid(path.stat().st_gid).gr_name == group
    # The folder it made: the group may enter it, nobody else.
    assert (tmp_path / "served").stat().st_mode & 0o777 == 0o750
    assert grp.getgrgid((tmp_path / "served").stat().st_gid).gr_name == group
    # A group that does not exist: said, nothing written.
    bad = dataclasses.replace(settings, directory=tmp_path / "other", file_group="no-such-group")
    outcome = await provision_handset(db, desk.id, settings=bad)
    assert outcome is not None and "could not be written" in outcome.reason
    assert not [p for p in (tmp_path / "other").iterdir()]


def test_a_new_provisioning_folder_is_its_owners_only(tmp_path: Path) -> None:
    from voiceconsole.handsets.provisioning import FileAccess, write_file

    write_file(tmp_path / "data" / "provisioning", "x.cfg", "secret = 1\n")
    for folder in (tmp_path / "data", tmp_path / "data" / "provisioning"):
        assert folder.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "data" / "provisioning" / "x.cfg").stat().st_mode & 0o777 == 0o600
    # Files every user may read (a TFTP server running as nobody): folders they can reach.
    write_file(tmp_path / "tftp" / "root", "y.cfg", "x = 1\n", FileAccess(mode=0o644))
    for folder in (tmp_path / "tftp", tmp_path / "tftp" / "root"):
        assert folder.stat().st_mode & 0o777 == 0o755
