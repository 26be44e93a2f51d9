"""Serving the app with waitress, and trusting a TLS-terminating proxy only when told to.

waitress speaks plain http, so in an https deployment TLS ends at a reverse proxy, which reports
the visitor's scheme, address and host in `X-Forwarded-Proto`, `X-Forwarded-For` and
`X-Forwarded-Host`. Those headers are believed only from the addresses in `TRELLIS_TRUSTED_PROXY`
(or `trellis serve --trusted-proxy`): waitress then makes the request https (so the session
cookie is Secure and `Strict-Transport-Security` is sent) and gives the visitor's own address to
the app (so the sign-in throttle counts each visitor, not the proxy). From any other address,
waitress removes the headers before the app sees them.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from waitress.proxy_headers import proxy_headers_middleware
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

TRUSTED_PROXY_ENV = "TRELLIS_TRUSTED_PROXY"
# What the proxy may tell us. Not X-Forwarded-Port/By nor Forwarded: waitress accepts either
# the X-Forwarded-* family or Forwarded, and common proxies (nginx, Caddy, Traefik) send X-*.
FORWARDED_HEADERS = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})
# One proxy in front of us: the last entry of X-Forwarded-For is the address it saw.
PROXY_HOPS = 1


class TrustedProxyError(ValueError):
    """The trusted-proxy setting names something that is not an IP address."""


def trusted_proxy_addresses(setting: str | None) -> tuple[str, ...]:
    """The proxies whose forwarded headers are believed: a comma-separated list of IP addresses
    (`10.0.0.5, ::1`), written as waitress sees the peer. Empty or unset means none."""
    addresses = []
    for entry in (setting or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            addresses.append(str(ipaddress.ip_address(entry)))
        except ValueError:
            raise TrustedProxyError(
                f"{TRUSTED_PROXY_ENV} / --trusted-proxy: {entry!r} is not an IP address "
                "(give the proxy's address as this server sees it, e.g. 127.0.0.1)"
            ) from None
    return tuple(dict.fromkeys(addresses))


def trusting_several_proxies(app, proxies: tuple[str, ...]):
    """waitress trusts one proxy address; for several, route each request through waitress's
    own proxy-header handling set up for the peer it came from, and strip the headers of
    everyone else."""
    by_peer = {
        address: proxy_headers_middleware(app, trusted_proxy=address, trusted_proxy_count=PROXY_HOPS,
                                          trusted_proxy_headers=set(FORWARDED_HEADERS), clear_untrusted=True)
        for address in proxies
    }
    untrusted = proxy_headers_middleware(app, trusted_proxy=None, clear_untrusted=True)

    def dispatch(environ, start_response):
        return by_peer.get(environ.get("REMOTE_ADDR"), untrusted)(environ, start_response)

    return dispatch


def waitress_setup(app, proxies: tuple[str, ...]) -> tuple[Any, dict[str, Any]]:
    """The WSGI app and waitress options that trust forwarded headers from `proxies` only."""
    if not proxies:
        return app, {"clear_untrusted_proxy_headers": True}
    if len(proxies) == 1:
        return app, {"trusted_proxy": proxies[0], "trusted_proxy_count": PROXY_HOPS,
                     "trusted_proxy_headers": " ".join(sorted(FORWARDED_HEADERS)),
                     "clear_untrusted_proxy_headers": True}
    # The dispatcher clears untrusted headers itself; waitress must not wrap a second time.
    return trusting_several_proxies(app, proxies), {"clear_untrusted_proxy_headers": False}


def make_server(app, host: str, port: int, threads: int,
                proxies: tuple[str, ...] = ()) -> BaseWSGIServer | MultiSocketServer:
    """A waitress server for the app (not yet running: call `.run()`; `.close()` stops it)."""
    wsgi_app, options = waitress_setup(app, proxies)
    return create_server(wsgi_app, host=host, port=port, threads=threads, ident="trellis", **options)
