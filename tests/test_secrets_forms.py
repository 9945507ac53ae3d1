"""secrets: the key is redacted in every form it can be echoed back in."""
from __future__ import annotations

import base64
from urllib.parse import quote

from scaleform.secrets import redact, register_secret


def test_every_form_of_a_registered_key_is_redacted():
    key = "Sk/Unit+Test=Key_91"
    register_secret(key)
    basic = base64.b64encode(f"{key}:".encode()).decode()
    for form in (key, basic, basic.rstrip("="), quote(key, safe=""), quote(key, safe="").lower(), quote(key),
                 key.lower(), key.upper(), key.swapcase()):
        assert redact(f"<{form}>") == "<***>", form


def test_text_without_the_key_is_left_alone_and_short_values_are_never_registered():
    register_secret("abc")
    assert redact("abc and the rest") == "abc and the rest"
