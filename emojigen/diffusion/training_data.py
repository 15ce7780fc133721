"""The pictures and captions a LoRA is trained on: found, checked and prepared before any model loads.

A folder of images, each with its caption from (first found) a `metadata.jsonl` line
(`{"file_name": "a.png", "text": "..."}`), a `.txt` file beside it (`a.txt`), or one caption given for
all. Every image is read once up front, so a broken file is named before the long part starts.
Pictures are resized so the short side is the resolution, then center-cropped to a square, and kept
as RGB uint8 (the trainer turns them into the VAE's [-1, 1] range).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from emojigen.errors import BadInput

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff")
METADATA = "metadata.jsonl"


@dataclass(frozen=True)
class Example:
    path: Path
    caption: str
    pixels: np.ndarray  # RGB uint8 (resolution, resolution, 3)


def load_examples(folder: str | Path, resolution: int, caption: str | None = None) -> list[Example]:
    """Every image of the folder (sorted by name, so the order is the same on every machine) with its
    caption, prepared at the resolution. Raises BadInput naming what is missing or unreadable."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise BadInput(f"训练图片文件夹 {root} 不存在。", f"The training image folder {root} does not exist.")
    images = sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise BadInput(f"文件夹 {root} 里没有图片（支持 {', '.join(IMAGE_SUFFIXES)}）。",
                       f"There are no images in {root} (looked for {', '.join(IMAGE_SUFFIXES)}).")
    captions = read_metadata(root)
    examples = []
    for path in images:
        text = captions.get(path.name)
        if text is None and path.with_suffix(".txt").is_file():
            text = path.with_suffix(".txt").read_text(encoding="utf-8").strip()
        if not text:
            text = (caption or "").strip()
        if not text:
            raise BadInput(f"图片 {path.name} 没有说明文字：请在旁边放一个 {path.stem}.txt，或在 {METADATA} 里写一行，"
                           f"或用 --caption 给所有图片一个说明。",
                           f"The image {path.name} has no caption: put a {path.stem}.txt beside it, add a line "
                           f"for it to {METADATA}, or give one caption for all with --caption.")
        examples.append(Example(path, text, prepare_image(path, resolution)))
    return examples


def read_metadata(root: Path) -> dict[str, str]:
    """file name -> caption from metadata.jsonl (empty when there is none)."""
    path = root / METADATA
    if not path.is_file():
        return {}
    captions = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            name, text = Path(str(row["file_name"])).name, str(row["text"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadInput(f"{path} 第 {number} 行看不懂（每行应为 {{\"file_name\": ..., \"text\": ...}}）。",
                           f"Line {number} of {path} cannot be read (each line should be "
                           f"{{\"file_name\": ..., \"text\": ...}}).") from exc
        captions[name] = text.strip()
    return captions


def prepare_image(path: Path, resolution: int) -> np.ndarray:
    """RGB (transparency over white, as stickers are shown), short side resized to the resolution,
    center-cropped square; uint8 (H, W, 3)."""
    try:
        with Image.open(path) as image:
            image.load()
            picture = _rgb(image)
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise BadInput(f"图片 {path.name} 无法读取（文件损坏或不是图片）。",
                       f"The image {path.name} cannot be read (damaged, or not an image).") from exc
    width, height = picture.size
    scale = resolution / min(width, height)
    size = (max(resolution, round(width * scale)), max(resolution, round(height * scale)))
    picture = picture.resize(size, Image.Resampling.BICUBIC)
    left, top = (size[0] - resolution) // 2, (size[1] - resolution) // 2
    picture = picture.crop((left, top, left + resolution, top + resolution))
    return np.asarray(picture, dtype=np.uint8).copy()


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def batch_indices(count: int, batch_size: int, step: int, seed: int) -> list[int]:
    """Which examples step `step` (0-based) trains on: each epoch is a fresh permutation chosen by the
    seed and the epoch's number alone, so any step's batch is known without replaying the ones before
    (a resumed run sees exactly the data an uninterrupted one would)."""
    indices = []
    for position in range(step * batch_size, (step + 1) * batch_size):
        epoch, within = divmod(position, count)
        order = np.random.default_rng([seed, epoch]).permutation(count)
        indices.append(int(order[within]))
    return indices
