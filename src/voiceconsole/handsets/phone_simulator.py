"""Simulated phones for `voiceconsole lab`: each answers a re-sync NOTIFY with 200 OK and
then, like a real phone, fetches its files from the provisioning server with its own login.

One UDP socket per phone address, all served by one thread; enough SIP to answer a NOTIFY
(the response copies Via, From, To, Call-ID and CSeq, as RFC 3261 asks), and a 405 to
anything else. A Yealink asks for the common file, then its own `<mac>.cfg`; a Poly asks for
its master file `<mac>.cfg`, then each file its CONFIG_FILES names. Which NOTIFYs a phone got
and what it fetched are kept, for tests.
"""

from __future__ import annotations

import re
import selectors
import socket
import ssl
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from voiceconsole.handsets.provisioning import REALM
from voiceconsole.handsets.sip import parse_address

YEALINK_COMMON = "y000000000000.cfg"


@dataclass(frozen=True)
class PhoneLogin:
    """Where a phone fetches its files and with which login (as it was staged)."""

    url: str
    user: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class PhoneSpec:
    address: str  # host:port where it answers SIP
    mac: str = ""
    family: str = ""  # "yealink_cfg" or "polycom_xml" (domain.handsets.ProvisioningFormat)
    login: PhoneLogin | None = None  # None: it answers re-syncs and fetches nothing


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


def fetch(login: PhoneLogin, name: str, timeout: float = 5.0) -> tuple[int, str]:
    """GET one file with the phone's login (digest, or basic over HTTPS): (status, text)."""
    url = f"{login.url.rstrip('/')}/{name}"
    passwords = urllib.request.HTTPPasswordMgr()
    passwords.add_password(REALM, login.url, login.user, login.secret)
    handlers: list[urllib.request.BaseHandler] = [urllib.request.HTTPDigestAuthHandler(passwords)]
    if url.startswith("https:"):
        # The lab's certificate is its own: a staged phone trusts it as it was told to.
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=context))
        handlers.append(urllib.request.HTTPBasicAuthHandler(passwords))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, ""
    except (urllib.error.URLError, OSError) as err:
        return 0, str(err)


def files_to_fetch(spec: PhoneSpec, first: str) -> list[str]:
    """After the first file: what the phone asks for next (a Poly: its CONFIG_FILES)."""
    found = re.search(r'CONFIG_FILES="([^"]*)"', first)
    if spec.family != "polycom_xml" or found is None:
        return []
    return [name.strip() for name in found.group(1).split(",") if name.strip()]


class SimulatedPhones:
    """Phones answering in a daemon thread until stopped (a plain address: a phone that only
    answers re-syncs)."""

    def __init__(self, phones: list[PhoneSpec] | list[str]) -> None:
        self.specs = [p if isinstance(p, PhoneSpec) else PhoneSpec(p) for p in phones]
        self.addresses = [spec.address for spec in self.specs]
        self.resyncs: dict[str, int] = {address: 0 for address in self.addresses}
        # What each phone fetched, in order: (file, HTTP status).
        self.fetched: dict[str, list[tuple[str, int]]] = {a: [] for a in self.addresses}
        self._by_address = {spec.address: spec for spec in self.specs}
        self._fetching = threading.Lock()
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
                spec = self._by_address[key.data]
                if check_sync and spec.login is not None:
                    threading.Thread(
                        target=self.provision, args=(spec,), name="lab-phone-fetch", daemon=True
                    ).start()

    def provision(self, spec: PhoneSpec) -> None:
        """What a phone does after a check-sync: fetch its files, in its vendor's order."""
        assert spec.login is not None
        mac_file = spec.mac.replace(":", "").lower() + ".cfg"
        with self._fetching:  # one fetch round per phone set at a time, as tests expect
            names = [YEALINK_COMMON, mac_file] if spec.family == "yealink_cfg" else [mac_file]
            for name in names:
                status, text = fetch(spec.login, name)
                self.fetched[spec.address].append((name, status))
                for more in files_to_fetch(spec, text) if status == 200 else []:
                    self.fetched[spec.address].append((more, fetch(spec.login, more)[0]))

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
