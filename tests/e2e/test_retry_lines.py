"""Off a terminal (CI), every retry is one line on stderr; the progress line stays terminal-only."""

from __future__ import annotations

from helpers import KEY, ROOT, cli, make_db, request_log, served


def test_each_retry_is_one_stderr_line_off_a_terminal(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    with served(db, "--fault-rate", "0.1", "--seed", "3") as url:
        for _ in range(5):  # enough reads that a 10% fault rate fails some
            result = cli("plan", str(ROOT / "examples" / "quickstart"), "--api-url", url, env={"SCALE_API_KEY": KEY})
            assert result.exit_code == 0, result.output
            failed = [r for r in request_log(db) if r["status"] == 503]
            if failed:
                break
        quiet = cli("plan", str(ROOT / "examples" / "quickstart"), "--api-url", url, "-q", env={"SCALE_API_KEY": KEY})
    assert failed, "the fault rate never fired"
    lines = [line for line in result.stderr.splitlines() if line.startswith("note: retrying ")]
    assert len(lines) == len(failed)
    assert all(line.endswith(": HTTP 503") for line in lines)
    assert "\r" not in result.stderr and "Reading the live account" not in result.stderr
    assert quiet.exit_code == 0 and "note: retrying" not in quiet.stderr
