"""What a behaviour-preserving refactor must leave byte-identical: plans (text, JSON, Markdown, and
`show` with every call body), apply reports (text and JSON), the requests sent (method and path,
as a multiset since calls run concurrently) and the account they leave, on the examples and on a
drifted large fixture.

    python tests/benchmarks/byte_identity.py OUT_DIR      # then diff -r two OUT_DIRs
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import drift  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
KEY = "test_sandbox"
ENV = {**os.environ, "SCALE_API_KEY": KEY, "NO_COLOR": "1", "TERM": "dumb"}
# What differs between two runs of the same code: durations, timestamps and the temporary folder.
DURATION = re.compile(
    r"\b\d+\.\d+s\b|\"took\": [0-9.e-]+|\"(started|ended|seconds)\": [0-9.e-]+|"
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?|\(\d+ ms\)"
)
# A teammate's fingerprint holds their invitation's expiry, which is a week from when it is sent.
MEMBER_FINGERPRINT = re.compile(r'("team\.member\[[^]]+\]": "sha256:)[0-9a-f]{64}')


def normalized(text: str) -> str:
    return MEMBER_FINGERPRINT.sub(r"\1<t>", DURATION.sub("<t>", text))


def run(out: Path, name: str, work: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "scaleform", *args], cwd=work, env=ENV, capture_output=True, text=True)
    text = f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    (out / name).write_text(normalized(text.replace(str(work), "<work>")))


def account(db: Path) -> str:
    con = sqlite3.connect(str(db))
    tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    out = {}
    for t in tables:
        cols = [c[1] for c in con.execute(f"PRAGMA table_info({t})")]
        if t == "requests":
            out[t] = sorted(f"{m} {p} {s}" for m, p, s in con.execute("SELECT method, path, status FROM requests"))
            continue
        keep = [c for c in cols if c not in ("created_at", "updated_at", "id", "seq", "started", "ended")]
        rows = con.execute(f"SELECT {', '.join(keep)} FROM {t}").fetchall()
        out[t] = sorted(json.dumps(r, default=str) for r in rows)
    con.close()
    return normalized(json.dumps(out, indent=1, sort_keys=True))


def scenario(out: Path, work: Path, label: str, db: Path, manifests: str, *extra: str) -> None:
    sandbox = ["--sandbox", str(db), *extra]
    run(out, f"{label}.plan.txt", work, "plan", manifests, *sandbox)
    run(out, f"{label}.plan.json", work, "plan", manifests, *sandbox, "--format", "json")
    run(out, f"{label}.plan.md", work, "plan", manifests, *sandbox, "--format", "markdown")
    run(out, f"{label}.plan-out.txt", work, "plan", manifests, *sandbox, "--out", "saved.json", "-q")
    run(out, f"{label}.show.txt", work, "show", "saved.json")
    before = db.with_suffix(".before.db")
    shutil.copy(db, before)
    run(out, f"{label}.apply.json", work, "apply", "--plan", "saved.json", "--sandbox", str(db), "--format", "json")
    shutil.copy(before, db)
    run(out, f"{label}.apply.txt", work, "apply", manifests, *sandbox, "--auto-approve")
    (out / f"{label}.account.json").write_text(account(db))
    run(out, f"{label}.replan.txt", work, "plan", manifests, *sandbox)


def main() -> None:
    out = Path(sys.argv[1]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "examples", work / "examples")
        sf = [sys.executable, "-m", "scaleform"]
        for label, manifests, extra in [
            ("quickstart", "examples/quickstart", ()),
            ("composition-staging", "examples/composition", ("-e", "staging")),
            ("composition-production", "examples/composition", ("-e", "production")),
            ("multienv-staging", "examples/multi-env", ("-e", "staging")),
        ]:
            db = work / f"{label}.db"
            subprocess.run([*sf, "sandbox", "init", "--db", str(db)], env=ENV, check=True, capture_output=True)
            scenario(out, work, label, db, manifests, *extra)
        large = work / "large.db"
        subprocess.run(
            [
                *sf,
                "sandbox",
                "init",
                "--fixture",
                "large",
                "--db",
                str(large),
                "--projects",
                "60",
                "--members",
                "600",
                "--batches",
                "80",
                "--seed",
                "1",
            ],
            env=ENV,
            check=True,
            capture_output=True,
        )
        run(out, "large.export.txt", work, "export", "--sandbox", str(large), "--out", "large", "--templates")
        for f in sorted((work / "large").rglob("*.yaml")):
            (out / f"large.export.{f.relative_to(work / 'large').as_posix().replace('/', '_')}").write_text(
                f.read_text()
            )
        drift(large)
        scenario(out, work, "large", large, "large")


if __name__ == "__main__":
    main()
