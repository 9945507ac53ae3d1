"""secrets: the key is redacted in every form it can be echoed back in."""

from __future__ import annotations

import base64
from urllib.parse import quote

from scaleform.redaction import redact, register_secret


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
