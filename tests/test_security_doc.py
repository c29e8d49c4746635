"""Every test docs/security.md cites exists: a bare ``test_…`` name in some test file, a ``path.py::test_name`` in
that very file, and every ``.py`` path it names in the repository.

The document is the claim "this is protected, and this test proves it"; a renamed or deleted test would leave the
claim standing with nothing behind it. The scan is textual on purpose (``def test_…`` lines), so it needs no import
of the test modules and sees tests that are skipped on this database.
"""

from __future__ import annotations

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DOC = BASE_DIR / "docs" / "security.md"

# A test function, at any indentation (methods of test classes too), sync or async.
DEFINITION = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(test_\w+)[ \t]*\(", re.MULTILINE)
# `some/path.py::test_name`
PATH_REFERENCE = re.compile(r"([\w./-]+\.py)::(test_\w+)")
# A test name anywhere in the text that is not a file name (test_x.py), a directory (test_paytr/) nor part of a
# longer word or path.
NAME = re.compile(r"(?<![\w/.])(test_\w+)(?![\w/]|\.py\b)")
# A Python file named in backticks, alone or before ::.
FILE = re.compile(r"`([\w./-]+\.py)(?:::test_\w+)?`")


def collect_test_modules(base: Path = BASE_DIR) -> list[Path]:
    """The repository's test modules: ``gnb/**/tests/**/*.py`` and ``tests/*.py``."""
    files = {path for path in base.glob("gnb/**/tests/**/*.py")} | set(base.glob("tests/*.py"))
    return sorted(path for path in files if ".venv" not in path.parts)


def defined_tests(files: list[Path]) -> dict[Path, set[str]]:
    """The test function names each file defines."""
    return {path: set(DEFINITION.findall(path.read_text(encoding="utf-8"))) for path in files}


def missing_references(text: str, base: Path = BASE_DIR) -> list[str]:
    """Everything ``text`` cites that the repository does not have, one readable line each; empty when all exist."""
    definitions = defined_tests(collect_test_modules(base))
    everywhere = set().union(*definitions.values()) if definitions else set()
    by_path = {path.relative_to(base).as_posix(): names for path, names in definitions.items()}
    problems = []
    for path, name in PATH_REFERENCE.findall(text):
        if path not in by_path:
            problems.append(f"{path}::{name}: {path} is not a test file of the repository")
        elif name not in by_path[path]:
            problems.append(f"{path}::{name}: {path} defines no {name}")
    for name in sorted(set(NAME.findall(text))):
        if name not in everywhere:
            problems.append(f"{name}: no test file defines it")
    for path in sorted(set(FILE.findall(text))):
        if not (base / path).is_file():
            problems.append(f"{path}: no such file")
    return problems


def test_every_test_the_security_document_cites_exists():
    text = DOC.read_text(encoding="utf-8")
    assert missing_references(text) == []


def test_the_security_document_cites_tests_by_path_and_name():
    # Guards the scan itself: a document whose references the patterns no longer see would pass vacuously.
    text = DOC.read_text(encoding="utf-8")
    assert len(PATH_REFERENCE.findall(text)) >= 40
    assert len(set(NAME.findall(text))) >= 60


def test_a_test_name_that_no_file_defines_is_reported():
    real = "test_every_test_the_security_document_cites_exists"
    text = (
        f"Proved by `{real}` and `tests/test_security_doc.py::{real}`.\n"
        "Also by `test_nobody_ever_wrote_this_one` and `tests/test_security_doc.py::test_nor_this_one`,\n"
        f"`tests/no_such_file.py::{real}`, and `gnb/core/missing_module.py`; `tests/test_idor_sweep.py` is a file.\n"
    )
    assert missing_references(text) == [
        "tests/test_security_doc.py::test_nor_this_one: tests/test_security_doc.py defines no test_nor_this_one",
        f"tests/no_such_file.py::{real}: tests/no_such_file.py is not a test file of the repository",
        "test_nobody_ever_wrote_this_one: no test file defines it",
        "test_nor_this_one: no test file defines it",
        "gnb/core/missing_module.py: no such file",
        "tests/no_such_file.py: no such file",
    ]


def test_a_name_defined_in_another_file_does_not_satisfy_a_path_reference():
    # test_every_route_with_a_parameter_is_in_the_sweep lives in tests/test_idor_sweep.py, not in this file.
    text = "`tests/test_security_doc.py::test_every_route_with_a_parameter_is_in_the_sweep`"
    assert missing_references(text) == [
        "tests/test_security_doc.py::test_every_route_with_a_parameter_is_in_the_sweep: "
        "tests/test_security_doc.py defines no test_every_route_with_a_parameter_is_in_the_sweep"
    ]
