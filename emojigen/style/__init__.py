"""Looks that need no model weights."""

from emojigen.style.classic import CLASSIC_STYLES, apply_style

__all__ = ["CLASSIC_STYLES", "apply_style"]
