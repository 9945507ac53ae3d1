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
