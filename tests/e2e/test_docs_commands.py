"""Every command example in README.md and docs/*.md, checked against the tool so the docs cannot drift.

Level 1: every `scaleform ...` command in a fenced sh/bash/console block (and in an untagged block
that holds one), and every inline-code command in the prose, parses against the real click tree:
the (sub)command exists, every option is accepted, choices are valid. Nothing runs.

Level 2: each fenced block holding a command that can run offline runs verbatim, line by line
with bash, in a fresh folder holding a copy of examples/, with the installed `scaleform` and no
key in the environment. No line crashes (traceback or "This is a bug"), none is a usage error,
and each exits as its doc implies (0; `# exit N` in the line's comment; 0 or 2 with
--detailed-exitcode; a `# No changes` comment means the plan says so). The commands that cannot
run offline are in EXEMPT below with the reason; they still get Level 1.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from helpers import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_TAGS = {"sh", "bash", "console", "shell"}

# Level 2 exemptions: (doc file, the line as written without its comment) -> why it cannot run here.
# A block runs when at least one of its scaleform commands is not exempt; exempt lines are left out.
EXEMPT = {
    ("README.md", "scaleform plan manifests"): "needs a real account: the key from SCALE_API_KEY, no --sandbox",
    (
        "README.md",
        "SCALE_STAGING_API_KEY=… scaleform plan examples/multi-env -e staging",
    ): "needs the real staging account and its key",
    ("README.md", "scaleform plan manifests --target 'project[street-signs]'"): "needs a real account (no --sandbox)",
    (
        "README.md",
        "scaleform apply manifests --target 'team.member[ana@acme.ai]'",
    ): "needs a real account (no --sandbox) and answers an interactive prompt",
    ("docs/sandbox.md", "scaleform sandbox serve --db demo.db --port 8765 &"): "a long-running server on a fixed port",
    (
        "docs/sandbox.md",
        "curl -su test_sandbox: http://127.0.0.1:8765/v1/teams",
    ): "needs the server started by the exempt `sandbox serve` line",
    (
        "docs/sandbox.md",
        "SCALE_API_KEY=test_sandbox scaleform plan examples/quickstart --api-url http://127.0.0.1:8765/v1",
    ): "needs the server started by the exempt `sandbox serve` line",
}


# ---- collecting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One shell line of a fenced block (continuations joined): the text without its comment."""

    doc: str
    lineno: int
    text: str
    comment: str


@dataclass(frozen=True)
class Block:
    doc: str
    lineno: int
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Command:
    doc: str
    lineno: int
    source: str  # as written in the doc
    argv: tuple[str, ...]  # the words after `scaleform`
    inline: bool = False

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.lineno}"


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _split_comment(text: str) -> tuple[str, str]:
    """Split an unquoted `# comment` (a `#` starting a word) off a shell line."""
    quote, escaped = None, False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\" and quote != "'":
            escaped = True
        elif quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1].isspace()):
            return text[:i].rstrip(), text[i + 1 :].strip()
    return text.rstrip(), ""


def fenced_blocks(path: Path) -> list[Block]:
    doc, blocks = _rel(path), []
    raw = path.read_text().splitlines()
    i = 0
    while i < len(raw):
        opening = re.match(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)", raw[i])
        if not opening:
            i += 1
            continue
        indent, fence, tag = opening.group(1), opening.group(2), opening.group(3).lower()
        start, body = i + 1, []
        i += 1
        while i < len(raw) and not raw[i].strip().startswith(fence):
            body.append((i + 1, raw[i][len(indent) :] if raw[i].startswith(indent) else raw[i].lstrip()))
            i += 1
        i += 1
        lines: list[Line] = []
        pending, first = "", 0
        for lineno, text in body:
            if not pending:
                first = lineno
            if text.rstrip().endswith("\\"):
                pending += text.rstrip()[:-1] + " "
                continue
            text, pending = pending + text, ""
            if tag == "console" and not text.startswith("$ "):
                continue  # output, not a command
            text = text.removeprefix("$ ")
            code, comment = _split_comment(text.strip())
            if code:
                lines.append(Line(doc, first, code, comment))
        if tag in SHELL_TAGS or (tag == "" and any(commands_of(line) for line in lines)):
            blocks.append(Block(doc, start, tuple(lines)))
    return blocks


