"""`scaleform sandbox serve` over loopback: the 10 MB body limit on the wire, and the one key it
accepts."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import httpx

from helpers import KEY, cli, make_db, request_log, served
from scaleform.sandbox.fields import MAX_BODY

AUTH = "Authorization: Basic dGVzdF9zYW5kYm94Og=="  # test_sandbox, empty password
MB = 1024 * 1024


def _exchange(url: str, head: str, body: list[bytes]) -> tuple[int, dict]:
    """Send a request's head and `body` on a raw socket (never its end), then read the answer
    until the server closes: the status and the JSON error. A server that waited for the rest of
    the body would hit the timeout instead."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        sock.sendall(head.encode() + b"\r\n\r\n")
        for chunk in body:
            sock.sendall(chunk)
        answer = b""
        while data := sock.recv(65536):
            answer += data
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), json.loads(rest.partition(b"\r\n\r\n")[2])


def test_a_body_over_10_mb_is_413_on_the_wire_without_reading_the_rest(tmp_path):
    db = make_db(tmp_path / "s.db")
    with served(db) as url:
        path = urlsplit(url).path + "/projects"
        declared = f"POST {path} HTTP/1.1\r\nHost: x\r\n{AUTH}\r\nContent-Length: {20 * MB}"
        status, error = _exchange(url, declared, [b" " * 1024])  # the server must not wait for 20 MB
        assert (status, error["status_code"]) == (413, 413) and "10 MB" in error["error"]
        chunked = f"POST {path} HTTP/1.1\r\nHost: x\r\n{AUTH}\r\nTransfer-Encoding: chunked"
        chunk = b"%x\r\n%s\r\n" % (MB, b" " * MB)
        over = MAX_BODY // MB * [chunk] + [b"1\r\n \r\n"]  # one byte past the limit, and no last chunk
        status, error = _exchange(url, chunked, over)
        assert (status, error["status_code"]) == (413, 413)
        assert httpx.post(url + "/projects", content=b"[" * 100_000, auth=(KEY, "")).status_code == 400
        log = request_log(db)
    assert [(r["method"], r["path"], r["status"]) for r in log] == [
        ("POST", "/v1/projects", 413),
        ("POST", "/v1/projects", 413),
        ("POST", "/v1/projects", 400),
    ]


def test_serve_never_takes_the_key_from_scale_api_key_by_itself(tmp_path):
    db = make_db(tmp_path / "s.db")
    with served(db, env={"SCALE_API_KEY": "live_in_the_shell"}) as url:
        assert httpx.get(url + "/teams", auth=("live_in_the_shell", "")).status_code == 401
        assert httpx.get(url + "/teams", auth=(KEY, "")).status_code == 200
    with served(db, "--api-key-env", "SCALE_SANDBOX_KEY", env={"SCALE_SANDBOX_KEY": "test_other"}) as url:
        assert httpx.get(url + "/teams", auth=("test_other", "")).status_code == 200
        assert httpx.get(url + "/teams", auth=(KEY, "")).status_code == 401


def test_api_key_env_must_name_a_set_variable_and_no_key_is_taken_on_the_command_line(tmp_path):
    db = make_db(tmp_path / "s.db")
    unset = cli("sandbox", "serve", "--db", str(db), "--api-key-env", "SCALE_NOT_SET_ANYWHERE")
    assert unset.exit_code == 1 and "SCALE_NOT_SET_ANYWHERE" in unset.stderr and "not set" in unset.stderr
    in_argv = cli("sandbox", "serve", "--db", str(db), "--api-key", "k")
    assert in_argv.exit_code == 1 and "No such option '--api-key'" in in_argv.stderr
    assert "--api-key-env NAME" in cli("sandbox", "serve", "--help").output
