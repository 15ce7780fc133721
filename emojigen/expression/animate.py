"""Animation with the same engine: neutral -> expression -> hold -> neutral, eased."""

from __future__ import annotations

import numpy as np

from emojigen.expression.render import RenderedFace, render_expression

DEFAULT_FRAMES = 16
HOLD = 0.25  # share of the frames spent holding the full expression


def intensity_curve(frames: int, intensity: float) -> list[float]:
    """Per-frame intensity: eased in, held, eased out; starts and ends at 0 so the loop is seamless."""
    if frames < 3:
        raise ValueError("an animation needs at least 3 frames")
    hold = max(1, round(frames * HOLD))
    ramp = frames - hold
    up = ramp // 2 + ramp % 2
    down = ramp - up
    ease = lambda x: 0.5 - 0.5 * np.cos(np.pi * x)  # noqa: E731 - a one-line easing curve
    rise = [ease(i / up) for i in range(up)]
    fall = [ease(1 - (i + 1) / (down + 1)) for i in range(down)]
    return [round(float(intensity * v), 4) for v in rise + [1.0] * hold + fall]


def animate_expression(image: np.ndarray, landmarks: np.ndarray, expression: str, intensity: float,
                       frames: int = DEFAULT_FRAMES) -> list[RenderedFace]:
    """The face at every step of the curve (the first frame is the face as it is)."""
    return [render_expression(image, landmarks, expression, k) for k in intensity_curve(frames, intensity)]
