"""Training checkpoints: NAME/checkpoints/step-N/ with everything a run needs to go on exactly where it
stopped: the adapter's trainable weights (as they are in the model, bit for bit), the optimizer's
state (and the fp16 loss scaler's), the random number generators' states and the step.

A checkpoint is written into a `.partial` folder and renamed when complete, so an interrupted save
never leaves a half checkpoint for `--resume` to pick up.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from emojigen.diffusion.training_options import CHECKPOINTS as FOLDER
from emojigen.errors import BadInput

ADAPTER = "adapter.safetensors"
OPTIMIZER = "optimizer.pt"
RNG = "rng.pt"
STATE = "state.json"  # written last: a folder without it is not a checkpoint


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    step: int
    recipe: dict[str, Any]  # the settings a resumed run must share (seed, rank, resolution, data...)


def checkpoints_of(output: Path) -> list[Checkpoint]:
    """The complete checkpoints under output/checkpoints, oldest step first."""
    root = output / FOLDER
    if not root.is_dir():
        return []
    found = []
    for entry in root.iterdir():
        if entry.is_dir() and entry.name.startswith("step-") and (entry / STATE).is_file():
            try:
                state = json.loads((entry / STATE).read_text(encoding="utf-8"))
                found.append(Checkpoint(entry, int(state["step"]), state["recipe"]))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # damaged: an older one may still do
    return sorted(found, key=lambda c: c.step)


def latest(output: Path) -> Checkpoint | None:
    found = checkpoints_of(output)
    return found[-1] if found else None


def save(output: Path, step: int, recipe: dict[str, Any], trainable: dict[str, torch.Tensor],
         optimizer: torch.optim.Optimizer, scaler: Any = None, keep: int = 3) -> Path:
    """Write checkpoint step-N (replacing one of that step) and keep only the newest `keep`."""
    root = output / FOLDER
    final = root / f"step-{step}"
    partial = root / f"step-{step}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    save_file({name: t.detach().contiguous().cpu() for name, t in trainable.items()}, str(partial / ADAPTER))
    torch.save({"optimizer": optimizer.state_dict(), "scaler": scaler.state_dict() if scaler is not None else None},
               partial / OPTIMIZER)
    torch.save(rng_states(), partial / RNG)
    (partial / STATE).write_text(json.dumps({"step": step, "recipe": recipe}, indent=1), encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    for old in checkpoints_of(output)[:-keep] if keep > 0 else []:
        shutil.rmtree(old.path, ignore_errors=True)
    return final


def restore(checkpoint: Checkpoint, parameters: dict[str, torch.nn.Parameter], optimizer: torch.optim.Optimizer,
            scaler: Any = None) -> None:
    """Put the checkpoint's adapter weights, optimizer state and generator states back."""
    weights = load_file(str(checkpoint.path / ADAPTER))
    if set(weights) != set(parameters):
        raise BadInput(f"检查点 {checkpoint.path} 与这次训练的 LoRA 不一致，无法继续。",
                       f"The checkpoint {checkpoint.path} does not fit this run's LoRA layers, so it cannot be "
                       f"resumed.")
    with torch.no_grad():
        for name, parameter in parameters.items():
            parameter.copy_(weights[name].to(parameter.device, parameter.dtype))
    saved = torch.load(checkpoint.path / OPTIMIZER, map_location="cpu", weights_only=True)
    optimizer.load_state_dict(saved["optimizer"])
    if scaler is not None and saved.get("scaler"):
        scaler.load_state_dict(saved["scaler"])
    set_rng_states(torch.load(checkpoint.path / RNG, map_location="cpu", weights_only=False))


def rng_states() -> dict[str, Any]:
    states: dict[str, Any] = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),
                              "python": random.getstate()}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: dict[str, Any]) -> None:
    torch.set_rng_state(states["torch"])
    np.random.set_state(states["numpy"])
    random.setstate(states["python"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