_CONTROL = {"&&", "||", ";", "|", "&", "|&", ";;"}
_REDIRECT = {">", ">>", "<", ">&", "<&", ">|", "&>", "&>>", "<<", "<<<"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def commands_of(line: Line) -> list[Command]:
    """The scaleform commands of one shell line: each simple command whose first word (after
    VAR=value assignments) is `scaleform`, and each `$(scaleform ...)` substitution."""
    lexer = shlex.shlex(line.text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    tokens = list(lexer)
    found, segment = [], []
    for token in [*tokens, ";"]:
        if token not in _CONTROL:
            segment.append(token)
            continue
        words, skip = [], False
        for word in segment:
            if skip:
                skip = False
            elif word in _REDIRECT:
                skip = True
            else:
                words.append(word)
        while words and _ASSIGNMENT.match(words[0]):
            words.pop(0)
        if words and words[0] == "scaleform":
            found.append(Command(line.doc, line.lineno, line.text, tuple(words[1:])))
        segment = []
    for inner in re.findall(r"\$\((scaleform\s[^)]*)\)", line.text):
        found.append(Command(line.doc, line.lineno, line.text, tuple(shlex.split(inner)[1:])))
    return found


def inline_commands(path: Path) -> list[Command]:
    """Inline code in the prose that is a command: `scaleform ...`, or a subcommand with options
    (`plan --out plan.json`), read as `scaleform plan --out plan.json`."""
    from scaleform.cli import main

    doc, text = _rel(path), path.read_text()
    # Blank out fenced blocks, keeping the line count, so their backticks do not pair with prose.
    prose = re.sub(
        r"^\s*(`{3,}|~{3,}).*?^\s*\1\s*$", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.DOTALL | re.MULTILINE
    )
    found = []
    for m in re.finditer(r"`([^`]+)`", prose):
        span = " ".join(m.group(1).replace("\\|", "|").split())
        words = span.split()
        if len(words) < 2:
            continue
        if words[0] == "scaleform":
            rest = span[len("scaleform") :].strip()
        elif words[0] in main.commands and any(w.startswith("-") for w in words[1:]):
            rest = span
        else:
            continue
        found.append(Command(doc, prose.count("\n", 0, m.start()) + 1, span, tuple(rest.split()), inline=True))
    return found


# Inline code that starts like a command but is the tool's output, not something to type.
NOT_COMMANDS = {
    ("README.md", "scaleform plan for https://api.scale.com/v1 (environment: staging)"): "a plan's first line",
}

BLOCKS = [block for doc in DOCS for block in fenced_blocks(doc)]
FENCED = [cmd for block in BLOCKS for line in block.lines for cmd in commands_of(line)]
INLINE = [cmd for doc in DOCS for cmd in inline_commands(doc) if (cmd.doc, cmd.source) not in NOT_COMMANDS]


# ---- level 1: parse against the click tree -------------------------------------------------------

_SYNOPSIS = re.compile(r"[\[\]|…<>]")
_PLACEHOLDER = re.compile(r"^([A-Z][A-Z0-9_]*(=[A-Z0-9_]*)?|<.*>|\$.*|.*….*)$")


def _rest(ctx: click.Context) -> list[str]:
    protected = getattr(ctx, "_protected_args", None)
    if protected is None:  # older click
        protected = ctx.protected_args
    return [*protected, *ctx.args]


def _acceptable(exc: click.BadParameter, argv: list[str], complete: bool) -> bool:
    """A value the doc writes as a placeholder (PATH, <sha>, $VAR) or a file that exists only
    where the command is really run (`show plan.json`) is not a parse error; nor is prose naming a
    command without its arguments (`scaleform show`). A missing argument in a fenced command is."""
    param = exc.param
    if isinstance(exc, click.MissingParameter):
        return not complete
    if param is None:
        return False
    if isinstance(param.type, click.Path):
        return True
    if isinstance(param, click.Option):
        for i, word in enumerate(argv[:-1]):
            if word in param.opts and _PLACEHOLDER.match(argv[i + 1]):
                return True
        return False
    return any(_PLACEHOLDER.match(word) for word in argv if not word.startswith("-"))


def _without_option(argv: list[str], param: click.Parameter | None) -> list[str] | None:
    """ARGV without every `OPT VALUE` pair of the option PARAM (None when it is not an option)."""
    if not isinstance(param, click.Option) or param.is_flag:
        return None
    out, i = [], 0
    while i < len(argv):
        if argv[i] in param.opts and i + 1 < len(argv):
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out if len(out) < len(argv) else None


def _takes_value(argv: tuple[str, ...]) -> bool:
    """The last word is an option of the command named that takes a value."""
    from scaleform.cli import main

    cmd: click.Command = main
    for word in argv:
        if isinstance(cmd, click.Group) and word in cmd.commands:
            cmd = cmd.commands[word]
    return any(isinstance(p, click.Option) and argv[-1] in p.opts and not p.is_flag for p in cmd.params)


def parse_problem(argv: tuple[str, ...], complete: bool = True) -> str | None:
    """None when `scaleform ARGV` parses: every (sub)command exists and every option is accepted.
    `complete`: the command is meant to be typed as is (a fenced line), so no argument may be missing."""
    from scaleform.cli import main

    cmd: click.Command = main
    name, args, parent = "scaleform", list(argv), None
    try:
        while True:
            try:
                ctx = cmd.make_context(name, list(args), parent=parent)
            except click.BadParameter as exc:
                if not _acceptable(exc, args, complete):
                    raise
                dropped = _without_option(args, exc.param)
                if dropped is not None:  # check the rest strictly, without the placeholder's option
                    args = dropped
                    continue
                ctx = cmd.make_context(name, list(args), parent=parent, resilient_parsing=True)
                if not isinstance(cmd, click.Group) and ctx.args:
                    return f"unexpected extra arguments {ctx.args}"
            if not isinstance(cmd, click.Group):
                return None
            rest = _rest(ctx)
            if not rest:
                return None
            name, cmd, args = cmd.resolve_command(ctx, rest)
            parent = ctx
    except click.exceptions.Exit as exc:  # --help, --version
        return None if exc.exit_code == 0 else f"exits {exc.exit_code} while parsing"
    except click.UsageError as exc:
        return exc.format_message().strip().splitlines()[0]


def synopsis_problem(argv: tuple[str, ...]) -> str | None:
    """A usage synopsis in prose (`plan [PATH] [--format text|json]`, `sandbox init|serve`): each
    command named exists, each option is one of its options, and each listed choice is valid."""
    from scaleform.cli import main

    text = re.sub(r"<[^>]*>", "PLACEHOLDER", " ".join(argv))
    tokens = text.replace("[", " ").replace("]", " ").replace("…", " ").split()
    cmds: list[click.Command] = [main]
    i = 0
    while i < len(tokens) and all(isinstance(c, click.Group) for c in cmds) and not tokens[i].startswith("-"):
        subs = []
        for group in cmds:
            for sub in tokens[i].split("|"):
                found = group.commands.get(sub)  # type: ignore[attr-defined]
                if found is None:
                    return f"no such command {sub!r} under {group.name!r}"
                subs.append(found)
        cmds, i = subs, i + 1
    for cmd in cmds:
        options = {opt: p for p in cmd.params if isinstance(p, click.Option) for opt in (*p.opts, *p.secondary_opts)}
        for j, token in enumerate(tokens[i:], start=i):
            for word in token.split("|"):
                if not word.startswith("-"):
                    continue
                if word in ("-h", "--help"):
                    continue
                option = options.get(word)
                if option is None:
                    return f"`scaleform {cmd.name}` has no option {word}"
                if isinstance(option.type, click.Choice) and j + 1 < len(tokens):
                    for value in tokens[j + 1].split("|"):
                        if (
                            value
                            and not value.startswith("-")
                            and not _PLACEHOLDER.match(value)
                            and value not in option.type.choices
                        ):
                            return f"{word} {value!r}: not one of {list(option.type.choices)}"
    return None


@pytest.mark.parametrize("command", FENCED + INLINE, ids=lambda c: f"{'inline:' if c.inline else ''}{c.where}")
def test_the_documented_command_parses(command):
    argv = command.argv
    if command.inline and _SYNOPSIS.search(" ".join(argv)):
        problem = synopsis_problem(argv)
    else:
        if command.inline and _takes_value(argv):  # prose naming an option: `plan --out`, `apply --plan`
            argv = (*argv, "VALUE")
        problem = parse_problem(argv, complete=not command.inline)
    assert problem is None, f"{command.where}: `{command.source}` does not parse: {problem}"


def test_the_collection_misses_no_command_line():
    """Every fenced line that mentions `scaleform <word>` outside a comment yields a command, so a
    change in how the docs write commands cannot quietly shrink Level 1 to nothing."""
    mention = re.compile(r"(?<![\w./@-])scaleform\s+-{0,2}[a-z]")
    missed = [
        f"{line.doc}:{line.lineno}: {line.text}"
        for block in BLOCKS
        for line in block.lines
        if mention.search(line.text) and not commands_of(line)
    ]
    assert not missed, missed
    docs = {cmd.doc for cmd in FENCED}
    assert {"README.md", "docs/sandbox.md"} <= docs, docs
    # Floors well under today's counts (34 fenced, 72 inline, 9 runnable blocks): a parser that
    # stopped finding blocks would fail here instead of passing with nothing to check.
    assert len(FENCED) >= 25 and len(INLINE) >= 50 and len(RUNNABLE) >= 6, (len(FENCED), len(INLINE), len(RUNNABLE))


def test_every_exemption_names_a_documented_line():
    lines = {(line.doc, line.text) for block in BLOCKS for line in block.lines}
    assert not set(EXEMPT) - lines, sorted(set(EXEMPT) - lines)
    spans = {(cmd.doc, cmd.source) for doc in DOCS for cmd in inline_commands(doc)}
    assert not set(NOT_COMMANDS) - spans, sorted(set(NOT_COMMANDS) - spans)


# ---- level 2: run the blocks that can run offline ------------------------------------------------


def _runnable(block: Block) -> bool:
    return any((line.doc, line.text) not in EXEMPT for line in block.lines if commands_of(line))


RUNNABLE = [block for block in BLOCKS if _runnable(block)]
_USAGE = re.compile(r"^Usage: |No such option|No such command|no such option|Try 'scaleform", re.MULTILINE)


def _env(home: Path) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)  # the scaleform this test runs with
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCALE_", "REFONTE_"))}
    env.update(PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""), HOME=str(home))
    return env


