"""Simulated phones for `voiceconsole lab`: each answers a re-sync NOTIFY with 200 OK.

One UDP socket per phone address, all served by one thread; enough SIP to answer a NOTIFY
(the response copies Via, From, To, Call-ID and CSeq, as RFC 3261 asks), and a 405 to
anything else. Which NOTIFYs a phone got is kept, for tests.
"""

from __future__ import annotations

import selectors
import socket
import threading

from voiceconsole.handsets.sip import parse_address

_COPIED = ("via", "from", "to", "call-id", "cseq")


def answer(request: bytes) -> tuple[bytes, bool] | None:
    """The response to a SIP request and whether it was a check-sync; None for a non-request."""
    text = request.decode("utf-8", "replace")
    head, _, _ = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    method = lines[0].split(" ", 1)[0]
    if not method.isalpha() or lines[0].startswith("SIP/2.0"):
        return None
    copied = [line for line in lines[1:] if line.split(":", 1)[0].strip().lower() in _COPIED]
    check_sync = method == "NOTIFY" and any(
        line.lower().startswith("event:") and "check-sync" in line.lower() for line in lines
    )
    status = "200 OK" if method == "NOTIFY" else "405 Method Not Allowed"
    response = "\r\n".join(
        [
            f"SIP/2.0 {status}",
            *copied,
            "User-Agent: voiceconsole-lab-phone",
            "Content-Length: 0",
            "",
            "",
        ]
    )
    return response.encode("ascii", "replace"), check_sync


class SimulatedPhones:
    """Phones at `addresses` (host:port), answering in a daemon thread until stopped."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses
        self.resyncs: dict[str, int] = {address: 0 for address in addresses}
        self._selector = selectors.DefaultSelector()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        for address in self.addresses:
            host, port = parse_address(address)
            sock = socket.socket(
                socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM
            )
            try:
                sock.bind((host, port))
            except OSError as err:
                sock.close()
                self.stop()
                raise OSError(
                    f"a simulated phone cannot listen on {address}: {err.strerror}"
                ) from None
            sock.setblocking(False)
            self._selector.register(sock, selectors.EVENT_READ, address)
        self._thread = threading.Thread(target=self._serve, name="lab-phones", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.2):
                sock: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    data, sender = sock.recvfrom(65535)
                except OSError:
                    continue
                answered = answer(data)
                if answered is None:
                    continue
                response, check_sync = answered
                if check_sync:
                    self.resyncs[key.data] += 1
                sock.sendto(response, sender)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for key in list(self._selector.get_map().values()):
            self._selector.unregister(key.fileobj)
            key.fileobj.close()  # type: ignore[union-attr]

    def __enter__(self) -> SimulatedPhones:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
