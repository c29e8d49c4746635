"""A local S3: moto's S3-compatible server on a free port, spoken to by boto3 as production speaks to AWS."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from moto.server import ThreadedMotoServer

from gnb.testing.servers import free_port


@contextmanager
def s3_server() -> Iterator[str]:
    """Run the local S3 while the block runs; yields its endpoint URL."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