def _expected_exits(line: Line) -> set[int]:
    said = re.search(r"\bexit (\d+)\b", line.comment)
    if said:
        return {int(said.group(1))}
    if any("--detailed-exitcode" in cmd.argv for cmd in commands_of(line)):
        return {0, 2}
    return {0}


@pytest.mark.parametrize("block", RUNNABLE, ids=lambda b: f"{b.doc}:{b.lineno}")
def test_the_documented_block_runs_offline(tmp_path, block):
    if shutil.which("scaleform", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("the scaleform command is not installed beside this Python")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    home = tmp_path / "home"
    # `scaleform completion fish > ~/.config/fish/completions/…` writes where a fish user has that folder.
    (home / ".config" / "fish" / "completions").mkdir(parents=True)
    ran = 0
    for line in block.lines:
        if (line.doc, line.text) in EXEMPT:
            continue
        result = subprocess.run(
            ["bash", "-c", line.text],
            cwd=tmp_path,
            env=_env(home),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        out, err = result.stdout, result.stderr
        where = f"{line.doc}:{line.lineno}: `{line.text}` exited {result.returncode}"
        assert "Traceback (most recent call last)" not in err, (where, err[-3000:])
        assert "This is a bug in scaleform" not in err, (where, err[-3000:])
        assert not _USAGE.search(err), (where, "usage error", err[-2000:])
        assert result.returncode in _expected_exits(line), (where, out[-2000:], err[-2000:])
        if "no changes" in line.comment.lower():
            assert "No changes." in out, (where, out[-2000:])
        ran += len(commands_of(line))
    assert ran, block
