"""api/transport.py: the lean keep-alive pool, against real loopback sockets."""
from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest

from scaleform.api.transport import LeanTransport, lean_transport


class Server:
    """A tiny HTTP/1.1 server: `mode` decides what each connection does after each request."""

    def __init__(self, mode: str = "keep-alive"):
        self.mode = mode
        self.connections = 0
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                body = await reader.readexactly(length)
                self.requests += 1
                if self.mode == "hang-up":
                    break
                if self.mode == "stall":
                    await asyncio.sleep(5)
                payload = b'{"n": %d, "echo": %d}' % (self.requests, len(body))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(payload), payload))
                await writer.drain()
                if self.mode == "close-after-each":
                    break  # closes without saying so: the client must notice the dead idle socket
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc) -> None:
        self.server.close()


def run(coro):
    return asyncio.run(coro)


def test_sequential_requests_share_one_connection():
    async def go():
        server = Server()
        async with server as url, httpx.AsyncClient(transport=LeanTransport(), base_url=url) as client:
            bodies = [(await client.post("/x", content=b"abc")).json() for _ in range(20)]
        return server, bodies

    server, bodies = run(go())
    assert [b["n"] for b in bodies] == list(range(1, 21)) and bodies[0]["echo"] == 3
    assert server.connections == 1


def test_concurrent_requests_open_at_most_as_many_connections_as_in_flight():
    async def go():
        server = Server()
        limit = asyncio.Semaphore(4)
        async with server as url, httpx.AsyncClient(transport=LeanTransport(), base_url=url) as client:
            async def one():
                async with limit:
                    return (await client.get("/x")).status_code

            codes = await asyncio.gather(*(one() for _ in range(40)))
        return server, codes

    server, codes = run(go())
    assert codes == [200] * 40 and server.requests == 40
    assert 1 <= server.connections <= 4


def test_a_connection_the_server_closed_is_replaced():
    async def go():
        server = Server("close-after-each")
        async with server as url, httpx.AsyncClient(transport=LeanTransport(), base_url=url) as client:
            codes = []
            for _ in range(5):
                codes.append((await client.get("/x")).status_code)
                await asyncio.sleep(0.01)  # let the close arrive, as between real requests
        return server, codes

    server, codes = run(go())
    assert codes == [200] * 5 and server.connections == 5


def test_failures_are_httpx_transport_errors():
    async def go():
        out = {}
        async with Server("hang-up") as url, httpx.AsyncClient(transport=LeanTransport(), base_url=url) as client:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get("/x")
        async with Server("stall") as url, httpx.AsyncClient(transport=LeanTransport(), base_url=url,
                                                              timeout=httpx.Timeout(5, read=0.2)) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get("/x")
        async with Server() as url:
            dead = url
        async with httpx.AsyncClient(transport=LeanTransport(), base_url=dead) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get("/x")
        return out

    run(go())


def test_a_cancelled_request_does_not_return_its_connection():
    async def go():
        server = Server("stall")
        transport = LeanTransport()
        async with server as url, httpx.AsyncClient(transport=transport, base_url=url) as client:
            task = asyncio.ensure_future(client.get("/x"))
            while server.requests == 0:
                await asyncio.sleep(0.005)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            server.mode = "keep-alive"
            assert (await client.get("/x")).status_code == 200
        return server

    server = run(go())
    assert server.connections == 2  # the half-used connection was dropped, not reused


def test_proxies_in_the_environment_leave_it_to_httpx():
    assert lean_transport("https://api.scale.com/v1", {"HTTPS_PROXY": "http://proxy:3128"}) is None
    assert lean_transport("https://api.scale.com/v1", {"all_proxy": "socks5://p:1080"}) is None
    plain = lean_transport("http://127.0.0.1:1/v1", {})
    secure = lean_transport("https://api.scale.com/v1", {})
    assert isinstance(plain, LeanTransport) and plain._ssl is None
    assert isinstance(secure, LeanTransport) and isinstance(secure._ssl, ssl.SSLContext)
    assert secure._ssl.verify_mode == ssl.CERT_REQUIRED
