"""Storage fixtures: every store test runs on a folder and on a real S3 HTTP endpoint (moto's server)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest

from app.storage import FolderStorage, S3Storage, Storage

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

STORES = ["folder", "s3"]
_FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent",  # a developer's own AWS profile must not leak into the tests
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def free_port() -> int:
    """A port nothing listens on now, for a server of our own on the loopback address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_s3() -> tuple[ThreadedMotoServer, str]:
    """Start moto's S3 server in a thread on 127.0.0.1; moto's buckets are shared by every server."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """One S3 endpoint for the session, with fake credentials so boto3 never looks elsewhere."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _FAKE_AWS.items():
            patch.setenv(name, value)
        server, url = start_s3()
        yield url
        server.stop()


def new_bucket(endpoint: str) -> str:
    """A fresh bucket, without versioning, as an operator would create it."""
    name = f"turnout-{uuid.uuid4().hex[:16]}"
    boto3.session.Session().client("s3", endpoint_url=endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """The folder store in tmp_path, and the S3 store in its own bucket under a prefix."""
    if request.param == "folder":
        return FolderStorage(tmp_path / "objects")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Storage(new_bucket(endpoint), "turnout/", endpoint_url=endpoint)
