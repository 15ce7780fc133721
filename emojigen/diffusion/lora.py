"""LoRA adapters from a folder (EMOJIGEN_LORA_DIR), loaded into the pipeline through peft once each
and switched per request with set_adapters, never reloaded from disk.

The folder holds `<name>.safetensors` files or `<name>/pytorch_lora_weights.safetensors` folders (what
diffusers' training scripts write). An adapter whose name contains "lcm" is an LCM-LoRA: it turns
on the fast mode (LCMScheduler, 4 steps) and is applied by that mode, not picked by name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emojigen.errors import BadInput, ModelUnavailable

log = logging.getLogger(__name__)

DIFFUSERS_WEIGHT_NAME = "pytorch_lora_weights.safetensors"


@dataclass(frozen=True)
class LoraFile:
    name: str
    path: Path

    @property
    def is_lcm(self) -> bool:
        return "lcm" in self.name.lower()


def scan_loras(folder: str | Path | None) -> dict[str, LoraFile]:
    """The adapters in the folder by name (reading the folder only; nothing is loaded)."""
    if not folder:
        return {}
    root = Path(folder).expanduser()
    if not root.is_dir():
        log.warning("LoRA folder %s does not exist; no adapters", root)
        return {}
    found: dict[str, LoraFile] = {}
    for entry in sorted(root.iterdir()):
        if entry.is_file() and entry.suffix == ".safetensors":
            found[entry.stem] = LoraFile(entry.stem, entry)
        elif entry.is_dir() and (entry / DIFFUSERS_WEIGHT_NAME).is_file():
            found[entry.name] = LoraFile(entry.name, entry / DIFFUSERS_WEIGHT_NAME)
    return found


def rescan_loras(current: dict[str, LoraFile], folder: str | Path | None) -> dict[str, LoraFile]:
    """The folder read again (an adapter trained or copied in since start appears, a deleted one goes),
    keeping adapters that were added from elsewhere (a downloaded LCM-LoRA). A new dict: readers of the
    old one are not disturbed."""
    found = scan_loras(folder)
    root = Path(folder).expanduser().resolve() if folder else None
    for name, lora in current.items():
        inside = root is not None and lora.path.expanduser().resolve().is_relative_to(root)
        if name not in found and not inside:
            found[name] = lora
    return found


class AdapterSwitch:
    """Keeps track of what is loaded into one pipeline and makes a request's adapters the active ones."""

    def __init__(self, pipe: Any, files: dict[str, LoraFile], fuse_after: int = 0) -> None:
        self.pipe = pipe
        self.files = files
        self.loaded: set[str] = set()
        self.active: tuple[tuple[str, float], ...] = ()
        # Fusing: once the same adapters are asked `fuse_after` times in a row (0: never), they are merged
        # into the weights (no LoRA matmuls per pass); any change restores the saved weights first, exactly.
        self.fuse_after = fuse_after
        self.fused = False
        self._repeats = 0
        self._saved: list[tuple[Any, Any, Any]] = []  # (layer, weight copy, bias copy) while fused

    @property
    def styles(self) -> list[str]:
        """Adapters a user picks by name (the LCM-LoRA is used by fast mode instead)."""
        return [name for name, f in self.files.items() if not f.is_lcm]

    @property
    def fast_adapter(self) -> str | None:
        return next((name for name, f in self.files.items() if f.is_lcm), None)

    def activate(self, adapters: tuple[tuple[str, float], ...], fast: bool) -> tuple[tuple[str, float], ...]:
        """Make exactly these adapters (plus the LCM-LoRA in fast mode) active; returns what is active."""
        wanted = list(adapters)
        for name, _ in wanted:
            if name not in self.files or self.files[name].is_lcm:
                choices = ", ".join(self.styles) or "（无 / none）"
                raise BadInput(f"没有名为“{name}”的 LoRA。可选：{choices}",
                               f"There is no LoRA called {name!r}. Available: {choices}")
        if fast:
            if self.fast_adapter is None:
                raise BadInput("快速模式需要 LoRA 文件夹里有 LCM-LoRA（文件名含 lcm）。",
                               "Fast mode needs an LCM-LoRA (a file whose name contains 'lcm') in the LoRA folder.")
            wanted.append((self.fast_adapter, 1.0))
        target = tuple(wanted)
        if target == self.active:
            self._repeats += 1
            self._maybe_fuse()
            return target
        self.unfuse()
        self._repeats = 1
        for name, _ in target:
            self._load(name)
        if target:
            self.pipe.enable_lora()
            self.pipe.set_adapters([n for n, _ in target], adapter_weights=[w for _, w in target])
        elif self.loaded:
            self.pipe.disable_lora()  # the plain model again, exactly
        self.active = target
        self._maybe_fuse()
        return target

    def _maybe_fuse(self) -> None:
        if self.active and not self.fused and self.fuse_after and self._repeats >= self.fuse_after:
            self.fuse()

    def fuse(self) -> None:
        """Merge the active adapters into the weights, keeping a copy of every weight it changes."""
        import torch
        from peft.tuners.tuners_utils import BaseTunerLayer

        if self.fused or not self.active:
            return
        names = {name for name, _ in self.active}
        with torch.no_grad():
            for model in self._lora_models():
                for module in model.modules():
                    if isinstance(module, BaseTunerLayer) and names & set(getattr(module, "lora_A", {})):
                        base = module.get_base_layer()
                        bias = getattr(base, "bias", None)
                        self._saved.append((base, base.weight.detach().to("cpu", copy=True),
                                            None if bias is None else bias.detach().to("cpu", copy=True)))
        self.pipe.fuse_lora(adapter_names=[name for name, _ in self.active])
        self.fused = True

    def unfuse(self) -> None:
        """Undo `fuse`: peft's unmerge (its bookkeeping), then the saved weights put back bit for bit."""
        import torch

        if not self.fused:
            return
        self.pipe.unfuse_lora()
        with torch.no_grad():
            for base, weight, bias in self._saved:
                base.weight.copy_(weight)
                if bias is not None:
                    base.bias.copy_(bias)
        self._saved.clear()
        self.fused = False

    def _lora_models(self) -> list[Any]:
        return [m for m in (getattr(self.pipe, "unet", None), getattr(self.pipe, "text_encoder", None))
                if m is not None and getattr(m, "peft_config", None)]

    @property
    def touches_text_encoder(self) -> bool:
        """Whether an adapter changes the CLIP text encoder (then prompt embeddings depend on the adapters)."""
        return bool(getattr(self.pipe.text_encoder, "peft_config", None))

    def _load(self, name: str) -> None:
        if name in self.loaded:
            return
        lora = self.files[name]
        log.info("loading LoRA %s from %s", name, lora.path)
        try:
            self.pipe.load_lora_weights(str(lora.path.parent), weight_name=lora.path.name, adapter_name=name)
        except Exception as exc:  # noqa: BLE001 - peft/diffusers raise many kinds; name the file either way
            log.exception("loading LoRA %s failed", lora.path)
            raise ModelUnavailable(f"LoRA 文件 {lora.path} 无法加载（与模型不匹配或文件已损坏）。",
                                   f"The LoRA file {lora.path} cannot be loaded (it does not fit the model "
                                   f"or is damaged): {str(exc).splitlines()[0][:200] if str(exc) else ''}") from exc
        self.loaded.add(name)
