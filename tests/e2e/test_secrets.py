"""The API key never appears in stdout, stderr, plan files, exported manifests or -v logs."""

from __future__ import annotations

import os
import subprocess

from helpers import Listener, make_db, scaleform_cmd, served

KEY = "live_S3cr3tDistinctiveKey_7f3a9c"


def run(*args: str, env_key: str = KEY, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SCALE_API_KEY": env_key}
    return subprocess.run(scaleform_cmd(*args), capture_output=True, text=True, env=env, timeout=120, cwd=cwd)


def test_key_never_leaks_on_success_or_failure(tmp_path, root):
    db = make_db(tmp_path / "s.db", "demo")
    qs = str(root / "examples" / "quickstart")
    plan_file = tmp_path / "plan.json"
    out_dir = tmp_path / "exported"
    outputs = []
    with served(db, "--api-key-env", "SCALE_API_KEY", env={"SCALE_API_KEY": KEY}) as url:
        for args in (
            ("validate", qs, "-v"),
            ("plan", qs, "--api-url", url, "-v"),
            ("plan", qs, "--api-url", url, "--format", "json", "--out", str(plan_file), "-v"),
            ("plan", qs, "--api-url", url, "--format", "markdown"),
            ("show", str(plan_file)),
            ("apply", "--plan", str(plan_file), "--api-url", url, "-v"),
            ("apply", qs, "--api-url", url, "--auto-approve", "-v"),
            ("export", "--api-url", url, "--out", str(out_dir), "-v"),
        ):
            result = run(*args)
            assert result.returncode == 0, (args, result.stderr[-2000:])
            outputs.append(result.stdout + result.stderr)
        assert "api: GET /teams -> 200" in outputs[1]  # -v really logs API calls
        # Failures: a wrong key (the server rejects it), an unreachable API, an apply refused.
        wrong = "live_WrongButAlsoDistinctive_1b2c"
        rejected = run("plan", qs, "--api-url", url, "-v", env_key=wrong)
        assert rejected.returncode == 1 and "rejected the key" in rejected.stderr
        assert wrong not in rejected.stdout + rejected.stderr
        outputs.append(rejected.stdout + rejected.stderr)
    unreachable = run("plan", qs, "--api-url", url, "-v")
    assert unreachable.returncode == 1 and "Traceback" in unreachable.stderr  # -v shows the traceback...
    outputs.append(unreachable.stdout + unreachable.stderr)
    quiet = run("plan", qs, "--api-url", url)
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr and "reachable" in quiet.stderr
    outputs.append(quiet.stdout + quiet.stderr)

    for text in outputs:
        assert KEY not in text
    files = [plan_file, *out_dir.rglob("*")]
    for f in files:
        if f.is_file():
            assert KEY not in f.read_text()


# A key that JSON and HTML write differently: a quote, a backslash, `&<>` and a non-ASCII letter.
ODD_KEY = 'live_k"y\\sécret&<1>_9f'


def escaped_forms(key: str) -> list[str]:
    """The key as JSON (ASCII-only and UTF-8) and HTML (quotes escaped or not) write it."""
    import html
    import json

    forms = [json.dumps(key)[1:-1], json.dumps(key, ensure_ascii=False)[1:-1], html.escape(key)]
    return [*forms, html.escape(key, quote=False)]


def test_a_live_name_holding_the_key_is_redacted_as_json_and_markdown_write_it(tmp_path, root):
    from scaleform.sandbox.store import Store

    db = make_db(tmp_path / "s.db", "demo")
    store = Store(db)
    with store.transaction():
        store.create_project({"name": f"p-{ODD_KEY}", "type": "imageannotation"})  # unmanaged: in every plan
    store.db.close()
    qs = str(root / "examples" / "quickstart")
    plan_file = tmp_path / "plan.json"
    outputs = []
    for args in (
        ("plan", qs, "--sandbox", str(db), "--format", "json", "--out", str(plan_file)),
        ("plan", qs, "--sandbox", str(db), "--format", "markdown"),
        ("plan", qs, "--sandbox", str(db)),
    ):
        result = run(*args, env_key=ODD_KEY)
        assert result.returncode in (0, 2), (args, result.stderr[-2000:])
        assert "project[p-***]" in result.stdout, args
        outputs.append(result.stdout + result.stderr)
    outputs.append(plan_file.read_text())
    for text in outputs:
        for form in [ODD_KEY, *escaped_forms(ODD_KEY)]:
            assert form not in text, form


def test_the_key_in_an_api_error_is_redacted_in_every_encoding(root):
    import base64
    import json

    raw = ODD_KEY.encode()
    encodings = [raw.hex(), raw.hex().upper(), base64.b32encode(raw).decode(), ODD_KEY[::-1]]
    qs = str(root / "examples" / "quickstart")
    # An `error` text quoted as it is, and a body without one, which the client re-serializes as JSON.
    for body in ({"error": " ".join(encodings)}, {"message": f"bad key {ODD_KEY}"}):
        with Listener(400, json.dumps(body)) as api:
            result = run("plan", qs, "--api-url", api.url + "/v1", env_key=ODD_KEY)
        assert result.returncode == 1 and "HTTP 400" in result.stderr and "***" in result.stderr, result.stderr
        for form in [ODD_KEY, *escaped_forms(ODD_KEY), *encodings, base64.b32encode(raw).decode().rstrip("=")]:
            assert form not in result.stdout + result.stderr, form


def test_a_key_shorter_than_8_characters_is_refused_before_anything_is_sent(root):
    with Listener(200, "[]") as api:
        result = run("plan", str(root / "examples" / "quickstart"), "--api-url", api.url + "/v1", env_key="k3y")
    assert result.returncode == 1
    assert result.stderr == "Error: SCALE_API_KEY holds 3 characters; an API key is at least 8\n"
    assert api.requests == []


def test_plain_http_to_remote_host_is_refused(tmp_path, root):
    result = run("plan", str(root / "examples" / "quickstart"), "--api-url", "http://api.example.com/v1")
    assert result.returncode == 1 and "refusing plain http://" in result.stderr


def test_serve_warns_when_not_on_loopback(tmp_path, monkeypatch):
    from scaleform.sandbox import admin, server

    seen = {}
    monkeypatch.setattr(server, "serve", lambda db, host, port, key, faults: seen.update(host=host))
    warnings = []
    db = make_db(tmp_path / "s.db", "demo")
    admin.serve_db(str(db), "0.0.0.0", 0, warn=warnings.append)
    assert seen["host"] == "0.0.0.0" and "other machines" in warnings[0]
    warnings.clear()
    admin.serve_db(str(db), "127.0.0.1", 0, warn=warnings.append)
    assert warnings == []
    from click.testing import CliRunner

    from scaleform.cli import main

    assert "default: 127.0.0.1" in CliRunner().invoke(main, ["sandbox", "serve", "--help"]).output
