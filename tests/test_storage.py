"""Object storage: the same behaviour from the folder store and from a real S3 endpoint."""

from __future__ import annotations

import ast
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

import pytest
from flask import Flask
from werkzeug.exceptions import NotFound

from app import storage as storage_module
from app.config import load_config
from app.storage import (
    FolderStorage,
    InvalidKey,
    ObjectNotFound,
    S3Storage,
    Storage,
    StorageError,
    get_storage,
    open_storage,
    school_key,
)
from tenants.models import School
from tests.storage_fixtures import new_bucket, start_s3

ROOT = Path(__file__).resolve().parents[1]
SCHOOL_1, SCHOOL_2, SCHOOL_10 = School(id=1), School(id=2), School(id=10)


def test_round_trip(store: Storage) -> None:
    key = school_key(SCHOOL_1, "letters", "2026-01-12", "reminder.pdf")
    stored = store.put(key, b"%PDF-1.7 letter", "application/pdf")
    assert stored.key == "schools/1/letters/2026-01-12/reminder.pdf"
    assert (stored.size, stored.sha256, stored.content_type) == (
        15,
        hashlib.sha256(b"%PDF-1.7 letter").hexdigest(),
        "application/pdf",
    )
    assert store.get(key) == b"%PDF-1.7 letter"
    assert store.exists(key)
    assert not store.exists(school_key(SCHOOL_1, "letters", "other.pdf"))
    assert store.versions(key) == [stored]


def test_data_written_by_a_function_larger_than_memory_spool(store: Storage) -> None:
    """Big exports and backups are written to a file by the caller and spool to disk, not memory."""
    chunk = bytes(range(256)) * 4096  # 1 MiB

    def dump(file: IO[bytes]) -> None:
        for _ in range(9):
            file.write(chunk)

    stored = store.put("backups/nightly.dump", dump)
    assert stored.size == 9 * len(chunk)
    assert stored.sha256 == hashlib.sha256(chunk * 9).hexdigest()
    assert store.get("backups/nightly.dump") == chunk * 9


def test_overwrite_keeps_the_earlier_version_readable(store: Storage) -> None:
    key = school_key(SCHOOL_1, "letters", "reminder.pdf")
    first = store.put(key, b"first draft", "application/pdf")
    second = store.put(key, b"second draft", "application/pdf")
    assert first.version != second.version
    assert store.get(key) == b"second draft"
    assert store.get(key, first.version) == b"first draft"
    assert store.get(key, second.version) == b"second draft"
    assert store.versions(key) == [first, second]
    assert store.list_keys("schools/1/") == [key]


def test_writers_at_once_each_get_their_own_version(store: Storage) -> None:
    key = school_key(SCHOOL_1, "exports", "flags.csv")
    with ThreadPoolExecutor(max_workers=4) as pool:
        stored = list(pool.map(lambda n: store.put(key, f"export {n}".encode()), range(12)))
    assert len({s.version for s in stored}) == 12
    assert sorted(store.get(key, s.version) for s in stored) == sorted(
        f"export {n}".encode() for n in range(12)
    )
    assert sorted(v.version for v in store.versions(key)) == sorted(s.version for s in stored)


def test_list_by_prefix(store: Storage) -> None:
    keys = [
        "schools/1/letters/a.pdf",
        "schools/1/letters/b.pdf",
        "schools/1/exports/flags.csv",
        "schools/10/letters/a.pdf",
        "backups/nightly.dump",
    ]
    for key in keys:
        store.put(key, key.encode())
    assert store.list_keys("schools/1/letters/") == ["schools/1/letters/a.pdf", "schools/1/letters/b.pdf"]
    assert store.list_keys("schools/1/") == [
        "schools/1/exports/flags.csv",
        "schools/1/letters/a.pdf",
        "schools/1/letters/b.pdf",
    ]
    assert store.list_keys("") == sorted(keys)
    assert store.list_keys("schools/2/") == []


@pytest.mark.parametrize("prefix", ["schools/1", "/schools/1/", "schools/../1/"])
def test_a_prefix_must_be_a_folder(store: Storage, prefix: str) -> None:
    with pytest.raises(InvalidKey, match=re.escape(repr(prefix))):
        store.list_keys(prefix)


