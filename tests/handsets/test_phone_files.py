"""The phone files against the golden files, whose every key is traced to its vendor's
administrator guide (golden/SOURCES.md). A key the console writes that no document backs, or
a golden file that drifts from what the console renders, fails here."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from voiceconsole.domain.handsets import ProvisioningFormat, SipTransport
from voiceconsole.handsets.provisioning import (
    ProvisionedLine,
    SharedFiles,
    SipService,
    phone_files,
    render_yealink,
)

GOLDEN = Path(__file__).parent / "golden"
LINES = [
    ProvisionedLine(1, "+442079460001", "Sales desk", "442079460001", "s3cret-line-1"),
    ProvisionedLine(
        3, "+442079460003", 'Reception "front" & <back>', "442079460003", "s3cret&line<3>"
    ),
]
SERVICE = SipService("sip.lon1.voice.example", 5060, SipTransport.TLS, "proxy.lon1.voice.example")


def rendered() -> dict[str, str]:
    files = {}
    for f in phone_files(ProvisioningFormat.YEALINK_CFG, "02:cc:01:01:00:01", LINES, SERVICE, 4):
        files[f"yealink-{f.name}"] = f.content
    for f in phone_files(
        ProvisioningFormat.POLYCOM_XML,
        "02:cc:01:01:00:05",
        LINES,
        SERVICE,
        4,
        SharedFiles(("site.cfg",), "sip.ld"),
    ):
        files[f"poly-{f.name}"] = f.content
    return files


def traced_keys() -> set[str]:
    """The keys SOURCES.md names in its tables' first column."""
    keys = set()
    for line in (GOLDEN / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            keys.update(re.findall(r"`([^`]+)`", line.split("|")[1]))
    return keys


def placeholder(key: str, poly: bool) -> str:
    """`account.3.sip_server.1.port` -> `account.X.sip_server.Y.port` (Poly: x and y)."""
    line, server = ("x", "y") if poly else ("X", "Y")
    key = re.sub(r"^(account|reg)\.\d+\.", rf"\1.{line}.", key)
    return re.sub(r"\.(sip_server|server|outbound_proxy)\.\d+\.", rf".\1.{server}.", key)


@pytest.mark.parametrize("name", sorted(rendered()))
def test_the_console_renders_the_golden_file(name: str) -> None:
    assert rendered()[name] == (GOLDEN / name).read_text(encoding="utf-8")


def test_every_yealink_key_is_traced_to_a_document() -> None:
    traced = traced_keys()
    text = (GOLDEN / "yealink-02cc01010001.cfg").read_text(encoding="utf-8")
    keys = [line.split(" = ", 1)[0] for line in text.splitlines() if " = " in line]
    assert keys, "no settings read"
    untraced = {placeholder(k, poly=False) for k in keys} - traced
    assert not untraced
    assert text.startswith("#!version:1.0.0.1\n")


@pytest.mark.parametrize("name", ["poly-02cc01010005.cfg", "poly-02cc01010005-lines.cfg"])
def test_every_poly_attribute_is_traced_to_a_document(name: str) -> None:
    traced = traced_keys()
    root = ET.fromstring((GOLDEN / name).read_text(encoding="utf-8").encode())
    keys = {placeholder(k, poly=True) for e in root.iter() for k in e.attrib}
    assert keys and not keys - traced
    assert root.tag in traced or (root.tag == "polycomConfig" and "<polycomConfig>" in traced)


def test_the_yealink_file_never_lacks_notify_reboot_enable() -> None:
    # Without it a Yealink reboots on every re-sync request (its default is 1), dropping the
    # calls on its other lines. With no line at all, too.
    for lines in (LINES, []):
        text = render_yealink(lines, SERVICE, 4)
        assert re.search(r"^sip\.notify_reboot_enable = 0$", text, re.M)


def test_the_poly_master_names_the_phones_own_settings_file_first() -> None:
    master = ET.fromstring((GOLDEN / "poly-02cc01010005.cfg").read_bytes())
    assert master.tag == "APPLICATION"
    files = [f.strip() for f in master.attrib["CONFIG_FILES"].split(",")]
    assert files == ["02cc01010005-lines.cfg", "site.cfg"]
    assert "02cc01010005-phone.cfg" not in files  # the phone's own overrides upload
    lines = ET.fromstring((GOLDEN / "poly-02cc01010005-lines.cfg").read_bytes())
    reg = lines.find("reg")
    assert reg is not None and reg.attrib["reg.3.auth.password"] == "s3cret&line<3>"
    assert lines.find("voIpProt").attrib["voIpProt.SIP.specialEvent.checkSync.alwaysReboot"] == "0"  # type: ignore[union-attr]


def test_free_text_cannot_start_another_setting() -> None:
    hostile = [ProvisionedLine(1, "+442079460001", "Desk\naccount.2.enable = 1", "u", "p")]
    text = render_yealink(hostile, SERVICE, 2)
    assert "account.2.enable = 0" in text
    assert not re.search(r"^account\.2\.enable = 1$", text, re.M)


def test_a_write_removes_the_temporaries_a_crash_left(tmp_path: Path) -> None:
    import os
    import time

    from voiceconsole.handsets.provisioning import write_file

    stale = tmp_path / ".02cc01010001.cfg.abc123"
    fresh = tmp_path / ".02cc01010003.cfg.def456"  # another console writing right now
    for path in (stale, fresh):
        path.write_text("half a file")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    write_file(tmp_path, "02cc01010005.cfg", "content")
    assert not stale.exists() and fresh.exists()
    assert (tmp_path / "02cc01010005.cfg").read_text() == "content"
