"""target: which URL and key a command uses, and the refusals that keep the key safe."""

from __future__ import annotations

import pytest

from scaleform.errors import ScaleformError
from scaleform.manifest.environments import Environment
from scaleform.target import PROVIDERS, check_url, resolve_target


def test_url_precedence_flag_then_variable_then_environment_then_scale():
    env = {"SCALE_API_KEY": "k", "SCALE_API_URL": "https://from-variable.test/v1"}
    staging = Environment("staging", provider="refonte", api_url=None, api_key_env=None, vars={})
    assert resolve_target(staging, api_url="https://flag.test/v1/", env=env).api_url == "https://flag.test/v1"
    assert resolve_target(staging, env=env).api_url == "https://from-variable.test/v1"
    assert resolve_target(staging, env={"SCALE_API_KEY": "k"}).api_url == PROVIDERS["refonte"]
    assert resolve_target(env={"SCALE_API_KEY": "k"}).api_url == PROVIDERS["scale"]


def test_the_key_comes_from_the_named_variable_and_is_never_shown():
    prod = Environment("prod", provider="scale", api_url=None, api_key_env="SCALE_PROD_KEY", vars={})
    target = resolve_target(prod, env={"SCALE_PROD_KEY": "secret-123", "SCALE_API_KEY": "other"})
    assert target.api_key == "secret-123" and "secret-123" not in repr(target)
    with pytest.raises(ScaleformError, match="SCALE_PROD_KEY") as exc:
        resolve_target(prod, env={"SCALE_API_KEY": "other"})
    assert "other" not in str(exc.value)


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://api.scale.com/v1", True),
        ("http://127.0.0.1:8765/v1", True),
        ("http://localhost/v1", True),
        ("http://[::1]:9/v1", True),
        ("http://api.example.com/v1", False),
        ("ftp://x/v1", False),
        ("nonsense", False),
    ],
)
def test_plain_http_only_to_loopback(url, ok):
    if ok:
        assert check_url(url) == url.rstrip("/")
    else:
        with pytest.raises(ScaleformError):
            check_url(url)
    assert check_url("http://api.example.com/v1", insecure_http=True)


def test_the_sandbox_target_records_its_path(tmp_path):
    from scaleform.sandbox.connect import Sandboxes

    with Sandboxes() as sandboxes:
        target = resolve_target(local=sandboxes.connect(str(tmp_path / "s.db"), env={}), env={})
    assert target.api_url == f"sandbox:{tmp_path / 's.db'}" and target.base_url == "http://sandbox.invalid/v1"
    assert target.api_key == "test_sandbox" and not (tmp_path / "s.db").exists()  # opened by a client, not before


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:18766\\.evil.example/v1",  # no valid port
        "http://127.0.0.1:18766/v1?",  # an empty query: the path would land in it
        "http://127.0.0.1:18766/v1 ",
        "http://127.0.0.1:18766/v1/../../x",
    ],
)
def test_a_url_that_could_send_requests_elsewhere_is_a_clear_error(url):
    with pytest.raises(ScaleformError, match="API URL"):
        check_url(url)
