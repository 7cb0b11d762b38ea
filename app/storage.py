"""Object storage for letters, exports, termly packs, LA returns and backups: a folder or S3, versioned.

The only module that imports boto3, so the rest of Turnout sees one small interface whichever store runs.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app
from werkzeug.exceptions import NotFound

if TYPE_CHECKING:
    from tenants.models import School

Data = bytes | Callable[[IO[bytes]], object]  # the bytes, or a function that writes them to a file

_EXTENSION = "turnout.storage"
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_MAX_KEY = 1024  # S3's limit
_MAX_SEGMENT = 200  # with ",v" still within a file name's 255
_SPOOL_BYTES = 8 * 1024 * 1024  # larger data written by a function goes to a temporary file
_VERSIONS = ",v"  # RCS's suffix: "," is not in the key alphabet, so it never collides with a key's folder
_NOT_FOUND_CODES = {"404", "NoSuchKey", "NoSuchVersion"}  # not NoSuchBucket: that is a setup error


class InvalidKey(ValueError):
    """A key that could leave its folder, or that one of the stores could not hold as given."""


class ObjectNotFound(NotFound, LookupError):
    """No such object, or not this school's: a 404 when a route lets it through, a LookupError elsewhere."""


class StorageError(OSError):
    """An S3 failure as an OSError, so callers treat both stores' failures alike without botocore."""


@dataclass(frozen=True)
class StoredObject:
    """One version of an object, with what a reader needs to serve it and check its bytes."""

    key: str
    version: str
    size: int
    sha256: str
    content_type: str


def validate_key(key: str) -> str:
    """Refuse keys that could escape the store's folder or name different objects on the two stores."""
    problem = _key_problem(key)
    if problem:
        raise InvalidKey(f"invalid object key {key!r}: {problem}")
    return key


def validate_prefix(prefix: str) -> str:
    """Accept '' or a folder ending in '/', so listing schools/1/ can never include schools/10/."""
    if prefix and not prefix.endswith("/"):
        problem = "it must be empty or end with '/'"
    else:
        problem = _key_problem(prefix[:-1]) if prefix else None
    if problem:
        raise InvalidKey(f"invalid prefix {prefix!r}: {problem}")
    return prefix


def _key_problem(key: str) -> str | None:
    """The first rule a key breaks, in words that say how to fix it."""
    if not key:
        return "it is empty"
    if len(key) > _MAX_KEY:
        return f"it is longer than {_MAX_KEY} characters"
    if key.startswith("/"):
        return "it is an absolute path"
    if "\\" in key:
        return "it contains a backslash"
    for segment in key.split("/"):
        if not segment:
            return "it has an empty segment ('//' or a '/' at the end)"
        if segment in {".", ".."}:
            return f"it has a {segment!r} segment"
        if len(segment) > _MAX_SEGMENT:
            return f"a segment is longer than {_MAX_SEGMENT} characters"
        if not _SEGMENT.fullmatch(segment):
            return f"segment {segment!r} must start with a letter or digit and hold only letters, digits, '.', '_' and '-'"
    return None


def school_prefix(school: School) -> str:
    """The folder holding every object of a school, so its reads can be confined to it."""
    return f"schools/{school.id}/"


def school_key(school: School, *parts: str) -> str:
    """The key of a school's object, checked here so a bad part fails where the key is made."""
    return validate_key(school_prefix(school) + "/".join(parts))


class Storage(ABC):
    """What letters, exports, packs, returns and backups need from a store, whichever store it is."""

    def put(self, key: str, data: Data, content_type: str = "application/octet-stream") -> StoredObject:
        """Store a new version; if writing the data fails, nothing is stored and earlier versions stay."""
        validate_key(key)
        with _spooled(data) as source:
            sha256 = hashlib.file_digest(source, "sha256").hexdigest()
            size = source.seek(0, io.SEEK_END)
            source.seek(0)
            return self._write(key, source, size, sha256, content_type)

    def read_for_school(self, school: School, key: str, version: str | None = None) -> bytes:
        """Read only inside the school's prefix, so another school's key answers 404 like its rows do."""
        try:
            validate_key(key)
        except InvalidKey as error:
            raise ObjectNotFound(str(error)) from None
        if not key.startswith(school_prefix(school)):
            raise ObjectNotFound(f"object {key!r} is not in school {school.id}'s storage")
        return self.get(key, version)

    @abstractmethod
    def _write(self, key: str, source: IO[bytes], size: int, sha256: str, content_type: str) -> StoredObject:
        """Publish the source as the key's newest version in one step."""

    @abstractmethod
    def get(self, key: str, version: str | None = None) -> bytes:
        """The newest version's bytes, or a given version's; ObjectNotFound if there is none."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether the key has any version."""

    @abstractmethod
    def list_keys(self, prefix: str = "") -> list[str]:
        """Every key under a folder-like prefix, sorted."""

    @abstractmethod
    def versions(self, key: str) -> list[StoredObject]:
        """Every version of a key, oldest first, so the last one is what get returns."""


