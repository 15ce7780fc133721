"""Where a first start's model files come from: the model hub through huggingface_hub (HF_TOKEN,
HF_ENDPOINT and proxies as it reads them), one file at a time, its bytes reported as they arrive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class RemoteFile:
    name: str  # the path inside the repository
    size: int  # bytes


class Hub(Protocol):
    def files(self, repo_id: str) -> list[RemoteFile]:
        """Every file of the repository, with its size."""

    def fetch(self, repo_id: str, name: str, folder: Path, on_bytes: Callable[[int], None]) -> None:
        """Download one file into folder/name; on_bytes(n): n bytes of it have arrived so far."""


class HuggingFaceHub:
    """The model hub through huggingface_hub (HF_TOKEN, HF_ENDPOINT and proxies as it reads them)."""

    def files(self, repo_id: str) -> list[RemoteFile]:
        from huggingface_hub import HfApi

        info = HfApi().model_info(repo_id, files_metadata=True)
        return [RemoteFile(s.rfilename, int(s.size or 0)) for s in info.siblings or []]

    def fetch(self, repo_id: str, name: str, folder: Path, on_bytes: Callable[[int], None]) -> None:
        from huggingface_hub import hf_hub_download

        hf_hub_download(repo_id, name, local_dir=folder, tqdm_class=reporting_bar(on_bytes))


def reporting_bar(on_bytes: Callable[[int], None]) -> type:
    """A tqdm class that reports the bytes one download has received (the most any of its bars counted:
    a transfer may show two bars for the same bytes) and draws nothing in the log."""
    from tqdm.auto import tqdm

    counted: list[int] = []

    class Bar(tqdm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["file"] = _Discard()
            super().__init__(*args, **kwargs)
            self._slot = len(counted)
            counted.append(0)

        def update(self, n: float | None = 1) -> bool | None:
            counted[self._slot] += int(n or 0)
            on_bytes(max(counted))
            return super().update(n)

    return Bar


class _Discard:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass
