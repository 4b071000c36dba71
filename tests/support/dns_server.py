"""A real authoritative DNS server on loopback (UDP and TCP) answering from a test's zone.

    zone = Zone()
    zone.txt("news.example", "v=spf1 ip4:203.0.113.5 -all")
    zone.mx("news.example", 10, "mx.news.example")
    with DnsServer(zone) as server:
        lookups = Lookups(server.resolver())

A name with no record of the asked type, but with records (or records below it),
gets an empty NOERROR answer; any other name gets NXDOMAIN. Names in `zone.failing`
get SERVFAIL and names in `zone.silent` get no answer at all (the client times out).
A UDP answer too big for the client is sent truncated, as a real server does, and
the client asks again over TCP.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from dataclasses import dataclass, field
from types import TracebackType

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.rrset

TTL = 60
UDP_DEFAULT_SIZE = 512
TXT_STRING_MAX = 255


def _key(name: str) -> str:
    return name.lower().rstrip(".")


@dataclass
class Zone:
    """The records a test serves: (owner, type) → rdata in zone-file text."""

    records: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)
    silent: set[str] = field(default_factory=set)
    asked: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, rdtype: str, *rdata: str) -> Zone:
        self.records.setdefault((_key(name), rdtype.upper()), []).extend(rdata)
        return self

    def txt(self, name: str, *texts: str) -> Zone:
        """One TXT record per text, each split into strings of at most 255 characters."""
        for text in texts:
            chunks = [text[i : i + TXT_STRING_MAX] for i in range(0, len(text), TXT_STRING_MAX)]
            self.add(name, "TXT", " ".join(_quoted(chunk) for chunk in chunks or [""]))
        return self

    def a(self, name: str, *addresses: str) -> Zone:
        return self.add(name, "A", *addresses)

    def aaaa(self, name: str, *addresses: str) -> Zone:
        return self.add(name, "AAAA", *addresses)

    def mx(self, name: str, preference: int, host: str) -> Zone:
        return self.add(name, "MX", f"{preference} {host.rstrip('.')}.")

    def remove(self, name: str, rdtype: str) -> Zone:
        self.records.pop((_key(name), rdtype.upper()), None)
        return self

    def lookups_of(self, rdtype: str) -> list[str]:
        with self.lock:
            return [name for name, asked in self.asked if asked == rdtype]

    def exists(self, name: str) -> bool:
        key = _key(name)
        return any(owner == key or owner.endswith("." + key) for owner, _ in self.records)

    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        """The response to `query`, or None to stay silent."""
        question = query.question[0]
        name = _key(question.name.to_text())
        rdtype = dns.rdatatype.to_text(question.rdtype)
        with self.lock:
            self.asked.append((name, rdtype))
        if name in self.silent:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if name in self.failing:
            response.set_rcode(dns.rcode.SERVFAIL)
        elif (name, rdtype) in self.records:
            rrset = dns.rrset.from_text(
                question.name, TTL, dns.rdataclass.IN, rdtype, *self.records[(name, rdtype)]
            )
            response.answer.append(rrset)
        elif not self.exists(name):
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Udp(socketserver.ThreadingUDPServer):
    daemon_threads = True
    allow_reuse_address = True
    zone: Zone


class _Tcp(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    zone: Zone


class _UdpHandler(socketserver.BaseRequestHandler):
    server: _Udp

    def handle(self) -> None:
        data, sock = self.request
        query = dns.message.from_wire(data)
        response = self.server.zone.answer(query)
        if response is None:
            return
        limit = query.payload if query.edns >= 0 else UDP_DEFAULT_SIZE
        try:
            wire = response.to_wire(max_size=max(limit, UDP_DEFAULT_SIZE))
        except dns.exception.TooBig:
            truncated = dns.message.make_response(query)
            truncated.flags |= dns.flags.TC | dns.flags.AA
            wire = truncated.to_wire()
        sock.sendto(wire, self.client_address)


class _TcpHandler(socketserver.BaseRequestHandler):
    server: _Tcp

    def handle(self) -> None:
        sock: socket.socket = self.request
        header = _read_exactly(sock, 2)
        if header is None:
            return
        data = _read_exactly(sock, struct.unpack("!H", header)[0])
        if data is None:
            return
        response = self.server.zone.answer(dns.message.from_wire(data))
        if response is None:
            return
        wire = response.to_wire()
        sock.sendall(struct.pack("!H", len(wire)) + wire)


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class DnsServer:
    """The zone served on one loopback port, over UDP and TCP, until stopped."""

    def __init__(self, zone: Zone) -> None:
        self.zone = zone
        self._udp, self._tcp = _bind_pair()
        self._udp.zone = self._tcp.zone = zone
        self.port = int(self._udp.server_address[1])
        self._threads = [
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
            for server in (self._udp, self._tcp)
        ]

    def resolver(self, *, lifetime: float = 2.0) -> dns.resolver.Resolver:
        """A resolver that asks only this server."""
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = self.port
        resolver.lifetime = lifetime
        return resolver

    def __enter__(self) -> DnsServer:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for server in (self._udp, self._tcp):
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join()


def _bind_pair() -> tuple[_Udp, _Tcp]:
    """A UDP and a TCP server on the same free port (a DNS client falls back to TCP)."""
    for _ in range(20):
        udp = _Udp(("127.0.0.1", 0), _UdpHandler)
        try:
            return udp, _Tcp(("127.0.0.1", udp.server_address[1]), _TcpHandler)
        except OSError:
            udp.server_close()
    raise RuntimeError("no free loopback port for both UDP and TCP")
