"""`emojigen train-lora`: its options and what it prints. The training itself is training.py's."""

from __future__ import annotations

import argparse
from pathlib import Path

from emojigen.diffusion.training_options import PRECISIONS, TrainingOptions


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("images", type=Path, metavar="IMAGES",
                        help="folder of training pictures, each captioned by a .txt beside it, a line of "
                             "metadata.jsonl ({\"file_name\": ..., \"text\": ...}) or --caption")
    parser.add_argument("--base", required=True, metavar="MODEL",
                        help="the Stable Diffusion 1.x/2.x model to train on: a diffusers folder, a .safetensors/"
                             ".ckpt file or a hub id (as EMOJIGEN_SD_MODEL)")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="LORA_DIR/NAME",
                        help="where the adapter goes: a folder named after the LoRA inside the server's LoRA "
                             "folder (EMOJIGEN_LORA_DIR)")
    parser.add_argument("--steps", type=int, default=500, help="training steps (default 500)")
    parser.add_argument("--resolution", type=int, default=512,
                        help="pictures are resized and center-cropped to this square (default 512)")
    parser.add_argument("--rank", type=int, default=4, help="LoRA rank (default 4)")
    parser.add_argument("--lr", type=float, default=1e-4, help="learning rate (default 1e-4)")
    parser.add_argument("--batch-size", type=int, default=1, help="pictures per step (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the data order, noise and initial weights")
    parser.add_argument("--flip", action="store_true",
                        help="mirror half the pictures at random (leave off for one-sided expressions or text)")
    parser.add_argument("--caption", help="caption for every picture that has none of its own")
    parser.add_argument("--gradient-checkpointing", action="store_true",
                        help="recompute activations in the backward pass: less memory, slower steps")
    parser.add_argument("--mixed-precision", default="no", choices=PRECISIONS,
                        help="fp16 or bf16 compute on a CUDA GPU (default no)")
    parser.add_argument("--checkpoint-every", type=int, default=100,
                        help="save a checkpoint every N steps (default 100; 0: only at the end)")
    parser.add_argument("--keep-checkpoints", type=int, default=3, help="how many checkpoints to keep (default 3)")
    parser.add_argument("--resume", action="store_true", help="continue from the output's latest checkpoint")
    parser.add_argument("--overwrite", action="store_true", help="start again, deleting the output's earlier "
                        "training (weights and checkpoints)")
    parser.add_argument("--config", default="",
                        help="for a single-file --base: a diffusers folder or hub id with the model's layout "
                             "(EMOJIGEN_SD_CONFIG)")
    parser.add_argument("--device", default="auto", help="auto, cuda, mps or cpu")


def options_from_args(args: argparse.Namespace) -> TrainingOptions:
    from emojigen.config import Settings

    return TrainingOptions(
        images=args.images, base=args.base, output=args.output, steps=args.steps, resolution=args.resolution,
        rank=args.rank, lr=args.lr, batch_size=args.batch_size, seed=args.seed,
        gradient_checkpointing=args.gradient_checkpointing, mixed_precision=args.mixed_precision,
        checkpoint_every=args.checkpoint_every, resume=args.resume, overwrite=args.overwrite,
        caption=args.caption, flip=args.flip, config=args.config or Settings.from_env().sd_config, device=args.device,
        keep_checkpoints=args.keep_checkpoints)


def run(args: argparse.Namespace) -> int:
    from emojigen.diffusion.training import train

    options = options_from_args(args)
    result = train(options)
    if result.resumed_from:
        print(f"resumed at step {result.resumed_from}")
    timing = f", {result.seconds_per_step:.2f} s a step" if result.seconds_per_step else ""
    print(f"{result.weights}: LoRA {options.name!r}, {result.steps} steps{timing}")
    print(f"use it with EMOJIGEN_LORA_DIR={options.output.parent} and --lora {options.name} "
          f"(a running server lists it when its LoRA choice is opened)")
    return 0
