"""Asking a phone to re-sync: a SIP NOTIFY with `Event: check-sync` over UDP.

Yealink and Poly phones answer it by fetching their provisioning file again (without a
reboot: `reboot=false`). The request is retransmitted as RFC 3261 says for a non-INVITE over
UDP (0.5 s, doubling, up to the timeout); only a final answer counts as heard. A phone that
does not answer is not an error the console can fix: the line stays "pending re-sync".
"""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from voiceconsole.domain.text import device_text

SIP_PORT = 5060


@dataclass(frozen=True)
class NotifyResult:
    answered: bool
    status: int | None = None  # the phone's final status code (200 expected)
    reason: str = ""


def parse_address(text: str) -> tuple[str, int]:
    """`10.1.2.3`, `10.1.2.3:5062` or `[::1]:5060` -> (host, port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest.lstrip(":") or SIP_PORT)
    host, _, port = text.rpartition(":") if text.count(":") == 1 else (text, "", "")
    return (host or text), int(port or SIP_PORT)


def _host_part(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def sip_request(
    method: str,
    uri: str,
    local: tuple[str, int],
    branch: str,
    tag: str,
    extra: tuple[str, ...] = (),
) -> bytes:
    local_host, local_port = local
    lines = [
        f"{method} {uri} SIP/2.0",
        f"Via: SIP/2.0/UDP {_host_part(local_host)}:{local_port};branch=z9hG4bK{branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:voiceconsole@{_host_part(local_host)}>;tag={tag}",
        f"To: <{uri}>",
        f"Call-ID: {branch}@{_host_part(local_host)}",
        f"CSeq: 1 {method}",
        f"Contact: <sip:voiceconsole@{_host_part(local_host)}:{local_port}>",
        *extra,
        "User-Agent: voiceconsole",
        "Content-Length: 0",
        "",
        "",
    ]
    return "\r\n".join(lines).encode("utf-8")


def check_sync_request(
    host: str, port: int, user: str, local: tuple[str, int], branch: str, tag: str
) -> bytes:
    """The re-sync NOTIFY, addressed `user@host` as the vendors' examples are (a phone may
    match the user part against its lines)."""
    return sip_request(
        "NOTIFY",
        f"sip:{user}@{_host_part(host)}:{port}",
        local,
        branch,
        tag,
        ("Event: check-sync;reboot=false", "Subscription-State: terminated"),
    )


def send_check_sync(address: str, user: str, *, timeout: float = 4.0) -> NotifyResult:
    """Send the NOTIFY and wait for a final answer (blocks; run it in a thread)."""
    host, port = parse_address(address)
    return _transact(
        address,
        lambda local, branch, tag: check_sync_request(host, port, user, local, branch, tag),
        timeout,
    )


def send_options(registrar: str, port: int, user: str, *, timeout: float = 4.0) -> NotifyResult:
    """An OPTIONS to a line's address through its registrar: a registered line is routed on
    to the phone, which answers 200; an unregistered one gets 404 or 480 from the registrar."""
    target = f"{_host_part(registrar)}:{port}"
    return _transact(
        target,
        lambda local, branch, tag: sip_request(
            "OPTIONS", f"sip:{user}@{target}", local, branch, tag, ("Accept: application/sdp",)
        ),
        timeout,
    )


def _transact(
    address: str,
    request_of: Callable[[tuple[str, int], str, str], bytes],
    timeout: float,
) -> NotifyResult:
    host, port = parse_address(address)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    branch, tag = secrets.token_hex(8), secrets.token_hex(4)
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect((host, port))
        except OSError as err:
            return NotifyResult(False, reason=f"cannot reach {address}: {err.strerror or err}")
        request = request_of(sock.getsockname()[:2], branch, tag)
        deadline = time.monotonic() + timeout
        interval = 0.5
        next_send = time.monotonic()
        while True:
            now = time.monotonic()
            if now >= deadline:
                return NotifyResult(False, reason=f"no answer from {address} in {timeout:g} s")
            if now >= next_send:
                try:
                    sock.send(request)
                except OSError as err:
                    return NotifyResult(False, reason=f"{address}: {err.strerror or err}")
                next_send = now + interval
                interval = min(interval * 2, 4.0)
            sock.settimeout(max(0.01, min(next_send, deadline) - time.monotonic()))
            try:
                data = sock.recv(65535)
            except TimeoutError:
                continue
            except ConnectionRefusedError:
                # ICMP port unreachable: the host is there and nothing listens for SIP.
                return NotifyResult(False, reason=f"nothing answers SIP at {address}")
            status = _final_status(data, branch)
            if status is not None:
                return NotifyResult(200 <= status < 300, status, _status_line(data))


def _final_status(data: bytes, branch: str) -> int | None:
    """The status code of a final response to our request, or None (provisional, other)."""
    text = data.decode("utf-8", "replace")
    first, _, rest = text.partition("\r\n")
    parts = first.split(" ", 2)
    if len(parts) < 2 or parts[0] != "SIP/2.0" or not parts[1].isdigit():
        return None
    if f"branch=z9hG4bK{branch}" not in rest:
        return None
    code = int(parts[1])
    return code if code >= 200 else None


def _status_line(data: bytes) -> str:
    # The reason phrase comes from outside: one printable line.
    return device_text(data.decode("utf-8", "replace").partition("\r\n")[0])[:120]
