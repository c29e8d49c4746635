"""docs/environment.md as the tests read it: the variables its tables list."""

from __future__ import annotations

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
DOC = BASE_DIR / "docs" / "environment.md"
NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def documented() -> dict[str, list[str]]:
    """Each table row's variable → its cells (Variable, Meaning, Default, Example)."""
    rows: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if not cells or not cells[0].startswith("`"):
            continue
        name = cells[0].strip("`")
        if NAME.match(name):
            assert name not in rows, f"{name} is listed twice in docs/environment.md"
            rows[name] = cells
    return rows
