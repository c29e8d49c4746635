"""A folder on this machine (or a mounted volume). A set is a sub-folder that appears by one rename."""

from __future__ import annotations

import datetime as dt
import errno
import os
import secrets
import shutil
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings

from gnb.ops.backups.errors import TargetError
from gnb.ops.backups.sets import is_set_name, set_sort_key
from gnb.ops.backups.targets.base import StoredSet, Target

# Only these mean "an operator must act"; anything else (a full disk, an I/O hiccup) may pass by itself.
_PERMANENT_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EEXIST, errno.ENOENT}
PARTIAL_PREFIX = ".partial-"


class LocalTarget(Target):
    kind = "local"

    def __init__(self, root: Path, *, keep_days: int) -> None:
        super().__init__(keep_days=keep_days)
        self.root = Path(root)

    @classmethod
    def from_settings(cls) -> LocalTarget:
        return cls(settings.BACKUP_LOCAL_DIR, keep_days=settings.BACKUP_LOCAL_KEEP_DAYS)

    def describe(self) -> str:
        return f"local:{self.root}"

    def _error(self, action: str, exc: OSError) -> TargetError:
        where = exc.filename or self.root
        return TargetError(
            self.name, f"cannot {action} in {where}: {exc.strerror or exc}", permanent=exc.errno in _PERMANENT_ERRNOS
        )

    def store(self, set_name: str, files: Sequence[Path]) -> None:
        final = self.root / set_name
        staging = self.root / f"{PARTIAL_PREFIX}{set_name}-{secrets.token_hex(4)}"
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            if final.exists():
                raise TargetError(self.name, f"set {set_name} already exists in {self.root}", permanent=True)
            staging.mkdir(mode=0o700)
            for source in files:
                copy = staging / source.name
                shutil.copyfile(source, copy)
                copy.chmod(0o600)
                with copy.open("rb") as handle:
                    os.fsync(handle.fileno())
            # One rename: readers see no set or the whole set, never a half-copied one.
            staging.rename(final)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise self._error(f"store {set_name}", exc) from exc

    def sets(self) -> list[StoredSet]:
        if not self.root.exists():
            return []
        found = []
        try:
            for entry in self.root.iterdir():
                if not entry.is_dir() or not is_set_name(entry.name):
                    continue
                files = sorted(child for child in entry.iterdir() if child.is_file())
                found.append(
                    StoredSet(
                        name=entry.name,
                        files=tuple(child.name for child in files),
                        size=sum(child.stat().st_size for child in files),
                        modified_at=dt.datetime.fromtimestamp(entry.stat().st_mtime, tz=dt.UTC),
                    )
                )
        except OSError as exc:
            raise self._error("list sets", exc) from exc
        return sorted(found, key=lambda stored: set_sort_key(stored.name))

    def fetch(self, set_name: str, file_name: str, dest: Path) -> None:
        source = self.root / set_name / file_name
        if not source.is_file():
            raise TargetError(self.name, f"set {set_name} has no file {file_name} in {self.root}", permanent=True)
        try:
            shutil.copyfile(source, dest)
        except OSError as exc:
            raise self._error(f"read {set_name}/{file_name}", exc) from exc

    def delete(self, set_name: str) -> None:
        path = self.root / set_name
        doomed = self.root / f"{PARTIAL_PREFIX}deleting-{set_name}-{secrets.token_hex(4)}"
        try:
            # Renamed first, so a set is either listed whole or gone, even if removing its files is interrupted.
            path.rename(doomed)
            shutil.rmtree(doomed)
        except OSError as exc:
            raise self._error(f"delete {set_name}", exc) from exc

    def stale_partials(self, older_than: dt.datetime) -> list[Path]:
        """Staging folders left by an interrupted store or delete."""
        if not self.root.exists():
            return []
        return sorted(
            entry
            for entry in self.root.iterdir()
            if entry.name.startswith(PARTIAL_PREFIX)
            and dt.datetime.fromtimestamp(entry.stat().st_mtime, tz=dt.UTC) < older_than
        )

    def remove_partial(self, path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)
