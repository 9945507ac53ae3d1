"""secrets: the key is redacted in every form it can be echoed back in."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest

from scaleform.redaction import redact, redacting, register_secret


@pytest.fixture(autouse=True)
def run():
    """Each test is one run: what it registers is redacted until the test ends, then forgotten."""
    with redacting():
        yield


def test_every_form_of_a_registered_key_is_redacted():
    key = "Sk/Unit+Test=Key_91"
    register_secret(key)
    basic = base64.b64encode(f"{key}:".encode()).decode()
    for form in (
        key,
        basic,
        basic.rstrip("="),
        quote(key, safe=""),
        quote(key, safe="").lower(),
        quote(key),
        key.lower(),
        key.upper(),
        key.swapcase(),
    ):
        assert redact(f"<{form}>") == "<***>", form


def test_text_without_the_key_is_left_alone_and_short_values_are_never_registered():
    register_secret("abc")
    assert redact("abc and the rest") == "abc and the rest"


def test_encodings_a_proxy_or_server_may_echo_are_redacted_at_any_offset():
    from urllib.parse import quote_plus

    key = "Other/Key+For Forms~42"
    register_secret(key)
    raw = key.encode()
    for form in (
        "".join(f"%{b:02X}" for b in raw),
        "".join(f"%{b:02x}" for b in raw),
        quote_plus(key),
        base64.urlsafe_b64encode(raw + b":").decode(),
    ):
        assert redact(f"<{form}>") == "<***>", form
    for prefix in (b"x", b"xy", b"Basic ", b"id=1&key="):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            echoed = encode(prefix + raw).decode()
            left = redact(echoed)
            assert "***" in left and len(left) < len(echoed) - len(key)  # the key's characters are gone


def test_a_cut_never_leaves_part_of_a_key():
    from scaleform.redaction import redacted_prefix

    key = "Cut_Key_Example_9876"
    register_secret(key)
    text = "x" * 490 + key
    assert redacted_prefix(text, 500) == "x" * 490 + "***"


def test_a_key_is_forgotten_when_its_run_ends_and_runs_do_not_share_keys():
    import contextvars

    key = "Run_Scoped_Key_31"

    def outside_any_run() -> None:  # an empty context: not this test's run
        with redacting():
            register_secret(key)
            assert redact(f"<{key}>") == "<***>"
            with redacting():  # a block inside a run (an API call a command makes) is that run
                assert redact(key) == "***"
        assert redact(key) == key
        with redacting():  # a later run sees none of the first one's keys
            assert redact(key) == key

    contextvars.Context().run(outside_any_run)


def test_outside_a_run_nothing_is_registered_or_redacted():
    import contextvars

    def outside() -> str:
        register_secret("No_Run_Key_5678")
        return redact("No_Run_Key_5678")

    # A fresh context has no run, whatever the caller's.
    assert contextvars.Context().run(outside) == "No_Run_Key_5678"


def test_a_public_api_call_outside_a_command_is_a_run_of_its_own():
    import contextvars

    from scaleform.redaction import in_a_run, redact, register_secret

    @in_a_run
    def call() -> str:
        register_secret("sk_live_api_call_key")
        return redact("the API said sk_live_api_call_key")

    def outside_any_run() -> None:  # an empty context: not this test's run
        assert call() == "the API said ***"
        assert redact("sk_live_api_call_key") == "sk_live_api_call_key"  # the run, and its key, are over

    contextvars.Context().run(outside_any_run)


def test_a_short_key_is_redacted_too():
    key = "k3y42"
    register_secret(key)
    assert redact(f"the key {key} and {key.upper()}") == "the key *** and ***"


def test_an_error_a_public_api_call_raises_is_redacted():
    import contextvars

    from scaleform.errors import ScaleformError
    from scaleform.redaction import in_a_run

    @in_a_run
    def call() -> None:
        register_secret("sk_live_raised_key_77")
        raise ScaleformError("HTTP 401: Bad key sk_live_raised_key_77")

    def outside_any_run() -> None:
        with pytest.raises(ScaleformError) as exc:
            call()
        assert "sk_live_raised_key_77" not in str(exc.value)
        assert [p.message for p in exc.value.problems] == ["HTTP 401: Bad key ***"]

    contextvars.Context().run(outside_any_run)


def test_hex_base32_and_reversed_forms_are_redacted():
    key = "Hex/B32_Key+Form9"
    register_secret(key)
    raw = key.encode()
    b32 = base64.b32encode(raw).decode()
    for form in (raw.hex(), raw.hex().upper(), b32, b32.rstrip("="), b32.lower(), key[::-1]):
        assert redact(f"<{form}>") == "<***>", form
    for prefix in (b"x", b"xy", b"xyz", b"wxyz", b"id=1&key="):  # base32 of text holding the key, at each offset
        echoed = base64.b32encode(prefix + raw + b"!").decode()
        left = redact(echoed)
        assert "***" in left and len(left) < len(echoed) - len(key), prefix  # the key's characters are gone


def test_json_and_html_escaped_forms_are_redacted():
    import html
    import json

    key = 'Js"on\\Key<&>é_42'
    register_secret(key)
    forms = (
        json.dumps(key)[1:-1],  # Js\"on\\Key<&>\u00e9_42
        json.dumps(key, ensure_ascii=False)[1:-1],
        html.escape(key),
        html.escape(key, quote=False),
    )
    for form in forms:
        assert form != key and redact(f"<{form}>") == "<***>", form
    # A key re-serialized inside a JSON body, as the API client quotes a body without `error` text.
    assert key not in redact(json.dumps({"message": f"bad key {key}"}))
    assert "***" in redact(json.dumps({"message": f"bad key {key}"}))
