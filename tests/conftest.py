from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    # Tests never depend on the developer's real credentials or API URL.
    for name in ("SCALE_API_KEY", "SCALE_API_URL", "SCALE_STAGING_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
