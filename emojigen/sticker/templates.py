"""Built-in templates: a folder each, with an image and a template.json.

Two kinds:
- "character": a drawn character with its own 68 landmarks, so expressions work without a photo.
- "face_slot": artwork with a slot that the user's face ("face": the inner face, e.g. the panda
  head) or cut-out head ("head": e.g. festival frames) is set into, under an optional overlay.
Every template has a caption box, in template pixels.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from emojigen.assets import assets_dir
from emojigen.errors import BadInput
from emojigen.face.geometry import FaceFrame
from emojigen.sticker.compose import alpha_over, place_on_canvas

log = logging.getLogger(__name__)

KINDS = ("character", "face_slot")


@dataclass(frozen=True)
class FaceSlot:
    centre: tuple[float, float]
    size: tuple[float, float]  # width, height of the slot
    content: str = "face"  # "face": the inner face, feathered; "head": the cut-out head and shoulders
    blend: str = "normal"  # "multiply": dark features printed onto the artwork's light face
    style: str | None = None  # a look the slot forces (the panda head is always black and white)


@dataclass(frozen=True)
class Template:
    name: str
    title: dict[str, str]
    kind: str
    folder: Path
    image: np.ndarray = field(repr=False)  # RGBA
    caption_box: tuple[int, int, int, int]
    landmarks: np.ndarray | None = field(default=None, repr=False)
    slot: FaceSlot | None = None
    overlay: np.ndarray | None = field(default=None, repr=False)
    captions: dict[str, list[str]] = field(default_factory=dict)
    captions_first: bool = False  # a festival's greeting beats the expression's caption

    @property
    def needs_photo(self) -> bool:
        return self.kind == "face_slot"

    @property
    def preview_path(self) -> Path:
        return self.folder / "preview.png"

    def describe(self) -> dict:
        """What the API's /templates and the gallery show."""
        # The preview as a path inside the package's templates folder: never where it is installed.
        return {"name": self.name, "title": self.title, "kind": self.kind, "needs_photo": self.needs_photo,
                "preview": f"templates/{self.preview_path.parent.name}/{self.preview_path.name}"}


def _rgba(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGBA")).copy()


def load_template(folder: Path) -> Template:
    spec = json.loads((folder / "template.json").read_text(encoding="utf-8"))
    if spec["kind"] not in KINDS:
        raise ValueError(f"{folder}: unknown template kind {spec['kind']!r}")
    landmarks = np.array(spec["landmarks"], np.float32) if "landmarks" in spec else None
    if spec["kind"] == "character" and (landmarks is None or landmarks.shape != (68, 2)):
        raise ValueError(f"{folder}: a character template needs 68 landmarks")
    slot = FaceSlot(**{k: tuple(v) if isinstance(v, list) else v for k, v in spec["face_slot"].items()}) \
        if "face_slot" in spec else None
    if spec["kind"] == "face_slot" and slot is None:
        raise ValueError(f"{folder}: a face_slot template needs a face_slot")
    overlay = _rgba(folder / spec["overlay"]) if spec.get("overlay") else None
    return Template(spec["name"], spec["title"], spec["kind"], folder, _rgba(folder / spec["image"]),
                    tuple(spec["caption_box"]), landmarks, slot, overlay, spec.get("captions", {}),
                    bool(spec.get("captions_first", False)))


@functools.lru_cache(maxsize=4)
def load_templates(root: Path | None = None) -> dict[str, Template]:
    """Every template under `root` (assets/templates by default), by name; a broken one is logged and skipped."""
    root = root or assets_dir() / "templates"
    found: dict[str, Template] = {}
    for folder in sorted(p for p in root.iterdir() if (p / "template.json").is_file()) if root.is_dir() else []:
        try:
            template = load_template(folder)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error("template %s cannot be used: %s", folder.name, exc)
            continue
        found[template.name] = template
    return found


def get_template(name: str, templates: dict[str, Template]) -> Template:
    if name not in templates:
        raise BadInput(f"没有这个模板：{name}（可选：{', '.join(templates)}）",
                       f"No such template: {name} (choose from {', '.join(templates)})")
    return templates[name]


def compose_in_slot(template: Template, styled: np.ndarray, alpha: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Set the user's styled face (or cut-out head) into the template's slot; returns the RGBA artwork."""
    slot = template.slot
    assert slot is not None
    canvas = template.image.copy()
    if slot.content == "head":
        w, h = (round(v) for v in slot.size)
        placed = place_on_canvas(styled, alpha, max(w, h), margin=0)
        x0, y0 = round(slot.centre[0] - max(w, h) / 2), round(slot.centre[1] - max(w, h) / 2)
        layer = np.zeros_like(canvas)
        _paste(layer, placed, x0, y0)
    else:
        layer = _face_layer(styled, landmarks, slot, canvas.shape[:2])
    canvas = _blend(canvas, layer, slot.blend)
    if template.overlay is not None:
        canvas = _over(canvas, template.overlay)
    return canvas


def _face_layer(rgb: np.ndarray, landmarks: np.ndarray, slot: FaceSlot, shape: tuple[int, int]) -> np.ndarray:
    """The inner face (brows to chin) moved, scaled and rotated so that it fills the slot, with a feathered edge."""
    frame = FaceFrame.from_landmarks(landmarks)
    local = frame.to_local(landmarks)
    # The face's own box in face units: jaw width, from above the brows to the chin.
    left, right = local[:17, 0].min(), local[:17, 0].max()
    top, bottom = local[17:27, 1].min() - 0.3, local[8, 1]
    scale = min(slot.size[0] / (right - left), slot.size[1] / (bottom - top))
    centre_local = np.array([(left + right) / 2, (top + bottom) / 2])
    # Image -> face units is rotation / unit about the eye midpoint; then scale into the slot.
    linear = scale * np.stack([frame.x_axis, frame.y_axis]) / frame.unit
    offset = np.array(slot.centre) - linear @ frame.origin - scale * centre_local
    matrix = np.hstack([linear, offset[:, None]]).astype(np.float32)
    h, w = shape
    moved = cv2.warpAffine(rgb, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mask = np.zeros((h, w), np.float32)
    axes = (round(slot.size[0] / 2), round(slot.size[1] / 2))
    cv2.ellipse(mask, (round(slot.centre[0]), round(slot.centre[1])), axes, 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), max(2.0, min(axes) / 8))
    return np.dstack([moved, (mask * 255).astype(np.uint8)])


def _paste(layer: np.ndarray, image: np.ndarray, x0: int, y0: int) -> None:
    h, w = layer.shape[:2]
    sx0, sy0 = max(0, -x0), max(0, -y0)
    dx0, dy0 = max(0, x0), max(0, y0)
    dx1, dy1 = min(w, x0 + image.shape[1]), min(h, y0 + image.shape[0])
    layer[dy0:dy1, dx0:dx1] = image[sy0:sy0 + dy1 - dy0, sx0:sx0 + dx1 - dx0]


def _over(base: np.ndarray, top: np.ndarray) -> np.ndarray:
    return alpha_over(top, base[..., :3], base[..., 3] / 255.0)


def _blend(base: np.ndarray, layer: np.ndarray, mode: str) -> np.ndarray:
    if mode != "multiply":
        return _over(base, layer)
    # Multiply: the artwork's white face takes the features' darkness; its black outline stays black.
    a = layer[..., 3:4].astype(np.float32) / 255.0
    product = base[..., :3].astype(np.float32) * layer[..., :3] / 255.0
    rgb = base[..., :3] * (1 - a) + product * a
    return np.dstack([rgb.round().clip(0, 255).astype(np.uint8), base[..., 3]])
