"""Any S3-compatible storage through boto3 (AWS, Cloudflare R2, Backblaze B2, MinIO, Wasabi…).

A set is ``<prefix><set name>/<file>``. Uploads stream from disk (multipart above 16 MiB) and an object appears
under its key only once its upload is complete; the manifest goes last, so a set is complete once it is there.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from django.conf import settings

from gnb.ops.backups.errors import TargetError
from gnb.ops.backups.sets import MANIFEST, is_set_name, set_sort_key
from gnb.ops.backups.targets.base import StoredSet, Target

# S3 error codes an operator must fix; throttling, 5xx and network errors are worth retrying later.
_PERMANENT_CODES = {
    "AccessDenied",
    "AllAccessDisabled",
    "InvalidAccessKeyId",
    "InvalidBucketName",
    "NoSuchBucket",
    "NoSuchKey",
    "SignatureDoesNotMatch",
    "AuthorizationHeaderMalformed",
    "InvalidToken",
    "ExpiredToken",
    "403",
    "404",
}
_MULTIPART_SIZE = 16 * 1024 * 1024


class S3Target(Target):
    kind = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        keep_days: int,
        attempts: int = 5,
    ) -> None:
        super().__init__(keep_days=keep_days)
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        self.region = region
        self._access_key_id = access_key_id
        self._secret_access_key = secret_access_key
        self._attempts = attempts
        self._client: Any = None

    @classmethod
    def from_settings(cls) -> S3Target:
        if not settings.BACKUP_S3_BUCKET:
            raise TargetError("s3", "BACKUP_S3_BUCKET is not set", permanent=True)
        return cls(
            bucket=settings.BACKUP_S3_BUCKET,
            prefix=settings.BACKUP_S3_PREFIX,
            endpoint_url=settings.BACKUP_S3_ENDPOINT_URL,
            region=settings.BACKUP_S3_REGION,
            access_key_id=settings.BACKUP_S3_ACCESS_KEY_ID,
            secret_access_key=settings.BACKUP_S3_SECRET_ACCESS_KEY,
            keep_days=settings.BACKUP_S3_KEEP_DAYS,
        )

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.client(
                "s3",
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                aws_access_key_id=self._access_key_id,
                aws_secret_access_key=self._secret_access_key,
                config=Config(
                    retries={"max_attempts": self._attempts, "mode": "standard"},
                    connect_timeout=10,
                    read_timeout=120,
                    # Most S3-compatible services want path-style addressing; AWS takes either.
                    s3={"addressing_style": "path"} if self.endpoint_url else {},
                ),
            )
        return self._client

    def _transfer_config(self) -> Any:
        from boto3.s3.transfer import TransferConfig

        return TransferConfig(multipart_threshold=_MULTIPART_SIZE, multipart_chunksize=_MULTIPART_SIZE)

    def _error(self, action: str, exc: Exception) -> TargetError:
        from botocore.exceptions import ClientError, NoCredentialsError, PartialCredentialsError

        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            return TargetError(
                self.name,
                f"cannot {action}: no credentials (set BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY, "
                "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
                permanent=True,
            )
        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            message = exc.response.get("Error", {}).get("Message", "") or code
            return TargetError(
                self.name,
                f"cannot {action} in {self.describe()}: {code} {message}".strip(),
                permanent=code in _PERMANENT_CODES,
            )
        return TargetError(self.name, f"cannot {action}: {self.describe()} is unreachable ({exc})", permanent=False)

    def _key(self, set_name: str, file_name: str = "") -> str:
        return f"{self.prefix}{set_name}/{file_name}"

    def _exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def store(self, set_name: str, files: Sequence[Path]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if self._exists(self._key(set_name, MANIFEST)):
                raise TargetError(self.name, f"set {set_name} already exists in {self.describe()}", permanent=True)
            for source in files:
                with source.open("rb") as handle:
                    self.client.upload_fileobj(
                        handle, self.bucket, self._key(set_name, source.name), Config=self._transfer_config()
                    )
        except (BotoCoreError, ClientError) as exc:
            error = self._error(f"upload {set_name}", exc)
            self._forget_incomplete(set_name)
            raise error from exc
        except OSError as exc:
            self._forget_incomplete(set_name)
            raise TargetError(self.name, f"cannot read {exc.filename}: {exc.strerror}", permanent=False) from exc

    def _forget_incomplete(self, set_name: str) -> None:
        # Files uploaded before the failure would only be an incomplete set; prune removes them if this cannot.
        with suppress(TargetError):
            self.delete(set_name)

    def _objects(self, prefix: str) -> list[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        objects: list[dict[str, Any]] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            objects.extend(page.get("Contents", []))
        return objects

    def sets(self) -> list[StoredSet]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            objects = self._objects(self.prefix)
        except (BotoCoreError, ClientError) as exc:
            raise self._error("list sets", exc) from exc
        grouped: dict[str, list[dict[str, Any]]] = {}
        for item in objects:
            set_name, _, file_name = item["Key"][len(self.prefix) :].partition("/")
            if file_name and "/" not in file_name and is_set_name(set_name):
                grouped.setdefault(set_name, []).append({**item, "File": file_name})
        found = [
            StoredSet(
                name=set_name,
                files=tuple(sorted(item["File"] for item in items)),
                size=sum(int(item["Size"]) for item in items),
                modified_at=max(item["LastModified"] for item in items),
            )
            for set_name, items in grouped.items()
        ]
        return sorted(found, key=lambda stored: set_sort_key(stored.name))

    def fetch(self, set_name: str, file_name: str, dest: Path) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            with dest.open("xb") as handle:
                self.client.download_fileobj(
                    self.bucket, self._key(set_name, file_name), handle, Config=self._transfer_config()
                )
        except ClientError as exc:
            dest.unlink(missing_ok=True)
            if str(exc.response.get("Error", {}).get("Code")) in {"404", "NoSuchKey", "NotFound"}:
                raise TargetError(
                    self.name, f"set {set_name} has no file {file_name} in {self.describe()}", permanent=True
                ) from exc
            raise self._error(f"download {set_name}/{file_name}", exc) from exc
        except BotoCoreError as exc:
            dest.unlink(missing_ok=True)
            raise self._error(f"download {set_name}/{file_name}", exc) from exc

    def delete(self, set_name: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            objects = self._objects(self._key(set_name))
            # The manifest first: a set half-deleted by an interruption then reads as incomplete, not as usable.
            keys = sorted((item["Key"] for item in objects), key=lambda key: not key.endswith(MANIFEST))
            for start in range(0, len(keys), 1000):
                batch = keys[start : start + 1000]
                answer = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
                )
                if answer.get("Errors"):
                    first = answer["Errors"][0]
                    raise TargetError(
                        self.name,
                        f"cannot delete {first.get('Key')}: {first.get('Code')} {first.get('Message', '')}".strip(),
                        permanent=first.get("Code") in _PERMANENT_CODES,
                    )
        except (BotoCoreError, ClientError) as exc:
            raise self._error(f"delete {set_name}", exc) from exc
