"""The part of a photo that every sticker made from it shares: the head-and-shoulders crop, its
landmarks and its cut-out matte, computed once per photo and reused by every expression, frame
and pack member (and kept in one place, so an animation's frames cannot jitter)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from emojigen.sticker.compose import crop_head
from emojigen.sticker.cutout import DEFAULT_METHOD, matte

MAX_ENLARGE = 3.0  # a small face is drawn up to this many times larger (see head_at_working_size)


@dataclass(frozen=True)
class Subject:
    image: np.ndarray  # RGB head-and-shoulders crop at working resolution
    landmarks: np.ndarray  # (68, 2) in crop pixels
    alpha: np.ndarray  # (H, W) uint8 matte of the person in the crop


def prepare_subject(rgb: np.ndarray, landmarks: np.ndarray, work_side: int, cutout: str = DEFAULT_METHOD) -> Subject:
    """Crop the head and shoulders at the working size and cut the person out (`cutout`: one of
    cutout.METHODS). Expressions are drawn at this size, so smaller stickers cost less."""
    image, points = head_at_working_size(rgb, landmarks, work_side)
    return Subject(image, points, matte(image, points, cutout))


def head_at_working_size(rgb: np.ndarray, landmarks: np.ndarray, work_side: int) -> tuple[np.ndarray, np.ndarray]:
    """The head-and-shoulders crop at `work_side`, and its landmarks as float32: what the expression
    engine draws on. A small face is enlarged first (up to MAX_ENLARGE times), so the lips, lids, irises
    and creases painted on it are drawn at the sticker's resolution instead of being blown up after."""
    head = crop_head(rgb, landmarks)
    image, points = head.image, head.landmarks
    scale = min(work_side / max(image.shape[:2]), MAX_ENLARGE)
    if scale < 1 or scale > 1.1:
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LANCZOS4)
        points = points * np.float32(scale)
    return np.ascontiguousarray(image), points.astype(np.float32)


def subject_from_cutout(rgba: np.ndarray, landmarks: np.ndarray) -> Subject:
    """A subject that is already cut out (a drawn character): its own alpha is the matte."""
    return Subject(np.ascontiguousarray(rgba[..., :3]), landmarks.astype(np.float32),
                   np.ascontiguousarray(rgba[..., 3]))
