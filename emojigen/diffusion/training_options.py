"""What one LoRA training run is asked to do, checked before anything is loaded: the numbers, the
precision against the device, and the output folder (new, resumed, or started again)."""

from __future__ import annotations

import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from emojigen.diffusion.lora import DIFFUSERS_WEIGHT_NAME
from emojigen.errors import BadInput

PRECISIONS = ("no", "fp16", "bf16")
CHECKPOINTS = "checkpoints"  # OUTPUT/checkpoints/step-N
RECORD = "training.json"  # what the adapter was trained from, beside its weights
# A name the LoRA setting can say ("name" or "name:0.8, other:0.4"): no separators.
NAME = re.compile(r"^[^,，;；:/\\]+$")


@dataclass(frozen=True)
class TrainingOptions:
    images: Path
    base: str  # a diffusers folder, a single-file checkpoint or a hub id, as EMOJIGEN_SD_MODEL
    output: Path  # LORA_DIR/NAME
    steps: int = 500
    resolution: int = 512
    rank: int = 4
    lr: float = 1e-4
    batch_size: int = 1
    seed: int = 0
    gradient_checkpointing: bool = False
    mixed_precision: str = "no"
    checkpoint_every: int = 100  # 0: only at the end
    resume: bool = False
    overwrite: bool = False
    caption: str | None = None  # for images without a caption of their own
    flip: bool = False  # mirror half the pictures at random (not for lopsided expressions or text)
    config: str = ""  # a single-file checkpoint's layout: a diffusers folder or hub id
    device: str = "auto"
    keep_checkpoints: int = 3
    progress: bool = True  # the progress bar

    @property
    def name(self) -> str:
        return self.output.name

    def recipe(self) -> dict[str, Any]:
        """The settings a resumed run must share with the run it continues (the step count may grow)."""
        base = Path(self.base).expanduser()
        return {"base": str(base.resolve()) if base.exists() else self.base,
                "images": str(Path(self.images).expanduser().resolve()),
                "resolution": self.resolution, "rank": self.rank, "lr": self.lr, "batch_size": self.batch_size,
                "seed": self.seed, "flip": self.flip, "caption": self.caption,
                "mixed_precision": self.mixed_precision}

    def record(self) -> dict[str, Any]:
        values = asdict(self)
        return {key: str(value) if isinstance(value, Path) else value for key, value in values.items()
                if key not in ("resume", "overwrite", "progress", "device")}


def check(options: TrainingOptions) -> None:
    """Numbers and names; raises BadInput saying what to change."""
    problems = []
    if options.steps < 1:
        problems.append(("--steps 至少为 1", "--steps must be at least 1"))
    if options.resolution < 8 or options.resolution % 8:
        problems.append(("--resolution 须为 8 的倍数", "--resolution must be a multiple of 8"))
    if options.rank < 1:
        problems.append(("--rank 至少为 1", "--rank must be at least 1"))
    if not options.lr > 0:
        problems.append(("--lr 须大于 0", "--lr must be greater than 0"))
    if options.batch_size < 1:
        problems.append(("--batch-size 至少为 1", "--batch-size must be at least 1"))
    if options.checkpoint_every < 0:
        problems.append(("--checkpoint-every 不能为负", "--checkpoint-every cannot be negative"))
    if options.mixed_precision not in PRECISIONS:
        problems.append((f"--mixed-precision 可选 {', '.join(PRECISIONS)}",
                         f"--mixed-precision takes {', '.join(PRECISIONS)}"))
    if options.resume and options.overwrite:
        problems.append(("--resume 与 --overwrite 不能同时使用", "--resume and --overwrite cannot be used together"))
    if problems:
        raise BadInput("；".join(zh for zh, _ in problems) + "。", "; ".join(en for _, en in problems) + ".")
    name = options.name
    if not NAME.match(name) or name.startswith("."):
        raise BadInput(f"LoRA 名称“{name}”不能含逗号、分号、冒号或斜杠，也不能以点开头。",
                       f"The LoRA name {name!r} cannot contain commas, semicolons, colons or slashes, or start "
                       f"with a dot.")
    if "lcm" in name.lower():
        raise BadInput(f"LoRA 名称“{name}”含 lcm：这样的名称留给快速模式的 LCM-LoRA，请换一个名字。",
                       f"The LoRA name {name!r} contains 'lcm', which emojigen keeps for fast mode's LCM-LoRA; "
                       f"please choose another name.")


def check_precision(mixed_precision: str, device: str) -> None:
    """Mixed precision is for CUDA GPUs only: refused elsewhere with what to do instead."""
    if mixed_precision == "no":
        return
    if not device.startswith("cuda"):
        raise BadInput(f"混合精度（--mixed-precision {mixed_precision}）只能在 CUDA GPU 上使用，"
                       f"这里在 {device} 上训练。"
                       f"请去掉这个选项（或用 --mixed-precision no）。",
                       f"Mixed precision (--mixed-precision {mixed_precision}) needs a CUDA GPU; this machine "
                       f"trains on the {device}. Leave the option out (or use --mixed-precision no).")
    import torch

    if mixed_precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise BadInput("这块 GPU 不支持 bf16，请用 --mixed-precision fp16。",
                       "This GPU does not support bf16; use --mixed-precision fp16.")


def check_output(options: TrainingOptions) -> None:
    """Whether the output folder may be written: new, or (with --overwrite) an earlier run's to start
    again, or (with --resume) one with a checkpoint to continue from or nothing trained yet. Reads only."""
    output = options.output
    if output.exists() and not output.is_dir():
        raise BadInput(f"输出位置 {output} 是一个文件，不是文件夹。", f"The output {output} is a file, not a folder.")
    if options.overwrite:
        return
    if options.resume:
        from emojigen.diffusion.training_checkpoints import latest

        if latest(output) is None and (output / DIFFUSERS_WEIGHT_NAME).is_file():
            raise BadInput(f"{output} 里有训练好的 LoRA，但没有可继续的检查点。要重新训练请用 --overwrite。",
                           f"{output} holds a trained LoRA but no checkpoint to resume from. To train it again "
                           f"from the start, use --overwrite.")
    elif output.exists() and any(output.iterdir()):
        raise BadInput(f"输出文件夹 {output} 已存在。用 --resume 从最近的检查点继续训练，或用 --overwrite 重新开始"
                       f"（会删除之前的训练结果）。",
                       f"The output folder {output} already exists. Use --resume to continue its training from "
                       f"the latest checkpoint, or --overwrite to start again (this deletes the earlier "
                       f"training's files).")


def make_output(options: TrainingOptions) -> None:
    """The output folder, with (--overwrite) an earlier run's files deleted: only files this command
    writes, nothing else that is in the folder."""
    output = options.output
    if options.overwrite:
        shutil.rmtree(output / CHECKPOINTS, ignore_errors=True)
        for name in (DIFFUSERS_WEIGHT_NAME, RECORD):
            (output / name).unlink(missing_ok=True)
    output.mkdir(parents=True, exist_ok=True)
