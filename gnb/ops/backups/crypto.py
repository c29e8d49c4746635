"""The sealed-file format: AES-256-GCM over fixed-size chunks, streamed, so no file is ever held in memory.

Layout (all integers big-endian)::

    header  = magic "GNBBAK" (6) | version 1 (1) | chunk size (4) | random nonce prefix (8)      = 19 bytes
    chunk i = AES-256-GCM(key, nonce = prefix | i (4), plaintext, aad = header | i (4) | final (1)) ‖ tag (16)

Every chunk but the last holds exactly ``chunk size`` plaintext bytes; the last holds 0 to ``chunk size`` bytes and
is the only one sealed with ``final = 1``. Binding the header, the index and the final flag into each tag means a
flipped byte anywhere, a changed header, reordered or dropped chunks, a cut-off tail and appended bytes all fail
authentication. The random prefix makes every file's nonces unique under the same key. Plaintext is handed out chunk
by chunk only after that chunk's tag checks, but a truncation shows only at the end: callers write to a temporary
file and use it only once ``decrypt_stream`` has returned.
"""

from __future__ import annotations

import os
import struct
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gnb.ops.backups.errors import DecryptionError

MAGIC = b"GNBBAK"
VERSION = 1
KEY_SIZE = 32
TAG_SIZE = 16
NONCE_PREFIX_SIZE = 8
CHUNK_SIZE = 1 << 20
# Bounds a reader accepts, so a forged header cannot make it allocate gigabytes before the first tag fails.
MIN_CHUNK_SIZE = 1 << 10
MAX_CHUNK_SIZE = 1 << 26
MAX_CHUNKS = 1 << 32  # the counter is 4 bytes of the 12-byte nonce

_HEADER = struct.Struct(">6sBI8s")
_CHUNK_AAD = struct.Struct(">IB")
HEADER_SIZE = _HEADER.size


class Writable(Protocol):
    """Anything with ``write(bytes)``: a file, a hashing wrapper, the next stage of a pipeline."""

    def write(self, data: bytes, /) -> int: ...


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _check_key(key: bytes) -> AESGCM:
    if not isinstance(key, bytes) or len(key) != KEY_SIZE:
        raise ValueError(f"the backup key must be {KEY_SIZE} bytes")
    return AESGCM(key)


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + index.to_bytes(4, "big")


class EncryptingWriter:
    """A write-only binary stream that seals what is written to it into ``dst`` in the format above.

    ``close()`` seals the final chunk; a file that was never closed is refused by the reader, so an interrupted
    writer can never leave something that decrypts as complete.
    """

    def __init__(self, dst: Writable, key: bytes, *, chunk_size: int = CHUNK_SIZE) -> None:
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(f"chunk size must be between {MIN_CHUNK_SIZE} and {MAX_CHUNK_SIZE} bytes")
        self._aead = _check_key(key)
        self._dst = dst
        self._chunk_size = chunk_size
        self._prefix = os.urandom(NONCE_PREFIX_SIZE)
        self._header = _HEADER.pack(MAGIC, VERSION, chunk_size, self._prefix)
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        dst.write(self._header)

    @property
    def nonce_prefix(self) -> bytes:
        return self._prefix

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Buffer ``data``; seal every full chunk that is known not to be the last one."""
        if self._closed:
            raise ValueError("write to a closed EncryptingWriter")
        self._buffer += data
        # Strictly greater: a chunk is sealed as non-final only once at least one byte follows it.
        while len(self._buffer) > self._chunk_size:
            self._seal(bytes(self._buffer[: self._chunk_size]), final=False)
            del self._buffer[: self._chunk_size]
        return len(data)

    def close(self) -> None:
        """Seal the last chunk (possibly empty). The underlying stream is left open."""
        if self._closed:
            return
        self._seal(bytes(self._buffer), final=True)
        self._buffer.clear()
        self._closed = True

    def _seal(self, plaintext: bytes, *, final: bool) -> None:
        if self._index >= MAX_CHUNKS:
            raise ValueError("file too large for one sealed stream")
        aad = self._header + _CHUNK_AAD.pack(self._index, int(final))
        self._dst.write(self._aead.encrypt(_nonce(self._prefix, self._index), plaintext, aad))
        self._index += 1


def _read_up_to(src: Readable, size: int) -> bytes:
    """Read ``size`` bytes, or fewer only at the end of the stream (``read`` may return short on pipes)."""
    parts: list[bytes] = []
    missing = size
    while missing > 0:
        part = src.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


def decrypt_stream(src: Readable, dst: Writable, key: bytes) -> int:
    """Authenticate and decrypt ``src`` into ``dst``; return the number of plaintext bytes.

    Raises ``DecryptionError`` for anything that is not a complete, untouched file sealed with ``key``. What was
    written to ``dst`` before such an error must be thrown away.
    """
    aead = _check_key(key)
    header = _read_up_to(src, HEADER_SIZE)
    if len(header) < HEADER_SIZE:
        raise DecryptionError("file shorter than the header")
    magic, version, chunk_size, prefix = _HEADER.unpack(header)
    if magic != MAGIC:
        raise DecryptionError("not a GNB backup file")
    if version != VERSION:
        raise DecryptionError(f"unknown format version {version}")
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise DecryptionError("chunk size out of range")

    sealed_size = chunk_size + TAG_SIZE
    written = 0
    index = 0
    sealed = _read_up_to(src, sealed_size)
    while True:
        if len(sealed) < TAG_SIZE:
            raise DecryptionError("file is truncated")
        # A full-size chunk is the last one only if nothing follows it; a short one must be the last.
        following = _read_up_to(src, sealed_size) if len(sealed) == sealed_size else b""
        final = not following
        if index >= MAX_CHUNKS:
            raise DecryptionError("too many chunks")
        aad = header + _CHUNK_AAD.pack(index, int(final))
        try:
            plaintext = aead.decrypt(_nonce(prefix, index), sealed, aad)
        except InvalidTag:
            raise DecryptionError() from None
        dst.write(plaintext)
        written += len(plaintext)
        if final:
            return written
        index += 1
        sealed = following
