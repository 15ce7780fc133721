"""Where results and kept uploads live besides the local outputs folder.

The local folder (`local`) is always written: Gradio serves files from local disk. With
`EMOJIGEN_STORAGE_URL=s3://bucket/prefix` every file is also put into S3-compatible object storage
(`s3`), so every replica and front-end can list, fetch and remove every result. Nothing here imports
boto3 until an s3 URL is actually opened (`import emojigen` stays light).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emojigen.storage.errors import StorageError
from emojigen.storage.url import StorageURL, parse_storage_url

if TYPE_CHECKING:
    from emojigen.storage.s3 import S3Objects

__all__ = ["StorageError", "StorageURL", "open_objects", "parse_storage_url"]


def open_objects(url: str) -> S3Objects | None:
    """The object storage named by `url`, or None for the local folder only (an empty URL)."""
    parsed = parse_storage_url(url)
    if parsed is None:
        return None
    from emojigen.storage.s3 import S3Objects  # boto3 only for those who ask for it

    return S3Objects(parsed.bucket, parsed.prefix)
