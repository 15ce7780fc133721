"""Where the model runs: CUDA in fp16 if there is a GPU, else Apple MPS, else the CPU in fp32."""

from __future__ import annotations

import torch

from emojigen.errors import ModelUnavailable

DTYPES = {"fp16": torch.float16, "float16": torch.float16, "half": torch.float16,
          "bf16": torch.bfloat16, "bfloat16": torch.bfloat16,
          "fp32": torch.float32, "float32": torch.float32, "float": torch.float32}


def choose_device(device: str = "", dtype: str = "") -> tuple[str, torch.dtype]:
    """The device and dtype to run on: chosen automatically unless EMOJIGEN_SD_DEVICE / _SD_DTYPE say."""
    device = (device or "auto").strip().lower()
    if device == "auto":
        if torch.cuda.is_available():
            device = "cuda"
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            device = "mps"
        else:
            device = "cpu"
    elif device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelUnavailable(f"设置了 EMOJIGEN_SD_DEVICE={device}，但这台机器没有可用的 CUDA GPU。",
                               f"EMOJIGEN_SD_DEVICE={device} was set, but no CUDA GPU is available here.")
    elif device not in ("cpu", "mps") and not device.startswith("cuda"):
        raise ModelUnavailable(f"未知设备：{device}（可选 auto、cuda、mps、cpu）",
                               f"Unknown device {device!r} (choose auto, cuda, mps or cpu)")
    dtype = (dtype or "auto").strip().lower()
    if dtype == "auto":
        # Half precision halves the memory and is fast on GPUs; CPUs compute fp16 slowly, so fp32 there.
        return device, torch.float32 if device == "cpu" else torch.float16
    if dtype not in DTYPES:
        raise ModelUnavailable(f"未知精度：{dtype}（可选 auto、fp16、bf16、fp32）",
                               f"Unknown dtype {dtype!r} (choose auto, fp16, bf16 or fp32)")
    return device, DTYPES[dtype]
