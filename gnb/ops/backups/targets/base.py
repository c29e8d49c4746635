"""What every backup target does: store a set whole, list sets, fetch one file, delete a set."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gnb.ops.backups.sets import MANIFEST, parse_set_name


@dataclass(frozen=True)
class StoredSet:
    """One set as a target holds it. ``complete`` sets have their manifest (it is stored last)."""

    name: str
    files: tuple[str, ...]
    size: int
    modified_at: dt.datetime | None = None

    @property
    def complete(self) -> bool:
        return MANIFEST in self.files

    @property
    def created_at(self) -> dt.datetime:
        parsed = parse_set_name(self.name)
        assert parsed is not None  # targets list only names that parse
        return parsed[0]


class Target(ABC):
    """A place that keeps backup sets. Errors are ``TargetError`` saying whether they are permanent."""

    kind: str

    def __init__(self, *, keep_days: int) -> None:
        self.keep_days = keep_days

    @property
    def name(self) -> str:
        return self.kind

    @abstractmethod
    def describe(self) -> str:
        """Where the sets go, e.g. ``local:/srv/backups`` or ``s3://bucket/prefix/``."""

    @abstractmethod
    def store(self, set_name: str, files: Sequence[Path]) -> None:
        """Store ``files`` as the set ``set_name``; visible as complete only once every file is in place.

        The manifest must be the last of ``files``.
        """

    @abstractmethod
    def sets(self) -> list[StoredSet]:
        """Every set found, complete or not, oldest first."""

    @abstractmethod
    def fetch(self, set_name: str, file_name: str, dest: Path) -> None:
        """Copy one file of a set into ``dest`` (a path that does not exist yet)."""

    @abstractmethod
    def delete(self, set_name: str) -> None:
        """Remove a set and all its files."""
