"""docs/environment.md lists every environment variable the project reads, and nothing it does not read.

These tests read source text on purpose: the contract is between two texts, the document and the code. Which
variables the code *can* read is a property of its source (a variable read only when another is set, or only by
the gunicorn config, never shows up when the settings module is started with one environment), so the reads are
found by parsing the code (``ast``), not by matching strings, and the document is parsed as its tables. What the
settings do with each value is tested by behaviour elsewhere (tests/test_settings.py starts them with an
environment)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from gnb.testing.environment import DOC, NAME, documented

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS = BASE_DIR / "config" / "settings.py"
HEADER = "| Variable | Meaning | Default | Example |"

# Documented variables that config/settings.py does not read, and where they are read instead: a path in this
# repository, or "module:" and an installed module whose source reads it. Each entry is checked to be true.
READ_ELSEWHERE = {
    "PORT": ["deploy/gunicorn.conf.py", "deploy/healthcheck.py", "Makefile"],
    "WEB_CONCURRENCY": ["deploy/gunicorn.conf.py"],
    "PROMETHEUS_MULTIPROC_DIR": ["deploy/gunicorn.conf.py", "module:prometheus_client.values"],
    "GUNICORN_CMD_ARGS": ["module:gunicorn.config"],
}


def _is_env_reader(func: ast.expr) -> bool:
    """env_str/env_bool/... in settings, _env_int in gunicorn.conf.py, os.environ.get, os.getenv."""
    if isinstance(func, ast.Name):
        return func.id.startswith(("env_", "_env"))
    if isinstance(func, ast.Attribute):
        if func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os":
            return True
        if func.attr == "get":
            return _is_os_environ(func.value)
        return func.attr.startswith(("env_", "_env"))
    return False


def _is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def variables_read(path: Path) -> set[str]:
    """Names read by a constant first argument (``env_int("PORT", …)``) or ``os.environ["NAME"]``."""
    names: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    # Helpers defined in the file itself (e.g. a `_backup_key("BACKUP_ENCRYPTION_KEY")` that calls env_str) count too.
    local_helpers = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and (_is_env_reader(node.func) or (isinstance(node.func, ast.Name) and node.func.id in local_helpers))
            and node.args
        ):
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and NAME.match(first.value):
                names.add(first.value)
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and _is_os_environ(node.value)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            names.add(node.slice.value)
    return names


def project_code() -> list[Path]:
    files = [*BASE_DIR.joinpath("config").glob("*.py"), *BASE_DIR.joinpath("deploy").glob("*.py")]
    for path in BASE_DIR.joinpath("gnb").rglob("*.py"):
        if "tests" not in path.relative_to(BASE_DIR).parts and "migrations" not in path.parts:
            files.append(path)
    return sorted(files)


def test_the_parser_finds_what_settings_reads():
    # Guards the parser itself: if these were missed, the checks below would pass on an empty set.
    names = variables_read(SETTINGS)
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "DATABASE_LOCK_TIMEOUT_MS", "RENDER_API_KEY"} <= names
    assert not any(" " in name or not name.isupper() for name in names)
    assert {"PORT", "WEB_CONCURRENCY", "PROMETHEUS_MULTIPROC_DIR"} <= variables_read(
        BASE_DIR / "deploy" / "gunicorn.conf.py"
    )


def test_every_variable_settings_reads_is_documented():
    missing = sorted(variables_read(SETTINGS) - set(documented()))
    assert missing == [], f"add a row to docs/environment.md for: {', '.join(missing)}"


def test_every_variable_the_project_code_reads_is_documented():
    read: dict[str, str] = {}
    for path in project_code():
        for name in variables_read(path):
            read.setdefault(name, str(path.relative_to(BASE_DIR)))
    ignored = {"DJANGO_SETTINGS_MODULE"}
    missing = sorted(
        f"{name} ({where})" for name, where in read.items() if name not in documented() and name not in ignored
    )
    assert missing == [], f"add a row to docs/environment.md for: {', '.join(missing)}"


def test_every_documented_variable_is_read_by_settings_or_listed_as_read_elsewhere():
    unread = sorted(set(documented()) - variables_read(SETTINGS) - set(READ_ELSEWHERE))
    assert unread == [], (
        f"docs/environment.md lists variables config/settings.py does not read: {', '.join(unread)} "
        "(remove them, or add them to READ_ELSEWHERE in this test with where they are read)"
    )


@pytest.mark.parametrize("name", sorted(READ_ELSEWHERE))
def test_variables_read_elsewhere_are_documented_and_really_read_there(name):
    assert name in documented()
    for where in READ_ELSEWHERE[name]:
        if where.startswith("module:"):
            module = importlib.import_module(where.removeprefix("module:"))
            source = Path(str(module.__file__)).read_text(encoding="utf-8")
        else:
            source = (BASE_DIR / where).read_text(encoding="utf-8")
        assert name in source, f"{name} is not read in {where}"


def test_every_row_has_a_meaning_a_default_and_an_example():
    rows = documented()
    assert len(rows) >= 20
    incomplete = sorted(name for name, cells in rows.items() if len(cells) != 4 or not all(cells))
    assert incomplete == [], f"rows need exactly Variable | Meaning | Default | Example: {', '.join(incomplete)}"


def test_every_table_uses_the_same_columns():
    lines = DOC.read_text(encoding="utf-8").splitlines()
    headers = [line.strip() for line in lines if line.strip().startswith("| Variable")]
    assert headers, "docs/environment.md has no variable tables"
    assert set(headers) == {HEADER}


def test_the_name_file_rule_is_stated_once_and_file_variants_are_not_listed():
    text = DOC.read_text(encoding="utf-8")
    assert "`NAME_FILE`" in text
    listed_file_variants = sorted(name for name in documented() if name.endswith("_FILE"))
    assert listed_file_variants == []
