"""Object storage failures in words an operator can act on: which bucket, which endpoint, what to
check. Never a credential: messages are built from the bucket, the endpoint and the error code only."""

from __future__ import annotations

import logging

from emojigen.errors import ServiceUnavailable

log = logging.getLogger(__name__)

# Error codes that mean "the credentials may not do this" (AWS and S3-compatible servers differ).
DENIED = {"AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403",
          "ExpiredToken", "InvalidToken", "AccountProblem"}
MISSING = {"NoSuchKey", "404", "NotFound"}


class StorageError(ServiceUnavailable):
    """Results cannot be stored or read."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, "结果暂时无法保存或读取（存储服务出错），请稍后再试。",
                         "Results cannot be stored or read right now (a storage problem); please try again later.")


def translate(exc: Exception, bucket: str, endpoint: str, key: str | None = None) -> Exception:
    """The exception to raise instead of a boto3 one: FileNotFoundError for a missing object (callers
    rely on it, as with local files), else a StorageError saying what is wrong and where."""
    from botocore import exceptions as boto

    where = f"bucket {bucket!r} at {endpoint}"
    if isinstance(exc, boto.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in MISSING and key is not None:
            return FileNotFoundError(f"s3://{bucket}/{key}")
        if code == "NoSuchBucket" or (code in MISSING and key is None):
            detail = f"{where} does not exist: create it, or correct EMOJIGEN_STORAGE_URL"
        elif code in DENIED:
            detail = (f"access to {where} was denied ({code}): check the AWS credentials "
                      "(AWS_ACCESS_KEY_ID, AWS_PROFILE...) and the bucket's policy")
        else:
            detail = f"{where} answered {code or 'an error'}: {error.get('Message', '')}".rstrip(": ")
    elif isinstance(exc, boto.NoCredentialsError | boto.PartialCredentialsError):
        detail = f"no AWS credentials for {where}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
    elif isinstance(exc, boto.ConnectionError | boto.HTTPClientError):  # refused, timed out, dropped
        detail = (f"cannot reach {where} ({type(exc).__name__}): check AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 "
                  "and the network")
    elif isinstance(exc, boto.ParamValidationError):
        detail = f"a request to {where} was malformed: {exc}"
    else:
        detail = f"{where}: {type(exc).__name__}"
    log.error("storage: %s", detail)
    return StorageError(detail)
