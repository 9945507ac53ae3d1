"""Environments and variables end to end: -e picks URL, key variable and vars."""

from __future__ import annotations

import pytest

from helpers import cli, make_db, served, write_manifest
from scaleform.errors import ScaleformError
from scaleform.manifest.environments import Environment
from scaleform.target import resolve_target


def env_manifest(tmp_path, url: str):
    return write_manifest(
        tmp_path / "m" / "env.yaml",
        f"""\
        environments:
          staging: {{api_url: "{url}", api_key_env: SCALE_STG_KEY, vars: {{prefix: stg}}}}
          production: {{provider: scale, api_key_env: SCALE_PROD_KEY, vars: {{prefix: prod}}}}
        projects:
          ${{var.prefix}}-signs: {{type: imageannotation, studio: true}}
        """,
    ).parent


def test_environment_selects_url_key_and_vars(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    with served(db) as url:
        m = env_manifest(tmp_path, url)
        ok = cli("plan", str(m), "-e", "staging", env={"SCALE_STG_KEY": "test_sandbox"})
        assert ok.exit_code == 0, ok.output
        assert ok.stdout.splitlines()[0] == f"scaleform plan for {url} (environment: staging)"
        assert "+ project[stg-signs]" in ok.stdout
        wrong = cli("plan", str(m), "-e", "staging", env={"SCALE_STG_KEY": "live_distinctive_wrong_key"})
        assert wrong.exit_code == 1
        assert "rejected the key" in wrong.stderr and "live_distinctive_wrong_key" not in wrong.output


def test_environment_required_unknown_and_missing_key(tmp_path):
    m = env_manifest(tmp_path, "http://127.0.0.1:9/v1")
    required = cli("plan", str(m))
    assert required.exit_code == 1 and "-e/--environment" in required.stderr
    unknown = cli("plan", str(m), "-e", "qa")
    assert (
        unknown.exit_code == 1
        and "unknown environment 'qa'" in unknown.stderr
        and "production, staging" in unknown.stderr
    )
    missing = cli("plan", str(m), "-e", "production", env={"SCALE_PROD_KEY": ""})
    assert missing.exit_code == 1 and "set the environment variable SCALE_PROD_KEY" in missing.stderr


def test_url_resolution_order():
    env = Environment("x", provider="refonte", api_key_env="SCALE_K")
    assert resolve_target(env, env={"SCALE_K": "k"}).api_url == "https://api.refonte.com/v1"
    assert (
        resolve_target(env, env={"SCALE_K": "k", "SCALE_API_URL": "https://b.example/v1"}).api_url
        == "https://b.example/v1"
    )
    assert (
        resolve_target(
            env, api_url="https://a.example/v1", env={"SCALE_K": "k", "SCALE_API_URL": "https://b.example/v1"}
        ).api_url
        == "https://a.example/v1"
    )
    assert resolve_target(None, env={"SCALE_API_KEY": "k"}).api_url == "https://api.scale.com/v1"
    assert resolve_target(None, provider="refonte", env={"SCALE_API_KEY": "k"}).api_url == "https://api.refonte.com/v1"


def test_plain_http_refused_for_remote_hosts():
    with pytest.raises(ScaleformError, match="refusing plain http://"):
        resolve_target(None, api_url="http://api.example.com/v1", env={"SCALE_API_KEY": "k"})
    assert (
        resolve_target(
            None, api_url="http://api.example.com/v1", insecure_http=True, env={"SCALE_API_KEY": "k"}
        ).api_url
        == "http://api.example.com/v1"
    )
    for url in ("http://127.0.0.1:8/v1", "http://localhost:8/v1", "http://[::1]:8/v1"):
        assert resolve_target(None, api_url=url, env={"SCALE_API_KEY": "k"}).api_url == url


def test_validate_without_e_checks_every_environment_and_names_the_one_that_fails(tmp_path):
    m = write_manifest(
        tmp_path / "m" / "env.yaml",
        """\
        environments:
          staging: {provider: scale, vars: {prefix: stg}}
          production: {provider: scale, vars: {prefix: ".."}}
        projects:
          "${var.prefix}": {type: imageannotation}
          shared: {type: imageannotation, unknown_key: 1}
        """,
    ).parent
    result = cli("validate", str(m))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert sum("unknown key 'unknown_key'" in line for line in lines) == 1  # shared: said once
    assert any(line.startswith("error: ") and "[environment production]" in line and "'..'" in line for line in lines)
    assert not any("[environment staging]" in line for line in lines)
    github = cli("validate", str(m), "--format", "github")
    assert "[environment production]" in github.stdout and "::error file=" in github.stdout
    assert cli("validate", str(m), "-e", "staging").exit_code == 1  # the shared problem


def test_the_examples_with_environments_validate_in_every_environment():
    from helpers import ROOT

    for example in ("multi-env", "composition"):
        result = cli("validate", str(ROOT / "examples" / example))
        assert result.exit_code == 0, result.output
        assert "valid in each environment" in result.stdout


def test_export_and_the_twin_follow_e_to_that_environments_url_and_key(tmp_path):
    from helpers import request_log

    staging_db, production_db = make_db(tmp_path / "stg.db", "empty"), make_db(tmp_path / "prod.db", "demo")
    with served(staging_db) as staging, served(production_db) as production:
        m = write_manifest(
            tmp_path / "m" / "env.yaml",
            f"""\
            environments:
              staging: {{api_url: "{staging}", api_key_env: SCALE_STG_KEY}}
              production: {{api_url: "{production}", api_key_env: SCALE_PROD_KEY}}
            """,
        ).parent
        keys = {"SCALE_STG_KEY": "test_sandbox", "SCALE_PROD_KEY": "wrong", "SCALE_API_KEY": "wrong"}
        exported = cli("export", str(m), "-e", "staging", "--out", str(tmp_path / "out"), env=keys)
        assert exported.exit_code == 0, exported.output
        assert f"from {staging}" in exported.stderr
        twin = cli(
            "sandbox",
            "init",
            "--from-account",
            "-e",
            "staging",
            "--manifests",
            str(m),
            "--db",
            str(tmp_path / "twin.db"),
            env=keys,
        )
        assert twin.exit_code == 0, twin.output
        unknown = cli("export", str(m), "-e", "nosuch", "--out", str(tmp_path / "o2"), env=keys)
        assert unknown.exit_code == 1 and "unknown environment 'nosuch'" in unknown.stderr
        assert "production, staging" in unknown.stderr
        assert request_log(production_db) == []
        assert request_log(staging_db) and all(r["status"] == 200 for r in request_log(staging_db))
    assert not list((tmp_path / "out" / "projects").glob("*.yaml"))  # staging's empty account