@contextmanager
def _spooled(data: Data) -> Iterator[IO[bytes]]:
    """Hold the data in a seekable file so it is hashed, then sent, without a second copy in memory."""
    if isinstance(data, bytes):
        yield io.BytesIO(data)
        return
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        data(spool)
        spool.seek(0)
        yield spool


class FolderStorage(Storage):
    """Objects as files: key a/b's versions are a/b,v/1, 2, ..., each beside its metadata in 1.json, ..."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, key: str) -> Path:
        """Where a key's versions live; validating here keeps every path inside the root."""
        return self.root / (validate_key(key) + _VERSIONS)

    def _write(self, key: str, source: IO[bytes], size: int, sha256: str, content_type: str) -> StoredObject:
        """Write to a temporary file, then rename it in after its metadata, so readers never see half."""
        folder = self._folder(key)
        folder.mkdir(parents=True, exist_ok=True)
        record = json.dumps({"size": size, "sha256": sha256, "content_type": content_type}).encode()
        temporary: str | None = None
        metadata: Path | None = None
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False) as handle:
                temporary = handle.name
                shutil.copyfileobj(source, handle)
                _sync(handle)
            version, metadata = _claim_version(folder)
            with metadata.open("wb") as handle:
                handle.write(record)
                _sync(handle)
            os.replace(temporary, folder / version)
        except BaseException:
            for path in (temporary, metadata):
                if path is not None:
                    Path(path).unlink(missing_ok=True)
            with suppress(OSError):
                folder.rmdir()  # only empty when this failed write was the key's first
            raise
        return StoredObject(key, version, size, sha256, content_type)

    def get(self, key: str, version: str | None = None) -> bytes:
        folder = self._folder(key)
        if version is None:
            published = _published(folder)
            if not published:
                raise ObjectNotFound(f"no object {key!r}")
            version = str(published[-1])
        if not version.isdecimal():
            raise ObjectNotFound(f"no version {version!r} of object {key!r}")
        try:
            return (folder / version).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(f"no version {version!r} of object {key!r}") from None

    def exists(self, key: str) -> bool:
        return bool(_published(self._folder(key)))

    def list_keys(self, prefix: str = "") -> list[str]:
        start = self.root.joinpath(*validate_prefix(prefix).split("/")[:-1])
        keys = []
        for parent, folders, _files in os.walk(start):
            for name in folders:
                if name.endswith(_VERSIONS) and _published(Path(parent, name)):
                    keys.append(Path(parent, name).relative_to(self.root).as_posix().removesuffix(_VERSIONS))
            folders[:] = [name for name in folders if not name.endswith(_VERSIONS)]
        return sorted(keys)

    def versions(self, key: str) -> list[StoredObject]:
        folder = self._folder(key)
        found = []
        for number in _published(folder):
            record = json.loads((folder / f"{number}.json").read_bytes())
            found.append(
                StoredObject(key, str(number), record["size"], record["sha256"], record["content_type"])
            )
        return found


