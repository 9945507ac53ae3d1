"""`scaleform sandbox serve`: the sandbox app on a real HTTP port (uvicorn)."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable

from scaleform.sandbox.app import SandboxApp
from scaleform.sandbox.faults import FaultConfig
from scaleform.sandbox.store import Store


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: with Nagle on, a body sent after its headers waits for
    # the client's delayed ACK, which serializes keep-alive clients.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


def serve(
    db: str, host: str, port: int, api_key: str, faults: FaultConfig, announce: Callable[[str], None] = print
) -> None:
    import uvicorn

    sock = bind(host, port)
    bound = sock.getsockname()[1]
    app = SandboxApp(Store(db), api_key=api_key, faults=faults)
    app.store.warm()
    shown = f"[{host}]" if ":" in host else host
    announce(f"http://{shown}:{bound}/v1")
    sys.stdout.flush()
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", backlog=512)
    uvicorn.Server(config).run(sockets=[sock])
