"""An API key shorter than 8 characters is refused before anything is sent: redaction cannot hide
a key of 1 to 3 characters without garbling output, so such a key never reaches a request."""

from __future__ import annotations

import pytest

from scaleform.errors import ScaleformError
from scaleform.target import resolve_target


@pytest.mark.parametrize("key", ["k", "k3y", "k3y_456"])
def test_a_key_shorter_than_8_characters_is_refused_naming_its_variable(key):
    target = resolve_target(env={"SCALE_API_KEY": key})
    with pytest.raises(ScaleformError) as exc:
        target.client()
    assert str(exc.value) == f"SCALE_API_KEY holds {len(key)} characters; an API key is at least 8"


def test_the_variable_an_environment_names_is_the_one_named():
    from scaleform.manifest.environments import Environment

    env = Environment("prod", provider="scale", api_key_env="SCALE_PROD_KEY")
    target = resolve_target(env, env={"SCALE_PROD_KEY": "short", "SCALE_API_KEY": "long_enough_key"})
    with pytest.raises(ScaleformError, match="^SCALE_PROD_KEY holds 5 characters; an API key is at least 8$"):
        target.client()


def test_a_key_of_8_characters_makes_a_client():
    resolve_target(env={"SCALE_API_KEY": "k3y_4567"}).client()
