"""The first start's model download (emojigen/diffusion/download.py), with a fake hub: no network, no torch.

Progress goes from nothing to everything, the styler is switched on at the end, a failure leaves the
classic looks serving with a message an operator understands, and files already there are not fetched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from emojigen.config import Settings
from emojigen.diffusion import download
from emojigen.diffusion.download import LCM_LORA, MARKER, RemoteFile, provide_models
from emojigen.diffusion.hub_files import reporting_bar
from emojigen.diffusion.lora import scan_loras
from emojigen.diffusion.status import describe_backend, show_preparation

MODEL = "stable-diffusion-v1-5/stable-diffusion-v1-5"
MODEL_FILES = {
    "model_index.json": b'{"_class_name": "StableDiffusionPipeline"}',
    "unet/config.json": b"{}",
    "unet/diffusion_pytorch_model.safetensors": b"u" * 5000,
    "unet/diffusion_pytorch_model.fp16.safetensors": b"h" * 2500,  # a variant: never fetched
    "text_encoder/model.safetensors": b"t" * 3000,
    "tokenizer/vocab.json": b"{}",
    "v1-5-pruned.safetensors": b"p" * 9000,  # the single-file checkpoint: never fetched
}
LCM_FILES = {"pytorch_lora_weights.safetensors": b"l" * 1000, "README.md": b"# LCM"}
WANTED_MODEL = {k for k in MODEL_FILES if "fp16" not in k and "pruned" not in k}


class FakeHub:
    def __init__(self, repos: dict[str, dict[str, bytes]] | None = None, chunk: int = 700) -> None:
        self.repos = repos or {MODEL: MODEL_FILES, LCM_LORA: LCM_FILES}
        self.chunk = chunk
        self.fetched: list[str] = []
        self.listed: list[str] = []
        self.failures: dict[str, list[BaseException]] = {}  # file name -> errors to raise first, in order
        self.during: Callable[[], None] | None = None  # called after each chunk (to watch the progress)

    def files(self, repo_id: str) -> list[RemoteFile]:
        self.listed.append(repo_id)
        if repo_id not in self.repos:
            raise _hub_error("RepositoryNotFoundError", f"404 Client Error. Repository Not Found for url: {repo_id}")
        return [RemoteFile(name, len(data)) for name, data in self.repos[repo_id].items()]

    def fetch(self, repo_id: str, name: str, folder: Path, on_bytes: Callable[[int], None]) -> None:
        if self.failures.get(name):
            raise self.failures[name].pop(0)
        data = self.repos[repo_id][name]
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            for start in range(0, len(data), self.chunk):
                out.write(data[start:start + self.chunk])
                on_bytes(min(len(data), start + self.chunk))
                if self.during:
                    self.during()
        self.fetched.append(f"{repo_id}/{name}")


def _hub_error(name: str, message: str) -> Exception:
    return type(name, (Exception,), {})(message)  # named as huggingface_hub's errors are


class FakeStyler:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.source = settings.sd_model
        self.lora_files = dict(scan_loras(settings.lora_dir))
        self.loads = 0

    def load(self) -> None:
        self.loads += 1


@pytest.fixture(autouse=True)
def no_preparation_left():
    yield
    show_preparation(None)


def _pipeline(tmp_path: Path, **settings) -> SimpleNamespace:
    values = {"sd_model": MODEL, "sd_download_dir": str(tmp_path / "models"), **settings}
    return SimpleNamespace(settings=Settings(outputs_dir=tmp_path / "out", **values), diffusion="built by the factory")


def _provide(pipeline, hub, **kwargs):
    kwargs = {"hub": hub, "make_styler": FakeStyler, "has_gpu": lambda device: True, "background": False,
              "retry_wait": 0.0, **kwargs}
    return provide_models(pipeline, **kwargs)


def _complete_copy(root: Path, repo: str, files: dict[str, bytes]) -> Path:
    folder = root / repo.replace("/", "--")
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    (folder / MARKER).write_text(json.dumps({"repo": repo}))
    return folder


def test_progress_goes_from_nothing_to_done_and_the_status_line_shows_it(tmp_path):
    hub = FakeHub()
    pipeline = _pipeline(tmp_path)
    seen: list[dict] = []
    hub.during = lambda: seen.append(describe_backend(None))  # what the page would show at that moment
    job = _provide(pipeline, hub)

    assert seen[0]["backend"] == "downloading" and seen[0]["download"]["bytes_done"] <= hub.chunk
    done = [s["download"]["bytes_done"] for s in seen]
    assert done == sorted(done)  # never backwards
    total = sum(len(MODEL_FILES[n]) for n in WANTED_MODEL) + len(LCM_FILES["pytorch_lora_weights.safetensors"])
    assert {s["download"]["bytes_total"] for s in seen} == {total}
    assert seen[-1]["download"]["bytes_done"] == total
    middle = next(s for s in seen if 0 < s["download"]["bytes_done"] < total)
    assert "of" in middle["en"] and "%" in middle["en"] and "files" in middle["en"] and MODEL in middle["en"]
    assert "no restart" in middle["en"] and "无需重启" in middle["zh"]
    assert job.progress()["files_done"] == job.progress()["files_total"] == len(WANTED_MODEL) + 1
    # Only the diffusers layout in full precision: no variants, no single-file checkpoint, no README.
    assert sorted(hub.fetched) == sorted([f"{MODEL}/{n}" for n in WANTED_MODEL]
                                         + [f"{LCM_LORA}/pytorch_lora_weights.safetensors"])


def test_the_styler_is_switched_on_at_the_end_without_a_restart(tmp_path):
    pipeline = _pipeline(tmp_path, lora_dir=str(tmp_path / "lora"))
    job = _provide(pipeline, FakeHub())

    styler = pipeline.diffusion
    assert isinstance(styler, FakeStyler) and styler.loads == 1  # loaded before it was handed over
    model_folder = tmp_path / "models" / MODEL.replace("/", "--")
    assert styler.settings.sd_model == str(model_folder) and (model_folder / MARKER).is_file()
    lcm = [f for f in styler.lora_files.values() if f.is_lcm]
    assert len(lcm) == 1 and lcm[0].path.read_bytes() == LCM_FILES["pytorch_lora_weights.safetensors"]
    assert job.state == "ready"
    assert describe_backend(None)["backend"] == "classic"  # the download's line is gone


def test_a_failure_leaves_the_classic_looks_with_a_clear_message(tmp_path):
    hub = FakeHub()
    hub.failures["unet/diffusion_pytorch_model.safetensors"] = [ConnectionError("Name or service not known")] * 3
    pipeline = _pipeline(tmp_path)
    job = _provide(pipeline, hub)

    assert pipeline.diffusion is None  # the classic looks serve
    status = describe_backend(pipeline.diffusion)
    assert status["backend"] == "download-error" and job.state == "failed"
    assert "cannot be reached" in status["en"] and "internet" in status["en"] and "classic looks" in status["en"]
    assert "连不上" in status["zh"]
    assert status["download"]["error"] and not (tmp_path / "models" / MODEL.replace("/", "--") / MARKER).exists()


def test_a_wrong_model_name_says_so(tmp_path):
    pipeline = _pipeline(tmp_path, sd_model="nobody/no-such-model")
    _provide(pipeline, FakeHub())
    status = describe_backend(pipeline.diffusion)
    assert status["backend"] == "download-error" and "EMOJIGEN_SD_MODEL" in status["en"]


def test_a_passing_failure_is_tried_again(tmp_path):
    hub = FakeHub()
    hub.failures["text_encoder/model.safetensors"] = [TimeoutError("read timed out")]
    pipeline = _pipeline(tmp_path)
    _provide(pipeline, hub)
    assert isinstance(pipeline.diffusion, FakeStyler)


def test_a_full_disk_is_said_before_anything_is_fetched(tmp_path, monkeypatch):
    monkeypatch.setattr(download.shutil, "disk_usage", lambda path: SimpleNamespace(free=1000))
    hub = FakeHub()
    pipeline = _pipeline(tmp_path)
    _provide(pipeline, hub)
    assert hub.fetched == [] and pipeline.diffusion is None
    assert "not enough disk space" in describe_backend(None)["en"]


def test_nothing_is_downloaded_when_the_files_are_already_there(tmp_path):
    models = tmp_path / "models"
    _complete_copy(models, MODEL, {n: MODEL_FILES[n] for n in WANTED_MODEL})
    _complete_copy(models, LCM_LORA, {"pytorch_lora_weights.safetensors": b"l" * 1000})
    hub = FakeHub()
    pipeline = _pipeline(tmp_path)

    assert _provide(pipeline, hub, background=True) is None  # switched on at once, before the page is built
    assert hub.listed == [] and hub.fetched == []
    assert isinstance(pipeline.diffusion, FakeStyler) and any(f.is_lcm for f in pipeline.diffusion.lora_files.values())


def test_a_copy_baked_into_the_image_is_used(tmp_path):
    baked = tmp_path / "baked"
    folder = _complete_copy(baked, MODEL, {n: MODEL_FILES[n] for n in WANTED_MODEL})
    _complete_copy(baked, LCM_LORA, {"pytorch_lora_weights.safetensors": b"l"})
    hub = FakeHub()
    pipeline = _pipeline(tmp_path, sd_download_dir=f"{tmp_path / 'models'}:{baked}")
    _provide(pipeline, hub)
    assert hub.fetched == [] and pipeline.diffusion.settings.sd_model == str(folder)


def test_an_interrupted_download_goes_on_where_it_stopped(tmp_path):
    folder = tmp_path / "models" / MODEL.replace("/", "--")
    (folder / "unet").mkdir(parents=True)
    unet = "unet/diffusion_pytorch_model.safetensors"
    (folder / unet).write_bytes(MODEL_FILES[unet])
    hub = FakeHub()
    job = _provide(_pipeline(tmp_path), hub)
    assert f"{MODEL}/unet/diffusion_pytorch_model.safetensors" not in hub.fetched
    assert job.progress()["bytes_done"] == job.progress()["bytes_total"]


def test_a_lora_folder_with_its_own_lcm_adapter_needs_no_second_one(tmp_path):
    loras = tmp_path / "lora"
    loras.mkdir()
    (loras / "my-lcm.safetensors").write_bytes(b"x")
    hub = FakeHub()
    pipeline = _pipeline(tmp_path, lora_dir=str(loras))
    _provide(pipeline, hub)
    assert LCM_LORA not in hub.listed
    assert [f.name for f in pipeline.diffusion.lora_files.values() if f.is_lcm] == ["my-lcm"]


def test_without_a_gpu_nothing_is_downloaded(tmp_path):
    hub = FakeHub()
    pipeline = _pipeline(tmp_path)
    _provide(pipeline, hub, has_gpu=lambda device: False)
    status = describe_backend(pipeline.diffusion)
    assert hub.listed == [] and pipeline.diffusion is None
    assert status["backend"] == "classic" and "no GPU" in status["en"]


def test_nothing_happens_unless_asked_or_for_a_local_model(tmp_path):
    hub = FakeHub()
    unasked = _pipeline(tmp_path, sd_download_dir="")
    local = _pipeline(tmp_path, sd_model=str(tmp_path))  # a folder, not a hub id
    for pipeline in (unasked, local):
        assert _provide(pipeline, hub) is None and pipeline.diffusion == "built by the factory"
    assert hub.listed == [] and describe_backend(None)["backend"] == "classic"
    assert Settings.from_env({}).sd_download_dir == ""  # plain `./run.sh` and the tests never download


def test_serve_asks_for_the_download_only_with_the_setting(tmp_path, monkeypatch):
    from ui import cli

    called = []
    monkeypatch.setattr(download, "provide_models", lambda pipeline: called.append(pipeline))
    plain = _pipeline(tmp_path, sd_download_dir="")
    assert cli._models_provided(plain) is plain and called == []
    image = _pipeline(tmp_path)
    assert cli._models_provided(image) is image and called == [image]


def test_the_page_status_line_of_a_real_pipeline_shows_the_download(tmp_path):
    from emojigen.pipeline import Pipeline
    from ui.app import status_text

    settings = Settings(outputs_dir=tmp_path / "out", sd_model=MODEL, sd_download_dir=str(tmp_path / "models"))
    pipeline = Pipeline(settings)
    hub = FakeHub()
    lines: list[str] = []
    hub.during = lambda: lines.append(status_text(pipeline))
    _provide(pipeline, hub)
    assert any("downloading the Stable Diffusion model" in line and "%" in line for line in lines)
    assert isinstance(pipeline.diffusion, FakeStyler)


def test_the_hub_download_reports_its_bytes_and_draws_nothing(capsys):
    reported: list[int] = []
    bar_class = reporting_bar(reported.append)
    transfer, reconstruction = bar_class(total=100), bar_class(total=100)  # one transfer may show two bars
    transfer.update(40)
    reconstruction.update(30)
    transfer.update(60)
    transfer.close()
    reconstruction.close()
    assert reported == [40, 40, 100]
    assert capsys.readouterr().err == ""
