"""The README and docs speak of versions, commits and dates, never of the work sessions that wrote them
("the end of session 15", "this session's runs"): a reader has no way to tell which those were."""

from __future__ import annotations

import re

from app.core.config import PROJECT_ROOT

SESSION_TALK = re.compile(r"\bsession \d+|\b(this|previous|that|last) session\b|\bsession's\b", re.IGNORECASE)


def test_docs_name_commits_and_dates_not_sessions():
    files = [
        PROJECT_ROOT / "README.md",
        *(PROJECT_ROOT / "docs").glob("*.md"),
        *(PROJECT_ROOT / "benchmarks").glob("*.md"),
    ]
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SESSION_TALK.search(line)
    ]
    assert found == []
