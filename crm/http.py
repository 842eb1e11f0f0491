"""One small HTTP client for outgoing calls (webhooks, chat robots): JSON in, status and text out.

The standard library is enough for a POST with a timeout; a failure of any kind (refused,
timed out, an HTTP error status) comes back as an `HttpResult` the caller records, never raises.

The URLs come from the admin pages, and what answers is stored and shown there, so a call never
reaches the server's own network: the host is resolved once, and a loopback, private,
link-local or otherwise non-public address (IPv4 carried inside IPv6 included) is refused before
anything is sent, unless it lies in `OUTGOING_ALLOWED_NETWORKS` (a receiver on the intranet);
the connection goes to exactly the addresses checked. Redirects are not followed (a POST
redirected arrives as a GET without its body). Through a proxy (`HTTPS_PROXY`), the proxy
connects: the target's name is checked before the request, and the proxy must refuse internal
addresses itself against a name that resolves differently a moment later.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass
class HttpResult:
    status: int | None
    text: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and not self.error


class AddressRefused(OSError):
    """The URL leads to an address inside the server's own network."""


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
_NOT_PUBLIC = [ipaddress.ip_network(n) for n in ("192.0.0.0/24", "fec0::/10", "64:ff9b:1::/48")]


def _embedded_ipv4(ip):
    """The IPv4 address an IPv6 address carries (mapped, compatible, translated, 6to4, NAT64)."""
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if any(ip in net for net in (_NAT64, _IPV4_COMPATIBLE, _IPV4_TRANSLATED)):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _inside(host: str) -> str:
    return _("%(host)s is an address inside the server's own network.") % {"host": host}


def refused_address(address: str) -> bool:
    """True for an address an outgoing call may not reach (not public, and not allowed by name)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_ipv4(ip)) is not None:
        if ip.ipv4_mapped or refused_address(str(inner)):
            ip = inner
    allowed = [ipaddress.ip_network(n, strict=False) for n in settings.OUTGOING_ALLOWED_NETWORKS]
    if any(ip in network for network in allowed if network.version == ip.version):
        return False
    return not ip.is_global or ip.is_multicast or any(ip in n for n in _NOT_PUBLIC if n.version == ip.version)


def check_host(host: str) -> None:
    """Refuse a host that is, or resolves to, an address outgoing calls may not reach."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise AddressRefused(_("%(host)s could not be checked: %(error)s") % {"host": host, "error": exc}) from None
    for info in infos:
        if refused_address(info[4][0]):
            raise AddressRefused(_inside(host))


def url_problem(url: str) -> str | None:
    """What is wrong with `url` as a target of outgoing calls, checked without a DNS lookup (a
    form can say it at once; the call checks the address it reaches): None when nothing."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return _("Enter an http or https URL.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host or ("%" in host and ":" not in host):
        return _("Enter a URL with a plain host name or address.")
    if host == "localhost" or host.endswith(".localhost"):
        return _inside(host)
    try:
        if refused_address(host):
            return _inside(host)
    except ValueError:
        pass  # a name: checked when the call connects
    return None


def checked_url(url: str) -> str:
    """`url` as a form's clean method returns it, or a ValidationError saying what is wrong."""
    problem = url_problem(url)
    if problem:
        raise ValidationError(problem)
    return url


def _checked_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, **kwargs):
    """Resolve once, refuse before any packet is sent if any address is refused, then connect to
    exactly the checked addresses (no second lookup a rebinding name could answer differently)."""
    host, port = address
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    if any(refused_address(info[4][0]) for info in infos):
        raise AddressRefused(_inside(host))
    error = None
    for *_ignored, sockaddr in infos:
        try:
            sock = socket.create_connection(sockaddr[:2], timeout, source_address, **kwargs)
        except OSError as exc:
            error = exc
            continue
        if refused_address(sock.getpeername()[0]):  # belt and braces
            sock.close()
            raise AddressRefused(_inside(host))
        return sock
    raise error or OSError(f"{host}: no address")


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _checked_connection


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _checked_connection


def _proxied(req: urllib.request.Request) -> bool:
    return req.has_proxy() or bool(getattr(req, "_tunnel_host", None))


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(http.client.HTTPConnection if _proxied(req) else _CheckedHTTPConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        connection = http.client.HTTPSConnection if _proxied(req) else _CheckedHTTPSConnection
        return self.do_open(connection, req, context=self._context)


class _CheckedProxyHandler(urllib.request.ProxyHandler):
    """Through a proxy the socket reaches the proxy, not the target: the target's name is
    checked before the request goes out."""

    def proxy_open(self, req, proxy, type):
        # what the proxy is asked for: req.host is unquoted (and is the CONNECT target for https)
        check_host(urllib.parse.urlsplit(req.full_url).hostname or "")
        check_host(urllib.parse.urlsplit("//" + req.host).hostname or "")
        return super().proxy_open(req, proxy, type)


_opener = urllib.request.OpenerDirector()
for _handler in (
    _CheckedProxyHandler(),
    urllib.request.UnknownHandler(),
    _CheckedHTTPHandler(),
    _CheckedHTTPSHandler(),
    urllib.request.HTTPDefaultErrorHandler(),
    urllib.request.HTTPErrorProcessor(),
):
    _opener.add_handler(_handler)


def post(url: str, body: bytes, headers: dict[str, str] | None = None, *, timeout: float = 10) -> HttpResult:
    try:
        problem = url_problem(url)
    except ValueError as exc:  # not a URL at all (the admin's forms refuse these)
        problem = str(exc) or _("Enter a valid URL.")
    if problem:
        return HttpResult(None, "", problem)
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    request.add_header("User-Agent", "sales-crm/1.0")
    for name, value in (headers or {}).items():
        request.headers[name] = value  # as written (add_header would send "X-crm-signature")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return HttpResult(response.status, response.read(4096).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        text = exc.read(4096).decode("utf-8", "replace") if exc.fp else ""
        if 300 <= exc.code < 400:  # a POST redirected would arrive as a GET without its body
            return HttpResult(exc.code, text, f"HTTP {exc.code}: " + _("redirects are not followed"))
        return HttpResult(exc.code, text, f"HTTP {exc.code}")
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return HttpResult(None, "", str(reason)[:500] or type(exc).__name__)
