"""names: which live names can be addressed safely, and how they are shown."""

from __future__ import annotations

from scaleform.names import shown, unaddressable


def test_empty_dot_and_control_names_cannot_be_addressed():
    for name in ("", ".", "..", "a\x00b", "esc\x1b[2J", "del\x7f"):
        assert unaddressable(name) is not None, name
    for name in ("...", ".a", "a/b", "Street signs", "a" * 500, "é"):
        assert unaddressable(name) is None, name


def test_shown_escapes_control_characters_and_bounds_the_length():
    assert shown("a\x1bb") == "'a\\x1bb'"
    assert shown("x" * 300) == "'" + "x" * 200 + "…'"


def test_brackets_and_invisible_characters_are_not_addressable_and_never_printed_raw():
    from scaleform.names import terminal_safe

    assert unaddressable("street-signs].labeler[bo@acme.ai") is not None
    assert unaddressable("key\u200bname") is not None and unaddressable("\ufeffname") is not None
    assert terminal_safe("some_key\u200b_123\u2060") == "some_key\\u200b_123\\u2060"


def test_a_key_in_a_long_name_is_redacted_before_the_name_is_cut():
    import contextvars

    from scaleform.redaction import redacting, register_secret

    key = "sk_live_Zq7PwX93kLmN0aBcD4eF"

    def within_a_run() -> str:
        with redacting():
            register_secret(key)
            return shown("A" * 188 + key + "\u0001")

    text = contextvars.Context().run(within_a_run)
    assert key[:8] not in text and "sk_live" not in text and text.endswith("…'")


def test_json_for_a_terminal_escapes_what_json_leaves_raw():
    import json

    from scaleform.names import json_terminal_safe

    text = json.dumps({"error": "A\u009b2J\u202eevil\u0085x\u007f é"}, ensure_ascii=False)
    safe = json_terminal_safe(text)
    assert json.loads(safe) == json.loads(text)
    assert not any(ch in safe for ch in "\u009b\u202e\u0085\u007f") and "é" in safe
