"""EMOJIGEN_STORAGE_URL: empty (the local outputs folder only) or s3://bucket/prefix."""

from __future__ import annotations

import re
from dataclasses import dataclass

# S3's rules for a bucket's name (3-63 lower-case letters, digits, dots, hyphens), so a typo is caught
# before the first request rather than as a signature error from the endpoint.
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class StorageURL:
    bucket: str
    prefix: str  # without leading or trailing slashes; may be empty (the bucket's root)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


def parse_storage_url(url: str) -> StorageURL | None:
    """None for an empty URL; a StorageURL for s3://bucket[/prefix]; ValueError for anything else."""
    url = (url or "").strip()
    if not url:
        return None
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() != "s3":
        raise ValueError(f"EMOJIGEN_STORAGE_URL={url!r}: expected empty (the local outputs folder) or "
                         "s3://bucket/prefix")
    bucket, _, prefix = rest.partition("/")
    if not BUCKET.match(bucket):
        raise ValueError(f"EMOJIGEN_STORAGE_URL={url!r}: {bucket!r} is not a valid S3 bucket name")
    prefix = prefix.strip("/")
    if any(part in ("", ".", "..") for part in prefix.split("/")) and prefix:
        raise ValueError(f"EMOJIGEN_STORAGE_URL={url!r}: the prefix has an empty, '.' or '..' part")
    return StorageURL(bucket, prefix)
