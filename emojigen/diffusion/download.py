"""A GPU deployment's first start: the Stable Diffusion model that EMOJIGEN_SD_MODEL names by hub id, and
the LCM-LoRA for fast mode, downloaded into EMOJIGEN_SD_DOWNLOAD_DIR in a background thread. Meanwhile the
classic looks serve and the page's status line shows how far the download is (or, in words, why it
stopped); when it is done the styler is switched on (`pipeline.diffusion`) without a restart.

Only `emojigen serve` starts it, and only when EMOJIGEN_SD_DOWNLOAD_DIR is set. Files come one at a time
(huggingface_hub, which also reads HF_TOKEN and HF_ENDPOINT), so an interrupted download goes on at the
first file it had not finished; a folder counts as complete once its marker file is written, after its
last file. `python -m emojigen.diffusion.download DIR` does the same in the foreground (an image's build).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from emojigen.diffusion.download_errors import DownloadFailed, explain, first_line, passing
from emojigen.diffusion.hub_files import Hub, HuggingFaceHub, RemoteFile
from emojigen.diffusion.lora import DIFFUSERS_WEIGHT_NAME, LoraFile, scan_loras
from emojigen.diffusion.status import show_preparation
from emojigen.errors import EmojigenError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "stable-diffusion-v1-5/stable-diffusion-v1-5"
LCM_LORA = "latent-consistency/lcm-lora-sdv1-5"  # fast mode for SD 1.x models: 4 steps instead of 20
MARKER = ".emojigen-complete.json"
# A diffusers folder as StableDiffusionImg2ImgPipeline.from_pretrained reads it (full-precision safetensors;
# fp16 runs from them too): no single-file checkpoints, fp16/non-EMA variants or .bin copies, which would
# triple the download.
MODEL_PATTERNS = ("*.json", "*.txt", "*/diffusion_pytorch_model.safetensors", "*/model.safetensors")
LORA_PATTERNS = (DIFFUSERS_WEIGHT_NAME,)
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")  # as loading.source_kind reads it (without torch)


def is_hub_id(source: str) -> bool:
    return bool(HUB_ID.match(source)) and not Path(source).expanduser().exists()


# -- what is wanted and where it goes ----------------------------------------------------------------------


@dataclass(frozen=True)
class Wanted:
    repo_id: str
    patterns: tuple[str, ...]
    what: tuple[str, str]  # (zh, en): how the status line names it

    @property
    def folder_name(self) -> str:
        return self.repo_id.replace("/", "--")


def download_dirs(setting: str) -> list[Path]:
    """EMOJIGEN_SD_DOWNLOAD_DIR: the folder downloads go to, then read-only folders with earlier copies."""
    return [Path(part).expanduser() for part in setting.split(os.pathsep) if part.strip()]


def wanted_for(model: str, lora_dir: str = "", lcm_repo: str = LCM_LORA) -> list[Wanted]:
    """The model, and the LCM-LoRA unless the LoRA folder already has one (any adapter named *lcm*)."""
    wanted = [Wanted(model, MODEL_PATTERNS, ("Stable Diffusion 模型", "the Stable Diffusion model"))]
    if lcm_repo and not any(f.is_lcm for f in scan_loras(lora_dir).values()):
        wanted.append(Wanted(lcm_repo, LORA_PATTERNS, ("快速模式的 LCM-LoRA", "the LCM-LoRA for fast mode")))
    return wanted


def find_complete(item: Wanted, dirs: Iterable[Path]) -> Path | None:
    for root in dirs:
        folder = root / item.folder_name
        if (folder / MARKER).is_file():
            return folder
    return None


# -- the download --------------------------------------------------------------------------------------------


class ModelDownload:
    """Downloads what is missing, file by file, keeping count of files and bytes for the status line."""

    def __init__(self, model: str, dirs: list[Path], lora_dir: str = "", *, hub: Hub | None = None,
                 lcm_repo: str = LCM_LORA, retries: int = 3, retry_wait: float = 5.0) -> None:
        if not dirs:
            raise ValueError("no download folder")
        self.model = model
        self.dirs = dirs
        self.target = dirs[0]
        self.wanted = wanted_for(model, lora_dir, lcm_repo)
        self.hub = hub or HuggingFaceHub()
        self.retries = max(1, retries)
        self.retry_wait = retry_wait
        self._lock = threading.Lock()
        self.state = "checking"  # checking, downloading, loading, ready, failed, no-gpu
        self.files_total = self.files_done = 0
        self.bytes_total = self._bytes_finished = self._bytes_current = 0
        self.current = ""
        self.error: EmojigenError | None = None
        self._logged_tenth = -1

    # what the status line and the API read

    @property
    def bytes_done(self) -> int:
        with self._lock:
            return min(self.bytes_total, self._bytes_finished + self._bytes_current)

    def progress(self) -> dict[str, Any]:
        info: dict[str, Any] = {"state": self.state, "model": self.model, "folder": str(self.target),
                                "files_done": self.files_done, "files_total": self.files_total,
                                "bytes_done": self.bytes_done, "bytes_total": self.bytes_total}
        if self.current:
            info["current_file"] = self.current
        if self.error is not None:
            info["error"] = self.error.en
        return info

    def describe(self) -> dict[str, Any]:
        """The backend status while there is no styler (emojigen/diffusion/status.py shows it)."""
        model, info = self.model, self.progress()
        if self.state == "failed" and self.error is not None:
            return {"backend": "download-error", "download": info,
                    "zh": f"风格：经典滤镜。Stable Diffusion 模型 {model} 下载失败：{self.error.zh} "
                          "经典滤镜照常可用；已下载的文件会保留，重启应用即可继续下载。",
                    "en": f"Styling: classic looks. The Stable Diffusion model {model} could not be downloaded: "
                          f"{self.error.en} The classic looks keep working; files already downloaded are kept, "
                          "and restarting the app goes on with the download."}
        if self.state == "no-gpu":
            return {"backend": "classic", "download": info,
                    "zh": f"风格：经典滤镜（这台机器没有 GPU，所以不下载也不使用 Stable Diffusion 模型 {model}；"
                          "设置 EMOJIGEN_SD_DEVICE=cpu 可在 CPU 上慢速运行）",
                    "en": f"Styling: classic looks (no GPU here, so the Stable Diffusion model {model} is neither "
                          "downloaded nor used; set EMOJIGEN_SD_DEVICE=cpu to run it on the CPU, slowly)"}
        if self.state == "loading":
            zh = f"模型 {model} 已下载，正在加载到 GPU，马上启用"
            en = f"the model {model} is downloaded and loading onto the GPU; it switches on in a moment"
        elif self.state == "downloading" and self.bytes_total:
            done, total = self.bytes_done, self.bytes_total
            share = (f"{_size(done)} / {_size(total)}（{done * 100 // total}%），"
                     f"文件 {self.files_done}/{self.files_total}")
            zh = f"首次启动，正在下载 Stable Diffusion 模型 {model} 到 {self.target}：{share}。完成后自动启用，无需重启"
            en = (f"first start: downloading the Stable Diffusion model {model} into {self.target}: "
                  f"{_size(done)} of {_size(total)} ({done * 100 // total}%), {self.files_done} of "
                  f"{self.files_total} files. It switches on by itself when done; no restart needed")
        else:
            zh = f"首次启动，正在检查 Stable Diffusion 模型 {model} 需要下载哪些文件"
            en = f"first start: checking which files of the Stable Diffusion model {model} need downloading"
        return {"backend": "downloading", "download": info,
                "zh": f"风格：暂用经典滤镜（{zh}）", "en": f"Styling: classic looks for now ({en})"}

    # the work

    def complete(self) -> bool:
        return all(find_complete(item, self.dirs) is not None for item in self.wanted)

    def folders(self) -> dict[str, Path]:
        """Each wanted repository's complete folder (after download())."""
        return {item.repo_id: folder for item in self.wanted if (folder := find_complete(item, self.dirs))}

    def download(self) -> dict[str, Path]:
        """Fetch every missing file; returns each repository's folder. Raises DownloadFailed."""
        try:
            return self._download()
        except DownloadFailed as exc:
            self._fail(exc)
            raise
        except Exception as exc:  # noqa: BLE001 - the hub, the network and the disk fail in many ways
            log.exception("downloading %s failed", self.model)
            failure = explain(exc, self.target)
            self._fail(failure)
            raise failure from exc

    def _fail(self, error: EmojigenError) -> None:
        self.error = error
        self.state = "failed"
        self.current = ""
        log.error("Stable Diffusion download stopped: %s", error.en)

    def _download(self) -> dict[str, Path]:
        todo: list[tuple[Wanted, list[RemoteFile]]] = []
        for item in self.wanted:
            if find_complete(item, self.dirs) is None:
                files = self._listing(item)
                todo.append((item, files))
        pending: list[tuple[Wanted, RemoteFile]] = []
        for item, files in todo:
            folder = self.target / item.folder_name
            for remote in files:
                self.files_total += 1
                self.bytes_total += remote.size
                if _already_there(folder / remote.name, remote.size):
                    self.files_done += 1
                    self._bytes_finished += remote.size
                else:
                    pending.append((item, remote))
        if pending:
            self._check_space(sum(r.size for _, r in pending))
            log.info("downloading %d files (%s) of %s into %s", len(pending), _size(sum(r.size for _, r in pending)),
                     ", ".join(item.repo_id for item, _ in todo), self.target)
        self.state = "downloading"
        for item, remote in pending:
            self._fetch(item, remote)
        for item, files in todo:
            folder = self.target / item.folder_name
            folder.mkdir(parents=True, exist_ok=True)
            record = {"repo": item.repo_id, "files": [f.name for f in files], "bytes": sum(f.size for f in files),
                      "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            temporary = folder / (MARKER + ".tmp")
            temporary.write_text(json.dumps(record, indent=1), encoding="utf-8")
            temporary.replace(folder / MARKER)
        self.current = ""
        if pending:
            log.info("Stable Diffusion files are complete in %s", self.target)
        return self.folders()

    def _listing(self, item: Wanted) -> list[RemoteFile]:
        listing = self._with_retries(lambda: self.hub.files(item.repo_id), item.repo_id)
        files = [f for f in listing if any(fnmatch.fnmatch(f.name, p) for p in item.patterns)]
        weights = [f for f in files if f.name.endswith(".safetensors")]
        if not weights:
            raise DownloadFailed(
                f"模型仓库 {item.repo_id} 里没有 diffusers 格式的 .safetensors 权重（{item.what[0]}）。"
                "请在 EMOJIGEN_SD_MODEL 填写 diffusers 格式的 Stable Diffusion 1.x/2.x 模型。",
                f"the hub repository {item.repo_id} has no .safetensors weights in diffusers layout "
                f"({item.what[1]}). Name a Stable Diffusion 1.x/2.x model in diffusers layout in EMOJIGEN_SD_MODEL.")
        return sorted(files, key=lambda f: f.name)

    def _check_space(self, needed: int) -> None:
        place = self.target
        while not place.exists() and place != place.parent:
            place = place.parent
        free = shutil.disk_usage(place).free
        if free < needed + 256 * 2**20:  # and some room to spare for the outputs
            raise DownloadFailed(f"磁盘空间不足：还需要 {_size(needed)}，{place} 所在磁盘只剩 {_size(free)}。",
                                 f"not enough disk space: {_size(needed)} more are needed and the disk holding "
                                 f"{place} has {_size(free)} free.")

    def _fetch(self, item: Wanted, remote: RemoteFile) -> None:
        self.current = f"{item.repo_id}/{remote.name}"
        folder = self.target / item.folder_name
        folder.mkdir(parents=True, exist_ok=True)

        def on_bytes(count: int) -> None:
            with self._lock:
                self._bytes_current = min(max(0, count), remote.size)
            self._log_progress()

        def fetch() -> None:
            on_bytes(0)
            self.hub.fetch(item.repo_id, remote.name, folder, on_bytes)

        self._with_retries(fetch, self.current)
        with self._lock:
            self._bytes_current = 0
            self._bytes_finished += remote.size
            self.files_done += 1
        self._log_progress()

    def _with_retries(self, work: Callable[[], Any], what: str) -> Any:
        for attempt in range(1, self.retries + 1):
            try:
                return work()
            except Exception as exc:  # noqa: BLE001 - sorted by explain(): only passing trouble is retried
                if attempt == self.retries or not passing(exc):
                    raise
                log.warning("%s: %s; trying again (%d of %d)", what, first_line(exc), attempt + 1, self.retries)
                time.sleep(self.retry_wait * attempt)
        raise AssertionError("unreachable")

    def _log_progress(self) -> None:
        if not self.bytes_total:
            return
        tenth = self.bytes_done * 10 // self.bytes_total
        if tenth > self._logged_tenth:
            self._logged_tenth = tenth
            log.info("Stable Diffusion download: %s of %s (%d%%), %d of %d files", _size(self.bytes_done),
                     _size(self.bytes_total), tenth * 10, self.files_done, self.files_total)


# -- switching the styler on -------------------------------------------------------------------------------


def provide_models(pipeline: Any, *, hub: Hub | None = None, make_styler: Callable[[Any], Any] | None = None,
                   has_gpu: Callable[[str], bool] | None = None, warm: bool = True, background: bool = True,
                   retry_wait: float = 5.0) -> ModelDownload | None:
    """For `emojigen serve`, before the page is built. With EMOJIGEN_SD_DOWNLOAD_DIR set and a hub id in
    EMOJIGEN_SD_MODEL: files already complete -> the styler runs from them at once; else the classic looks
    serve while a thread downloads them, then the styler is switched on. Returns the download, or None
    when there is nothing to download."""
    settings = pipeline.settings
    dirs = download_dirs(settings.sd_download_dir)
    if not dirs or not is_hub_id(settings.sd_model):
        return None
    job = ModelDownload(settings.sd_model, dirs, settings.lora_dir, hub=hub, retry_wait=retry_wait)
    gpu = has_gpu or gpu_available
    make = make_styler or _make_styler
    if job.complete():
        # Switched on now, so the page is built with the Stable Diffusion controls.
        if gpu(settings.sd_device):
            pipeline.diffusion = styler_for(job, settings, make)
            return None
        job.state = "no-gpu"
        log.info("no GPU: the downloaded Stable Diffusion model is not used (EMOJIGEN_SD_DEVICE=cpu uses it)")
    pipeline.diffusion = None  # the classic looks until the files are here
    show_preparation(job.describe)
    if job.state == "no-gpu":
        return job

    def run() -> None:
        try:
            if not gpu(settings.sd_device):
                job.state = "no-gpu"
                log.info("no GPU: Stable Diffusion %s is not downloaded (EMOJIGEN_SD_DEVICE=cpu would)",
                         settings.sd_model)
                return
            job.download()
        except DownloadFailed:
            return  # the status line says why; the classic looks keep serving
        except Exception as exc:  # noqa: BLE001 - whatever it is, the page must say it
            log.exception("preparing Stable Diffusion failed")
            job._fail(explain(exc, job.target))
            return
        switch_on(pipeline, job, settings, make, warm)

    if background:
        threading.Thread(target=run, name="model-download", daemon=True).start()
    else:
        run()
    return job


def switch_on(pipeline: Any, job: ModelDownload, settings: Any, make: Callable[[Any], Any], warm: bool) -> None:
    """Build the styler on the downloaded files, load it (so the first request does not wait), then hand
    it to the pipeline: requests from then on may use it."""
    job.state = "loading"
    try:
        styler = styler_for(job, settings, make)
    except Exception as exc:  # noqa: BLE001
        log.exception("building the styler failed")
        job._fail(explain(exc, job.target))
        return
    if warm:
        try:
            styler.load()
        except EmojigenError as exc:  # the styler keeps the error; its status line names it
            log.error("Stable Diffusion cannot be used: %s", exc.en)
    pipeline.diffusion = styler
    show_preparation(None)
    job.state = "ready"
    log.info("Stable Diffusion switched on: %s", getattr(styler, "source", ""))


def styler_for(job: ModelDownload, settings: Any, make: Callable[[Any], Any]) -> Any:
    folders = job.folders()
    styler = make(replace(settings, sd_model=str(folders[job.model])))
    lcm = next((item for item in job.wanted if item.repo_id != job.model), None)
    files = getattr(styler, "lora_files", None)
    if lcm is not None and lcm.repo_id in folders and isinstance(files, dict):
        name = lcm.repo_id.rsplit("/", 1)[-1]  # lcm-lora-sdv1-5: its "lcm" makes it fast mode's adapter
        files.setdefault(name, LoraFile(name, folders[lcm.repo_id] / DIFFUSERS_WEIGHT_NAME))
    return styler


def _make_styler(settings: Any) -> Any:
    from emojigen.factory import make_diffusion

    return make_diffusion(settings)


def gpu_available(device: str) -> bool:
    """Whether Stable Diffusion should run here: a GPU is found, or the operator chose the device."""
    if device.strip().lower() not in ("", "auto"):
        return True
    from emojigen.diffusion.device import choose_device

    return choose_device("auto")[0] != "cpu"


def _already_there(path: Path, size: int) -> bool:
    try:
        return path.is_file() and path.stat().st_size == size
    except OSError:
        return False


def _size(count: int) -> str:
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


# -- the command line (an image's build) ------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emojigen.diffusion.download",
                                     description="Download a Stable Diffusion model and the LCM-LoRA into a folder "
                                                 "that EMOJIGEN_SD_DOWNLOAD_DIR names.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--model", default=os.environ.get("EMOJIGEN_SD_MODEL") or DEFAULT_MODEL,
                        help=f"hub id (default EMOJIGEN_SD_MODEL, else {DEFAULT_MODEL})")
    parser.add_argument("--lcm", default=LCM_LORA, help=f"the LCM-LoRA's hub id ('' for none; default {LCM_LORA})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    job = ModelDownload(args.model, [args.folder], lcm_repo=args.lcm)
    try:
        folders = job.download()
    except DownloadFailed as exc:
        print(exc.en, file=sys.stderr)
        return 1
    for repo, folder in folders.items():
        print(f"{repo}: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
