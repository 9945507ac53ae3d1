"""An editor that follows the modeline `export` writes gets completion from the copied schema
(yaml-language-server, the server VS Code and others use, driven over the Language Server Protocol)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from helpers import cli, make_db


def server_command() -> list[str]:
    module = os.environ.get("YAML_LANGUAGE_SERVER")
    if module and Path(module).exists() and shutil.which("node"):
        return ["node", module, "--stdio"]
    if shutil.which("yaml-language-server"):
        return ["yaml-language-server", "--stdio"]
    pytest.skip(
        "yaml-language-server is not available: no $YAML_LANGUAGE_SERVER with node, and none on PATH "
        "(.ci/run installs it from npm)"
    )


class Session:
    """A minimal LSP client: requests by id, answers to the server's own requests."""

    def __init__(self, command: list[str]):
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.inbox: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while line := out.readline().decode().strip():
                key, value = line.split(":", 1)
                headers[key.lower()] = value.strip()
            if not headers:
                return
            self.inbox.put(json.loads(out.read(int(headers["content-length"]))))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, ident: int, method: str, params: dict) -> dict:
        self.send({"id": ident, "method": method, "params": params})
        while True:
            message = self.inbox.get(timeout=60)
            if message.get("id") == ident and "method" not in message:
                return message.get("result")
            if "method" in message and "id" in message:  # the server asks for its settings
                items = message.get("params", {}).get("items", [])
                self.send({"id": message["id"], "result": [{"validate": True, "completion": True} for _ in items]})

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)


def test_the_exported_modeline_gives_completion(tmp_path):
    command = server_command()
    out = tmp_path / "manifests"
    assert cli("export", "--sandbox", str(make_db(tmp_path / "s.db")), "--out", str(out)).exit_code == 0
    modeline = (out / "team.yaml").read_text().splitlines()[0]
    assert modeline == "# yaml-language-server: $schema=.schema/manifest.schema.json"
    text = f"{modeline}\nversion: 1\nteam:\n  \n  managers: []\n"  # a blank line inside `team`
    path = out / "team.yaml"
    path.write_text(text)
    session = Session(command)
    try:
        session.request(
            1,
            "initialize",
            {"processId": os.getpid(), "rootUri": out.as_uri(), "capabilities": {"workspace": {"configuration": True}}},
        )
        session.send({"method": "initialized", "params": {}})
        session.send(
            {
                "method": "workspace/didChangeConfiguration",
                "params": {
                    "settings": {"yaml": {"validate": True, "completion": True, "schemaStore": {"enable": False}}}
                },
            }
        )
        session.send(
            {
                "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": path.as_uri(), "languageId": "yaml", "version": 1, "text": text}},
            }
        )
        result = session.request(
            2,
            "textDocument/completion",
            {"textDocument": {"uri": path.as_uri()}, "position": {"line": 3, "character": 2}},
        )
    finally:
        session.close()
    items = result.get("items", []) if isinstance(result, dict) else (result or [])
    labels = {item["label"] for item in items}
    assert {"members", "labelers"} <= labels, labels  # the schema's team keys, from the copied schema
