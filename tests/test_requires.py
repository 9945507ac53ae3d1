"""manifest.requires: settings.requires is checked before anything else, with a located error."""

from __future__ import annotations

import pytest

from helpers import cli, write_manifest
from scaleform import __version__
from scaleform.manifest.requires import satisfied


@pytest.mark.parametrize(
    "spec, version, ok",
    [
        (">=0.1", "0.1.0", True),
        (">=0.2", "0.1.0", False),
        (">=0.1, <1", "0.9.9", True),
        (">=0.1, <1", "1.0", False),
        ("==0.1.0", "0.1.0", True),
        ("!=0.1", "0.1.0", False),
        (">0.1", "0.1.1", True),
        ("<=0.1.0", "0.1.1", False),
        ("latest", "0.1.0", None),
        (">= x", "0.1.0", None),
        ("", "0.1.0", None),
    ],
)
def test_requirements_compare_numerically(spec, version, ok):
    assert satisfied(spec, version) is ok


def test_a_newer_requirement_is_reported_first_located_and_naming_both_versions(tmp_path):
    m = write_manifest(
        tmp_path / "m" / "a.yaml",
        'settings:\n  requires: ">=99.0"\nprojects:\n  p: {type: imageannotation, syntax_from_the_future: 1}\n',
    ).parent
    result = cli("validate", str(m))
    assert result.exit_code == 1
    assert (
        "a.yaml:2:13: these manifests require scaleform >=99.0, and this is scaleform " + __version__ in result.stderr
    )
    assert "syntax_from_the_future" not in result.stderr  # an older build does not judge newer syntax
    fine = write_manifest(tmp_path / "ok" / "a.yaml", f'settings: {{requires: ">={__version__}"}}\n').parent
    assert cli("validate", str(fine)).exit_code == 0
