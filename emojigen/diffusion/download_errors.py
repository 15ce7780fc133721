"""Why a model download stopped, in words an operator can act on (a gated model, a wrong name, a bad
token, no network, a full disk, a folder the app may not write), and which failures may pass on a retry."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from emojigen.errors import EmojigenError


class DownloadFailed(EmojigenError):
    """The download stopped; the message says why in words an operator can act on."""


def explain(exc: BaseException, folder: Path) -> DownloadFailed:
    """What went wrong, said so that an operator knows what to do."""
    if isinstance(exc, DownloadFailed):
        return exc
    reason = first_line(exc)
    kind = _kind(exc)
    if kind == "gated":
        return DownloadFailed("这个模型需要先在模型仓库网站上同意许可并登录：请同意后设置 HF_TOKEN。",
                              "the model needs its licence accepted on the hub and a login: accept it there and "
                              "set HF_TOKEN.")
    if kind == "not-found":
        return DownloadFailed(f"模型仓库里找不到它（检查 EMOJIGEN_SD_MODEL 的拼写；私有模型需要 HF_TOKEN）：{reason}",
                              f"the hub does not have it (check the spelling of EMOJIGEN_SD_MODEL; a private model "
                              f"needs HF_TOKEN): {reason}")
    if kind == "auth":
        return DownloadFailed("模型仓库拒绝访问：HF_TOKEN 无效或没有权限。",
                              "the hub refused access: HF_TOKEN is wrong or lacks access to the model.")
    if kind == "permission":
        user = os.getuid() if hasattr(os, "getuid") else "?"
        return DownloadFailed(f"无法写入 {folder}：这个文件夹必须属于运行应用的用户（uid {user}）或对它可写。",
                              f"cannot write to {folder}: the folder must be writable by the user the app runs as "
                              f"(uid {user}).")
    if kind == "disk-full":
        return DownloadFailed(f"磁盘已满，无法写入 {folder}。", f"the disk holding {folder} is full.")
    if kind == "network":
        return DownloadFailed(f"连不上模型仓库（huggingface.co）：请检查这台机器能否上网，或设置 HF_ENDPOINT / 代理"
                              f"（{reason}）。",
                              f"the model hub (huggingface.co) cannot be reached from this machine: check its "
                              f"internet access, or set HF_ENDPOINT or a proxy ({reason}).")
    if kind == "busy":
        return DownloadFailed(f"模型仓库暂时不可用，请稍后重启再试（{reason}）",
                              f"the model hub is not answering properly just now; restart later to try again "
                              f"({reason}).")
    return DownloadFailed(f"{type(exc).__name__}：{reason}", f"{type(exc).__name__}: {reason}")


def _kind(exc: BaseException) -> str:
    for error in _chain(exc):
        name = type(error).__name__
        status = getattr(getattr(error, "response", None), "status_code", None)
        if name == "GatedRepoError":
            return "gated"
        if name in ("RepositoryNotFoundError", "RevisionNotFoundError", "EntryNotFoundError",
                    "RemoteEntryNotFoundError") or status == 404:
            return "not-found"
        if status in (401, 403):
            return "auth"
        if status == 429 or (isinstance(status, int) and status >= 500):
            return "busy"
        if isinstance(error, PermissionError):
            return "permission"
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return "disk-full"
        if name in ("LocalEntryNotFoundError", "OfflineModeIsEnabled", "ConnectError", "ConnectTimeout",
                    "ReadTimeout", "TimeoutException", "RemoteProtocolError", "ReadError", "NetworkError",
                    "gaierror") or isinstance(error, ConnectionError | TimeoutError):
            return "network"
    return "other"


def passing(exc: BaseException) -> bool:
    """Trouble that may be gone on the next try (the network, a busy hub, a broken transfer)."""
    return _kind(exc) in ("network", "busy", "other") and not isinstance(exc, DownloadFailed)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
