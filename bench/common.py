"""Helpers shared by the benchmark scripts: where the repository is, facts about the machine, the results file."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python"
RESULTS_DIR = ROOT / "bench" / "results"

SHARED_CPU_NOTE = (
    "The load generator, gunicorn and PostgreSQL share this machine's {cpus} CPU core(s): the figures are "
    "for the whole stack on one box, and the client's own CPU time is inside every latency."
)


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict[str, object]:
    """What a figure depends on, so two result files can be compared knowingly."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        # Uncommitted changes mean the commit alone does not say what was measured.
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def shared_cpu_note() -> str:
    return SHARED_CPU_NOTE.format(cpus=os.cpu_count())


def write_results(data: dict[str, object]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    # UTC in the name: Django sets the process's TZ to TIME_ZONE once settings load, so local time would vary.
    stamp = dt.datetime.now(dt.UTC)
    path = RESULTS_DIR / f"{stamp:%Y%m%dT%H%M%SZ}.json"
    payload = {"finished_at": stamp.isoformat(timespec="seconds"), "machine": machine(), **data}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of the whole machine from /proc/stat, or None where there is no /proc."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_percent(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """Share of all cores' time spent busy between two ``cpu_times()`` samples."""
    if before is None or after is None or after[1] == before[1]:
        return None
    return round(100 * (after[0] - before[0]) / (after[1] - before[1]), 1)


def own_cpu_times(parents: set[int], database: str) -> int | None:
    """CPU jiffies used so far by this benchmark: this process, gunicorn (``parents`` and their children) and the
    PostgreSQL backends serving ``database`` (their process title names it). None where there is no /proc."""
    me = os.getpid()
    total = 0
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            # The command name may hold spaces or parentheses; the fields after the last ")" are fixed.
            fields = stat[stat.rindex(")") + 2 :].split()
            pid, ppid = int(entry), int(fields[1])
            ours = pid == me or pid in parents or ppid in parents
            if not ours and database:
                ours = database.encode() in Path(f"/proc/{entry}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
        if ours:
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def idle_machine_check(seconds: float = 1.0) -> float | None:
    """How busy the machine is before the load starts: anything else running skews every figure."""
    before = cpu_times()
    time.sleep(seconds)
    return busy_percent(before, cpu_times())


def stop_processes(processes: list[subprocess.Popen], timeout: float = 15.0) -> None:
    """SIGTERM every process still running, then wait for each; one that outlives ``timeout`` is killed."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