BAD_KEYS = {
    "": "empty",
    "/etc/passwd": "absolute",
    "schools/1/../2/letter.pdf": "'..' segment",
    "..": "'..' segment",
    "./letter.pdf": "'.' segment",
    "schools\\1\\letter.pdf": "backslash",
    "schools//1/letter.pdf": "empty segment",
    "schools/1/": "empty segment",
    "schools/1/.hidden": "must start with a letter or digit",
    "schools/1/a letter.pdf": "must start with a letter or digit",
    "schools/1/lettre-é.pdf": "must start with a letter or digit",
    "schools/1/letter.pdf,v": "must start with a letter or digit",
    "schools/" + "x" * 201: "longer than 200",
    "x/" * 600: "longer than 1024",
}


@pytest.mark.parametrize(("key", "reason"), BAD_KEYS.items(), ids=range(len(BAD_KEYS)))
def test_bad_keys_are_refused_naming_the_key(store: Storage, key: str, reason: str) -> None:
    with pytest.raises(InvalidKey, match=re.escape(repr(key)) + ".*" + re.escape(reason)) as refused:
        store.put(key, b"data")
    assert isinstance(refused.value, ValueError)
    with pytest.raises(InvalidKey):
        store.get(key)
    assert store.list_keys("") == []


def test_school_key_checks_its_parts() -> None:
    with pytest.raises(InvalidKey, match="'schools/1/../2/x.pdf'"):
        school_key(SCHOOL_1, "..", "2", "x.pdf")


def test_a_school_reads_only_its_own_objects(store: Storage) -> None:
    key = school_key(SCHOOL_1, "letters", "reminder.pdf")
    first = store.put(key, b"school one's letter")
    store.put(school_key(SCHOOL_10, "letters", "reminder.pdf"), b"school ten's letter")
    assert store.read_for_school(SCHOOL_1, key) == b"school one's letter"
    assert store.read_for_school(SCHOOL_1, key, first.version) == b"school one's letter"
    for school, foreign in [
        (SCHOOL_2, key),
        (SCHOOL_2, "schools/2/../1/letters/reminder.pdf"),
        (SCHOOL_1, "schools/10/letters/reminder.pdf"),
        (SCHOOL_10, key),
    ]:
        with pytest.raises(ObjectNotFound):
            store.read_for_school(school, foreign)
    with pytest.raises(ObjectNotFound):
        store.read_for_school(SCHOOL_1, school_key(SCHOOL_1, "letters", "missing.pdf"))


def test_another_schools_key_answers_404_from_a_route(store: Storage) -> None:
    """ObjectNotFound is werkzeug's NotFound, so a route that lets it through still answers 404."""
    key = school_key(SCHOOL_1, "letters", "reminder.pdf")
    store.put(key, b"school one's letter")
    web = Flask(__name__)
    web.add_url_rule(
        "/<int:school_id>/<path:key>",
        view_func=lambda school_id, key: store.read_for_school(School(id=school_id), key),
    )
    client = web.test_client()
    assert client.get(f"/1/{key}").data == b"school one's letter"
    assert client.get(f"/2/{key}").status_code == 404


def test_missing_objects_and_versions_are_not_found(store: Storage) -> None:
    key = "schools/1/letters/reminder.pdf"
    with pytest.raises(ObjectNotFound, match="reminder.pdf") as missing:
        store.get(key)
    assert isinstance(missing.value, LookupError)
    assert isinstance(missing.value, NotFound)
    assert store.versions(key) == []
    store.put(key, b"letter")
    with pytest.raises(ObjectNotFound):
        store.get(key, "999")


def test_a_failed_write_leaves_no_object(store: Storage) -> None:
    def failing(file: IO[bytes]) -> None:
        file.write(b"half a letter")
        raise RuntimeError("the PDF renderer failed")

    key = school_key(SCHOOL_1, "letters", "reminder.pdf")
    with pytest.raises(RuntimeError, match="renderer"):
        store.put(key, failing, "application/pdf")
    assert not store.exists(key)
    assert store.versions(key) == []
    assert store.list_keys("") == []

    store.put(key, b"a whole letter")
    with pytest.raises(RuntimeError, match="renderer"):
        store.put(key, failing, "application/pdf")
    assert store.get(key) == b"a whole letter"
    assert len(store.versions(key)) == 1


