"""The S3 target through boto3 against a local S3-compatible server (moto) on a free port."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from pathlib import Path

import boto3
import pytest
from django.core.management import call_command

from gnb.ops.backups.errors import TargetError
from gnb.ops.backups.services import backup_create, backup_prune, backup_restore, backup_verify
from gnb.ops.backups.sets import MANIFEST, MEDIA, set_name
from gnb.ops.backups.targets import S3Target
from gnb.testing.backups import database_file
from gnb.testing.bookings import place_transfer
from gnb.testing.s3 import s3_server
from gnb.testing.servers import free_port

BUCKET = "gnb-backups"
PREFIX = "prod/db/"


@pytest.fixture(scope="module")
def s3_endpoint():
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3(settings, s3_endpoint, backup_dir, monkeypatch):
    """A fresh bucket; settings for the local and the S3 target. Credentials come the usual AWS way."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.BACKUP_TARGETS = ["local", "s3"]
    settings.BACKUP_S3_BUCKET = BUCKET
    settings.BACKUP_S3_PREFIX = PREFIX
    settings.BACKUP_S3_ENDPOINT_URL = s3_endpoint
    settings.BACKUP_S3_REGION = "eu-central-1"
    settings.BACKUP_S3_ACCESS_KEY_ID = None
    settings.BACKUP_S3_SECRET_ACCESS_KEY = None
    settings.BACKUP_S3_KEEP_DAYS = 30
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-central-1")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    yield client
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    if keys:
        client.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": key} for key in keys]})
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.mark.django_db(transaction=True)
def test_a_set_is_uploaded_listed_verified_and_restored_from_s3(catalog, s3, backup_dir):
    place_transfer()
    run = backup_create()
    assert run.targets == ["local", "s3"]
    assert keys(s3) == sorted(f"{PREFIX}{run.name}/{name}" for name in (database_file(), MEDIA, MANIFEST))
    for name in (database_file(), MEDIA, MANIFEST):
        stored = s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}{run.name}/{name}")["Body"].read()
        assert stored == (backup_dir / run.name / name).read_bytes()

    out = io.StringIO()
    call_command("backup", "list", "--target", "s3", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"s3://{BUCKET}/{PREFIX} at {settings_endpoint(s3)} (keeps 30 days)"
    assert lines[1].startswith(f"  {run.name:26} ")
    assert len(lines) == 2

    assert [(report.target, report.name) for report in backup_verify()] == [("local", run.name), ("s3", run.name)]

    # The local copy is gone (the machine died): the set comes back from S3.
    for path in (backup_dir / run.name).iterdir():
        path.unlink()
    (backup_dir / run.name).rmdir()
    result = backup_restore(force=True)
    assert (result.name, result.target, result.differences) == (run.name, "s3", [])


def settings_endpoint(client) -> str:
    return client.meta.endpoint_url


def test_a_large_file_goes_up_in_parts_and_comes_back_whole(s3, tmp_path):
    target = S3Target.from_settings()
    big = tmp_path / "database.pgdump.gz.enc"
    data = os.urandom(40 * 1024 * 1024 + 123)
    big.write_bytes(data)
    (tmp_path / MANIFEST).write_bytes(b"manifest")
    target.store("gnb-20261125T030000Z", [big, tmp_path / MANIFEST])
    head = s3.head_object(Bucket=BUCKET, Key=f"{PREFIX}gnb-20261125T030000Z/database.pgdump.gz.enc")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-3")  # three 16 MiB parts: a multipart upload
    fetched = tmp_path / "fetched"
    target.fetch("gnb-20261125T030000Z", "database.pgdump.gz.enc", fetched)
    assert hashlib.sha256(fetched.read_bytes()).digest() == hashlib.sha256(data).digest()


def store_dummy_set(target: S3Target, at: dt.datetime, tmp_path: Path, *, complete: bool = True) -> str:
    name = set_name(at)
    folder = tmp_path / name
    folder.mkdir()
    files = [folder / "database.sqlite3.gz.enc", *([folder / MANIFEST] if complete else [])]
    for path in files:
        path.write_bytes(b"x" * 100)
    target.store(name, files)
    return name


def test_s3_prune_keeps_thirty_days_and_the_newest_set(s3, tmp_path):
    now = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
    target = S3Target.from_settings()
    for days in (45, 31, 29, 7, 0):
        store_dummy_set(target, now - dt.timedelta(days=days), tmp_path)
    store_dummy_set(target, now - dt.timedelta(days=2), tmp_path, complete=False)
    assert [(stored.name, stored.size, stored.complete) for stored in target.sets()] == [
        ("gnb-20261011T030000Z", 200, True),
        ("gnb-20261025T030000Z", 200, True),
        ("gnb-20261027T030000Z", 200, True),
        ("gnb-20261118T030000Z", 200, True),
        ("gnb-20261123T030000Z", 100, False),
        ("gnb-20261125T030000Z", 200, True),
    ]
    assert backup_prune(now=now, target_names=["s3"]) == {
        "s3": ["gnb-20261011T030000Z", "gnb-20261025T030000Z", "gnb-20261123T030000Z"]
    }
    assert keys(s3) == [
        f"{PREFIX}{name}/{file_name}"
        for name in ("gnb-20261027T030000Z", "gnb-20261118T030000Z", "gnb-20261125T030000Z")
        for file_name in ("database.sqlite3.gz.enc", MANIFEST)
    ]


def test_a_missing_bucket_is_a_permanent_error(s3, settings):
    settings.BACKUP_S3_BUCKET = "no-such-bucket"
    with pytest.raises(TargetError) as refused:
        S3Target.from_settings().sets()
    assert refused.value.permanent is True
    assert str(refused.value) == (
        f"target s3: cannot list sets in s3://no-such-bucket/{PREFIX} at {settings.BACKUP_S3_ENDPOINT_URL}: "
        "NoSuchBucket The specified bucket does not exist (permanent error)"
    )


def test_an_unreachable_endpoint_is_a_temporary_error():
    target = S3Target(
        bucket=BUCKET,
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region="eu-central-1",
        access_key_id="testing",
        secret_access_key="testing",
        keep_days=30,
        attempts=1,
    )
    with pytest.raises(TargetError) as refused:
        target.sets()
    assert refused.value.permanent is False
    assert str(refused.value).startswith(f"target s3: cannot list sets: s3://{BUCKET}/ at {target.endpoint_url} is ")
    assert str(refused.value).endswith("(temporary error)")


def test_a_set_that_is_not_there_is_a_permanent_error(s3, tmp_path):
    with pytest.raises(TargetError) as refused:
        S3Target.from_settings().fetch("gnb-20261125T030000Z", MANIFEST, tmp_path / "manifest")
    assert refused.value.permanent is True
    assert str(refused.value) == (
        f"target s3: set gnb-20261125T030000Z has no file {MANIFEST} in s3://{BUCKET}/{PREFIX} at "
        f"{s3.meta.endpoint_url} (permanent error)"
    )
    assert not (tmp_path / "manifest").exists()


def test_an_interrupted_upload_leaves_no_set(s3, tmp_path):
    present = tmp_path / "database.sqlite3.gz.enc"
    present.write_bytes(b"sealed")
    with pytest.raises(TargetError) as refused:
        S3Target.from_settings().store("gnb-20261125T030000Z", [present, tmp_path / MANIFEST])
    assert refused.value.permanent is False
    assert keys(s3) == []
