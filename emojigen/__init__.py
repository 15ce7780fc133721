"""emojigen: a face photo and a feeling in, a meme sticker (表情包) out.

Importing the package is light: models load on first use, and torch/diffusers are never imported here.
"""

from emojigen._version import __version__
from emojigen.config import Settings
from emojigen.errors import BadInput, BadParameter, Blocked, EmojigenError, ModelUnavailable, NoFace
from emojigen.factory import build_pipeline
from emojigen.notices import Notice
from emojigen.pipeline import Pipeline, Sticker, StickerRequest
from emojigen.spec import Request

__all__ = [
    "BadInput", "BadParameter", "Blocked", "EmojigenError", "ModelUnavailable", "NoFace", "Notice",
    "Pipeline", "Request", "Settings", "Sticker", "StickerRequest", "__version__", "build_pipeline",
]
