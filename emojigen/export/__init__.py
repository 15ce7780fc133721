"""Encoding stickers into the files chat apps accept."""

from emojigen.export.png import encode_png

__all__ = ["encode_png"]
