"""Encoding stickers into the files chat apps accept, fitted to each platform's limits."""

from emojigen.export.fit import Exported, TooLarge, export_animated, export_static
from emojigen.export.formats import encode_apng, encode_gif, encode_png, encode_png_quick, encode_webm, encode_webp
from emojigen.export.platforms import PLATFORMS, Platform, get_platform

__all__ = [
    "PLATFORMS", "Exported", "Platform", "TooLarge", "encode_apng", "encode_gif", "encode_png", "encode_png_quick",
    "encode_webm", "encode_webp", "export_animated", "export_static", "get_platform",
]
