"""LoRA training of a Stable Diffusion 1.x/2.x UNet on a folder of captioned pictures (the
`emojigen train-lora` command).

The standard recipe: VAE latents (x the VAE's scaling factor) noised by a DDPM schedule at random
timesteps, the UNet (frozen, with trainable LoRA layers on its attention) predicting the noise or the
velocity (whichever the model's scheduler says), MSE loss, AdamW, gradients clipped at 1.

Every random choice of a step (which pictures, mirrored or not, the latent sample, the noise, the
timesteps) comes from a generator seeded by (seed, step) alone, so a run resumed from a checkpoint
computes exactly what an uninterrupted one would. The adapter is saved in diffusers' format as
OUTPUT/pytorch_lora_weights.safetensors, the layout emojigen's LoRA folder reads, written in one
rename so a running server never sees half a file.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from emojigen.diffusion import training_checkpoints as checkpoints
from emojigen.diffusion.lora import DIFFUSERS_WEIGHT_NAME
from emojigen.diffusion.training_data import Example, batch_indices, load_examples
from emojigen.diffusion.training_options import (
    RECORD,
    TrainingOptions,
    check,
    check_output,
    check_precision,
    make_output,
)
from emojigen.errors import BadInput, EmojigenError

log = logging.getLogger(__name__)

LORA_TARGETS = ["to_q", "to_k", "to_v", "to_out.0"]  # the UNet's attention, as diffusers' example trains
MAX_GRAD_NORM = 1.0
WEIGHT_DECAY = 1e-2
PRECISION_DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}

StepCallback = Callable[[int, float], None]  # (steps done, loss)


class TrainingStopped(EmojigenError):
    """Ctrl-C: the run stopped after saving a checkpoint it can resume from."""


@dataclass
class Result:
    weights: Path
    steps: int
    resumed_from: int
    losses: list[float] = field(default_factory=list)
    seconds_per_step: float = 0.0


@dataclass
class Batch:
    latents: torch.Tensor
    embeddings: torch.Tensor
    noise: torch.Tensor
    timesteps: torch.Tensor


class LoraTrainer:
    """The model parts, the LoRA layers and the optimizer of one run; `train_step(step)` does step `step`
    (0-based). Built by `LoraTrainer.create`, which loads the base model."""

    def __init__(self, options: TrainingOptions, examples: list[Example], pipe: Any, device: str) -> None:
        from diffusers import DDPMScheduler
        from peft import LoraConfig

        self.options = options
        self.examples = examples
        self.device = device
        self.weight_dtype = PRECISION_DTYPES.get(options.mixed_precision, torch.float32)
        self.unet, self.vae = pipe.unet, pipe.vae
        self.text_encoder, self.tokenizer = pipe.text_encoder, pipe.tokenizer
        self.noise_scheduler = DDPMScheduler.from_config(pipe.scheduler.config)
        self.prediction = self.noise_scheduler.config.prediction_type
        if self.prediction not in ("epsilon", "v_prediction"):
            raise BadInput(f"不支持预测类型 {self.prediction}（支持 epsilon、v_prediction）。",
                           f"The model's scheduler predicts {self.prediction!r}; training supports epsilon and "
                           f"v_prediction.")
        for module in (self.unet, self.vae, self.text_encoder):
            module.requires_grad_(False)
            if self.weight_dtype == torch.float32:
                module.to(device)
            else:
                module.to(device, self.weight_dtype)  # the frozen weights in half precision; LoRA stays fp32
        self.vae.eval()
        self.text_encoder.eval()
        torch.manual_seed(options.seed)  # the LoRA layers' initial weights
        self.unet.add_adapter(LoraConfig(r=options.rank, lora_alpha=options.rank, init_lora_weights="gaussian",
                                         target_modules=LORA_TARGETS))
        self.parameters = {name: p for name, p in self.unet.named_parameters() if p.requires_grad}
        for parameter in self.parameters.values():
            parameter.data = parameter.data.float()  # trained in fp32 even when the frozen weights are halved
        if options.gradient_checkpointing:
            self.unet.enable_gradient_checkpointing()
        self.unet.train()
        self.optimizer = torch.optim.AdamW(list(self.parameters.values()), lr=options.lr, weight_decay=WEIGHT_DECAY)
        self.scaler = torch.amp.GradScaler("cuda") if options.mixed_precision == "fp16" else None
        self._latents: dict[tuple[int, bool], tuple[torch.Tensor, torch.Tensor]] = {}
        self._embeddings: dict[str, torch.Tensor] = {}

    @classmethod
    def create(cls, options: TrainingOptions, examples: list[Example]) -> LoraTrainer:
        from emojigen.diffusion.device import choose_device
        from emojigen.diffusion.loading import load_img2img

        device, _ = choose_device(options.device, "fp32")
        check_precision(options.mixed_precision, device)
        pipe = load_img2img(options.base, device, torch.float32, options.config)
        return cls(options, examples, pipe, device)

    # -- one step ---------------------------------------------------------------------------------

    def batch(self, step: int) -> Batch:
        """Step `step`'s pictures, noise and timesteps: the same for the same (seed, step), always."""
        options = self.options
        generator = torch.Generator("cpu").manual_seed(step_seed(options.seed, step))
        chosen = batch_indices(len(self.examples), options.batch_size, step, options.seed)
        mirrored = (torch.rand(len(chosen), generator=generator) < 0.5).tolist() if options.flip \
            else [False] * len(chosen)
        latents = []
        for index, mirror in zip(chosen, mirrored, strict=True):
            mean, std = self._latent_distribution(index, mirror)
            sample = mean + std * torch.randn(mean.shape, generator=generator)
            latents.append(sample * self.vae.config.scaling_factor)
        stacked = torch.stack(latents)
        noise = torch.randn(stacked.shape, generator=generator)
        timesteps = torch.randint(0, self.noise_scheduler.config.num_train_timesteps, (len(chosen),),
                                  generator=generator)
        embeddings = torch.cat([self._embedding(self.examples[i].caption) for i in chosen])
        return Batch(stacked.to(self.device), embeddings, noise.to(self.device), timesteps.to(self.device))

    def loss(self, batch: Batch) -> torch.Tensor:
        noisy = self.noise_scheduler.add_noise(batch.latents, batch.noise, batch.timesteps)
        if self.prediction == "epsilon":
            target = batch.noise
        else:
            target = self.noise_scheduler.get_velocity(batch.latents, batch.noise, batch.timesteps)
        with self._autocast():
            predicted = self.unet(noisy.to(self.weight_dtype), batch.timesteps, batch.embeddings,
                                  return_dict=False)[0]
        return F.mse_loss(predicted.float(), target.float(), reduction="mean")

    def train_step(self, step: int) -> float:
        loss = self.loss(self.batch(step))
        if not torch.isfinite(loss):
            raise BadInput(f"第 {step + 1} 步的损失不是有限数（{loss.item()}）：请调小 --lr，或不用 fp16。",
                           f"The loss at step {step + 1} is not finite ({loss.item()}): lower --lr, or train "
                           f"without fp16.")
        parameters = list(self.parameters.values())
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(parameters, MAX_GRAD_NORM)
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, MAX_GRAD_NORM)
            self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss.detach())

    def _autocast(self):
        if self.weight_dtype == torch.float32:
            return torch.autocast(self.device.split(":")[0], enabled=False)
        return torch.autocast("cuda", dtype=self.weight_dtype)

    @torch.no_grad()
    def _latent_distribution(self, index: int, mirror: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """The VAE's latent mean and standard deviation for a picture (encoded once, alone, so the result
        does not depend on what else is in a batch); sampled afresh every step."""
        key = (index, mirror)
        if key not in self._latents:
            pixels = self.examples[index].pixels
            if mirror:
                pixels = pixels[:, ::-1]
            tensor = torch.from_numpy(np.ascontiguousarray(pixels)).permute(2, 0, 1).float() / 127.5 - 1.0
            dist = self.vae.encode(tensor[None].to(self.device, self.weight_dtype)).latent_dist
            self._latents[key] = (dist.mean[0].float().cpu(), dist.std[0].float().cpu())
        return self._latents[key]

    @torch.no_grad()
    def _embedding(self, caption: str) -> torch.Tensor:
        if caption not in self._embeddings:
            ids = self.tokenizer(caption, padding="max_length", max_length=self.tokenizer.model_max_length,
                                 truncation=True, return_tensors="pt").input_ids
            self._embeddings[caption] = self.text_encoder(ids.to(self.device), return_dict=False)[0]
        return self._embeddings[caption]

    # -- saving -----------------------------------------------------------------------------------

    def save_checkpoint(self, step: int) -> Path:
        return checkpoints.save(self.options.output, step, self.options.recipe(), self.parameters, self.optimizer,
                                self.scaler, self.options.keep_checkpoints)

    def restore(self, checkpoint: checkpoints.Checkpoint) -> None:
        checkpoints.restore(checkpoint, self.parameters, self.optimizer, self.scaler)

    def save_adapter(self) -> Path:
        """OUTPUT/pytorch_lora_weights.safetensors in diffusers' format, appearing in one rename."""
        from diffusers import StableDiffusionPipeline
        from diffusers.utils import convert_state_dict_to_diffusers
        from peft.utils import get_peft_model_state_dict

        output = self.options.output
        layers = convert_state_dict_to_diffusers(get_peft_model_state_dict(self.unet))
        layers = {name: tensor.detach().float().cpu().contiguous() for name, tensor in layers.items()}
        partial = output / ".partial"
        shutil.rmtree(partial, ignore_errors=True)
        StableDiffusionPipeline.save_lora_weights(partial, unet_lora_layers=layers, weight_name=DIFFUSERS_WEIGHT_NAME,
                                                  unet_lora_adapter_metadata=self.unet.peft_config["default"].to_dict())
        os.replace(partial / DIFFUSERS_WEIGHT_NAME, output / DIFFUSERS_WEIGHT_NAME)
        shutil.rmtree(partial, ignore_errors=True)
        (output / RECORD).write_text(json.dumps(self.options.record(), indent=1, ensure_ascii=False), encoding="utf-8")
        return output / DIFFUSERS_WEIGHT_NAME


def step_seed(seed: int, step: int) -> int:
    return int(np.random.SeedSequence([seed, step]).generate_state(1, dtype=np.uint64)[0] >> 1)


def resume_point(options: TrainingOptions) -> checkpoints.Checkpoint | None:
    """The checkpoint --resume continues from, checked against this run's settings."""
    if not options.resume:
        return None
    checkpoint = checkpoints.latest(options.output)
    if checkpoint is None:
        log.info("no checkpoint in %s yet: starting from the beginning", options.output)
        return None
    if checkpoint.step > options.steps:
        raise BadInput(f"最近的检查点已在第 {checkpoint.step} 步，超过了 --steps {options.steps}。",
                       f"The latest checkpoint is at step {checkpoint.step}, beyond --steps {options.steps}.")
    differs = {key: value for key, value in checkpoint.recipe.items() if options.recipe().get(key) != value}
    if differs:
        saved = ", ".join(f"{key}={value!r}" for key, value in differs.items())
        raise BadInput(f"检查点 {checkpoint.path} 的训练设置与这次不同（{saved}）。"
                       f"请用相同的设置继续，或用 --overwrite 重新开始。",
                       f"The checkpoint {checkpoint.path} was trained with other settings ({saved}). Resume with "
                       f"the same settings, or start again with --overwrite.")
    return checkpoint


def train(options: TrainingOptions, on_step: StepCallback | None = None,
          trainer_factory: Callable[[TrainingOptions, list[Example]], LoraTrainer] = LoraTrainer.create) -> Result:
    """Train (or resume) and save the adapter. Everything that can be checked without the model is
    checked first (the numbers, the output folder, the pictures and their captions), and nothing is
    written or deleted before the model has loaded."""
    from tqdm.auto import tqdm

    check(options)
    check_output(options)
    start = resume_point(options)
    examples = load_examples(options.images, options.resolution, options.caption)
    trainer = trainer_factory(options, examples)
    make_output(options)
    first = 0
    if start is not None:
        trainer.restore(start)
        first = start.step
        log.info("resuming %s from step %d", options.name, first)
    losses: list[float] = []
    began = time.perf_counter()
    bar = tqdm(total=options.steps, initial=min(first, options.steps), desc=f"LoRA {options.name}", unit="step",
               disable=not options.progress, dynamic_ncols=True)
    step = first
    try:
        while step < options.steps:
            loss = trainer.train_step(step)
            step += 1
            losses.append(loss)
            bar.set_postfix(loss=f"{loss:.4f}")
            bar.update(1)
            if on_step is not None:
                on_step(step, loss)
            if options.checkpoint_every and step % options.checkpoint_every == 0 and step < options.steps:
                trainer.save_checkpoint(step)
    except KeyboardInterrupt:
        bar.close()
        if step > first:
            saved = trainer.save_checkpoint(step)
            raise TrainingStopped(f"训练在第 {step} 步停止，检查点已保存在 {saved}。"
                                  f"加 --resume 再运行同一命令即可继续。",
                                  f"Training stopped at step {step}; a checkpoint is saved in {saved}. Run the same "
                                  f"command with --resume to continue.") from None
        raise TrainingStopped("训练已停止，尚未完成任何一步。", "Training stopped before any step was done.") from None
    bar.close()
    if step > first or checkpoints.latest(options.output) is None:
        trainer.save_checkpoint(step)
    weights = trainer.save_adapter()
    done = len(losses)
    seconds = (time.perf_counter() - began) / done if done else 0.0
    return Result(weights, step, first, losses, seconds)
