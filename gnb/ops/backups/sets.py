"""A backup set: a timestamped name and its files, each compressed then sealed, described by a sealed manifest.

Every file goes raw → SHA-256 (of the raw bytes) → gzip → AES-256-GCM chunks → SHA-256 (of the stored bytes), in
one pass, so neither a dump nor its compressed form is ever held whole in memory or written unencrypted. The
manifest is the last file stored; a set without one is incomplete and is neither listed as usable nor restored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gnb.ops.backups.crypto import CHUNK_SIZE, EncryptingWriter, Readable, Writable, decrypt_stream
from gnb.ops.backups.errors import BackupError, DecryptionError

MANIFEST = "manifest.json.enc"
MEDIA = "media.tar.gz.enc"
SUFFIX = ".gz.enc"
FORMAT = 1
NAME_PREFIX = "gnb-"
_NAME = re.compile(r"^gnb-(\d{8}T\d{6}Z)(?:-(\d+))?$")
_GZIP_WBITS = 31  # zlib's gzip container: a decrypted file is a plain .gz


def set_name(at: dt.datetime, sequence: int = 1) -> str:
    """``gnb-20261125T030000Z``; a second set within the same second gets ``-2``, ``-3``…"""
    base = f"{NAME_PREFIX}{at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
    return base if sequence <= 1 else f"{base}-{sequence}"


def parse_set_name(name: str) -> tuple[dt.datetime, int] | None:
    """(creation time, sequence) of a set name, or None for anything that is not one."""
    match = _NAME.match(name)
    if not match:
        return None
    at = dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    return at, int(match.group(2) or 1)


def is_set_name(name: str) -> bool:
    return parse_set_name(name) is not None


def set_sort_key(name: str) -> tuple[dt.datetime, int]:
    parsed = parse_set_name(name)
    if parsed is None:
        raise ValueError(f"{name!r} is not a backup set name")
    return parsed


@dataclass(frozen=True)
class FileRecord:
    """What the manifest says of one file: sizes and SHA-256 before compression and as stored."""

    raw_bytes: int
    raw_sha256: str
    stored_bytes: int
    stored_sha256: str

    def as_json(self) -> dict[str, Any]:
        return {
            "raw_bytes": self.raw_bytes,
            "raw_sha256": self.raw_sha256,
            "stored_bytes": self.stored_bytes,
            "stored_sha256": self.stored_sha256,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileRecord:
        return cls(
            raw_bytes=int(data["raw_bytes"]),
            raw_sha256=str(data["raw_sha256"]),
            stored_bytes=int(data["stored_bytes"]),
            stored_sha256=str(data["stored_sha256"]),
        )


class _CountingFile:
    """Hashes and counts what passes through to ``dst``."""

    def __init__(self, dst: Writable) -> None:
        self._dst = dst
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        self._dst.write(data)
        return len(data)


class SealedWriter:
    """A binary stream that compresses and seals into ``path``; ``close()`` returns the file's record."""

    def __init__(self, path: Path, key: bytes, *, chunk_size: int = CHUNK_SIZE) -> None:
        self._file = path.open("xb")
        path.chmod(0o600)
        self._stored = _CountingFile(self._file)
        self._sealer = EncryptingWriter(self._stored, key, chunk_size=chunk_size)
        self._compressor = zlib.compressobj(6, zlib.DEFLATED, _GZIP_WBITS)
        self._raw_hash = hashlib.sha256()
        self._raw_size = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._raw_hash.update(data)
        self._raw_size += len(data)
        compressed = self._compressor.compress(data)
        if compressed:
            self._sealer.write(compressed)
        return len(data)

    def close(self) -> FileRecord:
        self._sealer.write(self._compressor.flush())
        self._sealer.close()
        self._file.close()
        return FileRecord(
            raw_bytes=self._raw_size,
            raw_sha256=self._raw_hash.hexdigest(),
            stored_bytes=self._stored.size,
            stored_sha256=self._stored.hash.hexdigest(),
        )

    def abort(self) -> None:
        self._file.close()