def _published(folder: Path) -> list[int]:
    """Version numbers whose data is in place; metadata alone is a write that has not finished."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    return sorted(int(name) for name in names if name.isdecimal())


def _claim_version(folder: Path) -> tuple[str, Path]:
    """Take the next number by creating its metadata file exclusively, so two writers never share one."""
    while True:
        stems = (name.removesuffix(".json") for name in os.listdir(folder))
        version = str(max((int(stem) for stem in stems if stem.isdecimal()), default=0) + 1)
        metadata = folder / f"{version}.json"
        try:
            os.close(os.open(metadata, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            continue
        return version, metadata


def _sync(handle: IO[bytes]) -> None:
    """Flush a file to disk before it is renamed in, so a crash cannot publish an empty letter."""
    handle.flush()
    os.fsync(handle.fileno())


class S3Storage(Storage):
    """Objects in an S3 bucket under a prefix; the bucket's versioning keeps every earlier version."""

    def __init__(
        self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None, check_now: bool = True
    ) -> None:
        self.bucket = bucket
        self.prefix = validate_prefix(prefix)
        config = Config(
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=5,
            read_timeout=60,
            s3={"addressing_style": "path"} if endpoint_url else None,  # what S3-compatible services serve
        )
        self.client = boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)
        self._versioned = False
        if check_now:
            self._ensure_versioning()

    def _ensure_versioning(self) -> None:
        """Turn the bucket's versioning on if it is off, so an overwrite never loses a letter."""
        if self._versioned:
            return
        with _s3_errors(f"bucket {self.bucket!r}"):
            status = self.client.get_bucket_versioning(Bucket=self.bucket).get("Status")
            if status != "Enabled":
                self.client.put_bucket_versioning(
                    Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"}
                )
        self._versioned = True

    def _write(self, key: str, source: IO[bytes], size: int, sha256: str, content_type: str) -> StoredObject:
        """One PutObject: S3 shows the whole object or nothing."""
        self._ensure_versioning()  # a store opened without checking checks before its first write
        with _s3_errors(f"object {key!r}"):
            response = self.client.put_object(
                Bucket=self.bucket,
                Key=self.prefix + key,
                Body=source,
                ContentLength=size,
                ContentType=content_type,
                Metadata={"sha256": sha256},
            )
        return StoredObject(key, response.get("VersionId", "null"), size, sha256, content_type)

    def get(self, key: str, version: str | None = None) -> bytes:
        arguments = {"Bucket": self.bucket, "Key": self.prefix + validate_key(key)}
        if version is not None:
            arguments["VersionId"] = version
        with _s3_errors(f"object {key!r}" if version is None else f"version {version!r} of object {key!r}"):
            return self.client.get_object(**arguments)["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            with _s3_errors(f"object {key!r}"):
                self.client.head_object(Bucket=self.bucket, Key=self.prefix + validate_key(key))
        except ObjectNotFound:
            return False
        return True

    def list_keys(self, prefix: str = "") -> list[str]:
        full = self.prefix + validate_prefix(prefix)
        keys: list[str] = []
        with _s3_errors(f"prefix {prefix!r}"):
            for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=full
            ):
                keys.extend(item["Key"].removeprefix(self.prefix) for item in page.get("Contents", []))
        return sorted(keys)

    def versions(self, key: str) -> list[StoredObject]:
        full = self.prefix + validate_key(key)
        with _s3_errors(f"versions of object {key!r}"):
            newest_first = [
                item["VersionId"]
                for page in self.client.get_paginator("list_object_versions").paginate(
                    Bucket=self.bucket, Prefix=full
                )
                for item in page.get("Versions", [])
                if item["Key"] == full
            ]
            found = []
            for version in reversed(newest_first):
                head = self.client.head_object(Bucket=self.bucket, Key=full, VersionId=version)
                found.append(
                    StoredObject(
                        key,
                        version,
                        head["ContentLength"],
                        head["Metadata"].get("sha256", ""),
                        head.get("ContentType", "application/octet-stream"),
                    )
                )
        return found


@contextmanager
def _s3_errors(what: str) -> Iterator[None]:
    """Turn botocore's errors into ours, so callers tell a missing object from an outage without botocore."""
    try:
        yield
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _NOT_FOUND_CODES:
            raise ObjectNotFound(f"no {what}") from error
        raise StorageError(f"S3 refused {what}: {error}") from error
    except BotoCoreError as error:
        raise StorageError(f"S3 failed on {what}: {error}") from error


def open_storage(url: str, endpoint_url: str | None = None, *, check_now: bool = True) -> Storage:
    """Make the store TURNOUT_STORAGE_URL names: file://FOLDER (relative to the working folder) or s3://;
    with check_now false, S3 is first contacted when an object is read or written, not here."""
    if url.startswith("file://") and len(url) > len("file://"):
        return FolderStorage(Path(url.removeprefix("file://")).resolve())
    parts = urlsplit(url)
    if parts.scheme == "s3" and parts.netloc and not parts.query and not parts.fragment:
        prefix = parts.path.strip("/")
        return S3Storage(
            parts.netloc, f"{prefix}/" if prefix else "", endpoint_url=endpoint_url, check_now=check_now
        )
    raise ValueError(f"TURNOUT_STORAGE_URL {url!r} must be file://FOLDER or s3://BUCKET[/PREFIX]")


def get_storage() -> Storage:
    """The current app's store, made without contacting S3, so the web, the scheduler and `turnout jobs run`
    start while S3 is out of reach: only the work that reads or writes objects fails meanwhile."""
    store = current_app.extensions.get(_EXTENSION)
    if store is None:
        config = current_app.config
        store = open_storage(config["STORAGE_URL"], config["S3_ENDPOINT_URL"], check_now=False)
        store = current_app.extensions.setdefault(_EXTENSION, store)
    return store
