"""Real stores that fail on cue: the object store going down in the middle of a job."""

from __future__ import annotations

from typing import IO

from app.storage import Data, Storage, StorageError, StoredObject


class CountingStore(Storage):
    """A real store that counts its puts and lets a subclass act before each one (fail, or take S3 down)."""

    def __init__(self, inner: Storage) -> None:
        self.inner, self.keys = inner, []

    def before_put(self, key: str) -> None:
        """Called with the number of this put in len(self.keys); nothing by default."""

    def put(self, key: str, data: Data, content_type: str = "application/octet-stream") -> StoredObject:
        self.keys.append(key)
        self.before_put(key)
        return self.inner.put(key, data, content_type)

    def _write(self, key: str, source: IO[bytes], size: int, sha256: str, content_type: str) -> StoredObject:
        raise AssertionError("put is delegated whole")

    def get(self, key: str, version: str | None = None) -> bytes:
        return self.inner.get(key, version)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def list_keys(self, prefix: str = "") -> list[str]:
        return self.inner.list_keys(prefix)

    def versions(self, key: str) -> list[StoredObject]:
        return self.inner.versions(key)


class FailingStore(CountingStore):
    """A real store that refuses its Nth put, as S3 does when it goes down in the middle of a backup."""

    def __init__(self, inner: Storage, fail_on: int) -> None:
        super().__init__(inner)
        self.fail_on = fail_on

    def before_put(self, key: str) -> None:
        if len(self.keys) == self.fail_on:
            raise StorageError(f"S3 failed on object {key!r}: connection reset")