class _Inflating:
    """The decrypted gzip stream, inflated and hashed as it is written; what it inflates goes to ``dst``."""

    def __init__(self, dst: Writable | None) -> None:
        self._dst = dst
        self._inflater = zlib.decompressobj(_GZIP_WBITS)
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        if self._inflater.eof:
            raise BackupError("data after the end of the compressed stream")
        pending = data
        while pending:
            # Bounded output per call: a chunk of zeros inflates a thousandfold, memory stays flat anyway.
            out = self._inflater.decompress(pending, CHUNK_SIZE)
            self._emit(out)
            pending = self._inflater.unconsumed_tail
        return len(data)

    def _emit(self, data: bytes) -> None:
        if data:
            self.hash.update(data)
            self.size += len(data)
            if self._dst is not None:
                self._dst.write(data)

    def finish(self) -> None:
        self._emit(self._inflater.flush())
        if not self._inflater.eof or self._inflater.unused_data:
            raise BackupError("compressed stream is incomplete")


class _HashingReader:
    def __init__(self, src: Readable) -> None:
        self._src = src
        self.hash = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._src.read(size)
        self.hash.update(data)
        self.size += len(data)
        return data


def unseal(src: Path, key: bytes, *, dst: Writable | None = None, label: str = "") -> FileRecord:
    """Decrypt and inflate ``src`` (into ``dst`` if given); return the record of what was actually read.

    Only after this returns is what went to ``dst`` authenticated as a whole; callers write to a temporary file.
    """
    label = label or src.name
    inflating = _Inflating(dst)
    with src.open("rb") as raw:
        reader = _HashingReader(raw)
        try:
            decrypt_stream(reader, inflating, key)
        except DecryptionError as exc:
            raise DecryptionError(f"{label}: {exc.detail}" if exc.detail else label) from None
        inflating.finish()
    return FileRecord(
        raw_bytes=inflating.size,
        raw_sha256=inflating.hash.hexdigest(),
        stored_bytes=reader.size,
        stored_sha256=reader.hash.hexdigest(),
    )


def check_record(label: str, expected: FileRecord, actual: FileRecord) -> None:
    """Refuse a file whose sizes or checksums differ from the manifest's (e.g. a file from another set)."""
    if expected != actual:
        raise BackupError(
            f"{label} does not match the manifest: stored {actual.stored_bytes} bytes sha256 "
            f"{actual.stored_sha256[:12]}…, expected {expected.stored_bytes} bytes sha256 "
            f"{expected.stored_sha256[:12]}…"
        )


def write_manifest(path: Path, manifest: dict[str, Any], key: bytes) -> FileRecord:
    """Seal ``manifest`` as JSON into ``path``."""
    writer = SealedWriter(path, key)
    try:
        writer.write(json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def read_manifest(path: Path, key: bytes, *, expected_name: str) -> dict[str, Any]:
    """Open a sealed manifest and check it belongs to the set ``expected_name``."""

    class _Buffer:
        def __init__(self) -> None:
            self.parts: list[bytes] = []

        def write(self, data: bytes) -> int:
            self.parts.append(data)
            return len(data)

    buffer = _Buffer()
    unseal(path, key, dst=buffer, label=f"{expected_name}/{MANIFEST}")
    try:
        manifest = json.loads(b"".join(buffer.parts))
    except ValueError as exc:
        raise BackupError(f"{expected_name}/{MANIFEST} is not valid JSON: {exc}") from exc
    # A manifest is authenticated, but one from another set sealed with the same key would be too.
    if not isinstance(manifest, dict):
        raise BackupError(f"{expected_name}/{MANIFEST} is not a manifest")
    if manifest.get("name") != expected_name:
        raise BackupError(f"{expected_name}/{MANIFEST} belongs to another set ({manifest.get('name')!r})")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{expected_name}: manifest format {manifest.get('format')!r} is not one this code reads")
    return manifest
