"""The S3 endpoint going down and coming back: moto's server on a port of its own, stopped on cue.

moto keeps its buckets in this process, so a server started again on the same port serves the same
objects, as S3 does after an outage; a store pointed at the port meets refused connections meanwhile.
"""

from __future__ import annotations

from moto.server import ThreadedMotoServer

from app.storage import Storage
from tests.jobs.stores import CountingStore
from tests.storage_fixtures import free_port


class Endpoint:
    """An S3 endpoint on 127.0.0.1 that a test takes down and brings back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: ThreadedMotoServer | None = None
        self.up()

    def up(self) -> None:
        assert self.server is None, "already up"
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    def down(self) -> None:
        """Stop serving and close the listening socket, so connections are refused (stop alone leaves
        the socket open, and a client would wait out its read timeout instead)."""
        assert self.server is not None, "already down"
        self.server.stop()
        self.server._server.server_close()  # type: ignore[union-attr]  # noqa: SLF001 - see above
        self.server = None


class DownBefore(CountingStore):
    """A real store whose endpoint goes down just before its Nth put, which then meets the outage."""

    def __init__(self, inner: Storage, endpoint: Endpoint, put: int) -> None:
        super().__init__(inner)
        self.endpoint, self.put_number = endpoint, put

    def before_put(self, key: str) -> None:
        if len(self.keys) == self.put_number:
            self.endpoint.down()