def test_folder_write_failing_at_the_rename_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FolderStorage(tmp_path / "objects")
    store.put("schools/1/letters/kept.pdf", b"kept")

    def broken_replace(source: str, target: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(storage_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.put("schools/1/letters/reminder.pdf", b"letter")
    monkeypatch.undo()
    assert store.list_keys("") == ["schools/1/letters/kept.pdf"]
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["objects/schools/1/letters/kept.pdf,v/1", "objects/schools/1/letters/kept.pdf,v/1.json"]


def test_folder_versions_survive_a_new_store_on_the_same_folder(tmp_path: Path) -> None:
    FolderStorage(tmp_path).put("exports/a.csv", b"one", "text/csv")
    FolderStorage(tmp_path).put("exports/a.csv", b"two", "text/csv")
    assert [v.version for v in FolderStorage(tmp_path).versions("exports/a.csv")] == ["1", "2"]


def test_s3_store_turns_bucket_versioning_on(s3_endpoint: str) -> None:
    bucket = new_bucket(s3_endpoint)
    store = S3Storage(bucket, endpoint_url=s3_endpoint)
    assert store.client.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    store.put("exports/a.csv", b"one")
    assert store.client.list_objects_v2(Bucket=bucket)["Contents"][0]["Key"] == "exports/a.csv"


def test_s3_store_with_a_missing_bucket_fails_clearly(s3_endpoint: str) -> None:
    with pytest.raises(StorageError, match="turnout-no-such-bucket"):
        S3Storage("turnout-no-such-bucket", endpoint_url=s3_endpoint)


def test_s3_endpoint_down_writes_nothing(s3_endpoint: str) -> None:
    """A second endpoint on the same moto buckets goes down; the write fails and stores nothing."""
    bucket = new_bucket(s3_endpoint)
    server, down_endpoint = start_s3()
    store = S3Storage(bucket, "turnout/", endpoint_url=down_endpoint)
    server.stop()
    with pytest.raises(StorageError, match="reminder.pdf") as failed:
        store.put("schools/1/letters/reminder.pdf", b"letter")
    assert isinstance(failed.value, OSError)
    with pytest.raises(StorageError):
        S3Storage(bucket, endpoint_url=down_endpoint)
    assert S3Storage(bucket, "turnout/", endpoint_url=s3_endpoint).list_keys("") == []


def test_settings_choose_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_endpoint: str) -> None:
    monkeypatch.setenv("TURNOUT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("TURNOUT_STORAGE_URL", raising=False)
    monkeypatch.delenv("TURNOUT_S3_ENDPOINT_URL", raising=False)
    web = Flask(__name__)
    web.config.update(load_config({"SECRET_KEY": "test"}))
    assert web.config["STORAGE_URL"] == f"file://{tmp_path / 'instance'}/objects"
    with web.app_context():
        store = get_storage()
        assert isinstance(store, FolderStorage)
        assert store.root == tmp_path / "instance" / "objects"
        assert get_storage() is store

    bucket = new_bucket(s3_endpoint)
    monkeypatch.setenv("TURNOUT_STORAGE_URL", f"s3://{bucket}/turnout")
    monkeypatch.setenv("TURNOUT_S3_ENDPOINT_URL", s3_endpoint)
    web = Flask(__name__)
    web.config.update(load_config({"SECRET_KEY": "test"}))
    with web.app_context():
        store = get_storage()
        assert isinstance(store, S3Storage)
        assert (store.bucket, store.prefix) == (bucket, "turnout/")
        store.put("exports/a.csv", b"one")
    assert [item["Key"] for item in store.client.list_objects_v2(Bucket=bucket)["Contents"]] == [
        "turnout/exports/a.csv"
    ]


@pytest.mark.parametrize("url", ["objects", "file://", "s3://", "s3:///prefix", "http://example.org/x"])
def test_an_unknown_storage_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="TURNOUT_STORAGE_URL"):
        open_storage(url)


def test_only_app_storage_imports_boto3() -> None:
    """Every other module goes through app.storage, so the store can change in one place."""
    importers = []
    for package in ("app", "tenants", "jobs", "dashboards"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(name.split(".")[0] in {"boto3", "botocore"} for name in names):
                    importers.append(path.relative_to(ROOT).as_posix())
    assert sorted(set(importers)) == ["app/storage.py"]
