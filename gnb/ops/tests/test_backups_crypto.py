"""The sealed-file format: what goes in comes out, and anything else is refused before it is used."""

from __future__ import annotations

import hashlib
import io
import os
import struct

import pytest

from gnb.ops.backups.crypto import CHUNK_SIZE, HEADER_SIZE, TAG_SIZE, EncryptingWriter, decrypt_stream
from gnb.ops.backups.errors import DecryptionError
from gnb.ops.backups.sets import SealedWriter, unseal

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
SMALL_CHUNK = 1024
REFUSED = "cannot decrypt: wrong key or tampered file"


def seal(data: bytes, *, key: bytes = KEY, chunk_size: int = SMALL_CHUNK, writes: int = 1) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, key, chunk_size=chunk_size)
    step = max(1, len(data) // writes)
    for start in range(0, len(data), step):
        writer.write(data[start : start + step])
    writer.close()
    return out.getvalue()


def open_sealed(sealed: bytes, *, key: bytes = KEY) -> bytes:
    out = io.BytesIO()
    assert decrypt_stream(io.BytesIO(sealed), out, key) == len(out.getvalue())
    return out.getvalue()


def chunks_of(sealed: bytes, chunk_size: int = SMALL_CHUNK) -> list[bytes]:
    body = sealed[HEADER_SIZE:]
    size = chunk_size + TAG_SIZE
    return [body[start : start + size] for start in range(0, len(body), size)]


DATA = os.urandom(5 * SMALL_CHUNK + 300)  # five full chunks and a short last one


@pytest.mark.parametrize(
    ("length", "chunks"),
    [(0, 1), (1, 1), (SMALL_CHUNK, 1), (SMALL_CHUNK + 1, 2), (3 * SMALL_CHUNK, 3), (5 * SMALL_CHUNK + 300, 6)],
)
def test_round_trip_at_every_chunk_boundary(length, chunks):
    data = os.urandom(length)
    sealed = seal(data, writes=7)
    assert len(sealed) == HEADER_SIZE + length + chunks * TAG_SIZE
    assert len(chunks_of(sealed)) == chunks
    assert open_sealed(sealed) == data


def test_round_trip_of_megabyte_chunks_written_in_odd_pieces():
    data = os.urandom(3 * CHUNK_SIZE + 12345)
    out = io.BytesIO()
    writer = EncryptingWriter(out, KEY)
    for start in range(0, len(data), 777_777):
        writer.write(data[start : start + 777_777])
    writer.close()
    assert len(out.getvalue()) == HEADER_SIZE + len(data) + 4 * TAG_SIZE
    assert open_sealed(out.getvalue()) == data


def test_the_header_says_what_the_file_is():
    sealed = seal(b"x")
    magic, version, chunk_size, prefix = struct.unpack(">6sBI8s", sealed[:HEADER_SIZE])
    assert (magic, version, chunk_size, len(prefix)) == (b"GNBBAK", 1, SMALL_CHUNK, 8)


def test_two_encryptions_of_the_same_data_use_different_nonces_and_differ_everywhere():
    first, second = seal(DATA), seal(DATA)
    assert first[HEADER_SIZE - 8 : HEADER_SIZE] != second[HEADER_SIZE - 8 : HEADER_SIZE]
    assert all(a != b for a, b in zip(chunks_of(first), chunks_of(second), strict=True))
    assert open_sealed(first) == open_sealed(second) == DATA


def test_a_flipped_bit_anywhere_is_refused():
    sealed = seal(DATA)
    # Every header byte, then bytes spread over every chunk and every tag.
    positions = [*range(HEADER_SIZE), *range(HEADER_SIZE, len(sealed), 97), len(sealed) - 1]
    for position in positions:
        tampered = bytearray(sealed)
        tampered[position] ^= 0x01
        with pytest.raises(DecryptionError) as refused:
            open_sealed(bytes(tampered))
        assert str(refused.value).startswith(REFUSED), position


@pytest.mark.parametrize(
    ("cut", "detail"),
    [
        (1, ""),  # last byte of the final tag
        (TAG_SIZE + 300, ""),  # the whole short final chunk: what is left ends on a non-final chunk
        (len(DATA), "file shorter than the header"),
    ],
)
def test_a_truncated_file_is_refused(cut, detail):
    sealed = seal(DATA)
    cut_at = HEADER_SIZE - 1 if detail else len(sealed) - cut
    with pytest.raises(DecryptionError) as refused:
        open_sealed(sealed[:cut_at])
    assert str(refused.value) == (f"{REFUSED} ({detail})" if detail else REFUSED)


def test_dropped_reordered_duplicated_or_appended_chunks_are_refused():
    sealed = seal(DATA)
    header, chunks = sealed[:HEADER_SIZE], chunks_of(sealed)
    variants = {
        "dropped": [chunks[0], *chunks[2:]],
        "swapped": [chunks[1], chunks[0], *chunks[2:]],
        "duplicated": [chunks[0], *chunks],
        "last dropped": chunks[:-1],
        "appended": [*chunks, b"\x00" * 40],
        "final moved": [*chunks[:2], chunks[-1], *chunks[2:-1]],
    }
    for name, parts in variants.items():
        with pytest.raises(DecryptionError) as refused:
            open_sealed(header + b"".join(parts))
        assert str(refused.value) == REFUSED, name


def test_a_chunk_from_another_file_sealed_with_the_same_key_is_refused():
    first, second = seal(DATA), seal(DATA)
    mixed = first[:HEADER_SIZE] + b"".join([chunks_of(second)[0], *chunks_of(first)[1:]])
    with pytest.raises(DecryptionError) as refused:
        open_sealed(mixed)
    assert str(refused.value) == REFUSED


def test_the_wrong_key_is_refused():
    with pytest.raises(DecryptionError) as refused:
        open_sealed(seal(DATA), key=OTHER_KEY)
    assert str(refused.value) == REFUSED


def test_something_else_than_a_backup_is_refused():
    with pytest.raises(DecryptionError) as refused:
        open_sealed(b"PGDMP" + os.urandom(100))
    assert str(refused.value) == f"{REFUSED} (not a GNB backup file)"


def test_a_key_that_is_not_32_bytes_is_a_programming_error():
    with pytest.raises(ValueError) as refused:
        EncryptingWriter(io.BytesIO(), KEY[:16])
    assert str(refused.value) == "the backup key must be 32 bytes"


def test_sealed_files_are_compressed_and_record_both_sizes_and_checksums(tmp_path):
    data = b"GNB-7K3Q-9XPM Anna Smith AYT to Regnum Carya\n" * 50_000
    writer = SealedWriter(tmp_path / "file.gz.enc", KEY)
    for start in range(0, len(data), 65_536):
        writer.write(data[start : start + 65_536])
    record = writer.close()
    stored = (tmp_path / "file.gz.enc").read_bytes()
    assert (record.raw_bytes, record.raw_sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert (record.stored_bytes, record.stored_sha256) == (len(stored), hashlib.sha256(stored).hexdigest())
    assert record.stored_bytes < len(data) // 50
    out = io.BytesIO()
    assert unseal(tmp_path / "file.gz.enc", KEY, dst=out) == record
    assert out.getvalue() == data


def test_unseal_names_the_file_it_refuses(tmp_path):
    path = tmp_path / "media.tar.gz.enc"
    writer = SealedWriter(path, KEY)
    writer.write(b"media")
    writer.close()
    with pytest.raises(DecryptionError) as refused:
        unseal(path, OTHER_KEY, label="gnb-20261125T030000Z/media.tar.gz.enc")
    assert str(refused.value) == f"{REFUSED} (gnb-20261125T030000Z/media.tar.gz.enc)"
