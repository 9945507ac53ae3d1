"""A lean keep-alive pool for httpx: httpcore's HTTP/1.1 connections, without httpcore's pool.

httpcore's AsyncConnectionPool re-examines every connection and every queued request on each
request and on each response close, polling idle sockets as it goes. ApiClient already bounds
concurrency in front of it, so that bookkeeping buys nothing here, and it was about 40% of the
client's CPU per request (1.6 against 0.9 ms measured against the local sandbox). This pool only
reuses an idle connection to the same origin or opens a new one; HTTP itself (h11, TLS,
timeouts) stays httpcore's.

httpx ignores proxy variables when given a transport, so `lean_transport` returns None when the
environment names a proxy, and httpx's own transport (which honours them) is used instead.
"""
from __future__ import annotations

import os
import ssl
from typing import AsyncIterator

import httpcore
import httpx

_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy")


def _httpx_error(exc: BaseException) -> Exception | None:
    """The httpx exception for an httpcore one: the classes share their names (ReadTimeout, ...)."""
    cls = getattr(httpx, type(exc).__name__, None)
    if isinstance(exc, httpcore.ConnectionNotAvailable) or not (isinstance(cls, type) and issubclass(cls, httpx.TransportError)):
        return None
    return cls(str(exc))


class _Body(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream, release) -> None:
        self._stream = stream
        self._release = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except Exception as exc:
            mapped = _httpx_error(exc)
            if mapped is None:
                raise
            raise mapped from exc

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._release()


class LeanTransport(httpx.AsyncBaseTransport):
    def __init__(self, ssl_context: ssl.SSLContext | None = None, keepalive_expiry: float = 5.0) -> None:
        self._ssl = ssl_context
        self._expiry = keepalive_expiry
        self._idle: dict[tuple, list[httpcore.AsyncHTTPConnection]] = {}
        self._open: set[httpcore.AsyncHTTPConnection] = set()

    def _connection(self, origin: httpcore.Origin, key: tuple) -> httpcore.AsyncHTTPConnection:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()  # the most recently used: the least likely to have been closed by the server
            if conn.is_available() and not conn.has_expired():
                return conn
            self._open.discard(conn)
        conn = httpcore.AsyncHTTPConnection(origin=origin, ssl_context=self._ssl, keepalive_expiry=self._expiry)
        self._open.add(conn)
        return conn

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = url.port or (443 if url.raw_scheme == b"https" else 80)
        key = (url.raw_scheme, url.raw_host, port)
        origin = httpcore.Origin(url.raw_scheme, url.raw_host, port)
        core = httpcore.Request(method=request.method, url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host,
                                                                        port=url.port, target=url.raw_path),
                                headers=request.headers.raw, content=request.stream, extensions=request.extensions)
        while True:
            conn = self._connection(origin, key)
            try:
                response = await conn.handle_async_request(core)
            except BaseException as exc:
                # httpcore closes a connection whose request failed or was cancelled.
                self._open.discard(conn)
                if isinstance(exc, httpcore.ConnectionNotAvailable):
                    continue  # closed under us between the check and the request: take another
                mapped = _httpx_error(exc)
                if mapped is None:
                    raise
                raise mapped from exc
            break

        def release() -> None:
            if conn.is_idle():
                self._idle.setdefault(key, []).append(conn)
            else:
                self._open.discard(conn)

        return httpx.Response(status_code=response.status, headers=response.headers,
                              stream=_Body(response.stream, release), extensions=response.extensions)

    async def aclose(self) -> None:
        conns, self._open, self._idle = list(self._open), set(), {}
        for conn in conns:
            await conn.aclose()


def lean_transport(base_url: str, environ: dict[str, str] | None = None) -> LeanTransport | None:
    """The lean pool for `base_url`, or None when a proxy is configured (httpx then handles it)."""
    env = os.environ if environ is None else environ
    if any(env.get(name) or env.get(name.upper()) for name in _PROXY_VARS):
        return None
    return LeanTransport(httpx.create_ssl_context() if base_url.startswith("https://") else None)
