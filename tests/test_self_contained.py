"""The repository stands on its own: nothing a test, benchmark or script reads lies outside it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests import botapi

ROOT = Path(__file__).resolve().parents[1]
# A path that climbs out of the repository, or names the folder that sits beside it on our machines.
_SIBLING = "shared"  # the folder beside the repository on our machines, which a clone does not have
_OUTSIDE = re.compile(rf"(\.\./{_SIBLING}|\b{_SIBLING}/telegram-bot-api|\.\./\.\./)")


def _tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / line for line in out.stdout.splitlines()]


def test_the_bot_api_description_is_vendored_with_its_licence():
    folder = ROOT / "tests" / "data" / "telegram-bot-api"
    spec = json.loads((folder / "api.min.json").read_text())
    assert spec["version"].startswith("Bot API ") and "sendMessage" in spec["methods"]
    assert "MIT License" in (folder / "LICENSE").read_text()
    assert spec["version"] in (folder / "README.md").read_text()
    assert folder / "api.min.json" == botapi.VENDORED_SPEC


def test_a_missing_description_fails_loudly_and_says_what_is_missing(monkeypatch, tmp_path):
    missing = tmp_path / "nowhere.json"
    monkeypatch.setenv("BOT_API_SPEC", str(missing))
    with pytest.raises(FileNotFoundError, match=re.escape("nowhere.json")):
        botapi._spec_path()


def test_no_source_reads_outside_the_repository():
    offenders = []
    for path in _tracked("*.py", "Makefile", ".ci/*", "scripts/*"):
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if _OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "paths outside the repository:\n" + "\n".join(offenders)
