"""Forwarded headers (X-Forwarded-For, -Host, -Proto) are believed only from the reverse
proxies ASSISTANT_TRUSTED_PROXIES names, and parsed strictly: one value, a plain host[:port]
(no user info, path or list), a literal address, http or https. From anyone else they are
removed before the app sees them, so they can neither pick the client address the login
throttle counts nor become the root of the page's URLs."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED_HEADERS = frozenset(
    {
        b"x-forwarded-for",
        b"x-forwarded-host",
        b"x-forwarded-proto",
        b"x-forwarded-port",
        b"x-forwarded-prefix",
        b"x-forwarded-server",
        b"x-real-ip",
        b"forwarded",
    }
)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(
    rf"^(?:(?P<name>{_LABEL}(?:\.{_LABEL})*\.?)|\[(?P<v6>[0-9a-f:.]+)\])(?::(?P<port>\d{{1,5}}))?$",
    re.I,
)


class ForwardedError(ValueError):
    """A trusted proxy sent a forwarded header that is not one plain value."""


@dataclass(frozen=True)
class TrustedProxies:
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> TrustedProxies:
        """Comma-separated addresses or networks; raises ValueError naming a bad entry."""
        networks = []
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(
                    f"ASSISTANT_TRUSTED_PROXIES: {item[:60]!r} is not an IP address or network "
                    "(e.g. 10.0.0.5 or 10.0.0.0/24)"
                ) from None
        return cls(tuple(networks))

    def trusts(self, address: str) -> bool:
        if not self.networks:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)


def host_header(value: str) -> str:
    """One host[:port] (a DNS name, IPv4 address or [IPv6] literal, port ≤ 65535), lower
    case; raises ForwardedError for anything else (user info, path, list, spaces)."""
    match = _HOST.match(value) if len(value) <= 260 else None
    if match is None:
        raise ForwardedError("Invalid X-Forwarded-Host header: one host[:port] is accepted.")
    port = match.group("port")
    if port is not None and not 0 < int(port) < 65536:
        raise ForwardedError("Invalid X-Forwarded-Host header: the port is out of range.")
    if match.group("v6") is not None:
        try:
            ipaddress.IPv6Address(match.group("v6"))
        except ValueError:
            raise ForwardedError("Invalid X-Forwarded-Host header: not an IPv6 address.") from None
    return value.lower()


def forwarded_client(value: str, peer: str, proxies: TrustedProxies) -> str:
    """The client X-Forwarded-For names: the rightmost address that is not a trusted proxy
    (addresses further left were written by the client and prove nothing)."""
    addresses = [part.strip() for part in value.split(",")]
    for address in reversed(addresses):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise ForwardedError(
                "Invalid X-Forwarded-For header: a list of IP addresses is accepted."
            ) from None
        if not proxies.trusts(address):
            return address
    return addresses[0] if addresses else peer


def apply_forwarded(scope: dict[str, Any], proxies: TrustedProxies) -> dict[str, Any]:
    """The scope as the app should see it: from a trusted proxy, the client and scheme it
    forwarded and its X-Forwarded-Host checked; from anyone else, no forwarded headers."""
    headers = scope.get("headers", [])
    forwarded = [(k.lower(), v) for k, v in headers if k.lower() in FORWARDED_HEADERS]
    if not forwarded:
        return scope
    peer = str(scope["client"][0]) if scope.get("client") else ""
    if not proxies.trusts(peer):
        kept = [(k, v) for k, v in headers if k.lower() not in FORWARDED_HEADERS]
        return {**scope, "headers": kept}
    names = [k for k, _ in forwarded]
    for name in (b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-for"):
        if names.count(name) > 1:
            raise ForwardedError(f"Invalid {name.decode().title()} header: sent more than once.")
    values = {k: v.decode("latin-1").strip() for k, v in forwarded}
    scope = dict(scope)
    if b"x-forwarded-host" in values:
        host_header(values[b"x-forwarded-host"])
    if b"x-forwarded-proto" in values:
        proto = values[b"x-forwarded-proto"].lower()
        if proto not in ("http", "https"):
            raise ForwardedError("Invalid X-Forwarded-Proto header: http or https is accepted.")
        scope["scheme"] = {"http": proto, "websocket": "wss" if proto == "https" else "ws"}[
            scope["type"]
        ]
    if b"x-forwarded-for" in values:
        client = forwarded_client(values[b"x-forwarded-for"], peer, proxies)
        scope["client"] = (client, 0)
    return scope
