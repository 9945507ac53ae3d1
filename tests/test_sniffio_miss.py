"""The sniffio miss lives only while a client is open, and never when sniffio is installed."""

from __future__ import annotations

import asyncio
import importlib.util
import subprocess
import sys

from scaleform.api import sniffio_miss


def test_importing_the_client_changes_no_global_state():
    code = "import sys, scaleform.api.client; print('sniffio' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_the_miss_is_recorded_while_a_client_is_open_and_removed_after():
    from scaleform.api.client import ApiClient

    installed = importlib.util.find_spec("sniffio") is not None
    before = sys.modules.get("sniffio", "absent")

    async def go():
        first = ApiClient("http://127.0.0.1:1/v1", "k")
        second = ApiClient("http://127.0.0.1:1/v1", "k")
        # With sniffio installed nothing is recorded; without it, the miss is a None entry.
        expected = before if installed else None
        assert sys.modules.get("sniffio", "absent") is expected
        await first.close()
        await first.close()  # closing twice releases once
        assert sys.modules.get("sniffio", "absent") is expected  # the second client is still open
        await second.close()

    asyncio.run(go())
    assert sys.modules.get("sniffio", "absent") is before


def test_an_entry_someone_else_placed_is_left_alone(monkeypatch):
    marker = object()
    monkeypatch.setitem(sys.modules, "sniffio", marker)
    sniffio_miss.hold()
    sniffio_miss.release()
    assert sys.modules["sniffio"] is marker
