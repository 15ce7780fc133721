"""emojigen: a face photo and a feeling in, a meme sticker (表情包) out.

Importing the package is light: models load on first use, and torch/diffusers are never imported here.
"""

__version__ = "0.1.0"

from emojigen.config import Settings  # noqa: E402
from emojigen.errors import BadInput, Blocked, EmojigenError, ModelUnavailable, NoFace  # noqa: E402
from emojigen.pipeline import Pipeline, Sticker, StickerRequest  # noqa: E402

__all__ = [
    "BadInput", "Blocked", "EmojigenError", "ModelUnavailable", "NoFace",
    "Pipeline", "Settings", "Sticker", "StickerRequest", "__version__",
]
